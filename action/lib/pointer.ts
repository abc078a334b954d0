/**
 * Moves an Artifacts session's GitHub branch `gittrix/<session-id>` to a pointer commit naming the
 * Artifacts head (docs/architecture.md#pointer-commit-artifacts-sessions; message from the shared protocol module, `encodePointerCommit`).
 *
 * The pointer's parent is the session branch's current head on GitHub (the start commit, an earlier
 * pointer, or a commit the App wrote, e.g. an extend commit) and its tree is that parent's tree, so
 * GitHub shows no diff. When the head already is a pointer to the same Artifacts head, nothing is
 * written (a repeated finish adds no second identical pointer). The push is fast-forward only; when the
 * branch moved meanwhile, the head is read again and the pointer rebuilt (bounded).
 */
import { GittrixError } from '../../src/core/errors.ts'
import {
  encodePointerCommit,
  parsePointerCommit,
  type PointerCommit,
} from '../../src/github/pointer-commit.ts'
import type { SessionRemote } from './remote.ts'
import type { Workspace } from './workspace.ts'
import { GITTRIX_IDENTITY } from '../../src/adapters/artifacts/baseline.ts'

/** Attempts when the session branch keeps moving under the push. */
const ATTEMPTS = 3

/** What {@link publishPointer} needs. */
export interface PublishPointerOptions {
  /** Where the pointer is built: a workspace, or any repository of Gittrix's own and its object store. */
  ws: Pick<Workspace, 'repo' | 'objectsDir'>
  remote: SessionRemote
  /** The GitHub session branch, `gittrix/<session-id>`. */
  branch: string
  /** Commits of the branch the workspace has (the start commit): offered when fetching its head. */
  haves: readonly string[]
  pointer: PointerCommit
}

/** The branch's pointer commit and whether this call wrote it (`false`: it was there already). */
export interface PublishedPointer {
  sha: string
  created: boolean
}

/**
 * Publishes the pointer (see the module comment). Throws `REF_NOT_FOUND` when the session branch is
 * gone from GitHub (discarded or swept), `GIT_FAILED` when the push keeps failing.
 */
export async function publishPointer(options: PublishPointerOptions): Promise<PublishedPointer> {
  const { ws, remote, branch, pointer } = options
  const message = encodePointerCommit(pointer)
  for (let attempt = 1; ; attempt++) {
    const head = await remote.fetchBranch(ws.objectsDir, branch, options.haves)
    if (!head) {
      throw new GittrixError(
        'REF_NOT_FOUND',
        `The session branch ${branch} no longer exists on GitHub (the session was discarded or swept); ` +
          `its work is in Artifacts ${pointer.namespace}/${pointer.repo} at ${pointer.artifactsHead.slice(0, 12)}.`,
      )
    }
    if (await pointsAt(ws, head, pointer)) return { sha: head, created: false }
    const sha = await ws.repo.commitTree(await ws.repo.treeOf(head), [head], message, GITTRIX_IDENTITY)
    try {
      await remote.pushCommit(ws.objectsDir, sha, branch)
      return { sha, created: true }
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error
    }
  }
}

/** True when commit `sha` already is the pointer `pointer` describes. */
async function pointsAt(ws: Pick<Workspace, 'repo'>, sha: string, pointer: PointerCommit): Promise<boolean> {
  const raw = await ws.repo.text(['cat-file', 'commit', sha])
  const parsed = parsePointerCommit(raw.slice(raw.indexOf('\n\n') + 2), { sessionId: pointer.sessionId })
  return (
    parsed.ok &&
    parsed.value.artifactsHead === pointer.artifactsHead &&
    parsed.value.namespace === pointer.namespace &&
    parsed.value.repo === pointer.repo
  )
}
