/**
 * Pinned promotion in the library (docs/architecture.md#invariants, 10): `promote({ at })` and
 * `restoreSession(meta, { at })` read one snapshot of exactly that workspace commit — selection, drift
 * check, diff and the promoted tree — and refuse, writing nothing, a commit that is not the session's.
 * A workspace that moved on after `at` is kept, not evicted.
 */
import { existsSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter, type UserSession } from '../../src/index.ts'
import { githubHarness } from '../adapters/github/harness.ts'
import { headOf, plumbCommit } from '../invariants/helpers.ts'
import { ROUTES } from '../support/git-data-api.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { expectCode } from '../adapters/contract/fixtures.ts'

describe.each(['clone', 'worktree', 'copy'] as const)('pinned promotion: local %s workspace', (kind) => {
  let repo: { path: string; head: string }
  let store: string
  let gittrix: GitTrix
  let session: UserSession
  let reviewed: string

  beforeEach(async () => {
    repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' })
    store = tempDir()
    gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind }),
      storeDir: store,
      sweepIntervalMs: 0,
    })
    session = await gittrix.startSession({ task: 'pin me' })
    const agent = session.forAgent()
    await agent.write('a.txt', 'reviewed\n')
    reviewed = await agent.commit('the reviewed state')
    await agent.write('a.txt', 'later\n')
    await agent.write('c.txt', 'never reviewed\n')
    await agent.commit('after the review')
    await agent.write('d.txt', 'not even committed\n')
  })
  afterEach(() => cleanup(repo.path, store))

  it('promote({ at }) lands exactly that commit and keeps the workspace that moved on', async () => {
    const outcome = await session.promote({ selector: { mode: 'all' }, at: reviewed.slice(0, 10) })
    expect(outcome).toMatchObject({ files: ['a.txt'], at: reviewed, alreadyPromoted: false })
    expect(git(repo.path, 'show', 'main:a.txt')).toBe('reviewed')
    expect(git(repo.path, 'ls-tree', '--name-only', 'main')).toBe('a.txt\nb.txt')
    expect(existsSync(session.workspacePath!)).toBe(true)
    // What arrived after the reviewed commit is not promoted: the session stays active with it.
    const meta = await session.info()
    expect(meta.state).toBe('active')
    expect(meta.touchedFiles).toEqual(['a.txt', 'c.txt', 'd.txt'])
  })

  // A copy workspace holds no git the agent can write to (its history is private to Gittrix).
  it.runIf(kind !== 'copy')(
    'reads an abbreviated `at` as a commit id, never as a ref the agent named after it',
    async () => {
      const short = reviewed.slice(0, 7)
      const forged = git(session.workspacePath!, 'commit-tree', '-p', 'HEAD', '-m', 'forged', 'HEAD^{tree}')
      git(session.workspacePath!, 'tag', short, forged)
      const outcome = await session.promote({ selector: { mode: 'all' }, at: short })
      expect(outcome.at).toBe(reviewed)
      expect(git(repo.path, 'show', 'main:a.txt')).toBe('reviewed')
      expect(git(repo.path, 'ls-tree', '--name-only', 'main')).toBe('a.txt\nb.txt')
    },
  )

  it('refuses a commit that is not the session’s (or no commit at all) and writes nothing', async () => {
    const durableLater = plumbCommit(repo.path, { 'a.txt': 'durable\n' })
    git(repo.path, 'update-ref', 'refs/heads/main', repo.head, durableLater)
    for (const at of [durableLater, 'deadbeef', 'main', '../x']) {
      await expectCode(session.promote({ selector: { mode: 'all' }, at }), 'INVALID_ARGUMENT')
    }
    expect(headOf(repo.path)).toBe(repo.head)
    expect((await session.info()).state).toBe('active')
  })

  it('restoreSession(meta, { at }): diff, touched files and promotion all read that commit', async () => {
    const pinned = await gittrix.restoreSession(await session.info(), { at: reviewed })
    expect(pinned.pinnedAt).toBe(reviewed)
    expect((await pinned.touchedFiles()).map((c) => c.path)).toEqual(['a.txt'])
    const diff = await pinned.diffDetails()
    expect(diff.files.map((f) => f.path)).toEqual(['a.txt'])
    expect(diff.patch).toContain('+reviewed')
    expect(diff.patch).not.toContain('later')
    await expectCode(pinned.promote({ selector: { mode: 'all' }, at: repo.head }), 'INVALID_ARGUMENT')
    const outcome = await pinned.promote({ selector: { mode: 'all' } })
    expect(outcome.at).toBe(reviewed)
    expect(git(repo.path, 'show', 'main:a.txt')).toBe('reviewed')
  })

  it('a pinned promotion of the workspace as it is evicts it (untilPromote)', async () => {
    const agent = session.forAgent()
    await agent.delete('d.txt')
    const head = await agent.commit('everything committed')
    await session.promote({ selector: { mode: 'all' }, at: head })
    expect(existsSync(session.workspacePath!)).toBe(false)
    expect(git(repo.path, 'show', 'main:c.txt')).toBe('never reviewed')
  })
})

describe('pinned promotion: GitHub branch workspace', () => {
  it('promotes the reviewed commit by id while the branch moved on, and keeps the branch', async () => {
    const h = await githubHarness({ 'a.txt': 'a\n' })
    try {
      const session = await h.gittrix.startSession({ task: 'pin me' })
      const reviewed = h.push(session.id, { 'a.txt': 'reviewed\n' })
      const later = h.push(session.id, { 'a.txt': 'later\n', 'evil.txt': 'x\n' })
      const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit', at: reviewed })
      expect(outcome).toMatchObject({ files: ['a.txt'], at: reviewed })
      const main = h.api.files('main')
      expect(main.get('a.txt')!.bytes.toString()).toBe('reviewed\n')
      expect(main.has('evil.txt')).toBe(false)
      expect(h.api.head(`gittrix/${session.id}`)).toBe(later)
    } finally {
      await h.close()
    }
  })

  it('refuses, writing nothing, a commit that does not descend from the baseline', async () => {
    const h = await githubHarness({ 'a.txt': 'a\n' })
    try {
      const older = h.initial
      h.api.commit('main', { 'a.txt': 'b\n' })
      const session = await h.gittrix.startSession({ task: 'pin me' })
      h.push(session.id, { 'a.txt': 'session\n' })
      const unrelated = h.api.commit('elsewhere', { 'x.txt': 'x\n' }, { from: null })
      const mark = h.api.log.length
      for (const at of [older, unrelated, 'f'.repeat(40)])
        await expectCode(session.promote({ selector: { mode: 'all' }, at }), 'INVALID_ARGUMENT')
      expect(h.since(mark).filter((r) => r.method !== 'GET')).toEqual([])
      expect((await session.info()).state).toBe('active')
    } finally {
      await h.close()
    }
  })
})

describe('the GitHub session diff takes GitHub’s own hunks for whole-file-only changes', () => {
  it('equals `git diff` of the baseline and the head (hunk ids aside), reading only hunk-promotable files', async () => {
    const h = await githubHarness({
      'README.md': '# Title\n\nline 2\nline 3\n',
      'gone.txt': 'bye\n',
      'script.sh': '#!/bin/sh\n',
      'image.bin': Buffer.from([0x89, 0x50, 0, 1, 2]),
      'no-eol.txt': 'last',
    })
    try {
      const session = await h.gittrix.startSession({ task: 'diff' })
      const head = h.push(session.id, {
        'README.md': '# Title\n\nline 2 changed\nline 3\n',
        'gone.txt': null,
        'script.sh': { content: '#!/bin/sh\n', executable: true },
        'image.bin': Buffer.from([0x89, 0x50, 0, 9, 9]),
        'no-eol.txt': 'last, still no newline',
        'new/file.ts': 'export {}\n',
        'empty.txt': '',
        link: { symlink: 'README.md' },
      })
      const mark = h.api.log.length
      const diff = await session.diffDetails()
      // Only the two text files whose content changed (their hunks carry ids) read their blobs.
      const read = h
        .since(mark)
        .filter((r) => r.route === ROUTES.getBlob)
        .map((r) => r.path.split('/').at(-1))
      const sides = ['README.md', 'no-eol.txt'].flatMap((path) =>
        [h.initial, head].map((rev) =>
          h.api
            .gitBytes(['rev-parse', `${rev}:${path}`])
            .toString()
            .trim(),
        ),
      )
      expect(read.sort()).toEqual(sides.sort())
      const expected = h.api
        .gitBytes(['diff', '--no-renames', '--no-color', '--no-ext-diff', h.initial, head])
        .toString('utf8')
      expect(diff.patch.replace(/ \[h:[0-9a-f]{8}\]$/gm, '')).toBe(expected)
      expect(diff.files.find((f) => f.path === 'README.md')!.hunks).toHaveLength(1)
      expect(diff.files.find((f) => f.path === 'image.bin')).toMatchObject({ binary: true })
      expect(diff.files.find((f) => f.path === 'README.md')).toMatchObject({ additions: 1, deletions: 1 })
    } finally {
      await h.close()
    }
  })
})
