/**
 * Which commit of a session a promotion reads (DESIGN.md §9, invariant 10): the head a human reviewed,
 * i.e. the commit of this App's "Gittrix session" check run that was rendered and awaits a decision
 * (completed, conclusion `action_required`: the run with the buttons). A button carries its run's
 * `head_sha`; a comment names one with `@<sha>`, or means the branch head — which must then be that
 * reviewed head. Everything else is refused with a reply that says why and where the newest render is.
 */
import { inlineCode, shortSha } from '../src/github/index.ts'
import {
  CONFLICT_TITLE_PREFIX,
  inProgressReply,
  PROMOTING_TITLE,
  PROMOTION_FAILED_TITLE,
} from './operations.ts'
import { type CheckRunState, findCheckRun, type RepoContext } from './repo.ts'
import { readSessionAt, type SessionRecord } from './session.ts'

/** The reviewed commit and the session read there, or the refusal (markdown) when there is none. */
export type ReviewedHead =
  { ok: true; record: SessionRecord; run: CheckRunState } | { ok: false; reply: string }

/**
 * True when `run` shows a reviewed head that may still be promoted: rendered and awaiting a decision
 * (`action_required`: the run with the buttons), or in a state the App only ever moves a reviewed run
 * to — "Promoting…" (a promotion under way or interrupted), a baseline conflict or a failed promotion
 * (another selection, or a retry, may still promote). Runs the App wrote without rendering the diff
 * (an invalid configuration or session, an unreadable workspace) never count.
 */
export function isReviewedRun(run: CheckRunState | null): boolean {
  if (run === null) return false
  if (run.status !== 'completed') return run.title === PROMOTING_TITLE
  if (run.conclusion === 'action_required') return true
  return (
    run.conclusion === 'failure' &&
    (run.title === PROMOTION_FAILED_TITLE || (run.title ?? '').startsWith(CONFLICT_TITLE_PREFIX))
  )
}

/**
 * The reviewed head of the session whose branch head was read as `head` (a record at the branch head):
 * `named` (a button's run `head_sha`, or a command's `@<sha>`, 7–40 hex) or else the branch head. A
 * named head must carry this App's reviewed run of this session; a button's must also still be the
 * branch head (the reviewer clicked a run the session has moved past). The session is read again at
 * the reviewed head when it is not the branch head (its start commit, Artifacts pointer). Requests: one
 * check run listing, plus one commit listing for an older head.
 */
export async function reviewedHead(
  repo: RepoContext,
  head: SessionRecord,
  named: { sha: string; from: 'button' | 'command' } | null,
): Promise<ReviewedHead> {
  const id = head.start.sessionId
  if (head.claim)
    return { ok: false, reply: inProgressReply(id, head.claim.purpose, 'Nothing was promoted.') }
  const newest = await findCheckRun(repo, head.headSha, id)
  const where = newest?.htmlUrl ? ` The newest render: ${newest.htmlUrl}` : ''
  const changed = (reviewed?: string) =>
    `Session ${inlineCode(id)} changed after review: ${reviewed ? `${reviewed} ` : ''}its branch is now at ${inlineCode(shortSha(head.headSha))}` +
    `${isReviewedRun(newest) ? ', which was rendered again.' : ', which has not been reviewed yet.'}${where} ` +
    'Nothing was promoted. Review the newest render, then promote again (or name a reviewed commit: `/gittrix promote @<sha>`).'
  if (named === null) {
    if (newest && isReviewedRun(newest)) return { ok: true, record: head, run: newest }
    if (newest?.status === 'completed') {
      return {
        ok: false,
        reply: `Session ${inlineCode(id)} at ${inlineCode(shortSha(head.headSha))} does not await promotion: its check run concluded ${inlineCode(newest.conclusion ?? 'unknown')} (${inlineCode(newest.title ?? '')}).${where} Re-run the check to review it again. Nothing was promoted.`,
      }
    }
    return { ok: false, reply: changed() }
  }
  const sha = named.sha.toLowerCase()
  if (head.headSha.startsWith(sha)) {
    if (newest && isReviewedRun(newest)) return { ok: true, record: head, run: newest }
    return { ok: false, reply: notReviewed(id, sha, where) }
  }
  if (named.from === 'button')
    return { ok: false, reply: changed(`the check run you used is on ${inlineCode(shortSha(sha))};`) }
  const run = await findCheckRun(repo, sha, id)
  if (!run || !isReviewedRun(run)) return { ok: false, reply: notReviewed(id, sha, where) }
  const lookup = await readSessionAt(repo, id, run.headSha, head.start.durableBranch)
  if (lookup.kind !== 'found' || lookup.record.startSha !== head.startSha) {
    return {
      ok: false,
      reply: `${inlineCode(shortSha(run.headSha))} is not a commit of session ${inlineCode(id)} as it stands (${lookup.kind === 'invalid' ? lookup.reason : 'it has another start commit'}). Nothing was promoted.`,
    }
  }
  return { ok: true, record: lookup.record, run }
}

function notReviewed(id: string, sha: string, where: string): string {
  return (
    `${inlineCode(`@${sha}`)} is not a reviewed head of session ${inlineCode(id)}: no completed "Gittrix session" check run ` +
    `of this App awaiting promotion is on that commit.${where} Nothing was promoted.`
  )
}
