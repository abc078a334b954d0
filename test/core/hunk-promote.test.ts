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

/** Gittrix on the local repository at `path` (`main`), clone workspaces, sessions kept in `store`. */
function cloneGitTrix(path: string, store: string): GitTrix {
  return new GitTrix({
    durable: new LocalDurableAdapter({ path, branch: 'main' }),
    ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
    storeDir: store,
    sweepIntervalMs: 0,
  })
}

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
    gittrix = cloneGitTrix(repo.path, store)
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

describe('promoting parts of a split hunk (<id>.<k>, local durable, real git)', () => {
  let repo: { path: string; head: string }
  let store: string
  let gittrix: GitTrix
  let session: UserSession

  // One hunk, three runs of changes two unchanged lines apart: lines 10-11 replaced, `inserted` after
  // line 13, line 16 deleted.
  const runs = [
    ...lines(9).split(/(?<=\n)/),
    'TEN\n',
    'ELEVEN\n',
    ...lines(13)
      .split(/(?<=\n)/)
      .slice(11),
    'inserted\n',
    'line 14\n',
    'line 15\n',
    ...lines(30)
      .split(/(?<=\n)/)
      .slice(16),
  ].join('')
  // CRLF and no final newline: lines 15, 18 and 20 (the last, unterminated) change.
  const crlfBase = lines(20, {}, '\r\n').slice(0, -2)
  const crlfNext = lines(20, { 15: 'fifteen', 18: 'eighteen', 20: 'twenty' }, '\r\n').slice(0, -2)

  beforeEach(async () => {
    repo = makeRepo({ 'runs.txt': lines(30), 'crlf.txt': crlfBase, 'other.txt': 'o0\n' })
    store = tempDir()
    gittrix = cloneGitTrix(repo.path, store)
    session = await gittrix.startSession({ task: 'split' })
    const agent = session.forAgent()
    await agent.write('runs.txt', runs)
    await agent.write('crlf.txt', crlfNext)
    await agent.write('other.txt', 'o1\n')
  })
  afterEach(async () => {
    await gittrix.close()
    cleanup(repo.path, store)
  })

  /** The removed and added lines of `path` in the session's current patch. */
  const changedLines = (diff: SessionDiff, path: string) => {
    const section = diff.patch.split(/^(?=diff --git )/m).find((p) => p.startsWith(`diff --git a/${path} `))!
    return section.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l))
  }

  it('promotes parts 1 and 3 of a 3-run hunk: the durable blob has exactly those, the session keeps part 2', async () => {
    const before = await session.diffDetails()
    const [hunk] = hunksOf(before, 'runs.txt')
    expect(hunksOf(before, 'runs.txt')).toHaveLength(1)
    const out = await session.promote({
      selector: { mode: 'hunks', hunks: [{ path: 'runs.txt', ids: [`${hunk!.id}.1`, `${hunk!.id}.3`] }] },
    })
    expect(out.files).toEqual(['runs.txt'])
    const expected = [
      ...lines(9).split(/(?<=\n)/),
      'TEN\n',
      'ELEVEN\n',
      ...lines(15)
        .split(/(?<=\n)/)
        .slice(11),
      ...lines(30)
        .split(/(?<=\n)/)
        .slice(16),
    ].join('')
    expect(bytesAt(repo.path, 'main', 'runs.txt')).toEqual(Buffer.from(expected))
    expect(git(repo.path, 'diff-tree', '-r', '--name-only', '--no-commit-id', 'main')).toBe('runs.txt')
    const after = await session.diffDetails()
    expect(changedLines(after, 'runs.txt')).toEqual(['+inserted'])
    // What is left of the hunk is re-hunked: a new, content-derived id. Other files are untouched.
    const [rest] = hunksOf(after, 'runs.txt')
    expect(hunksOf(after, 'runs.txt')).toHaveLength(1)
    expect(rest!.id).not.toBe(hunk!.id)
    expect(hunksOf(after, 'crlf.txt').map((h) => h.id)).toEqual(hunksOf(before, 'crlf.txt').map((h) => h.id))
    expect((await session.read('runs.txt')).toString()).toBe(runs)
  })

  it('keeps CRLF and the missing final newline byte for byte when promoting parts', async () => {
    const [hunk] = hunksOf(await session.diffDetails(), 'crlf.txt')
    await session.promote({
      selector: { mode: 'hunks', hunks: [{ path: 'crlf.txt', ids: [`${hunk!.id}.3`, `${hunk!.id}.1`] }] },
    })
    expect(bytesAt(repo.path, 'main', 'crlf.txt')).toEqual(
      Buffer.from(lines(20, { 15: 'fifteen', 20: 'twenty' }, '\r\n').slice(0, -2)),
    )
    expect(changedLines(await session.diffDetails(), 'crlf.txt')).toEqual(['-line 18\r', '+eighteen\r'])
  })

  it('refuses a part out of range, and a hunk named whole and by a part, naming path and id; nothing written', async () => {
    const [hunk] = hunksOf(await session.diffDetails(), 'runs.txt')
    const range = await expectCode(
      session.promote({
        selector: {
          mode: 'hunks',
          hunks: [{ path: 'runs.txt', ids: [`${hunk!.id}.1`, `${hunk!.id}.4`] }],
          files: ['other.txt'],
        },
      }),
      'INVALID_ARGUMENT',
    )
    expect(range.message).toContain('runs.txt')
    expect(range.message).toContain(`${hunk!.id}.4`)
    expect(range.message).toMatch(/Nothing was written/)
    const both = await expectCode(
      session.promote({
        selector: { mode: 'hunks', hunks: [{ path: 'runs.txt', ids: [hunk!.id, `${hunk!.id}.2`] }] },
      }),
      'INVALID_ARGUMENT',
    )
    expect(both.message).toContain('runs.txt')
    expect(both.message).toContain(`${hunk!.id}.2`)
    expect(both.message).toMatch(/whole/)
    await expectCode(
      session.promote({ selector: { mode: 'hunks', hunks: [{ path: 'runs.txt', ids: [`${hunk!.id}.0`] }] } }),
      'INVALID_ARGUMENT',
    )
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
    expect((await session.info()).promotions ?? []).toEqual([])
  })
})
