/**
 * The claim commit: how one App replica takes a session for a promotion or a discard, so that a
 * promotion on one replica and a discard on another cannot both happen (docs/architecture.md#invariants, 6 and 9).
 *
 * A claim is a commit with the session head's tree and the head as its only parent, written by the App
 * and moved onto `gittrix/<id>` with `force: false` (GitHub's "Update a reference": the update must be a
 * fast forward). Two replicas that claim the same head write two different children of it: only the
 * first update is a fast forward, so exactly one replica holds the session. While it does, pushes that
 * build on the old head are refused by GitHub as non-fast-forward. The holder either finishes (the
 * branch is deleted) or puts the branch back on the head it claimed.
 *
 * ```
 * gittrix: promoting sess_abcdefghijkl
 *
 * The Gittrix App holds this session while it promotes it. Do not push to this branch meanwhile.
 *
 * Gittrix-Session: sess_abcdefghijkl
 * Gittrix-Claimed-At: 2026-01-01T00:00:00.000Z
 * ```
 *
 * `Gittrix-Claimed-At` is the App's own clock when it claimed; a claim older than the App's limit is
 * taken for an interrupted operation and released by the next one (app/claim.ts).
 */
import { InvalidArgumentError } from '../core/errors.ts'
import { GITHUB_SESSION_ID_PATTERN } from './session-id.ts'

/** What a claim is for. */
export type ClaimPurpose = 'promoting' | 'discarding'

/**
 * The message of a claim commit of session `sessionId` for `purpose`, claimed at `claimedAt` (ms since
 * the epoch). Throws `INVALID_ARGUMENT` on a bad id or time.
 */
export function encodeClaimCommit(sessionId: string, purpose: ClaimPurpose, claimedAt: number): string {
  if (!GITHUB_SESSION_ID_PATTERN.test(sessionId))
    throw new InvalidArgumentError(`Invalid claim commit: ${JSON.stringify(sessionId)} is not a session id.`)
  if (!Number.isFinite(claimedAt)) throw new InvalidArgumentError('Invalid claim commit: no claim time.')
  const doing = purpose === 'promoting' ? 'promotes' : 'discards'
  return (
    `gittrix: ${purpose} ${sessionId}\n\n` +
    `The Gittrix App holds this session while it ${doing} it. Do not push to this branch meanwhile.\n\n` +
    `Gittrix-Session: ${sessionId}\n` +
    `Gittrix-Claimed-At: ${new Date(claimedAt).toISOString()}\n`
  )
}

/** What a claim commit says. */
export interface ClaimCommit {
  purpose: ClaimPurpose
  /** `Gittrix-Claimed-At` in ms since the epoch, or `null` when missing or not a time. */
  claimedAt: number | null
}

/**
 * The claim in a commit message of session `sessionId` (its subject line, and `Gittrix-Claimed-At`),
 * or `null` for any other message. Nothing here proves that the App wrote it: the App honours a claim
 * only when GitHub reports the commit as its own (app/session.ts), treats one dated in the future as
 * stale (app/claim.ts), and never grants anything on a claim.
 */
export function parseClaimCommit(message: string, sessionId: string): ClaimCommit | null {
  const subject = message.split('\n', 1)[0]
  const purpose: ClaimPurpose | null =
    subject === `gittrix: promoting ${sessionId}`
      ? 'promoting'
      : subject === `gittrix: discarding ${sessionId}`
        ? 'discarding'
        : null
  if (purpose === null) return null
  const stamp = /^Gittrix-Claimed-At: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z)$/m.exec(message)
  const claimedAt = stamp ? Date.parse(stamp[1]!) : Number.NaN
  return { purpose, claimedAt: Number.isFinite(claimedAt) ? claimedAt : null }
}
