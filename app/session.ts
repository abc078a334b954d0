/**
 * Rebuilding a session from GitHub alone (docs/architecture.md#invariants, 9): the session branch
 * `gittrix/<id>`, its start commit (parsed strictly by `parseStartCommit`), for Artifacts sessions the
 * newest pointer commit (`parsePointerCommit`, naming the Artifacts commit), the compare API for the
 * baseline, and — once the branch is gone — the App's own promotion commit on the durable branch
 * (recognised by src/core/promotion-identity.ts, authored and signed as this App) or the promotion
 * branch's pull request. The core then runs on a throwaway store
 * hydrated per event (`GitTrix.restoreSession`), so promotion stays the one algorithm in
 * src/core/promote.ts and nothing outlives the event.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type ClaimPurpose,
  GitHubDurableAdapter,
  inlineCode,
  isNotFound,
  isWrittenBy,
  type ListedCommit,
  type PointerCommit,
  parseClaimCommit,
  promoteBranch,
  type PromotionAuthor,
  quoteUntrusted,
  readSessionHistory,
  type SessionFacts,
  type StartCommit,
  sessionBranch,
} from '../src/github.ts'
import {
  GittrixError,
  GitTrix,
  type PromoteResult,
  type PromotionRecord,
  type SessionMetadata,
  type UserSession,
} from '../src/index.ts'
import { missingArtifactsSettings, ownArtifactsLocation } from './artifacts.ts'
import type { GittrixConfig } from './config.ts'
import { durableRange, sessionPromotions } from './promotions.ts'
import type { RepoContext } from './repo-context.ts'
import { sessionWorkspace } from './workspace.ts'

/** A session whose start commit was found and parsed. */
export interface SessionRecord {
  start: StartCommit
  startSha: string
  /** The commit the facts were read at (the branch head, or a push's `after` / `before`). */
  headSha: string
  /** The tree of {@link headSha}. */
  headTree: string
  /** The start commit's committer date (ISO), used as the session's creation time. */
  createdAt: string
  /**
   * Artifacts sessions: the Artifacts commit named by the newest pointer commit on the branch
   * (`Gittrix-Artifacts-Head`), or `null` while there is none (the agent has not finished: no changes).
   * Always `null` for branch sessions.
   */
  artifactsHead: string | null
  /**
   * When {@link headSha} is a claim commit (src/github/claim-commit.ts: a replica holds the session for a
   * promotion or a discard) that GitHub reports as written by this App ({@link appAuthor}): what for,
   * when it was claimed (ms, `null` when unknown) and the claimed head (the claim's parent). `null`
   * otherwise — a commit anyone else pushed with a claim's message is just a commit of the session.
   */
  claim: { purpose: ClaimPurpose; claimedAt: number | null; parent: string } | null
  /**
   * Ids of the session's newest commits as GitHub listed them from {@link headSha} (newest first, the
   * head first): down to the start commit, at most 100. A `@<sha>` a person typed is matched against
   * these (review.ts), so their text is never sent to GitHub where a ref name would also be accepted.
   */
  commits: string[]
}

/** What GitHub says about a session branch. */
export type SessionLookup =
  | { kind: 'found'; record: SessionRecord }
  | {
      kind: 'invalid'
      headSha: string
      /** Why, as plain text (it may quote the commit): renderers show it as a code block. */
      reason: string
      /** How the session check run concludes: `failure` (default) or `neutral` (an untrustworthy Artifacts session). */
      conclusion?: 'failure' | 'neutral'
    }
  | { kind: 'missing' }

/**
 * Reads session `id` from its branch head. `missing` when the branch does not exist. `durableBranch`:
 * see {@link readSessionAt}.
 */
export async function readSession(
  repo: RepoContext,
  id: string,
  durableBranch?: string,
): Promise<SessionLookup> {
  let head: string
  try {
    const { data } = await repo.octokit.rest.git.getRef({
      owner: repo.owner,
      repo: repo.repo,
      ref: `heads/${sessionBranch(id)}`,
    })
    head = data.object.sha
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' }
    throw error
  }
  return readSessionAt(repo, id, head, durableBranch)
}

/**
 * Finds and checks the start commit of session `id` in the history of `headSha` with the one fold over a
 * session branch's commits (`readSessionHistory`, src/adapters/github/session-history.ts: the newest
 * commit whose subject is `gittrix: start <id>`, parsed strictly, whose only parent is its
 * `Gittrix-Baseline`; the newest 100 commits, then one "Compare two commits" of `durableBranch`
 * (default: the repository's default branch) and `headSha` for a longer branch), then the checks only
 * the App makes: who wrote a claim at the head, and an Artifacts session's own location.
 */
export async function readSessionAt(
  repo: RepoContext,
  id: string,
  headSha: string,
  durableBranch: string = repo.defaultBranch,
): Promise<SessionLookup> {
  const coords = { owner: repo.owner, repo: repo.repo }
  const history = await readSessionHistory(repo.octokit, coords, id, headSha, durableBranch)
  if (!history.ok)
    return {
      kind: 'invalid',
      headSha,
      reason: history.reason,
      ...(history.problem === 'invalid-pointer' ? { conclusion: 'neutral' as const } : {}),
    }
  const { head, startCommit: start, start: facts, pointer } = history
  const headTree = head.commit.tree.sha
  const createdAt = start.commit.committer?.date ?? start.commit.author?.date ?? new Date(0).toISOString()
  const problem = artifactsProblem(repo, facts, start.commit.tree.sha, headTree, pointer)
  if (problem) return { kind: 'invalid', headSha, conclusion: 'neutral', reason: problem }
  const artifactsHead = facts.ephemeral.kind === 'artifacts' && pointer ? pointer.value.artifactsHead : null
  const claim = await appClaim(repo, id, head)
  return {
    kind: 'found',
    record: {
      start: facts,
      startSha: start.sha,
      headSha,
      headTree,
      createdAt,
      artifactsHead,
      claim,
      commits: history.commits,
    },
  }
}

/**
 * The claim `head` makes on session `id` ({@link SessionRecord.claim}), or `null`. Its message is text
 * anyone who can push the branch can write (a claim dated 2099 would hold the session for ever), so it
 * counts only when GitHub reports the commit as written by this App (`isWrittenBy`, one request, made
 * only for a claim-shaped head).
 */
async function appClaim(repo: RepoContext, id: string, head: ListedCommit): Promise<SessionRecord['claim']> {
  const claimed = parseClaimCommit(head.commit.message, id)
  const parent = head.parents[0]?.sha
  if (!claimed || !parent) return null
  const coords = { owner: repo.owner, repo: repo.repo }
  if (!(await isWrittenBy(repo.octokit, coords, head.sha, appAuthor(repo)))) return null
  return { ...claimed, parent }
}

/**
 * Why an Artifacts session cannot be trusted (plain text), or `null`: the start commit must name exactly the
 * session's own location ({@link ownArtifactsLocation}: the App's namespace, the repository name bound
 * to this GitHub repository), the newest pointer commit that same location, and the branch head must
 * keep the start commit's tree (the content lives in Artifacts; files on the GitHub branch would be
 * silently ignored). Nothing is read or deleted for a session this refuses. Branch sessions pass.
 */
function artifactsProblem(
  repo: RepoContext,
  start: StartCommit,
  startTree: string,
  headTree: string,
  pointer: { sha: string; value: PointerCommit } | null,
): string | null {
  if (start.ephemeral.kind !== 'artifacts') return null
  // Only the session's own repository: discard and eviction delete it, so a start commit naming any
  // other repository (another GitHub repository's session, a durable one, another namespace) must not
  // be acted on.
  const own = ownArtifactsLocation(repo, start.sessionId)
  const named = `artifacts://${start.ephemeral.namespace}/${start.ephemeral.repo}`
  const sameNamespace = own.namespace === null || start.ephemeral.namespace === own.namespace
  if (start.ephemeral.repo !== own.repo || !sameNamespace)
    return `The start commit names the Artifacts repository ${quoteUntrusted(named)}, but session ${start.sessionId} of this repository can only use ${own.uri}; nothing was read or deleted.`
  if (headTree !== startTree)
    return `The session branch changes files; an Artifacts session keeps its files in Artifacts, so its branch must keep the start commit's tree (pointer and extend commits only).`
  if (!pointer) return null
  const pointed = `artifacts://${pointer.value.namespace}/${pointer.value.repo}`
  if (pointed !== named)
    return `The pointer commit ${pointer.sha.slice(0, 7)} names ${quoteUntrusted(pointed)}, but the session's workspace is ${quoteUntrusted(named)} (its start commit's Gittrix-Ephemeral).`
  return null
}

/**
 * Why session `start` cannot be promoted to its durable branch, or `null` when it can: the durable
 * branch must be the configured one, and the baseline must be its head or one of its ancestors
 * (compare API `status` `identical` or `ahead`, REST "Compare two commits").
 */
export async function baselineProblem(
  repo: RepoContext,
  start: StartCommit,
  config: GittrixConfig,
): Promise<string | null> {
  const durable = config.durableBranch ?? repo.defaultBranch
  if (start.durableBranch !== durable) {
    return `The session names durable branch ${inlineCode(start.durableBranch)}, but this repository promotes only to ${inlineCode(durable)} (\`durableBranch\` in \`.github/gittrix.yml\`, default: the default branch).`
  }
  // The same compare as the session's promotions read (promotions.ts), made once per event.
  const range = await durableRange(repo, start.baselineSha, durable)
  if (range === null)
    return `The baseline ${inlineCode(start.baselineSha)} or the branch ${inlineCode(durable)} does not exist, so this session cannot be promoted.`
  if (range.status === 'identical' || range.status === 'ahead') return null
  return `The baseline ${inlineCode(start.baselineSha)} is not on ${inlineCode(durable)} (compare: ${inlineCode(range.status)}), so this session cannot be promoted. Start a new session from ${inlineCode(durable)}.`
}

/** The renderers' facts about a session. */
export function sessionFacts(start: StartCommit): SessionFacts {
  return {
    sessionId: start.sessionId,
    task: start.task,
    baselineSha: start.baselineSha,
    durableBranch: start.durableBranch,
    ephemeral: start.ephemeral,
  }
}

/**
 * Core metadata for a session rebuilt from its start commit (state `active`: its branch exists), with
 * its earlier `promotions` (promotions.ts; none by default).
 */
export function sessionMetadata(
  repo: RepoContext,
  record: SessionRecord,
  config: GittrixConfig,
  ephemeralRef?: string,
  promotions: PromotionRecord[] = [],
): SessionMetadata {
  const { start } = record
  const location = `github://${repo.owner}/${repo.repo}`
  return {
    metadataVersion: 1,
    id: start.sessionId,
    task: start.task,
    durableRef: `${location}#${start.durableBranch}`,
    durableBranch: start.durableBranch,
    ephemeralRef: ephemeralRef ?? `${location}#${sessionBranch(start.sessionId)}`,
    baselineSha: start.baselineSha,
    workspaceKind: 'remote',
    isGitBacked: true,
    state: 'active',
    createdAt: record.createdAt,
    updatedAt: record.createdAt,
    lastAccessAt: record.createdAt,
    evictionPolicy: start.eviction ?? config.eviction,
    touchedFiles: [],
    promote: { strategy: 'auto', result: null },
    ...(promotions.length ? { promotions } : {}),
  }
}

/**
 * Why the App cannot open session `record`'s workspace, as markdown, or `null`: an Artifacts session
 * needs the App's Artifacts credentials (app/artifacts.ts).
 */
export function workspaceProblem(repo: RepoContext, record: SessionRecord): string | null {
  const { ephemeral, sessionId } = record.start
  if (ephemeral.kind !== 'artifacts' || repo.artifacts) return null
  return missingArtifactsSettings(sessionId, ownArtifactsLocation(repo, sessionId).uri)
}

/**
 * The workspace commit every read of `record`'s session is pinned to (docs/architecture.md#invariants, 10): the
 * GitHub commit `record.headSha` for branch sessions, the Artifacts commit its pointer names for
 * Artifacts sessions (none before the first pointer: the session is then its baseline, no changes).
 */
function pinnedCommit(record: SessionRecord): { at?: string } {
  if (record.start.ephemeral.kind !== 'artifacts') return { at: record.headSha }
  return record.artifactsHead === null ? {} : { at: record.artifactsHead }
}

/**
 * Runs `fn` on the session rebuilt from `record`, over the GitHub durable adapter, the session's
 * workspace adapter (the session branch, or for Artifacts sessions the Artifacts repository at the
 * pointer's commit with the branch for records and cleanup; see workspace.ts) and a temporary store
 * that is removed afterwards (a directory, a metadata file and a lock file: cheap). Nothing persists.
 * The session is pinned to `record`'s commit ({@link pinnedCommit}): its diff, touched files and
 * promotion all read that commit by id, from one snapshot, whatever the branch does meanwhile.
 * The session's earlier promotions written by this App (promotions.ts `sessionPromotions`) are part
 * of its metadata, so its diff and touched files are what remains and a promotion names its branch
 * after them.
 * `options.current` (default `record`): the session read at its branch head, when `record` is an
 * older reviewed commit; an Artifacts session's workspace handle then names the newest content, so
 * that eviction after a promotion keeps newer work. `options.promotionBranches`: also count the
 * session's promotion pull requests not merged yet (for a promotion; renders read the durable branch
 * only, within their request budget).
 * Throws `CAPABILITY_MISSING` for an Artifacts session when the App has no Artifacts credentials.
 */
export async function withSession<T>(
  repo: RepoContext,
  record: SessionRecord,
  config: GittrixConfig,
  fn: (session: UserSession) => Promise<T>,
  options: { current?: SessionRecord; promotionBranches?: boolean } = {},
): Promise<T> {
  const current = options.current ?? record
  const problem = workspaceProblem(repo, record)
  if (problem) throw new GittrixError('CAPABILITY_MISSING', problem)
  const storeDir = await mkdtemp(join(tmpdir(), 'gittrix-app-'))
  try {
    const durable = appDurable(repo, record.start.durableBranch)
    // The workspace as it is now (for eviction and records); the reads are pinned to `record`.
    const workspace = sessionWorkspace(repo, current, durable)
    const gittrix = new GitTrix({ durable, ephemeral: workspace.adapter, storeDir, sweepIntervalMs: 0 })
    const promotions = await sessionPromotions(repo, record.start, {
      author: appAuthor(repo),
      durable,
      branches: options.promotionBranches === true,
    })
    const session = await gittrix.restoreSession(
      sessionMetadata(repo, record, config, workspace.ephemeralRef, promotions),
      pinnedCommit(record),
    )
    return await fn(session)
  } finally {
    await rm(storeDir, { recursive: true, force: true })
  }
}

/**
 * The App's durable adapter for `branch`: the Git Data API as this App. Its promotions are the commits
 * GitHub reports as authored by the App's bot and signed by GitHub (`promotionAuthor`), so a commit
 * anyone else pushed or merged is never taken for one (src/adapters/github/promotion-history.ts).
 */
export function appDurable(repo: RepoContext, branch: string): GitHubDurableAdapter {
  return new GitHubDurableAdapter({
    owner: repo.owner,
    repo: repo.repo,
    octokit: repo.octokit,
    branch,
    promotionAuthor: appAuthor(repo),
  })
}

/**
 * Who writes this App's commits as GitHub reports them: its bot, signed by GitHub (an installation
 * token's API commits without custom identity; src/adapters/github/promotion-history.ts).
 */
export function appAuthor(repo: RepoContext): PromotionAuthor {
  return { login: repo.botLogin, verified: true }
}

/**
 * The recorded result of session `id`, rebuilt from GitHub: its promotion on the durable branch, else
 * its promotion branch `gittrix/promote/<id>` (when that branch's head is the promotion) and its pull
 * request. A promotion is what `findPromotion` of src/core/promotion-identity.ts recognises, written by
 * this App (`appDurable`): trailers alone never count. `baselineSha` is the session's baseline when
 * its start commit is still known; `null` once the branch is gone (the baseline is then read from the
 * App's own commit and checked to lie below it). Reads the newest 1,000 commits of the durable branch.
 * `null` when there is none (discarded, expired, unknown, or promoted by hand).
 */
export async function recordedPromotion(
  repo: RepoContext,
  id: string,
  durableBranch: string,
  baselineSha: string | null,
): Promise<PromoteResult | null> {
  const durable = appDurable(repo, durableBranch)
  const landed = await durable.findPromotion({ branch: durableBranch, sessionId: id, baselineSha })
  if (landed) return { sha: landed, branch: durableBranch }
  const branch = promoteBranch(id)
  const sha = await durable.findPromotion({ branch, sessionId: id, baselineSha, durableBranch })
  if (!sha) return null
  const { data: pulls } = await repo.octokit.rest.pulls.list({
    owner: repo.owner,
    repo: repo.repo,
    head: `${repo.owner}:${branch}`,
    state: 'all',
  })
  return { sha, branch, ...(pulls[0] ? { prUrl: pulls[0].html_url } : {}) }
}
