/**
 * Invariant 2 (baseline first) and invariant 3 (clean promotion): one commit, parent = the durable
 * head of the moment, tree = that head's tree plus exactly the selected paths (content, deletion,
 * executable bit, symlink), agent history not replayed, trailers and default messages.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commitFiles, git, writeFiles } from '../support/git-fixtures.ts'
import {
  branchExists,
  changedBy,
  commitsSince,
  entryAt,
  headOf,
  makeWorld,
  metadataOnDisk,
  parentsOf,
  plumbCommit,
  rejectionOf,
  type World,
} from './helpers.ts'

const BASE_FILES = {
  'README.md': '# Project\n',
  'src/a.ts': 'export const a = 1\n',
  'src/b.ts': 'export const b = 1\n',
  'bin/run.sh': '#!/bin/sh\necho run\n',
  'old.txt': 'to be deleted\n',
}

describe('invariant 2: baseline first', () => {
  let world: World
  beforeEach(() => {
    world = makeWorld(BASE_FILES)
  })
  afterEach(() => world.dispose())

  it('records the durable head at start, and keeps it when durable moves right after', async () => {
    const gittrix = world.gittrix()
    const session = await gittrix.startSession({ task: 'baseline' })
    const moved = commitFiles(world.repo, { 'README.md': '# Moved after start\n' })
    expect(moved).not.toBe(world.head)

    const info = await session.info()
    expect(info.baselineSha).toBe(world.head)
    expect(metadataOnDisk(world.store, session.id).baselineSha).toBe(world.head)
    // The workspace holds the baseline, not the moved head.
    expect(new TextDecoder().decode(await session.read('README.md'))).toBe('# Project\n')
    expect(await session.touchedFiles()).toEqual([])
    // A session started after the move records the moved head.
    const later = await gittrix.startSession({ task: 'later' })
    expect((await later.info()).baselineSha).toBe(moved)
  })

  it('starts from the named durable branch when one is given', async () => {
    git(world.repo, 'branch', 'release', world.head)
    commitFiles(world.repo, { 'src/a.ts': 'export const a = 2\n' })
    const release = headOf(world.repo, 'release')
    const session = await world.gittrix().startSession({ task: 'release work', durableBranch: 'release' })
    const info = await session.info()
    expect(info.baselineSha).toBe(release)
    expect(info.durableBranch).toBe('release')
    expect(new TextDecoder().decode(await session.read('src/a.ts'))).toBe('export const a = 1\n')
  })
})

describe('invariant 3: clean promotion', () => {
  let world: World
  beforeEach(() => {
    world = makeWorld(BASE_FILES)
  })
  afterEach(() => world.dispose())

  it('writes one commit on the moved head with exactly the selected paths', async () => {
    const gittrix = world.gittrix()
    const session = await gittrix.startSession({ task: 'refactor things', eviction: { untilPromote: false } })
    const agent = session.forAgent()
    await agent.write('src/a.ts', 'export const a = 42\n')
    await agent.delete('old.txt')
    await agent.write('new/file.txt', 'brand new\n')
    await agent.write('bin/run.sh', '#!/bin/sh\necho run\n', { executable: true })
    await agent.commit('agent wip 1')
    mkdirSync(join(session.workspacePath!, 'docs'), { recursive: true })
    symlinkSync('../README.md', join(session.workspacePath!, 'docs/readme-link'))
    await agent.write('src/b.ts', 'export const b = "not selected"\n')
    await agent.commit('agent wip 2')
    await agent.write('scratch.txt', 'not selected either\n')

    // Durable moves after the baseline, on paths the session did not touch.
    const moved = commitFiles(world.repo, {
      'durable-only.txt': 'kept\n',
      'src/c.ts': 'export const c = 1\n',
    })

    const selected = ['bin/run.sh', 'docs/readme-link', 'new/file.txt', 'old.txt', 'src/a.ts']
    const outcome = await session.promote({ selector: { mode: 'files', files: selected } })

    const head = headOf(world.repo)
    expect(outcome.sha).toBe(head)
    expect(outcome.branch).toBe('main')
    expect(outcome.strategy).toBe('commit')
    expect(outcome.alreadyPromoted).toBe(false)
    expect(outcome.files).toEqual(selected)

    // Exactly one new commit, parent = the moved head, which itself is kept.
    expect(commitsSince(world.repo, moved)).toEqual([head])
    expect(parentsOf(world.repo, head)).toEqual([moved])
    expect(changedBy(world.repo, head)).toEqual({
      'bin/run.sh': 'M',
      'docs/readme-link': 'A',
      'new/file.txt': 'A',
      'old.txt': 'D',
      'src/a.ts': 'M',
    })
    expect(entryAt(world.repo, head, 'src/a.ts')).toEqual({ mode: '100644', content: 'export const a = 42' })
    expect(entryAt(world.repo, head, 'new/file.txt')).toEqual({ mode: '100644', content: 'brand new' })
    expect(entryAt(world.repo, head, 'old.txt')).toBeNull()
    expect(entryAt(world.repo, head, 'bin/run.sh')?.mode).toBe('100755')
    expect(entryAt(world.repo, head, 'docs/readme-link')).toEqual({ mode: '120000', content: '../README.md' })
    // Unselected session changes stayed out; the durable change is kept.
    expect(entryAt(world.repo, head, 'src/b.ts')?.content).toBe('export const b = 1')
    expect(entryAt(world.repo, head, 'scratch.txt')).toBeNull()
    expect(entryAt(world.repo, head, 'durable-only.txt')?.content).toBe('kept')
    // The tree equals the moved head's tree plus the selection, and nothing else.
    const expectedTree = (() => {
      const idx = join(world.store, 'expected-index')
      const env = { ...process.env, GIT_INDEX_FILE: idx }
      const run = (args: string[], input?: string) =>
        execFileSync('git', args, { cwd: world.repo, env, encoding: 'utf8', input }).trim()
      run(['read-tree', moved])
      const blob = (text: string) => run(['hash-object', '-w', '--stdin'], text)
      run(['update-index', '--add', '--cacheinfo', `100644,${blob('export const a = 42\n')},src/a.ts`])
      run(['update-index', '--add', '--cacheinfo', `100644,${blob('brand new\n')},new/file.txt`])
      run(['update-index', '--add', '--cacheinfo', `100755,${blob('#!/bin/sh\necho run\n')},bin/run.sh`])
      run(['update-index', '--add', '--cacheinfo', `120000,${blob('../README.md')},docs/readme-link`])
      run(['update-index', '--force-remove', '--', 'old.txt'])
      return run(['write-tree'])
    })()
    expect(git(world.repo, 'rev-parse', `${head}^{tree}`)).toBe(expectedTree)

    // Agent history is not replayed; message = default subject + trailers.
    expect(git(world.repo, 'log', '--format=%s', 'main')).not.toMatch(/agent wip/)
    expect(git(world.repo, 'log', '-1', '--format=%B', head)).toBe(
      `gittrix: refactor things\n\nGittrix-Session: ${session.id}\nGittrix-Baseline: ${world.head}`,
    )
    expect(git(world.repo, 'log', '-1', '--format=%(trailers:key=Gittrix-Session,valueonly)', head)).toBe(
      session.id,
    )
    expect(git(world.repo, 'log', '-1', '--format=%(trailers:key=Gittrix-Baseline,valueonly)', head)).toBe(
      world.head,
    )

    const info = await session.info()
    // Unselected changes remain: the session stays active with them.
    expect(info.state).toBe('active')
    expect(info.touchedFiles).toEqual(['scratch.txt', 'src/b.ts'])
    expect(info.promote.result).toEqual({ sha: head, branch: 'main' })
    // The checked-out durable work tree followed the branch and has no stray changes.
    expect(git(world.repo, 'status', '--porcelain')).toBe('')
  })

  it('uses "gittrix: promote session <id>" when the task is blank, and keeps a custom message', async () => {
    const gittrix = world.gittrix()
    const blank = await gittrix.startSession({ task: '   ' })
    await blank.write('src/a.ts', 'export const a = 2\n')
    const first = await blank.promote({ selector: { mode: 'all' } })
    expect(git(world.repo, 'log', '-1', '--format=%B', first.sha)).toBe(
      `gittrix: promote session ${blank.id}\n\nGittrix-Session: ${blank.id}\nGittrix-Baseline: ${world.head}`,
    )

    const custom = await gittrix.startSession({ task: 'ignored for the message' })
    await custom.write('src/b.ts', 'export const b = 2\n')
    const second = await custom.promote({ selector: { mode: 'all' }, message: 'feat: custom\n\nbody text' })
    expect(parentsOf(world.repo, second.sha)).toEqual([first.sha])
    expect(git(world.repo, 'log', '-1', '--format=%B', second.sha)).toBe(
      `feat: custom\n\nbody text\n\nGittrix-Session: ${custom.id}\nGittrix-Baseline: ${first.sha}`,
    )
  })

  it('selects by glob and promotes only the matching touched files', async () => {
    const session = await world.gittrix().startSession({ task: 'glob' })
    await session.write('src/a.ts', 'export const a = 3\n')
    await session.write('src/b.ts', 'export const b = 3\n')
    await session.write('README.md', '# changed\n')
    const outcome = await session.promote({ selector: { mode: 'files', files: ['src/**/*.ts'] } })
    expect(outcome.files).toEqual(['src/a.ts', 'src/b.ts'])
    expect(changedBy(world.repo, outcome.sha)).toEqual({ 'src/a.ts': 'M', 'src/b.ts': 'M' })
    expect(entryAt(world.repo, outcome.sha, 'README.md')?.content).toBe('# Project')
  })

  it('strategy "branch" writes the clean commit to a new branch and leaves main alone', async () => {
    const session = await world.gittrix().startSession({ task: 'side branch' })
    await session.write('src/a.ts', 'export const a = 4\n')
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'branch' })
    expect(headOf(world.repo)).toBe(world.head)
    expect(outcome.branch).toBe(`gittrix/promote/${session.id}`)
    expect(headOf(world.repo, outcome.branch)).toBe(outcome.sha)
    expect(parentsOf(world.repo, outcome.sha)).toEqual([world.head])
    expect(changedBy(world.repo, outcome.sha)).toEqual({ 'src/a.ts': 'M' })
  })

  it('an existing target branch is reused only when its head is exactly this promotion', async () => {
    const session = await world.gittrix().startSession({ task: 'side branch' })
    await session.write('src/a.ts', 'export const a = 4\n')
    // Someone with push access prepared the target: the right trailers on the durable head, plus a file.
    const trailers = `gittrix: side branch\n\nGittrix-Session: ${session.id}\nGittrix-Baseline: ${world.head}\n`
    git(world.repo, 'branch', 'review', world.head)
    const prepared = plumbCommit(
      world.repo,
      { 'src/a.ts': 'export const a = 4\n', 'deploy/prod.yml': 'steal: true\n' },
      trailers,
      'review',
    )
    const error = await rejectionOf(
      session.promote({ selector: { mode: 'all' }, strategy: 'branch', branch: 'review' }),
    )
    expect(error.code).toBe('PROMOTE_FAILED')
    expect(String(error.message)).toContain(
      `Branch review already exists and is not this session's promotion: its tree differs from this promotion's in 1 path(s) outside the selection ("deploy/prod.yml")`,
    )
    expect(headOf(world.repo, 'review')).toBe(prepared)
    expect((await session.info()).state).toBe('active')
    // Exactly the clean promotion on the same head: taken as this promotion (e.g. a retry after a crash).
    git(world.repo, 'update-ref', 'refs/heads/review', world.head)
    const clean = plumbCommit(world.repo, { 'src/a.ts': 'export const a = 4\n' }, trailers, 'review')
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'branch', branch: 'review' })
    expect(outcome.sha).toBe(clean)
    expect(headOf(world.repo)).toBe(world.head)
  })

  it('strategy "patch" writes nothing and its patch applies onto the durable head', async () => {
    const session = await world.gittrix().startSession({ task: 'patch only' })
    await session.write('src/a.ts', 'export const a = 5\n')
    await session.delete('old.txt')
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'patch' })
    expect(headOf(world.repo)).toBe(world.head)
    expect(branchExists(world.repo, `gittrix/promote/${session.id}`)).toBe(false)
    expect((await session.info()).state).toBe('active')
    expect(outcome.sha).toBe(world.head)
    writeFiles(join(world.store, 'patch'), { 'p.diff': outcome.patch! })
    git(world.repo, 'apply', '--check', join(world.store, 'patch', 'p.diff'))
    git(world.repo, 'apply', join(world.store, 'patch', 'p.diff'))
    expect(git(world.repo, 'diff', '--name-status')).toBe('D\told.txt\nM\tsrc/a.ts')
    expect(git(world.repo, 'show', ':src/a.ts')).toBe('export const a = 1')
    expect(git(world.repo, 'diff', '--', 'src/a.ts')).toContain('+export const a = 5')
  })
})
