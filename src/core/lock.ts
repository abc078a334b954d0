/**
 * Per-session mutual exclusion across processes (proper-lockfile: a lock directory whose mtime the
 * holder refreshes; a holder that crashed stops refreshing and its lock goes stale) and within one
 * process (a promise chain, so same-process callers queue instead of polling).
 *
 * The holder writes `owner.json` (pid, host, start time) into the lock directory, so a waiter can tell
 * a dead holder on this host at once (no process with that pid) instead of waiting for staleness, and
 * a lock whose mtime lies in the future (a clock that jumped back, a copied store), which would never
 * go stale, is taken over too. Every message names the lock directory and what is known of its holder.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import lockfile from 'proper-lockfile'
import { EvictionRaceError } from './errors.ts'

/** Lock timing. All values in ms. */
export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead holder and may be taken. Min 2000. Default 10 000. */
  staleMs?: number
  /** Give up (EVICTION_RACE) after waiting about this long for a live holder. Default 30 000. */
  waitMs?: number
}

/** What a lock directory says about its holder (`owner.json`). */
export interface LockOwner {
  pid: number
  host: string
  /** ISO time the lock was taken. */
  since: string
  /** Random per acquisition, so a waiter removes exactly the lock it judged dead. */
  token: string
}

const OWNER_FILE = 'owner.json'
const POLL_MS = 25

/**
 * The file system proper-lockfile uses, with `rmdir` removing the lock directory and the owner file
 * in it (proper-lockfile removes stale and released locks with `rmdir`, which refuses a non-empty one).
 */
const LOCK_FS = {
  ...fs,
  rmdir: (path: fs.PathLike, callback: (error: NodeJS.ErrnoException | null) => void) =>
    fs.rm(path, { recursive: true, force: true }, callback),
  rmdirSync: (path: fs.PathLike) => fs.rmSync(path, { recursive: true, force: true }),
}

const queues = new Map<string, Promise<unknown>>()

/**
 * Runs `fn` while holding the lock at `lockPath` (a directory is created there). Rejects with
 * `EVICTION_RACE` (naming the lock and its holder) when another live process holds it longer than
 * `waitMs`; other file system errors (e.g. `ENOENT`: the parent directory is gone) reject unchanged.
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
  const deadline = Date.now() + waitMs
  let release: () => Promise<void>
  for (;;) {
    try {
      release = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale: staleMs,
        update: Math.floor(staleMs / 4),
        retries: 0,
        fs: LOCK_FS,
        // A compromised lock (our refresh fell behind) is not fatal to the process; CAS on refs and
        // atomic metadata writes keep the data consistent.
        onCompromised: () => {},
      })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
      const holder = await inspectLock(lockPath)
      const reason = takeOverReason(holder, staleMs)
      if (reason && (await removeLock(lockPath, holder))) continue
      if (Date.now() >= deadline)
        throw new EvictionRaceError(sessionId, { cause: error, lockFile: lockPath, holder: describe(holder) })
      await sleep(POLL_MS)
    }
  }
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  }
  await writeFile(join(lockPath, OWNER_FILE), JSON.stringify(owner)).catch(() => {})
  try {
    return await fn()
  } finally {
    // proper-lockfile removes the directory with rmdir: it must be empty.
    await rm(join(lockPath, OWNER_FILE), { force: true }).catch(() => {})
    await release().catch(() => {})
  }
}

/** What is known about the holder of the lock at `lockPath`. */
interface Holder {
  owner: LockOwner | null
  mtimeMs: number | null
}

async function inspectLock(lockPath: string): Promise<Holder> {
  const [text, info] = await Promise.all([
    readFile(join(lockPath, OWNER_FILE), 'utf8').catch(() => null),
    stat(lockPath).catch(() => null),
  ])
  return { owner: parseOwner(text), mtimeMs: info ? info.mtimeMs : null }
}

function parseOwner(text: string | null): LockOwner | null {
  if (!text) return null
  try {
    return JSON.parse(text) as LockOwner
  } catch {
    return null
  }
}

/**
 * Why a held lock may be taken over: its mtime is further in the future than a live holder's clock
 * could put it (`future`), or its holder ran on this host and no process with its pid exists any more
 * (`dead`). `null`: it may be alive; wait.
 */
function takeOverReason(holder: Holder, staleMs: number): 'future' | 'dead' | null {
  if (holder.mtimeMs !== null && holder.mtimeMs > Date.now() + staleMs) return 'future'
  const owner = holder.owner
  if (owner && owner.host === hostname() && Number.isInteger(owner.pid) && !processAlive(owner.pid))
    return 'dead'
  return null
}

/** True when a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the lock judged dead, unless it changed hands since it was inspected: it is first renamed
 * aside (atomic, so two waiters cannot both take it), then deleted. Resolves whether it was removed.
 */
async function removeLock(lockPath: string, judged: Holder): Promise<boolean> {
  const now = await inspectLock(lockPath)
  if (now.owner?.token !== judged.owner?.token || now.mtimeMs !== judged.mtimeMs) return false
  const aside = `${lockPath}.dead-${randomBytes(4).toString('hex')}`
  try {
    await rename(lockPath, aside)
  } catch {
    return false
  }
  await rm(aside, { recursive: true, force: true })
  return true
}

function describe(holder: Holder): string {
  const parts: string[] = []
  if (holder.owner) parts.push(`pid ${holder.owner.pid} on ${holder.owner.host} since ${holder.owner.since}`)
  if (holder.mtimeMs !== null) parts.push(`last refreshed ${new Date(holder.mtimeMs).toISOString()}`)
  return parts.join(', ') || 'holder unknown'
}
