/**
 * `check_run.requested_action`: the session run's buttons (Promote all, Open PR, Discard). GitHub sends
 * it only to the App that created the run. The sender is authorized exactly like a comment author;
 * refusals are posted on the session's linked thread (when there is one) and nothing is written. The
 * run's `head_sha` is the reviewed head (review.ts): the promotion reads exactly that commit, and a
 * click on a run whose head is no longer the session head, or that no longer awaits a decision, is
 * refused: the reviewer saw other changes.
 */
import type { Context } from 'probot'
import { inlineCode, isGitHubSessionId, mention, parseActionIdentifier } from '../../src/github/index.ts'
import { type Actor, authorizeWrite } from '../authorize.ts'
import { loadConfig, renderConfigProblems } from '../config.ts'
import { withoutStaleClaim } from '../claim.ts'
import { type AppServices, repoContext } from '../context.ts'
import { describeResult, discardSession, promoteSession, resultTitle, type Scope } from '../operations.ts'
import { type RepoContext, reply, upsertCheckRun } from '../repo-context.ts'
import { reviewedHead } from '../review.ts'
import { readSession, recordedPromotion, type SessionLookup, workspaceProblem } from '../session.ts'
import { reviewSession } from './push.ts'

/** Handles one `check_run.requested_action` event. */
export async function onRequestedAction(
  context: Context<'check_run.requested_action'>,
  services: AppServices,
): Promise<void> {
  const { check_run: run, requested_action: requested, sender } = context.payload
  const id = run.external_id
  const action = parseActionIdentifier(requested?.identifier)
  if (!isGitHubSessionId(id) || action === null) return
  const repo = await repoContext(context.octokit, context.payload.repository as never, services)
  const log = context.log.child({ session: id, delivery: context.id, action, actor: sender.login })
  const actor: Actor = { login: sender.login, type: sender.type }
  await services.serialize(id, async () => {
    const config = await loadConfig(context)
    const durable = (config.ok && config.config.durableBranch) || repo.defaultBranch
    const lookup = await readSession(repo, id, durable)
    const tell = (text: string) => tellThread(repo, lookup, text)
    if (!config.ok) return tell(renderConfigProblems(config.problems))
    const auth = await authorizeWrite(repo, actor, config.config)
    if (!auth.ok) {
      log.info({ role: auth.role }, 'button refused')
      return tell(auth.reason)
    }
    const scope: Scope = { repo, config: config.config, actor }
    if (lookup.kind === 'missing') {
      // Promoted (branch deleted) or discarded: answer from GitHub, and complete a stale run.
      const landed = await recordedPromotion(repo, id, durable, null)
      if (run.status === 'completed' && run.conclusion !== 'action_required') return
      await upsertCheckRun(repo, run.head_sha, id, {
        conclusion: landed ? 'success' : 'cancelled',
        output: landed
          ? {
              title: resultTitle(landed),
              summary: describeResult(repo, landed),
            }
          : {
              title: 'Session is over',
              summary: `Session ${inlineCode(id)} no longer has a branch; nothing was changed.`,
            },
      })
      return
    }
    if (lookup.kind === 'invalid') return
    const record = await withoutStaleClaim(repo, lookup.record, durable)
    const unavailable = workspaceProblem(repo, record)
    if (unavailable) return tell(unavailable)
    if (action === 'discard') {
      if (record.headSha !== run.head_sha && !record.claim) {
        return tell(
          `${mention(actor.login)}, session ${inlineCode(id)} changed after that check run (its branch is now at ${inlineCode(record.headSha.slice(0, 7))}); use the buttons on the newest "Gittrix session" run. Nothing was changed.`,
        )
      }
      const text = await discardSession(scope, record)
      log.info({ result: text.slice(0, 200) }, 'button handled')
      if (/Nothing was (changed|discarded)/.test(text)) await tell(text)
      return
    }
    // The button's run names the reviewed head: only that commit is promoted, and only while it is
    // still the session head (the reviewer saw that run, not what came after).
    const reviewed = await reviewedHead(repo, record, { from: 'button', sha: run.head_sha })
    if (!reviewed.ok) return tell(`${mention(actor.login)}, ${reviewed.reply}`)
    const text = await promoteSession(
      scope,
      { reviewed: reviewed.record, head: record },
      {
        selector: { mode: 'all' },
        strategy: action === 'open_pr' ? 'pr' : null,
        branch: null,
        message: null,
      },
      auth.role,
    )
    log.info({ result: text.slice(0, 200) }, 'button handled')
    // A refusal decided inside the operation (admin-only paths, baseline) reaches the reviewer too.
    if (/Nothing was (changed|promoted)/.test(text)) await tell(text)
  })
}

async function tellThread(repo: RepoContext, lookup: SessionLookup, text: string): Promise<void> {
  const link = lookup.kind === 'found' ? lookup.record.start.link : null
  if (link !== null) await reply(repo, link, null, text)
}

/**
 * `check_run.rerequested` ("Re-run" on the session run): renders the session again when the run is
 * still on the session head; GitHub sends it only to the App that created the run.
 */
export async function onRerequested(
  context: Context<'check_run.rerequested'>,
  services: AppServices,
): Promise<void> {
  const { check_run: run } = context.payload
  const id = run.external_id
  if (!isGitHubSessionId(id)) return
  const repo = await repoContext(context.octokit, context.payload.repository as never, services)
  const log = context.log.child({ session: id, delivery: context.id })
  await services.serialize(id, async () => {
    const lookup = await readSession(repo, id)
    if (lookup.kind !== 'found' || lookup.record.headSha !== run.head_sha || lookup.record.claim) return
    await reviewSession(context, repo, id, run.head_sha, log)
  })
}
