/**
 * Review and decision commands: `diff` and `promote`. Both work on the durable repository recorded in
 * the session's metadata.
 */
import { encodeText } from '../../core/bytes.ts'
import type { PromoteSelector, PromoteStrategy } from '../../core/types.ts'
import type { CliContext } from '../context.ts'
import { formatDiffStat, formatPromotion } from '../format.ts'
import type { CommandResult } from '../output.ts'
import { cliPath } from '../parse.ts'
import { withCliSession } from './with-session.ts'

/**
 * `gittrix diff <id> [paths...] [--stat]`: the unified patch against the baseline (or per-file stats).
 * The patch is printed as its exact bytes (Latin-1 lines and names stay Latin-1, so `git apply` takes
 * it). Data: `{ patch, files: [{ path, status, binary, additions, deletions, oldMode, newMode }],
 * additions, deletions }` (non-UTF-8 bytes as `\udcXX` escapes, src/core/bytes.ts). Throws
 * `SESSION_NOT_FOUND`, `SESSION_EXPIRED`.
 */
export async function diffCommand(
  ctx: CliContext,
  id: string,
  paths: string[],
  opts: { stat?: boolean },
): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const diff = await session.diffDetails(paths.length ? { paths: paths.map(cliPath) } : {})
    return { data: diff, text: opts.stat ? formatDiffStat(diff) : encodeText(diff.patch) }
  })
}

/** Options of `gittrix promote`. */
export interface PromoteCommandOptions {
  /** Touched paths or globs to promote; empty or absent: every touched file. */
  files?: string[]
  /** Every `files` entry is a path, never a glob. */
  literal?: boolean
  /** Promote symlinks leading outside the repository or into `.git` too. */
  allowUnsafeSymlinks?: boolean
  strategy?: PromoteStrategy
  message?: string
  branch?: string
}

/**
 * `gittrix promote <id> [-f a,b] [--strategy s] [-m msg] [--branch name]`: one clean commit on the
 * durable branch (`commit`/`auto`), on a new branch (`branch`), or the patch printed (`patch`, nothing
 * written). Data: `{ strategy, sha, branch, files, alreadyPromoted, patch? }`. Throws
 * `BASELINE_CONFLICT` (exit 3), `PROMOTE_FAILED` (stage `staging`: untouched or no files),
 * `WORKTREE_DIRTY`, `SESSION_EXPIRED`.
 */
export async function promoteCommand(
  ctx: CliContext,
  id: string,
  opts: PromoteCommandOptions,
): Promise<CommandResult> {
  const selector: PromoteSelector = opts.files?.length
    ? { mode: 'files', files: opts.files.map(cliPath), ...(opts.literal ? { literal: true } : {}) }
    : { mode: 'all' }
  return withCliSession(ctx, id, async ({ session }) => {
    const outcome = await session.promote({
      selector,
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      ...(opts.message !== undefined ? { message: opts.message } : {}),
      ...(opts.branch ? { branch: opts.branch } : {}),
      ...(opts.allowUnsafeSymlinks ? { allowUnsafeSymlinks: true } : {}),
    })
    const text = outcome.strategy === 'patch' ? encodeText(outcome.patch ?? '') : formatPromotion(outcome)
    return { data: outcome, text }
  })
}
