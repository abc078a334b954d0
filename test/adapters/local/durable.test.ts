/**
 * LocalDurableAdapter beyond the shared contract: the user's index and working tree. A branch that is
 * not checked out is written with plumbing only; a checked-out branch's work tree is fast-forwarded
 * for the promoted paths when they are clean there, and otherwise nothing is written (WORKTREE_DIRTY).
 */
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { PromotedPath } from '../../../src/core/adapters.ts'
import { DURABLE_SEED } from '../contract/durable-contract.ts'
import {
  expectCode,
  gitBlobId,
  memoryBlobSource,
  resolveSeed,
  type SeedFiles,
  utf8,
} from '../contract/fixtures.ts'
import {
  fastImportCommit,
  gitTry,
  type LocalDurableFixture,
  localDurableFixture,
  makeLocalRepo,
} from './fixtures.ts'
import { cleanup, git, writeFiles } from '../../support/git-fixtures.ts'

const made: LocalDurableFixture[] = []
const extraDirs: string[] = []
async function setup(): Promise<LocalDurableFixture> {
  const fx = await localDurableFixture('checked-out')(DURABLE_SEED)
  made.push(fx)
  return fx
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((f) => f.cleanup()))
  cleanup(...extraDirs.splice(0))
})

function request(changes: SeedFiles): { paths: PromotedPath[]; contents: Buffer[] } {
  const paths: PromotedPath[] = []
  const contents: Buffer[] = []
  for (const [path, file] of Object.entries(changes)) {
    if (file === null) paths.push({ path, mode: null, oid: null })
    else {
      const { mode, bytes } = resolveSeed(file)
      paths.push({ path, mode, oid: gitBlobId(bytes) })
      contents.push(bytes)
    }
  }
  return { paths, contents }
}

/** Everything a user could lose: index bytes, status, and the content of the given work-tree files. */
function userState(fx: LocalDurableFixture, files: string[]) {
  const read = (p: string) => {
    const full = join(fx.repo.path, p)
    if (!existsSync(full)) return null
    return lstatSync(full).isSymbolicLink() ? `link:${readlinkSync(full)}` : readFileSync(full, 'utf8')
  }
  return {
    index: createHash('sha256')
      .update(readFileSync(join(fx.repo.gitDir, 'index')))
      .digest('hex'),
    status: git(fx.repo.path, 'status', '--porcelain=v1', '--untracked-files=all'),
    head: git(fx.repo.path, 'rev-parse', 'HEAD'),
    symbolic: git(fx.repo.path, 'symbolic-ref', 'HEAD'),
    files: Object.fromEntries(files.map((p) => [p, read(p)])),
  }
}

const PROMOTION: SeedFiles = {
  'README.md': '# Promoted\n',
  'new/added.txt': 'added by promotion\n',
  'del/me.txt': null,
  'scripts/build.sh': { content: '#!/bin/sh\necho build\n', executable: true },
  'link-new': { symlink: 'README.md' },
}

describe('LocalDurableAdapter and the user work tree', () => {
  it('never touches the index or work tree when the promoted branch is not checked out', async () => {
    const fx = await setup()
    const other = await fx.commit({ 'other.txt': 'other\n' }, { branch: 'other', from: fx.initial })
    // Local changes on main in exactly the paths promoted to `other`.
    writeFiles(fx.repo.path, { 'README.md': '# local edit\n', 'new/added.txt': 'untracked here\n' })
    writeFiles(fx.repo.path, { 'src/app.ts': 'staged\n' })
    git(fx.repo.path, 'add', 'src/app.ts')
    const watched = ['README.md', 'new/added.txt', 'src/app.ts', 'del/me.txt', 'scripts/build.sh', 'link-new']
    const before = userState(fx, watched)

    const { paths, contents } = request({ ...PROMOTION, 'src/app.ts': 'promoted\n' })
    const moved = await fx.adapter.applyCommit({
      branch: 'other',
      parent: other,
      expectedOld: other,
      paths,
      blobs: memoryBlobSource(contents),
      message: 'to other\n',
    })
    expect(moved.moved).toBe(true)
    const created = await fx.adapter.applyCommit({
      branch: 'brand-new',
      parent: fx.initial,
      expectedOld: null,
      paths,
      blobs: memoryBlobSource(contents),
      message: 'to a new branch\n',
    })
    expect(created.moved).toBe(true)
    expect(userState(fx, watched)).toEqual(before)
    expect(git(fx.repo.path, 'show', 'other:README.md')).toBe('# Promoted')
  })

  it('fast-forwards the checked-out work tree for promoted paths; unrelated local changes survive', async () => {
    const fx = await setup()
    // Unrelated local work: an unstaged edit, a staged edit, an untracked file.
    writeFiles(fx.repo.path, { 'docs/guide.md': 'unstaged edit\n', 'scratch.txt': 'untracked\n' })
    writeFiles(fx.repo.path, { 'src2/other.ts': 'staged edit\n' })
    git(fx.repo.path, 'add', 'src2/other.ts')
    const statusBefore = git(fx.repo.path, 'status', '--porcelain=v1', '--untracked-files=all')
    expect(statusBefore.split('\n')).toHaveLength(3)

    const { paths, contents } = request(PROMOTION)
    const result = await fx.adapter.applyCommit({
      branch: 'main',
      parent: fx.initial,
      expectedOld: fx.initial,
      paths,
      blobs: memoryBlobSource(contents),
      message: 'promote\n',
    })
    expect(result.moved).toBe(true)
    if (!result.moved) return
    expect(git(fx.repo.path, 'rev-parse', 'HEAD')).toBe(result.sha)
    expect(git(fx.repo.path, 'status', '--porcelain=v1', '--untracked-files=all')).toBe(statusBefore)
    expect(readFileSync(join(fx.repo.path, 'README.md'), 'utf8')).toBe('# Promoted\n')
    expect(readFileSync(join(fx.repo.path, 'new/added.txt'), 'utf8')).toBe('added by promotion\n')
    expect(existsSync(join(fx.repo.path, 'del/me.txt'))).toBe(false)
    expect(statSync(join(fx.repo.path, 'scripts/build.sh')).mode & 0o111).not.toBe(0)
    expect(readlinkSync(join(fx.repo.path, 'link-new'))).toBe('README.md')
    // The unrelated work is exactly as it was.
    expect(readFileSync(join(fx.repo.path, 'docs/guide.md'), 'utf8')).toBe('unstaged edit\n')
    expect(readFileSync(join(fx.repo.path, 'scratch.txt'), 'utf8')).toBe('untracked\n')
    expect(git(fx.repo.path, 'diff', '--cached', '--name-only')).toBe('src2/other.ts')
    expect(git(fx.repo.path, 'show', ':src2/other.ts')).toBe('staged edit')
  })

  it('leaves a clean checkout clean (git status empty) after promotion', async () => {
    const fx = await setup()
    const { paths, contents } = request(PROMOTION)
    const result = await fx.adapter.applyCommit({
      branch: 'main',
      parent: fx.initial,
      expectedOld: fx.initial,
      paths,
      blobs: memoryBlobSource(contents),
      message: 'promote\n',
    })
    expect(result.moved).toBe(true)
    expect(git(fx.repo.path, 'status', '--porcelain=v1', '--untracked-files=all')).toBe('')
    expect(git(fx.repo.path, 'diff', 'HEAD', '--stat')).toBe('')
  })

  it('fast-forwards a linked worktree where the branch is checked out', async () => {
    const fx = await setup()
    const base = await fx.commit({}, { branch: 'linked', from: fx.initial })
    const linked = `${fx.repo.path}-linked`
    extraDirs.push(linked)
    git(fx.repo.path, 'worktree', 'add', '--quiet', linked, 'linked')
    const { paths, contents } = request({ 'README.md': '# Into the linked worktree\n' })
    const result = await fx.adapter.applyCommit({
      branch: 'linked',
      parent: base,
      expectedOld: base,
      paths,
      blobs: memoryBlobSource(contents),
      message: 'linked\n',
    })
    expect(result.moved).toBe(true)
    expect(readFileSync(join(linked, 'README.md'), 'utf8')).toBe('# Into the linked worktree\n')
    expect(git(linked, 'status', '--porcelain')).toBe('')
    // The main checkout (on main) is untouched.
    expect(readFileSync(join(fx.repo.path, 'README.md'), 'utf8')).toBe('# Project\n')
  })

  const dirty: { name: string; dirty: (fx: LocalDurableFixture) => void; path: string }[] = [
    {
      name: 'an unstaged modification of a promoted path',
      path: 'README.md',
      dirty: (fx) => writeFiles(fx.repo.path, { 'README.md': '# my local edit\n' }),
    },
    {
      name: 'a staged change of a promoted path',
      path: 'README.md',
      dirty: (fx) => {
        writeFiles(fx.repo.path, { 'README.md': '# my staged edit\n' })
        git(fx.repo.path, 'add', 'README.md')
      },
    },
    {
      name: 'an untracked file at a path the promotion adds',
      path: 'new/added.txt',
      dirty: (fx) => writeFiles(fx.repo.path, { 'new/added.txt': 'my untracked notes\n' }),
    },
    {
      name: 'a local edit of a path the promotion deletes',
      path: 'del/me.txt',
      dirty: (fx) => writeFiles(fx.repo.path, { 'del/me.txt': 'I still need this\n' }),
    },
  ]

  it.each(dirty)('refuses with WORKTREE_DIRTY and writes nothing when there is $name', async (scenario) => {
    const fx = await setup()
    scenario.dirty(fx)
    const watched = [...Object.keys(PROMOTION), 'docs/guide.md']
    const before = userState(fx, watched)
    const { paths, contents } = request(PROMOTION)
    const error = await expectCode(
      fx.adapter.applyCommit({
        branch: 'main',
        parent: fx.initial,
        expectedOld: fx.initial,
        paths,
        blobs: memoryBlobSource(contents),
        message: 'promote\n',
      }),
      'WORKTREE_DIRTY',
    )
    expect(error.message).toContain(scenario.path)
    expect(await fx.head('main')).toBe(fx.initial)
    // Index, status and every promoted path's file (clean ones too) are exactly as before.
    expect(userState(fx, watched)).toEqual(before)
  })

  it('reports a lost race (moved: false), not WORKTREE_DIRTY, and leaves the checkout alone', async () => {
    const fx = await setup()
    const newer = await fx.commit({ 'README.md': '# newer\n' })
    const before = userState(fx, ['README.md'])
    const { paths, contents } = request({ 'README.md': '# stale promotion\n' })
    const result = await fx.adapter.applyCommit({
      branch: 'main',
      parent: fx.initial,
      expectedOld: fx.initial,
      paths,
      blobs: memoryBlobSource(contents),
      message: 'stale\n',
    })
    expect(result).toEqual({ moved: false, current: newer })
    expect(userState(fx, ['README.md'])).toEqual(before)
  })

  it('copies blobs from blobs.gitDir (the local fast path) without calling readBlobs', async () => {
    const fx = await setup()
    const source = makeLocalRepo('bare')
    extraDirs.push(source.path)
    const content = utf8('only in the source repository\n')
    fastImportCommit(source.gitDir, { branch: 'main', files: { 'x.txt': content } })
    const oid = gitBlobId(content)
    expect(gitTry(fx.repo.path, ['cat-file', '-e', oid]).status).not.toBe(0)
    const result = await fx.adapter.applyCommit({
      branch: 'main',
      parent: fx.initial,
      expectedOld: fx.initial,
      paths: [{ path: 'x.txt', mode: '100644', oid }],
      blobs: {
        gitDir: source.gitDir,
        readBlobs: async () => {
          throw new Error('readBlobs must not be needed when gitDir has the blobs')
        },
      },
      message: 'fast path\n',
    })
    expect(result.moved).toBe(true)
    expect(git(fx.repo.path, 'show', 'main:x.txt')).toBe('only in the source repository')
    expect(readFileSync(join(fx.repo.path, 'x.txt'), 'utf8')).toBe('only in the source repository\n')
  })
})
