/**
 * Invariant 4: overlapping drift is refused with BASELINE_CONFLICT listing every overlapping path
 * (content, mode, existence, renames, deletions; exact at any size), nothing is written, and the
 * non-overlapping files of the same session can still be promoted. Plus invariant 7's "a dirty
 * checked-out durable work tree is refused, not clobbered".
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commitFiles, git, writeFiles } from '../support/git-fixtures.ts'
import {
  changedBy,
  commitsSince,
  entryAt,
  headOf,
  makeWorld,
  metadataOnDisk,
  parentsOf,
  rejectionOf,
  type World,
} from './helpers.ts'

describe('invariant 4: overlapping drift is refused', () => {
  let world: World
  afterEach(() => world.dispose())

  it('lists every overlapping path (content, rename, deletion, mode, existence) and writes nothing', async () => {
    world = makeWorld({
      'a.txt': 'a\n',
      'b.txt': 'b\n',
      'c.txt': 'c\n',
      'd.txt': 'd\n',
      'x.txt': 'x\n',
      'g.txt': 'g\n',
      'z.txt': 'z\n',
    })
    const gittrix = world.gittrix()
    const session = await gittrix.startSession({ task: 'drift' })
    await session.write('a.txt', 'a by session\n')
    await session.write('b.txt', 'b by session\n')
    await session.write('c.txt', 'c by session\n')
    await session.write('d.txt', 'd by session\n')
    await session.write('e.txt', 'e added by session\n')
    // The agent renames x.txt -> y.txt (both paths are touched).
    renameSync(join(session.workspacePath!, 'x.txt'), join(session.workspacePath!, 'y.txt'))
    await session.write('g.txt', 'g by session\n')

    // The durable side: content change, rename away, deletion, mode-only change, same new file, x.txt edit.
    writeFiles(world.repo, { 'a.txt': 'a by durable\n', 'e.txt': 'e added by durable\n', 'x.txt': 'x2\n' })
    git(world.repo, 'mv', 'b.txt', 'b-renamed.txt')
    git(world.repo, 'rm', '-q', 'c.txt')
    chmodSync(join(world.repo, 'd.txt'), 0o755)
    writeFiles(world.repo, { 'z.txt': 'z by durable, not overlapping\n' })
    const durableHead = commitFiles(world.repo, {})
    expect(changedBy(world.repo, durableHead)).toMatchObject({ 'd.txt': 'M', 'b.txt': 'D' })

    const metaBefore = readFileSync(join(world.store, session.id, 'metadata.json'), 'utf8')
    const error = await rejectionOf(session.promote({ selector: { mode: 'all' } }))
    expect(error.code).toBe('BASELINE_CONFLICT')
    expect(error.conflictingFiles).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'x.txt'])
    expect(error.durableSha).toBe(durableHead)
    expect(error.baselineSha).toBe(world.head)
    expect(String(error.message)).toContain('Nothing was written')

    // Nothing written: branch, metadata state and record unchanged.
    expect(headOf(world.repo)).toBe(durableHead)
    const meta = metadataOnDisk(world.store, session.id)
    expect(meta.state).toBe('active')
    expect(meta.promote.result).toBeNull()
    expect(JSON.parse(metaBefore).baselineSha).toBe(meta.baselineSha)

    // Each overlapping path alone is refused too (the check is per path, not "anything moved").
    for (const path of ['b.txt', 'd.txt', 'e.txt']) {
      const one = await rejectionOf(session.promote({ selector: { mode: 'files', files: [path] } }))
      expect(one.code).toBe('BASELINE_CONFLICT')
      expect(one.conflictingFiles).toEqual([path])
    }
    expect(headOf(world.repo)).toBe(durableHead)

    // The non-overlapping files of the same session still promote, on top of the moved head.
    const outcome = await session.promote({ selector: { mode: 'files', files: ['g.txt', 'y.txt'] } })
    expect(commitsSince(world.repo, durableHead)).toEqual([outcome.sha])
    expect(parentsOf(world.repo, outcome.sha)).toEqual([durableHead])
    expect(changedBy(world.repo, outcome.sha)).toEqual({ 'g.txt': 'M', 'y.txt': 'A' })
    expect(entryAt(world.repo, outcome.sha, 'a.txt')?.content).toBe('a by durable')
    expect(entryAt(world.repo, outcome.sha, 'z.txt')?.content).toBe('z by durable, not overlapping')
    // The overlapping changes are not lost: the session stays active with them.
    const after = await session.info()
    expect(after.state).toBe('active')
    expect(after.touchedFiles).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'x.txt'])
  })

  it('is exact at any size: hundreds of overlapping paths (beyond any API page) are all listed', async () => {
    const count = 700
    const files: Record<string, string> = { 'keep.txt': 'keep\n' }
    for (let i = 0; i < count; i++) files[`many/f${String(i).padStart(5, '0')}.txt`] = `${i}\n`
    world = makeWorld(files)
    const session = await world.gittrix().startSession({ task: 'big drift' })
    // The agent edits directly in its workspace (no API call per file).
    const changed: Record<string, string> = {}
    for (const path of Object.keys(files)) if (path !== 'keep.txt') changed[path] = 'session\n'
    writeFiles(session.workspacePath!, changed)
    await session.write('keep.txt', 'session keep\n')
    const durable: Record<string, string> = {}
    for (const path of Object.keys(changed)) durable[path] = 'durable\n'
    const head = commitFiles(world.repo, durable)

    const error = await rejectionOf(session.promote({ selector: { mode: 'all' } }))
    expect(error.code).toBe('BASELINE_CONFLICT')
    expect(error.conflictingFiles).toEqual(Object.keys(changed).sort())
    expect((error.conflictingFiles as string[]).length).toBe(count)
    expect(headOf(world.repo)).toBe(head)

    const ok = await session.promote({ selector: { mode: 'files', files: ['keep.txt'] } })
    expect(changedBy(world.repo, ok.sha)).toEqual({ 'keep.txt': 'M' })
  })
})

describe('invariant 7: a dirty checked-out durable work tree is refused, not clobbered', () => {
  let world: World
  afterEach(() => world.dispose())

  it('refuses with WORKTREE_DIRTY when promoted paths have local changes, then promotes clean ones', async () => {
    world = makeWorld({ 'README.md': '# Project\n', 'other.txt': 'other\n' })
    const session = await world.gittrix().startSession({ task: 'dirty' })
    await session.write('README.md', '# From the session\n')
    await session.write('other.txt', 'other from the session\n')
    // The user edits README.md in the durable work tree without committing.
    writeFileSync(join(world.repo, 'README.md'), '# My unsaved work\n')

    const error = await rejectionOf(session.promote({ selector: { mode: 'files', files: ['README.md'] } }))
    expect(error.code).toBe('WORKTREE_DIRTY')
    expect(headOf(world.repo)).toBe(world.head)
    expect(readFileSync(join(world.repo, 'README.md'), 'utf8')).toBe('# My unsaved work\n')
    expect((await session.info()).state).toBe('active')

    const outcome = await session.promote({ selector: { mode: 'files', files: ['other.txt'] } })
    expect(parentsOf(world.repo, outcome.sha)).toEqual([world.head])
    expect(changedBy(world.repo, outcome.sha)).toEqual({ 'other.txt': 'M' })
    // The clean promoted path was fast-forwarded in the work tree; the user's work is intact.
    expect(readFileSync(join(world.repo, 'other.txt'), 'utf8')).toBe('other from the session\n')
    expect(readFileSync(join(world.repo, 'README.md'), 'utf8')).toBe('# My unsaved work\n')
    expect(git(world.repo, 'status', '--porcelain')).toBe('M README.md')
  })
})
