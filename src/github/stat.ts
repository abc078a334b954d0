/**
 * Diff statistics for titles and tables, from the core's {@link SessionDiff}.
 */
import type { FileDiff, SessionDiff } from '../core/types.ts'
import { formatCount, plural } from './markdown.ts'

/** U+2212 MINUS SIGN, used for removed-line counts as GitHub does. */
export const MINUS = '\u2212'

/** Counts over a session's files. */
export interface DiffStat {
  files: number
  added: number
  modified: number
  deleted: number
  binary: number
  /** Lines added / removed over all text files whose lines were counted. */
  additions: number
  deletions: number
  /** Files whose line counts are known (all but those a budgeted diff left unread, `counted: false`). */
  counted: number
}

/** Counts files by status and sums the line counts. */
export function diffStat(files: readonly FileDiff[]): DiffStat {
  const stat: DiffStat = {
    files: files.length,
    added: 0,
    modified: 0,
    deleted: 0,
    binary: 0,
    additions: 0,
    deletions: 0,
    counted: 0,
  }
  for (const file of files) {
    stat[file.status] += 1
    if (file.counted === false) continue
    stat.counted += 1
    if (file.binary) stat.binary += 1
    stat.additions += file.additions
    stat.deletions += file.deletions
  }
  return stat
}

/**
 * `3 files changed, +10 −2`, or `No changes` for an empty diff; when some files' lines were not
 * counted (a budgeted diff), `3,000 files changed, +300 −0 in the 300 files counted`. Plain text.
 */
export function diffStatLine(diff: Pick<SessionDiff, 'files'>): string {
  const stat = diffStat(diff.files)
  if (stat.files === 0) return 'No changes'
  const lines = `+${formatCount(stat.additions)} ${MINUS}${formatCount(stat.deletions)}`
  const partial = stat.counted < stat.files ? ` in the ${plural(stat.counted, 'file')} counted` : ''
  return `${plural(stat.files, 'file')} changed, ${lines}${partial}`
}

/** How a file's change reads in a table: `added`, `deleted`, `modified`, `mode 100644 → 100755`, `symlink added`... */
export function describeChange(file: FileDiff): string {
  const kind = (mode: string | null) =>
    mode === '120000' ? 'symlink ' : mode === '160000' ? 'submodule ' : ''
  if (file.status === 'added') return `${kind(file.newMode)}added`
  if (file.status === 'deleted') return `${kind(file.oldMode)}deleted`
  if (file.oldMode && file.newMode && file.oldMode !== file.newMode) {
    return `modified, mode ${file.oldMode} → ${file.newMode}`
  }
  return `${kind(file.newMode)}modified`
}
