/**
 * `pull_request.closed` for a promotion pull request (head `gittrix/promote/<id>`): complete the
 * session run on its head — merged → success, closed → neutral. Any other pull request is ignored
 * without a request.
 */
import type { Context } from 'probot'
import { inlineCode, parseGittrixRef } from '../../src/github/index.ts'
import { type AppServices, repoContext } from '../context.ts'
import { upsertCheckRun } from '../repo-context.ts'

/** Handles one `pull_request.closed` event. */
export async function onPullRequestClosed(
  context: Context<'pull_request.closed'>,
  services: AppServices,
): Promise<void> {
  const pull = context.payload.pull_request
  const ref = parseGittrixRef(pull.head.ref)
  if (ref?.kind !== 'promote') return
  if (pull.head.repo?.full_name && pull.head.repo.full_name !== context.payload.repository.full_name) return
  const repo = await repoContext(context.octokit, context.payload.repository as never, services)
  const id = ref.sessionId
  const merged = Boolean(pull.merged)
  await services.serialize(id, () =>
    upsertCheckRun(repo, pull.head.sha, id, {
      conclusion: merged ? 'success' : 'neutral',
      output: merged
        ? {
            title: `Pull request #${pull.number} merged`,
            summary: `The promotion of session ${inlineCode(id)} was merged into ${inlineCode(pull.base.ref)}.`,
          }
        : {
            title: `Pull request #${pull.number} closed without merging`,
            summary: `The promotion of session ${inlineCode(id)} was not merged; the branch ${inlineCode(pull.head.ref)} still holds it.`,
          },
    }),
  )
  context.log.info({ session: id, merged, delivery: context.id }, 'promotion pull request closed')
}
