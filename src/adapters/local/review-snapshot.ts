/**
 * A local workspace read for a diff in one git process, without storing anything: `git diff
 * <baseline>` of the work tree through the private index (the plain `git diff` a person would run),
 * whose patch already holds every text file's hunks with the options of text-patches.ts. What
 * `EphemeralAdapter.reviewSnapshot` gives for a local workspace.
 *
 * A snapshot (`git add -A`, then `diff-index`) stores every changed file as a blob first; a review
 * does not need them stored: git hashes the work tree's files to print their `index` lines, and those
 * ids are the ones `git add` would store (the same clean conversion runs on both), so the hunk ids
 * shown (path, new blob id, body) are the ones a promotion from a later snapshot computes for the same
 * content. A file changed while git read it gets ids no promotion matches: it is refused, never
 * applied differently.
 */
import type { Stats } from 'node:fs'
import { lstat, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { blobIdLike } from '../../core/blob-id.ts'
import type { HostTextPatch, TreeChange, WorkspaceSnapshot } from '../../core/types.ts'
import { parsePatchSections, splitRawAndPatch } from '../../git/diff-output.ts'
import type { GitRepo } from '../../git/repo.ts'
import { NEUTRAL_DIFF_CONFIG } from '../../git/safe-config.ts'
import { binaryBlobs, HUNK_DIFF_ARGS, hasNul, sectionCount } from './text-patches.ts'
import { readWorkspaceFileHead } from './workspace-fs.ts'

/**
 * The stdout of `git <args>` run against the work tree through the private index of `repo`, after the
 * work tree's untracked files (not ignored) joined that index as intent-to-add (once; later calls
 * find none), so the diff shows them as added files without hashing or storing them. The listing
 * and the first diff run side by side; the diff runs again only when something joined.
 */
export async function worktreeDiffOutput(repo: GitRepo, args: readonly string[]): Promise<Buffer> {
  await settleIndex(repo)
  const runDiff = async () => (await repo.run([...args])).stdout
  // The diff is the longer of the two: started first, it does not wait for the listing's spawn.
  const [first, { stdout: untracked }] = await Promise.all([
    runDiff(),
    repo.run(['ls-files', '-z', '--others', '--exclude-standard']),
  ])
  if (untracked.length === 0) return first
  await repo.run(['add', '--intent-to-add', '--pathspec-from-file=-', '--pathspec-file-nul'], {
    input: untracked,
    env: { GIT_LITERAL_PATHSPECS: '1' },
  })
  return runDiff()
}

/**
 * Lets the private index of `repo` vouch for unchanged files by their stat data again. Git compares a
 * file whose mtime is not older than the index file (same second) by its content on every diff
 * ("racily clean", git's Documentation/technical/racy-git.txt), and a session's index is written in
 * the second its checkout wrote every file: a diff would read the whole work tree each time. A diff
 * never rewrites the index for such files, so once the index is a second old and has not been
 * settled since it was last written (a marker beside it holds its stat), `update-index --refresh
 * --force-write-index` writes it again (entries of files changed since stay changed; what changed in
 * that very second git marks for a content check, as always).
 */
async function settleIndex(repo: GitRepo): Promise<void> {
  const index = repo.indexFile
  if (!index) return
  const before = await stat(index).catch(() => null)
  if (!before || Date.now() - before.mtimeMs < 1000) return
  const marker = `${index}.settled`
  const stamp = (s: Stats) => `${s.mtimeMs} ${s.size} ${s.ino}`
  if ((await readFile(marker, 'utf8').catch(() => '')) === stamp(before)) return
  await repo.run(['update-index', '-q', '--refresh', '--force-write-index'], { okExitCodes: [1] })
  await writeFile(marker, stamp(await stat(index)))
}

/** Work-tree files over this size (bytes) are not read to confirm git's binary verdict: a snapshot stores them. */
const MAX_CONFIRM_BYTES = 16 * 1024 * 1024

/**
 * True when every change of `changes` (git printed `Binary files … differ`) is binary by Gittrix's own
 * rule too (text-patches.ts `hasNul`): its stored old blob, or the blob git named for its work-tree
 * file, has a NUL in its first 8,000 bytes. The work-tree file counts only when its bytes are that
 * blob (their id is the `index` line's): an attribute the agent wrote can convert a file on its way
 * into git (`working-tree-encoding=UTF-16LE` stores UTF-16 bytes full of NULs as UTF-8 text, and
 * `-diff` makes git call it binary), and a file can change after git read it. False when one is text
 * or cannot be confirmed: only a snapshot (which stores the file) can diff it with `--text`.
 */
async function confirmBinary(repo: GitRepo, root: string, changes: readonly TreeChange[]): Promise<boolean> {
  if (changes.length === 0) return true
  const stored = await binaryBlobs(
    repo,
    changes.map((c) => ({ ...c, newOid: null })),
  )
  for (const change of changes) {
    if (change.oldOid !== null && stored.get(change.oldOid)) continue
    if (change.oldOid !== null && !stored.has(change.oldOid)) return false
    if (change.newOid === null) return false
    // A size check first, so a large file costs no buffer (the read below is the one that counts).
    const size = (await lstat(join(root, change.path)).catch(() => null))?.size ?? 0
    if (size > MAX_CONFIRM_BYTES) return false
    const bytes = await readWorkspaceFileHead(root, change.path, MAX_CONFIRM_BYTES + 1)
    if (bytes === null || bytes.length > MAX_CONFIRM_BYTES) return false
    if (blobIdLike(change.newOid, bytes) !== change.newOid || !hasNul(bytes)) return false
  }
  return true
}

/**
 * The review snapshot of the work tree of `repo` against `baseline` (module docs): every change with
 * its blob ids as `git add` would store them, and `textPatches` (`textPatchesSelectable`) holding the
 * hunks of each change whose content changed. `blobs` reads stored blobs (the baseline side, and the
 * unchanged content of a mode-only change); the new side of a change is not stored. A file git calls
 * binary is binary only when Gittrix's rule agrees (`confirmBinary`). Resolves `null` when it cannot
 * give every change (a file git calls binary that is text, a change between a file and a symlink, a
 * submodule): the caller snapshots instead. Throws `GIT_FAILED`.
 */
export async function reviewSnapshot(
  repo: GitRepo,
  root: string,
  baseline: string,
  blobs: WorkspaceSnapshot['blobs'],
): Promise<WorkspaceSnapshot | null> {
  const stdout = await worktreeDiffOutput(repo, [
    ...NEUTRAL_DIFF_CONFIG,
    'diff',
    ...HUNK_DIFF_ARGS,
    '--raw',
    '-z',
    '-p',
    baseline,
    '--',
  ])
  const { changes: raw, patch } = splitRawAndPatch(stdout)
  const sections = parsePatchSections(patch)
  if (sections.length !== raw.length) return null
  const changes: TreeChange[] = []
  const patches = new Map<string, HostTextPatch>()
  const gitBinary: TreeChange[] = []
  for (const [i, listed] of raw.entries()) {
    const section = sections[i]!
    const modes = [listed.oldMode, listed.newMode]
    if (modes.includes('160000')) return null
    if (sectionCount(listed) !== 1) return null
    // The raw record shows a work-tree file's id as zeros (not hashed); the `index` line has it.
    const index = section.index
    const zeros = (oid: string | null) => oid !== null && /^0+$/.test(oid)
    const newOid = listed.newOid === null ? null : index ? index.newOid : listed.oldOid
    if (index && (index.oldOid !== (listed.oldOid ?? index.oldOid) || zeros(newOid))) return null
    if (!index && (listed.oldOid === null || (!zeros(listed.newOid) && listed.newOid !== listed.oldOid)))
      return null
    const change = { ...listed, newOid }
    changes.push(change)
    if (section.binary) gitBinary.push(change)
    else if (change.oldOid !== change.newOid)
      patches.set(change.path, { hunks: section.hunks, binary: false })
  }
  if (!(await confirmBinary(repo, root, gitBinary))) return null
  for (const change of gitBinary) patches.set(change.path, { hunks: '', binary: true })
  return {
    changes,
    blobs,
    textPatches: async (asked) => {
      const mine = new Map(changes.map((c) => [c.path, c]))
      const found = new Map<string, HostTextPatch>()
      for (const change of asked) {
        const own = mine.get(change.path)
        const hunks = patches.get(change.path)
        if (hunks && own && own.oldOid === change.oldOid && own.newOid === change.newOid)
          found.set(change.path, hunks)
      }
      return found
    },
    textPatchesSelectable: true,
  }
}
