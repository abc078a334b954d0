/**
 * Hunk promotion with real git: the promoted blob is the baseline with exactly the selected hunks
 * applied (asserted on the durable tree with git after each promotion), the other hunks stay in the
 * session under the same ids, whole files combine with hunks, `git apply` still takes the annotated
 * patch, and everything that cannot be promoted by hunks is refused with nothing written.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  GitTrix,
  LocalDurableAdapter,
  LocalEphemeralAdapter,
  type SessionDiff,
  type UserSession,
} from '../../src/index.ts'
import { cleanup, commitFiles, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { expectCode } from '../adapters/contract/fixtures.ts'

const lines = (n: number, edit: Record<number, string> = {}, eol = '\n') =>
  Array.from({ length: n }, (_, i) => (edit[i + 1] ?? `line ${i + 1}`) + eol).join('')

/** The exact bytes of `path` on `rev` of `repo`. */
const bytesAt = (repo: string, rev: string, path: string) =>
  execFileSync('git', ['cat-file', 'blob', `${rev}:${path}`], { cwd: repo })

const hunksOf = (diff: SessionDiff, path: string) => diff.files.find((f) => f.path === path)?.hunks ?? []

describe('hunk promotion (local durable, real git)', () => {
  let repo: { path: string; head: string }
  let store: string
  let gittrix: GitTrix
  let session: UserSession

  const base = lines(30)
  const edits = { 1: 'FIRST', 15: 'MIDDLE', 30: 'LAST' }

  beforeEach(async () => {
    repo = makeRepo({
      'three.txt': base,
      'crlf.txt': lines(20, {}, '\r\n'),
      'open.txt': lines(20).slice(0, -1),
      'gone.txt': 'bye\n',
      'bin.dat': Buffer.from([0, 1, 2, 3, 10, 4]),
      'other.txt': 'o0\n',
    })
    store = tempDir()
    gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
      storeDir: store,
      sweepIntervalMs: 0,
    })
    session = await gittrix.startSession({ task: 'hunks' })
    const agent = session.forAgent()
    await agent.write('three.txt', lines(30, edits))
    await agent.write('crlf.txt', lines(20, { 2: 'two', 19: 'nineteen' }, '\r\n'))
    await agent.write('open.txt', lines(20, { 1: 'one', 20: 'twenty' }).slice(0, -1))
    await agent.write('new.txt', 'n\n')
    await agent.delete('gone.txt')
    await agent.write('bin.dat', new Uint8Array([0, 1, 2, 9, 10, 4]))
    await agent.write('other.txt', 'o1\n')
  })
  afterEach(async () => {
    await gittrix.close()
    cleanup(repo.path, store)
  })

  it('promotes one hunk, then another, of a 3-hunk file; the rest keep their ids', async () => {
    const before = await session.diffDetails()
    const ids = hunksOf(before, 'three.txt').map((h) => h.id)
    expect(ids).toHaveLength(3)
    for (const h of hunksOf(before, 'three.txt')) expect(before.patch).toContain(`${h.header}\n`)
    // Whole-file-only changes list no hunks.
    for (const path of ['new.txt', 'gone.txt', 'bin.dat']) expect(hunksOf(before, path)).toEqual([])
    expect(before.files.find((f) => f.path === 'new.txt')!.hunks).toBeUndefined()

    const first = await session.promote({
      selector: { mode: 'hunks', hunks: [{ path: 'three.txt', ids: [ids[1]!] }] },
    })
    expect(first.files).toEqual(['three.txt'])
    expect(bytesAt(repo.path, 'main', 'three.txt').toString()).toBe(lines(30, { 15: 'MIDDLE' }))
    expect(git(repo.path, 'diff-tree', '-r', '--name-only', '--no-commit-id', 'main')).toBe('three.txt')
    // The agent's file is untouched; the session shows the other two hunks under their ids.
    expect((await session.read('three.txt')).toString()).toBe(lines(30, edits))
    const after = await session.diffDetails()
    expect(hunksOf(after, 'three.txt').map((h) => h.id)).toEqual([ids[0], ids[2]])
    expect((await session.info()).state).toBe('active')

    await session.promote({ selector: { mode: 'hunks', hunks: [{ path: 'three.txt', ids: [ids[2]!] }] } })
    expect(bytesAt(repo.path, 'main', 'three.txt').toString()).toBe(lines(30, { 15: 'MIDDLE', 30: 'LAST' }))
    expect(git(repo.path, 'rev-parse', 'main^')).toBe(first.sha)
    expect(hunksOf(await session.diffDetails(), 'three.txt').map((h) => h.id)).toEqual([ids[0]])

    // The last hunk makes the durable file the agent's file: nothing of it remains.
    await session.promote({ selector: { mode: 'hunks', hunks: [{ path: 'three.txt', ids: [ids[0]!] }] } })
    expect(bytesAt(repo.path, 'main', 'three.txt').toString()).toBe(lines(30, edits))
    expect((await session.diffDetails()).files.map((f) => f.path)).not.toContain('three.txt')
  })

  it('combines hunks with whole files, and keeps CRLF and a missing final newline byte for byte', async () => {
    const diff = await session.diffDetails()
    const [crlfFirst] = hunksOf(diff, 'crlf.txt')
    const [, openLast] = hunksOf(diff, 'open.txt')
    await session.promote({
      selector: {
        mode: 'hunks',
        hunks: [
          { path: 'crlf.txt', ids: [crlfFirst!.id] },
          { path: 'open.txt', ids: [openLast!.id] },
        ],
        files: ['new.txt', 'gone.txt', 'bin.dat'],
      },
    })
    expect(bytesAt(repo.path, 'main', 'crlf.txt')).toEqual(Buffer.from(lines(20, { 2: 'two' }, '\r\n')))
    expect(bytesAt(repo.path, 'main', 'open.txt')).toEqual(
      Buffer.from(lines(20, { 20: 'twenty' }).slice(0, -1)),
    )
    expect(bytesAt(repo.path, 'main', 'new.txt').toString()).toBe('n\n')
    expect(bytesAt(repo.path, 'main', 'bin.dat')).toEqual(Buffer.from([0, 1, 2, 9, 10, 4]))
    expect(git(repo.path, 'ls-tree', '--name-only', 'main')).not.toContain('gone.txt')
    expect(
      git(repo.path, 'diff-tree', '-r', '--name-only', '--no-commit-id', 'main').split('\n').sort(),
    ).toEqual(['bin.dat', 'crlf.txt', 'gone.txt', 'new.txt', 'open.txt'])
    const left = await session.diffDetails()
    expect(left.files.map((f) => f.path)).toEqual(['crlf.txt', 'open.txt', 'other.txt', 'three.txt'])
    expect(hunksOf(left, 'crlf.txt').map((h) => h.id)).toEqual([hunksOf(diff, 'crlf.txt')[1]!.id])
  })

  it('refuses new, deleted, binary and stale selections by name, with nothing written', async () => {
    const head = git(repo.path, 'rev-parse', 'main')
    const [anyId] = hunksOf(await session.diffDetails(), 'three.txt').map((h) => h.id)
    for (const path of ['new.txt', 'gone.txt', 'bin.dat']) {
      const error = await expectCode(
        session.promote({ selector: { mode: 'hunks', hunks: [{ path, ids: [anyId!] }] } }),
        'INVALID_ARGUMENT',
      )
      expect(error.message).toContain(path)
      expect(error.message).toMatch(/whole-file only/)
    }
    const stale = await expectCode(
      session.promote({
        selector: {
          mode: 'hunks',
          hunks: [{ path: 'three.txt', ids: [anyId!, '00000000'] }],
          files: ['other.txt'],
        },
      }),
      'INVALID_ARGUMENT',
    )
    expect(stale.message).toContain('00000000')
    expect(stale.message).toContain('three.txt')
    expect(stale.message).toContain(`gittrix diff ${session.id}`)
    await expectCode(
      session.promote({ selector: { mode: 'hunks', hunks: [{ path: 'three.txt', ids: ['nothex!!'] }] } }),
      'INVALID_ARGUMENT',
    )
    expect(git(repo.path, 'rev-parse', 'main')).toBe(head)
    expect((await session.info()).promotions ?? []).toEqual([])
  })

  it('refuses a hunk of a path changed on the durable branch since the baseline (BASELINE_CONFLICT)', async () => {
    const [first] = hunksOf(await session.diffDetails(), 'three.txt')
    const moved = commitFiles(repo.path, { 'three.txt': lines(30, { 8: 'someone else' }) })
    await expectCode(
      session.promote({ selector: { mode: 'hunks', hunks: [{ path: 'three.txt', ids: [first!.id] }] } }),
      'BASELINE_CONFLICT',
    )
    expect(git(repo.path, 'rev-parse', 'main')).toBe(moved)
  })

  it('renders a patch that git apply takes, hunk annotations and all, and a patch-strategy hunk patch', async () => {
    const diff = await session.diffDetails()
    const checkout = tempDir()
    try {
      git(checkout, 'clone', '--quiet', repo.path, '.')
      writeFileSync(join(checkout, '..', `${session.id}-review.patch`), diff.patch)
      git(
        checkout,
        'apply',
        '--whitespace=nowarn',
        '--exclude=bin.dat',
        join(checkout, '..', `${session.id}-review.patch`),
      )
      expect(readFileSync(join(checkout, 'three.txt'), 'utf8')).toBe(lines(30, edits))
      const [, middle] = hunksOf(diff, 'three.txt')
      const out = await session.promote({
        strategy: 'patch',
        selector: { mode: 'hunks', hunks: [{ path: 'three.txt', ids: [middle!.id] }] },
      })
      git(checkout, 'checkout', '--quiet', '.')
      writeFileSync(join(checkout, '..', `${session.id}-hunk.patch`), out.patch!)
      git(checkout, 'apply', join(checkout, '..', `${session.id}-hunk.patch`))
      expect(readFileSync(join(checkout, 'three.txt'), 'utf8')).toBe(lines(30, { 15: 'MIDDLE' }))
    } finally {
      cleanup(checkout)
    }
  })
})
