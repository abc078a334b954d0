/**
 * The workspace adapter of one session on the App, chosen by the start commit's `Gittrix-Ephemeral`:
 *
 * - `branch`: the session branch itself (GitHubBranchEphemeralAdapter).
 * - `artifacts://<namespace>/<repo>`: the files are the session's own Artifacts repository
 *   (`<ARTIFACTS_NAMESPACE>/gittrix-<repository id>-<session id>`, the start commit checked to name
 *   exactly that) at the newest
 *   pointer commit's `Gittrix-Artifacts-Head`, read through the REST read routes
 *   (CloudflareArtifactsSnapshotAdapter; no git on the App host). Session records (the extend commit)
 *   still go on the GitHub session branch, where the App reads them back; eviction (discard, promotion
 *   with `untilPromote`) deletes the Artifacts repository first, then the branch (docs/architecture.md#eviction), so a
 *   failed repository delete leaves the branch and the session can be discarded again.
 */
import { artifactsSnapshotRef, CloudflareArtifactsSnapshotAdapter } from '../src/adapters/artifacts/index.ts'
import type { EphemeralAdapter, WorkspaceHandle } from '../src/core/adapters.ts'
import { GitHubBranchEphemeralAdapter, type GitHubDurableAdapter, sessionBranch } from '../src/github.ts'
import { artifactsClient, ownArtifactsLocation } from './artifacts.ts'
import type { RepoContext } from './repo-context.ts'
import type { SessionRecord } from './session.ts'

/** The adapter and the `ephemeralRef` the session's metadata gets. */
export interface SessionWorkspace {
  adapter: EphemeralAdapter
  ephemeralRef: string
}

/**
 * The workspace of `record`. Artifacts sessions need `repo.artifacts` (callers check
 * `workspaceProblem` first); without it this throws `INVALID_ARGUMENT` from the client.
 */
export function sessionWorkspace(
  repo: RepoContext,
  record: SessionRecord,
  durable: GitHubDurableAdapter,
): SessionWorkspace {
  const branch = new GitHubBranchEphemeralAdapter({
    owner: repo.owner,
    repo: repo.repo,
    octokit: repo.octokit,
    // The App read this commit as the branch's head (a push, or its own check run): the session's.
    knownHeads: new Map([[record.start.sessionId, record.headSha]]),
  })
  const branchRef = `github://${repo.owner}/${repo.repo}#${sessionBranch(record.start.sessionId)}`
  if (record.start.ephemeral.kind !== 'artifacts') return { adapter: branch, ephemeralRef: branchRef }
  // The App's namespace and the name bound to this repository: never what the start commit says
  // (readSessionAt already refused a start commit naming anything else).
  const client = artifactsClient(
    repo.artifacts ?? { accountId: '', apiToken: '', baseUrl: '', namespace: 'unset' },
  )
  const own = ownArtifactsLocation(repo, record.start.sessionId)
  const snapshot = new CloudflareArtifactsSnapshotAdapter({ client, durable })
  return {
    adapter: onBranchToo(snapshot, branch, branchRef),
    ephemeralRef: artifactsSnapshotRef(client, own.repo, record.artifactsHead),
  }
}

/**
 * `content` for reading, `branch` (at `branchRef`) for commits and the idle clock, both for destroy:
 * the content first, then the branch.
 */
function onBranchToo(
  content: EphemeralAdapter,
  branch: EphemeralAdapter,
  branchRef: string,
): EphemeralAdapter {
  const onBranch = (handle: WorkspaceHandle): WorkspaceHandle => ({ ...handle, ephemeralRef: branchRef })
  return {
    kind: content.kind,
    capabilities: () => content.capabilities(),
    create: (request) => content.create(request),
    read: (handle, path) => content.read(handle, path),
    write: (handle, path, bytes, options) => content.write(handle, path, bytes, options),
    delete: (handle, path) => content.delete(handle, path),
    list: (handle, dir, options) => content.list(handle, dir, options),
    snapshot: (handle, options) => content.snapshot(handle, options),
    commit: (handle, message) => branch.commit(onBranch(handle), message),
    lastChangeAt: (handle) => branch.lastChangeAt(onBranch(handle)),
    destroy: async (handle) => {
      await content.destroy(handle)
      await branch.destroy(onBranch(handle))
    },
  }
}
