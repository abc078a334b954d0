/**
 * `push` to `gittrix/<session-id>` (docs/architecture.md#review-and-commands): rebuild the session from its start commit, check
 * the configuration and the baseline, then create or update the "Gittrix session" check run on the
 * pushed head (title = diff stat, summary, diff, buttons) and the one session comment on the linked
 * issue or pull request. A push that deletes the branch (`deleted: true`, `before` = the last head)
 * completes that head's run as "Session branch deleted" unless the App already completed it
 * (promoted, discarded) or the session's promotion landed (its replica reports that). Pushes to any other ref are ignored without a request.
 */
import type { Context } from 'probot'
import { isGittrixError, type SessionDiff } from '../../src/index.ts'
import {
  fencedBlock,
  inlineCode,
  renderSessionCheckRun,
  renderSessionComment,
  sessionIdFromRef,
  type SessionHistorySummary,
} from '../../src/github/index.ts'
import { type ConfigSource, loadConfig, renderConfigProblems } from '../config.ts'
import { type AppServices, repoContext } from '../context.ts'
import { withHistory } from '../history.ts'
import { REVIEW_DIFF_BUDGET } from '../operations.ts'
import {
  type CheckRunState,
  findCheckRun,
  type RepoContext,
  upsertCheckRun,
  upsertSessionComment,
} from '../repo-context.ts'
import {
  baselineProblem,
  readSessionAt,
  recordedPromotion,
  sessionFacts,
  withSession,
  workspaceProblem,
} from '../session.ts'

const ZERO = /^0{40}$/

/** Handles one `push` event. */
export async function onPush(context: Context<'push'>, services: AppServices): Promise<void> {
  const { payload } = context
  const id = sessionIdFromRef(payload.ref)
  if (!id || !payload.ref.startsWith('refs/heads/')) return
  const repo = await repoContext(context.octokit, payload.repository as never, services)
  const log = context.log.child({ session: id, delivery: context.id })
  await services.serialize(id, async () => {
    if (payload.deleted || ZERO.test(payload.after)) {
      if (!ZERO.test(payload.before)) await onDeleted(repo, id, payload.before)
      log.info({}, 'session branch deleted')
      return
    }
    // A head already rendered (a redelivery, or the App putting the branch back after a promotion or
    // discard did not finish: claim.ts) keeps its run: it may record an outcome a new render would hide.
    const existing = await findCheckRun(repo, payload.after, id)
    if (existing) {
      log.info({ run: existing.id }, 'head already has its session run')
      return
    }
    await reviewSession(context, repo, id, payload.after, log, null)
  })
}

/**
 * Renders the session at `head` into its check run (created or updated) and the linked thread's
 * session comment; a bad configuration, an invalid start or pointer commit, an Artifacts session the
 * App has no credentials for, an unreadable Artifacts workspace, or a baseline that is not on the
 * durable branch end in a completed run saying so. Used on push and on a re-run.
 */
export async function reviewSession(
  source: ConfigSource,
  repo: RepoContext,
  id: string,
  head: string,
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void },
  existing?: CheckRunState | null,
): Promise<void> {
  const config = await loadConfig(source)
  if (!config.ok) {
    await upsertCheckRun(
      repo,
      head,
      id,
      {
        conclusion: 'failure',
        output: { title: 'Invalid .github/gittrix.yml', summary: renderConfigProblems(config.problems) },
      },
      existing,
    )
    log.warn({ problems: config.problems }, 'invalid configuration')
    return
  }
  const lookup = await readSessionAt(repo, id, head, config.config.durableBranch ?? repo.defaultBranch)
  if (lookup.kind !== 'found') {
    const reason = lookup.kind === 'invalid' ? lookup.reason : 'The session branch has no start commit.'
    await upsertCheckRun(
      repo,
      head,
      id,
      {
        conclusion: (lookup.kind === 'invalid' && lookup.conclusion) || 'failure',
        output: {
          title: 'Not a valid Gittrix session',
          summary: `${fencedBlock(reason, 'text')}\n\nThis session cannot be promoted.`,
        },
      },
      existing,
    )
    log.warn({ reason }, 'invalid session')
    return
  }
  const { record } = lookup
  if (record.claim) {
    // A replica holds the session (claim.ts): the claim commit has the claimed head's tree; no render.
    log.info({ purpose: record.claim.purpose }, 'claim commit, not rendered')
    return
  }
  const unavailable = workspaceProblem(repo, record)
  if (unavailable) {
    await upsertCheckRun(
      repo,
      head,
      id,
      {
        conclusion: 'neutral',
        output: { title: 'Cloudflare Artifacts credentials missing', summary: unavailable },
      },
      existing,
    )
    log.warn({}, 'artifacts session without artifacts credentials')
    return
  }
  const problem = await baselineProblem(repo, record.start, config.config)
  if (problem) {
    await upsertCheckRun(
      repo,
      head,
      id,
      {
        conclusion: 'failure',
        output: { title: 'Baseline not on the durable branch', summary: problem },
      },
      existing,
    )
    log.warn({ baseline: record.start.baselineSha }, 'baseline not on the durable branch')
    return
  }
  let diff: SessionDiff
  let history: SessionHistorySummary | undefined
  try {
    // Pinned to `head` (withSession): the render shows exactly this commit, read by id, within a
    // request budget (REVIEW_DIFF_BUDGET). The head's tool-call note rides along (withHistory).
    ;({ result: diff, history } = await withHistory(repo, id, record, () =>
      withSession(repo, record, config.config, (session) =>
        session.diffDetails({ budget: REVIEW_DIFF_BUDGET }),
      ),
    ))
  } catch (error) {
    // The workspace host refused or failed (e.g. an Artifacts token without Read, a deleted repository).
    if (record.start.ephemeral.kind !== 'artifacts' || !isGittrixError(error)) throw error
    await upsertCheckRun(repo, head, id, {
      conclusion: 'failure',
      output: {
        title: 'Cannot read the session workspace',
        summary: `The files of session ${inlineCode(id)} could not be read from Cloudflare Artifacts; nothing was changed. Re-run this check once the cause is fixed.\n\n${fencedBlock(`${error.code}: ${error.message}`, 'text')}`,
      },
    })
    log.warn({ code: error.code }, 'artifacts workspace unreadable')
    return
  }
  const facts = sessionFacts(record.start)
  const rendered = renderSessionCheckRun(facts, diff, history)
  const { htmlUrl } = await upsertCheckRun(
    repo,
    head,
    id,
    {
      conclusion: rendered.conclusion,
      output: rendered.output,
      actions: rendered.actions,
    },
    existing,
  )
  if (record.start.link !== null) {
    const body = renderSessionComment({
      facts,
      diff,
      status: { state: 'active' },
      ...(htmlUrl ? { checkRunUrl: htmlUrl } : {}),
    })
    await upsertSessionComment(repo, record.start.link, id, body)
  }
  log.info({ files: diff.files.length, conclusion: rendered.conclusion }, 'session check run updated')
}

/** The session branch was deleted: complete the last head's run unless the App already did. */
async function onDeleted(repo: RepoContext, id: string, lastHead: string): Promise<void> {
  const run = await findCheckRun(repo, lastHead, id)
  if (!run) return
  if (run.status === 'completed' && run.conclusion !== 'action_required' && run.conclusion !== 'neutral')
    return
  const lookup = await readSessionAt(repo, id, lastHead).catch(() => null)
  const record = lookup?.kind === 'found' ? lookup.record : null
  // A promotion deletes the branch before it reports; on another replica this push can arrive first.
  // The promotion's own trailer tells a promoted session from a deleted one.
  if (record && (await recordedPromotion(repo, id, record.start.durableBranch, record.start.baselineSha)))
    return
  await upsertCheckRun(
    repo,
    lastHead,
    id,
    {
      conclusion: 'cancelled',
      output: {
        title: 'Session branch deleted',
        summary: `The branch ${inlineCode(`gittrix/${id}`)} was deleted before the session was promoted; it can no longer be promoted.`,
      },
    },
    run,
  )
  if (record && record.start.link !== null) {
    const body = renderSessionComment({
      facts: sessionFacts(record.start),
      diff: { patch: '', files: [], additions: 0, deletions: 0 },
      status: { state: 'discarded' },
    })
    await upsertSessionComment(repo, record.start.link, id, body)
  }
}
