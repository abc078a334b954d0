/**
 * How a session's task travels in the start commit. The full task is the commit body (between the
 * subject and the trailers), normalised; `Gittrix-Task` carries a one-line summary of it, so the
 * trailer block stays one line per key whatever the task holds, and the two must agree.
 */
import { InvalidArgumentError } from '../core/errors.ts'
import { fail, isInvisible, ok, type ParseResult } from './result.ts'

/**
 * Longest task carried (characters, after normalising): 65,536, GitHub's limit for an issue body,
 * where tasks usually come from.
 */
export const MAX_TASK_LENGTH = 65_536

/** Longest `Gittrix-Task` value, in code points, the trailing `…` included. */
export const TASK_SUMMARY_MAX = 200

/**
 * Normalises a task: CRLF and lone CR become LF, surrounding whitespace is trimmed. Refuses an empty
 * task (it titles the check run and the PR), control characters other than tab and LF, and tasks
 * longer than {@link MAX_TASK_LENGTH}.
 */
export function normalizeTaskResult(task: string): ParseResult<string> {
  if (typeof task !== 'string') return fail('the task is not a string')
  const text = task.replace(/\r\n?/g, '\n').trim()
  if (text.length === 0) return fail('the task is empty')
  if (text.length > MAX_TASK_LENGTH) return fail(`the task is longer than ${MAX_TASK_LENGTH} characters`)
  if (/\p{Cs}/u.test(text)) return fail('the task contains a lone UTF-16 surrogate (not valid text)')
  for (const ch of text) {
    const cp = ch.codePointAt(0)!
    if (ch !== '\n' && ch !== '\t' && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))) {
      return fail('the task contains a control character')
    }
  }
  return ok(text)
}

/** {@link normalizeTaskResult}, throwing `INVALID_ARGUMENT` with the reason. */
export function normalizeTask(task: string): string {
  const result = normalizeTaskResult(task)
  if (!result.ok) throw new InvalidArgumentError(`Invalid session task: ${result.reason}.`)
  return result.value
}

/** The `Gittrix-Task` value of a task whose first line has nothing visible. */
export const UNTITLED_TASK = '(untitled task)'

/**
 * The `Gittrix-Task` value of a normalised task: its first line, with every control, zero-width or
 * bidi character turned into a space, runs of spaces collapsed, trimmed, and cut to
 * {@link TASK_SUMMARY_MAX} code points (ending in `…` when cut); {@link UNTITLED_TASK} when nothing
 * visible is left.
 */
export function taskSummary(task: string): string {
  const first = task.split('\n', 1)[0] ?? ''
  const visible = Array.from(first, (ch) => (isInvisible(ch) ? ' ' : ch))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
  if (visible === '') return UNTITLED_TASK
  const chars = Array.from(visible)
  if (chars.length <= TASK_SUMMARY_MAX) return visible
  return `${chars
    .slice(0, TASK_SUMMARY_MAX - 1)
    .join('')
    .trimEnd()}…`
}
