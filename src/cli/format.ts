/**
 * Human-readable text for command results. Pure functions of their input (plus `now` for ages), so
 * they are easy to test and never print anything themselves.
 */
import ms from 'ms'
import { hasEscapedBytes } from '../core/bytes.ts'
import { quoteGitPath } from '../core/patch.ts'
import type { SweepReport } from '../core/gittrix.ts'
import type { SessionMetadata } from '../core/metadata.ts'
import type { ChangeStatus, EvictionPolicy, PromoteOutcome, SessionDiff, TreeChange } from '../core/types.ts'

/**
 * A path as text for a terminal: as is, or git-quoted (`"caf\351.txt"`, `"a\nb"`, as git prints it)
 * when it holds bytes that are not UTF-8 or control characters, so what is printed can be pasted back
 * as an argument (see `cliPath`) and a newline in the agent's file name cannot forge a line of a
 * listing (a tab, a column; terminal-text.ts leaves both as they are).
 */
export function shownPath(path: string): string {
  return hasEscapedBytes(path) || CONTROL.test(path) ? quoteGitPath(path) : path
}

/** C0 controls, DEL, C1 controls: git quotes a path holding any of them. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/

/** `A`, `M`, `D` as in `git diff --name-status`. */
export function statusLetter(status: ChangeStatus): 'A' | 'M' | 'D' {
  return status === 'added' ? 'A' : status === 'deleted' ? 'D' : 'M'
}

/** `4h idle, no absolute limit, evicted after promotion` and the like. */
export function describeEviction(policy: EvictionPolicy): string {
  if (policy.manual) return 'manual (never swept)'
  const idle = policy.ttlIdleMs === null ? 'no idle limit' : `${ms(policy.ttlIdleMs, { long: true })} idle`
  const absolute =
    policy.ttlAbsoluteMs === null ? 'no absolute limit' : `${ms(policy.ttlAbsoluteMs, { long: true })} max`
  const promote = policy.untilPromote ? 'removed once everything is promoted' : 'kept after promotion'
  return `${idle}, ${absolute}, ${promote}`
}

/**
 * Every field a person needs about one session, one per line: `pending` lists the paths still
 * pending as of the last snapshot (`touchedFiles`), one `promoted` line per promotion with its files.
 */
export function formatSession(meta: SessionMetadata): string {
  const rows: [string, string][] = [
    ['session', meta.id],
    ['state', meta.state],
    ['task', meta.task || '(none)'],
    ['repository', meta.durablePath ?? meta.durableRef],
    ['branch', meta.durableBranch ?? '(default)'],
    ['baseline', meta.baselineSha],
    ['workspace', `${meta.ephemeralPath ?? meta.ephemeralRef} (${meta.workspaceKind ?? 'unknown'})`],
    ['created', meta.createdAt],
    ['last access', meta.lastAccessAt],
    ['eviction', describeEviction(meta.evictionPolicy)],
    [
      'pending',
      meta.touchedFiles.length
        ? meta.touchedFiles.map(shownPath).join(', ')
        : meta.promotions?.length
          ? '(nothing)'
          : '(none recorded yet)',
    ],
  ]
  const where = (r: { sha: string; branch: string; prUrl?: string }) =>
    `${r.sha} on ${r.branch}${r.prUrl ? ` (${r.prUrl})` : ''}`
  if (meta.promotions?.length) {
    for (const p of meta.promotions)
      rows.push(['promoted', `${where(p)}: ${p.files.map(shownPath).join(', ')}`])
  } else if (meta.promote.result) {
    rows.push(['promoted', where(meta.promote.result)])
  }
  const width = Math.max(...rows.map(([key]) => key.length))
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n')
}

/**
 * One line per session: id, state, branch, last access (age), task; then one per damaged session:
 * id, `damaged`, and its error's code and message in place of the task.
 */
export function formatSessionList(
  sessions: SessionMetadata[],
  now: number,
  damaged: readonly { id: string; error: Record<string, unknown> }[] = [],
): string {
  if (sessions.length === 0 && damaged.length === 0) return 'No sessions.'
  const rows = sessions.map((s) => [
    s.id,
    s.state,
    s.durableBranch ?? '',
    `${ms(Math.max(0, now - Date.parse(s.lastAccessAt)))} ago`,
    s.task.split('\n')[0] ?? '',
  ])
  for (const { id, error } of damaged)
    rows.push([id, 'damaged', '', '', `${String(error.code)}: ${String(error.message)}`])
  const header = ['ID', 'STATE', 'BRANCH', 'LAST ACCESS', 'TASK']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** `git diff --stat`-like lines plus a totals line. */
export function formatDiffStat(diff: SessionDiff): string {
  if (diff.files.length === 0) return 'No changes.'
  const width = Math.max(...diff.files.map((f) => shownPath(f.path).length))
  const lines = diff.files.map((f) => {
    const counts = f.binary ? 'binary' : `+${f.additions} -${f.deletions}`
    return ` ${statusLetter(f.status)} ${shownPath(f.path).padEnd(width)} | ${counts}`
  })
  const n = diff.files.length
  lines.push(
    ` ${n} file${n === 1 ? '' : 's'} changed, ${diff.additions} insertions(+), ${diff.deletions} deletions(-)`,
  )
  return lines.join('\n')
}

/** `A\tpath` lines, as `git diff --name-status` prints them. */
export function formatChanges(changes: TreeChange[]): string {
  return changes.length
    ? changes.map((c) => `${statusLetter(c.status)}\t${shownPath(c.path)}`).join('\n')
    : 'No changes.'
}

/** What a promotion did, in a sentence and a file list. */
export function formatPromotion(outcome: PromoteOutcome): string {
  const n = outcome.files.length
  const what = outcome.alreadyPromoted
    ? `Already promoted: ${outcome.sha} on ${outcome.branch}`
    : `Promoted ${n} file${n === 1 ? '' : 's'} to ${outcome.branch} as ${outcome.sha} (${outcome.strategy})`
  return [what, ...outcome.files.map((f) => `  ${shownPath(f)}`)].join('\n')
}

/** Which sessions a sweep expired, cleaned, kept or skipped. */
export function formatSweep(report: SweepReport): string {
  const parts: [string, string[]][] = [
    ['expired', report.expired],
    ['cleaned', report.cleaned],
    ['kept alive (workspace changed)', report.keptAlive],
    ['busy (skipped)', report.busy],
  ]
  const lines = parts.filter(([, ids]) => ids.length).map(([label, ids]) => `${label}: ${ids.join(', ')}`)
  return lines.length ? lines.join('\n') : 'Nothing to sweep.'
}
