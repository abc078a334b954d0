/**
 * A session's earlier promotions, rebuilt from GitHub for the core (`SessionMetadata.promotions`), so
 * that every render, reply and promotion of a session promoted in part shows and promotes only what
 * remains (src/core/remaining.ts), across events: the App keeps no state between webhooks.
 *
 * A promotion counts only when GitHub reports its commit as written by this App (`isWrittenBy`: the
 * App's bot, signed by GitHub) and its final trailer block names this session and its baseline
 * (`parsePromotionTrailers`): a `Gittrix-Session:` trailer anyone else wrote never hides a file from
 * review. Where it is found:
 * - On the durable branch: a commit since the baseline with one parent, that parent the baseline or on
 *   the durable branch's first-parent history (a direct promotion, or a promotion pull request merged
 *   with a merge commit). Read from the "Compare two commits" of the baseline and the durable branch
 *   that the baseline check makes anyway ({@link durableRange}, one request per event); a durable
 *   branch more than 100 commits ahead is read through its first-parent history instead (at most
 *   `HISTORY_PAGES` pages of 100).
 * - With `branches` (promotions only): the session's promotion branches `gittrix/promote/<id>[-<n>]`
 *   (one "List matching references"), each counted when its head is this session's promotion
 *   (`findPromotion`) and its pull request is open or merged.
 *
 * A promotion's changes count only where the durable branch's head holds them now (one more tree read
 * when there is one): a merge that kept the branch's side, or a revert since, leaves those files to
 * review and promote again in full. Promotions found on pull request branches subtract nothing, so a
 * promotion computes exactly the diff the check run showed (renders do not read those branches).
 * Each promotion costs one authorship read and two tree reads (trees are cached by id), so a render
 * grows with the session's own promotions, not with the durable branch's commits.
 */
import type { HistoryCommit } from '../src/core/promotion-identity.ts'
import {
  type GitHubDurableAdapter,
  gitHubPromotionHistory,
  isNotFound,
  isWrittenBy,
  parsePromotionTrailers,
  promoteBranch,
  type PromotionAuthor,
  readTree,
  type StartCommit,
  treeChanges,
} from '../src/github.ts'
import type { PromotionRecord } from '../src/index.ts'
import type { RepoContext } from './repo-context.ts'

/** Commits of a durable branch since a baseline: "Compare two commits" `<baseline>...<durable>`, page 1. */
export interface DurableRange {
  /** `identical`, `ahead` (the durable branch descends from the baseline), `behind` or `diverged`. */
  status: string
  /** Commits on the durable branch since the baseline (all of them, not only this page's). */
  totalCommits: number
  /** The oldest 100 of them, oldest first, each with its parents and message. */
  commits: HistoryCommit[]
}

/** Commits read per compare page (GitHub's maximum). */
const RANGE_PAGE = 100

const ranges = new WeakMap<RepoContext, Map<string, Promise<DurableRange | null>>>()

/**
 * The durable branch `durableBranch` since `baselineSha` (GitHub's compare: commits "in chronological
 * order", https://docs.github.com/rest/commits/commits#compare-two-commits), or `null` when GitHub
 * knows neither. Read once per event (`repo`) and baseline: the baseline check (session.ts
 * `baselineProblem`) and {@link sessionPromotions} share the request.
 */
export function durableRange(
  repo: RepoContext,
  baselineSha: string,
  durableBranch: string,
): Promise<DurableRange | null> {
  let byKey = ranges.get(repo)
  if (!byKey) ranges.set(repo, (byKey = new Map()))
  const key = `${baselineSha}...${durableBranch}`
  let range = byKey.get(key)
  if (!range) {
    range = readRange(repo, key)
    range.catch(() => byKey.delete(key))
    byKey.set(key, range)
  }
  return range
}

async function readRange(repo: RepoContext, basehead: string): Promise<DurableRange | null> {
  try {
    const { data } = await repo.octokit.rest.repos.compareCommitsWithBasehead({
      owner: repo.owner,
      repo: repo.repo,
      basehead,
      per_page: RANGE_PAGE,
      page: 1,
    })
    return {
      status: data.status,
      totalCommits: data.total_commits,
      commits: data.commits.map((c) => {
        const date = c.commit.committer?.date
        return {
          sha: c.sha,
          parents: c.parents.map((p) => p.sha),
          message: c.commit.message,
          ...(date ? { date } : {}),
        }
      }),
    }
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

/** A promotion commit found, before its changes are read. */
interface FoundPromotion {
  sha: string
  parent: string
  date: string | undefined
  branch: string
  strategy: PromotionRecord['strategy']
  prUrl?: string
}

/** Who writes the App's promotions and where they land: session.ts `appAuthor` and `appDurable`. */
export interface PromotionSource {
  /** This App's bot, signed by GitHub. */
  author: PromotionAuthor
  /** The App's durable adapter for the session's durable branch (its promotion matcher). */
  durable: GitHubDurableAdapter
  /** Also the session's promotion branches with an open or merged pull request (one request more, and a few per branch). */
  branches?: boolean
}

/**
 * Session `start`'s promotions written by `source.author` (see the module comment), oldest first,
 * each with the changes its commit made to its parent. Throws what Octokit throws.
 */
export async function sessionPromotions(
  repo: RepoContext,
  start: StartCommit,
  source: PromotionSource,
): Promise<PromotionRecord[]> {
  const { baselineSha, durableBranch } = start
  const coords = { owner: repo.owner, repo: repo.repo }
  const { author } = source
  const found: FoundPromotion[] = []
  const range = await durableRange(repo, baselineSha, durableBranch)
  if (range?.status === 'ahead') {
    const complete = range.commits.length === range.totalCommits ? inRange(range, start) : null
    const candidates = complete ?? (await onFirstParent(repo, start, author))
    for (const commit of candidates) {
      if (!(await isWrittenBy(repo.octokit, coords, commit.sha, author))) continue
      found.push({
        sha: commit.sha,
        parent: commit.parents[0]!,
        date: commit.date,
        branch: durableBranch,
        strategy: 'commit',
      })
    }
  }
  if (source.branches)
    found.push(...(await onPromotionBranches(repo, start, source.durable, new Set(found.map((f) => f.sha)))))
  found.sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''))
  const records: PromotionRecord[] = []
  const onDurable = found.some((f) => f.strategy !== 'pr')
  const head = onDurable ? await readTree(repo.octokit, coords, durableBranch) : null
  const held = new Map((head?.entries ?? []).map((e) => [e.path, `${e.mode} ${e.oid}`]))
  for (const promotion of found) {
    const [before, after] = await Promise.all([
      readTree(repo.octokit, coords, promotion.parent),
      readTree(repo.octokit, coords, promotion.sha),
    ])
    const written = treeChanges(before, after)
    if (written.length === 0) continue
    // Only what the durable branch holds now counts as promoted (`changes`, what the diff subtracts):
    // a merge that kept the branch's side (`git merge -s ours`) or a revert since leaves those files to
    // review, and promote, again in full. A promotion found on its pull request branch (promotions
    // only; renders do not read those branches) subtracts nothing, so a promotion computes exactly the
    // diff the check run showed; its `files` name it (a replay answers with it, its branch is not reused).
    const changes =
      promotion.strategy === 'pr'
        ? []
        : written.filter((c) => held.get(c.path) === (c.newOid ? `${c.newMode} ${c.newOid}` : undefined))
    const { sha, branch, strategy, prUrl } = promotion
    records.push({
      sha,
      branch,
      ...(prUrl ? { prUrl } : {}),
      strategy,
      files: written.map((c) => c.path),
      at: promotion.date ?? new Date(0).toISOString(),
      changes,
    })
  }
  return records
}

/** True when `commit`'s final trailer block names session `start` and its baseline, and it has one parent. */
function namesSession(commit: HistoryCommit, start: StartCommit): boolean {
  if (commit.parents.length !== 1) return false
  const read = parsePromotionTrailers(commit.message)
  return read.ok && read.value.sessionId === start.sessionId && read.value.baselineSha === start.baselineSha
}

/**
 * Candidates among every commit since the baseline (`range` complete): those naming the session whose
 * parent is the baseline or on the first-parent history from the durable head (the one commit no other
 * commit of the range has as a parent). `null` when the range has no single head (then the history is
 * walked instead).
 */
function inRange(range: DurableRange, start: StartCommit): HistoryCommit[] | null {
  const bySha = new Map(range.commits.map((c) => [c.sha, c]))
  const parents = new Set(range.commits.flatMap((c) => c.parents))
  const heads = range.commits.filter((c) => !parents.has(c.sha))
  if (heads.length !== 1) return null
  const firstParent = new Set<string>([start.baselineSha])
  for (let c: HistoryCommit | undefined = heads[0]; c; c = bySha.get(c.parents[0] ?? ''))
    firstParent.add(c.sha)
  return range.commits.filter((c) => namesSession(c, start) && firstParent.has(c.parents[0]!))
}

/**
 * Candidates on the durable branch's first-parent history from its head down to the baseline, oldest
 * first. None when the walk ends before reaching the baseline: nothing is taken for promoted unsure.
 */
async function onFirstParent(
  repo: RepoContext,
  start: StartCommit,
  author: PromotionAuthor,
): Promise<HistoryCommit[]> {
  const history = gitHubPromotionHistory(repo.octokit, { owner: repo.owner, repo: repo.repo }, () =>
    Promise.resolve(author),
  )
  const candidates: HistoryCommit[] = []
  for await (const commit of history.firstParent(start.durableBranch, start.baselineSha)) {
    if (commit.sha === start.baselineSha) return candidates.reverse()
    if (namesSession(commit, start)) candidates.push(commit)
  }
  return []
}

/**
 * The session's promotion branches (`gittrix/promote/<id>`, `gittrix/promote/<id>-<n>`) whose head is
 * this App's promotion of the session (`findPromotion` with the durable branch) and has an open or
 * merged pull request (a branch without one is a promotion interrupted before its pull request:
 * promoting again finishes it on the same branch; one closed without merging promoted nothing). `known`: commits already found on the durable branch (a merged one).
 */
async function onPromotionBranches(
  repo: RepoContext,
  start: StartCommit,
  durable: GitHubDurableAdapter,
  known: ReadonlySet<string>,
): Promise<FoundPromotion[]> {
  const first = promoteBranch(start.sessionId)
  const { data: refs } = await repo.octokit.rest.git.listMatchingRefs({
    owner: repo.owner,
    repo: repo.repo,
    ref: `heads/${first}`,
  })
  const names = refs
    .map((r) => r.ref.replace(/^refs\/heads\//, ''))
    .filter((name) => name === first || /^-[1-9][0-9]{0,5}$/.test(name.slice(first.length)))
  const found: FoundPromotion[] = []
  for (const branch of names) {
    const sha = await durable.findPromotion({
      branch,
      sessionId: start.sessionId,
      baselineSha: start.baselineSha,
      durableBranch: start.durableBranch,
    })
    if (!sha || known.has(sha)) continue
    const { data: pulls } = await repo.octokit.rest.pulls.list({
      owner: repo.owner,
      repo: repo.repo,
      head: `${repo.owner}:${branch}`,
      state: 'all',
    })
    // A pull request closed without merging promoted nothing: its files remain.
    const pull = pulls.find((p) => p.head.sha === sha && (p.state === 'open' || p.merged_at !== null))
    if (!pull) continue
    const { data: commit } = await repo.octokit.rest.git.getCommit({
      owner: repo.owner,
      repo: repo.repo,
      commit_sha: sha,
    })
    found.push({
      sha,
      parent: commit.parents[0]!.sha,
      date: commit.committer.date,
      branch,
      strategy: 'pr',
      prUrl: pull.html_url,
    })
  }
  return found
}
