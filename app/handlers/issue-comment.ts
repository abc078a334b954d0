/**
 * `issue_comment.created`: slash commands (docs/github-app.md#commands-and-buttons). Order, so nothing is written for a
 * refused command: parse (not a command → return without a request) → skip our own comments → list
 * the thread (a reply to this comment already there = a redelivery → stop) → 👀 → usage / help →
 * people only → configuration → write access for promote, discard, extend (for status and diff, the
 * role decides between a computed answer and the last rendered run's) → the session (named, or the one
 * active session linked here) must be linked to this thread → a stale claim released (claim.ts) → run
 * it (a promotion reads the reviewed head, rendered before the comment's `created_at`: review.ts) →
 * reply.
 */
import type { Context } from 'probot'
import {
  commandNeedsWrite,
  fencedBlock,
  type GittrixCommand,
  helpText,
  inlineCode,
  mention,
  parseCommand,
  parseGittrixRef,
  renderUsageReply,
} from '../../src/github/index.ts'
import { type Actor, authorizeWrite, type RepoRole, repositoryRole, roleAtLeast } from '../authorize.ts'
import { loadConfig, renderConfigProblems } from '../config.ts'
import { withoutStaleClaim } from '../claim.ts'
import { type AppServices, repoContext } from '../context.ts'
import {
  discardSession,
  diffReply,
  extendSession,
  goneReply,
  inProgressReply,
  promoteSession,
  renderedDiffReply,
  renderedStatusReply,
  type Scope,
  statusReply,
} from '../operations.ts'
import { reviewedHead } from '../review.ts'
import {
  acknowledge,
  alreadyAnswered,
  listThread,
  type RepoContext,
  reply,
  sessionsInThread,
} from '../repo-context.ts'
import { readSession, type SessionLookup, workspaceProblem } from '../session.ts'

/** Handles one `issue_comment.created` event. */
export async function onIssueComment(
  context: Context<'issue_comment.created'>,
  services: AppServices,
): Promise<void> {
  const { comment, issue } = context.payload
  const parsed = parseCommand(comment.body)
  if (!parsed.ok && parsed.kind === 'not-a-command') return
  const repo = await repoContext(context.octokit, context.payload.repository as never, services)
  if (comment.user?.login === repo.botLogin) return
  const log = context.log.child({ delivery: context.id, issue: issue.number, comment: comment.id })
  const thread = await listThread(repo, issue.number)
  if (alreadyAnswered(repo, thread, comment.id)) {
    log.info('command already answered (redelivery)')
    return
  }
  await acknowledge(repo, comment.id)
  const answer = (text: string) => reply(repo, issue.number, comment.id, text)
  if (!parsed.ok) return answer(renderUsageReply(parsed.usage))
  const command = parsed.command
  if (command.name === 'help') return answer(fencedBlock(helpText(command.topic), 'text'))
  const actor: Actor = { login: comment.user?.login ?? 'ghost', type: comment.user?.type ?? 'Bot' }
  if (actor.type !== 'User') {
    return answer(
      `${mention(actor.login)} is not a person; Gittrix takes commands only from people. Nothing was changed.`,
    )
  }
  const config = await loadConfig(context)
  if (!config.ok) return answer(renderConfigProblems(config.problems))
  let role: RepoRole = 'none'
  if (commandNeedsWrite(command)) {
    const auth = await authorizeWrite(repo, actor, config.config)
    if (!auth.ok) {
      log.info({ actor: actor.login, role: auth.role }, 'command refused')
      return answer(auth.reason)
    }
    role = auth.role
  } else {
    // status and diff: recomputed for people with write access, else answered from the last render.
    role = await repositoryRole(repo, actor.login)
  }
  const durable = config.config.durableBranch ?? repo.defaultBranch
  const target = await resolveSession(
    repo,
    command,
    issue.number,
    Boolean(issue.pull_request),
    thread,
    durable,
  )
  if ('refusal' in target) return answer(target.refusal)
  const { id, lookup } = target
  const scope: Scope = { repo, config: config.config, actor }
  const writtenAt = comment.created_at
  const text = await services.serialize(id, () => run(scope, command, id, lookup, role, writtenAt))
  log.info({ session: id, command: command.name, actor: actor.login }, 'command answered')
  return answer(text)
}

async function run(
  scope: Scope,
  command: Exclude<GittrixCommand, { name: 'help' }>,
  id: string,
  initial: SessionLookup,
  role: RepoRole,
  writtenAt: string,
): Promise<string> {
  // Re-read under the session queue: an earlier event on this replica may have promoted or discarded it.
  const durable = scope.config.durableBranch ?? scope.repo.defaultBranch
  const lookup = initial.kind === 'found' ? await readSession(scope.repo, id, durable) : initial
  if (lookup.kind === 'missing') {
    if (command.name === 'promote' || command.name === 'status' || command.name === 'discard')
      return goneReply(scope, id)
    return `Session ${inlineCode(id)} is not active (its branch is gone). Nothing was changed.`
  }
  if (lookup.kind === 'invalid')
    return `Session ${inlineCode(id)} cannot be used:\n\n${fencedBlock(lookup.reason, 'text')}`
  const record = await withoutStaleClaim(scope.repo, lookup.record, durable)
  const unavailable = workspaceProblem(scope.repo, record)
  if (unavailable) return unavailable
  const writer = roleAtLeast(role, 'write')
  switch (command.name) {
    case 'promote': {
      // Only a render completed before the comment was written can be what its author reviewed.
      const reviewed = await reviewedHead(scope.repo, record, { from: 'command', sha: command.at, writtenAt })
      if (!reviewed.ok) return reviewed.reply
      return promoteSession(scope, { reviewed: reviewed.record, head: record }, command, role)
    }
    case 'discard':
      return discardSession(scope, record)
    case 'extend':
      if (record.claim) return inProgressReply(id, record.claim.purpose)
      return extendSession(scope, record, command.durationMs, command.duration)
    case 'diff':
      return writer
        ? diffReply(scope, record, command.paths)
        : renderedDiffReply(scope, record, command.paths)
    case 'status':
      return writer ? statusReply(scope, record) : renderedStatusReply(scope, record)
  }
}

/**
 * The session a command is about, and proof it belongs to this thread: the App's own session comment
 * here, the session's `Gittrix-Link` naming this issue or pull request, or this pull request being the
 * session's promotion PR (head `gittrix/promote/<id>`) or its branch's PR (head `gittrix/<id>`).
 */
async function resolveSession(
  repo: RepoContext,
  command: Exclude<GittrixCommand, { name: 'help' }>,
  issueNumber: number,
  isPull: boolean,
  thread: Parameters<typeof sessionsInThread>[1],
  durable: string,
): Promise<{ id: string; lookup: SessionLookup } | { refusal: string }> {
  const linked = sessionsInThread(repo, thread)
  if (isPull) {
    const { data: pull } = await repo.octokit.rest.pulls.get({
      owner: repo.owner,
      repo: repo.repo,
      pull_number: issueNumber,
    })
    const ref = parseGittrixRef(pull.head.ref)
    if (ref && !linked.includes(ref.sessionId)) linked.push(ref.sessionId)
  }
  const where = isPull ? 'pull request' : 'issue'
  if (command.sessionId !== null) {
    const id = command.sessionId
    const lookup = await readSession(repo, id, durable)
    const linkedHere =
      linked.includes(id) || (lookup.kind === 'found' && lookup.record.start.link === issueNumber)
    if (!linkedHere) {
      return {
        refusal: `Session ${inlineCode(id)} is not linked to this ${where}. Comment on the issue or pull request that started it, or on its pull request. Nothing was changed.`,
      }
    }
    return { id, lookup }
  }
  const lookups = await Promise.all(
    linked.map(async (id) => ({ id, lookup: await readSession(repo, id, durable) })),
  )
  const active = lookups.filter((l) => l.lookup.kind === 'found')
  if (active.length === 1) return active[0]!
  if (active.length === 0 && lookups.length === 1) return lookups[0]!
  if (lookups.length === 0) {
    return {
      refusal: `No Gittrix session is linked to this ${where}. Name one: ${inlineCode(`/gittrix ${command.name} <session-id>`)}.`,
    }
  }
  return {
    refusal: `More than one session is linked to this ${where} (${lookups.map((l) => inlineCode(l.id)).join(', ')}); name one: ${inlineCode(`/gittrix ${command.name} <session-id> …`)}.`,
  }
}
