/**
 * The GitHub adapters and the one client setup they share.
 */

export { GitHubBranchEphemeralAdapter, type GitHubBranchEphemeralAdapterOptions } from './branch-ephemeral.ts'
export {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
  type GitHubRequestPolicy,
  type GitHubRetryOptions,
  type GitHubThrottleOptions,
  gitHubRequestPolicy,
  type OctokitLike,
  resolveGitHubApiUrl,
} from './client.ts'
export { GitHubDurableAdapter, type GitHubDurableAdapterOptions } from './durable.ts'
export {
  gitHubPromotionHistory,
  HISTORY_PAGES,
  isWrittenBy,
  type PromotionAuthor,
} from './promotion-history.ts'
export {
  type ListedCommit,
  NEWEST_COMMITS,
  readSessionHistory,
  type SessionHistory,
  type SessionHistoryProblem,
} from './session-history.ts'
export { pullRequestTitle, renderPullRequestBody } from './pull-request.ts'
export {
  isNotFastForward,
  isNotFound,
  isProtectedBranchRefusal,
  isReferenceAlreadyExists,
  isReferenceMissing,
  isWorkflowPermissionRefusal,
} from './request-errors.ts'
export { readTree, type TreeListing, treeChanges } from './trees.ts'
