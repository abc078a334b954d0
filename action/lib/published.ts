/**
 * What `mode: publish` reports for a session it verified and published, built the same way for branch
 * sessions (publish.ts) and Cloudflare Artifacts sessions (publish-artifacts.ts): from the verified start
 * commit and commits only, never from anything the agent's job reported.
 */
import type { SessionDiff } from '../../src/core/types.ts'
import type { GitRepo } from '../../src/git/repo.ts'
import { sessionBranch } from '../../src/github/branches.ts'
import type { StartCommit } from '../../src/github/start-commit.ts'
import { countAgentCommits } from './bundle-checks.ts'
import { sessionDiff } from './finish.ts'
import type { ArtifactsRecord, WorkspaceSessionRecord } from './workspace.ts'

/** A published session, from verified data only. */
export interface PublishedSession {
  record: WorkspaceSessionRecord
  start: StartCommit
  headSha: string
  /** `false` when the branch already was at the head (a re-run). */
  pushed: boolean
  /** Artifacts sessions: the pointer commit heading the GitHub session branch; `null` for branch sessions. */
  pointerSha: string | null
  /** Commits between the start commit and the head that are not Gittrix snapshots. */
  agentCommits: number
  diff: SessionDiff
}

/** The verified facts {@link publishedSession} reports. */
export interface PublishedFacts {
  /** The verified start commit and its id. */
  start: StartCommit
  startSha: string
  /** The session's head (an Artifacts session's: on the Artifacts line). */
  headSha: string
  pushed: boolean
  pointerSha: string | null
  /** The session's commits after its start (or Artifacts root) commit, oldest first. */
  laterCommits: readonly string[]
  /** An Artifacts session's repository; absent for a branch session. */
  artifacts?: ArtifactsRecord
}

/**
 * The {@link PublishedSession} of `facts`: the session record (finished at `headSha`; an Artifacts
 * session's with its repository and `topology: two-jobs`), the agent's commit count and the diff from
 * the baseline to the head, both read from `repo` (the scratch repository holding the verified commits).
 */
export async function publishedSession(repo: GitRepo, facts: PublishedFacts): Promise<PublishedSession> {
  const { start, startSha, headSha } = facts
  const record: WorkspaceSessionRecord = {
    version: 1,
    sessionId: start.sessionId,
    branch: sessionBranch(start.sessionId),
    durableBranch: start.durableBranch,
    baselineSha: start.baselineSha,
    startSha,
    task: start.task,
    ...(facts.artifacts ? { ephemeral: facts.artifacts } : {}),
    finished: { headSha },
    ...(facts.artifacts ? { topology: 'two-jobs' as const } : {}),
  }
  return {
    record,
    start,
    headSha,
    pushed: facts.pushed,
    pointerSha: facts.pointerSha,
    agentCommits: await countAgentCommits(repo, facts.laterCommits),
    diff: await sessionDiff(repo, start.baselineSha, headSha),
  }
}
