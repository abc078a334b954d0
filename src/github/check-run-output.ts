/**
 * The session check run (docs/architecture.md#review-and-commands): name, external id, conclusion, output (title with the diff
 * stat, summary with task / baseline / branches / stat table / file table / commands, text with the
 * unified diff) and the three buttons. Every field is validated against GitHub's limits before it is
 * returned.
 */
import { z } from 'zod'
import type { SessionDiff } from '../core/types.ts'
import { type CheckRunAction, SESSION_ACTIONS } from './check-run-actions.ts'
import { sessionCommandExamples } from './command-help.ts'
import { renderDiffText } from './diff-text.ts'
import { type SessionFacts, sessionFactsSchema } from './session-facts.ts'
import { renderFileTable } from './file-table.ts'
import { renderHistorySection, type SessionHistorySummary } from './history-section.ts'
import { CHECK_RUN_OUTPUT_MAX, utf8Length } from './limits.ts'
import { fencedBlock, formatCount, inlineCode, tableRow } from './markdown.ts'
import { diffStat, diffStatLine, MINUS } from './stat.ts'

/** The check run's name; the App finds its run by this name and `external_id`. */
export const CHECK_RUN_NAME = 'Gittrix session'

/** Most rows of the file table in the check run summary. */
export const SUMMARY_FILE_ROWS = 300

/** Most characters of the task shown in the summary (the rest is cut with a note). */
export const TASK_DISPLAY_MAX = 4000

const field = z
  .string()
  .refine((value) => utf8Length(value) <= CHECK_RUN_OUTPUT_MAX, `at most ${CHECK_RUN_OUTPUT_MAX} characters`)

/**
 * Check run `output` (title, summary, text), each at most 65,535 characters (counted as UTF-8 bytes,
 * see limits.ts). Source: https://docs.github.com/en/rest/checks/runs#create-a-check-run.
 */
export const checkRunOutputSchema = z
  .object({ title: field.min(1), summary: field.min(1), text: field.optional() })
  .strict()

/** A check run `output` object. */
export type CheckRunOutput = z.infer<typeof checkRunOutputSchema>

/** The parts of a check run create/update request this module decides. The App adds `head_sha` and `status`. */
export interface SessionCheckRun {
  name: typeof CHECK_RUN_NAME
  /** The session id (GitHub's "reference for the run on the integrator's system"). */
  external_id: string
  /** `action_required` when there is something to review (buttons show), `neutral` when the session has no changes. */
  conclusion: 'action_required' | 'neutral'
  output: CheckRunOutput
  /** The buttons; empty when there is nothing to promote. */
  actions: CheckRunAction[]
}

/**
 * Renders the session check run from its facts and diff (and, when read, its history at the head).
 * Throws a `ZodError` only if a limit would be broken (a bug).
 */
export function renderSessionCheckRun(
  facts: SessionFacts,
  diff: SessionDiff,
  history?: SessionHistorySummary,
): SessionCheckRun {
  const hasChanges = diff.files.length > 0
  return {
    name: CHECK_RUN_NAME,
    external_id: facts.sessionId,
    conclusion: hasChanges ? 'action_required' : 'neutral',
    output: renderCheckRunOutput(facts, diff, history),
    actions: hasChanges ? [...SESSION_ACTIONS] : [],
  }
}

/**
 * The check run `output`: title = diff stat (`3 files changed, +10 −2`), summary (with a History
 * section when `history` is given, history-section.ts), and the diff as text. Throws a `ZodError`
 * when `facts` do not satisfy `sessionFactsSchema`.
 */
export function renderCheckRunOutput(
  input: SessionFacts,
  diff: SessionDiff,
  history?: SessionHistorySummary,
): CheckRunOutput {
  const facts = sessionFactsSchema.parse(input)
  const title = diffStatLine(diff)
  const head = [
    renderTask(facts.task),
    renderFactsTable(facts),
    ...(history ? [renderHistorySection(history)] : []),
    '### Changes',
    renderStatTable(diff),
    '### Files',
  ].join('\n\n')
  const tail = `\n\n### Commands\n\n${renderCommands(facts.sessionId, diff.files.length > 0)}`
  const budget = CHECK_RUN_OUTPUT_MAX - utf8Length(head) - utf8Length(tail) - 2
  const table = renderFileTable(diff.files, budget, SUMMARY_FILE_ROWS)
  const summary = `${head}\n\n${table.markdown}${tail}`
  const text = renderDiffText(facts, diff.patch, CHECK_RUN_OUTPUT_MAX, diff.files.length).text
  return checkRunOutputSchema.parse({ title, summary, text })
}

/** The task as a fenced `text` block (nothing in it is read as markdown), cut to {@link TASK_DISPLAY_MAX} characters. */
export function renderTask(task: string): string {
  const chars = Array.from(task)
  const cut = chars.length > TASK_DISPLAY_MAX
  const shown = cut ? `${chars.slice(0, TASK_DISPLAY_MAX).join('')}\n…` : task
  const note = cut ? `\n\n_The task is cut to its first ${formatCount(TASK_DISPLAY_MAX)} characters._` : ''
  return `### Task\n\n${fencedBlock(shown, 'text')}${note}`
}

function renderFactsTable(facts: SessionFacts): string {
  const location =
    facts.ephemeral?.kind === 'artifacts'
      ? inlineCode(`artifacts://${facts.ephemeral.namespace}/${facts.ephemeral.repo}`)
      : inlineCode(`gittrix/${facts.sessionId}`)
  return [
    tableRow(['Session', inlineCode(facts.sessionId)]),
    tableRow(['---', '---']),
    tableRow(['Baseline', inlineCode(facts.baselineSha.slice(0, 7))]),
    tableRow(['Durable branch', inlineCode(facts.durableBranch)]),
    tableRow(['Workspace', location]),
  ].join('\n')
}

/**
 * The stat table: files by status, binary files, lines added and removed; when some files' lines were
 * not counted (a budgeted diff), a note saying over how many files the line and binary counts go.
 */
export function renderStatTable(diff: Pick<SessionDiff, 'files'>): string {
  const s = diffStat(diff.files)
  const table = [
    tableRow(['Files', 'Added', 'Modified', 'Deleted', 'Binary', 'Lines +', `Lines ${MINUS}`]),
    tableRow(['---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    tableRow([s.files, s.added, s.modified, s.deleted, s.binary, s.additions, s.deletions].map(formatCount)),
  ].join('\n')
  if (s.counted === s.files) return table
  return (
    `${table}\n\n_Binary files and lines are counted in ${formatCount(s.counted)} of the ${formatCount(s.files)} files: ` +
    'the App reads a bounded number of files per render (files marked ? in the table were not read)._'
  )
}

/** The commands section: copyable commands and the buttons, or a line saying there is nothing to promote. */
export function renderCommands(sessionId: string, hasChanges: boolean): string {
  if (!hasChanges) {
    return `Nothing to promote yet. ${inlineCode(`/gittrix discard ${sessionId}`)} removes the session.`
  }
  const buttons = SESSION_ACTIONS.map((a) => `**${a.label}**`).join(', ')
  return (
    `Use the buttons above (${buttons}) or comment on the linked issue or pull request; ` +
    'promote, discard and extend need write access.\n\n' +
    fencedBlock(sessionCommandExamples(sessionId).join('\n'), 'text')
  )
}
