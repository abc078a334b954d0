/**
 * `gittrix mcp`: the MCP server (src/mcp/) over stdio, bound to one session — an existing one
 * (`--session <id>`) or one it starts (`--task "<task>"`, on `--repo`/`--branch`/`--kind` as `start`).
 * Standard output carries the protocol, so everything for people goes to stderr; it runs until the
 * client closes standard input.
 */
import type { LocalWorkspaceKind } from '../../adapters/local/ephemeral.ts'
import { SessionExpiredError } from '../../core/errors.ts'
import type { UserSession } from '../../core/session.ts'
import { ToolCallJournal } from '../../mcp/journal.ts'
import { serveStdio } from '../../mcp/server.ts'
import { handleSignalsWhile } from '../../process/signals.ts'
import { type CliContext, type OpenSession, openSession, startCliSession } from '../context.ts'
import { type CommandResult, stderr } from '../output.ts'
import { CliUsageError } from '../parse.ts'
import { packageVersion } from '../version.ts'
import { readTranscriptFile } from './history.ts'

/** Options of `gittrix mcp`. */
export interface McpCommandOptions {
  session?: string
  task?: string
  repo?: string
  branch?: string
  kind?: LocalWorkspaceKind | 'code-storage'
  /** With `kind: 'code-storage'`: the repository; default `$CODE_STORAGE_REPO`. */
  codeStorageRepo?: string
  /** Characters one tool answer may hold (default 60,000). */
  maxOutput?: number
  /** A JSONL transcript file the client writes: attached to the session's head when the client leaves. */
  transcript?: string
}

/**
 * Serves the session until the client disconnects. The tool calls that led to each checkpoint are
 * recorded as a git note on it before the `commit` tool answers (`UserSession.recordToolCalls`; a
 * failure is reported on stderr, the checkpoint stands); calls after the last checkpoint are recorded
 * on the session's head, marked `afterCheckpoint`, when the server ends (standard input closed,
 * SIGTERM or SIGINT). With `--transcript`, the file is attached to the session's head when the client leaves
 * (`UserSession.attachTranscript`; a missing or invalid file is reported on stderr). Data: `{ session,
 * toolCalls, unrecordedCalls, transcript }`. Throws a usage
 * error unless exactly one of `--session` / `--task` is given, or with `--json` (stdout is the
 * protocol); `SESSION_NOT_FOUND`, `SESSION_EXPIRED` (not active) and what `start` throws.
 */
export async function mcpCommand(ctx: CliContext, opts: McpCommandOptions): Promise<CommandResult> {
  if (ctx.json) throw new CliUsageError('gittrix mcp speaks JSON-RPC on stdout; --json does not apply to it')
  if ((opts.session === undefined) === (opts.task === undefined)) {
    throw new CliUsageError('give either --session <id> (an existing session) or --task "<task>" (start one)')
  }
  if (opts.session !== undefined && (opts.repo || opts.branch || opts.kind || opts.codeStorageRepo)) {
    throw new CliUsageError(
      '--repo, --branch, --kind and --code-storage-repo start a session; use them with --task, not --session',
    )
  }
  const { gittrix, session } =
    opts.session !== undefined ? await existing(ctx, opts.session) : await started(ctx, opts)
  try {
    const meta = await session.info()
    const journal = new ToolCallJournal()
    journal.onCheckpoint(async (group) => {
      try {
        await session.recordToolCalls(group.checkpoint, group.calls, group.client)
      } catch (error) {
        stderr(
          ctx.io,
          `gittrix mcp: the tool calls of checkpoint ${group.checkpoint.slice(0, 12)} were not recorded: ${(error as Error).message}\n`,
        )
      }
    })
    // SIGTERM / SIGINT end the server as a closed standard input does, so that what follows (the calls
    // after the last checkpoint, the transcript) is still recorded; a second signal meanwhile waits.
    const stop = new AbortController()
    const onSignal = () => {
      if (stop.signal.aborted) stderr(ctx.io, 'gittrix mcp: recording the session history first.\n')
      else stop.abort()
    }
    const { transcript, unrecordedCalls } = await handleSignalsWhile(
      ['SIGTERM', 'SIGINT'],
      onSignal,
      async () => {
        await serveStdio(
          {
            journal,
            agent: session.forAgent(),
            session: {
              id: meta.id,
              task: meta.task,
              baselineSha: meta.baselineSha,
              ...(meta.durableBranch ? { durableBranch: meta.durableBranch } : {}),
            },
            version: packageVersion(),
            ...(opts.maxOutput ? { limits: { maxChars: opts.maxOutput } } : {}),
          },
          { stop: stop.signal },
        )
        const unrecordedCalls = await recordRest(ctx, session, journal)
        const transcript = opts.transcript ? await attach(ctx, session, opts.transcript) : null
        return { transcript, unrecordedCalls }
      },
    )
    return {
      data: { session: meta.id, toolCalls: journal.all().length, unrecordedCalls, transcript },
      text: '',
    }
  } finally {
    await gittrix.close()
  }
}

/**
 * Records the calls no checkpoint closed (after the last `commit`) as tool calls of the session's head,
 * marked `afterCheckpoint`, appended to the note already there. Failures go to stderr. Resolves how
 * many calls stay unrecorded (0, or all of them after a failure).
 */
async function recordRest(ctx: CliContext, session: UserSession, journal: ToolCallJournal): Promise<number> {
  await journal.settled()
  const rest = journal.pending()
  if (rest.length === 0) return 0
  try {
    const [head] = await session.log({ limit: 1 })
    const calls = rest.map((c) => ({ ...c, afterCheckpoint: true as const }))
    const at = await session.recordToolCalls(head!.sha, calls, journal.client())
    stderr(
      ctx.io,
      `gittrix mcp: recorded ${rest.length} tool call${rest.length === 1 ? '' : 's'} after the last checkpoint on ${at.slice(0, 12)} of session ${session.id}.\n`,
    )
    return 0
  } catch (error) {
    stderr(
      ctx.io,
      `gittrix mcp: the ${rest.length} tool calls after the last checkpoint were not recorded: ${(error as Error).message}\n`,
    )
    return rest.length
  }
}

/** Attaches transcript file `path` to the session's head; failures go to stderr (resolves `null`). */
async function attach(
  ctx: CliContext,
  session: UserSession,
  path: string,
): Promise<{ at: string; bytes: number; lines: number } | null> {
  try {
    const attached = await session.attachTranscript(await readTranscriptFile(ctx, path))
    stderr(
      ctx.io,
      `gittrix mcp: attached the transcript (${attached.lines} lines) to ${attached.at.slice(0, 12)} of session ${session.id}.\n`,
    )
    return attached
  } catch (error) {
    stderr(ctx.io, `gittrix mcp: the transcript was not attached: ${(error as Error).message}\n`)
    return null
  }
}

async function existing(ctx: CliContext, id: string): Promise<OpenSession> {
  const open = await openSession(ctx, id)
  if (open.meta.state !== 'active') {
    await open.gittrix.close()
    throw new SessionExpiredError(id, open.meta.state)
  }
  return open
}

async function started(ctx: CliContext, opts: McpCommandOptions): Promise<OpenSession> {
  const open = await startCliSession(ctx, opts, { task: opts.task ?? '' })
  const { meta } = open
  stderr(
    ctx.io,
    `gittrix mcp: started session ${meta.id} on ${meta.durablePath} (branch ${meta.durableBranch}, ` +
      `baseline ${meta.baselineSha.slice(0, 12)}); review with \`gittrix diff ${meta.id}\`.\n`,
  )
  return open
}
