/**
 * ArtifactsClient: the Cloudflare Artifacts REST control plane (current shape).
 *
 * Sources: https://developers.cloudflare.com/artifacts/api/rest-api/ (base URL,
 * v4 envelope, routes 4–18), https://developers.cloudflare.com/artifacts/api/errors/ (codes),
 * https://developers.cloudflare.com/artifacts/guides/import-repositories/ (409 while importing: "retry
 * after a short delay"), https://developers.cloudflare.com/artifacts/platform/limits/ (2,000 requests /
 * 10 s per namespace), https://developers.cloudflare.com/artifacts/guides/authentication/ (Bearer API
 * token; Read for read routes, Edit for the rest).
 *
 * Every request carries `Authorization: Bearer <API token>`; the token is registered with `redact` so
 * no error or log line can show it. Repository names are validated before any request.
 */
import { GittrixError, InvalidArgumentError } from '../../core/errors.ts'
import { redact, registerSecret } from '../../git/redact.ts'
import { remoteUrlProblem } from '../../git/remote-url.ts'
import {
  type ArtifactsApiErrorDetail,
  ArtifactsApiError,
  classifyStatus,
  isInProgressConflict,
  isNotFound,
} from './errors.ts'
import { validateArtifactsName } from './names.ts'
import { toCommit, toCommitList, toTreeEntries } from './normalize.ts'
import {
  type BackoffOptions,
  backoffDelay,
  CONTROL_PLANE_RATE,
  DEFAULT_BACKOFF,
  retryAfterMs,
  SlidingWindowLimiter,
  sleep,
} from './pacing.ts'
import type {
  ArtifactsCommit,
  ArtifactsCreateRepoResult,
  ArtifactsMintedToken,
  ArtifactsRepo,
  ArtifactsTokenInfo,
  ArtifactsTreeEntry,
  TokenScope,
} from './types.ts'

/** The public API root (docs/platform-facts.md#rest-api). */
export const CLOUDFLARE_API_BASE = 'https://api.cloudflare.com/client/v4'

/** Token TTL bounds: "min 60, max 31,536,000, default 86,400" seconds (route 17 and INVALID_TTL, docs/platform-facts.md#rest-api). */
export const TOKEN_TTL_BOUNDS = { min: 60, max: 31_536_000 } as const

/** Options for {@link ArtifactsClient}. */
export interface ArtifactsClientOptions {
  /** Cloudflare account id. */
  accountId: string
  /** A Cloudflare API token with Artifacts Read (reads) and Edit (writes, tokens). */
  apiToken: string
  /** The Artifacts namespace every repository lives in (same naming rules as repositories). */
  namespace: string
  /** API root; default `https://api.cloudflare.com/client/v4`. */
  baseUrl?: string
  /** `fetch` to use; default the global one. */
  fetch?: typeof fetch
  /** How long to wait out readiness (202, 409 in progress) and 429s for one call. Default 120 000 ms. */
  readinessTimeoutMs?: number
  /** Backoff between retries. Default 250 ms doubling to 5 s. */
  backoff?: BackoffOptions
  /** Attempts for a 5xx or network failure of an idempotent call. Default 3. */
  maxAttempts?: number
  /** Per-request timeout. Default 30 000 ms. */
  requestTimeoutMs?: number
  /** Client-side pacing; default the documented 2,000 requests / 10 s per namespace. */
  rateLimit?: { requests: number; windowMs: number }
  /** Receives one redacted line per request, retry and git transport call. Never sees a token. */
  log?: (line: string) => void
  /** Clock (ms), for tests. */
  now?: () => number
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  /** Success answers raw bytes (blob, file, raw routes). */
  binary?: boolean
  /** Resolve `null` on 404 instead of throwing. */
  nullOn404?: boolean
  /** Account-scoped route (outside the namespace). */
  accountScoped?: boolean
}

interface Envelope {
  success?: boolean
  result?: unknown
  errors?: ArtifactsApiErrorDetail[]
}

const IDEMPOTENT = new Set(['GET', 'DELETE', 'HEAD'])

/** One Artifacts namespace through the REST control plane. */
export class ArtifactsClient {
  readonly accountId: string
  readonly namespace: string
  readonly baseUrl: string
  private readonly apiToken: string
  private readonly fetchImpl: typeof fetch
  private readonly readinessTimeoutMs: number
  private readonly backoff: BackoffOptions
  private readonly maxAttempts: number
  private readonly requestTimeoutMs: number
  private readonly limiter: SlidingWindowLimiter
  private readonly logFn: ((line: string) => void) | undefined
  readonly now: () => number

  constructor(options: ArtifactsClientOptions) {
    if (!options?.accountId || !/^[A-Za-z0-9_-]+$/.test(options.accountId))
      throw new InvalidArgumentError('ArtifactsClient needs { accountId }: the Cloudflare account id.')
    if (!options.apiToken)
      throw new InvalidArgumentError(
        'ArtifactsClient needs { apiToken }: a Cloudflare API token with Artifacts permissions.',
      )
    validateArtifactsName(options.namespace, 'namespace')
    registerSecret(options.apiToken)
    this.accountId = options.accountId
    this.namespace = options.namespace
    this.apiToken = options.apiToken
    this.baseUrl = (options.baseUrl ?? CLOUDFLARE_API_BASE).replace(/\/+$/, '')
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
    this.readinessTimeoutMs = options.readinessTimeoutMs ?? 120_000
    this.backoff = options.backoff ?? DEFAULT_BACKOFF
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3)
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.now = options.now ?? Date.now
    this.limiter = new SlidingWindowLimiter(options.rateLimit ?? CONTROL_PLANE_RATE, this.now)
    this.logFn = options.log
  }

  /** Writes one redacted line to the configured log. */
  note(line: string): void {
    this.logFn?.(redact(line))
  }

  /** `artifacts://<account>/<namespace>/<repo>`: a stable URI for one repository of this namespace. */
  repoUri(name: string): string {
    return `artifacts://${this.accountId}/${this.namespace}/${name}`
  }

  // ---- repositories (routes 4–9) ----

  /** `POST /repos` (route 4). The returned token (write scope) is registered for redaction. */
  async createRepo(input: {
    name: string
    description?: string
    default_branch?: string
    read_only?: boolean
  }): Promise<ArtifactsCreateRepoResult> {
    validateArtifactsName(input.name)
    const result = (await this.request('POST', '/repos', { body: input })) as ArtifactsCreateRepoResult
    registerToken(result.token)
    return result
  }

  /** `GET /repos/:name` (route 6): metadata and remote, or `null` when the repository does not exist. */
  async getRepo(name: string): Promise<ArtifactsRepo | null> {
    return (await this.request('GET', `/repos/${repoPath(name)}`, {
      nullOn404: true,
    })) as ArtifactsRepo | null
  }

  /** `GET /repos` (route 5): one page (limit ≤ 200) and the cursor of the next. */
  async listRepos(
    options: {
      limit?: number
      cursor?: string
      search?: string
      sort?: 'created_at' | 'updated_at' | 'last_push_at' | 'name'
      direction?: 'asc' | 'desc'
    } = {},
  ): Promise<{ repos: ArtifactsRepo[]; cursor: string | null }> {
    if (options.limit !== undefined && (options.limit < 1 || options.limit > 200))
      throw new InvalidArgumentError('listRepos limit must be between 1 and 200 (REST docs, route 5).')
    const envelope = await this.requestEnvelope('GET', '/repos', { query: options })
    const info = (envelope as { result_info?: { cursor?: string | null } }).result_info
    return { repos: (envelope.result ?? []) as ArtifactsRepo[], cursor: info?.cursor || null }
  }

  /** `DELETE /repos/:name` (route 7, answers 202 Accepted). Resolves `false` when it did not exist. */
  async deleteRepo(name: string): Promise<boolean> {
    const result = await this.request('DELETE', `/repos/${repoPath(name)}`, { nullOn404: true })
    return result !== null
  }

  /** `POST /repos/:name/fork` (route 8): a new repository `input.name` from `source`. */
  async forkRepo(
    source: string,
    input: { name: string; description?: string; read_only?: boolean; default_branch_only?: boolean },
  ): Promise<ArtifactsCreateRepoResult & { objects?: number }> {
    validateArtifactsName(input.name)
    const result = (await this.request('POST', `/repos/${repoPath(source)}/fork`, {
      body: input,
    })) as ArtifactsCreateRepoResult & {
      objects?: number
    }
    registerToken(result.token)
    return result
  }

  /** `POST /repos/:name/import` (route 9): `target` filled from a public HTTPS git remote. */
  async importRepo(
    target: string,
    input: { url: string; branch?: string; depth?: number; read_only?: boolean },
  ): Promise<ArtifactsCreateRepoResult> {
    // The import guide takes HTTPS remotes only; plain http reaches only a loopback stand-in.
    const problem = remoteUrlProblem(String(input.url ?? ''))
    if (problem)
      throw new InvalidArgumentError(
        `The import URL ${problem}; give the full HTTPS URL of a public git repository.`,
      )
    const result = (await this.request('POST', `/repos/${repoPath(target)}/import`, {
      body: input,
    })) as ArtifactsCreateRepoResult
    registerToken(result.token)
    return result
  }

  /**
   * Waits until `name` answers `GET /repos/:name` as ready (202 and 409 in progress are waited out by
   * the request loop) and resolves it; throws `REF_NOT_FOUND` when it does not exist.
   */
  async waitForRepo(name: string): Promise<ArtifactsRepo> {
    const repo = await this.getRepo(name)
    if (!repo)
      throw new GittrixError(
        'REF_NOT_FOUND',
        `Artifacts repository ${this.namespace}/${name} does not exist.`,
      )
    return repo
  }

  // ---- tokens (routes 16–18) ----

  /**
   * `POST /tokens` (route 17): a repo token of `scope` living `ttl` seconds (60 … 31,536,000). The
   * plaintext is registered for redaction before it is returned.
   */
  async mintToken(input: { repo: string; scope: TokenScope; ttl: number }): Promise<ArtifactsMintedToken> {
    validateArtifactsName(input.repo)
    if (!Number.isInteger(input.ttl) || input.ttl < TOKEN_TTL_BOUNDS.min || input.ttl > TOKEN_TTL_BOUNDS.max)
      throw new InvalidArgumentError(
        `Repo token TTL ${input.ttl} s is outside ${TOKEN_TTL_BOUNDS.min}–${TOKEN_TTL_BOUNDS.max} s (REST docs, route 17).`,
      )
    const result = (await this.request('POST', '/tokens', { body: input })) as ArtifactsMintedToken
    registerToken(result.plaintext)
    return result
  }

  /** `DELETE /tokens/:id` (route 18). Resolves `false` when the token was unknown. */
  async revokeToken(id: string): Promise<boolean> {
    return (await this.request('DELETE', `/tokens/${encodeURIComponent(id)}`, { nullOn404: true })) !== null
  }

  /**
   * `GET /repos/:name/tokens` (route 16): token metadata (never plaintext), every page. Token lists page
   * by number (`result_info = {page, per_page, total_pages, …}`, per_page ≤ 100); pages are read until
   * `total_pages`, or until a page comes back short when the service sends no `total_pages`. At most
   * 100 pages (10,000 tokens).
   */
  async listTokens(
    repo: string,
    options: { state?: 'active' | 'expired' | 'revoked' | 'all'; per_page?: number } = {},
  ): Promise<ArtifactsTokenInfo[]> {
    const perPage = options.per_page ?? 100
    const tokens: ArtifactsTokenInfo[] = []
    for (let page = 1; page <= 100; page++) {
      const envelope = await this.requestEnvelope('GET', `/repos/${repoPath(repo)}/tokens`, {
        query: { ...options, per_page: perPage, page },
      })
      const list = envelope.result
      if (!Array.isArray(list))
        throw new ArtifactsApiError('ADAPTER_UNAVAILABLE', {
          status: 200,
          method: 'GET',
          path: `/repos/${repo}/tokens`,
          detail: 'the token list was not a list; retry later.',
        })
      tokens.push(...(list as ArtifactsTokenInfo[]))
      const info = (envelope as { result_info?: { total_pages?: number } }).result_info
      const last = typeof info?.total_pages === 'number' ? page >= info.total_pages : list.length < perPage
      if (last) break
    }
    return tokens
  }

  // ---- content reads (routes 10–15) ----

  /**
   * `GET /repos/:name/log` (route 10): the first-parent chain from `ref`, newest first (`[]` for an
   * unknown ref). `ref` is passed as given; the docs show short names ("branch, tag, or commit"), and
   * git resolves a short name to a same-named tag before the branch, so branch heads are read by their
   * full ref or over git (durable.ts `branchTip`), and chains by commit id.
   */
  async log(
    repo: string,
    options: { ref?: string; limit?: number; offset?: number } = {},
  ): Promise<ArtifactsCommit[]> {
    const path = `/repos/${repoPath(repo)}/log`
    const result = await this.request('GET', path, { query: options, nullOn404: true })
    return result === null ? [] : toCommitList(result, `GET ${path}`)
  }

  /** `GET /repos/:name/commit/:hash` (route 11), or `null` when absent. */
  async getCommit(repo: string, hash: string): Promise<ArtifactsCommit | null> {
    const result = await this.request('GET', `/repos/${repoPath(repo)}/commit/${objectId(hash)}`, {
      nullOn404: true,
    })
    return result === null ? null : toCommit(result, `GET /repos/${repo}/commit/${hash}`)
  }

  /** `GET /repos/:name/tree/:hash` (route 12): immediate children, or `null` when absent. */
  async getTree(repo: string, hash: string): Promise<ArtifactsTreeEntry[] | null> {
    const result = await this.request('GET', `/repos/${repoPath(repo)}/tree/${objectId(hash)}`, {
      nullOn404: true,
    })
    return result === null ? null : toTreeEntries(result, `GET /repos/${repo}/tree/${hash}`)
  }

  /** `GET /repos/:name/blob/:hash` (route 13): raw bytes, or `null` when absent. */
  async getBlob(repo: string, hash: string): Promise<Uint8Array | null> {
    return (await this.request('GET', `/repos/${repoPath(repo)}/blob/${objectId(hash)}`, {
      binary: true,
      nullOn404: true,
    })) as Uint8Array | null
  }

  /** `GET /repos/:name/file?ref=&path=` (route 14): raw bytes at a branch, tag or commit, or `null`. */
  async getFile(repo: string, ref: string, path: string): Promise<Uint8Array | null> {
    return (await this.request('GET', `/repos/${repoPath(repo)}/file`, {
      query: { ref, path },
      binary: true,
      nullOn404: true,
    })) as Uint8Array | null
  }

  /** `GET /repos/:name/raw/:ref/:path` (route 15): raw bytes, or `null`. */
  async getRaw(repo: string, ref: string, path: string): Promise<Uint8Array | null> {
    const encoded = path.split('/').map(encodeURIComponent).join('/')
    return (await this.request('GET', `/repos/${repoPath(repo)}/raw/${encodeURIComponent(ref)}/${encoded}`, {
      binary: true,
      nullOn404: true,
    })) as Uint8Array | null
  }

  // ---- transport ----

  private async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const answer = await this.send(method, path, options)
    if (answer === null) return null
    if (answer instanceof Uint8Array) return answer
    return answer.result ?? {}
  }

  private async requestEnvelope(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Envelope> {
    const answer = await this.send(method, path, options)
    if (answer === null || answer instanceof Uint8Array) return { result: null }
    return answer
  }

  /**
   * One call with the whole retry policy: 429 waits `Retry-After`; 202 on a read and 409 "in progress"
   * back off until `readinessTimeoutMs`; 5xx and network failures of idempotent calls are retried
   * `maxAttempts` times; everything else maps to an {@link ArtifactsApiError}.
   */
  private async send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<Envelope | Uint8Array | null> {
    const url = this.url(path, options)
    const shownPath = path + (url.search || '')
    const deadline = this.now() + this.readinessTimeoutMs
    let waits = 0
    let failures = 0
    for (;;) {
      await this.limiter.acquire()
      const started = this.now()
      let response: Response
      try {
        response = await this.fetchImpl(url, {
          method,
          headers: {
            authorization: `Bearer ${this.apiToken}`,
            accept: options.binary ? 'application/octet-stream, application/json' : 'application/json',
            ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        })
      } catch (error) {
        failures++
        this.note(`artifacts ${method} ${shownPath} → network error (${(error as Error).message})`)
        if (IDEMPOTENT.has(method) && failures < this.maxAttempts && this.now() < deadline) {
          await sleep(backoffDelay(failures - 1, this.backoff))
          continue
        }
        throw new ArtifactsApiError(
          'ADAPTER_UNAVAILABLE',
          {
            status: null,
            method,
            path: shownPath,
            detail: `no answer (${(error as Error).message}); retry later.`,
          },
          { cause: error },
        )
      }
      const status = response.status
      this.note(`artifacts ${method} ${shownPath} → ${status} (${this.now() - started} ms)`)
      const ok = status >= 200 && status < 300
      if (ok && options.binary && status === 200) return new Uint8Array(await response.arrayBuffer())
      const envelope = await readEnvelope(response)
      const errors = envelope.errors ?? []

      // 202 on a read: "may return 202 immediately after create while the repo finishes becoming ready" (docs/platform-facts.md#errors-and-readiness).
      if (status === 202 && method === 'GET') {
        const hinted = Number((envelope.result as { retryAfter?: unknown } | null)?.retryAfter)
        const wait =
          Number.isFinite(hinted) && hinted > 0
            ? Math.min(hinted * 1000, this.backoff.maxMs)
            : backoffDelay(waits, this.backoff)
        if (await this.waitBefore(deadline, wait, waits++)) continue
        throw new ArtifactsApiError('ADAPTER_UNAVAILABLE', {
          status,
          method,
          path: shownPath,
          errors,
          detail: `the repository was not ready within ${this.readinessTimeoutMs} ms; retry later.`,
        })
      }
      if (ok && envelope.success !== false) return envelope
      if (options.nullOn404 && isNotFound(status, errors)) return null
      if (status === 429) {
        const wait =
          retryAfterMs(response.headers.get('retry-after'), this.now()) ?? backoffDelay(waits, this.backoff)
        if (await this.waitBefore(deadline, wait, waits++)) continue
      } else if (isInProgressConflict(status, errors)) {
        if (await this.waitBefore(deadline, backoffDelay(waits, this.backoff), waits++)) continue
      } else if (
        status >= 500 &&
        IDEMPOTENT.has(method) &&
        ++failures < this.maxAttempts &&
        this.now() < deadline
      ) {
        await sleep(backoffDelay(failures - 1, this.backoff))
        continue
      }
      const { code, detail } = classifyStatus(status, errors[0]?.code)
      throw new ArtifactsApiError(code, { status, method, path: shownPath, errors, detail })
    }
  }

  /** Sleeps `ms` when that ends before `deadline`; resolves `false` (no sleep) when it would not. */
  private async waitBefore(deadline: number, ms: number, attempt: number): Promise<boolean> {
    if (this.now() + ms > deadline) return false
    this.note(`artifacts: waiting ${ms} ms before retry ${attempt + 1}`)
    await sleep(ms)
    return true
  }

  private url(path: string, options: RequestOptions): URL {
    const scope = options.accountScoped
      ? `/accounts/${this.accountId}/artifacts`
      : `/accounts/${this.accountId}/artifacts/namespaces/${this.namespace}`
    const url = new URL(`${this.baseUrl}${scope}${path}`)
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value))
    return url
  }
}

async function readEnvelope(response: Response): Promise<Envelope> {
  const text = await response.text().catch(() => '')
  if (!text) return {}
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as Envelope) : {}
  } catch {
    return { errors: [{ code: 0, message: text.slice(0, 200) }] }
  }
}

/**
 * Registers a repo token (and its secret part without `?expires=`, which HTTP Basic uses, docs/platform-facts.md#credentials-and-git) for
 * redaction.
 */
export function registerToken(token: string | undefined): void {
  if (!token) return
  registerSecret(token)
  registerSecret(token.split('?')[0])
}

function repoPath(name: string): string {
  return encodeURIComponent(validateArtifactsName(name))
}

function objectId(hash: string): string {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(hash))
    throw new InvalidArgumentError(`${JSON.stringify(hash)} is not a full git object id.`)
  return hash
}
