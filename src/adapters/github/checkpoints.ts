/**
 * The checkpoints of a session branch on GitHub: every commit between the session's baseline and the
 * branch head, read with "Compare two commits" `baseline...head` page by page (100 commits a page; the
 * set is exactly `baseline..head`, whatever the commits' dates), newest first in topological order.
 * Source: https://docs.github.com/rest/commits/commits#compare-two-commits (`per_page` at most 100,
 * `base_commit`, `commits`, `ahead_by`).
 */
import type { Octokit } from '@octokit/rest'
import { InvalidArgumentError } from '../../core/errors.ts'
import type { CheckpointCommit } from '../../core/history.ts'
import { startCommitSubject } from '../../github/start-commit.ts'
import { isNotFound } from './request-errors.ts'
import { type RepoCoordinates, unavailable } from './trees.ts'

/** Commits read per page of the comparison (GitHub's maximum). */
const PER_PAGE = 100
/** Most pages read: a session of more checkpoints lists its newest 10,000 and the baseline. */
const MAX_PAGES = 100

type ComparedCommit = {
  sha: string
  parents: Array<{ sha: string }>
  commit: { message: string; author: { name?: string; email?: string; date?: string } | null }
}

/**
 * Session `sessionId`'s commits after its start commit, newest first (topological: a commit before its
 * parents), then the baseline (`baseline: true`); at most `limit` entries in all. The start commit
 * (Gittrix's, holding the baseline's tree) is left out, as a local workspace has none. Throws
 * `INVALID_ARGUMENT` when `head` does not descend from the baseline, `ADAPTER_UNAVAILABLE` when GitHub
 * keeps failing.
 */
export async function listCheckpoints(
  octokit: Octokit,
  coords: RepoCoordinates,
  session: { sessionId: string; baselineSha: string; head: string },
  limit?: number,
): Promise<CheckpointCommit[]> {
  const { baselineSha, head } = session
  const commits = new Map<string, ComparedCommit>()
  let base: ComparedCommit | undefined
  for (let page = 1; page <= MAX_PAGES; page++) {
    let data
    try {
      ;({ data } = await octokit.rest.repos.compareCommitsWithBasehead({
        ...coords,
        basehead: `${baselineSha}...${head}`,
        per_page: PER_PAGE,
        page,
      }))
    } catch (error) {
      if (isNotFound(error)) break
      throw unavailable(error, `listing the commits of session ${session.sessionId}`, coords)
    }
    if (data.status !== 'ahead' && data.status !== 'identical') break
    base = data.base_commit as ComparedCommit
    for (const c of data.commits as ComparedCommit[]) commits.set(c.sha, c)
    if (data.commits.length < PER_PAGE || commits.size >= data.ahead_by) break
  }
  if (!base)
    throw new InvalidArgumentError(
      `The head of session ${session.sessionId} (${head.slice(0, 12)}) does not descend from its baseline ${baselineSha.slice(0, 12)}; the session branch was rewritten.`,
    )
  const startSubject = startCommitSubject(session.sessionId)
  const ordered = topological(head, commits).filter((c) => {
    const start = c.commit.message.split('\n', 1)[0] === startSubject && c.parents[0]?.sha === baselineSha
    return !start
  })
  const out = ordered.map((c) => checkpoint(c, false))
  out.push(checkpoint(base, true))
  return limit === undefined ? out : out.slice(0, limit)
}

/** `commits` reachable from `head` within the set, each before its parents (newest first). */
function topological(head: string, commits: Map<string, ComparedCommit>): ComparedCommit[] {
  const out: ComparedCommit[] = []
  const seen = new Set<string>()
  // Iterative post-order from the head; reversed, a commit comes before every parent.
  const stack: Array<{ sha: string; next: number }> = [{ sha: head, next: 0 }]
  seen.add(head)
  while (stack.length) {
    const top = stack.at(-1)!
    const commit = commits.get(top.sha)
    const parents = commit ? commit.parents.map((p) => p.sha) : []
    const parent = parents[top.next++]
    if (parent === undefined) {
      stack.pop()
      if (commit) out.push(commit)
    } else if (!seen.has(parent) && commits.has(parent)) {
      seen.add(parent)
      stack.push({ sha: parent, next: 0 })
    }
  }
  return out.reverse()
}

function checkpoint(c: ComparedCommit, baseline: boolean): CheckpointCommit {
  const author = c.commit.author
  return {
    sha: c.sha,
    parents: c.parents.map((p) => p.sha),
    subject: c.commit.message.split('\n', 1)[0] ?? '',
    author: `${author?.name ?? ''} <${author?.email ?? ''}>`,
    date: author?.date ? new Date(author.date).toISOString() : new Date(0).toISOString(),
    baseline,
  }
}
