/**
 * In-process checks of the MCP server (SDK client and server linked in memory): the tool-call
 * journal session history will write as git notes, and the search time limit.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LocalDurableAdapter } from '../../src/adapters/local/durable.ts'
import { LocalEphemeralAdapter } from '../../src/adapters/local/ephemeral.ts'
import { GitTrix } from '../../src/core/gittrix.ts'
import {
  argumentsDigest,
  type CheckpointCalls,
  createMcpServer,
  type OutputLimits,
  ToolCallJournal,
} from '../../src/mcp/index.ts'
import { cleanup, makeRepo, tempDir } from '../support/git-fixtures.ts'

let repo: { path: string; head: string }
let store: string
let gittrix: GitTrix
let client: Client
let journal: ToolCallJournal

async function connect(limits: Partial<OutputLimits> = {}): Promise<void> {
  const session = await gittrix.startSession({ task: 'journal' })
  journal = new ToolCallJournal()
  const { server } = createMcpServer({
    agent: session.forAgent(),
    session: { id: session.id, task: 'journal', baselineSha: repo.head },
    version: 'test',
    limits,
    journal,
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  client = new Client({ name: 'journal-client', version: '9.9.9' })
  await client.connect(clientSide)
}

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult
}

beforeEach(() => {
  repo = makeRepo({ 'README.md': '# Project\n', 'slow.txt': `${'a'.repeat(40)}b\n` })
  store = tempDir('gittrix-mcp-journal-')
  gittrix = new GitTrix({
    durable: new LocalDurableAdapter({ path: repo.path }),
    ephemeral: new LocalEphemeralAdapter(),
    storeDir: store,
    sweepIntervalMs: 0,
  })
})

afterEach(async () => {
  await client?.close()
  await gittrix.close()
  cleanup(repo.path, store)
})

describe('tool-call journal', () => {
  it('records every call (tool, arguments digest, result size, duration, error code) grouped by the checkpoint it led to', async () => {
    await connect()
    const groups: CheckpointCalls[] = []
    journal.onCheckpoint((group) => groups.push(group))
    await call('write_file', { path: 'a.txt', content: 'hello\n' })
    await call('read_file', { path: 'missing.txt' })
    await expect(client.callTool({ name: 'promote', arguments: {} })).rejects.toThrow(/Unknown tool/)
    const commit = await call('commit', { message: 'first' })
    await call('read_file', { content: 'x', path: 'a.txt' })

    expect(groups).toHaveLength(1)
    const [group] = groups
    const sha = /Checkpoint ([0-9a-f]{40})/.exec((commit.content[0] as { text: string }).text)?.[1]
    expect(group?.checkpoint).toBe(sha)
    expect(group?.client).toEqual({ name: 'journal-client', version: '9.9.9' })
    expect(group?.calls.map((c) => [c.tool, c.errorCode])).toEqual([
      ['write_file', null],
      ['read_file', 'FILE_NOT_FOUND'],
      ['promote', 'INVALID_ARGUMENT'],
      ['commit', null],
    ])
    const write = group?.calls[0]
    expect(write?.argumentsDigest).toBe(argumentsDigest({ content: 'hello\n', path: 'a.txt' }))
    expect(write?.resultBytes).toBe(Buffer.byteLength('Wrote 6 bytes to a.txt.'))
    expect(write?.durationMs).toBeGreaterThanOrEqual(0)
    expect(Date.parse(write?.startedAt ?? '')).not.toBeNaN()
    // Calls after the last checkpoint wait for the next one.
    expect(journal.pending().map((c) => [c.tool, c.errorCode])).toEqual([['read_file', 'INVALID_ARGUMENT']])
    expect(journal.all()).toHaveLength(5)
  })

  it('digests arguments without keeping them, independent of key order', () => {
    expect(argumentsDigest({ b: 1, a: { d: [1, 'x'], c: null } })).toBe(
      argumentsDigest({ a: { c: null, d: [1, 'x'] }, b: 1 }),
    )
    expect(argumentsDigest({ a: 1 })).not.toBe(argumentsDigest({ a: 2 }))
    expect(argumentsDigest({ path: 'secret' })).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
})

describe('search time limit', () => {
  it('stops a pattern that backtracks without end and says what to do; the server keeps serving', async () => {
    await connect({ searchTimeoutMs: 500 })
    const result = await call('search', { pattern: '^(a+)+$' })
    expect(result.isError).toBe(true)
    expect((result.content[0] as { text: string }).text).toMatch(
      /^INVALID_ARGUMENT: The search took longer than 500 ms and was stopped; the pattern may backtrack/,
    )
    const after = await call('search', { pattern: 'Project' })
    expect((after.content[0] as { text: string }).text).toBe('README.md:1: # Project')
  })
})
