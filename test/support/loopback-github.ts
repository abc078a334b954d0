/**
 * The loopback GitHub: one HTTP server on 127.0.0.1 that is GitHub (Enterprise Server style, API under
 * `/api/v3`) for one repository, for the end-to-end tests (docs/architecture.md#testing):
 *
 * - REST: exactly the routes the project uses, answered by the App stand-in (app-api.ts: Git Data API
 *   through git plumbing on the bare repository, check runs, comments, reactions, pulls, permissions,
 *   contents) plus `POST /app/installations/{id}/access_tokens`, every request and answer checked
 *   against GitHub's OpenAPI description (openapi-validate.ts). Callers are authenticated as GitHub
 *   does (github-auth.ts): the App's JWT for `/app…`, installation tokens it minted, the workflow
 *   token, people's tokens. Anything else is `401 Bad credentials`.
 * - git smart HTTP for `<owner>/<repo>.git` (git-http.ts), `Basic x-access-token:<token>` required;
 *   pushing needs the workflow token or a person with write access.
 * - Webhooks (webhook-sender.ts), HMAC-signed, to the App: `push` (and `delete` for a deleted branch)
 *   for every branch a git push or a REST write moved, `issue_comment.created` for every comment,
 *   `pull_request.opened` for a pull request, and `check_run.requested_action` when a test clicks a
 *   button ({@link LoopbackGitHub.click}).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppApi, type CommentRecord, type RepoRole } from './app-api.ts'
import type { ApiReply, FileSpec } from './git-data-api.ts'
import { type Caller, GitHubAuth } from './github-auth.ts'
import { basicToken, gitAuthArgs, normalizeScheme, serveGitHttp } from './git-http.ts'
import { type ApiHandler, validatedAnswer } from './openapi-validate.ts'
import {
  deletePayload,
  buttonPayload,
  examplePayload,
  type Payload,
  type PayloadRepo,
  pushPayload,
  repositoryPayload,
  userPayload,
} from './webhook-payloads.ts'
import { type Delivery, WebhookSender } from './webhook-sender.ts'

const ZERO = '0'.repeat(40)
const ROLE_ORDER: RepoRole[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin']

/** Options of {@link startLoopbackGitHub}. */
export interface LoopbackGitHubOptions {
  owner: string
  repo: string
  /** The files of the first commit on `main`. */
  files: Record<string, FileSpec>
  /** People, their repository roles and personal tokens. */
  people: Record<string, { role: RepoRole; token: string }>
  /** The workflow's `GITHUB_TOKEN` (login `github-actions[bot]`, may push). */
  workflowToken: string
  /**
   * A `GITHUB_TOKEN` of a job with `permissions: contents: read` (login `github-actions[bot]`): it may
   * fetch, and any push with it is refused with 403, as GitHub refuses it.
   */
  readOnlyToken?: string
  /** The App's public key (PEM), to check its JWTs. */
  appPublicKey: string
  webhookSecret: string
  installationId?: number
  /** GitHub's numeric id of the repository (default: one the stand-in picks, unique per process). */
  repositoryId?: number
}

/** One request as it arrived on the wire (REST or git), with every Authorization header sent. */
export interface WireRequest {
  method: string
  /** The URL's path, without the query. */
  path: string
  /** Every Authorization header value sent, scheme lower-cased (a duplicated header shows up twice). */
  authorization: string[]
  status: number
}

/** A running loopback GitHub; see the module comment. */
export class LoopbackGitHub {
  readonly api: AppApi
  readonly auth: GitHubAuth
  readonly webhooks: WebhookSender
  /** Requests or answers that did not fit GitHub's OpenAPI description, and server errors. */
  readonly violations: string[] = []
  /** Every REST request as `METHOD /path status` with who made it. */
  readonly requests: Array<{ method: string; path: string; status: number; caller: string; at: number }> = []
  /** Every request, REST and git, in the order the answers finished. */
  readonly wire: WireRequest[] = []
  readonly serverUrl: string
  readonly gitDir: string
  private readonly server: Server
  private readonly projectRoot: string
  private readonly options: LoopbackGitHubOptions
  private refs: Map<string, string>

  private constructor(init: {
    server: Server
    serverUrl: string
    projectRoot: string
    gitDir: string
    api: AppApi
    options: LoopbackGitHubOptions
  }) {
    this.server = init.server
    this.serverUrl = init.serverUrl
    this.projectRoot = init.projectRoot
    this.gitDir = init.gitDir
    this.api = init.api
    this.options = init.options
    this.auth = new GitHubAuth({
      appId: init.api.appId,
      installationId: init.options.installationId ?? 4711,
      publicKey: init.options.appPublicKey,
    })
    this.auth.addToken(init.options.workflowToken, 'github-actions[bot]', 'Bot')
    if (init.options.readOnlyToken)
      this.auth.addToken(init.options.readOnlyToken, 'github-actions[bot]', 'Bot')
    for (const [login, person] of Object.entries(init.options.people)) {
      this.auth.addToken(person.token, login)
      this.api.roles.set(login.toLowerCase(), person.role)
    }
    this.webhooks = new WebhookSender(init.options.webhookSecret)
    this.refs = this.readRefs()
  }

  /** Starts the server with a bare repository whose `main` holds `options.files`. */
  static async start(options: LoopbackGitHubOptions): Promise<LoopbackGitHub> {
    const projectRoot = mkdtempSync(join(tmpdir(), 'gittrix-loopback-'))
    const gitDir = join(projectRoot, options.owner, `${options.repo}.git`)
    mkdirSync(gitDir, { recursive: true })
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', gitDir])
    execFileSync('git', ['--git-dir', gitDir, 'config', 'http.receivepack', 'true'])
    const late: { github?: LoopbackGitHub } = {}
    const server = createServer((req, res) => {
      void late.github!.serve(req, res).catch((error: unknown) => {
        late.github!.violations.push(`loopback GitHub crashed on ${req.method} ${req.url}: ${String(error)}`)
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const api = new AppApi({
      owner: options.owner,
      repo: options.repo,
      gitDir,
      baseUrl: `${serverUrl}/api/v3`,
      ...(options.repositoryId !== undefined ? { repoId: options.repositoryId } : {}),
    })
    api.commit('main', options.files, { message: 'initial\n' })
    const github = new LoopbackGitHub({ server, serverUrl, projectRoot, gitDir, api, options })
    late.github = github
    return github
  }

  /** `GITHUB_API_URL`. */
  get apiUrl(): string {
    return `${this.serverUrl}/api/v3`
  }

  /** The repository's clone URL. */
  get repoUrl(): string {
    return `${this.serverUrl}/${this.options.owner}/${this.options.repo}.git`
  }

  /** The workflow's `GITHUB_TOKEN`. */
  get workflowToken(): string {
    return this.options.workflowToken
  }

  /** The `contents: read` job token (see {@link LoopbackGitHubOptions.readOnlyToken}). */
  get readOnlyToken(): string {
    if (!this.options.readOnlyToken)
      throw new Error('this loopback GitHub was started without a readOnlyToken')
    return this.options.readOnlyToken
  }

  /** Pushes refused because they came with the read-only token. */
  refusedPushes = 0

  /** Every ref of the repository and its object id, as git sees them now. */
  allRefs(): Map<string, string> {
    const out = this.git('for-each-ref', '--format=%(refname) %(objectname)')
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]),
    )
  }

  /** `GHE_HOST` for the App (`host:port`). */
  get host(): string {
    return new URL(this.serverUrl).host
  }

  /** The installation every payload names. */
  get installationId(): number {
    return this.auth.installationId
  }

  /** `-c http.extraheader=…` arguments that authenticate a git command as `login` (or the workflow). */
  gitAuth(login?: string): string[] {
    const token = login ? this.options.people[login]!.token : this.options.workflowToken
    return gitAuthArgs(this.serverUrl, token)
  }

  /** Runs git on the bare repository. */
  git(...args: string[]): string {
    return execFileSync('git', ['--git-dir', this.gitDir, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
    }).trim()
  }

  /** The head of `branch`, or null. */
  head(branch: string): string | null {
    return this.refs.get(`refs/heads/${branch}`) ?? null
  }

  /** Every delivery so far. */
  get deliveries(): readonly Delivery[] {
    return this.webhooks.deliveries
  }

  /** Resolves once every webhook sent so far (and any sent meanwhile) was answered by the App. */
  settle(): Promise<void> {
    return this.webhooks.settle()
  }

  /**
   * `login` writes `body` on issue or pull request `issue` through the REST API with their own token
   * (checked against GitHub's description like every request); GitHub then delivers
   * `issue_comment.created`. Resolves the comment's id.
   */
  async comment(login: string, issue: number, body: string): Promise<number> {
    const res = await fetch(
      `${this.apiUrl}/repos/${this.options.owner}/${this.options.repo}/issues/${issue}/comments`,
      {
        method: 'POST',
        headers: {
          authorization: `token ${this.options.people[login]!.token}`,
          'content-type': 'application/json',
          accept: 'application/vnd.github+json',
        },
        body: JSON.stringify({ body }),
      },
    )
    const json = (await res.json()) as { id: number; message?: string }
    if (res.status !== 201) throw new Error(`comment by ${login}: ${res.status} ${json.message}`)
    return json.id
  }

  /** `login` clicks the button `identifier` on check run `runId`: `check_run.requested_action`. */
  click(runId: number, identifier: string, login: string): Delivery {
    const run = this.api.checkRuns.find((r) => r.id === runId)
    if (!run) throw new Error(`no check run ${runId}`)
    const payload = buttonPayload(
      this.where(),
      { run, identifier, sender: userPayload(login), installationId: this.installationId },
      { id: this.api.appId, slug: this.api.slug },
    )
    return this.webhooks.send('check_run', payload)
  }

  /** Deliveries of `event` (and `action`), oldest first. */
  deliveriesOf(event: string, action?: string): Delivery[] {
    return this.deliveries.filter((d) => d.event === event && (action === undefined || d.action === action))
  }

  /** Stops the server and removes the repository. */
  async close(): Promise<void> {
    await this.settle()
    this.server.closeAllConnections()
    await new Promise<void>((done) => this.server.close(() => done()))
    rmSync(this.projectRoot, { recursive: true, force: true })
  }

  // ---------------------------------------------------------------- serving

  private where(): PayloadRepo {
    return { owner: this.options.owner, repo: this.options.repo, id: this.api.repoId, webUrl: this.serverUrl }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.serverUrl)
    const authorization = (req.headersDistinct.authorization ?? []).map(normalizeScheme)
    res.on('finish', () =>
      this.wire.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        authorization,
        status: res.statusCode,
      }),
    )
    if (url.pathname.startsWith('/api/v3/') || url.pathname === '/api/graphql')
      return this.serveApi(req, res, url)
    const repoPath = `/${this.options.owner}/${this.options.repo}.git/`
    if (!url.pathname.startsWith(repoPath)) {
      res.writeHead(404).end('not found\n')
      return
    }
    const headers = req.headersDistinct.authorization ?? []
    const token = headers.length === 1 ? basicToken(normalizeScheme(headers[0]!)) : null
    const caller = token ? this.auth.identifyToken(token) : null
    const pushing =
      url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack'
    if (!caller || caller.kind !== 'token' || (pushing && !this.mayPush(caller.login))) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"' }).end('unauthorized\n')
      return
    }
    if (pushing && token === this.options.readOnlyToken) {
      this.refusedPushes += 1
      res.writeHead(403).end('Permission to the repository denied to github-actions[bot] (contents: read).\n')
      return
    }
    await serveGitHttp(req, res, { url, projectRoot: this.projectRoot })
    if (req.method === 'POST' && url.pathname.endsWith('/git-receive-pack'))
      this.emitRefChanges(userPayload(caller.login, caller.type))
  }

  private mayPush(login: string): boolean {
    if (login === 'github-actions[bot]') return true
    const role = this.options.people[login]?.role ?? 'none'
    return ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf('write')
  }

  private async serveApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const method = req.method ?? 'GET'
    // GHES serves GraphQL at /api/graphql beside the REST root /api/v3.
    const path = url.pathname === '/api/graphql' ? '/graphql' : url.pathname.slice('/api/v3'.length)
    const query: Record<string, string> = Object.fromEntries(url.searchParams)
    const caller = this.auth.identify(req.headers.authorization)
    const send = (reply: ApiReply) => {
      this.requests.push({ method, path, status: reply.status, caller: describe(caller), at: Date.now() })
      const raw = reply.headers?.['content-type'] && !/json/i.test(reply.headers['content-type'])
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) })
      res.end(reply.body === undefined ? '' : raw ? String(reply.body) : JSON.stringify(reply.body))
    }
    const appRoute = path === '/app' || path.startsWith('/app/')
    if (!caller || (appRoute ? caller.kind !== 'app' : caller.kind === 'app')) {
      send({
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      })
      return
    }
    const body = text ? (JSON.parse(text) as unknown) : undefined
    const actor = caller.kind === 'token' ? { login: caller.login, type: caller.type } : undefined
    const handler: ApiHandler = {
      handle: async (request) =>
        this.mintRoute(request.method, request.path) ??
        this.api.handle({ ...request, ...(actor ? { actor } : {}) }),
    }
    const reply = await validatedAnswer(
      handler,
      { method, path, query, body },
      this.violations,
      'loopback GitHub',
    )
    send(reply)
    if (method !== 'GET' && path !== '/graphql' && reply.status < 300)
      this.afterWrite(method, path, reply, caller)
  }

  /** `POST /app/installations/{id}/access_tokens`: a fresh installation token for our installation. */
  private mintRoute(method: string, path: string): ApiReply | undefined {
    const match = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)
    if (method !== 'POST' || !match) return undefined
    if (Number(match[1]) !== this.installationId)
      return {
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
      }
    const { token, expiresAt } = this.auth.mintInstallationToken()
    return {
      status: 201,
      body: {
        token,
        expires_at: expiresAt,
        permissions: {
          contents: 'write',
          checks: 'write',
          pull_requests: 'write',
          issues: 'write',
          metadata: 'read',
        },
        repository_selection: 'all',
      },
    }
  }

  // ---------------------------------------------------------------- webhooks

  private sender(caller: Caller | null): Payload {
    if (caller?.kind === 'token') return userPayload(caller.login, caller.type)
    return userPayload(this.api.botLogin, 'Bot')
  }

  private afterWrite(method: string, path: string, reply: ApiReply, caller: Caller | null): void {
    this.emitRefChanges(this.sender(caller))
    const repoPrefix = `/repos/${this.options.owner}/${this.options.repo}`
    if (method === 'POST' && new RegExp(`^${repoPrefix}/issues/\\d+/comments$`).test(path)) {
      const issue = Number(path.split('/')[5])
      const record = this.api.comments.find((c) => c.id === (reply.body as { id: number }).id)!
      this.emitComment(issue, record)
    }
    if (method === 'POST' && path === `${repoPrefix}/pulls`) {
      const number = (reply.body as { number: number }).number
      this.emitPullRequest(number, 'opened')
    }
  }

  private readRefs(): Map<string, string> {
    const out = this.git('for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads')
    const refs = new Map<string, string>()
    for (const line of out.split('\n').filter(Boolean)) {
      const [sha, ref] = line.split(' ') as [string, string]
      refs.set(ref, sha)
    }
    return refs
  }

  /** Compares the branches with the last snapshot and sends `push` (and `delete`) for each change. */
  private emitRefChanges(sender: Payload): void {
    const before = this.refs
    const after = this.readRefs()
    this.refs = after
    const names = new Set([...before.keys(), ...after.keys()])
    for (const ref of [...names].sort()) {
      const old = before.get(ref) ?? ZERO
      const now = after.get(ref) ?? ZERO
      if (old === now) continue
      this.webhooks.send(
        'push',
        pushPayload(this.where(), {
          ref,
          before: old,
          after: now,
          sender,
          installationId: this.installationId,
        }),
      )
      if (now === ZERO) {
        this.webhooks.send(
          'delete',
          deletePayload(this.where(), ref.slice('refs/heads/'.length), sender, this.installationId),
        )
      }
    }
  }

  private emitComment(issue: number, record: CommentRecord): void {
    const example = examplePayload('issue_comment', 'created')
    const pull = this.api.pulls.find((p) => p.number === issue)
    const user = userPayload(record.login, record.type)
    this.webhooks.send('issue_comment', {
      ...example,
      issue: {
        ...example.issue,
        number: issue,
        ...(pull
          ? {
              pull_request: {
                url: `${this.apiUrl}/repos/${this.options.owner}/${this.options.repo}/pulls/${issue}`,
                html_url: `${this.serverUrl}/${this.options.owner}/${this.options.repo}/pull/${issue}`,
                diff_url: `${this.serverUrl}/${this.options.owner}/${this.options.repo}/pull/${issue}.diff`,
                patch_url: `${this.serverUrl}/${this.options.owner}/${this.options.repo}/pull/${issue}.patch`,
                merged_at: null,
              },
            }
          : {}),
      },
      comment: {
        ...example.comment,
        id: record.id,
        body: record.body,
        user,
        created_at: record.createdAt,
        updated_at: record.createdAt,
      },
      repository: repositoryPayload(this.where()),
      installation: { id: this.installationId, node_id: 'I' },
      sender: user,
    })
  }

  private emitPullRequest(number: number, action: 'opened' | 'closed'): void {
    const example = examplePayload('pull_request', action)
    const pull = this.api.pulls.find((p) => p.number === number)!
    const repository = repositoryPayload(this.where())
    this.webhooks.send('pull_request', {
      ...example,
      action,
      number,
      pull_request: {
        ...example.pull_request,
        number,
        state: pull.state,
        title: pull.title,
        merged: false,
        head: {
          ...example.pull_request.head,
          ref: pull.head,
          sha: this.head(pull.head) ?? ZERO,
          repo: repository,
        },
        base: {
          ...example.pull_request.base,
          ref: pull.base,
          sha: this.head(pull.base) ?? ZERO,
          repo: repository,
        },
      },
      repository,
      installation: { id: this.installationId, node_id: 'I' },
      sender: userPayload(this.api.botLogin, 'Bot'),
    })
  }
}

function describe(caller: Caller | null): string {
  if (!caller) return 'anonymous'
  if (caller.kind === 'token') return caller.login
  return caller.kind
}

/** Starts a {@link LoopbackGitHub}. */
export function startLoopbackGitHub(options: LoopbackGitHubOptions): Promise<LoopbackGitHub> {
  return LoopbackGitHub.start(options)
}
