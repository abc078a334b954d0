/**
 * The title and body of a promotion pull request: the task, the baseline, the promoted files, and a
 * link to the session branch. The task, the commit subject and the file names are untrusted (the
 * agent wrote them): they pass through src/github/markdown.ts like every other output.
 */
import type { PullRequestRequest } from '../../core/adapters.ts'
import { COMMENT_BODY_MAX, utf8Length } from '../../github/limits.ts'
import { fencedBlock, inlineCode, plainTitle, plural, safeUrl } from '../../github/markdown.ts'

/** Most files listed in the body before it says "and N more". */
const MAX_LISTED_FILES = 200

/** Most characters of the task quoted in the body (the rest is cut with a note). */
const TASK_SHOWN_MAX = 20_000

/**
 * The pull request title: the promotion commit's subject as plain text ({@link plainTitle}: one
 * line, no live `#123` / `@mention`, at most 256 characters).
 */
export function pullRequestTitle(request: Pick<PullRequestRequest, 'title' | 'sessionId'>): string {
  return plainTitle(request.title.trim() || `gittrix: promote session ${request.sessionId}`)
}

/**
 * Markdown for the pull request body, at most 65,536 UTF-8 bytes (GitHub's body limit, as for
 * comments). `sessionUrl` (linked when `https:`) is the session branch's page.
 */
export function renderPullRequestBody(request: PullRequestRequest, sessionUrl: string): string {
  const url = safeUrl(sessionUrl)
  const session = url ? `[${inlineCode(request.sessionId)}](${url})` : inlineCode(request.sessionId)
  const chars = Array.from(request.task.trim() || '(no task given)')
  const task =
    chars.length > TASK_SHOWN_MAX ? `${chars.slice(0, TASK_SHOWN_MAX).join('')}\n…` : chars.join('')
  const head = [
    `Promoted by Gittrix from session ${session}.`,
    '',
    '**Task**',
    '',
    fencedBlock(task, 'text'),
    '',
    `**Baseline** ${inlineCode(request.baselineSha.slice(0, 12))} · **Files** ${request.files.length}`,
    '',
  ].join('\n')
  const tail =
    '\n\nThis branch holds one clean commit on top of the durable branch; the agent history is not replayed.'
  const more = (rest: number) => `\n- …and ${plural(rest, 'more file')}`
  let budget = COMMENT_BODY_MAX - utf8Length(head) - utf8Length(tail) - utf8Length(more(request.files.length))
  let list = ''
  let shown = 0
  for (const path of request.files) {
    if (shown >= MAX_LISTED_FILES) break
    const line = `${shown === 0 ? '' : '\n'}- ${inlineCode(path)}`
    if (utf8Length(line) > budget) break
    list += line
    budget -= utf8Length(line)
    shown += 1
  }
  if (shown < request.files.length) list += more(request.files.length - shown)
  return `${head}${list}${tail}`
}
