/**
 * The two faces of a session. `UserSession` reviews and decides (diff, promote, discard, extend);
 * `AgentSession` only works in the workspace. An AgentSession holds nothing that can promote: its
 * private field keeps just the six agent operations, and its class has no other methods.
 */
import type { EphemeralAdapter } from './adapters.ts'
import { diffChanges } from './diff.ts'
import { FileNotFoundError, GittrixError, InvalidArgumentError, SessionExpiredError } from './errors.ts'
import { resolveEviction } from './eviction.ts'
import {
  type Checkpoint,
  checkCommitId,
  decodeToolCallsNote,
  encodeToolCallsNote,
  parseTranscript,
  type RestoreResult,
  type ShowResult,
  type ToolCallClientNote,
  type ToolCallNote,
  transcriptLines,
} from './history.ts'
import type { SessionMetadata } from './metadata.ts'
import { normalizeRepoDir, normalizeRepoPath } from './paths.ts'
import { runPromotion } from './promote.ts'
import { promotedPaths, remainingChanges } from './remaining.ts'
import { assertActive, type SessionRuntime, workspaceHandle } from './runtime.ts'
import { selectChanges } from './select.ts'
import type {
  DiffBudget,
  ListEntry,
  PromoteOptions,
  PromoteOutcome,
  SessionDiff,
  TreeChange,
  WorkspaceSnapshot,
} from './types.ts'

/** Options for `write`. */
export interface WriteOptions {
  /** Set (`true`) or clear (`false`) the executable bit; omitted keeps the file's current mode. */
  executable?: boolean
}

/** Options for `diff`. */
export interface DiffOptions {
  /** Limit the diff to these touched paths or globs. */
  paths?: string[]
  /**
   * Emit `GIT binary patch` hunks with full object ids, so `git apply` reproduces binary files too.
   * Default false: binary files show as `Binary files a/p and b/p differ`, as in a review.
   */
  binary?: boolean
  /**
   * Bounds what a diff that is shown (not applied) reads: see {@link DiffBudget}. Files past the budget
   * are listed without their patch; `partial` on the result says so.
   */
  budget?: DiffBudget
  /**
   * Session history: the old side is this checkpoint (a commit id of the session, see `log`) instead
   * of the baseline. Not with `paths` or `budget`. Rendered by the workspace's git: such a diff
   * carries no hunk ids (it is not what a promotion applies).
   */
  from?: string
  /**
   * Session history: the new side is this checkpoint instead of the workspace as it is now. Without
   * `from`, its hunk ids are those `promote({ at: to })` selects from.
   */
  to?: string
}

/** Options of {@link UserSession.log}. */
export interface LogOptions {
  /** At most this many points (newest first). Default: all. */
  limit?: number
}

/** The operations an agent may use. */
interface AgentOperations {
  read(path: string): Promise<Uint8Array>
  write(path: string, content: Uint8Array | string, options?: WriteOptions): Promise<void>
  delete(path: string): Promise<void>
  list(dir?: string, options?: { recursive?: boolean }): Promise<ListEntry[]>
  diff(options?: DiffOptions): Promise<string>
  commit(message: string): Promise<string>
}

/** Every operation on one session, bound to its id. Internal. */
class SessionOperations implements AgentOperations {
  readonly id: string
  private readonly runtime: SessionRuntime
  /** The workspace commit reviews and promotions of this session read (see `GitTrix.restoreSession`). */
  readonly pin: string | undefined
  /** The snapshot of {@link pin}, read once: a commit does not change. */
  #pinned: Promise<WorkspaceSnapshot> | undefined

  constructor(runtime: SessionRuntime, id: string, pin?: string) {
    this.runtime = runtime
    this.id = id
    this.pin = pin
  }

  /**
   * The workspace as reviewed: at the pinned commit (read once, then reused), else as it is now.
   * `forPromotion` is passed on when this read is the first (see `SnapshotOptions.forPromotion`).
   */
  private snapshot(meta: SessionMetadata, forPromotion = false): Promise<WorkspaceSnapshot> {
    const handle = this.handle(meta)
    if (this.pin === undefined) return this.runtime.ephemeral.snapshot(handle)
    if (!this.#pinned) {
      const pinned = this.runtime.ephemeral.snapshot(handle, {
        at: this.pin,
        ...(forPromotion ? { forPromotion } : {}),
      })
      this.#pinned = pinned
      pinned.catch(() => {
        if (this.#pinned === pinned) this.#pinned = undefined
      })
    }
    return this.#pinned
  }

  /**
   * Reads metadata, requires `active`, runs `fn`, then bumps `lastAccessAt` (to
   * {@link ACCESS_RESOLUTION_MS}) and, when `touched` yields the paths `fn` found changed, records them
   * (all under the session lock). `linger` keeps the lock over a burst of calls (file operations).
   */
  private async active<T>(
    fn: (meta: SessionMetadata) => Promise<T>,
    touched?: () => string[] | undefined,
    linger = false,
  ): Promise<T> {
    const { store } = this.runtime
    return store.withLock(
      this.id,
      async () => {
        const meta = await store.read(this.id)
        assertActive(meta)
        const result = await fn(meta)
        const now = this.runtime.now()
        const touchedFiles = touched?.()
        // Written when the touched list changed or the access time is stale, not on every read.
        const moved = touchedFiles !== undefined && !samePaths(touchedFiles, meta.touchedFiles)
        if (moved || accessIsStale(meta, now))
          await store.write({
            ...meta,
            lastAccessAt: new Date(now).toISOString(),
            ...(touchedFiles ? { touchedFiles } : {}),
          })
        return result
      },
      { linger },
    )
  }

  private handle(meta: SessionMetadata) {
    return workspaceHandle(this.runtime, meta)
  }

  info(): Promise<SessionMetadata> {
    return this.runtime.store.read(this.id)
  }

  async read(path: string): Promise<Uint8Array> {
    const rel = normalizeRepoPath(path)
    return this.active(
      async (meta) => {
        const bytes = await this.runtime.ephemeral.read(this.handle(meta), rel)
        if (bytes === null) throw new FileNotFoundError(rel, `session ${this.id}`)
        return bytes
      },
      undefined,
      true,
    )
  }

  async write(path: string, content: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
    const rel = normalizeRepoPath(path)
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
      throw new InvalidArgumentError('write() content must be a Uint8Array or a string.')
    }
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content
    return this.active(
      (meta) => this.runtime.ephemeral.write(this.handle(meta), rel, bytes, options),
      undefined,
      true,
    )
  }

  async delete(path: string): Promise<void> {
    const rel = normalizeRepoPath(path)
    return this.active((meta) => this.runtime.ephemeral.delete(this.handle(meta), rel), undefined, true)
  }

  async list(dir?: string, options: { recursive?: boolean } = {}): Promise<ListEntry[]> {
    const rel = normalizeRepoDir(dir)
    return this.active((meta) => this.runtime.ephemeral.list(this.handle(meta), rel, options))
  }

  async commit(message: string): Promise<string> {
    if (typeof message !== 'string' || !message.trim())
      throw new InvalidArgumentError('commit() needs a message.')
    return this.active((meta) => this.runtime.ephemeral.commit(this.handle(meta), message))
  }

  async diff(options: DiffOptions = {}): Promise<string> {
    return (await this.diffDetails(options)).patch
  }

  diffDetails(options: DiffOptions = {}): Promise<SessionDiff> {
    if (options.from !== undefined || options.to !== undefined) return this.diffBetween(options)
    let touched: string[] | undefined
    const binary = options.binary === true
    const budget = checkBudget(options.budget)
    return this.active(
      async (meta) => {
        const { durable } = this.runtime
        // From a snapshot, never the adapter's own `git diff`: the hunks and their ids must be the ones
        // a hunk promotion computes (src/core/hunks.ts). A review snapshot gives them without storing
        // the workspace, when nothing promoted changes what is pending and no commit is pinned.
        const review =
          !binary && this.pin === undefined && promotedPaths(meta).size === 0
            ? await this.runtime.ephemeral.reviewSnapshot?.(this.handle(meta))
            : undefined
        const snapshot = review ?? (await this.snapshot(meta))
        const pending = remainingChanges(snapshot.changes, meta)
        touched = pending.map((c) => c.path)
        return diffChanges(snapshot, pick(pending, options.paths), durable, {
          binary,
          ...(budget ? { budget } : {}),
        })
      },
      () => touched,
    )
  }

  /** The diff between two points of the session's history (see {@link DiffOptions.from}). */
  private diffBetween(options: DiffOptions): Promise<SessionDiff> {
    const from = options.from === undefined ? undefined : checkCommitId(options.from, 'diff { from }')
    const to = options.to === undefined ? undefined : checkCommitId(options.to, 'diff { to }')
    if (options.paths?.length || options.budget) {
      throw new InvalidArgumentError(
        'diff { from, to } shows whole checkpoints; it takes no paths or budget.',
      )
    }
    const { ephemeral, durable } = this.runtime
    const binary = options.binary === true
    if (from === undefined && to !== undefined) {
      // Baseline to a checkpoint: what `promote({ at: to })` promotes, with the same hunks and ids.
      return this.present(async (meta) => {
        const snapshot = await ephemeral.snapshot(this.handle(meta), { at: to })
        return diffChanges(snapshot, snapshot.changes, durable, { binary })
      })
    }
    if (!ephemeral.snapshotBetween) throw noHistory(ephemeral, 'diff-between')
    const between = ephemeral.snapshotBetween.bind(ephemeral)
    // The adapter gives the two points' changes; the core renders them as every other diff (its own
    // binary rule, never one the agent's `.gitattributes` chose).
    return this.present(async (meta) => {
      const snapshot = await between(this.handle(meta), {
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      })
      // Between two checkpoints: no hunk ids (a promotion selects from the baseline's side).
      return diffChanges(snapshot, snapshot.changes, durable, { binary, hunkIds: false })
    })
  }

  /**
   * Runs `fn` under the session lock while the workspace exists (any state but discarded, expired, or
   * promoted with the workspace removed). Metadata is not written. Throws `SESSION_EXPIRED`.
   */
  private present<T>(fn: (meta: SessionMetadata) => Promise<T>): Promise<T> {
    const { store } = this.runtime
    return store.withLock(this.id, async () => {
      const meta = await store.read(this.id)
      const gone =
        meta.state === 'discarded' ||
        meta.state === 'expired' ||
        (meta.state === 'promoted' && meta.evictionPolicy.untilPromote)
      if (gone) throw new SessionExpiredError(meta.id, meta.state)
      return fn(meta)
    })
  }

  /**
   * The adapter's history methods `needed` (bound), or `CAPABILITY_MISSING` naming `operation` and
   * what to do instead (an adapter may offer some history methods and not others).
   */
  private history<K extends HistoryMethod>(
    operation: HistoryOperation,
    ...needed: K[]
  ): Required<Pick<EphemeralAdapter, K>> {
    const e = this.runtime.ephemeral
    const out = {} as Record<K, unknown>
    for (const name of needed) {
      const method = e[name]
      if (typeof method !== 'function') throw noHistory(e, operation)
      out[name] = (method as (...args: unknown[]) => unknown).bind(e)
    }
    return out as Required<Pick<EphemeralAdapter, K>>
  }

  async log(options: LogOptions = {}): Promise<Checkpoint[]> {
    const limit = options.limit
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
      throw new InvalidArgumentError(
        `log() { limit } must be a whole number ≥ 1, not ${JSON.stringify(limit)}.`,
      )
    }
    const history = this.history('log', 'checkpoints', 'readNotes')
    return this.present(async (meta) => {
      const handle = this.handle(meta)
      const commits = await history.checkpoints(handle, limit === undefined ? {} : { limit })
      const shas = commits.map((c) => c.sha)
      const [calls, transcripts] = await Promise.all([
        history.readNotes(handle, 'tool-calls', shas),
        history.readNotes(handle, 'transcript', shas),
      ])
      return commits.map((commit): Checkpoint => {
        const note = calls.get(commit.sha)
        const { client, calls: toolCalls } = note ? decodeToolCallsNote(note) : { client: null, calls: [] }
        const transcript = transcripts.get(commit.sha)
        return {
          ...commit,
          client,
          toolCalls,
          transcript: transcript
            ? { bytes: transcript.byteLength, lines: transcriptLines(transcript) }
            : null,
        }
      })
    })
  }

  async show(at: string, path?: string): Promise<ShowResult> {
    checkCommitId(at, 'show() at')
    const history = this.history('show', 'showAt')
    return this.present((meta) => history.showAt(this.handle(meta), at, path))
  }

  async restore(at: string): Promise<RestoreResult> {
    checkCommitId(at, 'restore() to')
    const history = this.history('restore', 'restoreTo')
    return this.active((meta) => history.restoreTo(this.handle(meta), at))
  }

  async recordToolCalls(
    at: string,
    calls: readonly ToolCallNote[],
    client: ToolCallClientNote | null,
  ): Promise<string> {
    checkCommitId(at, 'recordToolCalls() at')
    if (!Array.isArray(calls)) throw new InvalidArgumentError('recordToolCalls() needs an array of calls.')
    const history = this.history('write-notes', 'checkpointId', 'readNotes', 'writeNote')
    return this.present(async (meta) => {
      const handle = this.handle(meta)
      const sha = await history.checkpointId(handle, at)
      const existing = (await history.readNotes(handle, 'tool-calls', [sha])).get(sha) ?? null
      return history.writeNote(handle, 'tool-calls', sha, encodeToolCallsNote(calls, client, existing))
    })
  }

  async attachTranscript(
    bytes: Uint8Array,
    at?: string,
  ): Promise<{ at: string; bytes: number; lines: number }> {
    const { lines } = parseTranscript(bytes)
    if (at !== undefined) checkCommitId(at, 'attachTranscript() at')
    const history = this.history('write-notes', 'checkpoints', 'writeNote')
    return this.present(async (meta) => {
      const handle = this.handle(meta)
      const point = at ?? (await history.checkpoints(handle, { limit: 1 }))[0]!.sha
      const sha = await history.writeNote(handle, 'transcript', point, bytes)
      return { at: sha, bytes: bytes.byteLength, lines }
    })
  }

  async transcript(at: string): Promise<Uint8Array | null> {
    checkCommitId(at, 'transcript() at')
    const history = this.history('log', 'checkpointId', 'readNotes')
    return this.present(async (meta) => {
      const handle = this.handle(meta)
      const sha = await history.checkpointId(handle, at)
      return (await history.readNotes(handle, 'transcript', [sha])).get(sha) ?? null
    })
  }

  touchedFiles(): Promise<TreeChange[]> {
    let touched: string[] | undefined
    return this.active(
      async (meta) => {
        const pending = remainingChanges((await this.snapshot(meta)).changes, meta)
        touched = pending.map((c) => c.path)
        return pending
      },
      () => touched,
    )
  }

  async promote(options: PromoteOptions): Promise<PromoteOutcome> {
    const asked = options?.at
    if (this.pin !== undefined && asked !== undefined && !sameCommit(asked, this.pin)) {
      throw new InvalidArgumentError(
        `Session ${this.id} is pinned to commit ${this.pin}; promote({ at }) cannot name another commit (${String(asked)}).`,
      )
    }
    if (this.pin === undefined) return runPromotion(this.runtime, this.id, options)
    const writes = options?.strategy !== 'patch'
    return runPromotion(this.runtime, this.id, { ...options, at: this.pin }, (meta) =>
      this.snapshot(meta, writes),
    )
  }

  /** Destroys the workspace and marks the session `discarded`. Idempotent. */
  async discard(): Promise<SessionMetadata> {
    const { store, ephemeral } = this.runtime
    return store.withLock(this.id, async () => {
      const meta = await store.read(this.id)
      await ephemeral.destroy(this.handle(meta))
      if (meta.state !== 'active') return meta
      const now = new Date(this.runtime.now()).toISOString()
      const next: SessionMetadata = { ...meta, state: 'discarded', updatedAt: now }
      await store.write(next)
      return next
    })
  }

  /**
   * Keeps the session alive for at least `ms` more from now: bumps `lastAccessAt`, raises `ttlIdleMs`
   * to `ms` if lower, and pushes an absolute limit out so it ends no sooner than now + `ms`.
   */
  async extend(ms: number): Promise<SessionMetadata> {
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw new InvalidArgumentError(
        `extend() takes a positive whole number of ms, not ${JSON.stringify(ms)}.`,
      )
    }
    const { store } = this.runtime
    return store.withLock(this.id, async () => {
      const meta = await store.read(this.id)
      assertActive(meta)
      const now = this.runtime.now()
      const policy = { ...meta.evictionPolicy }
      if (policy.ttlIdleMs !== null && policy.ttlIdleMs < ms) policy.ttlIdleMs = ms
      if (policy.ttlAbsoluteMs !== null) {
        const needed = now + ms - Date.parse(meta.createdAt)
        if (policy.ttlAbsoluteMs < needed) policy.ttlAbsoluteMs = needed
      }
      const iso = new Date(now).toISOString()
      const next: SessionMetadata = {
        ...meta,
        evictionPolicy: resolveEviction(policy, {}),
        lastAccessAt: iso,
        updatedAt: iso,
      }
      await store.write(next)
      return next
    })
  }
}

/**
 * `lastAccessAt` is rewritten once it is this far behind the clock (ms), or a tenth of the idle TTL
 * when that is shorter: a burst of file operations writes the metadata once, not once per call.
 */
export const ACCESS_RESOLUTION_MS = 1000

/** True when both lists hold the same paths in the same order. */
function samePaths(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((path, i) => path === b[i])
}

/** True when `meta.lastAccessAt` is older than `now` (ms) by the resolution for its idle TTL. */
function accessIsStale(meta: SessionMetadata, now: number): boolean {
  const idle = meta.evictionPolicy.ttlIdleMs
  const resolution = idle === null ? ACCESS_RESOLUTION_MS : Math.min(ACCESS_RESOLUTION_MS, idle / 10)
  return now - Date.parse(meta.lastAccessAt) >= resolution
}

/** The optional adapter methods of session history. */
type HistoryMethod = 'checkpoints' | 'checkpointId' | 'readNotes' | 'writeNote' | 'showAt' | 'restoreTo'

/** What a caller of session history asked for (decides the advice of {@link noHistory}). */
type HistoryOperation = 'log' | 'show' | 'restore' | 'write-notes' | 'diff-between'

/**
 * `CAPABILITY_MISSING` for an ephemeral adapter without the history methods `operation` needs, saying
 * what to do instead.
 */
function noHistory(ephemeral: EphemeralAdapter, operation: HistoryOperation): GittrixError {
  const some = ephemeral.checkpoints !== undefined
  if (!some)
    return new GittrixError(
      'CAPABILITY_MISSING',
      `The ${ephemeral.kind} ephemeral adapter keeps no session history (log, show, restore, diff between checkpoints); local clone, worktree and copy workspaces do.`,
    )
  const advice: Record<HistoryOperation, string> = {
    log: 'cannot read its checkpoints and notes; use a local clone, worktree or copy workspace.',
    show: "cannot read a checkpoint's files; read them with git (git show <checkpoint>:<path>) or use a local workspace.",
    restore:
      'cannot move its workspace back to a checkpoint; start a new session from that checkpoint instead (gittrix fork), or move the branch yourself with git.',
    'write-notes':
      "reads notes but cannot write them; record tool calls and transcripts where the agent works (for a GitHub session branch: under refs/notes/gittrix and refs/notes/gittrix-transcript of the agent's checkout, which the Action pushes with the branch, docs/action.md).",
    'diff-between':
      'cannot diff two checkpoints; compare them with show(at, path) or with git (git diff <from> <to>), or use a local workspace.',
  }
  return new GittrixError(
    'CAPABILITY_MISSING',
    `The ${ephemeral.kind} ephemeral adapter ${advice[operation]}`,
  )
}

/** True when two commit ids name the same commit (one may be abbreviated). */
function sameCommit(a: string, b: string): boolean {
  return typeof a === 'string' && a.length >= 4 && (a.startsWith(b) || b.startsWith(a))
}

/** `budget` checked: whole numbers, `patchBytes` ≥ 1, `blobReads` ≥ 0. Throws `INVALID_ARGUMENT`. */
function checkBudget(budget: DiffBudget | undefined): DiffBudget | undefined {
  if (budget === undefined) return undefined
  const ok =
    typeof budget === 'object' &&
    budget !== null &&
    Number.isSafeInteger(budget.patchBytes) &&
    budget.patchBytes >= 1 &&
    Number.isSafeInteger(budget.blobReads) &&
    budget.blobReads >= 0
  if (!ok)
    throw new InvalidArgumentError(
      'diff budget must be { patchBytes: a whole number ≥ 1, blobReads: a whole number ≥ 0 }.',
    )
  return { patchBytes: budget.patchBytes, blobReads: budget.blobReads }
}

function pick(changes: TreeChange[], paths: string[] | undefined): TreeChange[] {
  if (!paths || paths.length === 0) return changes
  return selectChanges(changes, { mode: 'files', files: paths })
}

/**
 * What an agent gets: read, write, delete, list, diff and commit in its workspace, nothing else.
 * There is no promote, discard or extend here, nor anywhere on the prototype chain.
 */
export class AgentSession {
  /** The session id. */
  readonly id: string
  /** The local workspace directory, when the workspace has one (for agents that also use a shell). */
  readonly workspacePath: string | undefined
  readonly #ops: AgentOperations

  /** @internal Created by `UserSession.forAgent()`. */
  constructor(ops: AgentOperations, id: string, workspacePath: string | undefined) {
    this.#ops = ops
    this.id = id
    this.workspacePath = workspacePath
    Object.freeze(this)
  }

  /** File content. Throws `FILE_NOT_FOUND`, `WRITE_REJECTED` (unsafe path), `SESSION_EXPIRED`. */
  read(path: string): Promise<Uint8Array> {
    return this.#ops.read(path)
  }
  /** Writes a file in the workspace (strings as UTF-8). Throws `WRITE_REJECTED`, `SESSION_EXPIRED`. */
  write(path: string, content: Uint8Array | string, options?: WriteOptions): Promise<void> {
    return this.#ops.write(path, content, options)
  }
  /** Deletes a file, symlink or directory in the workspace; a missing path is fine. */
  delete(path: string): Promise<void> {
    return this.#ops.delete(path)
  }
  /** Entries under `dir` (default: the root) as git sees them (ignored files excluded). */
  list(dir?: string, options?: { recursive?: boolean }): Promise<ListEntry[]> {
    return this.#ops.list(dir, options)
  }
  /** The unified patch of what the session has not promoted yet (see `UserSession.diff`). */
  diff(options?: DiffOptions): Promise<string> {
    return this.#ops.diff(options)
  }
  /** Records a checkpoint commit in the workspace (never durable). Resolves the commit id. */
  commit(message: string): Promise<string> {
    return this.#ops.commit(message)
  }
}

/** What the human-facing side gets: everything an agent has, plus review and the decisions. */
export class UserSession {
  readonly id: string
  readonly #ops: SessionOperations
  readonly #workspacePath: string | undefined

  /** @internal Created by `GitTrix.startSession` / `getSession` / `restoreSession` (`pin`: see there). */
  constructor(runtime: SessionRuntime, meta: SessionMetadata, pin?: string) {
    this.id = meta.id
    this.#ops = new SessionOperations(runtime, meta.id, pin)
    this.#workspacePath = meta.ephemeralPath
  }

  /** The workspace commit this session's reviews and promotions read, when it was pinned to one. */
  get pinnedAt(): string | undefined {
    return this.#ops.pin
  }

  /** The local workspace directory, if any. */
  get workspacePath(): string | undefined {
    return this.#workspacePath
  }
  /** The session's metadata as stored now. */
  info(): Promise<SessionMetadata> {
    return this.#ops.info()
  }
  /** An {@link AgentSession} over the same workspace: no promote, discard or extend. */
  forAgent(): AgentSession {
    const ops = this.#ops
    const agentOps: AgentOperations = {
      read: (p) => ops.read(p),
      write: (p, c, o) => ops.write(p, c, o),
      delete: (p) => ops.delete(p),
      list: (d, o) => ops.list(d, o),
      diff: (o) => ops.diff(o),
      commit: (m) => ops.commit(m),
    }
    return new AgentSession(Object.freeze(agentOps), this.id, this.#workspacePath)
  }
  read(path: string): Promise<Uint8Array> {
    return this.#ops.read(path)
  }
  write(path: string, content: Uint8Array | string, options?: WriteOptions): Promise<void> {
    return this.#ops.write(path, content, options)
  }
  delete(path: string): Promise<void> {
    return this.#ops.delete(path)
  }
  list(dir?: string, options?: { recursive?: boolean }): Promise<ListEntry[]> {
    return this.#ops.list(dir, options)
  }
  commit(message: string): Promise<string> {
    return this.#ops.commit(message)
  }
  /**
   * The unified patch of what is not promoted yet (a string, `git apply`-able onto the durable branch
   * as this session left it): against the baseline before any promotion; after partial promotions,
   * against the baseline with those promotions applied (a path promoted and unchanged since is gone
   * from it, a path changed again since shows from what was promoted).
   */
  diff(options?: DiffOptions): Promise<string> {
    return this.#ops.diff(options)
  }
  /**
   * The patch plus per-file data (status, binary, additions, deletions) and totals of what is not
   * promoted yet (as {@link diff}); of the pinned commit when the session is pinned. With `budget`, possibly `partial` (see {@link DiffOptions}).
   */
  diffDetails(options?: DiffOptions): Promise<SessionDiff> {
    return this.#ops.diffDetails(options)
  }
  /**
   * Every path with a change not promoted yet, with modes and blob ids on both sides (`old*`: the
   * baseline, or what this session promoted for that path); at the pinned commit when the session is
   * pinned. Before any promotion: every path that differs from the baseline.
   */
  touchedFiles(): Promise<TreeChange[]> {
    return this.#ops.touchedFiles()
  }
  /**
   * Promotes the selected files still pending as one clean commit (see docs/architecture.md#promotion). The session
   * stays `active` while anything un-promoted remains and becomes `promoted` (evicted under
   * `untilPromote`) once nothing does; every promotion is listed in `info().promotions`. Selecting only
   * files promoted already (and unchanged since) answers with the recorded promotion holding them. With
   * `at` (or on a pinned session) selection, drift check and promoted tree all come from one snapshot
   * of that workspace commit; what remains is judged on the workspace as it is now. Throws `BASELINE_CONFLICT`, `PROMOTE_FAILED`, `SESSION_EXPIRED`,
   * `INVALID_ARGUMENT` (`at` not a commit of the session, or another commit than the pinned one), ...
   */
  promote(options: PromoteOptions): Promise<PromoteOutcome> {
    return this.#ops.promote(options)
  }
  /** Destroys the workspace and marks the session `discarded`. Idempotent. */
  discard(): Promise<SessionMetadata> {
    return this.#ops.discard()
  }
  /**
   * The session's history: its checkpoints (workspace commits: `commit()` from the library, CLI or
   * MCP, and the agent's own git commits) from the current head back to the baseline (last,
   * `baseline: true`), newest first, each with the MCP tool calls that led to it and its transcript
   * size. Throws `CAPABILITY_MISSING` (adapter without history), `SESSION_EXPIRED` (workspace gone),
   * `INVALID_ARGUMENT`.
   */
  log(options?: LogOptions): Promise<Checkpoint[]> {
    return this.#ops.log(options)
  }
  /**
   * The files at checkpoint `at` (a commit id from {@link log}), below directory `path`, or the bytes
   * of the file `path`. Throws `INVALID_ARGUMENT` (not a commit of this session), `FILE_NOT_FOUND`,
   * `CAPABILITY_MISSING`, `SESSION_EXPIRED`.
   */
  show(at: string, path?: string): Promise<ShowResult> {
    return this.#ops.show(at, path)
  }
  /**
   * Moves the workspace back to checkpoint `at`. Uncommitted work is committed first; the old head
   * stays reachable through `refs/gittrix/restored/<UTC timestamp>` in the workspace's repository
   * (and the `HEAD` reflog), and {@link log}, {@link show} and `diff({ from, to })` still accept its
   * commits. Throws `INVALID_ARGUMENT`, `CAPABILITY_MISSING`, `SESSION_EXPIRED`, `EVICTION_RACE`.
   */
  restore(at: string): Promise<RestoreResult> {
    return this.#ops.restore(at)
  }
  /**
   * Records MCP tool calls as a git note on checkpoint `at` (appended to calls already recorded
   * there), under `refs/notes/gittrix` of the workspace's private history repository: never in the
   * tree, never in the durable repository. Resolves the checkpoint's full id. Throws
   * `INVALID_ARGUMENT`, `CAPABILITY_MISSING`, `SESSION_EXPIRED`.
   */
  recordToolCalls(
    at: string,
    calls: readonly ToolCallNote[],
    client: ToolCallClientNote | null,
  ): Promise<string> {
    return this.#ops.recordToolCalls(at, calls, client)
  }
  /**
   * Attaches a transcript (JSONL bytes, at most 100 MiB) as a git note on checkpoint `at` (default the
   * current head), under `refs/notes/gittrix-transcript`, replacing one attached there before. Throws
   * `INVALID_ARGUMENT` (not JSONL, too large, not a commit of this session), `CAPABILITY_MISSING`,
   * `SESSION_EXPIRED`.
   */
  attachTranscript(bytes: Uint8Array, at?: string): Promise<{ at: string; bytes: number; lines: number }> {
    return this.#ops.attachTranscript(bytes, at)
  }
  /** The transcript attached at checkpoint `at`, or `null`. Throws as {@link show}. */
  transcript(at: string): Promise<Uint8Array | null> {
    return this.#ops.transcript(at)
  }
  /** Keeps the session alive at least `ms` more. Throws `INVALID_ARGUMENT`, `SESSION_EXPIRED`. */
  extend(ms: number): Promise<SessionMetadata> {
    return this.#ops.extend(ms)
  }
}
