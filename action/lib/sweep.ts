/**
 * The Action's `sweep` mode (docs/architecture.md#eviction): delete expired session branches, meant for a scheduled
 * workflow.
 *
 * For every branch `gittrix/<session-id>` (listed with `git ls-remote`), the commits from its head
 * back to its start commit are read through the REST API (`GET /repos/{o}/{r}/commits?sha=<head>`,
 * 100 per page): the start commit's `Gittrix-Eviction` trailer gives the policy (the `defaults` when it
 * has none), its committer date the creation time, the head commit's committer date the last activity.
 * `expiryReason` (the core's rule) decides. An expired branch is deleted with
 * `git push --force-with-lease=<ref>:<head> :<ref>`, so a branch that received a push after it was read
 * is kept. Branches whose start commit cannot be found or parsed are never deleted, only reported.
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
import { sessionIdFromRef } from '../../src/github/branches.ts'
import { parseExtendCommit } from '../../src/github/extend-commit.ts'
import { parseStartCommit, type StartCommit } from '../../src/github/start-commit.ts'
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
  /** Commits read per branch before giving up on finding its start commit (default 1000). */
  maxCommits?: number
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
  const refs = await options.remote.listRefs(['refs/heads/gittrix/*'])
  const entries: SweepEntry[] = []
  for (const [ref, headSha] of [...refs].sort(([a], [b]) => a.localeCompare(b))) {
    const sessionId = sessionIdFromRef(ref)
    if (!sessionId) continue
    const branch = ref.slice('refs/heads/'.length)
    const base = { branch, sessionId, headSha }
    const found = await findStart(options, branch, headSha)
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
    const deleted = await options.remote.deleteBranch(branch, headSha)
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
  return entries
}

type Found =
  { ok: true; start: StartCommit; createdAt: number; lastActivityAt: number } | { ok: false; reason: string }

async function findStart(options: SweepOptions, branch: string, headSha: string): Promise<Found> {
  const max = options.maxCommits ?? 1000
  let lastActivityAt: number | null = null
  let extended: EvictionPolicy | undefined
  for (let page = 1; (page - 1) * 100 < max; page++) {
    const { data } = await options.octokit.rest.repos.listCommits({
      owner: options.owner,
      repo: options.repo,
      sha: headSha,
      per_page: 100,
      page,
    })
    for (const item of data) {
      const date = Date.parse(item.commit.committer?.date ?? '')
      if (lastActivityAt === null) lastActivityAt = date
      // The newest extend commit (written by the App's /gittrix extend) overrides the start's policy.
      if (!extended) {
        const extend = parseExtendCommit(item.commit.message, { branch })
        if (extend.ok) extended = extend.value.eviction
      }
      const parsed = parseStartCommit(item.commit.message, { branch })
      if (parsed.ok) {
        if (Number.isNaN(date) || lastActivityAt === null || Number.isNaN(lastActivityAt))
          return { ok: false, reason: 'commit dates unreadable' }
        const start = extended ? { ...parsed.value, eviction: extended } : parsed.value
        return { ok: true, start, createdAt: date, lastActivityAt }
      }
    }
    if (data.length < 100) break
  }
  return { ok: false, reason: 'no Gittrix start commit found on the branch' }
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
