/**
 * The internals one session needs: store, adapters, clock, locks. Not exported from the package.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { DurableAdapter, EphemeralAdapter, WorkspaceHandle } from './adapters.ts'
import { SessionExpiredError } from './errors.ts'
import { type LockOptions, withLock } from './lock.ts'
import type { SessionMetadata } from './metadata.ts'
import type { SessionStore } from './store.ts'

/** Shared by the router and every session object. */
export interface SessionRuntime {
  store: SessionStore
  durable: DurableAdapter
  ephemeral: EphemeralAdapter
  lock: LockOptions
  /** Clock in ms (injectable for eviction tests). */
  now(): number
}

/** The adapter's view of a session's workspace. */
export function workspaceHandle(runtime: SessionRuntime, meta: SessionMetadata): WorkspaceHandle {
  return {
    sessionId: meta.id,
    sessionDir: runtime.store.sessionDir(meta.id),
    baselineSha: meta.baselineSha,
    ephemeralRef: meta.ephemeralRef,
    ...(meta.ephemeralPath ? { ephemeralPath: meta.ephemeralPath } : {}),
  }
}

/** Throws `SESSION_EXPIRED` unless the session is active. */
export function assertActive(meta: SessionMetadata): void {
  if (meta.state !== 'active') throw new SessionExpiredError(meta.id, meta.state)
}

/**
 * Runs `fn` under the lock of the durable branch `ref` (one per store), so promotions from sessions of
 * the same store queue instead of racing; compare-and-swap still guards against everyone else.
 */
export function withDurableLock<T>(runtime: SessionRuntime, ref: string, fn: () => Promise<T>): Promise<T> {
  const key = createHash('sha256').update(ref).digest('hex').slice(0, 24)
  return withLock(join(runtime.store.root, `.durable-${key}.lock`), `durable ${ref}`, fn, runtime.lock)
}
