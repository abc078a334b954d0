/**
 * Parses the output of `git diff --raw -z -p`: raw records (modes, status) then, after an empty field,
 * the patch. Line counts come from the patch itself (asking git for `--numstat` as well makes it diff
 * every file twice).
 */
import { decodeBytes, splitNulBytes } from '../core/bytes.ts'
import type { FileDiff, SessionDiff } from '../core/types.ts'
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
  const patchStart = stdout.indexOf('\0\0')
  const head = patchStart === -1 ? stdout : stdout.subarray(0, patchStart)
  const patch = patchStart === -1 ? '' : decodeBytes(stdout, patchStart + 2)
  const { changes } = parseRawDiff(splitNulBytes(head))
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
