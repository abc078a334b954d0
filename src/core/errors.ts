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

/** `WRITE_REJECTED`: an unsafe path (absolute, `..`, `.git/`, NUL, escaping symlink). Nothing was written. */
export class WriteRejectedError extends GittrixError {
  readonly path: string
  constructor(path: string, reason: string) {
    super('WRITE_REJECTED', `Path ${JSON.stringify(path)} rejected: ${reason}.`)
    this.path = path
  }
}

/** `EVICTION_RACE`: another process holds the session (promotion, eviction) and did not let go in time. */
export class EvictionRaceError extends GittrixError {
  constructor(sessionId: string, options?: { cause?: unknown }) {
    super(
      'EVICTION_RACE',
      `Session ${sessionId} is busy in another process (promotion, eviction or a write). Retry in a moment.`,
      options,
    )
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
