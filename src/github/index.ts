/**
 * The GitHub protocol: what the GitHub Action and the GitHub App share, so they cannot drift —
 * session ids and branch names, the start / pointer / promotion commit messages (encode + strict
 * parse), the check run and comment renderers, and the slash-command parser.
 * Nothing in `src/github/` talks to GitHub; the adapters (`src/adapters/github/`) do, and they build on
 * this. The package export `gittrix/github` (src/github.ts) offers both. None of it imports `@actions/*`
 * or `probot`.
 */
export {
  type CheckRunAction,
  checkRunActionSchema,
  checkRunActionsSchema,
  parseActionIdentifier,
  SESSION_ACTIONS,
  type SessionActionId,
  validateCheckRunActions,
} from './check-run-actions.ts'
export { type ClaimCommit, type ClaimPurpose, encodeClaimCommit, parseClaimCommit } from './claim-commit.ts'
export {
  assertBranchName,
  BRANCH_PREFIX,
  branchNameProblem,
  type GittrixRef,
  isValidBranchName,
  MAX_BRANCH_NAME_LENGTH,
  PROMOTE_BRANCH_PREFIX,
  parseGittrixRef,
  parseSessionNotesRef,
  promoteBranch,
  SESSION_NOTE_KINDS,
  SESSION_NOTES_PREFIX,
  sessionBranch,
  sessionIdFromRef,
  sessionNotesPrefix,
  sessionNotesRef,
  sessionNotesRefs,
  sessionOfSessionRef,
  sessionRestoredPrefix,
} from './branches.ts'
export {
  type ExtendCommit,
  EXTEND_TRAILERS,
  encodeExtendCommit,
  extendCommitSubject,
  parseExtendCommit,
} from './extend-commit.ts'
export {
  COMMAND_HELP,
  COMMAND_NAMES,
  type CommandHelp,
  type CommandName,
  helpText,
  sessionCommandExamples,
} from './command-help.ts'
export {
  type CommandParseResult,
  type CommandStrategy,
  commandNeedsWrite,
  EXTEND_LIMITS_MS,
  firstLine,
  type GittrixCommand,
  MAX_COMMAND_ARGS,
  MAX_COMMAND_LINE,
  MAX_COMMAND_MESSAGE,
  parseCommand,
} from './commands.ts'
export {
  COMMENT_FILE_ROWS,
  findSessionMarker,
  renderSessionComment,
  renderUsageReply,
  type SessionCommentInput,
  type SessionCommentStatus,
  sessionCommentMarker,
} from './comment.ts'
export {
  CONFLICT_LIST_MAX,
  type ConflictFacts,
  conflictTitle,
  renderConflictMarkdown,
  renderConflictOutput,
} from './conflict.ts'
export { type RenderedDiff, renderDiffText } from './diff-text.ts'
export {
  ARTIFACTS_NAME_PATTERN,
  type EphemeralLocation,
  ephemeralLocationSchema,
  formatEphemeralLocation,
  parseEphemeralLocation,
} from './ephemeral-location.ts'
export { encodeEviction, formatEvictionDuration, parseEviction } from './eviction-trailer.ts'
export { type SessionFacts, sessionFactsSchema } from './session-facts.ts'
export { type RenderedFileTable, renderFileTable } from './file-table.ts'
export { SHA1_PATTERN, sha1Schema, shortSha } from './commit-sha.ts'
export { CHECK_RUN_ACTIONS, CHECK_RUN_OUTPUT_MAX, COMMENT_BODY_MAX, utf8Length } from './limits.ts'
export {
  closeOpenFence,
  fencedBlock,
  inlineCode,
  link,
  mention,
  PLAIN_TITLE_MAX,
  plainTitle,
  safeUrl,
  visibleText,
} from './markdown.ts'
export {
  encodePointerCommit,
  looksLikePointerCommit,
  POINTER_TRAILERS,
  type PointerCommit,
  parsePointerCommit,
  pointerCommitSchema,
  pointerCommitSubject,
} from './pointer-commit.ts'
export { type PromotionTrailers, parsePromotionTrailers } from '../core/promotion-identity.ts'
export {
  CHECK_RUN_NAME,
  type CheckRunOutput,
  checkRunOutputSchema,
  renderCheckRunOutput,
  renderCommands,
  renderSessionCheckRun,
  renderStatTable,
  renderTask,
  type SessionCheckRun,
  SUMMARY_FILE_ROWS,
  TASK_DISPLAY_MAX,
} from './check-run-output.ts'
export {
  HISTORY_TOOL_CALLS_SHOWN,
  renderHistorySection,
  type SessionHistorySummary,
} from './history-section.ts'
export { type ParseResult, quoteUntrusted } from './result.ts'
export {
  assertGitHubSessionId,
  GITHUB_SESSION_ID_PATTERN,
  isGitHubSessionId,
  newGitHubSessionId,
  sessionIdSchema,
} from './session-id.ts'
export {
  encodeStartCommit,
  parseStartCommit,
  START_TRAILERS,
  type StartCommit,
  type StartCommitExpectation,
  startCommitSchema,
  startCommitSubject,
} from './start-commit.ts'
export { type DiffStat, describeChange, diffStat, diffStatLine, MINUS } from './stat.ts'
export {
  MAX_TASK_LENGTH,
  normalizeTask,
  normalizeTaskResult,
  TASK_SUMMARY_MAX,
  taskSummary,
  UNTITLED_TASK,
} from './task.ts'
export { type Token, tokenize } from './tokenize.ts'
export { MAX_MESSAGE_LENGTH, type Trailer } from './trailer-block.ts'
