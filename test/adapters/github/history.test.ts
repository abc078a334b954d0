/**
 * Session history on a GitHub session branch (GitHubBranchEphemeralAdapter), over the git-data-api
 * stand-in (a real bare repository, every request checked against GitHub's OpenAPI description): the
 * branch's commits are the checkpoints, the notes come from `refs/notes/gittrix-sessions/<id>/<kind>`
 * in flat and fanned-out layout, `show` reads a checkpoint's files, what is not offered answers
 * `CAPABILITY_MISSING` saying what to do, and discarding the session deletes the notes refs.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { sessionNotesRef } from '../../../src/github/branches.ts'
import { writeNotesCommit, toolCallsNote } from '../../support/session-notes.ts'
import { type GitHubHarness, githubHarness } from './harness.ts'

const open: GitHubHarness[] = []
afterEach(async () => {
  for (const h of open.splice(0)) await h.close()
})

async function setup(): Promise<GitHubHarness> {
  const h = await githubHarness({ 'README.md': '# Project\n', 'src/app.ts': 'export const a = 1\n' })
  open.push(h)
  return h
}

async function caught(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

describe('history of a GitHub session branch', () => {
  it('logs the checkpoints newest first with their tool calls and transcripts, flat and fanned-out notes', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'history', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'src/app.ts': 'export const a = 2\n' })
    const second = h.push(session.id, { 'notes.txt': 'hello\n' })
    const git = (args: string[], input?: string | Uint8Array) => h.api.git(args, input)
    writeNotesCommit(
      git,
      sessionNotesRef(session.id, 'tool-calls'),
      [
        { commit: first, bytes: toolCallsNote([{ tool: 'write_file', durationMs: 12 }]) },
        {
          commit: second,
          bytes: toolCallsNote([{ tool: 'commit', errorCode: 'WRITE_REJECTED' }]),
          fanout: true,
        },
      ],
      [{ name: 'not-a-commit', bytes: 'junk' }],
    )
    writeNotesCommit(git, sessionNotesRef(session.id, 'transcript'), [
      { commit: second, bytes: '{"role":"user"}\n{"role":"assistant"}\n', fanout: true },
    ])

    const log = await session.log()
    expect(log.map((c) => c.sha)).toEqual([second, first, h.initial])
    expect(log.map((c) => c.baseline)).toEqual([false, false, true])
    expect(log[0]!.toolCalls).toMatchObject([{ tool: 'commit', errorCode: 'WRITE_REJECTED' }])
    expect(log[0]!.client).toEqual({ name: 'test-client', version: '1.0.0' })
    expect(log[0]!.transcript).toEqual({ bytes: 37, lines: 2 })
    expect(log[1]!.toolCalls).toMatchObject([{ tool: 'write_file', durationMs: 12, errorCode: null }])
    expect(log[1]!.transcript).toBeNull()
    expect(log[2]!.toolCalls).toEqual([])
    expect((await session.log({ limit: 1 })).map((c) => c.sha)).toEqual([second])
    expect(Buffer.from((await session.transcript(second.slice(0, 10)))!).toString()).toContain('assistant')
  })

  it('logs a session without notes, and shows a checkpoint’s files and one file', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'show', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'src/app.ts': 'export const a = 2\n', 'src/new.ts': 'new\n' })
    h.push(session.id, { 'src/app.ts': 'export const a = 3\n' })

    const log = await session.log()
    expect(log).toHaveLength(3)
    expect(log.every((c) => c.toolCalls.length === 0 && c.transcript === null)).toBe(true)

    const file = await session.show(first.slice(0, 8), 'src/app.ts')
    expect(file).toMatchObject({ type: 'file', at: first, path: 'src/app.ts', mode: '100644' })
    expect(file.type === 'file' && Buffer.from(file.bytes).toString()).toBe('export const a = 2\n')
    const dir = await session.show(first, 'src')
    expect(dir.type === 'tree' && dir.entries.map((e) => e.path)).toEqual(['src/app.ts', 'src/new.ts'])
    const baseline = await session.show(h.initial)
    expect(baseline.type === 'tree' && baseline.entries.map((e) => e.path)).toEqual([
      'README.md',
      'src/app.ts',
    ])
    expect((await caught(session.show(first, 'missing.txt'))).code).toBe('FILE_NOT_FOUND')
    // A commit of the durable branch that is older than the baseline is not the session's.
    const other = h.api.commit('elsewhere', { 'x.txt': 'x\n' }, { message: 'other\n' })
    expect((await caught(session.show(other))).code).toBe('INVALID_ARGUMENT')
  })

  it('answers CAPABILITY_MISSING, saying what to do, for restore, writing notes and diff between checkpoints', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'missing', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'a.txt': 'a\n' })
    const restore = await caught(session.restore(first))
    expect(restore.code).toBe('CAPABILITY_MISSING')
    expect(restore.message).toMatch(/start a new session from that checkpoint/)
    const write = await caught(session.recordToolCalls(first, [], null))
    expect(write.code).toBe('CAPABILITY_MISSING')
    expect(write.message).toMatch(/refs\/notes\/gittrix-transcript of the agent's checkout/)
    const attach = await caught(session.attachTranscript(new TextEncoder().encode('{}\n')))
    expect(attach.code).toBe('CAPABILITY_MISSING')
    const diff = await caught(session.diff({ from: first }))
    expect(diff.code).toBe('CAPABILITY_MISSING')
    expect(diff.message).toMatch(/git diff <from> <to>/)
  })

  it('deletes the notes refs with the branch when the session is discarded', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'evict', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'a.txt': 'a\n' })
    const git = (args: string[], input?: string | Uint8Array) => h.api.git(args, input)
    for (const kind of ['tool-calls', 'transcript'] as const)
      writeNotesCommit(git, sessionNotesRef(session.id, kind), [{ commit: first, bytes: '{}\n' }])
    // Another session's notes survive.
    const otherRef = sessionNotesRef('sess_aaaaaaaaaaaa', 'tool-calls')
    writeNotesCommit(git, otherRef, [{ commit: first, bytes: '{}\n' }])

    await session.discard()
    expect(h.api.head(`gittrix/${session.id}`)).toBeNull()
    expect(h.api.resolve(sessionNotesRef(session.id, 'tool-calls'))).toBeNull()
    expect(h.api.resolve(sessionNotesRef(session.id, 'transcript'))).toBeNull()
    expect(h.api.resolve(otherRef)).not.toBeNull()
  })
})
