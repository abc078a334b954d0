/**
 * The Action's `sweep` mode (docs/architecture.md#eviction): delete expired session branches, meant for a scheduled
 * workflow.
 *
 * For every branch `gittrix/<session-id>` (listed with `git ls-remote`), the commits from its head
 * back to its start commit are read through the REST API with the fold the App uses too
 * (src/adapters/github/session-history.ts: the newest 100 commits, then one compare with the durable
 * branch for a longer branch; a start commit must sit on its baseline): the start commit's `Gittrix-Eviction` trailer gives the policy (the `defaults` when it
 * has none), its committer date the creation time, the head commit's committer date the last activity.
 * `expiryReason` (the core's rule) decides. An expired branch is deleted with
 * `git push --force-with-lease=<ref>:<head> :<ref>`, so a branch that received a push after it was read
 * is kept, and the session's notes refs (`refs/notes/gittrix-sessions/<id>/<kind>`) and the refs its
 * restores kept (`…/<id>/restored/…`), listed in the same `ls-remote`, are deleted in that same atomic
 * push. Such refs whose session branch no longer exists are deleted too. Branches whose start commit cannot be found or parsed are never deleted, only reported.
 *
 * An Artifacts session (`Gittrix-Ephemeral: artifacts://<namespace>/<repo>`) also owns its session
 * repository: once the branch is deleted, the repository is deleted too when `artifacts` is configured
 * for that namespace (a repository already gone is fine), and otherwise reported as kept. The branch
 * goes first: a branch that moved keeps its session alive, repository included.
 */
import type { ArtifactsSessions } from './artifacts.ts'
import { redact } from '../../src/git/redact.ts'
import type { EvictionPolicy } from '../../src/core/types.ts'
import { expiryReason } from '../../src/core/eviction.ts'
import type { OctokitLike } from '../../src/adapters/github/client.ts'
import { SESSION_NOTES_PREFIX, sessionIdFromRef, sessionOfSessionRef } from '../../src/github/branches.ts'
import type { StartCommit } from '../../src/github/start-commit.ts'
import { readSessionHistory } from '../../src/adapters/github/session-history.ts'
import type { SessionRemote } from './remote.ts'

/** What {@link sweepSessions} needs. */
export interface SweepOptions {
  remote: SessionRemote
  octokit: OctokitLike
  owner: string
  repo: string
  /** Policy for sessions whose start commit records none. */
  defaults: EvictionPolicy
  /** The time to judge expiry at, ms since the epoch (default now). */
  now?: number
  /** Report what would be deleted without deleting anything. */
  dryRun?: boolean
  /**
   * Compared with a session branch whose start commit is not among its newest 100 commits (default: the
   * repository's default branch).
   */
  durableBranch?: string | null
  /** Session repositories of this Artifacts namespace are deleted with their expired sessions. */
  artifacts?: ArtifactsSessions | null
}

/** What happened to one session branch. */
export interface SweepEntry {
  branch: string
  sessionId: string
  headSha: string
  /** `deleted`; `expired` (dry run, or the branch moved before it could be deleted); `kept`; `skipped` (not understood). */
  outcome: 'deleted' | 'expired' | 'kept' | 'skipped'
  /** Why, in a few words. */
  reason: string
}

/** Sweeps the repository's session branches (see the module comment). */
export async function sweepSessions(options: SweepOptions): Promise<SweepEntry[]> {
  const now = options.now ?? Date.now()
  const listed = await options.remote.listRefs(['refs/heads/gittrix/*', `${SESSION_NOTES_PREFIX}*`])
  const refs = [...listed].filter(([ref]) => ref.startsWith('refs/heads/'))
  const notesOf = (id: string) => [...listed.keys()].filter((ref) => sessionOfSessionRef(ref) === id)
  const entries: SweepEntry[] = []
  for (const [ref, headSha] of refs.sort(([a], [b]) => a.localeCompare(b))) {
    const sessionId = sessionIdFromRef(ref)
    if (!sessionId) continue
    const branch = ref.slice('refs/heads/'.length)
    const base = { branch, sessionId, headSha }
    const found = await findStart(options, sessionId, headSha)
    if (!found.ok) {
      entries.push({ ...base, outcome: 'skipped', reason: found.reason })
      continue
    }
    const policy = found.start.eviction ?? options.defaults
    const reason = expiryReason(
      policy,
      { createdAt: found.createdAt, lastAccessAt: found.lastActivityAt },
      now,
    )
    if (!reason) {
      entries.push({ ...base, outcome: 'kept', reason: policy.manual ? 'manual eviction' : 'not expired' })
      continue
    }
    const why = reason === 'idle' ? 'idle too long' : 'past its absolute lifetime'
    if (options.dryRun) {
      entries.push({ ...base, outcome: 'expired', reason: `${why} (dry run)` })
      continue
    }
    const deleted = await options.remote.deleteBranch(branch, headSha, notesOf(sessionId))
    if (!deleted) {
      entries.push({ ...base, outcome: 'expired', reason: `${why}, but the branch moved meanwhile; kept` })
      continue
    }
    const location = found.start.ephemeral
    const repoNote =
      location.kind === 'artifacts'
        ? `; ${await deleteSessionRepo(options.artifacts ?? null, sessionId, location)}`
        : ''
    entries.push({ ...base, outcome: 'deleted', reason: `${why}${repoNote}` })
  }
  // Notes refs whose session branch is gone (a branch deleted by hand, or by an older Gittrix).
  const branches = new Set(refs.map(([ref]) => sessionIdFromRef(ref)))
  const orphans = [...listed.keys()].filter((ref) => {
    const owner = sessionOfSessionRef(ref)
    return owner !== null && !branches.has(owner)
  })
  if (orphans.length && !options.dryRun) await options.remote.deleteRefs(orphans)
  return entries
}

type Found =
  { ok: true; start: StartCommit; createdAt: number; lastActivityAt: number } | { ok: false; reason: string }

/**
 * The session's start commit (its policy replaced by the newest extend commit's), creation time (the
 * start commit's committer date) and last activity (the head's committer date), read with the one fold
 * over a session branch's commits the App uses too (src/adapters/github/session-history.ts).
 */
async function findStart(options: SweepOptions, sessionId: string, headSha: string): Promise<Found> {
  const coords = { owner: options.owner, repo: options.repo }
  const history = await readSessionHistory(
    options.octokit,
    coords,
    sessionId,
    headSha,
    options.durableBranch ?? undefined,
  )
  if (!history.ok) return { ok: false, reason: history.reason }
  const createdAt = Date.parse(history.startCommit.commit.committer?.date ?? '')
  const lastActivityAt = Date.parse(history.head.commit.committer?.date ?? '')
  if (Number.isNaN(createdAt) || Number.isNaN(lastActivityAt))
    return { ok: false, reason: 'commit dates unreadable' }
  return { ok: true, start: history.start, createdAt, lastActivityAt }
}

/**
 * Deletes an expired session's Artifacts repository when it is this repository's own (the configured
 * namespace, the name bound to this GitHub repository and session); says what happened.
 */
async function deleteSessionRepo(
  artifacts: ArtifactsSessions | null,
  sessionId: string,
  location: { namespace: string; repo: string },
): Promise<string> {
  const name = `artifacts://${location.namespace}/${location.repo}`
  if (!artifacts) return `Artifacts repository ${name} kept (no artifacts inputs given)`
  if (artifacts.namespace !== location.namespace)
    return `Artifacts repository ${name} kept (artifacts-namespace is ${artifacts.namespace})`
  let own: string
  try {
    own = artifacts.sessionRepo(sessionId)
  } catch (error) {
    return `Artifacts repository ${name} kept (${(error as Error).message})`
  }
  if (location.repo !== own)
    return `Artifacts repository ${name} kept (not this repository's session repository ${own})`
  try {
    const existed = await artifacts.delete(location.repo)
    return existed ? `Artifacts repository ${name} deleted` : `Artifacts repository ${name} was already gone`
  } catch (error) {
    return `Artifacts repository ${name} not deleted: ${redact((error as Error).message)}`
  }
}
