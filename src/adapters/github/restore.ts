/**
 * Restoring a GitHub session branch to one of its checkpoints: the branch moves back (a non-fast-forward
 * update) only if it still holds the head that was read, and the head it leaves stays reachable under
 * the session's refs — both in one atomic GraphQL `updateRefs` mutation, since the REST "Update a
 * reference" has no expected-old-value (its `force: true` overwrites whatever is there:
 * https://docs.github.com/rest/git/refs#update-a-reference).
 *
 * `updateRefs` (https://docs.github.com/graphql/reference/mutations#updaterefs): "All updates are
 * performed atomically, meaning that if one of them is rejected, no other ref will be modified";
 * `RefUpdate.beforeOid` is the value the ref "needs to point to before the update" (`0000…` = must not
 * exist); `force` allows a non-fast-forward update.
 */
import type { Octokit } from '@octokit/rest'
import { GittrixError, InvalidArgumentError } from '../../core/errors.ts'
import type { RestoreResult } from '../../core/history.ts'
import { sessionOfSessionRef, sessionRestoredPrefix } from '../../github/branches.ts'
import { compareCommits } from './compare.ts'
import { isNotFound } from './request-errors.ts'
import { readSessionHistory } from './session-history.ts'
import { type RepoCoordinates, unavailable } from './tree-errors.ts'
import { usesGraphql } from './tree-levels.ts'

const ZERO_OID = '0'.repeat(40)

/** What {@link restoreSessionBranch} moves. */
export interface SessionBranchRestore {
  sessionId: string
  /** The session branch, short name (`gittrix/<id>`). */
  branch: string
  baselineSha: string
  /** The checkpoint (full commit id, at or after the baseline); the baseline means the start commit. */
  target: string
}

/**
 * Moves `restore.branch` to `restore.target` and keeps its head as
 * `refs/notes/gittrix-sessions/<id>/restored/<UTC timestamp>-<12 hex of the head>`. The target must
 * descend from the session's start commit (read with session-history.ts `readSessionHistory`, the one
 * fold over a session branch) or be the baseline, which stands for the start commit so the branch stays
 * a session branch. Requests: "Get a reference", "List commits" (one page), one "Compare two commits"
 * (unless the target is the start commit), one GraphQL query (the repository's node id), one mutation.
 * Throws `CAPABILITY_MISSING` without GraphQL (a GitHub Enterprise Server without it), `INVALID_ARGUMENT`
 * (not a commit of the session, or a branch that is no session's), `EVICTION_RACE` (the branch moved
 * meanwhile: nothing was changed), `ADAPTER_UNAVAILABLE`.
 */
export async function restoreSessionBranch(
  octokit: Octokit,
  coords: RepoCoordinates,
  restore: SessionBranchRestore,
): Promise<RestoreResult> {
  const { sessionId, branch, baselineSha } = restore
  const noGraphql = (cause?: unknown) =>
    new GittrixError(
      'CAPABILITY_MISSING',
      `Restoring session ${sessionId} needs GitHub's GraphQL API (an atomic compare-and-swap of ${branch}), which this GitHub does not serve; move the branch yourself with git (git push --force-with-lease=${branch}:<head> origin <checkpoint>:${branch}).`,
      { cause },
    )
  if (!usesGraphql(octokit)) throw noGraphql()
  const head = await branchHead(octokit, coords, branch)
  const history = await readSessionHistory(octokit, coords, sessionId, head)
  if (!history.ok)
    throw new InvalidArgumentError(
      `${branch} cannot be read as session ${sessionId} (${history.reason}); it is not restored.`,
    )
  const start = history.startCommit.sha
  const to = restore.target === baselineSha ? start : restore.target
  if (to !== start) {
    const compared = await compareCommits(octokit, coords, start, to, { oldestOnly: true })
    if (compared?.status !== 'ahead')
      throw new InvalidArgumentError(
        `${to} is not a checkpoint of session ${sessionId}: it does not descend from the session's start commit ${start.slice(0, 12)} (see gittrix log).`,
      )
  }
  const stamp = new Date().toISOString().replace(/[-:.]/g, '')
  const savedRef = `${sessionRestoredPrefix(sessionId)}${stamp}-${head.slice(0, 12)}`
  let repositoryId: string
  try {
    const { repository } = await octokit.graphql<{ repository: { id: string } }>(
      'query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { id } }',
      { owner: coords.owner, name: coords.repo },
    )
    repositoryId = repository.id
  } catch (error) {
    // No GraphQL endpoint here (GitHub Enterprise Server without it answers 404).
    if ([404, 410].includes((error as { status?: number }).status ?? 0)) throw noGraphql(error)
    throw unavailable(error, `reading the node id of ${coords.owner}/${coords.repo}`, coords)
  }
  try {
    await octokit.graphql(
      'mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }',
      {
        input: {
          repositoryId,
          refUpdates: [
            { name: savedRef, afterOid: head, beforeOid: ZERO_OID },
            { name: `refs/heads/${branch}`, afterOid: to, beforeOid: head, force: true },
          ],
        },
      },
    )
  } catch (error) {
    const now = await branchHead(octokit, coords, branch).catch(() => null)
    if (now !== head)
      throw new GittrixError(
        'EVICTION_RACE',
        `${branch} moved during the restore of session ${sessionId} (from ${head.slice(0, 12)} to ${now ? now.slice(0, 12) : 'nothing'}); nothing was changed. Run the restore again.`,
        { cause: error },
      )
    throw unavailable(error, `restoring ${branch} to ${to.slice(0, 12)}`, coords)
  }
  return { from: head, to, savedRef, savedUncommitted: null }
}

/**
 * The heads restores of session `sessionId` kept (`refs/notes/gittrix-sessions/<id>/restored/…`, only
 * refs of exactly that form: src/github/branches.ts `sessionOfSessionRef`), newest first: one "List
 * matching references". Throws what Octokit throws, except a 404 (none: `[]`).
 */
export async function restoredHeads(
  octokit: Octokit,
  coords: RepoCoordinates,
  sessionId: string,
): Promise<string[]> {
  const prefix = sessionRestoredPrefix(sessionId)
  try {
    const { data } = await octokit.rest.git.listMatchingRefs({
      ...coords,
      ref: prefix.replace(/^refs\//, ''),
    })
    return data
      .filter((r) => r.ref.startsWith(prefix) && sessionOfSessionRef(r.ref) === sessionId)
      .sort((a, b) => (a.ref < b.ref ? 1 : -1))
      .map((r) => r.object.sha)
  } catch (error) {
    if (isNotFound(error)) return []
    throw unavailable(error, `listing the heads restores of session ${sessionId} kept`, coords)
  }
}

async function branchHead(octokit: Octokit, coords: RepoCoordinates, branch: string): Promise<string> {
  const { data } = await octokit.rest.git.getRef({ ...coords, ref: `heads/${branch}` })
  return data.object.sha
}
