/**
 * The App's issue / pull request comment for a session (docs/architecture.md#review-and-commands): posted once on the linked
 * issue or PR and updated in place. Its first line is a hidden marker the App searches for.
 */
import type { SessionDiff } from '../core/types.ts'
import { SESSION_ACTIONS } from './check-run-actions.ts'
import { conflictTitle, renderConflictMarkdown } from './conflict.ts'
import { type SessionFacts, sessionFactsSchema } from './session-facts.ts'
import { renderFileTable } from './file-table.ts'
import { shortSha } from './commit-sha.ts'
import { COMMENT_BODY_MAX, utf8Length } from './limits.ts'
import { fencedBlock, inlineCode, link } from './markdown.ts'
import { GITHUB_SESSION_ID_PATTERN } from './session-id.ts'
import { diffStatLine } from './stat.ts'
import { taskSummary } from './task.ts'

/** Most file rows in a comment (the check run holds the full table). */
export const COMMENT_FILE_ROWS = 50

/** `<!-- gittrix:session sess_… -->`: the first line of every session comment. */
export function sessionCommentMarker(sessionId: string): string {
  if (!GITHUB_SESSION_ID_PATTERN.test(sessionId))
    throw new TypeError(`not a session id: ${sessionId.slice(0, 40)}`)
  return `<!-- gittrix:session ${sessionId} -->`
}

/**
 * The session id in a comment's marker, or `null`. Only an exact marker on the first line counts.
 * Anyone can type a marker: the App must also check that the comment's author is its own bot.
 */
export function findSessionMarker(body: unknown): string | null {
  if (typeof body !== 'string') return null
  const match = /^<!-- gittrix:session (sess_[a-z2-7]{12}) -->(?:\n|$)/.exec(body)
  return match ? match[1]! : null
}

/** Where a session stands, as the comment reports it. */
export type SessionCommentStatus =
  | { state: 'active' }
  | { state: 'promoted'; sha: string; branch: string; prUrl?: string }
  | { state: 'discarded' }
  | { state: 'expired' }
  | { state: 'conflict'; conflictingFiles: string[]; durableSha: string }

/** Input of {@link renderSessionComment}. */
export interface SessionCommentInput {
  facts: SessionFacts
  diff: SessionDiff
  status: SessionCommentStatus
  /** The check run's `html_url` (from GitHub's API), linked. */
  checkRunUrl?: string
}

/**
 * The comment body: marker, heading with the session id, state, task summary, diff stat, baseline and
 * durable branch, a file table (≤ {@link COMMENT_FILE_ROWS} rows), and the commands or the outcome.
 * At most 65,536 characters (GitHub's comment limit, counted as UTF-8 bytes). Throws a `ZodError`
 * when `facts` are invalid.
 */
export function renderSessionComment(input: SessionCommentInput): string {
  const facts = sessionFactsSchema.parse(input.facts)
  const { diff, status } = input
  const head = [
    sessionCommentMarker(facts.sessionId),
    `### Gittrix session ${inlineCode(facts.sessionId)}: ${STATE_LABEL[status.state]}`,
    '',
    `> ${inlineCode(taskSummary(facts.task))}`,
    '',
    `**${diffStatLine(diff)}** against ${inlineCode(shortSha(facts.baselineSha))} on ` +
      `${inlineCode(facts.durableBranch)}${input.checkRunUrl ? ` · ${link('review the diff', input.checkRunUrl)}` : ''}`,
    '',
  ].join('\n')
  const outcome = renderOutcome(facts, status, diff.files.length > 0)
  const budget = COMMENT_BODY_MAX - utf8Length(head) - utf8Length(outcome) - 4
  const table = renderFileTable(diff.files, budget, COMMENT_FILE_ROWS)
  return `${head}\n${table.markdown}\n\n${outcome}`
}

const STATE_LABEL: Record<SessionCommentStatus['state'], string> = {
  active: 'awaiting review',
  promoted: 'promoted',
  discarded: 'discarded',
  expired: 'expired',
  conflict: 'baseline conflict',
}

function renderOutcome(facts: SessionFacts, status: SessionCommentStatus, hasChanges: boolean): string {
  switch (status.state) {
    case 'active':
      if (!hasChanges) return 'No changes yet.'
      return (
        `Review the **Gittrix session** check run, then use its buttons (${SESSION_ACTIONS.map((a) => a.label).join(', ')}) ` +
        `or reply with a command (write access needed):\n\n${fencedBlock(
          [
            `/gittrix promote ${facts.sessionId} all`,
            `/gittrix promote ${facts.sessionId} all --pr`,
            `/gittrix discard ${facts.sessionId}`,
            '/gittrix help',
          ].join('\n'),
          'text',
        )}`
      )
    case 'promoted': {
      const pr = status.prUrl ? ` · ${link('pull request', status.prUrl)}` : ''
      return `Promoted as ${inlineCode(shortSha(status.sha))} on ${inlineCode(status.branch)}${pr}.`
    }
    case 'discarded':
      return 'Discarded: the session branch was deleted and nothing was promoted.'
    case 'expired':
      return 'Expired: the session was evicted before it was promoted.'
    case 'conflict':
      return `**${conflictTitle(status.conflictingFiles.length)}**\n\n${renderConflictMarkdown(
        {
          ...status,
          sessionId: facts.sessionId,
          baselineSha: facts.baselineSha,
          durableBranch: facts.durableBranch,
        },
        20_000,
      )}`
  }
}

/** A reply to a malformed command: the parser's usage text in a fenced block (it may quote the user's input). */
export function renderUsageReply(usage: string): string {
  return `That command did not parse:\n\n${fencedBlock(usage, 'text')}`
}
