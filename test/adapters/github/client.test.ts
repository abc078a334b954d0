import { afterEach, describe, expect, it } from 'vitest'
import {
  createGitHubClient,
  type GitHubClientOptions,
  resolveGitHubApiUrl,
} from '../../../src/adapters/github/client.ts'
import { isNotFound } from '../../../src/adapters/github/request-errors.ts'
import { basicError, gitRef, sha } from '../../support/github-fixtures.ts'
import { type GitHubMock, githubMock } from '../../support/github-nock.ts'

const TOKEN = 'ghs_testTokenThatMustNeverLeak0123456789'
const REF_ROUTE = 'GET /repos/{owner}/{repo}/git/ref/{ref}'
const REF_PARAMS = { owner: 'o', repo: 'r', ref: 'heads/main' }
const HEAD = sha('a')
const SECONDARY =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 1234.'

/** Captures every log line the client emits. */
function captureLog() {
  const lines: string[] = []
  const sink =
    (level: string) =>
    (message: string, ...rest: unknown[]) => {
      lines.push(
        `${level} ${message} ${rest.map((r) => (r instanceof Error ? r.message : String(r))).join(' ')}`,
      )
    }
  return {
    lines,
    log: { debug: sink('debug'), info: sink('info'), warn: sink('warn'), error: sink('error') },
  }
}

/** A client that never sleeps: backoff and rate-limit waits scaled to 0 ms, writes unspaced. */
function fastClient(options: GitHubClientOptions = {}) {
  return createGitHubClient({
    token: TOKEN,
    env: {},
    ...options,
    retry: { retryAfterBaseMs: 0, ...options.retry },
    throttle: { retryAfterBaseMs: 0, writeIntervalMs: 0, ...options.throttle },
  })
}

/** For `.then(unexpected, …)`: a request that should have failed succeeded. */
function unexpected(): never {
  throw new Error('expected the request to fail')
}

let gh: GitHubMock | undefined
afterEach(() => {
  gh?.done()
  gh = undefined
})

describe('createGitHubClient: retries', () => {
  it('retries a 502 and succeeds, two requests in all', async () => {
    gh = githubMock()
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [502, { message: 'Server Error' }] })
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [200, gitRef('o', 'r', 'heads/main', HEAD)] })
    const { data } = await fastClient().rest.git.getRef({ owner: 'o', repo: 'r', ref: 'heads/main' })
    expect(data.object.sha).toBe(HEAD)
    expect(gh.requests.map((r) => r.status)).toEqual([502, 200])
  })

  it('gives up after the bound with the last error', async () => {
    gh = githubMock()
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [503, { message: 'Service Unavailable' }], times: 3 })
    const error = await fastClient({ retry: { retries: 2 } })
      .rest.git.getRef({ owner: 'o', repo: 'r', ref: 'heads/main' })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 503 })
    expect(gh.requests).toHaveLength(3)
  })

  it('does not retry a 4xx', async () => {
    gh = githubMock()
    gh.on(REF_ROUTE, {
      params: REF_PARAMS,
      reply: [404, basicError('Not Found', 'git/refs#get-a-reference')],
    })
    const error = await fastClient()
      .rest.git.getRef({ owner: 'o', repo: 'r', ref: 'heads/main' })
      .catch((e: unknown) => e)
    expect(isNotFound(error)).toBe(true)
    expect(gh.requests).toHaveLength(1)
  })
})

describe('createGitHubClient: rate limits', () => {
  it('retries a secondary rate limit (403 + retry-after) and succeeds', async () => {
    gh = githubMock()
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [403, basicError(SECONDARY), { 'retry-after': '3' }] })
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [200, gitRef('o', 'r', 'heads/main', HEAD)] })
    const { lines, log } = captureLog()
    const { data } = await fastClient({ log }).rest.git.getRef(REF_PARAMS)
    expect(data.object.sha).toBe(HEAD)
    expect(gh.requests.map((r) => r.status)).toEqual([403, 200])
    expect(lines.join('\n')).toMatch(
      /secondary rate limit on GET \/repos\/\{owner\}.*: retrying in 3 s \(retry 1 of 2\)/,
    )
  })

  it('retries a secondary rate limit answered with 429, honouring retry-after', async () => {
    gh = githubMock()
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [429, basicError(SECONDARY), { 'retry-after': '7' }] })
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [200, gitRef('o', 'r', 'heads/main', HEAD)] })
    const { lines, log } = captureLog()
    await fastClient({ log }).rest.git.getRef(REF_PARAMS)
    expect(gh.requests.map((r) => r.status)).toEqual([429, 200])
    expect(lines.join('\n')).toContain('retrying in 7 s')
  })

  it('gives up on a secondary rate limit after maxRetries', async () => {
    gh = githubMock()
    gh.on(REF_ROUTE, {
      params: REF_PARAMS,
      reply: [403, basicError(SECONDARY), { 'retry-after': '1' }],
      times: 3,
    })
    const error = await fastClient({ throttle: { maxRetries: 2 } })
      .rest.git.getRef(REF_PARAMS)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 403 })
    expect((error as Error).message).toContain('secondary rate limit')
    expect(gh.requests).toHaveLength(3)
  })

  it('retries a primary rate limit that lifts soon, and refuses to wait an hour', async () => {
    gh = githubMock()
    const soon = String(Math.floor(Date.now() / 1000))
    const later = String(Math.floor(Date.now() / 1000) + 3600)
    const limited = (reset: string) =>
      [
        403,
        basicError('API rate limit exceeded for installation ID 1.'),
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      ] as const
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: limited(soon) })
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [200, gitRef('o', 'r', 'heads/main', HEAD)] })
    const client = fastClient()
    await client.rest.git.getRef(REF_PARAMS)
    expect(gh.requests.map((r) => r.status)).toEqual([403, 200])

    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: limited(later) })
    const { lines, log } = captureLog()
    const error = await fastClient({ log })
      .rest.git.getRef(REF_PARAMS)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 403 })
    expect(gh.requests).toHaveLength(3)
    expect(lines.join('\n')).toMatch(/primary rate limit .* more than the 120 s allowed; giving up/)
  })

  it('does not sleep between writes when writeIntervalMs is 0', async () => {
    gh = githubMock()
    const route = 'PATCH /repos/{owner}/{repo}/git/refs/{ref}'
    gh.on(route, { params: REF_PARAMS, reply: [200, gitRef('o', 'r', 'heads/main', HEAD)], times: 4 })
    const client = fastClient()
    const started = performance.now()
    for (let i = 0; i < 4; i++) await client.rest.git.updateRef({ ...REF_PARAMS, sha: HEAD, force: false })
    expect(performance.now() - started).toBeLessThan(900)
  })
})

describe('createGitHubClient: API root', () => {
  it('uses GITHUB_API_URL for GitHub Enterprise Server', async () => {
    gh = githubMock({ baseUrl: 'https://ghe.example.com/api/v3' })
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [200, gitRef('o', 'r', 'heads/main', HEAD)] })
    const client = fastClient({ env: { GITHUB_API_URL: 'https://ghe.example.com/api/v3/' } })
    await client.rest.git.getRef(REF_PARAMS)
    expect(gh.requests).toHaveLength(1)
    expect(gh.requests[0]?.headers['user-agent']).toMatch(/^gittrix /)
  })

  it('prefers an explicit baseUrl over GITHUB_API_URL', async () => {
    gh = githubMock({ baseUrl: 'https://ghe.internal:8443/api/v3' })
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [200, gitRef('o', 'r', 'heads/main', HEAD)] })
    const client = fastClient({
      baseUrl: 'https://ghe.internal:8443/api/v3',
      env: { GITHUB_API_URL: 'https://elsewhere.example/api/v3' },
    })
    await client.rest.git.getRef(REF_PARAMS)
    expect(gh.requests).toHaveLength(1)
  })

  it('resolves the API root: explicit, env, default; refuses non-URLs', () => {
    expect(resolveGitHubApiUrl(undefined, {})).toBe('https://api.github.com')
    expect(resolveGitHubApiUrl(undefined, { GITHUB_API_URL: 'https://h/api/v3//' })).toBe('https://h/api/v3')
    expect(resolveGitHubApiUrl('http://127.0.0.1:9/', { GITHUB_API_URL: 'https://h/api/v3' })).toBe(
      'http://127.0.0.1:9',
    )
    expect(() => resolveGitHubApiUrl('ghe.example.com', {})).toThrow(/baseUrl is not a URL/)
    // The token goes in a header: plain http only to this machine.
    for (const local of ['http://localhost:3000', 'http://127.0.0.2/api/v3', 'http://[::1]:8080'])
      expect(resolveGitHubApiUrl(local, {})).toBe(local)
    for (const remote of ['http://ghe.example.com/api/v3', 'http://127.0.0.1.nip.io', 'http://10.0.0.1'])
      expect(() => resolveGitHubApiUrl(undefined, { GITHUB_API_URL: remote })).toThrow(
        /GITHUB_API_URL must be an https URL: the token would cross the network in clear text/,
      )
    expect(() => resolveGitHubApiUrl(undefined, { GITHUB_API_URL: 'ftp://h' })).toThrow(
      /GITHUB_API_URL must be/,
    )
  })
})

describe('createGitHubClient: secrets', () => {
  it('keeps the token out of thrown errors and log lines', async () => {
    const local = githubMock()
    // No mock for this route: nock's "No match" error prints the request headers, authorization included.
    const { lines, log } = captureLog()
    const error = await fastClient({ log, retry: { retries: 1 } })
      .rest.git.getRef(REF_PARAMS)
      .then(unexpected, (e: unknown) => e as Error)
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toContain('No match for request')
    expect(error.message).toContain('***')
    expect(
      `${error.message}\n${error.stack}\n${String((error.cause as Error | undefined)?.message)}`,
    ).not.toContain(TOKEN)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.join('\n')).not.toContain(TOKEN)
    expect(() => local.done()).toThrow(/unexpected request GET \/repos\/o\/r\/git\/ref\/heads%2Fmain/)
    expect(local.violations.join('\n')).not.toContain(TOKEN)
  })

  it('keeps the token out of a 401 error', async () => {
    gh = githubMock()
    gh.on(REF_ROUTE, { params: REF_PARAMS, reply: [401, basicError(`Bad credentials ${TOKEN}`)] })
    const error = await fastClient({ log: captureLog().log })
      .rest.git.getRef(REF_PARAMS)
      .then(unexpected, (e: unknown) => e as Error)
    expect(error.message).toContain('Bad credentials ***')
    expect(error.message).not.toContain(TOKEN)
  })
})
