/**
 * The local session store: `<root>/<session-id>/{metadata.json, .lock, workspace/}`.
 * Metadata is validated on every read and written atomically (unique temp file, fsync, rename).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import {
  InvalidArgumentError,
  MetadataInvalidError,
  MetadataVersionError,
  SessionNotFoundError,
} from './errors.ts'
import { type LockOptions, withLock } from './lock.ts'
import { METADATA_VERSION, type SessionMetadata, sessionMetadataSchema } from './metadata.ts'

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

/** Reads, writes and locks session metadata under one root directory. */
export class SessionStore {
  readonly root: string
  private readonly lockOptions: LockOptions

  constructor(root: string, lockOptions: LockOptions = {}) {
    this.root = root
    this.lockOptions = lockOptions
  }

  /** Creates the root directory. */
  async ensure(): Promise<void> {
    await mkdir(this.root, { recursive: true })
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
   * Reads and validates a session's metadata.
   * Throws `SESSION_NOT_FOUND`, `METADATA_VERSION_UNSUPPORTED` or `METADATA_INVALID` (naming the file).
   */
  async read(id: string): Promise<SessionMetadata> {
    const file = this.metadataFile(id)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SessionNotFoundError(id)
      throw error
    }
    return parseMetadata(file, text)
  }

  /** Writes metadata atomically: a unique temp file in the same directory, fsync, then rename. */
  async write(metadata: SessionMetadata): Promise<void> {
    const valid = sessionMetadataSchema.parse(metadata)
    const file = this.metadataFile(valid.id)
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    const handle = await open(temp, 'w', 0o600)
    try {
      await handle.writeFile(`${JSON.stringify(valid, null, 2)}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await rename(temp, file)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
  }

  /** Every readable session's metadata, sorted by creation time. Unreadable entries are reported in `errors`. */
  async list(): Promise<{ sessions: SessionMetadata[]; errors: Error[] }> {
    const names = await readdir(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[]
      throw error
    })
    const sessions: SessionMetadata[] = []
    const errors: Error[] = []
    await Promise.all(
      names
        .filter((name) => SESSION_ID.test(name))
        .map(async (name) => {
          try {
            sessions.push(await this.read(name))
          } catch (error) {
            // A directory without metadata is a session whose start never finished: not listed.
            if (!(error instanceof SessionNotFoundError)) errors.push(error as Error)
          }
        }),
    )
    sessions.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    return { sessions, errors }
  }

  /** Runs `fn` holding the session's lock (`<root>/<id>/.lock`). Throws `EVICTION_RACE` on timeout. */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return withLock(join(this.sessionDir(id), '.lock'), id, fn, this.lockOptions)
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
    await rm(this.sessionDir(id), { recursive: true, force: true })
  }
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
