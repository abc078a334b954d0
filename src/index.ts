/**
 * gittrix: storage routing and a review gate for AI coding agents.
 *
 * Core router, sessions, errors and types, plus the local adapters. GitHub, Cloudflare Artifacts and
 * the GitHub App live under `gittrix/github`, `gittrix/artifacts` and `gittrix/app`.
 */
export { LocalDurableAdapter, type LocalDurableAdapterOptions } from './adapters/local/durable.ts'
export {
  LocalEphemeralAdapter,
  type LocalEphemeralAdapterOptions,
  type LocalWorkspaceKind,
} from './adapters/local/ephemeral.ts'
export type * from './core/adapters.ts'
export * from './core/errors.ts'
export { DEFAULT_EVICTION, DEFAULT_SWEEP_INTERVAL_MS } from './core/eviction.ts'
export {
  GitTrix,
  type GitTrixOptions,
  type ListSessionsFilter,
  type RestoreSessionOptions,
  type StartSessionOptions,
  type SweepReport,
} from './core/gittrix.ts'
export type { LockOptions } from './core/lock.ts'
export { type SessionMetadata, sessionMetadataSchema } from './core/metadata.ts'
export { type GitTrailer, parseGitTrailers } from './core/git-trailers.ts'
export {
  findPromotion,
  type HistoryCommit,
  parsePromotionTrailers,
  type PromotionHistory,
  type PromotionQuery,
  type PromotionTrailers,
  withTrailers,
} from './core/promotion-identity.ts'
export { hunkParts, type TextHunk } from './core/hunks.ts'
export { normalizeRepoPath } from './core/paths.ts'
export { AgentSession, type DiffOptions, UserSession, type WriteOptions } from './core/session.ts'
export { type DamagedSession, defaultStoreDir } from './core/store.ts'
export type * from './core/types.ts'
export { GitCommandError } from './git/run-git.ts'
