/**
 * Partial promotion keeps the rest: promoting some files leaves the session active with the other
 * changes, each promotion is recorded on its own, a replay answers with exactly that promotion, a file
 * changed again after it was promoted promotes again (drift checked against the session's own
 * promotion), `untilPromote` evicts once nothing un-promoted remains, and fork carries uncommitted work.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  GitTrix,
  LocalDurableAdapter,
  LocalEphemeralAdapter,
  type SessionMetadata,
  sessionMetadataSchema,
  type UserSession,
} from '../../src/index.ts'
import { cleanup, commitFiles, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { expectCode } from '../adapters/contract/fixtures.ts'

const paths = (changes: { path: string }[]) => changes.map((c) => c.path)
const changedIn = (cwd: string, rev: string) =>
  git(cwd, 'diff-tree', '-r', '--name-only', '--no-commit-id', rev).split('\n').filter(Boolean).sort()

describe.each(['clone', 'worktree', 'copy'] as const)('partial promotion (%s workspace)', (kind) => {
  let repo: { path: string; head: string }
  let store: string
  let gittrix: GitTrix
  let session: UserSession

  beforeEach(async () => {
    repo = makeRepo({ 'a.txt': 'a0\n', 'b.txt': 'b0\n', 'keep.txt': 'k\n' })
    store = tempDir()
    gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind }),
      storeDir: store,
      sweepIntervalMs: 0,
    })
    session = await gittrix.startSession({ task: 'three files' })
    const agent = session.forAgent()
    await agent.write('a.txt', 'a1\n')
    await agent.write('b.txt', 'b1\n')
    await agent.write('c.txt', 'c1\n')
  })
  afterEach(async () => {
    await gittrix.close()
    cleanup(repo.path, store)
  })

  it('keeps the session active with what remains, and evicts once nothing remains', async () => {
    const first = await session.promote({ selector: { mode: 'files', files: ['a.txt'] } })
    expect(first).toMatchObject({ files: ['a.txt'], alreadyPromoted: false })
    expect(changedIn(repo.path, first.sha)).toEqual(['a.txt'])

    let meta = await session.info()
    expect(meta.state).toBe('active')
    expect(existsSync(session.workspacePath!)).toBe(true)
    expect(meta.promotions).toEqual([
      expect.objectContaining({ sha: first.sha, branch: 'main', strategy: 'commit', files: ['a.txt'] }),
    ])
    expect(Date.parse(meta.promotions![0]!.at)).not.toBeNaN()
    expect(meta.touchedFiles).toEqual(['b.txt', 'c.txt'])

    // What remains: b and c only, in touched files and in the diff.
    expect(paths(await session.touchedFiles())).toEqual(['b.txt', 'c.txt'])
    const diff = await session.diffDetails()
    expect(paths(diff.files)).toEqual(['b.txt', 'c.txt'])
    expect(diff.patch).not.toContain('a.txt')

    // A replay answers with exactly that promotion (not every touched file); nothing new is written.
    const replay = await session.promote({ selector: { mode: 'files', files: ['a.txt'] } })
    expect(replay).toMatchObject({ sha: first.sha, files: ['a.txt'], alreadyPromoted: true })
    expect(git(repo.path, 'rev-parse', 'main')).toBe(first.sha)

    const second = await session.promote({ selector: { mode: 'files', files: ['b.txt'] } })
    expect(second).toMatchObject({ files: ['b.txt'], alreadyPromoted: false })
    expect(git(repo.path, 'rev-parse', 'main^')).toBe(first.sha)
    expect(changedIn(repo.path, second.sha)).toEqual(['b.txt'])

    // Replays keep answering with their own promotion.
    expect(await session.promote({ selector: { mode: 'files', files: ['a.txt'] } })).toMatchObject({
      sha: first.sha,
      files: ['a.txt'],
      alreadyPromoted: true,
    })

    // a changes again after it was promoted: it is pending again, against what was promoted.
    await session.forAgent().write('a.txt', 'a2\n')
    expect(paths(await session.touchedFiles())).toEqual(['a.txt', 'c.txt'])
    const again = await session.diffDetails({ paths: ['a.txt'] })
    expect(again.patch).toContain('-a1')
    expect(again.patch).toContain('+a2')
    expect(again.patch).not.toContain('-a0')

    const last = await session.promote({ selector: { mode: 'all' } })
    expect(last).toMatchObject({ files: ['a.txt', 'c.txt'], alreadyPromoted: false })
    expect(git(repo.path, 'show', 'main:a.txt')).toBe('a2')
    expect(git(repo.path, 'show', 'main:keep.txt')).toBe('k')

    meta = await session.info()
    expect(meta.state).toBe('promoted')
    expect(meta.touchedFiles).toEqual([])
    expect(meta.promotions!.map((p) => p.files)).toEqual([['a.txt'], ['b.txt'], ['a.txt', 'c.txt']])
    expect(meta.promote.result).toMatchObject({ sha: last.sha })
    expect(existsSync(session.workspacePath!)).toBe(false)

    // After the end, replays still answer per promotion; a path never promoted is refused.
    expect(await session.promote({ selector: { mode: 'files', files: ['b.txt'] } })).toMatchObject({
      sha: second.sha,
      files: ['b.txt'],
      alreadyPromoted: true,
    })
    expect(await session.promote({ selector: { mode: 'all' } })).toMatchObject({
      sha: last.sha,
      files: ['a.txt', 'c.txt'],
      alreadyPromoted: true,
    })
    await expectCode(session.promote({ selector: { mode: 'files', files: ['keep.txt'] } }), 'PROMOTE_FAILED')
  })

  it('untilPromote false: a promotion that leaves nothing keeps the workspace, state promoted', async () => {
    const kept = await gittrix.startSession({ task: 'kept', eviction: { untilPromote: false } })
    await kept.forAgent().write('x.txt', 'x\n')
    await kept.forAgent().write('y.txt', 'y\n')
    await kept.promote({ selector: { mode: 'files', files: ['x.txt'] } })
    expect((await kept.info()).state).toBe('active')
    await kept.promote({ selector: { mode: 'files', files: ['y.txt'] } })
    expect((await kept.info()).state).toBe('promoted')
    expect(existsSync(kept.workspacePath!)).toBe(true)
  })

  it('a file promoted by this session does not count as durable drift; a third party changing it after does', async () => {
    await session.promote({ selector: { mode: 'files', files: ['a.txt'] } })
    await session.forAgent().write('a.txt', 'a2\n')
    // Our own promotion changed a.txt on main since the baseline: promoting it again works.
    const again = await session.promote({ selector: { mode: 'files', files: ['a.txt'] } })
    expect(again.files).toEqual(['a.txt'])
    expect(git(repo.path, 'show', 'main:a.txt')).toBe('a2')

    // Someone else changes a.txt after our promotion: refused, nothing written.
    commitFiles(repo.path, { 'a.txt': 'someone else\n' }, 'third party')
    const head = git(repo.path, 'rev-parse', 'main')
    await session.forAgent().write('a.txt', 'a3\n')
    await expectCode(session.promote({ selector: { mode: 'files', files: ['a.txt'] } }), 'BASELINE_CONFLICT')
    expect(git(repo.path, 'rev-parse', 'main')).toBe(head)
    // b was never promoted and nobody touched it: it still promotes.
    const b = await session.promote({ selector: { mode: 'files', files: ['b.txt'] } })
    expect(changedIn(repo.path, b.sha)).toEqual(['b.txt'])
  })

  it('a third party reverting our promotion is drift too', async () => {
    const first = await session.promote({ selector: { mode: 'files', files: ['a.txt'] } })
    git(repo.path, 'revert', '--no-edit', first.sha)
    await session.forAgent().write('a.txt', 'a2\n')
    await expectCode(session.promote({ selector: { mode: 'files', files: ['a.txt'] } }), 'BASELINE_CONFLICT')
  })

  it('fork carries uncommitted work and the promotions of its source', async () => {
    await session.promote({ selector: { mode: 'files', files: ['a.txt'] } })
    const fork = await gittrix.forkSession(session.id)
    expect(readFileSync(join(fork.workspacePath!, 'c.txt'), 'utf8')).toBe('c1\n')
    expect(paths(await fork.touchedFiles())).toEqual(['b.txt', 'c.txt'])
    const outcome = await fork.promote({ selector: { mode: 'all' } })
    expect(changedIn(repo.path, outcome.sha)).toEqual(['b.txt', 'c.txt'])
    // The source still has its own remaining changes.
    expect(paths(await session.touchedFiles())).toEqual(['b.txt', 'c.txt'])
  })
})

describe('SessionMetadata v1 with one promote.result (written before promotions were listed)', () => {
  it('still reads, and a replay answers from it', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' })
    const store = tempDir()
    const gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind: 'copy' }),
      storeDir: store,
      sweepIntervalMs: 0,
    })
    try {
      const started = await gittrix.startSession({ task: 'old' })
      const old: SessionMetadata = {
        ...(await started.info()),
        state: 'promoted',
        touchedFiles: ['a.txt'],
        promote: { strategy: 'auto', result: { sha: repo.head, branch: 'main' } },
      }
      expect(sessionMetadataSchema.safeParse(old).success).toBe(true)
      const restored = await gittrix.restoreSession(old)
      expect(await restored.promote({ selector: { mode: 'all' } })).toMatchObject({
        sha: repo.head,
        files: ['a.txt'],
        alreadyPromoted: true,
      })
    } finally {
      await gittrix.close()
      cleanup(repo.path, store)
    }
  })
})
