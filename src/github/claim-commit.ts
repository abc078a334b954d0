/**
 * The claim commit: how one App replica takes a session for a promotion or a discard, so that a
 * promotion on one replica and a discard on another cannot both happen (DESIGN.md invariants 6 and 9).
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
 * ```
 */
import { InvalidArgumentError } from '../core/errors.ts'
import { GITHUB_SESSION_ID_PATTERN } from './session-id.ts'

/** What a claim is for. */
export type ClaimPurpose = 'promoting' | 'discarding'

/** The message of a claim commit of session `sessionId` for `purpose`. Throws `INVALID_ARGUMENT` on a bad id. */
export function encodeClaimCommit(sessionId: string, purpose: ClaimPurpose): string {
  if (!GITHUB_SESSION_ID_PATTERN.test(sessionId))
    throw new InvalidArgumentError(`Invalid claim commit: ${JSON.stringify(sessionId)} is not a session id.`)
  const doing = purpose === 'promoting' ? 'promotes' : 'discards'
  return (
    `gittrix: ${purpose} ${sessionId}\n\n` +
    `The Gittrix App holds this session while it ${doing} it. Do not push to this branch meanwhile.\n\n` +
    `Gittrix-Session: ${sessionId}\n`
  )
}

/**
 * The purpose of a claim commit of session `sessionId` (its subject line), or `null` for any other
 * message. The subject alone is not proof that the App wrote it: callers use it only to hold back
 * (not render, not act), never to grant anything.
 */
export function parseClaimSubject(message: string, sessionId: string): ClaimPurpose | null {
  const subject = message.split('\n', 1)[0]
  if (subject === `gittrix: promoting ${sessionId}`) return 'promoting'
  if (subject === `gittrix: discarding ${sessionId}`) return 'discarding'
  return null
}
