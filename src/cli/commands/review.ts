/**
 * Review and decision commands: `diff` and `promote`. Both work on the durable repository recorded in
 * the session's metadata.
 */
import { encodeText } from '../../core/bytes.ts'
import type { PromoteSelector, PromoteStrategy } from '../../core/types.ts'
import type { CliContext } from '../context.ts'
import { formatDiffStat, formatPromotion } from '../format.ts'
import type { CommandResult } from '../output.ts'
import { chooseInteractively } from '../hunk-prompt.ts'
import { CliUsageError, cliPath } from '../parse.ts'
import { reviewPoint } from '../../review/review-point.ts'
import { withCliSession } from './with-session.ts'

/**
 * `gittrix diff <id> [paths...] [--stat]`: the unified patch against the baseline (or per-file stats);
 * each hunk of a file promotable by hunks ends its `@@` line with `[h:<id>]`, the id `promote --hunk`
 * takes.
 * The patch is printed as its exact bytes (Latin-1 lines and names stay Latin-1, so `git apply` takes
 * it). Data: `{ patch, files: [{ path, status, binary, additions, deletions, oldMode, newMode, hunks? }],
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
  /** `<path>#<id>[,<id>…]` entries: hunks to promote (ids from `gittrix diff`), with `files` whole. */
  hunk?: string[]
  /** Ask about every hunk on the terminal, like `git add -p`. */
  interactive?: boolean
  /**
   * Promote from this commit of the session (a checkpoint, as `gittrix log` lists them and `gittrix
   * diff <id> --to <checkpoint>` shows them, hunk ids included), not the workspace as it is now.
   */
  at?: string
}

/**
 * `gittrix promote <id> [-f a,b] [--hunk path#id…] [-p] [--strategy s] [-m msg] [--branch name]`: one
 * clean commit on the durable branch (`commit`/`auto`), on a new branch (`branch`), or the patch
 * printed (`patch`, nothing written). `--hunk` promotes those hunks of a file (the baseline with exactly
 * them applied), `-p` asks about each hunk on a terminal, pinned to one commit it shows (a checkpoint when files are
 * uncommitted; `CAPABILITY_MISSING` without history) (refused without a terminal, exit 2; nothing chosen:
 * nothing promoted, data `{ promoted: false, files: [] }`). Data: `{ strategy, sha, branch, files, alreadyPromoted, patch? }`. Throws
 * `BASELINE_CONFLICT` (exit 3), `PROMOTE_FAILED` (stage `staging`: untouched or no files),
 * `WORKTREE_DIRTY`, `SESSION_EXPIRED`.
 */
export async function promoteCommand(
  ctx: CliContext,
  id: string,
  opts: PromoteCommandOptions,
): Promise<CommandResult> {
  if (opts.interactive && (opts.hunk?.length || opts.files?.length || opts.at !== undefined)) {
    throw new CliUsageError(
      'promote -p asks about every hunk of a commit it makes itself; it takes no --hunk, -f or --at.',
    )
  }
  if (opts.interactive && (ctx.json || !ctx.io.askHunk)) {
    throw new CliUsageError(
      `promote -p asks about each hunk on a terminal, and ${ctx.json ? '--json was given' : 'this is not one (stdin or stderr is not a TTY)'}. ` +
        `Name the hunks instead: gittrix promote ${id} --hunk <path>#<id> (ids from gittrix diff ${id}).`,
    )
  }
  const literal = opts.literal ? { literal: true } : {}
  const files = (opts.files ?? []).map(cliPath)
  let selector: PromoteSelector = opts.hunk?.length
    ? { mode: 'hunks', hunks: parseHunkArguments(opts.hunk), ...(files.length ? { files } : {}), ...literal }
    : files.length
      ? { mode: 'files', files, ...literal }
      : { mode: 'all' }
  return withCliSession(ctx, id, async ({ gittrix, session }) => {
    let pinned = session
    let at: { at?: string } = opts.at !== undefined ? { at: opts.at } : {}
    if (opts.interactive) {
      // The walk shows one commit (a checkpoint of the files when they are uncommitted) and the
      // promotion is pinned to it: the agent may write while the person answers (src/review/review-point.ts).
      const point = await reviewPoint(gittrix, id)
      const shown = point ? await point.session.diffDetails() : await session.diffDetails()
      const chosen = await chooseInteractively(shown, ctx.io.askHunk!)
      if (!chosen)
        return { data: { promoted: false, files: [] }, text: 'Nothing chosen; nothing promoted.\n' }
      selector = chosen
      if (point) [pinned, at] = [point.session, { at: point.at }]
    }
    const outcome = await pinned.promote({
      selector,
      ...at,
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      ...(opts.message !== undefined ? { message: opts.message } : {}),
      ...(opts.branch ? { branch: opts.branch } : {}),
      ...(opts.allowUnsafeSymlinks ? { allowUnsafeSymlinks: true } : {}),
    })
    const text = outcome.strategy === 'patch' ? encodeText(outcome.patch ?? '') : formatPromotion(outcome)
    return { data: outcome, text }
  })
}

/**
 * `--hunk` entries → `{ path, ids }`: `<path>#<id>` or `<path>#<id>,<id>` (an id may be `<id>.<k>`, a
 * part of a split hunk), split at the last `#` (a
 * path may hold `#`); the path as {@link cliPath} reads it. Throws `CliUsageError` (exit 2) for an entry
 * without `#` or ids.
 */
export function parseHunkArguments(entries: readonly string[]): Array<{ path: string; ids: string[] }> {
  return entries.map((entry) => {
    const at = entry.lastIndexOf('#')
    const ids =
      at > 0
        ? entry
            .slice(at + 1)
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean)
        : []
    if (at <= 0 || ids.length === 0) {
      throw new CliUsageError(
        `--hunk ${JSON.stringify(entry)}: expected <path>#<id> (e.g. src/app.ts#1a2b3c4d); gittrix diff shows the ids as [h:<id>].`,
      )
    }
    return { path: cliPath(entry.slice(0, at)), ids }
  })
}
