/**
 * Driving `gittrix mcp` as a real MCP client does: the official SDK's `Client` over a
 * `StdioClientTransport`, which spawns the CLI as a child process and speaks JSON-RPC over its pipes.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { runCli } from '../../src/cli/run.ts'
import { GIT_ENV } from '../support/git-fixtures.ts'

/** The CLI entry point, run with `node --experimental-strip-types`. */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

/** An MCP client connected to a `gittrix mcp` child process. */
export interface McpConnection {
  client: Client
  /** The child's transport: its `pid`, and `onclose` for when it exits. */
  transport: StdioClientTransport
  /** What the server wrote to stderr so far. */
  stderr(): string
  close(): Promise<void>
}

/** Where and how {@link connectMcp} runs the child. */
export interface McpChildOptions {
  cwd?: string
  /** The child's environment (default {@link childEnv}). */
  env?: Record<string, string>
  /** The client's name in the MCP handshake (recorded with the session's tool calls). */
  clientName?: string
}

/**
 * Spawns `gittrix --store <store> mcp <args...>` and connects the SDK client to it over stdio. A string
 * third argument is the child's working directory (the older form of `options.cwd`).
 */
export async function connectMcp(
  store: string,
  args: string[],
  options: string | McpChildOptions = {},
): Promise<McpConnection> {
  const { cwd, env, clientName } = typeof options === 'string' ? { cwd: options } : options
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--experimental-strip-types', '--no-warnings', CLI_MAIN, '--store', store, 'mcp', ...args],
    env: env ?? childEnv(),
    stderr: 'pipe',
    ...(cwd ? { cwd } : {}),
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const client = new Client({ name: clientName ?? 'gittrix-test-client', version: '1.0.0' })
  await client.connect(transport)
  return { client, transport, stderr: () => stderr, close: () => client.close() }
}

/** The environment of a child Gittrix: this process's, with fixed git identities and dates. */
export function childEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  return { ...env, ...GIT_ENV }
}

/** Calls a tool; resolves its result (tool errors included, as `isError` results). */
export async function call(
  connection: McpConnection,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await connection.client.callTool({ name, arguments: args })) as CallToolResult
}

/** The text of the first content block. */
export function textOf(result: CallToolResult): string {
  const block = result.content[0]
  return block?.type === 'text' ? block.text : ''
}

/** The notes block (second content block), or `''`. */
export function notesOf(result: CallToolResult): string {
  const block = result.content[1]
  return block?.type === 'text' ? block.text : ''
}

/** The Gittrix error code of a tool error, or `null` for a success. */
export function errorCodeOf(result: CallToolResult): string | null {
  if (!result.isError) return null
  const error = (result.structuredContent as { error?: { code?: string } } | undefined)?.error
  return error?.code ?? 'NO_CODE'
}

/** Starts a session through the CLI in-process; resolves its id and workspace path. */
export async function startSession(
  store: string,
  repo: string,
  ...extra: string[]
): Promise<{ id: string; workspace: string }> {
  let out = ''
  const code = await runCli(['--store', store, 'start', '--json', '--repo', repo, ...extra, 'mcp task'], {
    stdout: (chunk) => void (out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')),
    stderr: () => {},
    readStdin: async () => new Uint8Array(),
    cwd: repo,
    env: {},
  })
  if (code !== 0) throw new Error(`start failed: ${out}`)
  const data = (JSON.parse(out) as { data: { id: string; ephemeralPath: string } }).data
  return { id: data.id, workspace: data.ephemeralPath }
}

/** Runs the CLI in a child process (sync); resolves exit code, stdout and stderr. */
export function cliSync(
  store: string,
  args: string[],
  input?: string,
): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', CLI_MAIN, '--store', store, ...args],
      {
        env: childEnv(),
        encoding: 'utf8',
        ...(input !== undefined ? { input } : {}),
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    return { code: 0, stdout, stderr: '' }
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string }
    return { code: e.status, stdout: e.stdout, stderr: e.stderr }
  }
}
