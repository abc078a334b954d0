/**
 * The shapes shared by the core and every adapter. Paths are always repository-relative,
 * `/`-separated, normalised (see `paths.ts`). Object ids are git hex ids. Times are ms since the epoch
 * unless a field says ISO.
 */

/** Git file modes Gittrix promotes: regular file, executable, symlink. `160000` (submodule) is read only. */
export type FileMode = '100644' | '100755' | '120000' | '160000'

/** One file in a tree. */
export interface TreeEntry {
  path: string
  mode: FileMode
  oid: string
}

/** How a path differs from the baseline. */
export type ChangeStatus = 'added' | 'modified' | 'deleted'

/** One path that differs between two trees: blob, mode or existence. `null` on the side where it is absent. */
export interface TreeChange {
  path: string
  status: ChangeStatus
  oldMode: FileMode | null
  newMode: FileMode | null
  oldOid: string | null
  newOid: string | null
}

/** Where the blobs of a snapshot can be read: a local git directory (fast path) and/or a reader. */
export interface BlobSource {
  /** A git directory holding every blob of the snapshot (with its alternates), when there is one. */
  gitDir?: string
  /**
   * The repository the blobs already live in, as a durable ref URI without branch (e.g.
   * `github://owner/repo`). A durable adapter for that same repository reuses the blob ids as they are.
   */
  location?: string
  /** Reads blobs by id. Resolves a map; every requested id must be present. */
  readBlobs(oids: readonly string[]): Promise<Map<string, Uint8Array>>
}

/** The session's current state against its baseline: its tree and every touched path. */
export interface WorkspaceSnapshot {
  /** Tree id of the workspace as it is now, when the adapter has one without extra work. */
  tree?: string
  /** Every path that differs from the baseline tree (renames are both paths). Sorted by path. */
  changes: TreeChange[]
  /** Where the new blobs can be read. */
  blobs: BlobSource
}

/** One entry returned by `list()`. */
export interface ListEntry {
  path: string
  type: 'file' | 'dir' | 'symlink'
}

/** Session lifecycle states (seed 003). */
export type SessionState = 'active' | 'promoted' | 'discarded' | 'expired'

/** How a session is evicted (seed 003). Durations in ms; `null` disables that limit. */
export interface EvictionPolicy {
  /** Evict after this long without any access (API call or workspace file change). Default 4 h. */
  ttlIdleMs: number | null
  /** Evict this long after creation whatever happens. Default `null` (never). */
  ttlAbsoluteMs: number | null
  /** Evict the workspace right after a successful promotion. Default `true`. */
  untilPromote: boolean
  /** Never evict automatically (sweeps skip it). Default `false`. */
  manual: boolean
}

/** Promotion strategies. `pr` needs a durable adapter that can open pull requests (GitHub). */
export type PromoteStrategy = 'auto' | 'commit' | 'branch' | 'pr' | 'patch'

/**
 * Which touched files to promote. `files` entries are paths or globs (picomatch syntax): a touched
 * path equal to the entry wins over the entry as a glob (`notes/v[1].txt` selects that file when it is
 * touched, never `notes/v1.txt`); an entry prefixed with git's pathspec magic `:(literal)`, or every
 * entry with `literal: true`, is a path only.
 */
export type PromoteSelector = { mode: 'all' } | { mode: 'files'; files: string[]; literal?: boolean }

/** Options for `UserSession.promote`. */
export interface PromoteOptions {
  selector: PromoteSelector
  /** Default `auto`. */
  strategy?: PromoteStrategy
  /** Commit message; default `gittrix: <task>`. Gittrix trailers are appended. */
  message?: string
  /** Target branch for `branch`/`pr`; default `gittrix/promote/<session-id>`. */
  branch?: string
  /**
   * Promote symlinks even when their target leads outside the repository or into a `.git` (refused by
   * default with `PROMOTE_FAILED`, stage `staging`, naming them). Opt in only for links you reviewed.
   */
  allowUnsafeSymlinks?: boolean
}

/** The recorded outcome of a promotion (seed 003 `promote.result`). */
export interface PromoteResult {
  /** The promoted commit; for `patch`, the durable head the patch applies onto. */
  sha: string
  /** The branch that holds it (the durable branch for `commit`). */
  branch: string
  prUrl?: string
}

/** What `promote()` resolves to: the recorded result plus what was done and, for `patch`, the patch. */
export interface PromoteOutcome extends PromoteResult {
  strategy: Exclude<PromoteStrategy, 'auto'>
  /** The promoted paths, sorted. */
  files: string[]
  /** True when this call found an earlier promotion and answered with its recorded result. */
  alreadyPromoted: boolean
  /** The `git apply`-able patch (strategy `patch` only). */
  patch?: string
}

/** Structured diff data for one touched file. Line counts are 0 for binary files. */
export interface FileDiff {
  path: string
  status: ChangeStatus
  binary: boolean
  additions: number
  deletions: number
  oldMode: FileMode | null
  newMode: FileMode | null
}

/** A session's diff against its baseline: the unified patch and per-file data. */
export interface SessionDiff {
  patch: string
  files: FileDiff[]
  additions: number
  deletions: number
}
