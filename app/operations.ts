/**
 * What a command or a button does to a session, shared by the comment and check run handlers. Each
 * operation runs the core on the session rebuilt from GitHub (`withSession`), reports progress and
 * outcome through the session check run and the session comment, and resolves the markdown reply.
 * Callers have already authorized the actor for write operations (authorize.ts); promotion also
 * checks the selected paths against `adminPaths` here, before anything is written.
 */
import {
  type ClaimPurpose,
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
  renderSessionCheckRun,
  renderSessionComment,
  SESSION_ACTIONS,
  type SessionCommentStatus,
  shortSha,
} from '../src/github.ts'
import { withHistory } from './history.ts'
import { replayOf } from '../src/core/promote.ts'
import { promotedPaths, selectableChanges } from '../src/core/remaining.ts'
import { selectChanges } from '../src/core/select.ts'
import {
  type BaselineConflictError,
  isGittrixError,
  type PromoteOutcome,
  type PromoteResult,
  type PromoteSelector,
  type SessionDiff,
  type DiffBudget,
  type UserSession,
} from '../src/index.ts'
import { adminOnlyPaths, type Actor, type RepoRole } from './authorize.ts'
import { claimSession, releaseClaim } from './claim.ts'
import type { GittrixConfig } from './config.ts'
import {
  commitUrl,
  findCheckRun,
  type RepoContext,
  upsertCheckRun,
  upsertSessionComment,
} from './repo-context.ts'
import {
  baselineProblem,
  readSessionAt,
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

/** The session run's title while a promotion runs (review.ts counts it as a reviewed head). */
export const PROMOTING_TITLE = 'Promoting…'
/** The session run's title after a failed promotion (still a reviewed head: retry). */
export const PROMOTION_FAILED_TITLE = 'Promotion failed'
/** How the session run's title after a baseline conflict starts (`conflictTitle`). */
export const CONFLICT_TITLE_PREFIX = conflictTitle(1).slice(0, conflictTitle(1).indexOf(':') + 1)

/**
 * What one render (check run, session comment, status) reads of a session's diff: enough patch for the
 * check run's `output.text` (65,535 characters, https://docs.github.com/rest/checks/runs) and at most 8
 * blob reads for files GitHub's compare gave no hunks for. Everything else comes from a pruned walk
 * of the two trees (one GraphQL query per depth of the changed directories,
 * src/adapters/github/tree-levels.ts) and one compare, so requests grow neither with the number of
 * files nor with the repository.
 */
export const REVIEW_DIFF_BUDGET: DiffBudget = { patchBytes: 65_535, blobReads: 8 }

/** `/gittrix diff <paths>`: the named files may need their blobs read (two per file). */
const PATH_DIFF_BUDGET: DiffBudget = { patchBytes: DIFF_REPLY_BUDGET, blobReads: 40 }

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
 * Why the hunks a selector names cannot be promoted from the reviewed commit (plain text for a reply),
 * or `null` when every one is a hunk of its file's diff there (what the check run showed, ids included).
 * Checked before the branch is claimed; the promotion checks again (src/core/promote-hunks.ts).
 */
async function unknownHunks(
  session: UserSession,
  selector: PromoteSelector,
  pending: ReadonlySet<string>,
): Promise<string | null> {
  if (selector.mode !== 'hunks' || selector.hunks.length === 0) return null
  const paths = [...new Set(selector.hunks.map((h) => h.path))].filter((p) => pending.has(p))
  const diff = paths.length
    ? await session.diffDetails({ paths: paths.map((p) => `:(literal)${p}`) })
    : { files: [] }
  const problems: string[] = []
  for (const { path, ids } of selector.hunks) {
    const file = diff.files.find((f) => f.path === path)
    if (!pending.has(path)) {
      problems.push(`${inlineCode(path)} has nothing left to promote`)
      continue
    }
    if (!file?.hunks) {
      problems.push(
        `${inlineCode(path)} has no hunks to choose from (added, deleted, binary, symlink or mode changes are whole-file only; name the path without #)`,
      )
      continue
    }
    const known = new Set(file.hunks.map((h) => h.id))
    // A part `<id>.<k>` (src/core/hunks.ts `hunkParts`) names its hunk's id; the promotion checks `k`.
    const missing = ids.filter((id) => !known.has(id.split('.')[0]!))
    if (missing.length) {
      problems.push(
        `${inlineCode(path)} has no hunk ${missing.map((id) => inlineCode(id)).join(', ')} in the reviewed commit (see the ids in the check run's diff or \`/gittrix diff\`)`,
      )
    }
  }
  return problems.length ? `${problems.join('; ')}.` : null
}

/** The session a promotion reads: the reviewed commit, and the branch as it is now. */
export interface PromoteTarget {
  /** The session read at the reviewed head (check run `head_sha`): what is promoted. */
  reviewed: SessionRecord
  /** The session read at its branch head now: what the claim moves from (the same record when equal). */
  head: SessionRecord
}

/**
 * Promotes (part of) the reviewed commit of a session (docs/architecture.md#invariants, 10). Order: baseline on
 * the durable branch → selection from the pinned snapshot of `target.reviewed.headSha` (PROMOTE_FAILED
 * staging is answered, nothing written) → `adminPaths` need admin (same snapshot) → claim the branch
 * (claim.ts; refused when it moved or another replica holds it, nothing written) → check run
 * "Promoting…" → `UserSession.promote` of the same snapshot (the core algorithm, exactly once through
 * the promotion commit's trailer; an earlier partial promotion found there is adopted, not answered;
 * the branch is evicted only when nothing un-promoted remains on it) → check run success, or after a
 * partial promotion `action_required` with what remains and the buttons / "Baseline conflict: N
 * files" / "Promotion failed" → session comment → reply. The claim is released (the branch put back on
 * its head) unless the branch was evicted.
 */
export async function promoteSession(
  scope: Scope,
  target: PromoteTarget,
  request: PromoteRequest,
  role: RepoRole,
): Promise<string> {
  const { repo, config } = scope
  const record = target.reviewed
  const id = record.start.sessionId
  const problem = await baselineProblem(repo, record.start, config)
  if (problem) return `Nothing was promoted. ${problem}`
  const run = async (session: UserSession): Promise<string> => {
    let picked: string[]
    try {
      // What the selector names among what remains and what this session promoted before; only what
      // remains is promoted (the core selects the same way), a selection of promoted files only is a replay.
      const remaining = await session.touchedFiles()
      const meta = await session.info()
      const promoted = [...promotedPaths(meta).values()].map((p) => p.change)
      const named = selectChanges(selectableChanges(promoted, remaining), request.selector).map((c) => c.path)
      const pending = new Set(remaining.map((c) => c.path))
      picked = named.filter((path) => pending.has(path))
      const replay = picked.length === 0 ? replayOf(meta, named) : null
      if (replay) return `Already promoted. ${describeResult(repo, replay)}`
      const unknown = await unknownHunks(session, request.selector, pending)
      if (unknown) return `Nothing was promoted: ${unknown}`
    } catch (error) {
      // Another replica may have promoted (and deleted the branch) since this event read it. A selection
      // the session cannot satisfy is answered as such: an earlier partial promotion is no excuse.
      const selection = isGittrixError(error, 'PROMOTE_FAILED') || isGittrixError(error, 'INVALID_ARGUMENT')
      const landed = selection
        ? null
        : await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)
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
      return `Patch of ${picked.length} file(s) of \`${shortSha(record.headSha)}\` against \`${shortSha(outcome.sha)}\` (nothing was written; apply it with \`git apply\`):\n\n${fencedBlock(outcome.patch ?? '', 'diff')}`
    }
    const diff = await session.diffDetails({ budget: REVIEW_DIFF_BUDGET })
    const claimed = await claimSession(repo, id, target.head.headSha, target.head.headTree, 'promoting')
    if (!claimed.ok) return claimRefusal(scope, record, claimed.now, 'promote')
    try {
      return await promoteClaimed(scope, record, session, { picked, strategy, options, diff })
    } finally {
      // Evicted (branch deleted): nothing to do. Kept (a failure, newer work, untilPromote off): put back.
      await releaseClaim(repo, id, claimed.claim, target.head.headSha).catch(() => false)
    }
  }
  return withSession(repo, record, config, run, { current: target.head, promotionBranches: true })
}

async function promoteClaimed(
  scope: Scope,
  record: SessionRecord,
  session: UserSession,
  plan: {
    picked: string[]
    strategy: string
    options: Parameters<UserSession['promote']>[0]
    diff: SessionDiff
  },
): Promise<string> {
  const { repo } = scope
  const id = record.start.sessionId
  const { diff } = plan
  const run = await findCheckRun(repo, record.headSha, id)
  await upsertCheckRun(
    repo,
    record.headSha,
    id,
    {
      output: {
        title: PROMOTING_TITLE,
        summary: `${mention(scope.actor.login)} asked to promote ${plan.picked.length} file(s) of session ${inlineCode(id)} as reviewed at ${inlineCode(shortSha(record.headSha))} (strategy ${inlineCode(plan.strategy)}). This run completes when the promotion does.`,
      },
    },
    run,
  )
  // This session's newest promotion before this one (a partial promotion leaves the session active).
  const earlier = await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)
  let outcome: PromoteOutcome
  try {
    outcome = await session.promote(plan.options)
  } catch (error) {
    if (isGittrixError(error, 'BASELINE_CONFLICT')) {
      // A concurrent promotion of this very session (another replica) looks like drift to the loser:
      // the App's own promotion commit (promotion-identity.ts), newer than `earlier`, tells them apart.
      const landed = await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)
      if (landed && landed.sha !== earlier?.sha) return `Already promoted. ${describeResult(repo, landed)}`
      return reportConflict(scope, record, diff, error as BaselineConflictError, run?.htmlUrl ?? null)
    }
    const message = isGittrixError(error) ? `${error.code}: ${error.message}` : (error as Error).message
    await upsertCheckRun(repo, record.headSha, id, {
      conclusion: 'failure',
      output: {
        title: PROMOTION_FAILED_TITLE,
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
  // What is left of the reviewed commit after this promotion (none once the session is promoted).
  const active = (await session.info()).state === 'active'
  const { result: left, history } = active
    ? await withHistory(repo, id, record, () => session.diffDetails({ budget: REVIEW_DIFF_BUDGET }))
    : { result: null, history: undefined }
  if (left && left.files.length > 0) {
    // A partial promotion: the run shows what remains, with the buttons, and the branch is kept.
    const rendered = renderSessionCheckRun(sessionFacts(record.start), left, history)
    const { htmlUrl } = await upsertCheckRun(repo, record.headSha, id, {
      conclusion: rendered.conclusion,
      output: {
        ...rendered.output,
        title: plainTitle(
          `${resultTitle(result)}; ${left.files.length} file(s) remain: ${rendered.output.title}`,
        ),
      },
      actions: rendered.actions,
    })
    await updateSessionComment(scope, record, left, { state: 'promoted', ...result }, htmlUrl)
    const n = left.files.length
    return `${outcome.alreadyPromoted ? 'Already promoted. ' : ''}${text} ${n} file(s) remain to promote: ${left.files
      .slice(0, 20)
      .map((f) => inlineCode(f.path))
      .join(', ')}${n > 20 ? ', …' : ''}.`
  }
  const { htmlUrl } = await upsertCheckRun(repo, record.headSha, id, {
    conclusion: 'success',
    output: {
      title: resultTitle(result),
      summary: `${text}\n\n${outcome.alreadyPromoted ? 'This session had already been promoted; nothing new was written.' : `Promoted by ${mention(scope.actor.login)}: ${outcome.files.length} file(s) as reviewed at ${inlineCode(shortSha(record.headSha))}.`}`,
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
}

/** The reply while another request (replica) holds the session (a claim commit heads its branch). */
export function inProgressReply(id: string, purpose: ClaimPurpose, nothing = 'Nothing was changed.'): string {
  return `Session ${inlineCode(id)} is being ${purpose === 'promoting' ? 'promoted' : 'discarded'} by another request right now; its outcome will show on the check run. ${nothing}`
}

/**
 * The reply when the session branch could not be claimed at the head the operation read (`now`: where
 * the branch is, `null` when it is gone): promoted or discarded meanwhile, another replica holding it,
 * or new commits (the session changed after review). Nothing was written by this operation.
 */
async function claimRefusal(
  scope: Scope,
  record: SessionRecord,
  now: string | null,
  operation: 'promote' | 'discard',
): Promise<string> {
  const { repo } = scope
  const id = record.start.sessionId
  const nothing = operation === 'promote' ? 'Nothing was promoted.' : 'Nothing was discarded.'
  if (now === null) {
    const landed = await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)
    if (landed) return `Already promoted. ${describeResult(repo, landed)}`
    return `Session ${inlineCode(id)} was discarded meanwhile (its branch is gone). ${nothing}`
  }
  const lookup = await readSessionAt(repo, id, now, record.start.durableBranch)
  const claim = lookup.kind === 'found' ? lookup.record.claim : null
  if (claim) return inProgressReply(id, claim.purpose, nothing)
  return `Session ${inlineCode(id)} changed while this ${operation} started: its branch moved to ${inlineCode(shortSha(now))}. ${nothing} ${operation === 'promote' ? 'Review the new render, then promote again.' : 'Run the command again.'}`
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
 * Discards the session: claims its branch at the head read (claim.ts), so a promotion on another
 * replica cannot land meanwhile, checks that no promotion landed before, then the core deletes the
 * session branch (and an Artifacts session's repository, see workspace.ts); the check run and comment
 * say so. A promoted session is reported as promoted and left alone.
 */
export async function discardSession(scope: Scope, record: SessionRecord): Promise<string> {
  const { repo, config } = scope
  const id = record.start.sessionId
  if (record.claim) return inProgressReply(id, record.claim.purpose, 'Nothing was discarded.')
  const run = async (session: UserSession): Promise<string> => {
    const diff = await session.diffDetails({ budget: REVIEW_DIFF_BUDGET })
    // Earlier partial promotions of the session (read before the claim) stay; the rest is dropped.
    const earlier = (await session.info()).promotions ?? []
    const claimed = await claimSession(repo, id, record.headSha, record.headTree, 'discarding')
    if (!claimed.ok) return claimRefusal(scope, record, claimed.now, 'discard')
    try {
      // Held: no promotion can land now. One that landed before and is not one of the earlier partial
      // promotions (another request promoted the rest, its branch kept) is the outcome.
      const landed = await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)
      if (landed && !earlier.some((p) => p.sha === landed.sha))
        return `Session ${inlineCode(id)} is already promoted. ${describeResult(repo, landed)} Nothing was discarded.`
      await session.discard()
    } finally {
      await releaseClaim(repo, id, claimed.claim, record.headSha).catch(() => false)
    }
    const kept = new Set(earlier.flatMap((p) => p.files)).size
    const deleted =
      (record.start.ephemeral.kind === 'artifacts'
        ? 'its branch and its Cloudflare Artifacts repository were deleted'
        : 'its branch was deleted') +
      (kept > 0
        ? `; the ${kept} file(s) promoted earlier stay promoted, nothing else was`
        : ' and nothing was promoted')
    const { htmlUrl } = await upsertCheckRun(repo, record.headSha, id, {
      conclusion: 'cancelled',
      output: {
        title: 'Discarded',
        summary: `${mention(scope.actor.login)} discarded session ${inlineCode(id)}; ${deleted}.`,
      },
    })
    await updateSessionComment(scope, record, diff, { state: 'discarded' }, htmlUrl)
    return `Discarded session ${inlineCode(id)}: ${deleted}.`
  }
  return withSession(repo, record, config, run, { promotionBranches: true })
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
        note: `Extended by ${mention(scope.actor.login)} for ${duration}.`,
      }),
    )
    return meta.evictionPolicy
  })
  return `Extended session ${inlineCode(id)} by ${inlineCode(duration)}: idle timeout ${inlineCode(formatEvictionDuration(policy.ttlIdleMs))}, absolute limit ${inlineCode(formatEvictionDuration(policy.ttlAbsoluteMs))}.`
}

/**
 * The session's diff (optionally of some paths) as a reply, computed at the session head (pinned) within
 * a budget: the whole diff like a render, named paths with their blobs if GitHub gave no hunks.
 */
export async function diffReply(scope: Scope, record: SessionRecord, paths: string[]): Promise<string> {
  return withSession(scope.repo, record, scope.config, async (session) => {
    let diff: SessionDiff
    try {
      diff = await session.diffDetails(
        paths.length ? { paths, budget: PATH_DIFF_BUDGET } : { budget: REVIEW_DIFF_BUDGET },
      )
    } catch (error) {
      if (isGittrixError(error)) return fencedBlock(error.message, 'text')
      throw error
    }
    const rendered = renderDiffText(
      sessionFacts(record.start),
      diff.patch,
      DIFF_REPLY_BUDGET,
      diff.files.length,
    )
    return `**${diffStatLine(diff)}** in session ${inlineCode(record.start.sessionId)} at ${inlineCode(shortSha(record.headSha))}\n\n${rendered.text}`
  })
}

/** Where the session stands, as a reply: the diff stat computed once, the baseline check, the run. */
export async function statusReply(scope: Scope, record: SessionRecord): Promise<string> {
  const { start } = record
  const diff = await withSession(scope.repo, record, scope.config, (session) =>
    session.diffDetails({ budget: REVIEW_DIFF_BUDGET }),
  )
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

/**
 * `status` for people without write access: answered from the session's last rendered check run (its
 * title), never recomputed, so anyone who can comment cannot make the App read the session again.
 */
export async function renderedStatusReply(scope: Scope, record: SessionRecord): Promise<string> {
  const { start } = record
  const run = await findCheckRun(scope.repo, record.headSha, start.sessionId)
  return [
    `Session ${inlineCode(start.sessionId)}: **active**${run?.title ? `, ${inlineCode(run.title)}` : ', not rendered yet'}.`,
    '',
    `- Baseline ${inlineCode(shortSha(start.baselineSha))} on ${inlineCode(start.durableBranch)}`,
    `- Head ${inlineCode(shortSha(record.headSha))}${run?.htmlUrl ? ` · [check run](${run.htmlUrl})` : ''}`,
    '',
    '_As rendered in the check run; people with write access get a freshly computed status._',
  ].join('\n')
}

/**
 * `diff` for people without write access: the diff as the last rendered check run shows it
 * (`output.text`), never recomputed; paths are not filtered (that needs a computed diff).
 */
export async function renderedDiffReply(
  scope: Scope,
  record: SessionRecord,
  paths: string[],
): Promise<string> {
  const { start } = record
  const run = await findCheckRun(scope.repo, record.headSha, start.sessionId)
  const id = inlineCode(start.sessionId)
  if (!run?.text)
    return `Session ${id} at ${inlineCode(shortSha(record.headSha))} has no rendered diff yet${run?.htmlUrl ? ` (check run: ${run.htmlUrl})` : ''}; its check run shows it once rendered. People with write access can ask for a computed diff.`
  const note = paths.length
    ? '_The diff of single files is computed for people with write access; this is the whole diff as rendered._\n\n'
    : ''
  return `**${inlineCode(run.title ?? 'Diff')}** in session ${id} as rendered at ${inlineCode(shortSha(record.headSha))}${run.htmlUrl ? ` ([check run](${run.htmlUrl}))` : ''}\n\n${note}${run.text}`
}

/** The answer for a session whose branch is gone: its recorded promotion, or that it is over. */
export async function goneReply(scope: Scope, id: string): Promise<string> {
  const durable = scope.config.durableBranch ?? scope.repo.defaultBranch
  const landed = await recordedPromotion(scope.repo, id, durable, null)
  if (landed) return `Session ${inlineCode(id)} is already promoted. ${describeResult(scope.repo, landed)}`
  return `Session ${inlineCode(id)} is not active: its branch ${inlineCode(`gittrix/${id}`)} does not exist (discarded, expired, or never started). Nothing was changed.`
}
