/**
 * The GitHub App's extra routes on top of the Git Data API stand-in (git-data-api.ts): installation
 * tokens, `GET /app`, repository contents (raw, for `context.config`), check runs, issue
 * comments, reactions, collaborator permissions and `GET /pulls/{n}`. State lives in memory; git
 * objects stay in the real bare repository. Mount it with `mountGitDataApi` exactly like the base
 * class: every request and reply is checked against GitHub's OpenAPI description.
 *
 * Behaviour copied from GitHub (REST docs, docs/platform-facts.md#check-runs and #comments-reactions-and-permissions):
 * - a check run given a `conclusion` is `completed`, its `completed_at` the one sent (else now) and
 *   `null` again once it is set back to `in_progress`; `actions` are kept as sent; a run belongs to the
 *   App that created it (`app`), and another App's update is refused with GitHub's 403 ("check run can
 *   only be modified by the GitHub App that created it");
 * - `GET /commits/{ref}/check-runs` filters by `check_name`, newest first;
 * - a comment's `created_at` is when it was added (kept at millisecond precision, where GitHub gives
 *   seconds: tests need not wait for a clock tick);
 * - reacting twice with the same content answers 200 with the existing reaction, 201 otherwise;
 * - the permission endpoint answers `role_name` and `user.permissions` booleans; for a login that is
 *   not a user it answers 404 (GitHub: "… is not a user").
 */
import { loadGitHubOpenApi } from './github-openapi.ts'
import { type ApiReply, type ApiRequest, GitDataApi, type GitDataApiOptions } from './git-data-api.ts'

/** A repository role as `role_name` reports it. */
export type RepoRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

/** A check run as the stand-in stores it. */
export interface CheckRunRecord {
  id: number
  head_sha: string
  name: string
  external_id: string | null
  status: 'queued' | 'in_progress' | 'completed'
  conclusion: string | null
  /** When it completed (ISO 8601), `null` while it is not completed. */
  completed_at: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  actions: Array<{ label: string; description: string; identifier: string }>
  /** Every create/update body received, in order. */
  history: unknown[]
  /** The GitHub App that created the run (only it may update it, and only it gets its button clicks). */
  app: { id: number; slug: string }
}

/** An issue comment as the stand-in stores it. */
export interface CommentRecord {
  id: number
  issue: number
  body: string
  login: string
  type: 'User' | 'Bot'
  /** When it was written (ISO 8601): the payload's and the API's `created_at`. */
  createdAt: string
}

/** One request the App made (any route), for "nothing was written" assertions. */
export interface AppRequest {
  method: string
  path: string
  status: number
}

const ORDER: RepoRole[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin']

/** {@link GitDataApi} plus the App's routes. */
export class AppApi extends GitDataApi {
  /** The App's id and slug; its bot login is `<slug>[bot]`. */
  readonly appId = 4242
  readonly slug = 'gittrix-test'
  readonly checkRuns: CheckRunRecord[] = []
  readonly comments: CommentRecord[] = []
  readonly reactions: Array<{ commentId: number; content: string }> = []
  /** Repository roles by login (case-insensitive); anyone else is `none`. Logins in `notUsers` answer 404. */
  readonly roles = new Map<string, RepoRole>()
  readonly notUsers = new Set<string>()
  /** Every request, in order, with its answer's status. */
  readonly requests: AppRequest[] = []
  /** Files served by `GET /contents/{path}` instead of the repository (path → text, `null` = 404). */
  readonly contents = new Map<string, string | null>()
  private nextId = 100

  constructor(options: GitDataApiOptions = {}) {
    super(options)
  }

  /** `<slug>[bot]`. */
  get botLogin(): string {
    return `${this.slug}[bot]`
  }

  /** Adds a comment as `login` (a human by default), as if typed on GitHub now. Returns it. */
  addComment(issue: number, body: string, login = 'octocat', type: 'User' | 'Bot' = 'User'): CommentRecord {
    const comment = { id: this.nextId++, issue, body, login, type, createdAt: new Date().toISOString() }
    this.comments.push(comment)
    return comment
  }

  /** Requests that changed something (anything but GET), as `"METHOD /path"`. */
  writes(): string[] {
    return this.requests
      .filter((r) => r.method !== 'GET' && r.path !== '/graphql' && !r.path.startsWith('/app/installations/'))
      .map((r) => `${r.method} ${r.path}`)
  }

  /** The check runs on `headSha`, oldest first. */
  runsOn(headSha: string): CheckRunRecord[] {
    return this.checkRuns.filter((r) => r.head_sha === headSha)
  }

  override async handle(request: ApiRequest): Promise<ApiReply> {
    const path = request.path.split('?')[0]!
    const query = request.query ?? Object.fromEntries(new URLSearchParams(request.path.split('?')[1] ?? ''))
    const reply = this.appRoute(request.method.toUpperCase(), path, query, request.body, request.actor)
    const answer = reply ?? (await super.handle(request))
    this.requests.push({ method: request.method.toUpperCase(), path, status: answer.status })
    return answer
  }

  private appRoute(
    method: string,
    path: string,
    query: Record<string, string | string[] | undefined>,
    body: unknown,
    actor?: ApiRequest['actor'],
  ): ApiReply | undefined {
    const seg = path.split('/').slice(1).map(decode)
    if (method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return {
        status: 201,
        body: { token: 'ghs_stand_in', expires_at: '2099-01-01T00:00:00Z', permissions: {} },
      }
    }
    if (method === 'GET' && path === '/app') {
      const example = this.example('GET', '/app', 200) as Record<string, unknown>
      return { status: 200, body: { ...example, id: this.appId, slug: this.slug, name: 'Gittrix test' } }
    }
    if (seg[0] !== 'repos' || seg[1] !== this.owner || seg[2] !== this.repo) return undefined
    const rest = seg.slice(3)
    const key = `${method} ${rest[0] ?? ''}`
    if (key === 'GET contents' && rest.length >= 2) return this.content(rest.slice(1).join('/'), query.ref)
    if (key === 'POST check-runs' && rest.length === 1) return this.createCheckRun(body, actor)
    if (key === 'PATCH check-runs' && rest.length === 2)
      return this.updateCheckRun(Number(rest[1]), body, actor)
    if (key === 'GET commits' && rest.length === 3 && rest[2] === 'check-runs')
      return this.listCheckRuns(rest[1]!, query.check_name)
    if (rest[0] === 'issues' && rest[1] === 'comments' && rest.length >= 3) {
      const id = Number(rest[2])
      if (method === 'PATCH' && rest.length === 3) return this.updateComment(id, body)
      if (method === 'POST' && rest[3] === 'reactions') return this.react(id, body)
      return undefined
    }
    if (rest[0] === 'issues' && rest[2] === 'comments' && rest.length === 3) {
      const issue = Number(rest[1])
      if (method === 'GET') return this.listComments(issue, query)
      if (method === 'POST') return this.createComment(issue, body, actor)
    }
    if (key === 'GET collaborators' && rest[2] === 'permission') return this.permission(rest[1]!)
    if (key === 'GET pulls' && rest.length === 2) return this.getPull(Number(rest[1]))
    return undefined
  }

  private example(method: string, template: string, status: number): unknown {
    const api = loadGitHubOpenApi()
    return api.example(api.operation(method, template), status)
  }

  private notFound(): ApiReply {
    return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } }
  }

  private content(path: string, ref: unknown): ApiReply {
    if (this.contents.has(path)) {
      const text = this.contents.get(path)
      return text === null || text === undefined
        ? this.notFound()
        : {
            status: 200,
            body: text,
            headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
          }
    }
    const rev = typeof ref === 'string' ? ref : this.defaultBranch
    const file = this.head(rev) ? this.files(rev).get(path) : undefined
    if (!file) return this.notFound()
    return {
      status: 200,
      body: file.bytes.toString('utf8'),
      headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
    }
  }

  /**
   * Creates a check run as another GitHub App would (`app`, default GitHub Actions: a workflow with
   * `checks: write` can do this), bypassing the API. Returns it.
   */
  addForeignCheckRun(
    fields: Pick<CheckRunRecord, 'head_sha' | 'name' | 'external_id' | 'conclusion'> & {
      output?: Partial<CheckRunRecord['output']>
    },
    app: CheckRunRecord['app'] = { id: 15368, slug: 'github-actions' },
  ): CheckRunRecord {
    const run: CheckRunRecord = {
      id: this.nextId++,
      head_sha: fields.head_sha,
      name: fields.name,
      external_id: fields.external_id,
      status: fields.conclusion ? 'completed' : 'in_progress',
      conclusion: fields.conclusion,
      completed_at: fields.conclusion ? new Date().toISOString() : null,
      output: { title: null, summary: null, text: null, ...fields.output },
      actions: [],
      history: [],
      app,
    }
    this.checkRuns.push(run)
    return run
  }

  private checkRunJson(run: CheckRunRecord): unknown {
    const example = this.example('POST', '/repos/{owner}/{repo}/check-runs', 201) as Record<string, unknown>
    const app = example.app as Record<string, unknown>
    return {
      ...example,
      app: { ...app, id: run.app.id, slug: run.app.slug, name: run.app.slug },
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      name: run.name,
      external_id: run.external_id,
      status: run.status,
      conclusion: run.conclusion,
      completed_at: run.status === 'completed' ? run.completed_at : null,
      html_url: `https://github.com/${this.owner}/${this.repo}/runs/${run.id}`,
      url: `${this.baseUrl}/repos/${this.owner}/${this.repo}/check-runs/${run.id}`,
      output: { ...run.output, annotations_count: 0, annotations_url: 'https://api.github.com/x' },
      pull_requests: [],
    }
  }

  private applyRun(run: CheckRunRecord, body: Record<string, unknown>): void {
    run.history.push(body)
    if (typeof body.name === 'string') run.name = body.name
    if (typeof body.external_id === 'string') run.external_id = body.external_id
    if (typeof body.status === 'string') run.status = body.status as CheckRunRecord['status']
    if (typeof body.conclusion === 'string') {
      run.conclusion = body.conclusion
      run.status = 'completed'
      run.completed_at = typeof body.completed_at === 'string' ? body.completed_at : new Date().toISOString()
    } else if (body.status && body.status !== 'completed') {
      run.conclusion = null
      run.completed_at = null
    }
    const output = body.output as Record<string, string | undefined> | undefined
    if (output)
      run.output = { title: output.title ?? null, summary: output.summary ?? null, text: output.text ?? null }
    if (Array.isArray(body.actions)) run.actions = body.actions as CheckRunRecord['actions']
  }

  private createCheckRun(body: unknown, actor?: ApiRequest['actor']): ApiReply {
    const b = (body ?? {}) as Record<string, unknown>
    if (typeof b.head_sha !== 'string' || this.resolve(b.head_sha, '^{commit}') !== b.head_sha)
      return { status: 422, body: { message: 'No commit found for SHA', documentation_url: 'x' } }
    const run: CheckRunRecord = {
      id: this.nextId++,
      head_sha: b.head_sha,
      name: String(b.name),
      external_id: null,
      status: 'queued',
      conclusion: null,
      completed_at: null,
      output: { title: null, summary: null, text: null },
      actions: [],
      history: [],
      // A person's or workflow's token creates runs of another App than this one (GitHub Actions).
      app: actor ? { id: 15368, slug: 'github-actions' } : { id: this.appId, slug: this.slug },
    }
    this.applyRun(run, b)
    this.checkRuns.push(run)
    return { status: 201, body: this.checkRunJson(run) }
  }

  private updateCheckRun(id: number, body: unknown, actor?: ApiRequest['actor']): ApiReply {
    const run = this.checkRuns.find((r) => r.id === id)
    if (!run) return this.notFound()
    const caller = actor ? 'github-actions' : this.slug
    if (run.app.slug !== caller)
      return {
        status: 403,
        body: {
          message: `Invalid app_id \`${run.app.id}\` - check run can only be modified by the GitHub App that created it.`,
          documentation_url: 'https://docs.github.com/rest/checks/runs#update-a-check-run',
        },
      }
    this.applyRun(run, (body ?? {}) as Record<string, unknown>)
    return { status: 200, body: this.checkRunJson(run) }
  }

  private listCheckRuns(ref: string, checkName: unknown): ApiReply {
    const sha = this.resolve(ref, '^{commit}') ?? this.resolve(`refs/heads/${ref}`)
    const runs = this.checkRuns
      .filter((r) => r.head_sha === sha && (checkName === undefined || r.name === checkName))
      .reverse()
    return {
      status: 200,
      body: { total_count: runs.length, check_runs: runs.map((r) => this.checkRunJson(r)) },
    }
  }

  private commentJson(comment: CommentRecord): unknown {
    const example = this.example(
      'POST',
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      201,
    ) as Record<string, Record<string, unknown>>
    return {
      ...example,
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      created_at: comment.createdAt,
      updated_at: comment.createdAt,
      html_url: `https://github.com/${this.owner}/${this.repo}/issues/${comment.issue}#issuecomment-${comment.id}`,
      issue_url: `${this.baseUrl}/repos/${this.owner}/${this.repo}/issues/${comment.issue}`,
      user: { ...example.user, login: comment.login, type: comment.type },
      performed_via_github_app: null,
    }
  }

  private listComments(issue: number, query: Record<string, string | string[] | undefined>): ApiReply {
    const perPage = Number(query.per_page ?? 30)
    const page = Number(query.page ?? 1)
    const all = this.comments.filter((c) => c.issue === issue)
    const slice = all.slice((page - 1) * perPage, page * perPage)
    return { status: 200, body: slice.map((c) => this.commentJson(c)) }
  }

  private createComment(issue: number, body: unknown, actor?: ApiRequest['actor']): ApiReply {
    const text = (body as { body?: unknown } | undefined)?.body
    if (typeof text !== 'string') return { status: 422, body: { message: 'Validation Failed' } }
    const comment = this.addComment(issue, text, actor?.login ?? this.botLogin, actor?.type ?? 'Bot')
    return { status: 201, body: this.commentJson(comment) }
  }

  private updateComment(id: number, body: unknown): ApiReply {
    const comment = this.comments.find((c) => c.id === id)
    if (!comment) return this.notFound()
    if (comment.login !== this.botLogin)
      return {
        status: 403,
        body: { message: 'Must have admin rights to Repository.', documentation_url: 'x' },
      }
    comment.body = String((body as { body?: unknown } | undefined)?.body)
    return { status: 200, body: this.commentJson(comment) }
  }

  private react(commentId: number, body: unknown): ApiReply {
    if (!this.comments.some((c) => c.id === commentId)) return this.notFound()
    const content = String((body as { content?: unknown } | undefined)?.content)
    const existing = this.reactions.find((r) => r.commentId === commentId && r.content === content)
    const example = this.example(
      'POST',
      '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
      201,
    ) as Record<string, unknown>
    if (!existing) this.reactions.push({ commentId, content })
    return { status: existing ? 200 : 201, body: { ...example, content } }
  }

  private permission(login: string): ApiReply {
    if (this.notUsers.has(login.toLowerCase()))
      return { status: 404, body: { message: `${login} is not a user`, documentation_url: 'x' } }
    const role = this.roles.get(login.toLowerCase()) ?? 'none'
    const rank = ORDER.indexOf(role)
    const example = this.example(
      'GET',
      '/repos/{owner}/{repo}/collaborators/{username}/permission',
      200,
    ) as Record<string, Record<string, unknown>>
    const legacy = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role
    return {
      status: 200,
      body: {
        ...example,
        permission: legacy,
        role_name: role,
        user: {
          ...example.user,
          login,
          role_name: role,
          permissions: {
            admin: rank >= 5,
            maintain: rank >= 4,
            push: rank >= 3,
            triage: rank >= 2,
            pull: rank >= 1,
          },
        },
      },
    }
  }

  private getPull(number: number): ApiReply {
    const pull = this.pulls.find((p) => p.number === number)
    if (!pull) return this.notFound()
    const created = this.example('POST', '/repos/{owner}/{repo}/pulls', 201) as Record<
      string,
      Record<string, unknown>
    >
    const side = (branch: string) => ({
      ...created.head,
      label: `${this.owner}:${branch}`,
      ref: branch,
      sha: this.head(branch) ?? '0'.repeat(40),
    })
    return {
      status: 200,
      body: {
        ...created,
        requested_reviewers: [],
        requested_teams: [],
        number,
        state: pull.state,
        title: pull.title,
        body: pull.body,
        head: side(pull.head),
        base: side(pull.base),
      },
    }
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
