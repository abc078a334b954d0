/**
 * The one fold over a session branch's commits (docs/architecture.md#invariants, 9): from the branch
 * head back to the start commit, the newest extend commit (the session's current eviction policy) and
 * the newest pointer commit (an Artifacts session's content). The App (app/session.ts) and the Action's
 * sweep (action/lib/sweep.ts) both read a session through {@link readSessionHistory}, so they agree on
 * which commit is the start commit, how far they read and what makes a branch invalid.
 *
 * The rule:
 * - the start commit is the newest commit whose subject is `gittrix: start <id>`; it is parsed strictly
 *   (`parseStartCommit`) and its only parent must be its `Gittrix-Baseline` — a start commit anyone
 *   pushed on top of other work is not the session's;
 * - requests do not grow with the branch's length: the newest {@link NEWEST_COMMITS} commits ("List
 *   commits", one page) hold the start commit of most sessions, and the newest extend and pointer
 *   commits are read there only. A longer branch is read from the other end with one "Compare two
 *   commits" of the durable branch and the head, whose first page lists the oldest commits after their
 *   merge base — the session's baseline — first
 *   (https://docs.github.com/rest/commits/commits#compare-two-commits: commits "in chronological
 *   order"); the start commit found there must sit on that merge base.
 */
import type { Octokit } from '@octokit/rest'
import type { EvictionPolicy } from '../../core/types.ts'
import { parseExtendCommit } from '../../github/extend-commit.ts'
import {
  looksLikePointerCommit,
  type PointerCommit,
  parsePointerCommit,
} from '../../github/pointer-commit.ts'
import { parseStartCommit, type StartCommit, startCommitSubject } from '../../github/start-commit.ts'
import { isNotFound } from './request-errors.ts'
import type { RepoCoordinates } from './trees.ts'

/** Commits read from the head (newest first) for the start, and the newest extend and pointer, commits. */
export const NEWEST_COMMITS = 100

/** One commit as "List commits" and "Compare two commits" report it (the fields read here). */
export interface ListedCommit {
  sha: string
  parents: Array<{ sha: string }>
  commit: {
    message: string
    tree: { sha: string }
    committer?: { date?: string } | null
    author?: { date?: string } | null
  }
}

/** A session branch whose start commit was found and checked. */
export interface SessionHistory {
  ok: true
  /** The head commit (newest). */
  head: ListedCommit
  /** The start commit as listed. */
  startCommit: ListedCommit
  /** The parsed start commit, its eviction policy replaced by the newest extend commit's, if any. */
  start: StartCommit
  /** The newest pointer commit above the start commit, or `null`. */
  pointer: { sha: string; value: PointerCommit } | null
  /**
   * Ids of the newest commits as GitHub listed them from the head (newest first, the head first): down to
   * the start commit, at most {@link NEWEST_COMMITS}.
   */
  commits: string[]
}

/** Why a session branch cannot be read as a session. */
export interface SessionHistoryProblem {
  ok: false
  /** What is wrong: no commits, no start commit, an invalid start commit, or an invalid pointer commit. */
  problem: 'empty' | 'no-start' | 'invalid-start' | 'invalid-pointer'
  /** Why, as plain text (it may quote a commit). */
  reason: string
}

/**
 * Reads session `sessionId` from the history of `headSha` (see the module comment for the rule).
 * `durableBranch` is compared with the head when the start commit is not among the newest
 * {@link NEWEST_COMMITS}; when `undefined`, the repository's default branch (`GET /repos/{o}/{r}`, read
 * only then). Throws what Octokit throws, except a 404 from "Compare two commits" (no common history:
 * `no-start`).
 */
export async function readSessionHistory(
  octokit: Octokit,
  coords: RepoCoordinates,
  sessionId: string,
  headSha: string,
  durableBranch?: string,
): Promise<SessionHistory | SessionHistoryProblem> {
  const subject = startCommitSubject(sessionId)
  const { data: newest } = await octokit.rest.repos.listCommits({
    ...coords,
    sha: headSha,
    per_page: NEWEST_COMMITS,
  })
  const head = newest[0]
  if (!head) return { ok: false, problem: 'empty', reason: 'The session branch has no commits.' }
  let extended: EvictionPolicy | undefined
  let pointer: { sha: string; value: PointerCommit } | null = null
  const commits: string[] = []
  let start: ListedCommit | undefined
  for (const commit of newest) {
    commits.push(commit.sha)
    const message = commit.commit.message
    // The newest extend commit (the walk starts at the head) carries the session's current policy.
    if (!extended) {
      const extend = parseExtendCommit(message, { sessionId })
      if (extend.ok) extended = extend.value.eviction
    }
    // The newest pointer commit names the Artifacts content (docs/architecture.md#pointer-commit-artifacts-sessions).
    if (!pointer && looksLikePointerCommit(message)) {
      const parsed = parsePointerCommit(message, { sessionId })
      if (!parsed.ok)
        return {
          ok: false,
          problem: 'invalid-pointer',
          reason: `The pointer commit ${commit.sha.slice(0, 7)} is not valid: ${parsed.reason}.`,
        }
      pointer = { sha: commit.sha, value: parsed.value }
    }
    if (message.split('\n', 1)[0] === subject) {
      start = commit
      break
    }
  }
  if (!start && newest.length === NEWEST_COMMITS) {
    const durable = durableBranch ?? (await octokit.rest.repos.get({ ...coords })).data.default_branch
    start = await oldestStart(octokit, coords, subject, durable, headSha)
  }
  if (!start)
    return {
      ok: false,
      problem: 'no-start',
      reason: `No start commit ("${subject}") was found on the session branch.`,
    }
  const parsed = parseStartCommit(start.commit.message, { sessionId })
  if (!parsed.ok)
    return { ok: false, problem: 'invalid-start', reason: `The start commit is not valid: ${parsed.reason}.` }
  const parents = start.parents.map((p) => p.sha)
  if (parents.length !== 1 || parents[0] !== parsed.value.baselineSha)
    return {
      ok: false,
      problem: 'invalid-start',
      reason: `The start commit ${start.sha.slice(0, 7)} does not sit on its Gittrix-Baseline ${parsed.value.baselineSha.slice(0, 7)}.`,
    }
  const facts = extended ? { ...parsed.value, eviction: extended } : parsed.value
  return { ok: true, head, startCommit: start, start: facts, pointer, commits }
}

/**
 * The start commit among the oldest commits of a long session branch: the first page of "Compare two
 * commits" `durableBranch...headSha` ({@link NEWEST_COMMITS} commits after the merge base, oldest
 * first), whose start commit's parent is that merge base. `undefined` when it is not there (or GitHub
 * knows neither side).
 */
async function oldestStart(
  octokit: Octokit,
  coords: RepoCoordinates,
  subject: string,
  durableBranch: string,
  headSha: string,
): Promise<ListedCommit | undefined> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      ...coords,
      basehead: `${durableBranch}...${headSha}`,
      per_page: NEWEST_COMMITS,
      page: 1,
    })
    const base = data.merge_base_commit.sha
    return data.commits.find(
      (c) =>
        c.commit.message.split('\n', 1)[0] === subject &&
        c.parents.length === 1 &&
        c.parents[0]!.sha === base,
    )
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}
