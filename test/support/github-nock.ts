/**
 * nock mocks of GitHub's REST API that are checked against GitHub's OpenAPI description, so a test
 * cannot invent an endpoint, send a body GitHub would refuse, or reply with something GitHub never
 * answers. Network connections are disabled while a mock is live.
 *
 * ```ts
 * const gh = githubMock()                                   // https://api.github.com
 * afterEach(() => gh.done())                                // all mocks used, no violations; cleans up
 * gh.on('GET /repos/{owner}/{repo}/git/ref/{ref}', {
 *   params: { owner: 'o', repo: 'r', ref: 'heads/main' },
 *   reply: [200, { ref: 'refs/heads/main', node_id: 'R', url: 'https://…', object: { type: 'commit', sha, url: 'https://…' } }],
 * })
 * gh.on('PATCH /repos/o/r/git/refs/heads/main', { body: { force: false }, reply: [200, ref] })   // concrete path
 * …
 * expect(gh.requests.map((r) => r.route)).toEqual(['GET /repos/{owner}/{repo}/git/ref/{ref}', …])
 * ```
 *
 * When a mock is declared: the route must exist in the description (method and path), the params
 * must fill the template, a static reply must be a declared status with a body matching its schema —
 * otherwise `on()` throws. When a request arrives: its query and JSON body are checked against the
 * operation, a reply function's answer is checked too. A violation is recorded (see
 * {@link GitHubMock.done}) and the request is answered `400 {"message":"github-openapi mock: …"}`,
 * so the code under test fails there and then. Requests no mock matched are recorded as violations
 * with their method, path, body, and the operation they would have been (or that none exists).
 *
 * nock 14 intercepts Node's global fetch (through @mswjs/interceptors), which Octokit uses; nock ≤ 13
 * does not (probot/probot#1977), and nock 15 changed its API (docs/platform-facts.md#probot).
 */

import nock from 'nock'
import { type GitHubOperation, loadGitHubOpenApi } from './github-openapi.ts'

/** `[status, body?, headers?]`; the body is sent as JSON unless it is a string. */
export type MockReply = readonly [status: number, body?: unknown, headers?: Record<string, string>]

/** What a reply function receives. */
export interface MockRequest {
  method: string
  /** Path as requested, relative to the API root, with the query string. */
  path: string
  /** `"METHOD /template"` of the matched operation. */
  route: string
  operationId: string
  /** Decoded path parameters. */
  params: Record<string, string>
  query: Record<string, string | string[]>
  /** Parsed JSON body (or the raw string, or `undefined`). */
  body: unknown
  headers: Record<string, string | string[] | undefined>
}

/** One request a {@link GitHubMock} answered. */
export interface RecordedRequest extends MockRequest {
  status: number
}

/** A mocked route. */
export interface RouteMock {
  /** Values for the template's `{params}` (when the route is a template). */
  params?: Record<string, string | number>
  /** Query the request must carry (values compared as strings); other query keys are allowed. */
  query?: Record<string, string | number | boolean>
  /**
   * Expected request body: an object is matched partially and deeply (arrays element-wise, same
   * length); a function decides. A request whose body does not match falls through to the next mock.
   */
  body?: Record<string, unknown> | unknown[] | ((body: unknown) => boolean)
  /** The answer, or a function computing it per request. */
  reply: MockReply | ((request: MockRequest) => MockReply)
  /** How many requests this mock answers (default 1). */
  times?: number
  /** Accept a status the description does not declare for the operation (default false). */
  allowUndeclaredStatus?: boolean
}

/** Options of {@link githubMock}. */
export interface GitHubMockOptions {
  /** API root (default https://api.github.com); GHES: `https://<host>/api/v3`. */
  baseUrl?: string
  /** Let requests to 127.0.0.1 / localhost through (loopback servers). Default false. */
  allowLocalhost?: boolean
}

/** A set of validated mocks for one API root. */
export interface GitHubMock {
  readonly baseUrl: string
  /**
   * Declares a route: `"METHOD /template"` (`/repos/{owner}/{repo}/git/refs/{ref}`, with `params`) or
   * `"METHOD /concrete/path"` (`/repos/o/r/git/refs/heads/main`). Throws an `Error` naming the problem
   * when the route, params or a static reply do not fit GitHub's description. Returns `this`.
   */
  on(route: string, mock: RouteMock): GitHubMock
  /** Requests answered so far, in order (method, path, route, status, body…): the request count. */
  readonly requests: readonly RecordedRequest[]
  /** Problems found so far (bad bodies, bad replies, unmatched requests). */
  readonly violations: readonly string[]
  /** Declared mocks not yet used up, described as `"METHOD /path (n left)"`. */
  pending(): string[]
  /** Throws one `Error` listing every violation and pending mock; does nothing when all is well. */
  verify(): void
  /**
   * {@link GitHubMock.verify}, then (also when it throws, and only once) removes this mock's
   * interceptors and listener, and re-enables network connections when no other mock is live.
   */
  done(): void
  /** Example answer from the description for a route template (deep copy), for building replies. */
  example(route: string, status?: number): unknown
}

interface Declared {
  label: string
  times: number
  used: number
}

/** Mocks created and not yet `done()`: network connections stay disabled while any is live. */
let liveMocks = 0

/**
 * Creates a validated GitHub mock for `baseUrl` and disables real network connections (nock's
 * `disableNetConnect`, with localhost allowed when asked). Call `done()` in `afterEach`.
 */
export function githubMock(options: GitHubMockOptions = {}): GitHubMock {
  const api = loadGitHubOpenApi()
  const base = new URL(options.baseUrl ?? 'https://api.github.com')
  const origin = base.origin
  const prefix = base.pathname.replace(/\/+$/, '')
  const baseUrl = origin + prefix

  liveMocks++
  nock.disableNetConnect()
  if (options.allowLocalhost) nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/)

  const scope = nock(origin)
  const requests: RecordedRequest[] = []
  const violations: string[] = []
  const declared: Declared[] = []
  const interceptors: nock.Interceptor[] = []
  let finished = false

  type NockOptions = { host?: string; hostname?: string }
  const onNoMatch = (
    req: { method?: string; path?: string; options?: NockOptions },
    second?: NockOptions,
  ) => {
    // http.request passes its options; an intercepted fetch passes a request carrying host/hostname itself.
    const where = (typeof second === 'object' && second) || req.options || (req as NockOptions)
    const hostname = where.hostname ?? String(where.host ?? '').replace(/:\d+$/, '')
    if (hostname && hostname !== base.hostname) return
    const method = (req.method ?? 'GET').toUpperCase()
    const full = req.path ?? ''
    const path = full.startsWith(prefix) ? full.slice(prefix.length) : full
    let known: string
    try {
      const match = api.match(method, path)
      known = `it is ${match.operation.method} ${match.operation.template} (${match.operation.operationId}); no declared mock matched its path, query or body`
    } catch (error) {
      known = (error as Error).message
    }
    violations.push(`unexpected request ${method} ${full}: ${known}`)
  }
  nock.emitter.on('no match', onNoMatch)

  const gh: GitHubMock = {
    baseUrl,
    requests,
    violations,

    on(route, mock) {
      const { method, target } = parseRoute(route)
      let op: GitHubOperation
      let expectedPath: string
      if (target.includes('{')) {
        op = api.operation(method, target)
        const params = mock.params ?? {}
        const missing = op.pathParams.filter((name) => params[name] === undefined)
        const extra = Object.keys(params).filter((name) => !op.pathParams.includes(name))
        if (missing.length || extra.length) {
          throw new Error(
            `mock ${route}: ${missing.length ? `missing params ${missing.join(', ')}` : ''}` +
              `${missing.length && extra.length ? '; ' : ''}${extra.length ? `unknown params ${extra.join(', ')}` : ''}`,
          )
        }
        expectedPath = op.template.replace(/\{([^}]+)\}/g, (_, name: string) =>
          encodeURIComponent(String(params[name])),
        )
      } else {
        if (mock.params) throw new Error(`mock ${route}: params are for templates; this path is concrete`)
        op = api.match(method, target).operation
        expectedPath = target
      }
      const label = `${method} ${prefix}${decodePath(expectedPath)}`
      if (typeof mock.reply !== 'function') {
        const [status, body] = mock.reply
        const problems = api.checkResponse(op, status, body, { strictStatus: false })
        if (problems.length && !(mock.allowUndeclaredStatus && problems.every(isUndeclaredStatus))) {
          throw new Error(
            `mock ${route}: reply ${status} does not match GitHub's description:\n  ${problems.join('\n  ')}`,
          )
        }
      }

      const entry: Declared = { label, times: mock.times ?? 1, used: 0 }
      declared.push(entry)
      const wantPath = decodePath(prefix + expectedPath)
      const bodyMatcher =
        mock.body === undefined
          ? undefined
          : (body: unknown) =>
              typeof mock.body === 'function'
                ? Boolean((mock.body as (b: unknown) => boolean)(body))
                : partialMatch(body, mock.body)
      const interceptor = scope.intercept(
        (uri: string) => decodePath(uri.split('?')[0] as string) === wantPath,
        method,
        bodyMatcher as never,
      )
      interceptors.push(interceptor)
      interceptor
        .query((query: Record<string, unknown>) =>
          Object.entries(mock.query ?? {}).every(([key, value]) => String(query[key]) === String(value)),
        )
        .times(entry.times)
        .reply(function (
          this: { req: { headers: Record<string, string | string[] | undefined> } },
          uri,
          rawBody,
        ) {
          entry.used++
          const url = new URL(uri, origin)
          const relative = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname
          const query = Object.fromEntries(
            [...new Set(url.searchParams.keys())].map((key) => {
              const all = url.searchParams.getAll(key)
              return [key, all.length === 1 ? (all[0] as string) : all]
            }),
          )
          const body = parseBody(rawBody)
          const matched = api.match(method, relative)
          const request: MockRequest = {
            method,
            path: relative + url.search,
            route: `${op.method} ${op.template}`,
            operationId: op.operationId,
            params: matched.params,
            query,
            body,
            headers: this.req.headers,
          }
          const problems = [
            ...api.checkQuery(op, query).map((p) => `query: ${p}`),
            ...api.checkRequestBody(op, body).map((p) => `request body: ${p}`),
          ]
          let answer: MockReply = [500, { message: 'github-openapi mock: no reply' }]
          if (typeof mock.reply === 'function') {
            try {
              answer = mock.reply(request)
              const replyProblems = api
                .checkResponse(op, answer[0], answer[1])
                .filter((p) => !(mock.allowUndeclaredStatus && isUndeclaredStatus(p)))
              problems.push(...replyProblems.map((p) => `reply ${answer[0]}: ${p}`))
            } catch (error) {
              problems.push(`reply function threw: ${(error as Error).message}`)
            }
          } else {
            answer = mock.reply
          }
          if (problems.length) {
            const message = `github-openapi mock: ${method} ${request.path} (${op.operationId}) does not match GitHub's description:\n  ${problems.join('\n  ')}`
            violations.push(message)
            requests.push({ ...request, status: 400 })
            return [400, { message, documentation_url: 'https://docs.github.com/rest' }]
          }
          requests.push({ ...request, status: answer[0] })
          const [status, replyBody, headers] = answer
          return [status, replyBody === undefined ? '' : (replyBody as nock.Body), headers]
        })
      return gh
    },

    pending() {
      return declared.filter((d) => d.used < d.times).map((d) => `${d.label} (${d.times - d.used} left)`)
    },

    verify() {
      const pending = gh.pending()
      if (!violations.length && !pending.length) return
      const parts: string[] = []
      if (violations.length) parts.push(`GitHub mock violations:\n- ${violations.join('\n- ')}`)
      if (pending.length) parts.push(`GitHub mocks never used:\n- ${pending.join('\n- ')}`)
      throw new Error(parts.join('\n'))
    },

    done() {
      try {
        gh.verify()
      } finally {
        if (!finished) {
          finished = true
          nock.emitter.removeListener('no match', onNoMatch)
          for (const interceptor of interceptors) nock.removeInterceptor(interceptor)
          if (--liveMocks === 0) nock.enableNetConnect()
        }
      }
    },

    example(route, status) {
      const { method, target } = parseRoute(route)
      return api.example(api.operation(method, target), status)
    },
  }
  return gh
}

function parseRoute(route: string): { method: string; target: string } {
  const match = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(route)
  if (!match)
    throw new Error(`mock route must look like "GET /repos/{owner}/{repo}", got ${JSON.stringify(route)}`)
  return { method: (match[1] as string).toUpperCase(), target: (match[2] as string).split('?')[0] as string }
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

function isUndeclaredStatus(problem: string): boolean {
  return / does not answer \d+; declared:/.test(problem)
}

function parseBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  if (raw === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/** `actual` contains `expected`: objects key by key (recursively), arrays element-wise with equal length. */
export function partialMatch(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => partialMatch(actual[i], item))
    )
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return false
    return Object.entries(expected).every(([key, value]) =>
      partialMatch((actual as Record<string, unknown>)[key], value),
    )
  }
  return Object.is(actual, expected)
}
