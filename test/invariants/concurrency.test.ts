/**
 * Invariants 5 and 6: compare-and-swap and exactly once. Concurrent promotions of one session (in one
 * process and from separate processes) make one commit and answer everyone with the same sha; sessions
 * promoting disjoint files at once all land on a linear history; a durable head that moves between the
 * check and the ref update is re-checked and retried; repeated promotion answers from the record.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserSession } from '../../src/index.ts'
import { cleanup, git } from '../support/git-fixtures.ts'
import {
  type ChildResult,
  changedBy,
  commitsSince,
  entryAt,
  headOf,
  makeFakeGitDir,
  makeWorld,
  parentsOf,
  runChildrenTogether,
  startPromoteChild,
  type World,
} from './helpers.ts'

function okValue(result: ChildResult | undefined) {
  if (!result?.ok) throw new Error(`child promotion failed: ${JSON.stringify(result)}`)
  return result.value
}

/** Asserts `main` after `base` is linear and each commit changes exactly its session's files. */
function expectLinearWith(world: World, base: string, expected: Map<string, string[]>): void {
  const commits = commitsSince(world.repo, base)
  expect(commits).toHaveLength(expected.size)
  expect(git(world.repo, 'rev-list', '--merges', `${base}..main`)).toBe('')
  for (let i = 0; i < commits.length; i++) {
    expect(parentsOf(world.repo, commits[i]!)).toEqual([commits[i + 1] ?? base])
  }
  for (const [sha, files] of expected) {
    expect(commits).toContain(sha)
    expect(Object.keys(changedBy(world.repo, sha)).sort()).toEqual([...files].sort())
  }
}

async function sessionsWithOwnFiles(world: World, count: number): Promise<UserSession[]> {
  const gittrix = world.gittrix()
  const sessions: UserSession[] = []
  for (let i = 0; i < count; i++) {
    const session = await gittrix.startSession({ task: `disjoint ${i}` })
    await session.write(`s${i}/one.txt`, `session ${i} one\n`)
    await session.write(`s${i}/two.txt`, `session ${i} two\n`)
    sessions.push(session)
  }
  return sessions
}

describe('invariants 5 and 6: compare-and-swap, exactly once', () => {
  let world: World
  afterEach(() => world.dispose())

  it('two promotions of one session at once in one process: one commit, same sha', async () => {
    world = makeWorld()
    const gittrix = world.gittrix()
    const session = await gittrix.startSession({ task: 'twice at once' })
    await session.write('README.md', '# once\n')
    // A second handle (as another caller would get) racing the first.
    const again = await world.gittrix().getSession(session.id)
    const [a, b] = await Promise.all([
      session.promote({ selector: { mode: 'all' } }),
      again.promote({ selector: { mode: 'all' } }),
    ])
    expect(a.sha).toBe(b.sha)
    expect([a.alreadyPromoted, b.alreadyPromoted].sort()).toEqual([false, true])
    expect(commitsSince(world.repo, world.head)).toEqual([a.sha])
    expect(a.files).toEqual(['README.md'])
    expect(b.files).toEqual(['README.md'])
  })

  it('two promotions of one session from two processes: one commit, same sha', async () => {
    world = makeWorld()
    const session = await world.gittrix().startSession({ task: 'twice from two processes' })
    await session.write('README.md', '# once, two processes\n')
    await session.write('added.txt', 'added\n')
    const [first, second] = await runChildrenTogether(world, [
      [{ id: session.id, selector: { mode: 'all' } }],
      [{ id: session.id, selector: { mode: 'all' } }],
    ])
    const a = okValue(first!.results[0])
    const b = okValue(second!.results[0])
    expect(a.sha).toBe(b.sha)
    expect([a.alreadyPromoted, b.alreadyPromoted].sort()).toEqual([false, true])
    expect(commitsSince(world.repo, world.head)).toEqual([a.sha])
    expect(changedBy(world.repo, a.sha)).toEqual({ 'README.md': 'M', 'added.txt': 'A' })
    const info = await session.info()
    expect(info.state).toBe('promoted')
    expect(info.promote.result?.sha).toBe(a.sha)
  })

  it('six sessions promoting disjoint files at once in one process all land, linearly', async () => {
    world = makeWorld()
    const sessions = await sessionsWithOwnFiles(world, 6)
    const outcomes = await Promise.all(sessions.map((s) => s.promote({ selector: { mode: 'all' } })))
    expect(outcomes.every((o) => !o.alreadyPromoted)).toBe(true)
    expect(new Set(outcomes.map((o) => o.sha)).size).toBe(6)
    expectLinearWith(
      world,
      world.head,
      new Map(outcomes.map((o, i) => [o.sha, [`s${i}/one.txt`, `s${i}/two.txt`]])),
    )
    for (let i = 0; i < 6; i++)
      expect(entryAt(world.repo, 'main', `s${i}/two.txt`)?.content).toBe(`session ${i} two`)
  })

  it('six sessions promoting disjoint files from three processes all land, linearly', async () => {
    world = makeWorld()
    const sessions = await sessionsWithOwnFiles(world, 6)
    const batches = [0, 1, 2].map((p) =>
      sessions.slice(p * 2, p * 2 + 2).map((s) => ({ id: s.id, selector: { mode: 'all' as const } })),
    )
    const children = await runChildrenTogether(world, batches)
    const expected = new Map<string, string[]>()
    children.forEach((child, p) => {
      expect(child.code).toBe(0)
      child.results.forEach((result, j) => {
        const value = okValue(result)
        expect(value.alreadyPromoted).toBe(false)
        const i = p * 2 + j
        expected.set(value.sha, [`s${i}/one.txt`, `s${i}/two.txt`])
      })
    })
    expect(expected.size).toBe(6)
    expectLinearWith(world, world.head, expected)
    for (const session of sessions) expect((await session.info()).state).toBe('promoted')
  })

  it('repeated promotion answers with the recorded result and writes nothing', async () => {
    world = makeWorld()
    const session = await world.gittrix().startSession({ task: 'exactly once' })
    await session.write('README.md', '# exactly once\n')
    const first = await session.promote({ selector: { mode: 'all' } })
    const metaAfterFirst = readFileSync(join(world.store, session.id, 'metadata.json'), 'utf8')
    const second = await session.promote({ selector: { mode: 'all' } })
    const third = await (
      await world.gittrix().getSession(session.id)
    ).promote({
      selector: { mode: 'files', files: ['README.md'] },
      message: 'a different message',
    })
    for (const later of [second, third]) {
      expect(later.alreadyPromoted).toBe(true)
      expect(later.sha).toBe(first.sha)
      expect(later.branch).toBe('main')
      expect(later.files).toEqual(['README.md'])
    }
    expect(commitsSince(world.repo, world.head)).toEqual([first.sha])
    expect(readFileSync(join(world.store, session.id, 'metadata.json'), 'utf8')).toBe(metaAfterFirst)
  })

  describe('a durable head that moves between the drift check and the ref update', () => {
    it('non-overlapping: the lost compare-and-swap is retried on the new head', async () => {
      world = makeWorld({ 'README.md': '# Project\n' }, { bare: true })
      const session = await world.gittrix().startSession({ task: 'race' })
      await session.write('README.md', '# from the session\n')
      const mark = `${world.store}/raced`
      const fake = makeFakeGitDir({
        FAKE_GIT_ON: 'update-ref',
        FAKE_GIT_ACTION: 'race',
        FAKE_GIT_MARK: mark,
        FAKE_GIT_RACE_REPO: world.repo,
        FAKE_GIT_RACE_PATH: 'racer.txt',
      })
      try {
        const child = startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], {
          fakeGit: fake,
        })
        const { results, stderr } = await child.done
        const value = okValue(results[0] ?? ({ ok: false, error: { message: stderr } } as ChildResult))
        const commits = commitsSince(world.repo, world.head)
        expect(commits).toHaveLength(2)
        const [promotion, racer] = commits
        expect(promotion).toBe(value.sha)
        expect(git(world.repo, 'log', '-1', '--format=%s', racer!)).toBe('racing durable commit')
        expect(parentsOf(world.repo, promotion!)).toEqual([racer])
        expect(changedBy(world.repo, promotion!)).toEqual({ 'README.md': 'M' })
        expect(entryAt(world.repo, 'main', 'racer.txt')?.content).toBe('raced in')
      } finally {
        cleanup(fake)
      }
    })

    it('overlapping: the retry sees the drift and refuses; only the racing commit is there', async () => {
      world = makeWorld({ 'README.md': '# Project\n' }, { bare: true })
      const session = await world.gittrix().startSession({ task: 'race into conflict' })
      await session.write('README.md', '# from the session\n')
      const mark = `${world.store}/raced`
      const fake = makeFakeGitDir({
        FAKE_GIT_ON: 'update-ref',
        FAKE_GIT_ACTION: 'race',
        FAKE_GIT_MARK: mark,
        FAKE_GIT_RACE_REPO: world.repo,
        FAKE_GIT_RACE_PATH: 'README.md',
      })
      try {
        const child = startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], {
          fakeGit: fake,
        })
        const { results } = await child.done
        expect(results[0]?.ok).toBe(false)
        const error = (results[0] as Extract<ChildResult, { ok: false }>).error
        expect(error.code).toBe('BASELINE_CONFLICT')
        expect(error.conflictingFiles).toEqual(['README.md'])
        const commits = commitsSince(world.repo, world.head)
        expect(commits).toHaveLength(1)
        expect(git(world.repo, 'log', '-1', '--format=%s', commits[0]!)).toBe('racing durable commit')
        expect(headOf(world.repo)).toBe(commits[0])
        expect((await session.info()).state).toBe('active')
      } finally {
        cleanup(fake)
      }
    })
  })
})
