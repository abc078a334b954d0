/**
 * Session history of an MCP session, driven as a real client does (the SDK's client over stdio to
 * `gittrix mcp`): each checkpoint carries a git note with the tool calls that led to it (tool,
 * arguments digest — never the arguments —, result size, duration, error code, model id when sent),
 * written before the `commit` tool answers; `--transcript` attaches the client's JSONL transcript when
 * it leaves; neither ever reaches the workspace tree, a promotion, or the durable repository.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run.ts'
import { argumentsDigest } from '../../src/mcp/journal.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { call, connectMcp, errorCodeOf, type McpConnection, startSession } from './support.ts'

/** Runs the CLI in-process (its own reader of the store, not the server's process). */
async function cli(store: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(['--store', store, ...args], {
    stdout: (chunk) =>
      void (stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')),
    stderr: (chunk) => void (stderr += chunk),
    readStdin: async () => new Uint8Array(),
    cwd: store,
    env: {},
  })
  return { code, stdout, stderr }
}

/** Every file below `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = []
  const visit = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name)
      if (entry.isDirectory()) visit(full)
      else if (entry.isFile() && statSync(full).size < 1 << 20 && readFileSync(full).includes(needle))
        found.push(full)
    }
  }
  visit(dir)
  return found
}

describe('gittrix mcp: session history', () => {
  let repo: { path: string; head: string }
  let store: string
  let session: { id: string; workspace: string }
  let mcp: McpConnection | undefined

  beforeEach(async () => {
    repo = makeRepo({ 'README.md': '# Project\n', 'src/app.ts': 'export const answer = 41\n' })
    store = tempDir('gittrix-mcp-history-')
    session = await startSession(store, repo.path)
  })
  afterEach(async () => {
    await mcp?.close()
    mcp = undefined
    cleanup(repo.path, store)
  })

  async function log(): Promise<
    {
      sha: string
      subject: string
      client: { name: string } | null
      toolCalls: (Record<string, unknown> & { afterCheckpoint?: boolean })[]
      transcript: { bytes: number; lines: number } | null
    }[]
  > {
    const run = await cli(store, ['log', session.id, '--json'])
    expect(run.code, run.stderr).toBe(0)
    return JSON.parse(run.stdout).data
  }

  it('records the tool calls behind each checkpoint as a note on it, with digests instead of arguments', async () => {
    mcp = await connectMcp(store, ['--session', session.id])
    const secret = 'export const token = "do-not-record-me"\n'
    const writeArgs = { path: 'src/secret.ts', content: secret }
    expect(errorCodeOf(await call(mcp, 'write_file', writeArgs))).toBeNull()
    expect(errorCodeOf(await call(mcp, 'read_file', { path: 'missing.ts' }))).toBe('FILE_NOT_FOUND')
    const modelArgs = { path: 'src/app.ts' }
    await mcp.client.callTool({ name: 'read_file', arguments: modelArgs, _meta: { model: 'claude-test-1' } })
    const first = await call(mcp, 'commit', { message: 'first checkpoint' })
    const firstSha = /Checkpoint ([0-9a-f]{40})/.exec(JSON.stringify(first.content))![1]!
    // Recorded before the commit tool answered: another process sees it right away.
    const afterFirst = await log()
    expect(afterFirst[0]!.sha).toBe(firstSha)
    expect(afterFirst[0]!.toolCalls.map((c) => [c.tool, c.errorCode])).toEqual([
      ['write_file', null],
      ['read_file', 'FILE_NOT_FOUND'],
      ['read_file', null],
      ['commit', null],
    ])
    expect(afterFirst[0]!.toolCalls[0]!.argumentsDigest).toBe(argumentsDigest(writeArgs))
    expect(afterFirst[0]!.toolCalls[2]!.model).toBe('claude-test-1')
    expect(afterFirst[0]!.toolCalls[0]!.model).toBeUndefined()
    for (const c of afterFirst[0]!.toolCalls) {
      expect(c.resultBytes).toBeGreaterThan(0)
      expect(typeof c.durationMs).toBe('number')
    }
    expect(afterFirst[0]!.client?.name).toBe('gittrix-test-client')

    await call(mcp, 'edit_file', { path: 'src/app.ts', oldString: '41', newString: '42' })
    await call(mcp, 'commit', { message: 'second checkpoint' })
    await call(mcp, 'list_files', {}) // after the last checkpoint: recorded only when the server ends
    const entries = await log()
    expect(entries.map((e) => e.subject)).toEqual(['second checkpoint', 'first checkpoint', 'initial'])
    expect(entries[0]!.toolCalls.map((c) => c.tool)).toEqual(['edit_file', 'commit'])
    expect(entries[2]!.toolCalls).toEqual([])

    // Arguments are nowhere in the history: not in notes, not in the session's state.
    expect(
      filesContaining(join(store, session.id), 'do-not-record-me').filter(
        (f) => !f.startsWith(session.workspace),
      ),
    ).toEqual([])
    // Promoted: the tree holds the files, no note; the durable repository has no notes ref.
    const promoted = await cli(store, ['promote', session.id, '--json'])
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0)
    const sha = JSON.parse(promoted.stdout).data.sha as string
    expect(git(repo.path, 'ls-tree', '-r', '--name-only', sha).split('\n').sort()).toEqual([
      'README.md',
      'src/app.ts',
      'src/secret.ts',
    ])
    expect(git(repo.path, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main')
    expect(git(repo.path, 'notes', '--ref=refs/notes/gittrix', 'list').trim()).toBe('')
  })

  it('records the calls after the last checkpoint on the head when the client closes standard input', async () => {
    mcp = await connectMcp(store, ['--session', session.id])
    await call(mcp, 'write_file', { path: 'a.txt', content: 'a\n' })
    const committed = await call(mcp, 'commit', { message: 'only checkpoint' })
    const sha = /Checkpoint ([0-9a-f]{40})/.exec(JSON.stringify(committed.content))![1]!
    await call(mcp, 'write_file', { path: 'b.txt', content: 'b\n' })
    expect(errorCodeOf(await call(mcp, 'read_file', { path: 'nope.txt' }))).toBe('FILE_NOT_FOUND')
    await mcp.close()
    mcp = undefined
    const head = (await log())[0]!
    expect(head.sha).toBe(sha)
    expect(head.toolCalls.map((c) => [c.tool, c.errorCode, c.afterCheckpoint ?? false])).toEqual([
      ['write_file', null, false],
      ['commit', null, false],
      ['write_file', null, true],
      ['read_file', 'FILE_NOT_FOUND', true],
    ])
    const text = await cli(store, ['log', session.id])
    expect(text.stdout).toContain('(after this checkpoint)')
  })

  it('records the calls after the last checkpoint when the server gets SIGTERM (no checkpoint: on the baseline)', async () => {
    const { client, transport, stderr } = await connectMcp(store, ['--session', session.id], {
      clientName: 'sigterm-client',
    })
    const exited = new Promise<void>((resolve) => (transport.onclose = () => resolve()))
    await client.callTool({ name: 'write_file', arguments: { path: 'x.txt', content: 'x\n' } })
    await client.callTool({ name: 'list_files', arguments: {} })
    process.kill(transport.pid!, 'SIGTERM') // standard input stays open
    await exited
    const entries = await log()
    expect(entries).toHaveLength(1)
    expect(entries[0]!.subject, stderr()).toBe('initial')
    expect(entries[0]!.client?.name).toBe('sigterm-client')
    expect(entries[0]!.toolCalls.map((c) => [c.tool, c.afterCheckpoint])).toEqual([
      ['write_file', true],
      ['list_files', true],
    ])
  })

  it('--transcript attaches the client transcript (JSONL) to the session head when the client leaves', async () => {
    const transcriptFile = join(store, 'transcript.jsonl')
    mcp = await connectMcp(store, ['--session', session.id, '--transcript', transcriptFile])
    await call(mcp, 'write_file', { path: 'notes.txt', content: 'hello\n' })
    const committed = await call(mcp, 'commit', { message: 'with transcript' })
    const sha = /Checkpoint ([0-9a-f]{40})/.exec(JSON.stringify(committed.content))![1]!
    const transcript = '{"type":"user","text":"write notes"}\n{"type":"assistant","text":"done"}\n'
    writeFileSync(transcriptFile, transcript) // the client writes it as the session goes
    await mcp.close()
    mcp = undefined
    const head = (await log())[0]!
    expect(head.sha).toBe(sha)
    expect(head.transcript).toEqual({ bytes: transcript.length, lines: 2 })
    const shown = await cli(store, ['show', session.id, '--at', sha, '--transcript'])
    expect(shown.stdout).toBe(transcript)
    // Not in the workspace tree: the diff shows only the agent's file.
    const diff = await cli(store, ['diff', session.id, '--stat'])
    expect(diff.stdout).toContain('notes.txt')
    expect(diff.stdout).toMatch(/1 file changed/)
  })
})
