/**
 * Protocol conformance checked with the MCP project's own tool: the MCP Inspector's CLI
 * (`@modelcontextprotocol/inspector`, https://github.com/modelcontextprotocol/inspector) connects to
 * `gittrix mcp` over stdio as an independent client, lists the tools with `--strict` (every tool schema
 * checked for portability across clients; exit 6 on a problem) and calls them. (The MCP conformance
 * suite, `@modelcontextprotocol/conformance`, tests HTTP servers only.)
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { childEnv, CLI_MAIN, startSession } from './support.ts'

const INSPECTOR = fileURLToPath(new URL('../../node_modules/.bin/mcp-inspector', import.meta.url))

let repo: { path: string }
let store: string
let server: string[]

/** Runs the Inspector CLI against the session's server; resolves its exit code and parsed stdout. */
function inspect(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      INSPECTOR,
      ['--cli', '--format', 'json', '--protocol-era', 'legacy', ...args, '--', ...server],
      { env: childEnv(), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0
        resolve({ code, json: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {}, stderr })
      },
    )
  })
}

beforeAll(async () => {
  repo = makeRepo({ 'README.md': '# Project\n' })
  store = tempDir('gittrix-mcp-conformance-')
  const { id } = await startSession(store, repo.path)
  server = [
    process.execPath,
    '--experimental-strip-types',
    '--no-warnings',
    CLI_MAIN,
    '--store',
    store,
    'mcp',
    '--session',
    id,
  ]
})

afterAll(() => cleanup(repo.path, store))

describe('MCP Inspector CLI against gittrix mcp', () => {
  it('lists the tools with no schema portability problem (--strict)', async () => {
    const { code, json, stderr } = await inspect(['--strict', '--method', 'tools/list'])
    expect(stderr).toBe('') // with --strict, any finding (warning or error) is reported on stderr
    expect(code).toBe(0)
    const tools = (json as { result: { tools: { name: string }[] } }).result.tools
    expect(tools.map((tool) => tool.name)).toEqual([
      'read_file',
      'write_file',
      'edit_file',
      'delete_file',
      'list_files',
      'search',
      'diff',
      'commit',
    ])
  })

  it('calls tools: a result, and a tool error carrying the Gittrix code', async () => {
    const read = await inspect([
      '--method',
      'tools/call',
      '--tool-name',
      'read_file',
      '--tool-args-json',
      '{"path":"README.md"}',
    ])
    expect(read.code).toBe(0)
    expect(read.json).toEqual({ result: { content: [{ type: 'text', text: '# Project\n' }] } })
    const hostile = await inspect([
      '--method',
      'tools/call',
      '--tool-name',
      'write_file',
      '--tool-args-json',
      '{"path":"../x","content":"x"}',
    ])
    const result = (
      hostile.json as { result: { isError: boolean; structuredContent: { error: { code: string } } } }
    ).result
    expect(result.isError).toBe(true)
    expect(result.structuredContent.error.code).toBe('WRITE_REJECTED')
  })
})
