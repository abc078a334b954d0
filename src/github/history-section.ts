/**
 * The session's history in the check run summary: how many checkpoints (commits after the start
 * commit) the reviewed head has, and the last tool calls recorded in the git note on that head
 * (`refs/notes/gittrix-sessions/<id>/tool-calls`, pushed by the Action from what the agent's side
 * wrote). Every tool name and error code is untrusted text: shown only through {@link inlineCode}.
 */
import type { ToolCallNote } from '../core/history.ts'
import { formatCount, inlineCode, plural, tableRow } from './markdown.ts'

/** Most tool calls listed (the newest ones). */
export const HISTORY_TOOL_CALLS_SHOWN = 5

/** What the App read about a session's history at its reviewed head. */
export interface SessionHistorySummary {
  /** Commits after the start commit up to the reviewed head (at least this many when `more`). */
  checkpoints: number
  /** True when the count stopped at the App's listing limit (the branch is longer). */
  more: boolean
  /** The tool calls of the head's note, in call order (empty when there is none). */
  toolCalls: readonly ToolCallNote[]
}

/** `### History`: the checkpoint count and a table of the newest {@link HISTORY_TOOL_CALLS_SHOWN} tool calls. */
export function renderHistorySection(history: SessionHistorySummary): string {
  const count = `${history.more ? 'more than ' : ''}${plural(history.checkpoints, 'checkpoint')}`
  const calls = history.toolCalls
  if (calls.length === 0)
    return `### History\n\n${count} on the session branch; no tool calls recorded at this head.`
  const shown = calls.slice(-HISTORY_TOOL_CALLS_SHOWN)
  const rows = shown.map((c) =>
    tableRow([
      inlineCode(c.tool),
      c.errorCode === null ? 'ok' : inlineCode(c.errorCode),
      duration(c.durationMs),
    ]),
  )
  const note =
    calls.length > shown.length
      ? `The last ${shown.length} of ${formatCount(calls.length)} tool calls recorded at this head:`
      : `${plural(calls.length, 'tool call')} recorded at this head:`
  return [
    `### History\n\n${count} on the session branch. ${note}`,
    [tableRow(['Tool', 'Error', 'Duration']), tableRow(['---', '---', '---:']), ...rows].join('\n'),
  ].join('\n\n')
}

/** A duration in ms as `850 ms` or `12.3 s` (a note's number: anything not finite and ≥ 0 shows `?`). */
function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?'
  return ms < 1000 ? `${formatCount(Math.round(ms))} ms` : `${formatCount(Math.round(ms / 100) / 10)} s`
}
