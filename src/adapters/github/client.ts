/**
 * The one place that builds an Octokit for Gittrix. Retry and throttling policy live here so every
 * GitHub caller (durable adapter, branch ephemeral adapter, Action, CLI) behaves the same way.
 *
 * Policy, and why:
 * - `@octokit/plugin-retry` retries 5xx answers and network failures (Octokit reports those as
 *   status 500) a bounded number of times with quadratic backoff. Every 4xx is in `doNotRetry`:
 *   a 4xx means the request itself is wrong, or (403/429) a rate limit, which the throttling plugin
 *   owns. Listing 429 there follows peter-evans/create-pull-request `src/octokit-client.ts`
 *   ("429 is handled by the throttling plugin"); without it both plugins would retry the same answer.
 * - `@octokit/plugin-throttling` retries primary rate limits (403/429 with `x-ratelimit-remaining: 0`,
 *   wait until `x-ratelimit-reset`) and secondary rate limits (403/429 whose message contains
 *   "secondary rate", wait `retry-after` seconds, else 60 s) at most `maxRetries` times, and never
 *   when the wait would exceed `maxRetryAfterSeconds`: a promotion should fail clearly rather than
 *   sleep for an hour. It also spaces content-creating requests (POST/PATCH/PUT/DELETE) 1 s apart,
 *   as GitHub's REST best practices ask. Detection rules: plugin-throttling `src/index.ts`.
 * - Retried writes are not always idempotent: a retried `POST /git/refs` may answer
 *   `422 Reference already exists`, a retried `POST /pulls` `422 A pull request already exists`.
 *   Callers that write treat those answers as "already done" where that is true.
 * - The token is registered with {@link registerSecret}; every error leaving the client and every log
 *   line is passed through {@link redact}. (nock's "No match for request" error, for one, prints the
 *   request headers, `authorization` included.)
 *
 * Sources: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api ,
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api ,
 * the Octokit setup of peter-evans/create-pull-request and changesets/action (docs/platform-facts.md#rate-limits).
 */

import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { Octokit } from '@octokit/rest'
import Bottleneck from 'bottleneck'
import { redact, registerSecret } from '../../git/redact.ts'

/**
 * Octokit from `@octokit/rest` with the retry and throttling plugins composed in. Typed as the plain
 * Octokit class: the plugins add behaviour, not API surface Gittrix uses, and the composed type cannot
 * be named in declaration files.
 */
const GitHubOctokit: typeof Octokit = Octokit.plugin(retry, throttling)

/** The Octokit instance {@link createGitHubClient} returns (REST endpoint methods, paginate, retry, throttling). */
export type GitHubClient = Octokit

/**
 * What adapters should accept as `{ octokit }`: any `@octokit/rest` Octokit, so a caller may pass a
 * {@link GitHubClient}, Probot's `context.octokit` or a test's own instance.
 */
export type OctokitLike = Octokit

/** The public REST API of GitHub.com; GitHub Enterprise Server uses `https://<host>/api/v3`. */
export const GITHUB_COM_API_URL = 'https://api.github.com'

/** A logger Octokit and Gittrix write to. Every line is redacted before it reaches these functions. */
export interface GitHubClientLog {
  debug(message: string, ...rest: unknown[]): void
  info(message: string, ...rest: unknown[]): void
  warn(message: string, ...rest: unknown[]): void
  error(message: string, ...rest: unknown[]): void
}

/** Retry policy for 5xx answers and network failures. */
export interface GitHubRetryOptions {
  /** Turn retries off entirely (default on). */
  enabled?: boolean
  /** Retries after the first attempt (default 3, so at most 4 requests). */
  retries?: number
  /**
   * Milliseconds per backoff unit (default 1000): retry n waits `n² × retryAfterBaseMs`.
   * Tests set 0 or 1 so they never sleep.
   */
  retryAfterBaseMs?: number
}

/** Throttling policy: rate-limit retries and write spacing. */
export interface GitHubThrottleOptions {
  /** Turn throttling off entirely (default on). With it off, rate-limit answers are plain errors. */
  enabled?: boolean
  /** Retries of one request after a primary or secondary rate limit (default 2). */
  maxRetries?: number
  /** Give up instead of waiting longer than this for a rate limit to lift (default 120 s). */
  maxRetryAfterSeconds?: number
  /** Milliseconds per second of `retry-after` (default 1000). Tests set 0 or 1. */
  retryAfterBaseMs?: number
  /**
   * Wait used when a secondary rate limit comes without `retry-after` (default 60 s, GitHub's advice).
   * plugin-throttling also uses it for `retry-after: 0` (it reads the header with `Number(…) || fallback`).
   */
  fallbackSecondaryRetryAfterSeconds?: number
  /**
   * Minimum spacing of content-creating requests (POST/PATCH/PUT/DELETE); writes that notify people
   * (comments, pull requests) get three times this. Default: plugin-throttling's own process-wide
   * groups, 1000 ms and 3000 ms. Tests set 0.
   */
  writeIntervalMs?: number
}

/** Options of {@link createGitHubClient}. */
export interface GitHubClientOptions {
  /** A token: installation token, `GITHUB_TOKEN`, fine-grained or classic PAT. Sent as `Authorization: token …`. */
  token?: string
  /** Octokit `auth` (used with `authStrategy`, e.g. `@octokit/auth-app` options); a string is a token. */
  auth?: unknown
  /** Octokit `authStrategy`, e.g. `createAppAuth` from `@octokit/auth-app`. */
  authStrategy?: unknown
  /** REST API root. Default: `env.GITHUB_API_URL`, else https://api.github.com. GHES: `https://<host>/api/v3`. */
  baseUrl?: string
  /** Prepended to Octokit's own user agent (default `gittrix`). */
  userAgent?: string
  /** Where Octokit and the retry/throttle policy log (default: debug/info dropped, warn/error to the console). */
  log?: Partial<GitHubClientLog>
  retry?: GitHubRetryOptions
  throttle?: GitHubThrottleOptions
  /** Environment to read `GITHUB_API_URL` from (default `process.env`). */
  env?: Record<string, string | undefined>
  /** Passed to Octokit as `request` (e.g. `{ fetch }` to inject a mock fetch, or a `signal`). */
  request?: Record<string, unknown>
}

/**
 * Every 4xx status: the retry plugin retries any status ≥ 400 not listed here, and a 4xx is either a
 * wrong request (retrying cannot help) or a rate limit (403/429), which throttling owns.
 */
const DO_NOT_RETRY: readonly number[] = Array.from({ length: 100 }, (_, i) => 400 + i)

const DEFAULT_LOG: GitHubClientLog = {
  debug: () => {},
  info: () => {},
  warn: (message, ...rest) => console.warn(message, ...rest),
  error: (message, ...rest) => console.error(message, ...rest),
}

/**
 * The REST API root to use: `baseUrl` if given, else `env.GITHUB_API_URL` (set by GitHub Actions, also
 * on GitHub Enterprise Server runners), else https://api.github.com. Trailing slashes are dropped.
 * Throws an `Error` naming the offending value when it is not an https URL (plain http only to this
 * machine: a token must not cross the network in clear text).
 */
export function resolveGitHubApiUrl(
  baseUrl?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const raw = baseUrl?.trim() || env.GITHUB_API_URL?.trim() || GITHUB_COM_API_URL
  const source = baseUrl?.trim() ? 'baseUrl' : env.GITHUB_API_URL?.trim() ? 'GITHUB_API_URL' : 'default'
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Error(`[github] ${source} is not a URL: ${JSON.stringify(redact(raw))}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`[github] ${source} must be an http(s) URL, got ${JSON.stringify(redact(raw))}`)
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new Error(
      `[github] ${source} must be an https URL: the token would cross the network in clear text to ${JSON.stringify(url.host)}. Plain http is only for this machine (localhost, 127.0.0.1, [::1]).`,
    )
  }
  return raw.replace(/\/+$/, '')
}

/** Whether `hostname` (as `URL` gives it) names this machine: `localhost`, 127.0.0.0/8 or `[::1]`. */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}

const spacingGroups = new Map<string, Bottleneck.Group>()

/**
 * One spacing group per kind and interval, shared process-wide like plugin-throttling's own groups
 * (`write`: 1 s between content-creating requests; `notifications`: 3 s between writes that notify
 * people, such as comments and pull requests).
 */
function spacingGroup(kind: 'write' | 'notifications', intervalMs: number): Bottleneck.Group {
  const id = `gittrix-${kind}-${intervalMs}`
  let group = spacingGroups.get(id)
  if (!group) {
    group = new Bottleneck.Group({ id, maxConcurrent: 1, minTime: intervalMs })
    spacingGroups.set(id, group)
  }
  return group
}

function redactArg(value: unknown): unknown {
  if (typeof value === 'string') return redact(value)
  if (value instanceof Error) return redactError(value)
  return value
}

function redactingLog(log: Partial<GitHubClientLog> | undefined): GitHubClientLog {
  const target = { ...DEFAULT_LOG, ...log }
  const wrap =
    (fn: GitHubClientLog['debug']) =>
    (message: string, ...rest: unknown[]) =>
      fn(redact(String(message)), ...rest.map(redactArg))
  return {
    debug: wrap(target.debug.bind(target)),
    info: wrap(target.info.bind(target)),
    warn: wrap(target.warn.bind(target)),
    error: wrap(target.error.bind(target)),
  }
}

/** Redacts `message` and `stack` of an error and of its `cause` chain, in place; returns the error. */
function redactError<T>(error: T): T {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    try {
      current.message = redact(current.message)
      if (current.stack) current.stack = redact(current.stack)
    } catch {
      // A frozen error cannot be rewritten; nothing else to do.
    }
    current = current.cause
  }
  return error
}

function describeRequest(options: { method?: string; url?: string }): string {
  return `${options.method ?? 'GET'} ${options.url ?? ''}`
}

/** The `retry` and `throttle` options of an Octokit with plugin-retry and plugin-throttling composed in. */
export interface GitHubRequestPolicy {
  retry: { enabled: boolean; retries: number; retryAfterBaseValue: number; doNotRetry: number[] }
  throttle: {
    enabled: boolean
    retryAfterBaseValue: number
    fallbackSecondaryRateRetryAfter: number
    write?: Bottleneck.Group
    notifications?: Bottleneck.Group
    onRateLimit: RateLimitHandler
    onSecondaryRateLimit: RateLimitHandler
  }
}

/** plugin-throttling's rate-limit callback: `true` retries after `retryAfter` seconds. */
type RateLimitHandler = (
  retryAfter: number,
  request: { method?: string; url?: string },
  octokit: { log: { warn(message: string): void } },
  retryCount: number,
) => boolean

/**
 * Gittrix's retry and throttling policy (this file's header says what and why) as Octokit constructor
 * options, for any Octokit class that composes `@octokit/plugin-retry` and `@octokit/plugin-throttling`:
 * {@link createGitHubClient}'s, and Probot's `ProbotOctokit` in the App (app/server.ts), so every GitHub
 * caller gives up on a long rate limit and never retries a 4xx. Rate-limit decisions are logged through
 * the Octokit instance's own `log`.
 */
export function gitHubRequestPolicy(
  options: { retry?: GitHubRetryOptions; throttle?: GitHubThrottleOptions } = {},
): GitHubRequestPolicy {
  const retryOptions = options.retry ?? {}
  const throttle = options.throttle ?? {}
  const maxRetries = throttle.maxRetries ?? 2
  const maxRetryAfterSeconds = throttle.maxRetryAfterSeconds ?? 120

  /** Shared decision for both kinds of rate limit: bounded count, bounded wait. */
  const onLimit =
    (kind: 'primary' | 'secondary'): RateLimitHandler =>
    (retryAfter, request, octokit, retryCount) => {
      const what = `GitHub ${kind} rate limit on ${describeRequest(request)}`
      if (retryCount >= maxRetries) {
        octokit.log.warn(`${what}: giving up after ${retryCount} ${retryCount === 1 ? 'retry' : 'retries'}`)
        return false
      }
      if (retryAfter > maxRetryAfterSeconds) {
        octokit.log.warn(
          `${what}: it lifts in ${retryAfter} s, more than the ${maxRetryAfterSeconds} s allowed; giving up`,
        )
        return false
      }
      octokit.log.warn(`${what}: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries})`)
      return true
    }

  return {
    retry: {
      enabled: retryOptions.enabled ?? true,
      retries: retryOptions.retries ?? 3,
      retryAfterBaseValue: retryOptions.retryAfterBaseMs ?? 1000,
      doNotRetry: [...DO_NOT_RETRY],
    },
    throttle: {
      enabled: throttle.enabled ?? true,
      retryAfterBaseValue: throttle.retryAfterBaseMs ?? 1000,
      fallbackSecondaryRateRetryAfter: throttle.fallbackSecondaryRetryAfterSeconds ?? 60,
      ...(throttle.writeIntervalMs === undefined
        ? {}
        : {
            write: spacingGroup('write', throttle.writeIntervalMs),
            notifications: spacingGroup('notifications', 3 * throttle.writeIntervalMs),
          }),
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  }
}

/**
 * Builds the Octokit every Gittrix GitHub caller uses: `@octokit/rest` with retry and throttling, the
 * API root from `baseUrl` / `GITHUB_API_URL` (GHES honoured), and a logger that never prints the token.
 *
 * ```ts
 * const octokit = createGitHubClient({ token: process.env.GITHUB_TOKEN })
 * const { data } = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' })
 * // tests: no sleeping
 * createGitHubClient({ token, retry: { retryAfterBaseMs: 0 }, throttle: { retryAfterBaseMs: 0, writeIntervalMs: 0 } })
 * ```
 *
 * Errors thrown by requests are Octokit `RequestError`s (`status`, `response`), with the token
 * redacted from `message`, `stack` and their `cause`s. Throws synchronously only for a malformed API URL.
 */
export function createGitHubClient(options: GitHubClientOptions = {}): GitHubClient {
  const baseUrl = resolveGitHubApiUrl(options.baseUrl, options.env)
  if (options.token) registerSecret(options.token)
  if (typeof options.auth === 'string') registerSecret(options.auth)
  const log = redactingLog(options.log)

  const auth = options.token ?? options.auth
  const octokit = new GitHubOctokit({
    ...(auth === undefined ? {} : { auth }),
    ...(options.authStrategy === undefined ? {} : { authStrategy: options.authStrategy }),
    baseUrl,
    userAgent: options.userAgent ?? 'gittrix',
    log,
    ...(options.request ? { request: options.request } : {}),
    ...gitHubRequestPolicy(options),
  })

  octokit.hook.error('request', (error) => {
    throw redactError(error)
  })
  return octokit
}
