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
  /**
   * Optional: the sizes of blobs (bytes) without reading them; ids it does not know are absent. With
   * {@link readBlobHead}, lets a diff tell a large binary file from text by its first 8,000 bytes
   * (src/core/diff.ts) instead of reading it whole.
   */
  blobSizes?(oids: readonly string[]): Promise<Map<string, number>>
  /** Optional: the first `maxBytes` bytes of blob `oid` (all of it when smaller). */
  readBlobHead?(oid: string, maxBytes: number): Promise<Uint8Array>
}

/**
 * The unified-diff hunks of one text file, computed by the workspace's host (e.g. GitHub's compare
 * API) so that a diff needs no blob reads for it.
 */
export interface HostTextPatch {
  /**
   * The hunks: `@@ … @@` lines and their `+`, `-`, space and backslash lines, each ending in a newline.
   * Empty for a binary file.
   */
  hunks: string
  /** True when the host found the content binary (no hunks; the diff says `Binary files … differ`). */
  binary: boolean
}

/** Options of {@link WorkspaceSnapshot}-producing reads (`EphemeralAdapter.snapshot`). */
export interface SnapshotOptions {
  /**
   * Read the workspace as it was at this commit of the session (a full or abbreviated commit id), by
   * id, instead of its current state. The adapter checks that it is a commit of the session at or
   * after its baseline (`INVALID_ARGUMENT` otherwise); workspaces without commits answer
   * `CAPABILITY_MISSING`.
   */
  at?: string
  /**
   * The snapshot serves a promotion that will write to the durable side: an adapter may then spend a
   * write to read less (GitHub: one unreferenced tree object proves the compare list complete instead
   * of walking both trees; src/adapters/github/compare-diff.ts). Reads for review never set it.
   */
  forPromotion?: boolean
}

/** The session's state against its baseline (now, or at one commit): its tree and every touched path. */
export interface WorkspaceSnapshot {
  /** Tree id of the workspace as snapshotted, when the adapter has one without extra work. */
  tree?: string
  /** The full id of the commit snapshotted, when the snapshot was taken `at` a commit. */
  commit?: string
  /** Every path that differs from the baseline tree (renames are both paths). Sorted by path. */
  changes: TreeChange[]
  /** Where the new blobs can be read. */
  blobs: BlobSource
  /**
   * Optional: hunks the host computed for some of `changes` (text files whose content changed), keyed
   * by path, so a diff needs no blob reads for them. Paths it leaves out are rendered from blobs. Hosts
   * implement it only when the hunks are of exactly this snapshot (same baseline, same commit).
   */
  textPatches?(changes: readonly TreeChange[]): Promise<Map<string, HostTextPatch>>
  /**
   * True when {@link textPatches} gives the hunks of exactly each change asked (any pair of blobs, not
   * only the snapshot's own) with the engine a hunk promotion from this snapshot selects with: then
   * every diff takes hunk-selectable files from it too, and `promote({ mode: 'hunks' })` resolves
   * ids against it (the same hunks, the same ids). A path it leaves out is diffed with the `diff`
   * package on both surfaces. Local workspaces: git's diff (src/adapters/local/text-patches.ts).
   */
  textPatchesSelectable?: boolean
}

/** One entry returned by `list()`. */
export interface ListEntry {
  path: string
  type: 'file' | 'dir' | 'symlink'
}

/** Session lifecycle states (docs/architecture.md#domain-model). */
export type SessionState = 'active' | 'promoted' | 'discarded' | 'expired'

/** How a session is evicted (docs/architecture.md#domain-model). Durations in ms; `null` disables that limit. */
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
 * Which touched files (or hunks of them) to promote. `files` entries are paths or globs (picomatch syntax): a touched
 * path equal to the entry wins over the entry as a glob (`notes/v[1].txt` selects that file when it is
 * touched, never `notes/v1.txt`); an entry prefixed with git's pathspec magic `:(literal)`, or every
 * entry with `literal: true`, is a path only.
 */
export type PromoteSelector =
  | { mode: 'all' }
  | { mode: 'files'; files: string[]; literal?: boolean }
  | {
      mode: 'hunks'
      /**
       * Per file, the ids of the hunks to promote (`FileDiff.hunks`, shown as `[h:<id>]` in the patch),
       * or `<id>.<k>` for the k-th part (1-based) of a split hunk (`hunkParts` of src/core/hunks.ts).
       * Paths are literal (no globs). Only text files whose content changed and whose mode did not can
       * be promoted by hunks; anything else is `INVALID_ARGUMENT` naming the path.
       */
      hunks: Array<{ path: string; ids: string[] }>
      /** Whole files promoted along with the hunks: paths or globs, as `files` of `mode: 'files'`. */
      files?: string[]
      /** Every `files` entry is a path, never a glob. */
      literal?: boolean
    }

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
   * The workspace commit that was reviewed (full or abbreviated id). Selection, drift check and the
   * promoted tree then all come from one snapshot of exactly that commit, read by id: later changes in
   * the workspace are not promoted. `INVALID_ARGUMENT` (nothing written) when it is not a commit of the
   * session at or after its baseline; `CAPABILITY_MISSING` when the workspace has no commits.
   */
  at?: string
  /**
   * Promote symlinks even when their target leads outside the repository or into a `.git` (refused by
   * default with `PROMOTE_FAILED`, stage `staging`, naming them). Opt in only for links you reviewed.
   */
  allowUnsafeSymlinks?: boolean
}

/** The recorded outcome of a promotion (metadata v1 `promote.result`). */
export interface PromoteResult {
  /** The promoted commit; for `patch`, the durable head the patch applies onto. */
  sha: string
  /** The branch that holds it (the durable branch for `commit`). */
  branch: string
  prUrl?: string
}

/**
 * One promotion of a session as recorded in its metadata (`SessionMetadata.promotions`): what landed
 * where, which paths, and what each path was promoted as.
 */
export interface PromotionRecord extends PromoteResult {
  strategy: 'commit' | 'branch' | 'pr'
  /** The promoted paths, sorted. */
  files: string[]
  /** When it was recorded (ISO 8601). */
  at: string
  /**
   * Each promoted path: `old*` as it was before this promotion (the baseline, or what an earlier
   * promotion of the session wrote), `new*` as this promotion wrote it. Sorted by path.
   */
  changes: TreeChange[]
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
  /** The workspace commit promoted (full id), when the promotion was pinned to one (`at`). */
  at?: string
}

/**
 * One hunk of a text file as `FileDiff.hunks` lists it (src/core/hunks.ts). Line numbers are 1-based,
 * counts in lines, as in the `@@` line.
 */
export interface FileHunk {
  /** 8 hex digits, content-derived and stable across renders and partial promotions (`hunkIds`). */
  id: string
  oldStart: number
  oldLines: number
  newStart: number
  newLines: number
  /** The hunk's `@@ -a,b +c,d @@ [h:<id>]` line exactly as the patch shows it (no newline). */
  header: string
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
  /**
   * The hunks of a text file whose content changed and whose mode did not (src/core/hunks.ts), in
   * patch order, each with the id a `{ mode: 'hunks' }` selector names. Absent for binary, added,
   * deleted, symlink and mode changes (whole-file only) and for files whose patch a budget left out.
   */
  hunks?: FileHunk[]
  /**
   * `false` when a budgeted diff (`DiffBudget`) did not read this file's content: `binary`,
   * `additions` and `deletions` are then unknown and reported as `false`, 0, 0. Absent otherwise.
   */
  counted?: false
}

/** A session's diff against its baseline: the unified patch and per-file data. */
export interface SessionDiff {
  patch: string
  files: FileDiff[]
  /** Sums over the files (counted files only, see {@link SessionDiff.partial}). */
  additions: number
  deletions: number
  /**
   * Set only when a budget (`DiffBudget`) left something out: `patch` then holds the patches of the
   * first `patchedFiles` files (in `files` order) and `countedFiles` files have line counts.
   */
  partial?: { patchedFiles: number; countedFiles: number }
}

/**
 * Limits for a diff that is shown, not applied (a review page): reading stops once the patch holds
 * `patchBytes` UTF-8 bytes or `blobReads` more blobs would be needed; the files after that are listed
 * without their patch (and without line counts unless the host gave them, see
 * `WorkspaceSnapshot.textPatches`).
 */
export interface DiffBudget {
  /** Patch bytes wanted; the file that crosses it is still included whole. */
  patchBytes: number
  /** Most blobs read from the workspace or durable side for files the host gave no hunks for. */
  blobReads: number
}
