/**
 * What a review page shows: one workspace commit (the "review point"), so that what a person reviews
 * and what a promotion from that page writes are read from the same commit by id
 * (`GitTrix.getSession(id, { at })`, `PromoteOptions.at`), never from the workspace as it is later.
 */
import { createHash } from 'node:crypto'
import { isGittrixError } from '../core/errors.ts'
import type { GitTrix } from '../core/gittrix.ts'
import type { UserSession } from '../core/session.ts'
import type { SessionState, TreeChange } from '../core/types.ts'

/** The message of the checkpoint commit {@link reviewPoint} makes when the workspace has uncommitted changes. */
export const REVIEW_CHECKPOINT_MESSAGE = 'gittrix review: checkpoint of the files under review\n'

/**
 * A cheap summary of the session's pending changes right now: equal fingerprints mean the page shows
 * what the workspace holds. `sha256` over each pending path's status, mode and blob id (no content
 * read beyond git's own `add -A`), prefixed by the state; a session that is no longer active answers
 * its state only (`state:promoted`, …).
 */
export interface WorkspaceFingerprint {
  state: SessionState
  fingerprint: string
}

/** {@link WorkspaceFingerprint} of session `id` now. Throws `SESSION_NOT_FOUND`. */
export async function workspaceFingerprint(gittrix: GitTrix, id: string): Promise<WorkspaceFingerprint> {
  const session = await gittrix.getSession(id)
  const pending = await pendingChanges(session)
  if (pending === null) {
    const { state } = await session.info()
    return { state, fingerprint: `state:${state}` }
  }
  return { state: 'active', fingerprint: `active:${hashChanges(pending)}` }
}

/** One review point: the commit shown, the session pinned to it, and the fingerprint it matches. */
export interface ReviewPoint {
  /** Full id of the workspace commit the page shows and promotes. */
  at: string
  /** Session `id` pinned to {@link at}: its `diffDetails` and `promote` read that commit only. */
  session: UserSession
  /** The fingerprint of the workspace when the point was taken (see {@link workspaceFingerprint}). */
  fingerprint: string
}

/**
 * Takes a review point of active session `id`: the workspace's head commit when its files are exactly
 * that commit (for the pending paths), else a checkpoint commit of the files as they are
 * ({@link REVIEW_CHECKPOINT_MESSAGE}, made like `UserSession.commit`: the agent's files are untouched,
 * its `HEAD` moves to the checkpoint, as `gittrix fork` does). Resolves `null` when the session is no
 * longer active (promoted, discarded, expired). Throws `CAPABILITY_MISSING` for a workspace without
 * history, `EVICTION_RACE` when the agent moved `HEAD` during the checkpoint twice in a row,
 * `SESSION_NOT_FOUND`.
 */
export async function reviewPoint(gittrix: GitTrix, id: string): Promise<ReviewPoint | null> {
  const session = await gittrix.getSession(id)
  for (let attempt = 0; ; attempt++) {
    const now = await pendingChanges(session)
    if (now === null) return null
    const fingerprint = `active:${hashChanges(now)}`
    const [head] = await session.log({ limit: 1 })
    if (head) {
      const pinned = await gittrix.getSession(id, { at: head.sha })
      if (hashChanges(await pinned.touchedFiles()) === hashChanges(now))
        return { at: head.sha, session: pinned, fingerprint }
    }
    try {
      const at = await session.commit(REVIEW_CHECKPOINT_MESSAGE)
      return { at, session: await gittrix.getSession(id, { at }), fingerprint }
    } catch (error) {
      if (attempt === 0 && isGittrixError(error, 'EVICTION_RACE')) continue
      throw error
    }
  }
}

/** The session's pending changes now, or `null` when it is no longer active. */
async function pendingChanges(session: UserSession): Promise<TreeChange[] | null> {
  try {
    return await session.touchedFiles()
  } catch (error) {
    if (isGittrixError(error, 'SESSION_EXPIRED')) return null
    throw error
  }
}

function hashChanges(changes: readonly TreeChange[]): string {
  const hash = createHash('sha256')
  for (const c of [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(JSON.stringify([c.path, c.status, c.newMode, c.newOid]))
  return hash.digest('hex').slice(0, 32)
}
