/**
 * The Artifacts half of a finish (docs/architecture.md#pointer-commit-artifacts-sessions): push the snapshotted head to `main` of the session
 * repository, then move the GitHub session branch to a pointer commit naming that head, so the App
 * (which reads the session's content from Artifacts) sees the session change.
 *
 * The repository is the session's own (`ArtifactsSessions.sessionRepo`, in the configured namespace) and its
 * URL comes from the control plane: the workspace's session record is writable by the agent, so
 * neither is taken from there unchecked.
 */
import { GittrixError } from '../../src/core/errors.ts'
import { ARTIFACTS_REMOTE_NAME, ARTIFACTS_SESSION_BRANCH, type ArtifactsSessions } from './artifacts.ts'
import { publishPointer } from './pointer.ts'
import type { SessionRemote } from './remote.ts'
import type { ArtifactsRecord, WorkspaceSessionRecord, Workspace } from './workspace.ts'

/** What {@link pushArtifactsSession} needs. */
export interface PushArtifactsSessionOptions {
  ws: Workspace
  /** The GitHub repository (for the pointer commit). */
  remote: SessionRemote
  sessions: ArtifactsSessions
  record: WorkspaceSessionRecord
  location: ArtifactsRecord
  /** The commit to publish: the session's head after the snapshot. */
  headSha: string
}

/**
 * Pushes `headSha` to the session repository (fast-forward) and publishes the pointer; resolves the
 * pointer commit's id. Throws `INVALID_ARGUMENT` when the record names another namespace or repository,
 * `REF_NOT_FOUND` when the repository or the GitHub branch is gone, `GIT_FAILED` when a push is refused.
 */
export async function pushArtifactsSession(options: PushArtifactsSessionOptions): Promise<string> {
  const { ws, sessions, record, location, headSha } = options
  const repo = checkArtifactsLocation(record, location, sessions)
  const url = await sessions.remote(repo)
  if (!url) {
    throw new GittrixError(
      'REF_NOT_FOUND',
      `The Artifacts repository ${location.namespace}/${repo} of session ${record.sessionId} no longer exists ` +
        '(discarded or swept); the work is still in the workspace.',
    )
  }
  await sessions.push(repo, url, ws.objectsDir, headSha).catch((error: unknown) => {
    throw new GittrixError(
      'GIT_FAILED',
      `Could not push ${headSha.slice(0, 12)} to ${ARTIFACTS_SESSION_BRANCH} of Artifacts ${location.namespace}/${repo}: ` +
        `${(error as Error).message}. The workspace still holds the work.`,
      { cause: error },
    )
  })
  // `git status` in the workspace then says the branch is up to date with the session repository.
  await ws.repo.run([
    'update-ref',
    `refs/remotes/${ARTIFACTS_REMOTE_NAME}/${ARTIFACTS_SESSION_BRANCH}`,
    headSha,
  ])
  const pointer = await publishPointer({
    ws,
    remote: options.remote,
    branch: record.branch,
    haves: [record.startSha],
    pointer: { sessionId: record.sessionId, namespace: location.namespace, repo, artifactsHead: headSha },
  })
  return pointer.sha
}

/**
 * The session's own repository name, after checking that the record names it in the configured
 * namespace. Throws `INVALID_ARGUMENT` otherwise (another namespace input, or a record the agent edited).
 */
export function checkArtifactsLocation(
  record: WorkspaceSessionRecord,
  location: ArtifactsRecord,
  sessions: ArtifactsSessions,
): string {
  const repo = sessions.sessionRepo(record.sessionId)
  if (location.namespace !== sessions.namespace || location.repo !== repo) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `Session ${record.sessionId} was started in Artifacts ${location.namespace}/${location.repo}, but this step ` +
        `is configured for ${sessions.namespace}/${repo}; give it the artifacts-namespace input of the step that started the session.`,
    )
  }
  return repo
}
