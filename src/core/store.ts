/**
 * The local session store: `<root>/<session-id>/{metadata.json, .lock, workspace/}`.
 * Metadata is validated on every read and written atomically (unique temp file, fsync, rename).
 */
import { randomBytes } from 'node:crypto'
import { type BigIntStats, statSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import {
  GittrixError,
  InvalidArgumentError,
  MetadataInvalidError,
  MetadataVersionError,
  SessionNotFoundError,
} from './errors.ts'
import { currentLease, type HoldOptions, type Lease, type LockOptions, withLock } from './lock.ts'
import { METADATA_VERSION, type SessionMetadata, sessionMetadataSchema } from './metadata.ts'
import { removeTree } from './remove-tree.ts'

/** The default store: `$GITTRIX_HOME/sessions`, else `~/.gittrix/sessions`. */
export function defaultStoreDir(): string {
  return process.env.GITTRIX_HOME
    ? join(process.env.GITTRIX_HOME, 'sessions')
    : join(homedir(), '.gittrix', 'sessions')
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/

/** Checks a session id before it is joined into a path. Throws `INVALID_ARGUMENT`. */
export function assertSessionId(id: string): void {
  if (typeof id !== 'string' || !SESSION_ID.test(id)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(id)} is not a session id (expected letters, digits, "_" or "-").`,
    )
  }
}

/** A new session id: `sess_` + 12 lowercase base-32 characters (60 random bits). */
export function newSessionId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  const bytes = randomBytes(12)
  let id = 'sess_'
  for (const byte of bytes) id += alphabet[byte & 31]
  return id
}

/** A session directory whose metadata cannot be read, and why (`METADATA_INVALID`, `METADATA_VERSION_UNSUPPORTED`, …). */
export interface DamagedSession {
  id: string
  error: GittrixError
}

/** Reads, writes and locks session metadata under one root directory. */
export class SessionStore {
  readonly root: string
  private readonly lockOptions: LockOptions
  /**
   * Metadata read or written under a lease of the session's lock, by id. Served again only while that
   * same lease is held (no other process can have written it) and the file is the same one (device,
   * inode, size, mtime, ctime: nothing in this process wrote it behind the store's back).
   */
  readonly #cache = new Map<string, { lease: Lease; file: string; meta: SessionMetadata }>()

  constructor(root: string, lockOptions: LockOptions = {}) {
    this.root = root
    this.lockOptions = lockOptions
  }

  /** Creates the root directory. Throws `INVALID_ARGUMENT` when the root (or a parent) is a file. */
  async ensure(): Promise<void> {
    await mkdir(this.root, { recursive: true }).catch((error: unknown) => this.rethrow(error))
  }

  /**
   * `error` as a Gittrix error when the store itself is unusable: `INVALID_ARGUMENT` when the root is
   * not a directory (`ENOTDIR`, `EEXIST`); anything else unchanged.
   */
  private async rethrow(error: unknown): Promise<never> {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      const root = await stat(this.root).catch(() => null)
      if (!root?.isDirectory())
        throw new InvalidArgumentError(
          `The session store ${this.root} is not a directory. Pass a directory with --store (or storeDir), or set GITTRIX_HOME.`,
        )
    }
    throw error
  }

  /** `<root>/<id>`. Throws `INVALID_ARGUMENT` for a malformed id. */
  sessionDir(id: string): string {
    assertSessionId(id)
    return join(this.root, id)
  }

  /** `<root>/<id>/workspace`: where local workspaces live. */
  workspaceDir(id: string): string {
    return join(this.sessionDir(id), 'workspace')
  }

  private metadataFile(id: string): string {
    return join(this.sessionDir(id), 'metadata.json')
  }

  /**
   * Reads and validates a session's metadata; its `id` must be the name of its directory (a
   * `metadata.json` copied into another session's directory is not trusted).
   * Throws `SESSION_NOT_FOUND`, `METADATA_VERSION_UNSUPPORTED` or `METADATA_INVALID` (naming the file),
   * `INVALID_ARGUMENT` (malformed id, or the store is not a directory).
   */
  async read(id: string): Promise<SessionMetadata> {
    const file = this.metadataFile(id)
    const lease = currentLease(this.lockPath(id))
    const cached = this.#cache.get(id)
    if (cached && lease && cached.lease === lease) {
      // Synchronous: one inode lookup, against a thread-pool round trip per call of a burst.
      let now: BigIntStats | undefined
      try {
        now = statSync(file, { bigint: true, throwIfNoEntry: false })
      } catch {
        now = undefined
      }
      if (now && fileIdentity(now) === cached.file) return structuredClone(cached.meta)
    }
    this.#cache.delete(id)
    let text: string
    let identity: string | null = null
    try {
      // The identity is taken before the read: a file replaced in between is read again next time.
      if (lease) identity = fileIdentity(await stat(file, { bigint: true }))
      text = await readFile(file, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new SessionNotFoundError(id)
      if (code === 'ENOTDIR') {
        await this.rethrow(error)
        throw new MetadataInvalidError(file, `${this.sessionDir(id)} is not a directory`, { cause: error })
      }
      if (code === 'EISDIR') throw new MetadataInvalidError(file, 'it is a directory', { cause: error })
      throw new MetadataInvalidError(file, `it cannot be read (${code ?? (error as Error).message})`, {
        cause: error,
      })
    }
    const meta = parseMetadata(file, text)
    if (meta.id !== id)
      throw new MetadataInvalidError(
        file,
        `its id ${JSON.stringify(meta.id)} is not its directory's name ${id}`,
      )
    if (lease && identity) this.#cache.set(id, { lease, file: identity, meta: structuredClone(meta) })
    return meta
  }

  /**
   * Writes metadata atomically: a unique temp file in the same directory, fsync, then rename. Callers
   * hold the session lock, so temp files another process left (killed mid-write) are removed.
   */
  async write(metadata: SessionMetadata): Promise<void> {
    const valid = sessionMetadataSchema.parse(metadata)
    const file = this.metadataFile(valid.id)
    const dir = this.sessionDir(valid.id)
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (/^metadata\.json\..+\.tmp$/.test(name)) await rm(join(dir, name), { force: true })
    }
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    const handle = await open(temp, 'w', 0o600)
    try {
      await handle.writeFile(`${JSON.stringify(valid, null, 2)}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    this.#cache.delete(valid.id)
    try {
      await rename(temp, file)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    const lease = currentLease(this.lockPath(valid.id))
    const written = lease ? await stat(file, { bigint: true }).catch(() => null) : null
    if (lease && written)
      this.#cache.set(valid.id, { lease, file: fileIdentity(written), meta: structuredClone(valid) })
  }

  /**
   * Every readable session's metadata, sorted by creation time, and every damaged one (metadata that
   * cannot be read or validated) with its error, sorted by id. A directory without metadata is a
   * session whose start never finished: in neither list. Throws `INVALID_ARGUMENT` when the store is
   * not a directory.
   */
  async list(): Promise<{ sessions: SessionMetadata[]; damaged: DamagedSession[] }> {
    const names = await readdir(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[]
      return this.rethrow(error)
    })
    const sessions: SessionMetadata[] = []
    const damaged: DamagedSession[] = []
    await Promise.all(
      names
        .filter((name) => SESSION_ID.test(name))
        .map(async (name) => {
          try {
            sessions.push(await this.read(name))
          } catch (error) {
            if (error instanceof SessionNotFoundError) return
            damaged.push({
              id: name,
              error:
                error instanceof GittrixError
                  ? error
                  : new MetadataInvalidError(this.metadataFile(name), (error as Error).message, {
                      cause: error,
                    }),
            })
          }
        }),
    )
    sessions.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    damaged.sort((a, b) => a.id.localeCompare(b.id))
    return { sessions, damaged }
  }

  private lockPath(id: string): string {
    return join(this.sessionDir(id), '.lock')
  }

  /**
   * Runs `fn` holding the session's lock (`<root>/<id>/.lock`); `hold.linger` keeps it over a burst of
   * calls (see `HoldOptions` in lock.ts). Throws `EVICTION_RACE` on timeout, `SESSION_NOT_FOUND` when
   * the session directory is gone.
   */
  async withLock<T>(id: string, fn: () => Promise<T>, hold: HoldOptions = {}): Promise<T> {
    const lockPath = this.lockPath(id)
    const dir = this.sessionDir(id)
    // A lease this process holds proves the directory is there (its lock directory is inside it).
    if (!currentLease(lockPath)) {
      const found = await stat(dir).catch((error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' ? null : this.rethrow(error),
      )
      if (!found) throw new SessionNotFoundError(id)
    }
    return withLock(lockPath, id, fn, this.lockOptions, hold)
  }

  /** Read-modify-write under the session lock. `change` returns the new metadata (or the same object). */
  async update(
    id: string,
    change: (current: SessionMetadata) => SessionMetadata | Promise<SessionMetadata>,
  ): Promise<SessionMetadata> {
    return this.withLock(id, async () => {
      const next = await change(await this.read(id))
      await this.write(next)
      return next
    })
  }

  /** Removes a session directory entirely (metadata included). */
  async remove(id: string): Promise<void> {
    this.#cache.delete(id)
    await removeTree(this.sessionDir(id))
  }
}

/** Device, inode, size, mtime and ctime (ns) of a file: changes whenever the file is replaced or rewritten. */
function fileIdentity(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`
}

/** Parses and validates metadata text; `file` names the source in errors. */
export function parseMetadata(file: string, text: string): SessionMetadata {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new MetadataInvalidError(file, 'not JSON', { cause: error })
  }
  const version = (raw as { metadataVersion?: unknown } | null)?.metadataVersion
  if (version === undefined) throw new MetadataInvalidError(file, 'metadataVersion is missing')
  if (version !== METADATA_VERSION) throw new MetadataVersionError(file, version)
  const parsed = sessionMetadataSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MetadataInvalidError(file, `${issue?.path.join('.') || 'root'}: ${issue?.message}`)
  }
  return parsed.data as SessionMetadata
}
