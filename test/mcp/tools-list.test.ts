/**
 * The MCP server's tools are exactly the AgentSession's operations. An agent must never find a tool
 * that promotes, discards or extends its session (or anything else that decides for the human): this
 * test asks a running server for its tools and fails if such a tool appears, or if the set changes
 * without this list changing with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { connectMcp, type McpConnection, startSession } from './support.ts'

const EXPECTED = [
  'read_file',
  'write_file',
  'edit_file',
  'delete_file',
  'list_files',
  'search',
  'diff',
  'commit',
]
const FORBIDDEN =
  /promot|discard|extend|evict|sweep|merge|push|approve|accept|publish|release|destroy|session/i

let repo: { path: string }
let store: string
let mcp: McpConnection

beforeAll(async () => {
  repo = makeRepo({ 'README.md': '# Project\n' })
  store = tempDir('gittrix-mcp-tools-')
  const { id } = await startSession(store, repo.path)
  mcp = await connectMcp(store, ['--session', id])
})

afterAll(async () => {
  await mcp?.close()
  cleanup(repo.path, store)
})

describe('gittrix mcp tools/list', () => {
  it('offers exactly the agent operations, and no tool that promotes, discards or extends', async () => {
    const { tools } = await mcp.client.listTools()
    const names = tools.map((tool) => tool.name)
    expect(names.filter((name) => FORBIDDEN.test(name))).toEqual([])
    expect(names).toEqual(EXPECTED)
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object')
      expect(tool.annotations?.openWorldHint).toBe(false)
    }
    const readOnly = tools.filter((tool) => tool.annotations?.readOnlyHint).map((tool) => tool.name)
    expect(readOnly).toEqual(['read_file', 'list_files', 'search', 'diff'])
  })

  it('answers a call to a promote, discard or extend tool with a protocol error, changing nothing', async () => {
    for (const name of ['promote', 'discard', 'extend', 'gittrix_promote']) {
      await expect(mcp.client.callTool({ name, arguments: {} })).rejects.toThrow(/Unknown tool/)
    }
  })

  it('tells the agent, in its instructions, that promotion is a human decision', () => {
    const instructions = mcp.client.getInstructions() ?? ''
    expect(instructions).toMatch(/human reviews the diff and promotes/)
    expect(mcp.client.getServerVersion()?.name).toBe('gittrix')
  })
})
