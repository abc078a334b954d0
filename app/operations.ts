/**
 * What a command or a button does to a session, shared by the comment and check run handlers. Each
 * operation runs the core on the session rebuilt from GitHub (`withSession`), reports progress and
 * outcome through the session check run and the session comment, and resolves the markdown reply.
 * Callers have already authorized the actor for write operations (authorize.ts); promotion also
 * checks the selected paths against `adminPaths` here, before anything is written.
 */
import {
  conflictTitle,
  diffStatLine,
  encodeExtendCommit,
  fencedBlock,
  formatEvictionDuration,
  inlineCode,
  link,
  mention,
  plainTitle,
  renderConflictMarkdown,
  renderConflictOutput,
  renderDiffText,
  renderSessionComment,
  SESSION_ACTIONS,
  type SessionCommentStatus,
  shortSha,
} from '../src/github/index.ts'
import { selectChanges } from '../src/core/select.ts'
import {
  type BaselineConflictError,
  isGittrixError,
  type PromoteOutcome,
  type PromoteResult,
  type PromoteSelector,
  type SessionDiff,
} from '../src/index.ts'
import { adminOnlyPaths, type Actor, type RepoRole } from './authorize.ts'
import type { GittrixConfig } from './config.ts'
import { commitUrl, findCheckRun, type RepoContext, upsertCheckRun, upsertSessionComment } from './repo.ts'
import {
  baselineProblem,
  recordedPromotion,
  type SessionRecord,
  sessionFacts,
  withSession,
} from './session.ts'

/** What an event hands to an operation. */
export interface Scope {
  repo: RepoContext
  config: GittrixConfig
  actor: Actor
}

/** A promotion request, from a command or a button. */
export interface PromoteRequest {
  selector: PromoteSelector
  /** `null` = the configuration's default strategy. */
  strategy: 'auto' | 'commit' | 'pr' | 'branch' | 'patch' | null
  branch: string | null
  message: string | null
}

const DIFF_REPLY_BUDGET = 60_000

/** Markdown for a recorded promotion result. */
export function describeResult(repo: RepoContext, result: PromoteResult): string {
  const commit = link(inlineCode(shortSha(result.sha)), commitUrl(repo, result.sha))
  return result.prUrl
    ? `Promoted as ${commit} on ${inlineCode(result.branch)}, ${link('pull request', result.prUrl)}.`
    : `Promoted as ${commit} on ${inlineCode(result.branch)}.`
}

/** A check run title for a promotion result (plain text: the branch is untrusted). */
export function resultTitle(result: PromoteResult): string {
  return plainTitle(
    result.prUrl
      ? `Pull request opened: ${shortSha(result.sha)}`
      : `Promoted: ${shortSha(result.sha)} on ${result.branch}`,
  )
}

/** Updates the session comment on the linked issue or pull request, when there is one. */
async function updateSessionComment(
  scope: Scope,
  record: SessionRecord,
  diff: SessionDiff,
  status: SessionCommentStatus,
  checkRunUrl: string | null,
): Promise<void> {
  const link = record.start.link
  if (link === null) return
  const body = renderSessionComment({
    facts: sessionFacts(record.start),
    diff,
    status,
    ...(checkRunUrl ? { checkRunUrl } : {}),
  })
  await upsertSessionComment(scope.repo, link, record.start.sessionId, body)
}

/**
 * Promotes (part of) session `record`. Order: baseline on the durable branch → selection (PROMOTE_FAILED
 * staging is answered, nothing written) → `adminPaths` need admin → check run "Promoting…" →
 * `UserSession.promote` (the core algorithm, exactly once through the promotion commit's trailer) →
 * check run success / "Baseline conflict: N files" / failure → session comment → reply.
 */
export async function promoteSession(
  scope: Scope,
  record: SessionRecord,
  request: PromoteRequest,
  role: RepoRole,
): Promise<string> {
  const { repo, config } = scope
  const id = record.start.sessionId
  const problem = await baselineProblem(repo, record.start, config)
  if (problem) return `Nothing was promoted. ${problem}`
  return withSession(repo, record, config, async (session) => {
    let picked: string[]
    try {
      picked = selectChanges(await session.touchedFiles(), request.selector).map((c) => c.path)
    } catch (error) {
      // Another replica may have promoted (and deleted the branch) since this event read it.
      const landed = await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)
      if (landed) return `Already promoted. ${describeResult(repo, landed)}`
      if (isGittrixError(error)) return `Nothing was promoted:\n\n${fencedBlock(error.message, 'text')}`
      throw error
    }
    const guarded = adminOnlyPaths(picked, config)
    if (guarded.length > 0 && role !== 'admin') {
      return (
        `${mention(scope.actor.login)}, these paths need admin access to promote (\`adminPaths\` in \`.github/gittrix.yml\`): ` +
        `${guarded.map((p) => inlineCode(p)).join(', ')}. Nothing was changed.`
      )
    }
    const strategy = request.strategy ?? config.strategy
    const options = {
      selector: request.selector,
      strategy,
      ...(request.message ? { message: request.message } : {}),
      ...(request.branch ? { branch: request.branch } : {}),
    }
    if (strategy === 'patch') {
      const outcome = await session.promote(options)
      return `Patch of ${picked.length} file(s) against ${inlineCode(shortSha(outcome.sha))} (nothing was written; apply it with \`git apply\`):\n\n${fencedBlock(outcome.patch ?? '', 'diff')}`
    }
    const diff = await session.diffDetails()
    const run = await findCheckRun(repo, record.headSha, id)
    await upsertCheckRun(
      repo,
      record.headSha,
      id,
      {
        output: {
          title: 'Promoting…',
          summary: `${mention(scope.actor.login)} asked to promote ${picked.length} file(s) of session ${inlineCode(id)} (strategy ${inlineCode(strategy)}). This run completes when the promotion does.`,
        },
      },
      run,
    )
    let outcome: PromoteOutcome
    try {
      outcome = await session.promote(options)
    } catch (error) {
      if (isGittrixError(error, 'BASELINE_CONFLICT')) {
        // A concurrent promotion of this very session (another replica) looks like drift to the loser:
        // the App's own promotion commit (promotion-identity.ts) tells them apart.
        const landed = await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)
        if (landed) return `Already promoted. ${describeResult(repo, landed)}`
        return reportConflict(scope, record, diff, error as BaselineConflictError, run?.htmlUrl ?? null)
      }
      const message = isGittrixError(error) ? `${error.code}: ${error.message}` : (error as Error).message
      await upsertCheckRun(repo, record.headSha, id, {
        conclusion: 'failure',
        output: {
          title: 'Promotion failed',
          summary: `Promotion of session ${inlineCode(id)} failed; the durable branch is unchanged unless this says otherwise.\n\n${fencedBlock(message, 'text')}\n\nUse the buttons or comment again to retry.`,
        },
        actions: [...SESSION_ACTIONS],
      })
      return `Promotion failed:\n\n${fencedBlock(message, 'text')}`
    }
    const result: PromoteResult = {
      sha: outcome.sha,
      branch: outcome.branch,
      ...(outcome.prUrl ? { prUrl: outcome.prUrl } : {}),
    }
    const text = describeResult(repo, result)
    const { htmlUrl } = await upsertCheckRun(repo, record.headSha, id, {
      conclusion: 'success',
      output: {
        title: resultTitle(result),
        summary: `${text}\n\n${outcome.alreadyPromoted ? 'This session had already been promoted; nothing new was written.' : `Promoted by ${mention(scope.actor.login)}: ${outcome.files.length} file(s).`}`,
      },
    })
    if (outcome.prUrl && !outcome.alreadyPromoted) {
      // The pull request's head gets its own session run, which pull_request.closed completes.
      await upsertCheckRun(repo, outcome.sha, id, {
        conclusion: 'neutral',
        output: {
          title: 'Awaiting review of the pull request',
          summary: `Promotion of session ${inlineCode(id)}: ${link('pull request', outcome.prUrl)}.`,
        },
      })
    }
    await updateSessionComment(scope, record, diff, { state: 'promoted', ...result }, htmlUrl)
    return outcome.alreadyPromoted ? `Already promoted. ${text}` : text
  })
}

async function reportConflict(
  scope: Scope,
  record: SessionRecord,
  diff: SessionDiff,
  error: BaselineConflictError,
  htmlUrl: string | null,
): Promise<string> {
  const facts = {
    sessionId: record.start.sessionId,
    durableBranch: record.start.durableBranch,
    conflictingFiles: error.conflictingFiles,
    durableSha: error.durableSha,
    baselineSha: error.baselineSha,
  }
  await upsertCheckRun(scope.repo, record.headSha, record.start.sessionId, {
    conclusion: 'failure',
    output: renderConflictOutput(facts),
    actions: SESSION_ACTIONS.filter((a) => a.identifier === 'discard'),
  })
  await updateSessionComment(
    scope,
    record,
    diff,
    { state: 'conflict', conflictingFiles: error.conflictingFiles, durableSha: error.durableSha },
    htmlUrl,
  )
  return `**${conflictTitle(error.conflictingFiles.length)}**\n\n${renderConflictMarkdown(facts, 50_000)}`
}

/**
 * Discards the session: the core deletes the session branch (and an Artifacts session's repository,
 * see workspace.ts); the check run and comment say so.
 */
export async function discardSession(scope: Scope, record: SessionRecord): Promise<string> {
  const { repo, config } = scope
  const id = record.start.sessionId
  const diff = await withSession(repo, record, config, async (session) => {
    const before = await session.diffDetails()
    await session.discard()
    return before
  })
  const deleted =
    record.start.ephemeral.kind === 'artifacts'
      ? 'its branch and its Cloudflare Artifacts repository were deleted'
      : 'its branch was deleted'
  const { htmlUrl } = await upsertCheckRun(repo, record.headSha, id, {
    conclusion: 'cancelled',
    output: {
      title: 'Discarded',
      summary: `${mention(scope.actor.login)} discarded session ${inlineCode(id)}; ${deleted} and nothing was promoted.`,
    },
  })
  await updateSessionComment(scope, record, diff, { state: 'discarded' }, htmlUrl)
  return `Discarded session ${inlineCode(id)}: ${deleted} and nothing was promoted.`
}

/**
 * Extends the session: the core computes the new eviction policy, and an empty commit on the session
 * branch records it (`Gittrix-Eviction` trailer) and resets the idle clock, which is the branch head's
 * date (GitHubBranchEphemeralAdapter.lastChangeAt). Artifacts sessions record it on the branch too.
 */
export async function extendSession(
  scope: Scope,
  record: SessionRecord,
  durationMs: number,
  duration: string,
): Promise<string> {
  const id = record.start.sessionId
  const policy = await withSession(scope.repo, record, scope.config, async (session) => {
    const meta = await session.extend(durationMs)
    await session.commit(
      encodeExtendCommit({
        sessionId: id,
        eviction: meta.evictionPolicy,
        note: `Extended by @${scope.actor.login} for ${duration}.`,
      }),
    )
    return meta.evictionPolicy
  })
  return `Extended session ${inlineCode(id)} by ${inlineCode(duration)}: idle timeout ${inlineCode(formatEvictionDuration(policy.ttlIdleMs))}, absolute limit ${inlineCode(formatEvictionDuration(policy.ttlAbsoluteMs))}.`
}

/** The session's diff (optionally of some paths) as a reply. */
export async function diffReply(scope: Scope, record: SessionRecord, paths: string[]): Promise<string> {
  return withSession(scope.repo, record, scope.config, async (session) => {
    let diff: SessionDiff
    try {
      diff = await session.diffDetails(paths.length ? { paths } : {})
    } catch (error) {
      if (isGittrixError(error)) return fencedBlock(error.message, 'text')
      throw error
    }
    const rendered = renderDiffText(sessionFacts(record.start), diff.patch, DIFF_REPLY_BUDGET)
    return `**${diffStatLine(diff)}** in session ${inlineCode(record.start.sessionId)}\n\n${rendered.text}`
  })
}

/** Where the session stands, as a reply. */
export async function statusReply(scope: Scope, record: SessionRecord): Promise<string> {
  const { start } = record
  const diff = await withSession(scope.repo, record, scope.config, (session) => session.diffDetails())
  const problem = await baselineProblem(scope.repo, start, scope.config)
  const run = await findCheckRun(scope.repo, record.headSha, start.sessionId)
  return [
    `Session ${inlineCode(start.sessionId)}: **active**, ${diffStatLine(diff)}.`,
    '',
    `- Baseline ${inlineCode(shortSha(start.baselineSha))} on ${inlineCode(start.durableBranch)}${problem ? ` — ${problem}` : ''}`,
    `- Head ${inlineCode(shortSha(record.headSha))}${run?.htmlUrl ? ` · ${link('check run', run.htmlUrl)}` : ''}`,
    `- Eviction: idle ${inlineCode(formatEvictionDuration((start.eviction ?? scope.config.eviction).ttlIdleMs))}`,
  ].join('\n')
}

/** The answer for a session whose branch is gone: its recorded promotion, or that it is over. */
export async function goneReply(scope: Scope, id: string): Promise<string> {
  const durable = scope.config.durableBranch ?? scope.repo.defaultBranch
  const landed = await recordedPromotion(scope.repo, id, durable, null)
  if (landed) return `Session ${inlineCode(id)} is already promoted. ${describeResult(scope.repo, landed)}`
  return `Session ${inlineCode(id)} is not active: its branch ${inlineCode(`gittrix/${id}`)} does not exist (discarded, expired, or never started). Nothing was changed.`
}
