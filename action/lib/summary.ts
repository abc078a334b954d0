/**
 * What the Action prints and writes for a session: the job summary (markdown, within the 1 MiB a step
 * may write) and the values of its outputs. Built from the shared renderers in `src/github/`, so the
 * summary reads like the App's check run.
 */
import type { SessionDiff } from '../../src/core/types.ts'
import { renderFileTable } from '../../src/github/file-table.ts'
import { inlineCode, tableRow } from '../../src/github/markdown.ts'
import { renderStatTable, renderTask } from '../../src/github/check-run-output.ts'
import { diffStatLine } from '../../src/github/stat.ts'
import type { AgentExit } from './agent.ts'
import type { SkippedPath } from './snapshot.ts'
import type { SweepEntry } from './sweep.ts'
import { lineageRoot, type WorkspaceSessionRecord } from './workspace.ts'

/** A step may write at most 1 MiB of summary; stay well below it. */
export const SUMMARY_BUDGET_BYTES = 512 * 1024

/**
 * Bytes the `touched-files` output may take: GitHub documents 1 MB per job output (and 50 MB per job),
 * https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/passing-information-between-jobs
 */
export const TOUCHED_FILES_BUDGET_BYTES = 512 * 1024

/** The line logged and written for an empty session. */
export const EMPTY_SESSION_NOTE =
  'No changes: the workspace is identical to the baseline, so the session branch holds only its start commit and there is nothing to review.'

/** The Action's outputs for a session, as strings. */
export interface SessionOutputs {
  'session-id': string
  branch: string
  'baseline-sha': string
  'head-sha': string
  /** JSON array of the touched paths, in git's order; cut to {@link TOUCHED_FILES_BUDGET_BYTES}. */
  'touched-files': string
  /** How many paths were touched (more than `touched-files` holds when it was cut). */
  'touched-count': string
  /** `3 files changed, +10 −2` or `No changes`. */
  'diff-stat': string
}

/** Output values of a finished session (or of a started one: `diff` empty, `headSha` the start commit). */
export function sessionOutputs(
  record: WorkspaceSessionRecord,
  headSha: string,
  diff: Pick<SessionDiff, 'files'>,
): SessionOutputs {
  return {
    'session-id': record.sessionId,
    branch: record.branch,
    'baseline-sha': record.baselineSha,
    'head-sha': headSha,
    'touched-files': cappedJsonArray(
      diff.files.map((f) => f.path),
      TOUCHED_FILES_BUDGET_BYTES,
    ),
    'touched-count': String(diff.files.length),
    'diff-stat': diffStatLine(diff),
  }
}

/** A JSON array of the first `values` that fit in `budget` bytes (UTF-8), in order. */
export function cappedJsonArray(values: readonly string[], budget: number): string {
  const kept: string[] = []
  let used = 2
  for (const value of values) {
    const size = Buffer.byteLength(JSON.stringify(value)) + 1
    if (used + size > budget) break
    kept.push(value)
    used += size
  }
  return JSON.stringify(kept)
}

function factsTable(record: WorkspaceSessionRecord, headSha: string): string {
  return [
    tableRow(['Session', inlineCode(record.sessionId)]),
    tableRow(['---', '---']),
    tableRow(['Session branch', inlineCode(record.branch)]),
    ...(record.ephemeral
      ? [
          tableRow([
            'Artifacts repository',
            inlineCode(`artifacts://${record.ephemeral.namespace}/${record.ephemeral.repo}`),
          ]),
        ]
      : []),
    tableRow(['Durable branch', inlineCode(record.durableBranch)]),
    tableRow(['Baseline', inlineCode(record.baselineSha.slice(0, 12))]),
    tableRow(['Head', inlineCode(headSha.slice(0, 12))]),
  ].join('\n')
}

/** The job summary of a started session (mode `start`). */
export function renderStartSummary(record: WorkspaceSessionRecord): string {
  return [
    `## Gittrix session ${inlineCode(record.sessionId)} started`,
    factsTable(record, lineageRoot(record)),
    renderTask(record.task),
    'The agent works on the session branch; `mode: finish` (or the end of the job) pushes its work for review.',
  ].join('\n\n')
}

/** What {@link renderFinishSummary} shows. */
export interface FinishSummaryInput {
  record: WorkspaceSessionRecord
  headSha: string
  diff: SessionDiff
  agentCommits: number
  warnings: readonly string[]
  /** How the agent ended (mode `run`), or `null`. */
  agent: AgentExit | null
  /** True when the post step finished the session (the agent failed or the job was cancelled). */
  byPostStep: boolean
  /** Paths left out of the session, and why. */
  skipped?: readonly SkippedPath[]
  /** How the session left the job: pushed, waiting in a bundle for `mode: publish`, or published by it. */
  delivery?: 'pushed' | 'bundle' | 'published' | 'push-refused'
}

/** The job summary of a finished session: facts, task, diff stat, file table. */
export function renderFinishSummary(input: FinishSummaryInput): string {
  const { record, diff } = input
  const parts = [`## Gittrix session ${inlineCode(record.sessionId)}: ${diffStatLine(diff)}`]
  if (input.byPostStep) {
    parts.push(
      '> [!WARNING]\n> The session was finished by the post step: the agent step failed or the job was cancelled. Everything the agent left in the workspace was pushed.',
    )
  }
  if (input.agent && input.agent.code !== 0) {
    const how = input.agent.signal
      ? `was stopped by ${input.agent.signal}`
      : `exited with code ${input.agent.code}`
    parts.push(`> [!WARNING]\n> The agent ${how}; its work so far was pushed for review.`)
  }
  if (input.agent?.timedOut)
    parts.push('> [!WARNING]\n> The agent ran out of time (`timeout`) and was stopped.')
  for (const warning of input.warnings) parts.push(`> [!NOTE]\n> ${warning}`)
  if (input.delivery === 'bundle')
    parts.push(
      record.ephemeral
        ? 'The session was written as a bundle (output `bundle`); the publish job (`mode: publish`) creates its Artifacts repository from it and points the session branch at it.'
        : 'The session was written as a bundle (output `bundle`); the publish job (`mode: publish`) pushes it to the session branch.',
    )
  parts.push(factsTable(record, input.headSha))
  parts.push(renderTask(record.task))
  if (diff.files.length === 0) {
    parts.push(EMPTY_SESSION_NOTE)
  } else {
    parts.push(renderStatTable(diff))
    const used = Buffer.byteLength(parts.join('\n\n'))
    parts.push(renderFileTable(diff.files, SUMMARY_BUDGET_BYTES - used, 1000).markdown)
    if (input.agentCommits > 0)
      parts.push(
        `The agent made ${input.agentCommits} commit(s) of its own; they are kept on the session branch.`,
      )
  }
  if (input.skipped?.length) parts.push(renderSkipped(input.skipped))
  return `${parts.join('\n\n')}\n`
}

/** The reasons of {@link SkippedPath}, as the summary says them. */
const SKIP_REASONS: Record<SkippedPath['reason'], string> = {
  'invalid-path': 'git cannot store this path',
  'too-large': 'over GitHub’s 100 MiB file limit',
  'too-deep': 'nested repositories too deep',
}

/** The table of paths the session does not hold (at most 200 rows). */
function renderSkipped(skipped: readonly SkippedPath[]): string {
  const rows = skipped.slice(0, 200).map((s) => tableRow([inlineCode(s.path), SKIP_REASONS[s.reason]]))
  const more = skipped.length > 200 ? `\n\n…and ${skipped.length - 200} more.` : ''
  return [
    `### Not recorded: ${skipped.length} path(s)`,
    [tableRow(['Path', 'Why']), tableRow(['---', '---']), ...rows].join('\n') + more,
  ].join('\n\n')
}

/** The job summary of a sweep. */
export function renderSweepSummary(entries: readonly SweepEntry[]): string {
  if (entries.length === 0) return '## Gittrix sweep\n\nNo session branches.\n'
  const rows = entries.map((e) => tableRow([inlineCode(e.branch), e.outcome, e.reason]))
  const deleted = entries.filter((e) => e.outcome === 'deleted').length
  return (
    [
      `## Gittrix sweep: ${deleted} of ${entries.length} session branches deleted`,
      [tableRow(['Branch', 'Outcome', 'Why']), tableRow(['---', '---', '---']), ...rows].join('\n'),
    ].join('\n\n') + '\n'
  )
}
