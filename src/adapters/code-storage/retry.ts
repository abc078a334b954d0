/**
 * The `fetch` given to `@pierre/storage`: reads (GET, HEAD) retried with exponential backoff on 408,
 * 429, 5xx and network failures (p-retry); writes (POST, PUT, DELETE) sent once, never replayed, since
 * a replayed commit or branch creation could land twice or report a lost race it won. The SDK sends
 * every request through its `fetch` option (node_modules/@pierre/storage/src/fetch.ts, commit.ts).
 */
import pRetry from 'p-retry'

/** Retry policy for reads. Defaults: 4 retries, 200 ms doubling up to 5,000 ms. */
export interface ReadRetryOptions {
  /** Retries after the first attempt (0 disables). */
  retries?: number
  /** First delay in ms. */
  minTimeoutMs?: number
  /** Largest delay in ms. */
  maxTimeoutMs?: number
}

/**
 * The HTTP status of the write request sent with each `AbortSignal`. The SDK turns a refused commit
 * into a `RefUpdateError` whose `reason` comes from the body alone (a bare 403 reads as `failed`:
 * node_modules/@pierre/storage/src/commit-pack.ts), so callers pass their own signal and read the
 * status back with {@link writeStatus}.
 */
const writeStatuses = new WeakMap<AbortSignal, number>()

/** The HTTP status the write sent with `signal` got, if any (see `writeStatuses`). */
export function writeStatus(signal: AbortSignal): number | undefined {
  return writeStatuses.get(signal)
}

const RETRIED_STATUS = new Set([408, 429, 500, 502, 503, 504])

class RetryableResponse extends Error {
  readonly response: Response
  constructor(response: Response) {
    super(`HTTP ${response.status}`)
    this.response = response
  }
}

/**
 * Wraps `base` so GET and HEAD requests are retried; resolves the last response when retries run out
 * (the SDK then throws its `ApiError` with that status). Other methods pass straight through.
 */
export function readRetryingFetch(base: typeof fetch, options: ReadRetryOptions = {}): typeof fetch {
  const retries = options.retries ?? 4
  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (method !== 'GET' && method !== 'HEAD') {
      const response = await base(input, init)
      if (init?.signal) writeStatuses.set(init.signal, response.status)
      return response
    }
    if (retries <= 0) return base(input, init)
    let previous: Response | undefined
    try {
      return await pRetry(
        async () => {
          // A refused attempt's body is dropped only when another attempt replaces it.
          await previous?.body?.cancel()
          const response = await base(input, init)
          if (!RETRIED_STATUS.has(response.status)) return response
          previous = response
          throw new RetryableResponse(response)
        },
        {
          retries,
          minTimeout: options.minTimeoutMs ?? 200,
          maxTimeout: options.maxTimeoutMs ?? 5_000,
        },
      )
    } catch (error) {
      // Out of retries: the SDK reads the last status and body into its ApiError.
      if (error instanceof RetryableResponse) return error.response
      throw error
    }
  }
}
