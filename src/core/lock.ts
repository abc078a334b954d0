/**
 * Per-session mutual exclusion across processes (proper-lockfile: a lock directory whose mtime the
 * holder refreshes; a holder that crashed stops refreshing and its lock goes stale) and within one
 * process (a promise chain, so same-process callers queue instead of polling).
 */
import lockfile from 'proper-lockfile'
import { EvictionRaceError } from './errors.ts'

/** Lock timing. All values in ms. */
export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead holder and may be taken. Min 2000. Default 10 000. */
  staleMs?: number
  /** Give up (EVICTION_RACE) after waiting about this long for a live holder. Default 30 000. */
  waitMs?: number
}

const queues = new Map<string, Promise<unknown>>()

/**
 * Runs `fn` while holding the lock at `lockPath` (a directory is created there). Rejects with
 * `EVICTION_RACE` when another live process holds it longer than `waitMs`.
 */
export async function withLock<T>(
  lockPath: string,
  sessionId: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve()
  const run = previous.catch(() => {}).then(() => holdFileLock(lockPath, sessionId, fn, options))
  const tail = run.catch(() => {})
  queues.set(lockPath, tail)
  try {
    return await run
  } finally {
    if (queues.get(lockPath) === tail) queues.delete(lockPath)
  }
}

async function holdFileLock<T>(
  lockPath: string,
  sessionId: string,
  fn: () => Promise<T>,
  options: LockOptions,
): Promise<T> {
  const staleMs = Math.max(2000, options.staleMs ?? 10_000)
  const waitMs = options.waitMs ?? 30_000
  const pollMs = 25
  let release: () => Promise<void>
  try {
    release = await lockfile.lock(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: staleMs,
      update: Math.floor(staleMs / 4),
      retries: { retries: Math.ceil(waitMs / pollMs), factor: 1, minTimeout: pollMs, maxTimeout: pollMs },
      // A compromised lock (our refresh fell behind) is not fatal to the process; CAS on refs and
      // atomic metadata writes keep the data consistent.
      onCompromised: () => {},
    })
  } catch (error) {
    throw new EvictionRaceError(sessionId, { cause: error })
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => {})
  }
}
