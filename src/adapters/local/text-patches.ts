/**
 * A local snapshot's hunks, computed by git (`WorkspaceSnapshot.textPatches` with
 * `textPatchesSelectable`): every diff of the snapshot and every hunk promotion from it take a text
 * file's hunks from here, so the hunk ids a reviewer saw are the ones the promotion finds, and a
 * 1,000-file diff costs one git process instead of two blob reads and a JavaScript diff per file.
 *
 * The hunks of a pair of blobs are git's diff of exactly those two blobs with fixed options
 * ({@link HUNK_DIFF_ARGS}: Myers with the indent heuristic, 3 lines of context, hunks merged as git
 * merges them), whichever way they are computed:
 * 1. one `diff-index --cached -p --raw` of the snapshot's private index (or `diff-tree` of its commit)
 *    against the baseline; each section is used only for a change whose path, modes and blob ids it
 *    names (the index may have moved since the snapshot);
 * 2. the same with `--text` for the files git called binary that are text by Gittrix's own rule;
 * 3. `git diff --text <old blob> <new blob>` for a modified file the first two did not give (its old
 *    side is what an earlier promotion wrote).
 *
 * Why not git's binary verdict: it follows `.gitattributes`, which the agent writes (`-diff` would show
 * a text file to the reviewer as `Binary files … differ`). Git's verdict is re-checked by the rule of
 * src/core/hunks.ts `asText` (a NUL in the first 8,000 bytes of either side); a file is binary only when
 * that rule says so. An attribute that forces `diff` on binary content shows it as text: more for the
 * reviewer to read, never less; its hunks are still refused for promotion (hunks.ts `textSides`).
 * Textconv and external diff drivers never run (`--no-textconv`, `--no-ext-diff`), and the diff
 * options a configuration can change are given on the command line.
 */
import { decodeBytes, encodeText, hasEscapedBytes } from '../../core/bytes.ts'
import { hunkSelectable } from '../../core/hunks.ts'
import type { HostTextPatch, TreeChange } from '../../core/types.ts'
import { NEUTRAL_DIFF_CONFIG } from '../../git/safe-config.ts'
import { type PatchSection, parsePatchSections, splitRawAndPatch } from '../../git/diff-output.ts'
import type { GitRepo } from '../../git/repo.ts'

/**
 * Options every hunk-producing git diff of a local workspace runs with, whatever the repository's
 * configuration says (`diff.algorithm`, `diff.indentHeuristic`, `diff.context`, `diff.interHunkContext`,
 * `diff.orderFile`, `diff.submodule`, `core.abbrev`…): the hunks of two blobs must be the same in a
 * review and in the promotion that selects among them.
 */
export const HUNK_DIFF_ARGS = [
  '--no-renames',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--full-index',
  '--no-abbrev',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  '--submodule=short',
  '--ignore-submodules=none',
  '--unified=3',
  '--inter-hunk-context=0',
  '--diff-algorithm=myers',
  '--indent-heuristic',
  '-O/dev/null',
] as const

/** What the snapshot compares: the baseline with the private index (`at` absent) or with commit `at`. */
export interface SnapshotRange {
  baseline: string
  at?: string
}

/** Blobs over this size (bytes) are probed by their head, not read whole (as src/core/diff.ts does). */
const LARGE_BLOB_BYTES = 1024 * 1024

/** Git's binary test reads this many bytes (`buffer_is_binary` in git's xdiff-interface.c). */
export const BINARY_PROBE_BYTES = 8000

/** At most this many paths (and bytes of them) go to git as pathspecs; more diff everything. */
const MAX_PATHSPECS = 256
const MAX_PATHSPEC_BYTES = 64 * 1024

/**
 * The `textPatches` of a local snapshot of `range` in `repo` (module docs): hunks keyed by path for
 * the changes it could diff. Leaves out changes between a file and a symlink, submodules, mode-only
 * changes and any change whose blobs this repository does not hold (the core renders those from blobs,
 * for review and promotion alike). Throws `GIT_FAILED` when the snapshot's own diff fails.
 */
export function localTextPatches(
  repo: GitRepo,
  range: SnapshotRange,
): (changes: readonly TreeChange[]) => Promise<Map<string, HostTextPatch>> {
  return async (changes) => {
    const found = new Map<string, HostTextPatch>()
    const wanted = changes.filter(diffable)
    if (wanted.length === 0) return found
    const gitBinary: TreeChange[] = []
    for (const [change, section] of await bulkSections(repo, range, wanted, false)) {
      if (section.binary) gitBinary.push(change)
      else found.set(change.path, { hunks: section.hunks, binary: false })
    }
    const rest = wanted.filter((c) => !found.has(c.path) && !gitBinary.includes(c) && hunkSelectable(c))
    const binary = await binaryBlobs(repo, [...gitBinary, ...rest])
    const isBinary = (c: TreeChange) => [c.oldOid, c.newOid].some((oid) => oid !== null && binary.get(oid))
    const known = (c: TreeChange) => [c.oldOid, c.newOid].every((oid) => oid === null || binary.has(oid))
    const text = [...gitBinary, ...rest].filter((c) => known(c) && !isBinary(c))
    for (const change of gitBinary) if (known(change) && isBinary(change)) found.set(change.path, BINARY)
    if (gitBinary.some((c) => text.includes(c))) {
      for (const [change, section] of await bulkSections(repo, range, text, true))
        found.set(change.path, { hunks: section.hunks, binary: false })
    }
    for (const change of text.filter((c) => !found.has(c.path) && hunkSelectable(c))) {
      const hunks = await pairHunks(repo, change)
      if (hunks !== null) found.set(change.path, { hunks, binary: false })
    }
    return found
  }
}

const BINARY: HostTextPatch = { hunks: '', binary: true }

/** A change git prints as one section with content on some side: no type change, submodule or mode-only change. */
function diffable(change: TreeChange): boolean {
  const modes = [change.oldMode, change.newMode]
  if (modes.includes('160000')) return false
  if (change.oldOid === change.newOid) return false
  return sectionCount(change) === 1
}

/**
 * The snapshot's own diff (with `--text` when `text`), limited to `wanted`'s paths when they are few:
 * each section paired with the change of `wanted` it is exactly (path, modes, both blob ids).
 */
async function bulkSections(
  repo: GitRepo,
  range: SnapshotRange,
  wanted: readonly TreeChange[],
  text: boolean,
): Promise<Array<[TreeChange, PatchSection]>> {
  const command =
    range.at === undefined
      ? ['diff-index', '--cached', range.baseline]
      : ['diff-tree', range.baseline, range.at]
  const paths = pathspecs(wanted)
  const { stdout } = await repo.run(
    [
      ...NEUTRAL_DIFF_CONFIG,
      command[0]!,
      '-r',
      ...HUNK_DIFF_ARGS,
      ...(text ? ['--text'] : []),
      '--raw',
      '-z',
      '-p',
      ...command.slice(1),
      '--',
      ...(paths ?? []),
    ],
    { env: { GIT_LITERAL_PATHSPECS: '1' } },
  )
  const { changes, patch } = splitRawAndPatch(stdout)
  const sections = parsePatchSections(patch)
  const asked = new Map(wanted.map((c) => [c.path, c]))
  const paired: Array<[TreeChange, PatchSection]> = []
  let next = 0
  for (const change of changes) {
    const count = sectionCount(change)
    const own = sections.slice(next, next + count)
    next += count
    const want = asked.get(change.path)
    const section = own[0]
    if (!want || count !== 1 || !section || !samePair(want, change) || !sectionOf(section, change)) continue
    paired.push([want, section])
  }
  if (next !== sections.length)
    throw new Error(`git printed ${sections.length} patch sections for ${changes.length} changes`)
  return paired
}

/**
 * How many `diff --git` sections git prints for `change`: two when both sides exist and are of
 * different types (regular file, symlink, submodule), whatever their blob ids (a symlink whose target
 * is the file's content has the file's blob id); one otherwise. Git's diff.c `run_diff` splits a pair
 * whose `S_IFMT` bits differ into a deletion and a creation.
 */
export function sectionCount(change: TreeChange): number {
  const type = (mode: string) => (mode === '120000' ? 'link' : mode === '160000' ? 'submodule' : 'file')
  return change.oldMode !== null && change.newMode !== null && type(change.oldMode) !== type(change.newMode)
    ? 2
    : 1
}

/** `wanted`'s paths as literal pathspecs, or `null` (diff everything) when they are many or not UTF-8. */
function pathspecs(wanted: readonly TreeChange[]): string[] | null {
  if (wanted.length > MAX_PATHSPECS) return null
  const paths = wanted.map((c) => c.path)
  if (paths.some((p) => hasEscapedBytes(p) || p.length === 0)) return null
  const bytes = paths.reduce((n, p) => n + encodeText(p).length + 1, 0)
  return bytes <= MAX_PATHSPEC_BYTES ? paths : null
}

function samePair(a: TreeChange, b: TreeChange): boolean {
  return (
    a.path === b.path &&
    a.oldOid === b.oldOid &&
    a.newOid === b.newOid &&
    a.oldMode === b.oldMode &&
    a.newMode === b.newMode
  )
}

/** True when `section`'s `index` line names exactly `change`'s blobs (zeros for an absent side). */
function sectionOf(section: PatchSection, change: TreeChange): boolean {
  const zero = (oid: string | null, other: string | null) => oid ?? '0'.repeat((other ?? '').length)
  return (
    section.index?.oldOid === zero(change.oldOid, change.newOid) &&
    section.index.newOid === zero(change.newOid, change.oldOid)
  )
}

/**
 * For every present blob of `changes`: `true` when it is binary by src/core/hunks.ts `asText` (a NUL in
 * its first 8,000 bytes), `false` when not. Blobs this repository does not hold are absent. Small
 * blobs are read in one batch; a blob over 1 MiB only by its head.
 */
export async function binaryBlobs(
  repo: GitRepo,
  changes: readonly TreeChange[],
): Promise<Map<string, boolean>> {
  const verdicts = new Map<string, boolean>()
  const oids = [...new Set(changes.flatMap((c) => [c.oldOid, c.newOid]))].filter(
    (oid): oid is string => oid !== null,
  )
  if (oids.length === 0) return verdicts
  const sizes = await repo.objectSizes(oids)
  const small = oids.filter((oid) => (sizes.get(oid) ?? Infinity) <= LARGE_BLOB_BYTES)
  for (const [oid, bytes] of await repo.readObjects(small)) verdicts.set(oid, hasNul(bytes))
  for (const oid of oids.filter((o) => sizes.has(o) && !verdicts.has(o)))
    verdicts.set(oid, hasNul(await repo.readBlobHead(oid, BINARY_PROBE_BYTES)))
  return verdicts
}

/** True when `bytes` is binary by src/core/hunks.ts `asText`: a NUL in its first 8,000 bytes. */
export function hasNul(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_PROBE_BYTES).includes(0)
}

/**
 * `git diff --text <old blob> <new blob>`'s hunks for a modified text file, or `null` when git cannot
 * diff them (a blob it does not hold).
 */
async function pairHunks(repo: GitRepo, change: TreeChange): Promise<string | null> {
  const { stdout, exitCode } = await repo.run(
    [
      ...NEUTRAL_DIFF_CONFIG,
      'diff',
      ...HUNK_DIFF_ARGS,
      '--text',
      '-p',
      '--end-of-options',
      change.oldOid!,
      change.newOid!,
      '--',
    ],
    { okExitCodes: [128] },
  )
  if (exitCode !== 0) return null
  const [section] = parsePatchSections(decodeBytes(stdout))
  return section?.hunks ?? ''
}
