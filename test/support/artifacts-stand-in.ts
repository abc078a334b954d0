/**
 * A loopback stand-in for Cloudflare Artifacts: the documented REST control plane (current shape,
 * docs/platform-facts.md#rest-api: `/client/v4/accounts/:account/artifacts/namespaces/:ns/…`,
 * the v4 envelope, error codes of docs/platform-facts.md#errors-and-readiness) backed by REAL bare repositories on disk (one per Artifacts
 * repository), plus git smart HTTP served by `git http-backend` (spawned per request with
 * GIT_PROJECT_ROOT and GIT_HTTP_EXPORT_ALL) that checks the repo token on EVERY git request: Bearer
 * (recommended) or Basic with the token secret (#credentials-and-git there); anything else is 401.
 *
 * Behaviour copied from the docs: create/fork/import return `token` only (expiry in `?expires=`);
 * DELETE repo answers 202; follow-up calls on a repository still importing or forking answer 409 with
 * 10302/10303; token TTL 60…31,536,000 s (10103); names per #namespaces-and-limits there (10101); log is first-parent, newest
 * first, `[]` for an unknown ref; blob/file routes answer raw bytes, errors in the envelope.
 * Test hooks: {@link ArtifactsStandIn.expireTokens}, {@link ArtifactsStandIn.delayReadiness},
 * {@link ArtifactsStandIn.pendingReads} (202 while "becoming ready", the starter app's behaviour, #errors-and-readiness),
 * {@link ArtifactsStandIn.inject} (5xx, 429 + Retry-After, any status).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GIT_ENV } from './git-fixtures.ts'
import { serveGitHttp } from './git-http.ts'
import type { ArtifactsRepoInfo } from '../../src/adapters/artifacts/types.ts'

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/

/** One repository's control-plane record. */
interface RepoRecord extends ArtifactsRepoInfo {
  /** Until this time (ms) the repository is still importing/forking: REST answers 409. */
  busyUntil: number
  busy: 'importing' | 'forking' | null
}

interface TokenRecord {
  id: string
  repo: string
  plaintext: string
  scope: 'read' | 'write'
  state: 'active' | 'revoked'
  created_at: string
  expiresAt: number
}

/** One request the stand-in answered. */
export interface StandInRequest {
  kind: 'rest' | 'git'
  method: string
  path: string
  status: number
  /** For git: which credential came with it. */
  auth?: 'bearer' | 'basic' | 'none'
  /** The raw Authorization header (tests check it never leaks elsewhere). */
  authorization?: string
}

/** A fault to answer instead of the real route. */
export interface InjectedFault {
  method?: string
  /** Substring of the route path (after the namespace), e.g. `/tokens` or `/repos/x/log`. */
  path?: string
  status: number
  times?: number
  headers?: Record<string, string>
  errors?: { code: number; message: string }[]
  /** Body `result` (e.g. for 202). */
  result?: unknown
}

/** Options for {@link ArtifactsStandIn}. */
export interface ArtifactsStandInOptions {
  accountId?: string
  apiToken?: string
  /**
   * A second API token the control plane accepts too: the App's own, so a test can tell the Action's
   * Cloudflare credential from the App's (which lives on another machine in production).
   */
  appApiToken?: string
  namespace?: string
  /**
   * How the stand-in answers where Cloudflare's REST reference is silent (docs/artifacts.md#what-rests-on-the-documentation).
   * The default is the Workers binding's shapes (bare camelCase lists, Unix seconds), full and short
   * refs, and 404 for "not found"; each field picks another plausible answer so the adapters' contract
   * suites can prove they survive it.
   */
  variant?: ArtifactsStandInVariant
}

/** Undocumented behaviours of the Artifacts REST API the stand-in can vary (see {@link ArtifactsStandInOptions.variant}). */
export interface ArtifactsStandInVariant {
  /** Log and tree results: a bare list (default) or wrapped in an object (`{ commits }` / `{ entries }`). */
  bodies?: 'bare' | 'wrapped'
  /** Commit dates: Unix seconds (default), milliseconds, or ISO 8601 strings; `snake` also renames fields to snake_case. */
  timestamps?: 'seconds' | 'milliseconds' | 'iso'
  /** Field spelling of commit records: camelCase (default) or snake_case. */
  fields?: 'camel' | 'snake'
  /** Which `ref` forms the log route resolves: both (default) or only the documented short names. */
  refs?: 'both' | 'short-only'
  /** The HTTP status that carries Cloudflare's `NOT_FOUND` (10200); default 404. */
  notFoundStatus?: number
}

/** The stand-in. `start()` it, point an `ArtifactsClient` at {@link baseUrl}, `stop()` it. */
export class ArtifactsStandIn {
  readonly accountId: string
  readonly apiToken: string
  /** The App's API token, when one was given (see {@link ArtifactsStandInOptions.appApiToken}). */
  readonly appApiToken: string | null
  readonly namespace: string
  readonly variant: ArtifactsStandInVariant
  readonly root: string
  readonly requests: StandInRequest[] = []
  /** Every token minted (plaintext included) so tests can look for leaks. */
  readonly tokens = new Map<string, TokenRecord>()
  private readonly repos = new Map<string, RepoRecord>()
  private readonly faults: (InjectedFault & { left: number })[] = []
  private pending = 0
  /** A fork stays "forking" (REST 409, code 10303) this long after the fork call. */
  forkDelayMs = 0
  /** An import stays "importing" (REST 409, code 10302) this long after the import call. */
  importDelayMs = 0
  /** When true, every git request is refused with 401 whatever the token. */
  refuseGit = false
  /** Runs before each authorised git request is served (e.g. to move a branch mid-push: a lost race). */
  beforeGit: ((request: { repo: string; path: string; write: boolean }) => void) | undefined
  private server: Server | undefined
  private port = 0
  private nextId = 1

  constructor(options: ArtifactsStandInOptions = {}) {
    this.accountId = options.accountId ?? 'acct0123456789'
    this.apiToken = options.apiToken ?? `cf-api-${randomBytes(12).toString('hex')}`
    this.appApiToken = options.appApiToken ?? null
    this.namespace = options.namespace ?? 'default'
    this.variant = options.variant ?? {}
    this.root = mkdtempSync(join(tmpdir(), 'gittrix-artifacts-standin-'))
  }

  /** `http://127.0.0.1:<port>/client/v4`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/client/v4`
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(`stand-in error: ${(error as Error).stack}`)
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections()
      await new Promise<void>((resolve) => this.server!.close(() => resolve()))
    }
    rmSync(this.root, { recursive: true, force: true })
  }

  // ---- test hooks ----

  /** The bare repository behind `name`. */
  gitDir(name: string): string {
    return join(this.root, this.namespace, `${name}.git`)
  }

  hasRepo(name: string): boolean {
    return this.repos.has(name)
  }

  repoNames(): string[] {
    return [...this.repos.keys()]
  }

  /** Creates a repository directly (as if through the dashboard), empty, on `main`. */
  seedRepo(name: string): string {
    this.addRepo(name, { description: null, default_branch: 'main', read_only: false })
    return this.gitDir(name)
  }

  /** Expires every minted token now (as if their TTL ran out). */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = Date.now() - 1000
  }

  /** Marks `name` as still importing or forking for `ms`: REST calls on it answer 409 until then. */
  delayReadiness(name: string, busy: 'importing' | 'forking', ms: number): void {
    const record = this.repos.get(name)!
    record.busy = busy
    record.busyUntil = Date.now() + ms
  }

  /** The next `count` `GET /repos/:name` answer 202 `{status: "creating", retryAfter}` (#errors-and-readiness). */
  pendingReads(count: number): void {
    this.pending = count
  }

  /** Answers matching requests with a fault instead (`times` default 1). */
  inject(fault: InjectedFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 })
  }

  // ---- dispatch ----

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const gitPrefix = `/git/${this.namespace}/`
    if (url.pathname.startsWith(gitPrefix)) return this.git(req, res, url)
    const restPrefix = `/client/v4/accounts/${this.accountId}/artifacts/namespaces/${this.namespace}`
    const record = (status: number) =>
      this.requests.push({
        kind: 'rest',
        method: req.method!,
        path: url.pathname.slice(restPrefix.length) + url.search,
        status,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      })
    if (!url.pathname.startsWith(`${restPrefix}/`)) {
      record(404)
      return envelope(res, 404, null, [{ code: 10200, message: 'Not found' }])
    }
    const accepted = [this.apiToken, ...(this.appApiToken ? [this.appApiToken] : [])]
    if (!accepted.some((token) => req.headers.authorization === `Bearer ${token}`)) {
      record(401)
      return envelope(res, 401, null, [{ code: 10000, message: 'Authentication error' }])
    }
    const path = url.pathname.slice(restPrefix.length)
    const fault = this.faults.find(
      (f) => f.left > 0 && (!f.method || f.method === req.method) && (!f.path || path.includes(f.path)),
    )
    if (fault) {
      fault.left--
      record(fault.status)
      return envelope(
        res,
        fault.status,
        fault.result ?? null,
        fault.errors ?? (fault.status >= 400 ? [{ code: 10400, message: 'Injected failure' }] : []),
        fault.headers,
      )
    }
    const body = await readBody(req)
    const json = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}
    const reply = this.rest(req.method!, path, url.searchParams, json)
    record(reply.status)
    if (reply.raw) {
      res.writeHead(reply.status, { 'content-type': 'application/octet-stream' })
      res.end(reply.raw)
      return
    }
    envelope(res, reply.status, reply.result ?? null, reply.errors ?? [], reply.headers, reply.resultInfo)
  }

  private rest(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): {
    status: number
    result?: unknown
    errors?: { code: number; message: string }[]
    raw?: Buffer
    headers?: Record<string, string>
    resultInfo?: unknown
  } {
    const fail = (status: number, code: number, message: string) => ({
      status: code === 10200 ? (this.variant.notFoundStatus ?? status) : status,
      errors: [{ code, message }],
    })
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
    // POST /tokens, DELETE /tokens/:id
    if (segments[0] === 'tokens') {
      if (method === 'POST' && segments.length === 1) {
        const repo = this.repos.get(String(body.repo))
        if (!repo) return fail(404, 10200, 'Repository not found')
        if (repo.busy && repo.busyUntil > Date.now())
          return fail(409, repo.busy === 'importing' ? 10302 : 10303, `Repository is still ${repo.busy}`)
        const ttl = body.ttl === undefined ? 86_400 : Number(body.ttl)
        if (!Number.isInteger(ttl) || ttl < 60 || ttl > 31_536_000) return fail(400, 10103, 'Invalid TTL')
        const scope = (body.scope ?? 'write') as 'read' | 'write'
        if (scope !== 'read' && scope !== 'write') return fail(400, 10100, 'Invalid scope')
        const token = this.mint(repo.name, scope, ttl)
        return {
          status: 200,
          result: {
            id: token.id,
            plaintext: token.plaintext,
            scope,
            expires_at: new Date(token.expiresAt).toISOString(),
          },
        }
      }
      if (method === 'DELETE' && segments.length === 2) {
        const token = [...this.tokens.values()].find((t) => t.id === segments[1])
        if (!token) return fail(404, 10200, 'Token not found')
        token.state = 'revoked'
        return { status: 200, result: { id: token.id } }
      }
      return fail(404, 10200, 'Not found')
    }
    if (segments[0] !== 'repos') return fail(404, 10200, 'Not found')
    if (segments.length === 1) {
      if (method === 'POST') {
        const name = String(body.name ?? '')
        if (!NAME.test(name) || name.length > 63) return fail(400, 10101, 'Invalid repository name')
        if (this.repos.has(name)) return fail(409, 10201, 'Repository already exists')
        const record = this.addRepo(name, {
          description: (body.description as string | undefined) ?? null,
          default_branch: (body.default_branch as string | undefined) ?? 'main',
          read_only: Boolean(body.read_only),
        })
        return { status: 200, result: this.createResult(record) }
      }
      if (method === 'GET') {
        const limit = Number(query.get('limit') ?? 50)
        const search = query.get('search') ?? ''
        const all = [...this.repos.values()].filter((r) => r.name.includes(search))
        const start = Number(query.get('cursor') ?? 0)
        const page = all.slice(start, start + limit)
        const next = start + limit < all.length ? String(start + limit) : null
        return {
          status: 200,
          result: page.map((r) => this.withRemote(r)),
          resultInfo: { cursor: next, per_page: limit, count: page.length },
        }
      }
    }
    if (segments[2] === 'import' && method === 'POST' && !this.repos.has(segments[1] ?? '')) {
      const name = segments[1] ?? ''
      if (!NAME.test(name) || name.length > 63) return fail(400, 10101, 'Invalid repository name')
      const prefix = `http://127.0.0.1:${this.port}/git/${this.namespace}/`
      const url = String(body.url ?? '')
      const source = url.startsWith(prefix) ? url.slice(prefix.length).replace(/\.git$/, '') : ''
      if (!this.repos.has(source)) return fail(400, 10104, 'Source URL is not a valid git repo')
      execFileSync('git', ['clone', '--quiet', '--bare', this.gitDir(source), this.gitDir(name)], {
        env: gitEnv(),
      })
      execFileSync('git', [`--git-dir=${this.gitDir(name)}`, 'remote', 'remove', 'origin'], { env: gitEnv() })
      const record = this.addRepo(
        name,
        { description: null, default_branch: 'main', read_only: Boolean(body.read_only), source: url },
        false,
      )
      if (this.importDelayMs) this.delayReadiness(name, 'importing', this.importDelayMs)
      return { status: 200, result: this.createResult(record) }
    }
    const repo = this.repos.get(segments[1] ?? '')
    if (!repo) return fail(404, 10200, 'Repository not found')
    const action = segments[2]
    if (repo.busy && repo.busyUntil > Date.now() && action !== undefined) {
      return repo.busy === 'importing'
        ? fail(409, 10302, 'Repository is still importing; retry after a short delay')
        : fail(409, 10303, 'Repository is still forking; retry after a short delay')
    }
    if (repo.busy && repo.busyUntil > Date.now() && action === undefined && method === 'GET')
      return fail(409, repo.busy === 'importing' ? 10302 : 10303, `Repository is still ${repo.busy}`)
    const gitDir = this.gitDir(repo.name)
    if (action === undefined) {
      if (method === 'GET') {
        if (this.pending > 0) {
          this.pending--
          return { status: 202, result: { name: repo.name, status: 'creating', retryAfter: 0.02 } }
        }
        return { status: 200, result: this.withRemote(repo) }
      }
      if (method === 'DELETE') {
        this.repos.delete(repo.name)
        for (const token of this.tokens.values()) if (token.repo === repo.name) token.state = 'revoked'
        rmSync(gitDir, { recursive: true, force: true })
        return { status: 202, result: { id: repo.id } }
      }
    }
    if (action === 'import' && method === 'POST') {
      // `:name` is the target and must not exist yet; url is a remote of this stand-in (no network).
      return fail(409, 10201, 'Repository already exists')
    }
    if (action === 'fork' && method === 'POST') {
      const name = String(body.name ?? '')
      if (!NAME.test(name) || name.length > 63) return fail(400, 10101, 'Invalid repository name')
      if (this.repos.has(name)) return fail(409, 10201, 'Repository already exists')
      const target = this.gitDir(name)
      const args = ['clone', '--quiet', '--bare', '--no-tags']
      const hasDefault =
        gitTry(gitDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${repo.default_branch}`]).status === 0
      if (body.default_branch_only !== false && hasDefault)
        args.push('--single-branch', '--branch', repo.default_branch)
      execFileSync('git', [...args, gitDir, target], { env: gitEnv() })
      execFileSync('git', [`--git-dir=${target}`, 'remote', 'remove', 'origin'], { env: gitEnv() })
      const record = this.addRepo(
        name,
        {
          description: (body.description as string | undefined) ?? null,
          default_branch: repo.default_branch,
          read_only: Boolean(body.read_only),
          source: `artifacts:${this.namespace}/${repo.name}`,
        },
        false,
      )
      const objects = Number(
        execFileSync('git', [`--git-dir=${target}`, 'count-objects', '-v'], {
          env: gitEnv(),
          encoding: 'utf8',
        }).match(/in-pack: (\d+)/)?.[1] ?? 0,
      )
      if (this.forkDelayMs) this.delayReadiness(name, 'forking', this.forkDelayMs)
      return { status: 200, result: { ...this.createResult(record), objects } }
    }
    if (action === 'tokens' && method === 'GET') {
      const state = query.get('state') ?? 'active'
      const list = [...this.tokens.values()]
        .filter((t) => t.repo === repo.name)
        .map((t) => ({
          id: t.id,
          scope: t.scope,
          state: t.state === 'revoked' ? 'revoked' : t.expiresAt <= Date.now() ? 'expired' : 'active',
          created_at: t.created_at,
          expires_at: new Date(t.expiresAt).toISOString(),
        }))
        .filter((t) => state === 'all' || t.state === state)
      // Token lists page by number (per_page default 30, max 100).
      const perPage = Math.min(Number(query.get('per_page') ?? 30), 100)
      const page = Number(query.get('page') ?? 1)
      return {
        status: 200,
        result: list.slice((page - 1) * perPage, page * perPage),
        resultInfo: {
          page,
          per_page: perPage,
          total_pages: Math.max(1, Math.ceil(list.length / perPage)),
          count: Math.min(perPage, Math.max(0, list.length - (page - 1) * perPage)),
          total_count: list.length,
        },
      }
    }
    if (method !== 'GET') return fail(404, 10200, 'Not found')
    if (action === 'log') {
      const ref = query.get('ref') ?? repo.default_branch
      if (this.variant.refs === 'short-only' && ref.startsWith('refs/'))
        return fail(404, 10200, 'Ref not found')
      const limit = Number(query.get('limit') ?? 50)
      const offset = Number(query.get('offset') ?? 0)
      const resolved = gitTry(gitDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
      if (resolved.status !== 0) return { status: 200, result: [] }
      const out = gitTry(gitDir, [
        'log',
        '--first-parent',
        `--skip=${offset}`,
        `-n${limit}`,
        `--format=${COMMIT_FORMAT}`,
        resolved.stdout.trim(),
      ])
      const commits = parseCommits(out.stdout).map((c) => this.commitBody(c))
      return { status: 200, result: this.variant.bodies === 'wrapped' ? { commits } : commits }
    }
    const hash = segments[3] ?? ''
    if (action === 'commit') {
      if (gitTry(gitDir, ['cat-file', '-t', hash]).stdout.trim() !== 'commit')
        return fail(404, 10200, 'Commit not found')
      const out = gitTry(gitDir, ['log', '-1', `--format=${COMMIT_FORMAT}`, hash])
      return { status: 200, result: this.commitBody(parseCommits(out.stdout)[0]!) }
    }
    if (action === 'tree') {
      if (gitTry(gitDir, ['cat-file', '-t', hash]).stdout.trim() !== 'tree')
        return fail(404, 10200, 'Tree not found')
      const out = spawnSync('git', [`--git-dir=${gitDir}`, 'ls-tree', '-z', hash], { env: gitEnv() }).stdout
      const entries = out
        .toString('utf8')
        .split('\0')
        .filter(Boolean)
        .map((record) => {
          const tab = record.indexOf('\t')
          const [mode, type, oid] = record.slice(0, tab).split(' ')
          const kind =
            type === 'tree'
              ? 'tree'
              : type === 'commit'
                ? 'gitlink'
                : mode === '120000'
                  ? 'symlink'
                  : mode === '100755'
                    ? 'exec'
                    : 'blob'
          return {
            name: record.slice(tab + 1),
            mode: mode === '040000' ? '40000' : mode,
            hash: oid,
            type: kind,
          }
        })
      return { status: 200, result: this.variant.bodies === 'wrapped' ? { entries } : entries }
    }
    if (action === 'blob') {
      const out = spawnSync('git', [`--git-dir=${gitDir}`, 'cat-file', 'blob', hash], { env: gitEnv() })
      if (out.status !== 0) return fail(404, 10200, 'Blob not found')
      return { status: 200, raw: out.stdout }
    }
    if (action === 'file' || action === 'raw') {
      const ref = action === 'file' ? (query.get('ref') ?? '') : (segments[3] ?? '')
      const file = action === 'file' ? (query.get('path') ?? '') : segments.slice(4).join('/')
      const type = gitTry(gitDir, ['cat-file', '-t', `${ref}:${file}`]).stdout.trim()
      if (type !== 'blob') return fail(404, 10200, 'File not found')
      const out = spawnSync('git', [`--git-dir=${gitDir}`, 'cat-file', 'blob', `${ref}:${file}`], {
        env: gitEnv(),
      })
      return { status: 200, raw: out.stdout }
    }
    return fail(404, 10200, 'Not found')
  }

  /** One commit record in this stand-in's {@link ArtifactsStandInVariant} spelling and date form. */
  private commitBody(commit: ParsedCommit): Record<string, unknown> {
    const date = (seconds: number) =>
      this.variant.timestamps === 'milliseconds'
        ? seconds * 1000
        : this.variant.timestamps === 'iso'
          ? new Date(seconds * 1000).toISOString()
          : seconds
    const { treeHash, authoredAt, committedAt, ...rest } = commit
    return this.variant.fields === 'snake'
      ? { ...rest, tree_hash: treeHash, authored_at: date(authoredAt), committed_at: date(committedAt) }
      : { ...rest, treeHash, authoredAt: date(authoredAt), committedAt: date(committedAt) }
  }

  // ---- git smart HTTP ----

  private async git(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice(`/git/${this.namespace}/`.length)
    const name = rest.slice(0, rest.indexOf('.git/'))
    const header = req.headers.authorization ?? ''
    const auth: StandInRequest['auth'] = /^Bearer /i.test(header)
      ? 'bearer'
      : /^Basic /i.test(header)
        ? 'basic'
        : 'none'
    const write =
      url.searchParams.get('service') === 'git-receive-pack' || url.pathname.endsWith('/git-receive-pack')
    const token = this.tokenFrom(header)
    const log = (status: number) =>
      this.requests.push({
        kind: 'git',
        method: req.method!,
        path: url.pathname + url.search,
        status,
        auth,
        ...(header ? { authorization: header } : {}),
      })
    const valid =
      !this.refuseGit &&
      token &&
      token.repo === name &&
      token.state === 'active' &&
      token.expiresAt > Date.now() &&
      (!write || token.scope === 'write')
    if (!this.repos.has(name)) {
      log(404)
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('repository not found\n')
      return
    }
    if (!valid) {
      log(401)
      res.writeHead(401, { 'www-authenticate': 'Basic realm="artifacts"', 'content-type': 'text/plain' })
      res.end('a valid repo token is required\n')
      return
    }
    this.beforeGit?.({ repo: name, path: url.pathname + url.search, write })
    await serveGitHttp(req, res, {
      url,
      projectRoot: join(this.root, this.namespace),
      pathInfo: `/${rest}`,
      remoteUser: 'artifacts-token',
      record: (status) => {
        if (write && req.method === 'POST' && status === 200) {
          this.repos.get(name)!.last_push_at = new Date().toISOString()
        }
        log(status)
      },
    })
  }

  // ---- helpers ----

  private tokenFrom(header: string): TokenRecord | undefined {
    if (/^Bearer /i.test(header)) return this.tokens.get(header.slice(7).trim())
    if (/^Basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
      const secret = decoded.slice(decoded.indexOf(':') + 1)
      return [...this.tokens.values()].find((t) => t.plaintext.split('?')[0] === secret)
    }
    return undefined
  }

  private mint(repo: string, scope: 'read' | 'write', ttl: number): TokenRecord {
    const expiresAt = Date.now() + ttl * 1000
    const plaintext = `art_v1_${randomBytes(20).toString('hex')}?expires=${Math.floor(expiresAt / 1000)}`
    const token: TokenRecord = {
      id: randomBytes(8).toString('hex'),
      repo,
      plaintext,
      scope,
      state: 'active',
      created_at: new Date().toISOString(),
      expiresAt,
    }
    this.tokens.set(plaintext, token)
    return token
  }

  private addRepo(
    name: string,
    init: { description: string | null; default_branch: string; read_only: boolean; source?: string },
    initGit = true,
  ): RepoRecord {
    const gitDir = this.gitDir(name)
    if (initGit) {
      mkdirSync(gitDir, { recursive: true })
      execFileSync('git', ['init', '--quiet', '--bare', `--initial-branch=${init.default_branch}`, gitDir], {
        env: gitEnv(),
      })
    }
    const now = new Date().toISOString()
    const record: RepoRecord = {
      id: `repo_${this.nextId++}`,
      name,
      description: init.description,
      default_branch: init.default_branch,
      created_at: now,
      updated_at: now,
      last_push_at: null,
      source: init.source ?? null,
      read_only: init.read_only,
      busy: null,
      busyUntil: 0,
    }
    this.repos.set(name, record)
    return record
  }

  private remote(name: string): string {
    return `http://127.0.0.1:${this.port}/git/${this.namespace}/${name}.git`
  }

  private withRemote(record: RepoRecord): Record<string, unknown> {
    const { busy: _busy, busyUntil: _until, ...info } = record
    return { ...info, remote: this.remote(record.name) }
  }

  private createResult(record: RepoRecord): Record<string, unknown> {
    return {
      id: record.id,
      name: record.name,
      description: record.description,
      default_branch: record.default_branch,
      remote: this.remote(record.name),
      token: this.mint(record.name, 'write', 86_400).plaintext,
    }
  }
}

const COMMIT_FORMAT = '%H%x00%T%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00%at%x00%ct%x00%B%x1e'

interface ParsedCommit {
  hash: string
  treeHash: string
  parents: string[]
  author: { name: string; email: string }
  committer: { name: string; email: string }
  authoredAt: number
  committedAt: number
  message: string
}

function parseCommits(text: string): ParsedCommit[] {
  return text
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.includes('\0'))
    .map((record) => {
      const [hash, treeHash, parents, an, ae, cn, ce, at, ct, message] = record.split('\0') as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
      return {
        hash,
        treeHash,
        parents: parents ? parents.split(' ') : [],
        author: { name: an, email: ae },
        committer: { name: cn, email: ce },
        authoredAt: Number(at),
        committedAt: Number(ct),
        message,
      }
    })
}

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV }
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY']) delete env[name]
  return env
}

function gitTry(gitDir: string, args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync('git', [`--git-dir=${gitDir}`, ...args], { env: gitEnv(), encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function envelope(
  res: ServerResponse,
  status: number,
  result: unknown,
  errors: { code: number; message: string }[],
  headers: Record<string, string> = {},
  resultInfo?: unknown,
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(
    JSON.stringify({
      result,
      success: status < 400,
      errors,
      messages: [],
      ...(resultInfo ? { result_info: resultInfo } : {}),
    }),
  )
}
