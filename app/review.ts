/**
 * Which commit of a session a promotion reads (docs/architecture.md#invariants, 10): the head a human reviewed,
 * i.e. the commit of this App's "Gittrix session" check run that was rendered and awaits a decision
 * (completed, conclusion `action_required`: the run with the buttons). A button carries its run's
 * `head_sha`; a comment names one with `@<sha>` (matched against the session's commit ids, never sent
 * as a ref), or means the branch head — which must then be that reviewed head — and a comment counts
 * only renders completed before it was written. Everything else is refused with a reply that says why
 * and where the newest render is.
 */
import { inlineCode, shortSha } from '../src/github/index.ts'
import {
  CONFLICT_TITLE_PREFIX,
  inProgressReply,
  PROMOTING_TITLE,
  PROMOTION_FAILED_TITLE,
} from './operations.ts'
import { type CheckRunState, findCheckRun, type RepoContext } from './repo-context.ts'
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

/** What names the reviewed head of a promotion: a button, or a comment command. */
export type ReviewRequest =
  /** A button: its run's `head_sha` (GitHub's full commit id). */
  | { from: 'button'; sha: string }
  /**
   * A comment: `@<sha>` (7–40 hex) or `null` (the branch head), and when the comment was written
   * (`comment.created_at` of the signed `issue_comment` payload, ISO 8601).
   */
  | { from: 'command'; sha: string | null; writtenAt: string }

/** How `@<sha>` matched a session's commits ({@link matchCommit}). */
export type CommitMatch =
  { kind: 'one'; sha: string } | { kind: 'none' } | { kind: 'ambiguous'; shas: string[] }

/**
 * The commit among `commits` (full ids, as GitHub listed them) whose id starts with `prefix` (7–40
 * lowercase hex): `ambiguous` when several do, `none` when none does. Nothing here asks GitHub, so a
 * branch or tag named like the prefix cannot stand in for the commit.
 */
export function matchCommit(commits: readonly string[], prefix: string): CommitMatch {
  const shas = [...new Set(commits.filter((sha) => sha.startsWith(prefix)))]
  if (shas.length === 1) return { kind: 'one', sha: shas[0]! }
  return shas.length === 0 ? { kind: 'none' } : { kind: 'ambiguous', shas }
}

/**
 * True when `run`'s render was on GitHub before the comment written at `writtenAt` (ISO 8601): it
 * completed strictly earlier (GitHub gives both times to the second, so a render in the same second
 * as the comment does not count), or it is an interrupted "Promoting…" — a run the App moves there
 * only when a person promotes exactly its head. An unreadable time counts as not before.
 */
export function renderedBefore(run: CheckRunState, writtenAt: string): boolean {
  if (run.status !== 'completed') return run.title === PROMOTING_TITLE
  const rendered = Date.parse(run.completedAt ?? '')
  const written = Date.parse(writtenAt)
  return Number.isFinite(rendered) && Number.isFinite(written) && rendered < written
}

/**
 * The reviewed head of the session whose branch head was read as `head` (a record at the branch head),
 * as `request` names it. A button names its run's head, which must still be the branch head (the
 * reviewer clicked a run the session has moved past). A comment names the branch head, or with
 * `@<sha>` one of the session's commits ({@link matchCommit} over `head.commits`: never a ref); either
 * way that commit must carry this App's reviewed run of this session ({@link isReviewedRun}) rendered
 * before the comment was written ({@link renderedBefore}): a render completed later shows what the
 * person could not have seen. The session is read again at the reviewed head when it is not the
 * branch head (its start commit, Artifacts pointer). Requests: one check run listing, plus one check
 * run listing and one commit listing for an older head.
 */
export async function reviewedHead(
  repo: RepoContext,
  head: SessionRecord,
  request: ReviewRequest,
): Promise<ReviewedHead> {
  const id = head.start.sessionId
  if (head.claim)
    return { ok: false, reply: inProgressReply(id, head.claim.purpose, 'Nothing was promoted.') }
  const newest = await findCheckRun(repo, head.headSha, id)
  const where = newest?.htmlUrl ? ` The newest render: ${newest.htmlUrl}` : ''
  const now = inlineCode(shortSha(head.headSha))
  const changed = (reviewed?: string) =>
    `Session ${inlineCode(id)} changed after review: ${reviewed ? `${reviewed} ` : ''}its branch is now at ${now}` +
    `${isReviewedRun(newest) ? ', which was rendered again.' : ', which has not been reviewed yet.'}${where} ` +
    'Nothing was promoted. Review the newest render, then promote again (or name a reviewed commit: `/gittrix promote @<sha>`).'
  if (request.from === 'button') {
    if (request.sha !== head.headSha)
      return {
        ok: false,
        reply: changed(`the check run you used is on ${inlineCode(shortSha(request.sha))};`),
      }
    if (newest && isReviewedRun(newest)) return { ok: true, record: head, run: newest }
    return { ok: false, reply: notReviewed(id, request.sha, where) }
  }
  if (request.sha === null) {
    if (newest && isReviewedRun(newest)) {
      if (renderedBefore(newest, request.writtenAt)) return { ok: true, record: head, run: newest }
      return {
        ok: false,
        reply:
          `Session ${inlineCode(id)} changed after you looked: its branch is now at ${now}, rendered after your comment was written.${where} ` +
          `Nothing was promoted. Review ${now}, then promote again (or name the head you reviewed: \`/gittrix promote @<sha>\`).`,
      }
    }
    if (newest?.status === 'completed') {
      return {
        ok: false,
        reply: `Session ${inlineCode(id)} at ${now} does not await promotion: its check run concluded ${inlineCode(newest.conclusion ?? 'unknown')} (${inlineCode(newest.title ?? '')}).${where} Re-run the check to review it again. Nothing was promoted.`,
      }
    }
    return { ok: false, reply: changed() }
  }
  const named = request.sha.toLowerCase()
  const match = matchCommit(head.commits, named)
  if (match.kind === 'ambiguous')
    return {
      ok: false,
      reply: `${inlineCode(`@${named}`)} names ${match.shas.length} commits of session ${inlineCode(id)}; write more of the reviewed commit's id. Nothing was promoted.`,
    }
  if (match.kind === 'none') return { ok: false, reply: notReviewed(id, named, where) }
  const sha = match.sha
  const run = sha === head.headSha ? newest : await findCheckRun(repo, sha, id)
  if (!run || !isReviewedRun(run)) return { ok: false, reply: notReviewed(id, named, where) }
  if (!renderedBefore(run, request.writtenAt))
    return {
      ok: false,
      reply: `${inlineCode(shortSha(sha))} of session ${inlineCode(id)} was rendered after your comment was written, so it is not the render you reviewed.${run.htmlUrl ? ` Its render: ${run.htmlUrl}` : ''} Nothing was promoted. Review it, then promote again.`,
    }
  if (sha === head.headSha) return { ok: true, record: head, run }
  const lookup = await readSessionAt(repo, id, sha, head.start.durableBranch)
  if (lookup.kind !== 'found' || lookup.record.startSha !== head.startSha) {
    return {
      ok: false,
      reply: `${inlineCode(shortSha(sha))} is not a commit of session ${inlineCode(id)} as it stands (${lookup.kind === 'invalid' ? inlineCode(lookup.reason) : 'it has another start commit'}). Nothing was promoted.`,
    }
  }
  return { ok: true, record: lookup.record, run }
}

function notReviewed(id: string, sha: string, where: string): string {
  return (
    `${inlineCode(`@${sha}`)} is not a reviewed head of session ${inlineCode(id)}: no completed "Gittrix session" check run ` +
    `of this App awaiting promotion is on a commit of this session with that id.${where} Nothing was promoted.`
  )
}
