/**
 * Session lifecycle commands: `start`, `fork`, `ls`, `info`, `discard`, `extend`, `sweep`.
 */
import ms from 'ms'
import type { LocalWorkspaceKind } from '../../adapters/local/ephemeral.ts'
import type { EvictionPolicy, SessionState } from '../../core/types.ts'
import { type CliContext, openStore, startCliSession } from '../context.ts'
import { describeEviction, formatSession, formatSessionList, formatSweep, shownPath } from '../format.ts'
import type { CommandResult } from '../output.ts'
import { CliUsageError, limitMs } from '../parse.ts'
import { withCliSession } from './with-session.ts'

/** Options of `gittrix start`. Durations are ms; `'none'` means no limit. */
export interface StartOptions {
  task?: string
  repo?: string
  branch?: string
  kind?: LocalWorkspaceKind | 'code-storage'
  codeStorageRepo?: string
  ttlIdle?: number | 'none'
  ttlAbsolute?: number | 'none'
  keepAfterPromote?: boolean
  manual?: boolean
}

/**
 * `gittrix start [task...]`: sweeps expired sessions, then starts one on the repository (`--repo`, default
 * the current directory) and branch (`--branch`, default the checked-out one). Data: the new
 * session's metadata. Throws `ADAPTER_UNAVAILABLE` (no repository), `REF_NOT_FOUND` (no such branch),
 * `INVALID_ARGUMENT` (detached HEAD without `--branch`); a usage error when a task is given twice.
 */
export async function startCommand(
  ctx: CliContext,
  words: string[],
  opts: StartOptions,
): Promise<CommandResult> {
  if (opts.task !== undefined && words.length) {
    throw new CliUsageError('give the task either as arguments or with --task, not both')
  }
  const task = opts.task ?? words.join(' ')
  const eviction: Partial<EvictionPolicy> = {}
  if (opts.ttlIdle !== undefined) eviction.ttlIdleMs = limitMs(opts.ttlIdle)
  if (opts.ttlAbsolute !== undefined) eviction.ttlAbsoluteMs = limitMs(opts.ttlAbsolute)
  if (opts.keepAfterPromote) eviction.untilPromote = false
  if (opts.manual) eviction.manual = true

  const { gittrix, meta } = await startCliSession(ctx, opts, { task, eviction })
  try {
    const text = [
      `Started ${meta.id}${task ? `: ${task.split('\n')[0]}` : ''}`,
      `  repository  ${meta.durablePath} (branch ${meta.durableBranch}, baseline ${meta.baselineSha.slice(0, 12)})`,
      `  workspace   ${meta.ephemeralPath ?? meta.ephemeralRef} (${meta.workspaceKind})`,
      `  eviction    ${describeEviction(meta.evictionPolicy)}`,
      `Review with \`gittrix diff ${meta.id}\`, then \`gittrix promote ${meta.id}\`.`,
    ].join('\n')
    return { data: meta, text }
  } finally {
    await gittrix.close()
  }
}

/** Options of `gittrix fork`. */
export interface ForkOptions {
  /** Commit of the source workspace to start at (default: its current commit). */
  at?: string
  task?: string
}

/**
 * `gittrix fork <id> [--at <commit>] [--task <text>]`: a new session from a commit of session `id`'s
 * workspace, on the same baseline. Data: the new session's metadata. Throws `SESSION_NOT_FOUND`,
 * `SESSION_EXPIRED` (the source's workspace is gone), `INVALID_ARGUMENT` (`--at` is not a commit of
 * the session).
 */
export async function forkCommand(ctx: CliContext, id: string, opts: ForkOptions): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ gittrix }) => {
    const fork = await gittrix.forkSession(id, {
      ...(opts.at ? { at: opts.at } : {}),
      ...(opts.task !== undefined ? { task: opts.task } : {}),
    })
    const meta = await fork.info()
    const text = [
      `Forked ${id}${opts.at ? ` at ${opts.at}` : ''} as ${meta.id}`,
      `  baseline    ${meta.baselineSha.slice(0, 12)} (branch ${meta.durableBranch}, as ${id})`,
      `  workspace   ${meta.ephemeralPath} (${meta.workspaceKind})`,
      `Review with \`gittrix diff ${meta.id}\`, then \`gittrix promote ${meta.id}\`.`,
    ].join('\n')
    return { data: meta, text }
  })
}

const STATES: readonly SessionState[] = ['active', 'promoted', 'discarded', 'expired']

/**
 * `gittrix ls [--state s,...]`: every session in the store, oldest first, then every damaged one
 * (metadata that cannot be read) with its error. Data: an array of metadata, then `{ id, state:
 * 'damaged', error: { code, message, … } }` entries. `--state damaged` lists only those.
 */
export async function lsCommand(ctx: CliContext, opts: { state?: string[] }): Promise<CommandResult> {
  const states = opts.state ?? []
  const unknown = states.filter((s) => s !== 'damaged' && !STATES.includes(s as SessionState))
  if (unknown.length) {
    throw new CliUsageError(`unknown state ${unknown.join(', ')}; use ${[...STATES, 'damaged'].join(', ')}`)
  }
  const gittrix = openStore(ctx)
  const wanted = states.filter((s) => s !== 'damaged') as SessionState[]
  const sessions =
    states.length && !wanted.length ? [] : await gittrix.listSessions(wanted.length ? { state: wanted } : {})
  const damaged =
    !states.length || states.includes('damaged')
      ? (await gittrix.listDamagedSessions()).map(({ id, error }) => ({
          id,
          state: 'damaged' as const,
          error: error.toJSON(),
        }))
      : []
  return { data: [...sessions, ...damaged], text: formatSessionList(sessions, Date.now(), damaged) }
}

/** `gittrix info <id>`: the session's metadata. Throws `SESSION_NOT_FOUND`, `METADATA_*`. */
export async function infoCommand(ctx: CliContext, id: string): Promise<CommandResult> {
  const meta = await (await openStore(ctx).getSession(id)).info()
  return { data: meta, text: formatSession(meta) }
}

/**
 * `gittrix discard <id>`: destroys the workspace, state `discarded`. Idempotent. Data: metadata. The
 * text says what earlier (partial) promotions keep and which files, as last recorded, were dropped.
 */
export async function discardCommand(ctx: CliContext, id: string): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const meta = await session.discard()
    const n = meta.promotions?.length ?? 0
    const dropped = meta.touchedFiles.length ? meta.touchedFiles.map(shownPath).join(', ') : 'nothing else'
    const kept = n
      ? ` Its ${n} promotion${n === 1 ? '' : 's'} stay${n === 1 ? 's' : ''} on the durable side; ${dropped} was not promoted.`
      : ' Nothing was promoted.'
    const text =
      meta.state === 'discarded'
        ? `Discarded ${id}; its workspace is removed.${kept}`
        : `Session ${id} is ${meta.state}; its workspace is removed.`
    return { data: meta, text }
  })
}

/**
 * `gittrix extend <id> <duration>`: keeps an active session alive at least that long from now.
 * Data: metadata. Throws `SESSION_EXPIRED` for a session that is not active.
 */
export async function extendCommand(ctx: CliContext, id: string, duration: number): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const meta = await session.extend(duration)
    const text = `Extended ${id} by ${ms(duration, { long: true })}: ${describeEviction(meta.evictionPolicy)}.`
    return { data: meta, text }
  })
}

/**
 * `gittrix sweep`: evicts sessions whose policy says they are due. Data: the sweep report plus
 * `errors` (messages of sessions that could not be read or evicted).
 */
export async function sweepCommand(ctx: CliContext): Promise<CommandResult> {
  const errors: string[] = []
  const report = await openStore(ctx, (error) => errors.push((error as Error).message)).sweep()
  for (const message of errors) ctx.warn(`sweep: ${message}`)
  return { data: { ...report, errors }, text: formatSweep(report) }
}
