/**
 * The two adapter ports. A durable adapter owns the branch humans trust; an ephemeral adapter owns
 * the throwaway workspace an agent writes to. One shared contract suite (test/adapters/contract) runs against
 * every implementation.
 */
import type { CheckpointCommit, NoteKind, RestoreResult, ShowResult } from './history.ts'
import type { PromotionQuery } from './promotion-identity.ts'
import type {
  BlobSource,
  EvictionPolicy,
  FileMode,
  ListEntry,
  PromoteStrategy,
  SnapshotOptions,
  TreeChange,
  TreeEntry,
  WorkspaceSnapshot,
} from './types.ts'

/** What a durable adapter can do. */
export interface DurableCapabilities {
  /** Strategies `promote` may use with this adapter (`auto` resolves among them). */
  strategies: PromoteStrategy[]
}

/** One path of a promotion: the new mode and blob, or a deletion (`mode: null`). */
export interface PromotedPath {
  path: string
  mode: FileMode | null
  oid: string | null
}

/** A request to write one clean commit with compare-and-swap. */
export interface ApplyCommitRequest {
  /** The branch to create or move (short name, e.g. `main`). */
  branch: string
  /** Parent of the new commit: the durable head that was drift-checked. */
  parent: string
  /** The branch's required current value: `parent` to move it, `null` to create it. */
  expectedOld: string | null
  /** The selected paths with their new content (blob ids from `blobs`). */
  paths: PromotedPath[]
  /** Where blobs missing from the durable side are read. */
  blobs: BlobSource
  /** Full commit message, trailers included. */
  message: string
}

/** The result of {@link DurableAdapter.applyCommit}. `moved: false` means the CAS lost: the branch had another value. */
export type ApplyCommitResult = { moved: true; sha: string } | { moved: false; current: string | null }

/** The durable side: read trees and files at a SHA, report heads, and write one commit with CAS. */
export interface DurableAdapter {
  /** Short kind name: `local`, `github`, `artifacts`. */
  readonly kind: string
  /** The repository's directory on this machine, for local adapters. */
  readonly localPath?: string
  capabilities(): DurableCapabilities
  /** The branch this adapter promotes to when a session names none. Resolves lazily (e.g. the checked-out branch). */
  defaultBranch(): Promise<string>
  /** A stable URI for the durable repository and branch, e.g. `local:///repo#main`. */
  ref(branch: string): string
  /** The commit at the tip of `branch`. Throws `REF_NOT_FOUND` when the branch does not exist. */
  getHead(branch: string): Promise<string>
  /** Every file at `sha` (recursive), optionally under directory `prefix`. */
  listTree(sha: string, prefix?: string): Promise<TreeEntry[]>
  /** One file at `sha`, or `null` when absent. */
  readFile(sha: string, path: string): Promise<{ bytes: Uint8Array; mode: FileMode } | null>
  /** Blobs by id. */
  readBlobs(oids: readonly string[]): Promise<Map<string, Uint8Array>>
  /**
   * Every path that differs between the trees of two commits (exact, renames as both paths). With
   * `within`, the caller needs only those of these paths: an adapter may skip the rest (and may still
   * return more), but never omit a changed path of `within`.
   */
  changedPaths(fromSha: string, toSha: string, within?: readonly string[]): Promise<string[]>
  /** Builds the commit (parent + paths), then moves the branch with compare-and-swap. */
  applyCommit(request: ApplyCommitRequest): Promise<ApplyCommitResult>
  /**
   * Opens (or finds the open) pull request from `head` into `base`. Present on hosts with pull requests;
   * strategy `pr` needs it. Resolves its URL and number.
   */
  openPullRequest?(request: PullRequestRequest): Promise<{ url: string; number: number }>
  /**
   * The absolute git directory (common dir) of a durable repository on this machine. Present only on
   * local durable adapters; local clone / worktree workspaces need it.
   */
  localGitDir?(): Promise<string>
  /**
   * The promotion commit of session `query.sessionId`, or `null`: a commit whose final trailer block
   * (git's trailer rules) carries `Gittrix-Session: <id>` and `Gittrix-Baseline: <the session's real
   * baseline>`, with one parent, that parent on the durable branch's first-parent history at or after
   * the baseline, and — where the host can tell — written by whoever promotes. On the durable branch
   * the newest such commit counts; on another branch (`query.durableBranch` set) only its head.
   * Implementations delegate to `findPromotion` of src/core/promotion-identity.ts (one matcher for every
   * adapter) with their own history reader. Lets a crashed or repeated promotion find the one that
   * already landed, and nothing else pass for it.
   */
  findPromotion(query: PromotionQuery & { baselineSha: string }): Promise<string | null>
  /**
   * Optional: completes what a crash may have left undone of promotion `sha`, found on `branch` by
   * {@link findPromotion} before it was recorded (local: a checked-out work tree whose index and files
   * still hold the parent). A no-op when nothing is left. Throws a named error carrying the command
   * that fixes it when it cannot (`WORKTREE_STALE`, `LOCKED`); the promotion is then not recorded, so
   * promoting again retries.
   */
  finishPromotion?(branch: string, sha: string): Promise<void>
}

/** What a pull request for a promotion says. */
export interface PullRequestRequest {
  /** Branch holding the clean commit. */
  head: string
  /** The durable branch. */
  base: string
  /** The commit message's subject. */
  title: string
  /** The full commit message (trailers included). */
  message: string
  sessionId: string
  task: string
  baselineSha: string
  /** The promoted paths. */
  files: string[]
}

/** What an ephemeral workspace is. */
export interface WorkspaceInfo {
  /** URI of the workspace, e.g. `local-clone:///home/u/.gittrix/sessions/<id>/workspace`. */
  ephemeralRef: string
  /** Local directory an agent (or its shell) can work in, when there is one. */
  ephemeralPath?: string
  workspaceKind: 'worktree' | 'clone' | 'copy' | 'remote'
  /** True when the agent can run git in the workspace. */
  isGitBacked: boolean
}

/** What an ephemeral adapter gets to create a workspace. */
export interface CreateWorkspaceRequest {
  sessionId: string
  /** `<store>/<id>`: a directory the adapter may use for private state. */
  sessionDir: string
  baselineSha: string
  durable: DurableAdapter
  /** Session facts, for adapters that record them with the workspace (e.g. a GitHub start commit). */
  task?: string
  durableBranch?: string
  eviction?: EvictionPolicy
}

/** What an ephemeral adapter gets to fork a workspace (see {@link EphemeralAdapter.forkWorkspace}). */
export interface ForkWorkspaceRequest {
  /** The workspace forked from. */
  source: WorkspaceHandle
  /**
   * The commit of the source workspace to start at; default: its files as they are now, uncommitted
   * work included (adapters checkpoint the source first when its files differ from its `HEAD`).
   */
  at?: string
  /** The new session. */
  sessionId: string
  /** `<store>/<new id>`: a directory the adapter may use for private state. */
  sessionDir: string
  durable: DurableAdapter
}

/** A workspace made by {@link EphemeralAdapter.forkWorkspace}. */
export interface WorkspaceFork {
  /** The durable baseline of the source session, which the fork keeps. */
  baselineSha: string
  /** The source commit the fork starts at (full id). */
  at: string
  info: WorkspaceInfo
}

/** Identifies one existing workspace to the adapter. */
export interface WorkspaceHandle {
  sessionId: string
  /** `<store>/<id>`: a directory the adapter may use for private state. */
  sessionDir: string
  baselineSha: string
  ephemeralRef: string
  ephemeralPath?: string
}

/** What an ephemeral adapter can do. */
export interface EphemeralCapabilities {
  workspaceKind: WorkspaceInfo['workspaceKind']
  isGitBacked: boolean
  /** Needs a durable adapter with `localGitDir` (local clone / worktree). */
  requiresLocalDurable: boolean
}

/** The ephemeral side: a workspace created from a baseline, read/written by the agent, snapshotted, destroyed. */
export interface EphemeralAdapter {
  readonly kind: string
  capabilities(): EphemeralCapabilities
  /** Creates the workspace at `baselineSha` of `durable`. Must leave nothing behind when it throws. */
  create(request: CreateWorkspaceRequest): Promise<WorkspaceInfo>
  /** File content, or `null` when the path does not exist. */
  read(workspace: WorkspaceHandle, path: string): Promise<Uint8Array | null>
  /** Writes a file (creating directories). `executable` sets or clears the exec bit; omitted keeps it. */
  write(
    workspace: WorkspaceHandle,
    path: string,
    bytes: Uint8Array,
    options?: { executable?: boolean },
  ): Promise<void>
  /** Deletes a file or symlink; a missing path is not an error. */
  delete(workspace: WorkspaceHandle, path: string): Promise<void>
  /** Entries directly under `dir` (or every file below it with `recursive`). */
  list(workspace: WorkspaceHandle, dir: string, options?: { recursive?: boolean }): Promise<ListEntry[]>
  /**
   * The workspace's current tree and every path that differs from the baseline; with `options.at`, the
   * same for that commit of the session, read by id (see {@link SnapshotOptions}: `INVALID_ARGUMENT`
   * when it is not a commit of the session at or after its baseline, `CAPABILITY_MISSING` when the
   * adapter cannot read commits).
   */
  snapshot(workspace: WorkspaceHandle, options?: SnapshotOptions): Promise<WorkspaceSnapshot>
  /**
   * Optional: the workspace as it is now, read for a diff that is shown, not promoted, when the
   * adapter can do that cheaper than a {@link snapshot} (local: one `git diff` that stores nothing). Its
   * `textPatches` (with `textPatchesSelectable`) must give, for each of its own changes whose content
   * changed, the hunks a snapshot's `textPatches` gives for the same blobs, so the ids match a later
   * hunk promotion; the new blobs need not be readable. Resolves `null` when it cannot (the core then
   * snapshots). The core uses it only when nothing was promoted yet and no commit is pinned.
   */
  reviewSnapshot?(workspace: WorkspaceHandle): Promise<WorkspaceSnapshot | null>
  /**
   * Optional (session history): the changes from
   * commit `from` of the session (default: its baseline) to commit `to` (default: the workspace as it
   * is now), as a snapshot whose `changes` run from `from` (not from the baseline) and whose
   * `textPatches`, if any, are hunks of exactly `from` → `to`. The core renders it (src/core/diff.ts).
   * Both are checked as in {@link snapshot}: `INVALID_ARGUMENT` when not a commit of the session.
   */
  snapshotBetween?(
    workspace: WorkspaceHandle,
    options: { from?: string; to?: string },
  ): Promise<WorkspaceSnapshot>
  /** Records the workspace state as a commit in the workspace (not durable). Resolves the commit id. */
  commit(workspace: WorkspaceHandle, message: string): Promise<string>
  /** Latest modification time (ms) of anything in the workspace, or `null` if unknown. */
  lastChangeAt(workspace: WorkspaceHandle): Promise<number | null>
  /** Removes the workspace. Idempotent. */
  destroy(workspace: WorkspaceHandle): Promise<void>
  /**
   * Optional: a new workspace holding the source workspace's files at one of its commits, on the
   * same durable baseline (so the fork's touched files are measured against the same tree). Must leave
   * nothing behind when it throws. Throws `INVALID_ARGUMENT` when `at` is not a commit of the source
   * session at or after its baseline.
   */
  forkWorkspace?(request: ForkWorkspaceRequest): Promise<WorkspaceFork>
  /**
   * Optional (session history): the workspace's commits from its `HEAD` back to the baseline, newest
   * first, the baseline last (`baseline: true`); at most `limit` of them. Throws `WORKSPACE_MISSING`.
   */
  checkpoints?(workspace: WorkspaceHandle, options?: { limit?: number }): Promise<CheckpointCommit[]>
  /**
   * Optional (session history): the full id of commit `at` (full or abbreviated) of the session — on
   * the history of its head or of a head a restore kept, at or after the baseline. Throws
   * `INVALID_ARGUMENT` otherwise.
   */
  checkpointId?(workspace: WorkspaceHandle, at: string): Promise<string>
  /**
   * Optional (session history): the notes of `kind` on these commits (full ids), as bytes, keyed by
   * commit; commits without a note are absent. Notes are kept outside the workspace tree and outside
   * the durable repository.
   */
  readNotes?(
    workspace: WorkspaceHandle,
    kind: NoteKind,
    commits: readonly string[],
  ): Promise<Map<string, Uint8Array>>
  /**
   * Optional (session history): sets the note of `kind` on checkpoint `at` (replacing one already
   * there). Throws `INVALID_ARGUMENT` when `at` is not a commit of the session. Resolves its full id.
   */
  writeNote?(workspace: WorkspaceHandle, kind: NoteKind, at: string, bytes: Uint8Array): Promise<string>
  /**
   * Optional (session history): the files below `path` (default the root) at checkpoint `at`, or the
   * bytes of the file `path` names. Throws `INVALID_ARGUMENT` (not a commit of the session),
   * `FILE_NOT_FOUND` (no such path at that checkpoint).
   */
  showAt?(workspace: WorkspaceHandle, at: string, path?: string): Promise<ShowResult>
  /**
   * Optional (session history): moves the workspace (files, index, `HEAD`) back to checkpoint `at`.
   * Uncommitted work is committed first; the old head stays reachable through a ref
   * (`RestoreResult.savedRef`) and the `HEAD` reflog. Throws `INVALID_ARGUMENT`, `EVICTION_RACE`.
   */
  restoreTo?(workspace: WorkspaceHandle, at: string): Promise<RestoreResult>
}

export type { TreeChange }
