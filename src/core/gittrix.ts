/**
 * GitTrix: the router between one durable adapter and one ephemeral adapter. It starts sessions
 * (baseline first), finds them again, and sweeps expired ones.
 */
import { mkdir } from 'node:fs/promises'
import type { DurableAdapter, EphemeralAdapter, WorkspaceInfo } from './adapters.ts'
import { diffChanges } from './diff.ts'
import {
  GittrixError,
  InvalidArgumentError,
  isGittrixError,
  MetadataInvalidError,
  SessionExpiredError,
} from './errors.ts'
import { DEFAULT_EVICTION, DEFAULT_SWEEP_INTERVAL_MS, expiryReason, resolveEviction } from './eviction.ts'
import type { LockOptions } from './lock.ts'
import { type SessionMetadata, sessionMetadataSchema } from './metadata.ts'
import { type SessionRuntime, workspaceHandle } from './runtime.ts'
import { UserSession } from './session.ts'
import { type DamagedSession, defaultStoreDir, newSessionId, SessionStore } from './store.ts'
import type { EvictionPolicy, SessionDiff, SessionState, TreeChange, WorkspaceSnapshot } from './types.ts'
import { removeTree } from './remove-tree.ts'

/** Options for {@link GitTrix}. */
export interface GitTrixOptions {
  durable: DurableAdapter
  ephemeral: EphemeralAdapter
  /** Session store directory. Default `$GITTRIX_HOME/sessions` or `~/.gittrix/sessions`. */
  storeDir?: string
  /** Overrides of the default eviction policy for new sessions. */
  defaultEviction?: Partial<EvictionPolicy>
  /** Sweep period after `init()`, ms. Default 300 000 (5 min); 0 disables the timer. */
  sweepIntervalMs?: number
  /** Session lock timing. */
  lock?: LockOptions
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number
  /** Called with errors from background sweeps (which never throw). */
  onSweepError?: (error: unknown) => void
}

/** Options for {@link GitTrix.startSession}. */
export interface StartSessionOptions {
  /** What the agent is asked to do; the default promotion message is `gittrix: <task>`. */
  task: string
  /** The durable repository path, when the caller wants it checked against the adapter's. */
  durablePath?: string
  /** Overrides the recorded durable ref URI. */
  durableRef?: string
  /** Branch to start from and promote to. Default: the durable adapter's branch. */
  durableBranch?: string
  /** Overrides of this session's eviction policy. */
  eviction?: Partial<EvictionPolicy>
}

/** Options for {@link GitTrix.forkSession}. */
export interface ForkSessionOptions {
  /** The source workspace's commit to start at (full or abbreviated id). Default: its current commit. */
  at?: string
  /** The fork's task. Default: the source's. */
  task?: string
  /** Overrides of the fork's eviction policy (over the router's defaults). */
  eviction?: Partial<EvictionPolicy>
}

/** Options for {@link GitTrix.restoreSession}. */
export interface RestoreSessionOptions {
  /**
   * Pins the returned session to this workspace commit (full or abbreviated id): its `diffDetails`,
   * `touchedFiles` and `promote` all read that commit, by id, from one snapshot (read once, on first
   * use). Checked by the ephemeral adapter on first use: `INVALID_ARGUMENT` when it is not a commit of
   * the session at or after its baseline, `CAPABILITY_MISSING` when the workspace has no commits.
   */
  at?: string
}

/** Filter for {@link GitTrix.listSessions}. */
export interface ListSessionsFilter {
  state?: SessionState | SessionState[]
}

/** What a sweep did. */
export interface SweepReport {
  /** Sessions evicted now (state `expired`, workspace destroyed). */
  expired: string[]
  /** Workspaces of finished sessions (promoted with `untilPromote: false`, or left over) destroyed now. */
  cleaned: string[]
  /** Sessions kept because their workspace files changed recently (an agent editing directly). */
  keptAlive: string[]
  /** Sessions skipped because another process held them. */
  busy: string[]
}

/** The Gittrix router. */
export class GitTrix {
  readonly store: SessionStore
  private readonly runtime: SessionRuntime
  private readonly defaultEviction: EvictionPolicy
  private readonly sweepIntervalMs: number
  private readonly onSweepError: (error: unknown) => void
  private timer: NodeJS.Timeout | undefined

  constructor(options: GitTrixOptions) {
    if (!options?.durable || !options.ephemeral) {
      throw new InvalidArgumentError('GitTrix needs { durable, ephemeral } adapters.')
    }
    this.store = new SessionStore(options.storeDir ?? defaultStoreDir(), options.lock)
    this.runtime = {
      store: this.store,
      durable: options.durable,
      ephemeral: options.ephemeral,
      lock: options.lock ?? {},
      now: options.now ?? Date.now,
    }
    this.defaultEviction = resolveEviction(DEFAULT_EVICTION, options.defaultEviction)
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS
    this.onSweepError = options.onSweepError ?? (() => {})
  }

  /** Creates the store, sweeps once, and starts the (unref'd) sweep timer. Safe to call twice. */
  async init(): Promise<void> {
    await this.store.ensure()
    await this.sweep()
    if (!this.timer && this.sweepIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.sweep().catch(this.onSweepError)
      }, this.sweepIntervalMs)
      this.timer.unref()
    }
  }

  /** Stops the sweep timer. Sessions stay on disk. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /**
   * Starts a session: records the durable head as the baseline, then creates the workspace from it.
   * Leaves nothing behind when it fails. Throws `REF_NOT_FOUND`, `ADAPTER_UNAVAILABLE`,
   * `CAPABILITY_MISSING`, `INVALID_ARGUMENT`.
   */
  async startSession(options: StartSessionOptions): Promise<UserSession> {
    if (!options || typeof options.task !== 'string')
      throw new InvalidArgumentError('startSession() needs { task: string }.')
    const { durable, ephemeral } = this.runtime
    const eviction = resolveEviction(this.defaultEviction, options.eviction)
    const durablePath = durable.localPath
    if (options.durablePath && durablePath && !samePath(options.durablePath, durablePath)) {
      throw new InvalidArgumentError(
        `durablePath ${options.durablePath} is not the durable adapter's repository (${durablePath}); configure the adapter with that path.`,
      )
    }
    const branch = options.durableBranch ?? (await durable.defaultBranch())
    const baselineSha = await durable.getHead(branch)
    return this.createSession(
      {
        task: options.task,
        durableRef: options.durableRef ?? durable.ref(branch),
        ...(durablePath || options.durablePath ? { durablePath: durablePath ?? options.durablePath } : {}),
        durableBranch: branch,
        baselineSha,
        evictionPolicy: eviction,
      },
      async (id, sessionDir) => {
        const workspace = await ephemeral.create({
          sessionId: id,
          sessionDir,
          baselineSha,
          durable,
          task: options.task,
          durableBranch: branch,
          eviction,
        })
        return { workspace, baselineSha }
      },
    )
  }

  /**
   * Starts a new session from any commit of session `sourceId`'s workspace ("fork a session from any
   * point"): the fork keeps the source's durable branch and baseline, so promoting it is checked
   * against the same tree, and its promotions (`promotions`: what the source promoted is not pending in
   * the fork either), and gets its own workspace, id and eviction clock. Without `at` the fork gets
   * the source's files as they are now, uncommitted work included: the adapter checkpoints the source
   * first (a commit in the source workspace, as `agent.commit()` makes) when its files differ from its
   * current commit.
   *
   * Throws `SESSION_NOT_FOUND`, `SESSION_EXPIRED` (the source is discarded or expired: its workspace
   * is gone), `CAPABILITY_MISSING` (the ephemeral adapter cannot fork), `INVALID_ARGUMENT` (`at` is not
   * a commit of the source session at or after its baseline), `EVICTION_RACE` (the source is busy).
   */
  async forkSession(sourceId: string, options: ForkSessionOptions = {}): Promise<UserSession> {
    const { durable, ephemeral } = this.runtime
    if (!ephemeral.forkWorkspace) {
      throw new GittrixError(
        'CAPABILITY_MISSING',
        `The ${ephemeral.kind} ephemeral adapter cannot fork sessions; local clone, worktree and copy workspaces and Cloudflare Artifacts can.`,
      )
    }
    const fork = ephemeral.forkWorkspace.bind(ephemeral)
    await this.store.read(sourceId) // SESSION_NOT_FOUND before a lock is made in a missing directory
    return this.store.withLock(sourceId, async () => {
      const source = await this.store.read(sourceId)
      const gone =
        source.state === 'discarded' ||
        source.state === 'expired' ||
        (source.state === 'promoted' && source.evictionPolicy.untilPromote)
      if (gone) {
        throw new GittrixError(
          'SESSION_EXPIRED',
          `Session ${source.id} is ${source.state} and its workspace is removed, so it cannot be forked.`,
        )
      }
      if (source.durablePath && durable.localPath && !samePath(source.durablePath, durable.localPath)) {
        throw new InvalidArgumentError(
          `Session ${source.id} belongs to ${source.durablePath}, not to this router's repository (${durable.localPath}); fork it with a GitTrix for that repository.`,
        )
      }
      return this.createSession(
        {
          task: options.task ?? source.task,
          durableRef: source.durableRef,
          ...(source.durablePath ? { durablePath: source.durablePath } : {}),
          ...(source.durableBranch ? { durableBranch: source.durableBranch } : {}),
          baselineSha: source.baselineSha,
          evictionPolicy: resolveEviction(this.defaultEviction, options.eviction),
          ...(source.promotions?.length ? { promotions: source.promotions } : {}),
        },
        async (id, sessionDir) => {
          const forked = await fork({
            source: workspaceHandle(this.runtime, source),
            ...(options.at ? { at: options.at } : {}),
            sessionId: id,
            sessionDir,
            durable,
          })
          return { workspace: forked.info, baselineSha: forked.baselineSha }
        },
      )
    })
  }

  /**
   * Creates the session directory, lets `makeWorkspace` build the workspace in it, then writes the
   * metadata (baseline from the workspace). Leaves nothing behind when any step throws.
   */
  private async createSession(
    facts: Pick<
      SessionMetadata,
      | 'task'
      | 'durableRef'
      | 'durablePath'
      | 'durableBranch'
      | 'baselineSha'
      | 'evictionPolicy'
      | 'promotions'
    >,
    makeWorkspace: (
      id: string,
      sessionDir: string,
    ) => Promise<{ workspace: WorkspaceInfo; baselineSha: string }>,
  ): Promise<UserSession> {
    await this.store.ensure()
    const id = newSessionId()
    const sessionDir = this.store.sessionDir(id)
    await mkdir(sessionDir, { recursive: false })
    try {
      const { workspace, baselineSha } = await makeWorkspace(id, sessionDir)
      const now = new Date(this.runtime.now()).toISOString()
      const meta: SessionMetadata = {
        metadataVersion: 1,
        id,
        ...facts,
        ephemeralRef: workspace.ephemeralRef,
        ...(workspace.ephemeralPath ? { ephemeralPath: workspace.ephemeralPath } : {}),
        baselineSha,
        workspaceKind: workspace.workspaceKind,
        isGitBacked: workspace.isGitBacked,
        state: 'active',
        createdAt: now,
        updatedAt: now,
        lastAccessAt: now,
        touchedFiles: [],
        promote: { strategy: 'auto', result: null },
      }
      try {
        await this.store.write(meta)
      } catch (error) {
        await this.runtime.ephemeral.destroy(workspaceHandle(this.runtime, meta)).catch(() => {})
        throw error
      }
      return new UserSession(this.runtime, meta)
    } catch (error) {
      await removeTree(sessionDir)
      throw error
    }
  }

  /**
   * Adopts a session whose metadata was rebuilt outside this store — e.g. by the GitHub App from the
   * session branch's start commit (docs/architecture.md#invariants, 9) — and returns it, so every operation
   * (promote, discard, extend, diff) runs the one algorithm in `promote.ts` / `session.ts`.
   *
   * `metadata` is validated with {@link sessionMetadataSchema} (throws `METADATA_INVALID` naming the
   * offending field) and written atomically under the
   * session lock, replacing any record this store already holds for that id. Nothing is created in
   * the adapters: the workspace must already exist where `ephemeralRef` says. `options.at` pins the
   * session to one workspace commit (see {@link RestoreSessionOptions}); throws `INVALID_ARGUMENT` when
   * it is not a commit id at all.
   */
  async restoreSession(metadata: SessionMetadata, options: RestoreSessionOptions = {}): Promise<UserSession> {
    const at = checkPin(options?.at, 'restoreSession')
    const parsed = sessionMetadataSchema.safeParse(metadata)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new MetadataInvalidError(
        `restored metadata of session ${String((metadata as { id?: unknown } | null)?.id)}`,
        `${issue?.path.join('.') || 'root'}: ${issue?.message}`,
      )
    }
    const meta = parsed.data as SessionMetadata
    await this.store.ensure()
    await mkdir(this.store.sessionDir(meta.id), { recursive: true })
    await this.store.withLock(meta.id, () => this.store.write(meta))
    return new UserSession(this.runtime, meta, at)
  }

  /**
   * Diff between attempts: what session `idB`'s workspace holds that session `idA`'s does not, as one
   * patch from A to B (both as they are now, uncommitted files included). Both must be on the same
   * durable repository and baseline — forks (`forkSession`) or sessions started on the same head —
   * else `INVALID_ARGUMENT` says which differs. Works on any ephemeral adapter (from both snapshots).
   * Throws `SESSION_NOT_FOUND`, `SESSION_EXPIRED` (a workspace is gone), `INVALID_ARGUMENT`.
   */
  async diff(idA: string, idB: string, options: { binary?: boolean } = {}): Promise<SessionDiff> {
    const [a, b] = [await this.store.read(idA), await this.store.read(idB)]
    if (a.durableRef !== b.durableRef) {
      throw new InvalidArgumentError(
        `Sessions ${a.id} and ${b.id} are on different durable branches (${a.durableRef}, ${b.durableRef}); a diff between attempts needs two sessions on the same baseline.`,
      )
    }
    if (a.baselineSha !== b.baselineSha) {
      throw new InvalidArgumentError(
        `Sessions ${a.id} (baseline ${a.baselineSha.slice(0, 12)}) and ${b.id} (baseline ${b.baselineSha.slice(0, 12)}) started from different baselines; a diff between attempts needs forks of one session (gittrix fork) or sessions started on the same head.`,
      )
    }
    const snap = async (id: string): Promise<WorkspaceSnapshot> =>
      this.store.withLock(id, async () => {
        const meta = await this.store.read(id)
        const gone =
          meta.state === 'discarded' ||
          meta.state === 'expired' ||
          (meta.state === 'promoted' && meta.evictionPolicy.untilPromote)
        if (gone) throw new SessionExpiredError(meta.id, meta.state)
        return this.runtime.ephemeral.snapshot(workspaceHandle(this.runtime, meta))
      })
    const snapA = await snap(a.id)
    const snapB = await snap(b.id)
    const changes = betweenAttempts(snapA.changes, snapB.changes)
    const both: WorkspaceSnapshot = {
      changes,
      blobs: {
        readBlobs: async (oids) => {
          const found = await snapA.blobs.readBlobs(oids).catch(() => new Map<string, Uint8Array>())
          const missing = oids.filter((oid) => !found.has(oid))
          if (missing.length)
            for (const [oid, bytes] of await snapB.blobs.readBlobs(missing)) found.set(oid, bytes)
          return found
        },
      },
    }
    return diffChanges(both, changes, this.runtime.durable, { binary: options.binary === true })
  }

  /**
   * The session with this id, in any state; with `options.at`, pinned to that workspace commit (see
   * {@link RestoreSessionOptions}: what a review page showed is what it promotes). Throws
   * `SESSION_NOT_FOUND`, `METADATA_*`, `INVALID_ARGUMENT` (malformed id or `at`).
   */
  async getSession(id: string, options: RestoreSessionOptions = {}): Promise<UserSession> {
    const at = checkPin(options.at, 'getSession')
    return new UserSession(this.runtime, await this.store.read(id), at)
  }

  /**
   * Sessions whose metadata cannot be read (damaged, from a newer Gittrix, an `id` that is not its
   * directory's name), each with its error, by id. `listSessions` leaves them out.
   */
  async listDamagedSessions(): Promise<DamagedSession[]> {
    return (await this.store.list()).damaged
  }

  /** Metadata of every session in the store (optionally by state), oldest first. */
  async listSessions(filter: ListSessionsFilter = {}): Promise<SessionMetadata[]> {
    const { sessions } = await this.store.list()
    const states =
      filter.state === undefined ? null : new Set(Array.isArray(filter.state) ? filter.state : [filter.state])
    return states ? sessions.filter((s) => states.has(s.state)) : sessions
  }

  /**
   * Evicts sessions whose policy says they are due. An idle session whose workspace files changed
   * after its last access is kept (its `lastAccessAt` moves to that change). Never throws for one
   * session's failure; those go to `onSweepError`.
   */
  async sweep(): Promise<SweepReport> {
    const report: SweepReport = { expired: [], cleaned: [], keptAlive: [], busy: [] }
    const { sessions, damaged } = await this.store.list()
    for (const { error } of damaged) this.onSweepError(error)
    for (const meta of sessions) {
      if (meta.state === 'discarded' || meta.state === 'expired') continue
      if (meta.state === 'promoted' && meta.evictionPolicy.untilPromote) continue
      if (!this.dueAt(meta)) continue
      try {
        const outcome = await this.store.withLock(meta.id, () => this.evictIfDue(meta.id))
        if (outcome) report[outcome].push(meta.id)
      } catch (error) {
        if (isGittrixError(error, 'EVICTION_RACE')) report.busy.push(meta.id)
        else this.onSweepError(error)
      }
    }
    return report
  }

  private dueAt(meta: SessionMetadata): 'idle' | 'absolute' | null {
    return expiryReason(meta.evictionPolicy, times(meta), this.runtime.now())
  }

  private async evictIfDue(id: string): Promise<'expired' | 'cleaned' | 'keptAlive' | null> {
    const meta = await this.store.read(id)
    const reason = this.dueAt(meta)
    if (!reason || meta.state === 'discarded' || meta.state === 'expired') return null
    const handle = workspaceHandle(this.runtime, meta)
    if (reason === 'idle') {
      const changedAt = await this.runtime.ephemeral.lastChangeAt(handle)
      if (changedAt !== null && changedAt > Date.parse(meta.lastAccessAt)) {
        const touched = { ...meta, lastAccessAt: new Date(changedAt).toISOString() }
        if (!this.dueAt(touched)) {
          await this.store.write(touched)
          return 'keptAlive'
        }
      }
    }
    await this.runtime.ephemeral.destroy(handle)
    if (meta.state === 'promoted') return 'cleaned'
    await this.store.write({
      ...meta,
      state: 'expired',
      updatedAt: new Date(this.runtime.now()).toISOString(),
    })
    return 'expired'
  }
}

/**
 * The changes from attempt A to attempt B, given each one's changes against their common baseline: a
 * path differs when its mode or blob differs between the two (a side that did not touch it has the
 * baseline's).
 */
function betweenAttempts(a: readonly TreeChange[], b: readonly TreeChange[]): TreeChange[] {
  const byPath = (changes: readonly TreeChange[]) => new Map(changes.map((c) => [c.path, c]))
  const inA = byPath(a)
  const inB = byPath(b)
  const out: TreeChange[] = []
  for (const path of new Set([...inA.keys(), ...inB.keys()])) {
    const ca = inA.get(path)
    const cb = inB.get(path)
    // A side that did not touch the path has the baseline's entry: the other side's old entry.
    const old = ca ? { mode: ca.newMode, oid: ca.newOid } : { mode: cb!.oldMode, oid: cb!.oldOid }
    const next = cb ? { mode: cb.newMode, oid: cb.newOid } : { mode: ca!.oldMode, oid: ca!.oldOid }
    if (old.mode === next.mode && old.oid === next.oid) continue
    out.push({
      path,
      status: old.mode === null ? 'added' : next.mode === null ? 'deleted' : 'modified',
      oldMode: old.mode,
      newMode: next.mode,
      oldOid: old.oid,
      newOid: next.oid,
    })
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
}

function times(meta: SessionMetadata): { createdAt: number; lastAccessAt: number } {
  return { createdAt: Date.parse(meta.createdAt), lastAccessAt: Date.parse(meta.lastAccessAt) }
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/\/+$/, '')
  return norm(a) === norm(b)
}

/** `at` of {@link RestoreSessionOptions} checked as a commit id (or absent). Throws `INVALID_ARGUMENT` naming `method`. */
function checkPin(at: unknown, method: string): string | undefined {
  if (at !== undefined && (typeof at !== 'string' || !/^[0-9a-f]{4,64}$/.test(at))) {
    throw new InvalidArgumentError(
      `${method}() { at } must be a commit id of the session's workspace (4 to 64 hex digits), not ${JSON.stringify(at)}.`,
    )
  }
  return at
}
