/**
 * Every error Gittrix throws on purpose is a {@link GittrixError} with a stable `code`.
 * Messages say what happened and what to do; they never contain secrets (see `redact`).
 */

/** Stable error codes. Consumers switch on these, never on message text. */
export type GittrixErrorCode =
  | 'SESSION_NOT_FOUND'
  | 'SESSION_EXPIRED'
  | 'BASELINE_CONFLICT'
  | 'PROMOTE_FAILED'
  | 'ADAPTER_UNAVAILABLE'
  | 'AUTH_FAILED'
  | 'CAPABILITY_MISSING'
  | 'WRITE_REJECTED'
  | 'EVICTION_RACE'
  | 'METADATA_VERSION_UNSUPPORTED'
  | 'METADATA_INVALID'
  | 'FILE_NOT_FOUND'
  | 'REF_NOT_FOUND'
  | 'WORKTREE_DIRTY'
  | 'INVALID_ARGUMENT'
  | 'BRANCH_PROTECTED'
  | 'GIT_FAILED'
  | 'PATH_TOO_LONG'
  | 'PATH_CONFLICT'
  | 'WORKSPACE_MISSING'
  | 'WORKSPACE_INVALID'
  | 'WORKTREE_STALE'
  | 'LOCKED'

/** Every code, once (the README's error table lists exactly these; test/readme-errors.test.ts checks). */
const CODES: Record<GittrixErrorCode, true> = {
  SESSION_NOT_FOUND: true,
  SESSION_EXPIRED: true,
  BASELINE_CONFLICT: true,
  PROMOTE_FAILED: true,
  ADAPTER_UNAVAILABLE: true,
  AUTH_FAILED: true,
  CAPABILITY_MISSING: true,
  WRITE_REJECTED: true,
  EVICTION_RACE: true,
  METADATA_VERSION_UNSUPPORTED: true,
  METADATA_INVALID: true,
  FILE_NOT_FOUND: true,
  REF_NOT_FOUND: true,
  WORKTREE_DIRTY: true,
  INVALID_ARGUMENT: true,
  BRANCH_PROTECTED: true,
  GIT_FAILED: true,
  PATH_TOO_LONG: true,
  PATH_CONFLICT: true,
  WORKSPACE_MISSING: true,
  WORKSPACE_INVALID: true,
  WORKTREE_STALE: true,
  LOCKED: true,
}

/** Every {@link GittrixErrorCode}, for documentation checks and exhaustive handling. */
export const ERROR_CODES = Object.keys(CODES) as GittrixErrorCode[]

/** Base class of every Gittrix error: `code` is stable, `message` is for people. */
export class GittrixError extends Error {
  readonly code: GittrixErrorCode

  constructor(code: GittrixErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }

  /** A plain object for `--json` output and logs: `{ code, message, ...fields }`. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message }
  }
}

/** `SESSION_NOT_FOUND`: no session with this id exists in the store. */
export class SessionNotFoundError extends GittrixError {
  readonly sessionId: string
  constructor(sessionId: string) {
    super('SESSION_NOT_FOUND', `Session ${sessionId} not found. List sessions with \`gittrix ls\`.`)
    this.sessionId = sessionId
  }
}

/** `SESSION_EXPIRED`: the session exists but is no longer active (promoted, discarded or expired). */
export class SessionExpiredError extends GittrixError {
  readonly sessionId: string
  readonly state: string
  constructor(sessionId: string, state: string) {
    super(
      'SESSION_EXPIRED',
      `Session ${sessionId} is ${state}, not active: it accepts no more changes. Start a new session.`,
    )
    this.sessionId = sessionId
    this.state = state
  }
}

/**
 * `BASELINE_CONFLICT`: the durable branch changed some selected paths since the baseline.
 * Nothing was written. `conflictingFiles` lists every such path (sorted).
 */
export class BaselineConflictError extends GittrixError {
  readonly conflictingFiles: string[]
  readonly durableSha: string
  readonly baselineSha: string
  constructor(conflictingFiles: string[], durableSha: string, baselineSha: string) {
    const shown = conflictingFiles.slice(0, 20).join(', ')
    const more = conflictingFiles.length > 20 ? ` and ${conflictingFiles.length - 20} more` : ''
    super(
      'BASELINE_CONFLICT',
      `The durable branch changed ${conflictingFiles.length} of the selected files since the baseline ` +
        `(${baselineSha.slice(0, 12)} → ${durableSha.slice(0, 12)}): ${shown}${more}. Nothing was written. ` +
        'Promote the other files, or start a new session from the current durable head.',
    )
    this.conflictingFiles = conflictingFiles
    this.durableSha = durableSha
    this.baselineSha = baselineSha
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      conflictingFiles: this.conflictingFiles,
      durableSha: this.durableSha,
      baselineSha: this.baselineSha,
    }
  }
}

/** The stage at which a promotion failed. */
export type PromoteStage = 'staging' | 'apply' | 'cleanup'

/**
 * `PROMOTE_FAILED`: promotion did not complete. `stage` says where:
 * `staging` (nothing selected, unknown paths; nothing written), `apply` (the durable write failed;
 * the durable branch is unchanged), `cleanup` (the commit landed, but recording or eviction failed).
 */
export class PromoteFailedError extends GittrixError {
  readonly stage: PromoteStage
  readonly paths: string[]
  constructor(stage: PromoteStage, message: string, options?: { cause?: unknown; paths?: string[] }) {
    super('PROMOTE_FAILED', message, options)
    this.stage = stage
    this.paths = options?.paths ?? []
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), stage: this.stage, ...(this.paths.length ? { paths: this.paths } : {}) }
  }
}

/**
 * `WRITE_REJECTED`: an unsafe path (absolute, `..`, `.git` in any spelling, NUL, a symlink leading
 * outside the workspace or into `.git`, a directory holding a nested repository). Nothing was written.
 */
export class WriteRejectedError extends GittrixError {
  readonly path: string
  constructor(path: string, reason: string) {
    super('WRITE_REJECTED', `Path ${JSON.stringify(path)} rejected: ${reason}.`)
    this.path = path
  }
}

/**
 * `EVICTION_RACE`: another process holds the session (promotion, eviction) and did not let go in time.
 * `lockFile` names the lock directory; the message says what is known of its holder.
 */
export class EvictionRaceError extends GittrixError {
  readonly lockFile: string | undefined
  constructor(sessionId: string, options?: { cause?: unknown; lockFile?: string; holder?: string }) {
    const lock = options?.lockFile
      ? ` The lock is ${options.lockFile} (${options.holder ?? 'holder unknown'}); remove it only if that process is gone.`
      : ''
    super(
      'EVICTION_RACE',
      `Session ${sessionId} is busy in another process (promotion, eviction or a write). Retry in a moment.${lock}`,
      options,
    )
    this.lockFile = options?.lockFile
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), ...(this.lockFile ? { lockFile: this.lockFile } : {}) }
  }
}

/** `METADATA_VERSION_UNSUPPORTED`: metadata written by a newer (or unknown) Gittrix. */
export class MetadataVersionError extends GittrixError {
  readonly file: string
  readonly version: unknown
  constructor(file: string, version: unknown) {
    super(
      'METADATA_VERSION_UNSUPPORTED',
      `${file} has metadataVersion ${JSON.stringify(version)}; this Gittrix reads version 1. Upgrade Gittrix.`,
    )
    this.file = file
    this.version = version
  }
}

/** `METADATA_INVALID`: a metadata file is not valid JSON or does not match the v1 schema. */
export class MetadataInvalidError extends GittrixError {
  readonly file: string
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(
      'METADATA_INVALID',
      `${file} is not valid session metadata (${detail}). Fix or remove that session directory.`,
      options,
    )
    this.file = file
  }
}

/** `FILE_NOT_FOUND`: the path does not exist in the session's workspace. */
export class FileNotFoundError extends GittrixError {
  readonly path: string
  constructor(path: string, where: string) {
    super('FILE_NOT_FOUND', `${path} does not exist in ${where}.`)
    this.path = path
  }
}

/** `WORKTREE_DIRTY`: the durable branch is checked out and the promoted paths have local changes there. */
export class WorktreeDirtyError extends GittrixError {
  readonly paths: string[]
  constructor(worktree: string, paths: string[], detail: string) {
    super(
      'WORKTREE_DIRTY',
      `The durable branch is checked out at ${worktree} and promoted paths have local changes there ` +
        `(${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''}): ${detail.trim()}. ` +
        'Nothing was written. Commit or stash those changes, then promote again.',
    )
    this.paths = paths
  }
}

/** `INVALID_ARGUMENT`: a caller passed something that cannot work; the message says what to pass. */
export class InvalidArgumentError extends GittrixError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message)
  }
}

/** True when `error` is a {@link GittrixError} with the given code. */
export function isGittrixError(error: unknown, code?: GittrixErrorCode): error is GittrixError {
  return error instanceof GittrixError && (code === undefined || error.code === code)
}

/**
 * `BRANCH_PROTECTED`: the durable host refused a direct write to the branch (branch protection or a
 * ruleset). Strategy `auto` falls back to a pull request; `commit` reports it.
 */
export class BranchProtectedError extends GittrixError {
  readonly branch: string
  constructor(branch: string, detail: string, options?: { cause?: unknown }) {
    super(
      'BRANCH_PROTECTED',
      `${branch} refuses direct writes (${detail}). Promote with strategy "pr" (or "auto"), or let Gittrix bypass the rule.`,
      options,
    )
    this.branch = branch
  }
}

/** `PATH_TOO_LONG`: a path segment is longer than the file system allows (`ENAMETOOLONG`). Nothing was written. */
export class PathTooLongError extends GittrixError {
  readonly path: string
  constructor(path: string, limitBytes?: number) {
    super(
      'PATH_TOO_LONG',
      `Path ${JSON.stringify(path)} is too long for the file system${limitBytes ? ` (a name may have at most ${limitBytes} bytes)` : ''}. Use shorter names.`,
    )
    this.path = path
  }
}

/**
 * `PATH_CONFLICT`: the path cannot be used as asked because of what is already there: a parent is a
 * file (`ENOTDIR`), the path is a directory (`EISDIR`), or a file stands where a directory must go
 * (`EEXIST`). Nothing was written.
 */
export class PathConflictError extends GittrixError {
  readonly path: string
  constructor(path: string, reason: string) {
    super('PATH_CONFLICT', `Path ${JSON.stringify(path)} cannot be used: ${reason}.`)
    this.path = path
  }
}

/**
 * `WORKSPACE_MISSING`: the session's workspace directory (or Gittrix's private state for it) is gone,
 * e.g. deleted by hand. The session can only be discarded.
 */
export class WorkspaceMissingError extends GittrixError {
  readonly sessionId: string
  constructor(sessionId: string, where: string) {
    super(
      'WORKSPACE_MISSING',
      `The workspace of session ${sessionId} is gone (${where}). Discard the session (\`gittrix discard ${sessionId}\`) and start a new one.`,
    )
    this.sessionId = sessionId
  }
}

/**
 * `WORKSPACE_INVALID`: the workspace's git directory is not the one Gittrix made (replaced by a link,
 * a file or another repository, e.g. the durable one), so Gittrix refuses to write to it.
 */
export class WorkspaceInvalidError extends GittrixError {
  readonly sessionId: string
  constructor(sessionId: string, detail: string) {
    super(
      'WORKSPACE_INVALID',
      `The workspace of session ${sessionId} was tampered with: ${detail}. Nothing was written; discard the session.`,
    )
    this.sessionId = sessionId
  }
}

/**
 * `WORKTREE_STALE`: a promotion landed on a checked-out durable branch, but that work tree's index and
 * files still hold the previous commit (a crash, or the index is locked or was changed since). Nothing
 * is lost; `command` brings the work tree up to date (it refuses if those paths changed locally).
 */
export class WorktreeStaleError extends GittrixError {
  readonly worktree: string
  readonly sha: string
  readonly command: string
  constructor(worktree: string, parent: string, sha: string, detail: string, options?: { cause?: unknown }) {
    const command = `git -C ${JSON.stringify(worktree)} read-tree -m -u ${parent} ${sha}`
    super(
      'WORKTREE_STALE',
      `Commit ${sha} is on the checked-out durable branch, but the work tree at ${worktree} still holds its parent (${detail.trim()}). ` +
        `Run \`${command}\` (it refuses to touch paths you changed), then promote again to record it.`,
      options,
    )
    this.worktree = worktree
    this.sha = sha
    this.command = command
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), worktree: this.worktree, sha: this.sha, command: this.command }
  }
}

/**
 * `LOCKED`: a lock file is held and was not released in time: git's `index.lock` or a ref's `.lock` in
 * the durable repository, or a Gittrix lock in the store. `lockFile` names it; remove it only when no
 * process holds it (the message says what is known about the holder).
 */
export class LockedError extends GittrixError {
  readonly lockFile: string
  constructor(lockFile: string, detail: string, options?: { cause?: unknown }) {
    super('LOCKED', `${lockFile} is locked: ${detail}`, options)
    this.lockFile = lockFile
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), lockFile: this.lockFile }
  }
}
