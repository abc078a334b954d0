/**
 * Parses the output of `git diff --raw -z -p`: raw records (modes, status) then, after an empty field,
 * the patch, as a whole diff ({@link parseGitDiffOutput}) or as per-file sections with their hunks
 * ({@link parsePatchSections}). Line counts come from the patch itself (asking git for `--numstat` as
 * well makes it diff every file twice).
 */
import { decodeBytes, splitNulBytes } from '../core/bytes.ts'
import type { FileDiff, SessionDiff, TreeChange } from '../core/types.ts'
import { parseRawDiff } from './repo.ts'
import { NEUTRAL_DIFF_CONFIG } from './safe-config.ts'

/**
 * The arguments of the `git diff` that {@link parseGitDiffOutput} reads: `revisions` (one commit: against
 * the working tree; two: between commits), no renames, no external or textconv drivers, `a/` `b/`
 * prefixes whatever the configuration says, and `GIT binary patch` hunks when `binary`.
 */
export function gitDiffArgs(revisions: readonly string[], options: { binary?: boolean } = {}): string[] {
  return [
    ...NEUTRAL_DIFF_CONFIG,
    'diff',
    '--no-renames',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    ...(options.binary ? ['--binary'] : []),
    '--raw',
    '-z',
    '-p',
    ...revisions,
    '--',
  ]
}

/**
 * Turns one `git diff --raw -z -p` output into a {@link SessionDiff} (files in git's order, by path).
 * Paths and the patch are decoded losslessly (src/core/bytes.ts): `encodeText(diff.patch)` is the
 * exact bytes git printed, Latin-1 or invalid UTF-8 lines included, so it applies with `git apply`.
 */
export function parseGitDiffOutput(stdout: Buffer): SessionDiff {
  if (stdout.length === 0) return { patch: '', files: [], additions: 0, deletions: 0 }
  const { changes, patch } = splitRawAndPatch(stdout)
  const sections = countSections(patch)
  let next = 0
  const files: FileDiff[] = changes.map((change) => {
    // A change between a file and a symlink is printed as a deletion plus an addition.
    const typeChange =
      change.oldMode !== null &&
      change.newMode !== null &&
      (change.oldMode === '120000') !== (change.newMode === '120000')
    const own = sections.slice(next, next + (typeChange ? 2 : 1))
    next += own.length
    return {
      path: change.path,
      status: change.status,
      oldMode: change.oldMode,
      newMode: change.newMode,
      binary: own.some((s) => s.binary),
      additions: own.reduce((n, s) => n + s.additions, 0),
      deletions: own.reduce((n, s) => n + s.deletions, 0),
    }
  })
  const additions = files.reduce((n, f) => n + f.additions, 0)
  const deletions = files.reduce((n, f) => n + f.deletions, 0)
  return { patch, files, additions, deletions }
}

interface SectionCounts {
  additions: number
  deletions: number
  binary: boolean
}

/** Per `diff --git` section: added and deleted hunk lines, and whether it is a binary change. */
function countSections(patch: string): SectionCounts[] {
  const sections: SectionCounts[] = []
  let current: SectionCounts | undefined
  let inHunks = false
  let start = 0
  while (start < patch.length) {
    let end = patch.indexOf('\n', start)
    if (end === -1) end = patch.length
    const first = patch.charCodeAt(start)
    if (inHunks && first === 43 /* + */) current!.additions += 1
    else if (inHunks && first === 45 /* - */) current!.deletions += 1
    else if (patch.startsWith('diff --git ', start)) {
      current = { additions: 0, deletions: 0, binary: false }
      sections.push(current)
      inHunks = false
    } else if (current && !inHunks) {
      if (patch.startsWith('@@', start)) inHunks = true
      else if (patch.startsWith('Binary files ', start) || patch.startsWith('GIT binary patch', start))
        current.binary = true
    }
    start = end + 1
  }
  return sections
}

/** One `diff --git` section of a patch, as {@link parsePatchSections} reads it. */
export interface PatchSection {
  /**
   * The blob ids of its `index <old>..<new>` line (full with `--full-index`; all zeros for an absent
   * side); absent when the section has none (a mode-only change).
   */
  index?: { oldOid: string; newOid: string }
  /** Git printed `Binary files … differ` (or a `GIT binary patch`) instead of hunks. */
  binary: boolean
  /**
   * Its hunks: every line from the first `@@` line to the section's end, each ending in `\n`, with
   * each `@@ -a,b +c,d @@` line cut after its second `@@` (git's function-name context dropped);
   * `''` when it has none.
   */
  hunks: string
}

/**
 * The `diff --git` sections of a patch as git prints it (the lossless string of src/core/bytes.ts), in
 * order. A line starting with `diff --git ` starts a section: hunk lines start with ` `, `+`, `-` or
 * `\`, so no content line can.
 */
export function parsePatchSections(patch: string): PatchSection[] {
  const sections: PatchSection[] = []
  let at = patch.startsWith('diff --git ') ? 0 : patch.indexOf('\ndiff --git ') + 1
  while (at > 0 || (at === 0 && patch.startsWith('diff --git '))) {
    const next = patch.indexOf('\ndiff --git ', at)
    const end = next === -1 ? patch.length : next + 1
    const firstHunk = patch.startsWith('@@', at) ? at : patch.indexOf('\n@@', at)
    const hunksAt = firstHunk === -1 || firstHunk >= end ? end : firstHunk === at ? at : firstHunk + 1
    const section: PatchSection = { binary: false, hunks: trimHunkHeaders(patch.slice(hunksAt, end)) }
    for (const line of patch.slice(at, hunksAt).split('\n')) {
      const ids = line.startsWith('index ') ? /^index ([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line) : null
      if (ids) section.index = { oldOid: ids[1]!, newOid: ids[2]! }
      else if (line.startsWith('Binary files ') || line.startsWith('GIT binary patch')) section.binary = true
    }
    sections.push(section)
    if (next === -1) break
    at = next + 1
  }
  return sections
}

/** `hunks` with each `@@ -a,b +c,d @@` line cut after its second `@@` (git's function-name context). */
function trimHunkHeaders(hunks: string): string {
  const parts: string[] = []
  let copied = 0
  for (let at = hunks.startsWith('@@') ? 0 : -1; at !== -1; at = hunks.indexOf('\n@@', at + 1)) {
    const header = at === 0 && hunks.startsWith('@@') ? 0 : at + 1
    const close = hunks.indexOf('@@', header + 2)
    const lineEnd = hunks.indexOf('\n', header)
    if (close === -1 || (lineEnd !== -1 && close > lineEnd)) continue
    const cut = close + 2
    const stop = lineEnd === -1 ? hunks.length : lineEnd
    if (cut < stop) {
      parts.push(hunks.slice(copied, cut))
      copied = stop
    }
  }
  if (copied === 0) return hunks
  parts.push(hunks.slice(copied))
  return parts.join('')
}

/**
 * One `git diff --raw -z -p` output: its raw records (src/git/repo.ts `parseRawDiff`) and the patch
 * that follows them (lossless string), split at the empty field between the two.
 */
export function splitRawAndPatch(stdout: Buffer): { changes: TreeChange[]; patch: string } {
  if (stdout.length === 0) return { changes: [], patch: '' }
  const patchStart = stdout.indexOf('\0\0')
  const head = patchStart === -1 ? stdout : stdout.subarray(0, patchStart)
  const patch = patchStart === -1 ? '' : decodeBytes(stdout, patchStart + 2)
  return { changes: parseRawDiff(splitNulBytes(head)).changes, patch }
}
