/**
 * Taking a session for a promotion or a discard, so that replicas sharing nothing but GitHub reach one
 * outcome (docs/architecture.md#invariants, 6 and 9): a claim commit (src/github/claim-commit.ts) on `gittrix/<id>`,
 * moved there with `force: false` from the head the operation read. GitHub's "Update a reference"
 * refuses a non-fast-forward update (422 "Update is not a fast forward"), and two claims of one head are
 * siblings, so only one replica's claim lands. Sources: REST "Create a commit", "Update a reference"
 * (https://docs.github.com/rest/git/refs#update-a-reference).
 */
import {
  type ClaimPurpose,
  encodeClaimCommit,
  isNotFastForward,
  isNotFound,
  isReferenceMissing,
  sessionBranch,
} from '../src/github.ts'
import type { RepoContext } from './repo-context.ts'
import { readSessionAt, type SessionRecord } from './session.ts'

/** How long a claim may be held before another replica may release it (a crashed holder), ms. */
export const CLAIM_STALE_MS = 10 * 60_000

/**
 * How far a claim's time may lie ahead of this replica's clock (replicas' clocks differ a little), ms.
 * A claim dated further ahead was not written by a working replica's clock and is stale.
 */
export const CLAIM_CLOCK_SKEW_MS = 60_000

/** The outcome of {@link claimSession}. */
export type ClaimOutcome =
  | { ok: true; claim: string }
  /** The branch is not at `head` any more: `now` is where it is, `null` when it is gone. */
  | { ok: false; now: string | null }

/**
 * Claims session `id` at `head` (whose tree is `tree`) for `purpose`: one commit, one ref update.
 * Resolves the claim commit, or where the branch is when it was not at `head`.
 */
export async function claimSession(
  repo: RepoContext,
  id: string,
  head: string,
  tree: string,
  purpose: ClaimPurpose,
): Promise<ClaimOutcome> {
  const coords = { owner: repo.owner, repo: repo.repo }
  const { data: claim } = await repo.octokit.rest.git.createCommit({
    ...coords,
    message: encodeClaimCommit(id, purpose, Date.now()),
    tree,
    parents: [head],
  })
  try {
    await repo.octokit.rest.git.updateRef({
      ...coords,
      ref: `heads/${sessionBranch(id)}`,
      sha: claim.sha,
      force: false,
    })
    return { ok: true, claim: claim.sha }
  } catch (error) {
    // 422 "Reference does not exist" (gone) or "Update is not a fast forward" (moved).
    if (!isNotFastForward(error) && !isReferenceMissing(error)) throw error
    return { ok: false, now: await branchHead(repo, id) }
  }
}

/**
 * Puts the session branch back from `claim` to `head` (the operation did not finish: the session stays
 * as it was). Only while the branch is still at `claim`; resolves whether it moved it. A forced update
 * (the branch goes back to the claim's parent), so it re-reads the branch right before.
 */
export async function releaseClaim(
  repo: RepoContext,
  id: string,
  claim: string,
  head: string,
): Promise<boolean> {
  if ((await branchHead(repo, id)) !== claim) return false
  await repo.octokit.rest.git.updateRef({
    owner: repo.owner,
    repo: repo.repo,
    ref: `heads/${sessionBranch(id)}`,
    sha: head,
    force: true,
  })
  return true
}

/** The commit `gittrix/<id>` points at, or `null` when the branch does not exist. */
export async function branchHead(repo: RepoContext, id: string): Promise<string | null> {
  try {
    const { data } = await repo.octokit.rest.git.getRef({
      owner: repo.owner,
      repo: repo.repo,
      ref: `heads/${sessionBranch(id)}`,
    })
    return data.object.sha
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

/**
 * True when a claim made at `claimedAt` (ms, `null` when it says no time) no longer holds at `now`:
 * made more than {@link CLAIM_STALE_MS} ago, dated more than {@link CLAIM_CLOCK_SKEW_MS} in the
 * future, or undated.
 */
export function isStaleClaim(claimedAt: number | null, now: number): boolean {
  if (claimedAt === null) return true
  return now - claimedAt > CLAIM_STALE_MS || claimedAt - now > CLAIM_CLOCK_SKEW_MS
}

/**
 * `record` without a stale claim ({@link isStaleClaim} by the App's clock): a claim commit of this App
 * (SessionRecord.claim: GitHub reports it written by the App; any other commit is no claim) whose
 * replica stopped before finishing. The branch goes back on the claimed head and the session is read
 * there again. Resolves `record` unchanged when there is no claim or it is recent.
 */
export async function withoutStaleClaim(
  repo: RepoContext,
  record: SessionRecord,
  durableBranch: string,
  now: number = Date.now(),
): Promise<SessionRecord> {
  const claim = record.claim
  if (!claim || !isStaleClaim(claim.claimedAt, now)) return record
  const id = record.start.sessionId
  await releaseClaim(repo, id, record.headSha, claim.parent)
  const lookup = await readSessionAt(repo, id, (await branchHead(repo, id)) ?? claim.parent, durableBranch)
  return lookup.kind === 'found' ? lookup.record : record
}
