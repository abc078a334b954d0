/**
 * One repository as an event sees it: the installation's Octokit, owner/repo, the web URL, and the
 * few GitHub calls every handler shares — the session check run (found by name + `external_id` on a
 * commit), the thread comments (the App's own found by marker AND author), replies and reactions.
 * Sources: REST check runs, issue comments and reactions (docs/platform-facts.md#check-runs, #comments-reactions-and-permissions).
 */
import type { Octokit } from '@octokit/rest'
import type { ArtifactsSettings } from './artifacts.ts'
import {
  CHECK_RUN_NAME,
  type CheckRunAction,
  type CheckRunOutput,
  closeOpenFence,
  COMMENT_BODY_MAX,
  findSessionMarker,
  utf8Length,
} from '../src/github/index.ts'

/** What every handler needs about the repository of an event. */
export interface RepoContext {
  octokit: Octokit
  owner: string
  repo: string
  /**
   * The repository's numeric id from the (signed) webhook payload: it binds the repository's
   * Cloudflare Artifacts session repositories to it (`githubSessionRepoName`).
   */
  repoId: number
  /** `https://github.com/<owner>/<repo>` (or the GHES equivalent), from the payload. */
  webUrl: string
  /** The repository's default branch, from the payload. */
  defaultBranch: string
  /** The App's bot login, `<slug>[bot]`. */
  botLogin: string
  /** The App's Cloudflare Artifacts credentials (for Artifacts sessions), or `null` when not configured. */
  artifacts: ArtifactsSettings | null
}

/** The session check run as GitHub reports it. */
export interface CheckRunState {
  id: number
  /** The commit the run is on. */
  headSha: string
  status: string
  conclusion: string | null
  /**
   * When the run last completed (ISO 8601), `null` while it is not completed: set by this App with
   * every conclusion it writes (`upsertCheckRun`, by this host's clock), so for a rendered run, when
   * its render was shown.
   */
  completedAt: string | null
  title: string | null
  summary: string | null
  /** `output.text`: the rendered diff of a reviewed run. */
  text: string | null
  htmlUrl: string | null
}

/** This App's slug: its bot login without `[bot]`. */
function appSlug(repo: RepoContext): string {
  return repo.botLogin.replace(/\[bot\]$/, '')
}

/** A comment on an issue or pull request. */
export interface ThreadComment {
  id: number
  body: string
  login: string
}

/**
 * This App's "Gittrix session" check run for `sessionId` on `headSha`, or `null` (newest first).
 * `headSha` must be a full commit id GitHub gave the App: the endpoint takes any ref, so a branch or
 * tag name (or an abbreviation someone typed, which a same-named branch shadows) would read another
 * commit's runs. Runs of any other App are ignored: a workflow with
 * `checks: write` can create a run of that name and `external_id` on any commit (check runs carry the
 * `app` that created them: https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference).
 */
export async function findCheckRun(
  repo: RepoContext,
  headSha: string,
  sessionId: string,
): Promise<CheckRunState | null> {
  const { data } = await repo.octokit.rest.checks.listForRef({
    owner: repo.owner,
    repo: repo.repo,
    ref: headSha,
    check_name: CHECK_RUN_NAME,
    filter: 'latest',
    per_page: 100,
  })
  const slug = appSlug(repo)
  const run = data.check_runs.find((r) => r.external_id === sessionId && r.app?.slug === slug)
  if (!run) return null
  return {
    id: run.id,
    headSha: run.head_sha,
    status: run.status,
    conclusion: run.conclusion ?? null,
    completedAt: run.completed_at ?? null,
    title: run.output?.title ?? null,
    summary: run.output?.summary ?? null,
    text: run.output?.text ?? null,
    htmlUrl: run.html_url ?? null,
  }
}

/** What a check run write sets. `conclusion` completes the run; without it the run is `in_progress`. */
export interface CheckRunFields {
  conclusion?: 'action_required' | 'neutral' | 'success' | 'failure' | 'cancelled'
  output: CheckRunOutput
  actions?: CheckRunAction[]
}

/**
 * Creates the session's check run on `headSha`, or updates the one already there (a redelivered push,
 * a command on the same head). Resolves its id and URL.
 */
export async function upsertCheckRun(
  repo: RepoContext,
  headSha: string,
  sessionId: string,
  fields: CheckRunFields,
  existing?: CheckRunState | null,
): Promise<{ id: number; htmlUrl: string | null }> {
  const found = existing === undefined ? await findCheckRun(repo, headSha, sessionId) : existing
  const status = fields.conclusion ? ('completed' as const) : ('in_progress' as const)
  const body = {
    owner: repo.owner,
    repo: repo.repo,
    name: CHECK_RUN_NAME,
    external_id: sessionId,
    status,
    ...(fields.conclusion ? { conclusion: fields.conclusion, completed_at: new Date().toISOString() } : {}),
    output: fields.output,
    actions: fields.actions ?? [],
  }
  if (found) {
    const { data } = await repo.octokit.rest.checks.update({ ...body, check_run_id: found.id })
    return { id: data.id, htmlUrl: data.html_url ?? null }
  }
  const { data } = await repo.octokit.rest.checks.create({ ...body, head_sha: headSha })
  return { id: data.id, htmlUrl: data.html_url ?? null }
}

/** Every comment on issue or pull request `issue`, oldest first. */
export async function listThread(repo: RepoContext, issue: number): Promise<ThreadComment[]> {
  const comments = await repo.octokit.paginate(repo.octokit.rest.issues.listComments, {
    owner: repo.owner,
    repo: repo.repo,
    issue_number: issue,
    per_page: 100,
  })
  return comments.map((c) => ({ id: c.id, body: c.body ?? '', login: c.user?.login ?? '' }))
}

/** Session ids whose session comment (marker on the first line, posted by this App's bot) is in `thread`. */
export function sessionsInThread(repo: RepoContext, thread: readonly ThreadComment[]): string[] {
  const ids: string[] = []
  for (const comment of thread) {
    if (comment.login !== repo.botLogin) continue
    const id = findSessionMarker(comment.body)
    if (id && !ids.includes(id)) ids.push(id)
  }
  return ids
}

/**
 * Posts the session comment on `issue`, or edits the one this App's bot already posted there (found by
 * the marker and the author, so a copied marker in someone else's comment is ignored).
 */
export async function upsertSessionComment(
  repo: RepoContext,
  issue: number,
  sessionId: string,
  body: string,
  thread?: readonly ThreadComment[],
): Promise<void> {
  const comments = thread ?? (await listThread(repo, issue))
  const mine = comments.find((c) => c.login === repo.botLogin && findSessionMarker(c.body) === sessionId)
  if (mine) {
    if (mine.body !== body)
      await repo.octokit.rest.issues.updateComment({
        owner: repo.owner,
        repo: repo.repo,
        comment_id: mine.id,
        body,
      })
    return
  }
  await repo.octokit.rest.issues.createComment({
    owner: repo.owner,
    repo: repo.repo,
    issue_number: issue,
    body,
  })
}

/** The hidden first line of a reply to comment `commentId`; a redelivered command finds it and stops. */
export function replyMarker(commentId: number): string {
  return `<!-- gittrix:reply ${commentId} -->`
}

/** True when this App's bot already answered comment `commentId` in `thread`. */
export function alreadyAnswered(
  repo: RepoContext,
  thread: readonly ThreadComment[],
  commentId: number,
): boolean {
  const marker = replyMarker(commentId)
  return thread.some((c) => c.login === repo.botLogin && c.body.startsWith(marker))
}

/** Replies on `issue` to comment `commentId` (marker first, body cut to GitHub's comment limit). */
export async function reply(
  repo: RepoContext,
  issue: number,
  commentId: number | null,
  text: string,
): Promise<void> {
  const head = commentId === null ? '' : `${replyMarker(commentId)}\n`
  let body = `${head}${text}`
  if (utf8Length(body) > COMMENT_BODY_MAX) {
    const note = '\n\n_…cut to fit GitHub’s comment limit._'
    body = Buffer.from(body)
      .subarray(0, COMMENT_BODY_MAX - utf8Length(note) - 8)
      .toString('utf8')
      .replace(/\uFFFD+$/, '')
    body = closeOpenFence(body) + note
  }
  await repo.octokit.rest.issues.createComment({
    owner: repo.owner,
    repo: repo.repo,
    issue_number: issue,
    body,
  })
}

/** Adds 👀 to a comment (200 when it is already there: GitHub's answer for a repeated reaction). */
export async function acknowledge(repo: RepoContext, commentId: number): Promise<void> {
  await repo.octokit.rest.reactions.createForIssueComment({
    owner: repo.owner,
    repo: repo.repo,
    comment_id: commentId,
    content: 'eyes',
  })
}

/** `https://github.com/o/r/commit/<sha>`. */
export function commitUrl(repo: RepoContext, sha: string): string {
  return `${repo.webUrl}/commit/${sha}`
}
