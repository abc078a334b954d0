/**
 * Review and decision commands: `diff` and `promote`. Both work on the durable repository recorded in
 * the session's metadata.
 */
import type { PromoteSelector, PromoteStrategy } from '../../core/types.ts'
import type { CliContext } from '../context.ts'
import { formatDiffStat, formatPromotion } from '../format.ts'
import type { CommandResult } from '../output.ts'
import { withSession } from './with-session.ts'

/**
 * `gittrix diff <id> [paths...] [--stat]`: the unified patch against the baseline (or per-file stats).
 * Data: `{ patch, files: [{ path, status, binary, additions, deletions, oldMode, newMode }], additions,
 * deletions }`. Throws `SESSION_NOT_FOUND`, `SESSION_EXPIRED`.
 */
export async function diffCommand(
  ctx: CliContext,
  id: string,
  paths: string[],
  opts: { stat?: boolean },
): Promise<CommandResult> {
  return withSession(ctx, id, async ({ session }) => {
    const diff = await session.diffDetails(paths.length ? { paths } : {})
    return { data: diff, text: opts.stat ? formatDiffStat(diff) : diff.patch }
  })
}

/** Options of `gittrix promote`. */
export interface PromoteCommandOptions {
  /** Touched paths or globs to promote; empty or absent: every touched file. */
  files?: string[]
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
    ? { mode: 'files', files: opts.files }
    : { mode: 'all' }
  return withSession(ctx, id, async ({ session }) => {
    const outcome = await session.promote({
      selector,
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      ...(opts.message !== undefined ? { message: opts.message } : {}),
      ...(opts.branch ? { branch: opts.branch } : {}),
    })
    const text = outcome.strategy === 'patch' ? (outcome.patch ?? '') : formatPromotion(outcome)
    return { data: outcome, text }
  })
}
