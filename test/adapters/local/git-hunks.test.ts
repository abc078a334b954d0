/**
 * A local session's hunks come from git (src/adapters/local/text-patches.ts, review-snapshot.ts): the
 * quick review read and the stored snapshot render the same patch with the same ids, a promotion
 * finds those ids, and the agent's `.gitattributes` changes neither what the reviewer sees nor what a
 * hunk id applies.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diffChanges } from '../../../src/core/diff.ts'
import { type SessionDiff } from '../../../src/index.ts'
import { expectCode } from '../contract/fixtures.ts'
import { git } from '../../support/git-fixtures.ts'
import { handleOf, lines, startLocalSession, storedDiff } from './local-sessions.ts'

const hunksOf = (diff: SessionDiff, path: string) => diff.files.find((f) => f.path === path)?.hunks ?? []

describe('local diffs take their hunks from git', () => {
  it('the review read, the stored snapshot and the diff package agree on patch and ids, and every id promotes', async () => {
    const s = await startLocalSession({
      'three.txt': lines(30),
      'crlf.txt': lines(20, {}, '\r\n'),
      'open.txt': lines(20).slice(0, -1),
      'latin1.txt': Buffer.from('caf\xe9 1\ncaf\xe9 2\n', 'latin1'),
      'dir/with space "q".txt': 'a\nb\n',
      'ünï.txt': 'x\n',
      'run.sh': lines(10),
      'mode.sh': 'echo m\n',
      'gone.txt': 'bye\n',
      'bin.dat': Buffer.from([0, 1, 2, 3]),
      'target-a': 'A\n',
    })
    symlinkSync('target-a', join(s.ws, 'link'))
    git(s.ws, 'add', 'link')
    const agent = s.session.forAgent()
    await s.session.commit('baseline-like link')
    // The link existed before the edits below; everything else starts from the baseline.
    await agent.write('three.txt', lines(30, { 1: 'FIRST', 15: 'MIDDLE', 30: 'LAST' }))
    await agent.write('crlf.txt', lines(20, { 2: 'two' }, '\r\n'))
    await agent.write('open.txt', lines(20, { 20: 'twenty' }).slice(0, -1))
    await agent.write('latin1.txt', Buffer.from('caf\xe9 1\nna\xefve 2\n', 'latin1'))
    await agent.write('dir/with space "q".txt', 'a\nB\n')
    await agent.write('ünï.txt', 'y\n')
    await agent.write('run.sh', lines(10, { 8: 'eight' }), { executable: true })
    chmodSync(join(s.ws, 'mode.sh'), 0o755)
    await agent.write('new.txt', 'n1\nn2\n')
    await agent.write('empty.txt', '')
    await agent.delete('gone.txt')
    await agent.write('bin.dat', new Uint8Array([0, 9, 9, 3]))
    unlinkSync(join(s.ws, 'link'))
    symlinkSync('target-b', join(s.ws, 'link'))

    const review = await s.session.diffDetails()
    const stored = await storedDiff(s)
    expect(review.patch).toBe(stored.patch)
    expect(review.files).toEqual(stored.files)

    // The diff package splits these ordinary edits as git does: same patch, same ids.
    const snapshot = await s.ephemeral.snapshot(await handleOf(s.session, s.store))
    const { textPatches: _git, textPatchesSelectable: _selectable, ...plain } = snapshot
    const fromPackage = await diffChanges(plain, plain.changes, s.durable)
    expect(review.patch).toBe(fromPackage.patch)
    expect(review.files).toEqual(fromPackage.files)

    // git's function-name context is dropped, our ids are on every hunk line of a selectable file.
    expect(review.patch).not.toMatch(/^@@ [^\n]*@@ line/m)
    expect(hunksOf(review, 'three.txt')).toHaveLength(3)
    expect(review.files.find((f) => f.path === 'bin.dat')).toMatchObject({ binary: true })
    expect(review.patch).toContain('Binary files a/bin.dat and b/bin.dat differ\n')

    // Every listed id promotes, one at a time, and the others keep theirs.
    for (const path of ['three.txt', 'crlf.txt', 'open.txt', 'latin1.txt']) {
      for (const hunk of hunksOf(await s.session.diffDetails(), path)) {
        await s.session.promote({ selector: { mode: 'hunks', hunks: [{ path, ids: [hunk.id] }] } })
      }
      expect(git(s.repo.path, 'diff', '--stat', 'HEAD', '--', path)).toBe('')
    }
    const head = execFileSync('git', ['cat-file', 'blob', 'HEAD:three.txt'], { cwd: s.repo.path })
    expect(head.toString()).toBe(lines(30, { 1: 'FIRST', 15: 'MIDDLE', 30: 'LAST' }))
  })

  it('an agent’s .gitattributes cannot show a text change as binary, in a review or to a promotion', async () => {
    const s = await startLocalSession({
      'a.txt': lines(12),
      'sub/b.txt': lines(12),
      'bin.dat': Buffer.from([0, 1]),
    })
    const agent = s.session.forAgent()
    await agent.write('.gitattributes', '* -diff\n*.txt binary\n')
    await agent.write('sub/.gitattributes', '* -diff\n')
    await agent.write('a.txt', lines(12, { 3: 'hidden three' }))
    await agent.write('sub/b.txt', lines(12, { 9: 'hidden nine' }))
    await agent.write('bin.dat', new Uint8Array([0, 2]))

    for (const diff of [await s.session.diffDetails(), await storedDiff(s)]) {
      expect(diff.patch).toContain('+hidden three\n')
      expect(diff.patch).toContain('+hidden nine\n')
      expect(diff.patch).not.toContain('Binary files a/a.txt')
      expect(diff.patch).toContain('Binary files a/bin.dat and b/bin.dat differ\n')
      expect(hunksOf(diff, 'a.txt')).toHaveLength(1)
    }
    const [hunk] = hunksOf(await s.session.diffDetails(), 'sub/b.txt')
    await s.session.promote({ selector: { mode: 'hunks', hunks: [{ path: 'sub/b.txt', ids: [hunk!.id] }] } })
    const promoted = execFileSync('git', ['cat-file', 'blob', 'HEAD:sub/b.txt'], { cwd: s.repo.path })
    expect(promoted.toString()).toBe(lines(12, { 9: 'hidden nine' }))
  })

  it('an attribute that diffs binary content as text shows it, and its hunks are refused', async () => {
    const bytes = (tail: number) =>
      Buffer.concat([Buffer.from('head\n\0\nmiddle\n'), Buffer.from([tail, 10])])
    const s = await startLocalSession({ 'blob.bin': bytes(65) })
    const agent = s.session.forAgent()
    await agent.write('.gitattributes', 'blob.bin diff\n')
    await agent.write('blob.bin', bytes(66))
    const diff = await s.session.diffDetails()
    const hunks = hunksOf(diff, 'blob.bin')
    expect(hunks.length).toBe(1)
    const before = git(s.repo.path, 'rev-parse', 'HEAD')
    const refused = s.session.promote({
      selector: { mode: 'hunks', hunks: [{ path: 'blob.bin', ids: [hunks[0]!.id] }] },
    })
    await expectCode(refused, 'INVALID_ARGUMENT')
    await expect(refused).rejects.toThrow(/binary/)
    expect(git(s.repo.path, 'rev-parse', 'HEAD')).toBe(before)
  })

  it('a snapshot’s hunks are of its own blobs after the workspace moved on', async () => {
    const s = await startLocalSession({ 'a.txt': lines(12) })
    const agent = s.session.forAgent()
    const handle = await handleOf(s.session, s.store)
    await agent.write('a.txt', lines(12, { 4: 'first version' }))
    const older = await s.ephemeral.snapshot(handle)
    await agent.write('a.txt', lines(12, { 4: 'second version' }))
    await s.ephemeral.snapshot(handle) // the private index now holds the second version
    const hunks = (await older.textPatches!(older.changes)).get('a.txt')?.hunks ?? ''
    expect(hunks).toContain('+first version\n')
    expect(hunks).not.toContain('second version')
    expect((await diffChanges(older, older.changes, s.durable)).patch).toContain('+first version\n')
  })

  it('a file written into a new directory, a deleted directory and an untracked file all show', async () => {
    const s = await startLocalSession({ 'old/x.txt': 'x\n', 'keep.txt': 'k\n' })
    mkdirSync(join(s.ws, 'fresh/deeper'), { recursive: true })
    writeFileSync(join(s.ws, 'fresh/deeper/f.txt'), 'f\n')
    unlinkSync(join(s.ws, 'old/x.txt'))
    const review = await s.session.diffDetails()
    expect(review.files.map((f) => [f.path, f.status])).toEqual([
      ['fresh/deeper/f.txt', 'added'],
      ['old/x.txt', 'deleted'],
    ])
    expect(review.patch).toBe((await storedDiff(s)).patch)
  })
})
