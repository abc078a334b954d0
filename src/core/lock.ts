/**
 * Per-session mutual exclusion across processes (proper-lockfile: a lock directory whose mtime the
 * holder refreshes; a holder that crashed stops refreshing and its lock goes stale) and within one
 * process (a promise chain, so same-process callers queue instead of polling).
 *
 * The holder writes `owner.json` (pid, host, start time) into the lock directory, so a waiter can tell
 * a dead holder on this host at once (no process with that pid) instead of waiting for staleness, and
 * a lock whose mtime lies in the future (a clock that jumped back, a copied store), which would never
 * go stale, is taken over too. Every message names the lock directory and what is known of its holder.
 *
 * Nothing is written into a lock directory once proper-lockfile has set its mtime: at each refresh it
 * checks that the mtime is still the one it set and otherwise declares the lock compromised and stops
 * refreshing it (https://github.com/moxystudio/node-proper-lockfile, `lib/lockfile.js` `updateLock`),
 * so another process would take it over once stale while its holder still works under it. `owner.json`
 * is written between the `mkdir` that takes the lock and proper-lockfile's first mtime (see
 * {@link lockFs}); a waiter's request to let go is a file beside the lock directory ({@link wantedFile}).
 *
 * A burst of calls (`HoldOptions.linger`: an agent writing file after file) keeps the lock from one
 * call to the next instead of taking and releasing it each time; it is let go as soon as the event
 * loop turns with no call queued, and after `MAX_LINGER_MS` to any process that asked for it.
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
 * The file system proper-lockfile uses for one acquisition by `owner`: `mkdir` takes the lock and
 * writes `owner.json` into it before calling back, so the mtime proper-lockfile then sets and checks
 * at every refresh comes after the last write into the directory; `rmdir` removes the directory with
 * the owner file in it (proper-lockfile removes stale and released locks with `rmdir`, which refuses
 * a non-empty one).
 */
function lockFs(owner: LockOwner): typeof fs {
  return {
    ...fs,
    mkdir: ((path: fs.PathLike, callback: (error: NodeJS.ErrnoException | null) => void) =>
      fs.mkdir(path, (error) => {
        if (error) return callback(error)
        // A lock without its owner file is still a lock (it goes stale); an ownerless one is only waited on.
        fs.writeFile(join(String(path), OWNER_FILE), JSON.stringify(owner), () => callback(null))
      })) as typeof fs.mkdir,
    rmdir: ((path: fs.PathLike, callback: (error: NodeJS.ErrnoException | null) => void) =>
      fs.rm(path, { recursive: true, force: true }, callback)) as typeof fs.rmdir,
    rmdirSync: (path: fs.PathLike) => fs.rmSync(path, { recursive: true, force: true }),
  }
}

const queues = new Map<string, Promise<unknown>>()

/**
 * A burst of calls in one process holds the lock at most this long (ms) before it lets go, when
 * another process has asked for it ({@link wantedFile}); see {@link HoldOptions.linger}.
 */
export const MAX_LINGER_MS = 1000
/**
 * The file a waiting process writes beside a held lock directory (not in it: that would change the
 * directory's mtime): "let go after your current call". The next holder removes it.
 */
function wantedFile(lockPath: string): string {
  return `${lockPath}.wanted`
}

/** How one call holds the lock. */
export interface HoldOptions {
  /**
   * Keep the lock (and anything cached under it, see {@link currentLease}) after `fn` while the same
   * process calls again without the event loop turning in between (a caller awaiting call after
   * call): it is released on the next turn with no call queued. After {@link MAX_LINGER_MS} of
   * holding, a process that waits for the lock gets it before this process takes it again.
   */
  linger?: boolean
}

/** One continuous hold of a lock by this process: the same object from acquisition to release. */
export interface Lease {
  readonly lockPath: string
}

interface Held {
  lease: Lease
  release: () => Promise<void>
  /** `Date.now()` when this process last took the lock, or last checked that nobody waits. */
  since: number
  compromised: boolean
  idle: NodeJS.Immediate | undefined
}

const held = new Map<string, Held>()
/** Locks this process let go of for a waiter: not taken again before this time (ms). */
const yieldUntil = new Map<string, number>()

/**
 * The lease this process holds on `lockPath` right now (between calls too, while a hold lingers), or
 * `undefined`. While the same lease is held, no other process that locks `lockPath` has written
 * anything it guards: what was read under it is still current.
 */
export function currentLease(lockPath: string): Lease | undefined {
  const h = held.get(lockPath)
  return h && !h.compromised ? h.lease : undefined
}

/** Queues `job` after everything queued on `lockPath` in this process. */
function enqueue<T>(lockPath: string, job: () => Promise<T>): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve()
  const run = previous.catch(() => {}).then(job)
  const tail = run.then(
    () => {},
    () => {},
  )
  queues.set(lockPath, tail)
  void tail.then(() => {
    if (queues.get(lockPath) === tail) queues.delete(lockPath)
  })
  return run
}

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
  hold: HoldOptions = {},
): Promise<T> {
  return enqueue(lockPath, () => holdFileLock(lockPath, sessionId, fn, options, hold.linger === true))
}

async function holdFileLock<T>(
  lockPath: string,
  sessionId: string,
  fn: () => Promise<T>,
  options: LockOptions,
  linger: boolean,
): Promise<T> {
  let h = held.get(lockPath)
  if (h?.idle) clearImmediate(h.idle)
  if (h) h.idle = undefined
  if (h?.compromised) {
    await letGo(lockPath, h)
    h = undefined
  }
  h ??= await acquire(lockPath, sessionId, options)
  let keep = false
  try {
    const result = await fn()
    keep = linger && (await mayLinger(lockPath, h))
    return result
  } finally {
    if (keep) {
      const mine = h
      mine.idle = setImmediate(() => {
        mine.idle = undefined
        // A call queued since keeps it; otherwise let go, in turn with any call that comes now.
        if (held.get(lockPath) === mine && !queues.has(lockPath))
          void enqueue(lockPath, async () => {
            if (held.get(lockPath) === mine && !mine.idle) await letGo(lockPath, mine)
          })
      })
    } else await letGo(lockPath, h)
  }
}

/** Whether a hold may go on after a call: not compromised, and no other process waiting past {@link MAX_LINGER_MS}. */
async function mayLinger(lockPath: string, h: Held): Promise<boolean> {
  if (h.compromised) return false
  if (Date.now() - h.since < MAX_LINGER_MS) return true
  const wanted = await stat(wantedFile(lockPath)).catch(() => null)
  if (!wanted) {
    h.since = Date.now()
    return true
  }
  yieldUntil.set(lockPath, Date.now() + 4 * POLL_MS)
  return false
}

async function letGo(lockPath: string, h: Held): Promise<void> {
  if (held.get(lockPath) === h) held.delete(lockPath)
  // proper-lockfile removes the directory with rmdir through lockFs (recursive: the owner file).
  await h.release().catch(() => {})
}

async function acquire(lockPath: string, sessionId: string, options: LockOptions): Promise<Held> {
  const staleMs = Math.max(2000, options.staleMs ?? 10_000)
  const waitMs = options.waitMs ?? 30_000
  const deadline = Date.now() + waitMs
  const yielded = (yieldUntil.get(lockPath) ?? 0) - Date.now()
  if (yielded > 0) await sleep(yielded)
  yieldUntil.delete(lockPath)
  let release: () => Promise<void>
  const h: Held = {
    lease: { lockPath },
    release: async () => {},
    since: 0,
    compromised: false,
    idle: undefined,
  }
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: '',
    token: randomBytes(8).toString('hex'),
  }
  for (;;) {
    owner.since = new Date().toISOString()
    try {
      release = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale: staleMs,
        update: Math.floor(staleMs / 4),
        retries: 0,
        fs: lockFs(owner),
        // A compromised lock (our refresh fell behind) is not fatal to the process; CAS on refs and
        // atomic metadata writes keep the data consistent. A lingering hold ends with it.
        onCompromised: () => {
          h.compromised = true
        },
      })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
      const holder = await inspectLock(lockPath)
      const reason = takeOverReason(holder, staleMs)
      if (reason && (await removeLock(lockPath, holder))) continue
      if (Date.now() >= deadline)
        throw new EvictionRaceError(sessionId, { cause: error, lockFile: lockPath, holder: describe(holder) })
      // Asks a holder that lingers over a burst of calls to let go (see HoldOptions.linger).
      await writeFile(wantedFile(lockPath), '').catch(() => {})
      await sleep(POLL_MS)
    }
  }
  // Asked for by whoever waited; a process still waiting asks again at its next poll.
  await rm(wantedFile(lockPath), { force: true }).catch(() => {})
  h.release = release
  h.since = Date.now()
  held.set(lockPath, h)
  return h
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
