/**
 * The body of a promotion pull request: the task, the baseline, the promoted files, and a link to
 * the session branch.
 */
import type { PullRequestRequest } from '../../core/adapters.ts'

/** Most files listed in the body before it says "and N more" (GitHub caps bodies at 65,536 characters). */
const MAX_LISTED_FILES = 200

/** Escapes text for a markdown table cell or list item: no HTML, no broken pipes or code spans. */
function inlineCode(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|')
  const fence = clean.includes('`') ? '`` ' : '`'
  return `${fence}${clean}${fence === '`` ' ? ' ``' : '`'}`
}

function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
}

/** Markdown for the pull request body. `sessionUrl` links to the session branch. */
export function renderPullRequestBody(request: PullRequestRequest, sessionUrl: string): string {
  const listed = request.files.slice(0, MAX_LISTED_FILES)
  const more = request.files.length - listed.length
  const task = escapeText(request.task.trim() || '(no task given)')
  return [
    `Promoted by Gittrix from session [${request.sessionId}](${sessionUrl}).`,
    '',
    '**Task**',
    '',
    task
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n'),
    '',
    `**Baseline** \`${request.baselineSha.slice(0, 12)}\` · **Files** ${request.files.length}`,
    '',
    ...listed.map((path) => `- ${inlineCode(path)}`),
    ...(more > 0 ? [`- … and ${more} more`] : []),
    '',
    'This branch holds one clean commit on top of the durable branch; the agent history is not replayed.',
  ].join('\n')
}
