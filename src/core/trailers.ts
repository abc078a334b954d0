/**
 * Promotion commit messages: the default subject and the `Gittrix-Session` / `Gittrix-Baseline` trailers.
 */

/** `gittrix: <first line of task>`, or `gittrix: promote session <id>` when the task is blank. */
export function defaultMessage(task: string, sessionId: string): string {
  const subject = task.split('\n')[0]?.trim()
  return subject ? `gittrix: ${subject}` : `gittrix: promote session ${sessionId}`
}

/** `message` with the session trailers appended as their own paragraph. */
export function withTrailers(message: string, sessionId: string, baselineSha: string): string {
  const body = message.replace(/\s+$/, '')
  return `${body}\n\nGittrix-Session: ${sessionId}\nGittrix-Baseline: ${baselineSha}\n`
}
