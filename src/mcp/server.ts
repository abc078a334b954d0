/**
 * The Gittrix MCP server: one `AgentSession` behind the Model Context Protocol, on the official SDK's
 * low-level `Server` (https://github.com/modelcontextprotocol/typescript-sdk), so that every call passes
 * one handler: arguments validated, Gittrix errors turned into tool errors that carry their stable
 * code, and a {@link ToolCallRecord} written to the journal for each call.
 *
 * Errors (MCP 2025-11-25, "Error Handling": https://modelcontextprotocol.io/specification/2025-11-25/server/tools):
 * an unknown tool is a JSON-RPC error (`-32602`); everything else, invalid arguments included, is a
 * tool result with `isError: true`, text `<CODE>: <message>` and `structuredContent.error` = `{ code,
 * message, ...fields }`, so the model can read what to do and a program can switch on the code.
 */
import { performance } from 'node:perf_hooks'
import type { Readable, Writable } from 'node:stream'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import {
  type CallToolResult,
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { GittrixError, InvalidArgumentError } from '../core/errors.ts'
import type { AgentSession } from '../core/session.ts'
import { argumentsDigest, ToolCallJournal } from './journal.ts'
import { DEFAULT_LIMITS, type OutputLimits } from './limits.ts'
import { type ToolContext, type ToolDefinition, type ToolOutput, TOOLS } from './tools.ts'

/** What the server tells the client about its session (in the `initialize` instructions). */
export interface McpSessionSummary {
  id: string
  task: string
  baselineSha: string
  durableBranch?: string
}

/** Options of {@link createMcpServer}. */
export interface McpServerOptions {
  /** The session the tools act on. */
  agent: AgentSession
  session: McpSessionSummary
  /** The version the server reports (`serverInfo.version`). */
  version: string
  /** Output bounds; defaults in `DEFAULT_LIMITS`. */
  limits?: Partial<OutputLimits>
  /** Where tool-call records go. Default: a new journal (returned). */
  journal?: ToolCallJournal
}

/** A server ready to connect to a transport, and the journal its calls are recorded in. */
export interface GittrixMcpServer {
  server: Server
  journal: ToolCallJournal
}

/** Builds the server (not yet connected). */
export function createMcpServer(options: McpServerOptions): GittrixMcpServer {
  const limits: OutputLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const journal = options.journal ?? new ToolCallJournal()
  const server = new Server(
    { name: 'gittrix', title: 'Gittrix session workspace', version: options.version },
    { capabilities: { tools: {} }, instructions: instructions(options.session) },
  )
  const tools = new Map(TOOLS.map((tool) => [tool.name, tool]))
  const listing: Tool[] = TOOLS.map(describeTool)
  const exclusive = serialQueue()

  server.oninitialized = () => {
    const client = server.getClientVersion()
    journal.setClient(client ? { name: client.name, version: client.version } : null)
  }
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }))
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const started = performance.now()
    const startedAt = new Date().toISOString()
    const { name } = request.params
    const args: unknown = request.params.arguments ?? {}
    const model = modelOf(request.params._meta)
    const record = (resultBytes: number, errorCode: string | null) =>
      journal.record({
        tool: name,
        argumentsDigest: argumentsDigest(args),
        resultBytes,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        errorCode,
        startedAt,
        ...(model ? { model } : {}),
      })
    const tool = tools.get(name)
    if (!tool) {
      record(0, 'INVALID_ARGUMENT')
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool ${JSON.stringify(name)}; the tools are ${[...tools.keys()].join(', ')}.`,
      )
    }
    const ctx: ToolContext = { agent: options.agent, limits, signal: extra.signal, exclusive }
    let result: CallToolResult
    let errorCode: string | null = null
    let checkpoint: string | undefined
    try {
      const output = await callTool(tool, args, ctx)
      checkpoint = output.checkpoint
      result = successResult(output)
    } catch (error) {
      const body = errorBody(error)
      errorCode = body.code as string
      result = {
        isError: true,
        content: [{ type: 'text', text: `${body.code as string}: ${body.message as string}` }],
        structuredContent: { error: body },
      }
    }
    record(resultBytes(result), errorCode)
    if (checkpoint) {
      // The calls are recorded (e.g. as a git note on the checkpoint) before the client hears of it.
      journal.checkpoint(checkpoint)
      await journal.settled()
    }
    return result
  })
  return { server, journal }
}

/**
 * Serves `options` over stdio (`stdin`/`stdout`, default the process's) until the client goes away
 * (standard input ends or the transport closes) or `streams.stop` aborts (e.g. on SIGTERM). Resolves
 * the journal of the calls answered.
 * Nothing else may write to `stdout` meanwhile: it carries the protocol.
 */
export async function serveStdio(
  options: McpServerOptions,
  streams: { stdin?: Readable; stdout?: Writable; stop?: AbortSignal } = {},
): Promise<ToolCallJournal> {
  const stdin = streams.stdin ?? process.stdin
  const { server, journal } = createMcpServer(options)
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve()
  })
  const onEnd = () => void server.close()
  stdin.once('end', onEnd)
  streams.stop?.addEventListener('abort', onEnd, { once: true })
  try {
    await server.connect(new StdioServerTransport(stdin, streams.stdout ?? process.stdout))
    if (streams.stop?.aborted) await server.close()
    await closed
  } finally {
    stdin.off('end', onEnd)
    streams.stop?.removeEventListener('abort', onEnd)
  }
  return journal
}

async function callTool(tool: ToolDefinition, args: unknown, ctx: ToolContext): Promise<ToolOutput> {
  const parsed = tool.input.safeParse(args)
  if (!parsed.success) {
    throw new InvalidArgumentError(
      `Invalid arguments for ${tool.name}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`,
    )
  }
  return tool.run(parsed.data, ctx)
}

function successResult(output: ToolOutput): CallToolResult {
  const content: CallToolResult['content'] = [{ type: 'text', text: output.text }]
  if (output.notes.length) content.push({ type: 'text', text: output.notes.join('\n') })
  return { content }
}

/** `{ code, message, ...fields }` of an error; errors Gittrix did not name are `INTERNAL`. */
function errorBody(error: unknown): Record<string, unknown> {
  if (error instanceof GittrixError) return error.toJSON()
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

/**
 * The model id a client sent in the request's `_meta` (`model` or `modelId`; MCP defines no standard
 * key, https://modelcontextprotocol.io/specification/2025-11-25/basic#meta): a short printable string,
 * else nothing.
 */
function modelOf(meta: Record<string, unknown> | undefined): string | undefined {
  const value = meta?.model ?? meta?.modelId
  if (typeof value !== 'string') return undefined
  const clean = value.replace(/[^\x20-\x7e]/g, '').slice(0, 200)
  return clean || undefined
}

function resultBytes(result: CallToolResult): number {
  let bytes = 0
  for (const block of result.content) if (block.type === 'text') bytes += Buffer.byteLength(block.text)
  return bytes
}

function describeTool(tool: ToolDefinition): Tool {
  const schema = z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>
  delete schema.$schema
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: schema as Tool['inputSchema'],
    annotations: { title: tool.title, ...tool.annotations },
  }
}

function instructions(session: McpSessionSummary): string {
  const task = session.task.split('\n')[0]?.trim()
  return [
    `Gittrix session ${session.id}${task ? ` — task: ${task}` : ''}.`,
    `You work in an ephemeral workspace started from commit ${session.baselineSha.slice(0, 12)}` +
      `${session.durableBranch ? ` of branch ${session.durableBranch}` : ''}. Nothing you do here reaches that ` +
      'branch until a human reviews the diff and promotes it; no tool can promote, discard or extend the session.',
    'Paths are relative to the repository root. Use read_file, list_files and search to look around, ' +
      'write_file, edit_file and delete_file to change files, diff to review your changes, and commit to ' +
      'record a checkpoint.',
  ].join('\n')
}

/** A queue that runs one function at a time, in call order. */
function serialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn, fn)
    tail = run.catch(() => {})
    return run
  }
}
