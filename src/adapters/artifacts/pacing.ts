/**
 * Pacing for the Artifacts control plane: a sliding-window limiter for the documented rate and a
 * bounded exponential backoff for waiting out readiness (202/409) and throttling (429).
 *
 * Source of the rate: https://developers.cloudflare.com/artifacts/platform/limits/ — "Control-plane
 * rate: 2,000 requests / 10 s per namespace".
 */

/** The documented control-plane limit per namespace. */
export const CONTROL_PLANE_RATE = { requests: 2000, windowMs: 10_000 } as const

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}

/**
 * A sliding-window limiter: at most `requests` starts in any `windowMs`. `acquire()` waits (in order)
 * until a slot is free. One instance per namespace.
 */
export class SlidingWindowLimiter {
  private readonly starts: number[] = []
  private queue: Promise<void> = Promise.resolve()
  readonly requests: number
  readonly windowMs: number
  private readonly now: () => number

  constructor(limit: { requests: number; windowMs: number }, now: () => number = Date.now) {
    this.requests = limit.requests
    this.windowMs = limit.windowMs
    this.now = now
  }

  /** Waits for a slot and records the start. */
  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.now()
        while (this.starts.length && this.starts[0]! <= now - this.windowMs) this.starts.shift()
        if (this.starts.length < this.requests) {
          this.starts.push(now)
          return
        }
        await sleep(this.starts[0]! + this.windowMs - now)
      }
    })
    this.queue = turn.catch(() => {})
    return turn
  }
}

/** Backoff settings: the n-th wait is `min(maxMs, baseMs · 2ⁿ)` with ±25 % jitter. */
export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

/** Default backoff: 250 ms doubling to 5 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 5_000 }

/** The wait before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** attempt)
  return Math.round(raw * (0.75 + Math.random() * 0.5))
}

/**
 * Seconds (or an HTTP date) from a `Retry-After` header, in ms; `null` when absent or unreadable.
 * Source: RFC 9110 §10.2.3 (Cloudflare answers 429 with it).
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (!header) return null
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}
