/**
 * Session history commands: `commit`, `log`, `show`, `restore`, `attach`, and `diff` between checkpoints
 * (`--from`/`--to`) or between attempts (`diff <idA> <idB>`). They call the library
 * (`UserSession.log/show/restore/attachTranscript`, `GitTrix.diff`) on the session's recorded
 * repository; nothing here touches the durable branch.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { encodeText } from '../../core/bytes.ts'
import { FileNotFoundError, InvalidArgumentError } from '../../core/errors.ts'
import type { Checkpoint, ShowResult } from '../../core/history.ts'
import type { SessionDiff } from '../../core/types.ts'
import type { CliContext } from '../context.ts'
import { formatDiffStat, shownPath } from '../format.ts'
import type { CommandResult } from '../output.ts'
import { CliUsageError, cliPath } from '../parse.ts'
import { diffCommand } from './review.ts'
import { withCliSession } from './with-session.ts'

/** A session id as `newSessionId` makes them (src/core/store.ts). */
const SESSION_ID = /^sess_[a-z2-7]{12}$/

/** Tool calls printed per checkpoint by `log` (all of them are in `--json`). */
const CALLS_SHOWN = 10

/**
 * `gittrix commit <id> -m <message>`: a checkpoint of the whole workspace (`UserSession.commit`).
 * Data: `{ checkpoint }` (full commit id). Throws `INVALID_ARGUMENT` (empty message), `SESSION_EXPIRED`.
 */
export async function commitCommand(
  ctx: CliContext,
  id: string,
  opts: { message: string },
): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const checkpoint = await session.commit(opts.message)
    return { data: { checkpoint }, text: `Checkpoint ${checkpoint}.` }
  })
}

/**
 * `gittrix log <id> [--limit n]`: checkpoints newest first down to the baseline, each with the tool
 * calls recorded on it and its transcript size. Data: `Checkpoint[]` (src/core/history.ts). Throws
 * `SESSION_NOT_FOUND`, `SESSION_EXPIRED`, `CAPABILITY_MISSING`.
 */
export async function logCommand(
  ctx: CliContext,
  id: string,
  opts: { limit?: number },
): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const log = await session.log(opts.limit === undefined ? {} : { limit: opts.limit })
    return { data: log, text: log.map(formatCheckpoint).join('\n') }
  })
}

/**
 * `gittrix show <id> --at <checkpoint> [path] [--transcript]`: the files at a checkpoint (one
 * `<mode> <path>` line each), the bytes of one file, or with `--transcript` the transcript attached
 * there. Data: `{ type: 'tree', at, path, entries }` or `{ type: 'file', at, path, mode, size,
 * encoding, content }` (base64 when not UTF-8) or `{ type: 'transcript', at, size, content }`. Throws
 * `INVALID_ARGUMENT` (not a commit of the session), `FILE_NOT_FOUND`.
 */
export async function showCommand(
  ctx: CliContext,
  id: string,
  path: string | undefined,
  opts: { at: string; transcript?: boolean },
): Promise<CommandResult> {
  if (opts.transcript && path !== undefined) throw new CliUsageError('--transcript takes no path')
  return withCliSession(ctx, id, async ({ session }) => {
    if (opts.transcript) {
      const bytes = await session.transcript(opts.at)
      if (!bytes) throw new FileNotFoundError('transcript', `checkpoint ${opts.at} of session ${id}`)
      const content = Buffer.from(bytes).toString('utf8')
      return { data: { type: 'transcript', at: opts.at, size: bytes.byteLength, content }, text: bytes }
    }
    const shown = await session.show(opts.at, path === undefined ? undefined : cliPath(path))
    return { data: showData(shown), text: showText(shown) }
  })
}

/**
 * `gittrix restore <id> --to <checkpoint>`: moves the workspace back. Uncommitted work is committed
 * first; the old head stays reachable as `refs/gittrix/restored/<UTC timestamp>` in the workspace's
 * repository (and in the `HEAD` reflog). Data: `RestoreResult`. Throws `INVALID_ARGUMENT`,
 * `SESSION_EXPIRED`, `EVICTION_RACE`.
 */
export async function restoreCommand(
  ctx: CliContext,
  id: string,
  opts: { to: string },
): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const result = await session.restore(opts.to)
    const saved = result.savedUncommitted ? ' (uncommitted work committed first)' : ''
    const text =
      `Restored ${id} to ${result.to.slice(0, 12)}. The previous head ${result.from.slice(0, 12)}${saved} ` +
      `is kept as ${result.savedRef}; \`gittrix restore ${id} --to ${result.from.slice(0, 12)}\` goes back.`
    return { data: result, text }
  })
}

/**
 * `gittrix attach <id> --transcript <file> [--at <checkpoint>]`: attaches a JSONL transcript as a git
 * note on the checkpoint (default the current head). Data: `{ at, bytes, lines }`. Throws
 * `INVALID_ARGUMENT` (not JSONL, unreadable file), `SESSION_EXPIRED`.
 */
export async function attachCommand(
  ctx: CliContext,
  id: string,
  opts: { transcript: string; at?: string },
): Promise<CommandResult> {
  const bytes = await readTranscriptFile(ctx, opts.transcript)
  return withCliSession(ctx, id, async ({ session }) => {
    const attached = await session.attachTranscript(bytes, opts.at)
    return {
      data: attached,
      text: `Attached a transcript of ${attached.lines} lines (${attached.bytes} bytes) to ${attached.at.slice(0, 12)}.`,
    }
  })
}

/** The bytes of transcript file `path` (relative to the CLI's cwd). Throws `INVALID_ARGUMENT`. */
export async function readTranscriptFile(ctx: CliContext, path: string): Promise<Uint8Array> {
  try {
    return await readFile(resolve(ctx.io.cwd, path))
  } catch (error) {
    throw new InvalidArgumentError(
      `Cannot read the transcript file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
    )
  }
}

/** Options of `gittrix diff`. */
export interface DiffCommandOptions {
  stat?: boolean
  from?: string
  to?: string
}

/**
 * `gittrix diff <id> [paths...]`, `gittrix diff <id> --from <checkpoint> [--to <checkpoint>]`, and
 * `gittrix diff <idA> <idB>` (a second argument that is a session id: the diff between attempts).
 * Data: a `SessionDiff`. Throws what `diff`, `UserSession.diffDetails({ from, to })` and
 * `GitTrix.diff` throw; a usage error for paths with `--from`/`--to` or with two sessions.
 */
export async function sessionDiffCommand(
  ctx: CliContext,
  id: string,
  paths: string[],
  opts: DiffCommandOptions,
): Promise<CommandResult> {
  let diff: SessionDiff
  if (opts.from !== undefined || opts.to !== undefined) {
    if (paths.length) throw new CliUsageError('--from/--to diff whole checkpoints; give no paths')
    const range = { ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) }
    diff = await withCliSession(ctx, id, ({ session }) => session.diffDetails(range))
  } else if (paths.length && SESSION_ID.test(paths[0]!)) {
    if (paths.length > 1)
      throw new CliUsageError('a diff between attempts takes two session ids and no paths')
    const other = paths[0]!
    diff = await withCliSession(ctx, id, ({ gittrix }) => gittrix.diff(id, other))
  } else {
    return diffCommand(ctx, id, paths, opts)
  }
  return { data: diff, text: opts.stat ? formatDiffStat(diff) : encodeText(diff.patch) }
}

function formatCheckpoint(c: Checkpoint): string {
  const head = `${c.sha.slice(0, 12)}  ${c.date.slice(0, 19).replace('T', ' ')}  ${printable(c.subject)}${c.baseline ? '  (baseline)' : ''}`
  const lines = [head]
  if (c.toolCalls.length) {
    const client = c.client ? ` from ${printable(c.client.name)} ${printable(c.client.version)}` : ''
    const errors = c.toolCalls.filter((t) => t.errorCode).length
    lines.push(
      `    ${c.toolCalls.length} tool call${c.toolCalls.length === 1 ? '' : 's'}${client}${errors ? `, ${errors} failed` : ''}:`,
    )
    for (const t of c.toolCalls.slice(-CALLS_SHOWN)) {
      const error = t.errorCode ? `  ${t.errorCode}` : ''
      const model = t.model ? `  ${printable(t.model)}` : ''
      const after = t.afterCheckpoint ? '  (after this checkpoint)' : ''
      lines.push(
        `      ${printable(t.tool)}  ${t.argumentsDigest.slice(0, 19)}…  ${t.resultBytes} B  ${t.durationMs} ms${error}${model}${after}`,
      )
    }
    if (c.toolCalls.length > CALLS_SHOWN)
      lines.push(`      (${c.toolCalls.length - CALLS_SHOWN} earlier calls in --json)`)
  }
  if (c.transcript) lines.push(`    transcript: ${c.transcript.lines} lines, ${c.transcript.bytes} bytes`)
  return lines.join('\n')
}

function showData(shown: ShowResult): unknown {
  if (shown.type === 'tree') return shown
  const utf8 = decodeUtf8(shown.bytes)
  const { bytes, ...rest } = shown
  return utf8 === null
    ? { ...rest, size: bytes.length, encoding: 'base64', content: Buffer.from(bytes).toString('base64') }
    : { ...rest, size: bytes.length, encoding: 'utf8', content: utf8 }
}

function showText(shown: ShowResult): string | Uint8Array {
  if (shown.type === 'file') return shown.bytes
  return shown.entries.length
    ? shown.entries.map((e) => `${e.mode} ${shownPath(e.path)}`).join('\n')
    : 'No files.'
}

/** Text the agent wrote (commit subjects, client names) with control characters shown as `?`. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}
