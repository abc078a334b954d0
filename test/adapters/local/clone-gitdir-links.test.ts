/**
 * An agent confined to its clone workspace (what `gittrix run` grants: the workspace, `.git` included,
 * read-write) replaces directories inside its `.git` with symlinks into the durable repository's
 * `.git` (`refs/heads`, `objects`) and points `HEAD` at `refs/heads/main`. A symlink's target is only
 * text, so this works even where the durable repository is hidden. Gittrix's next checkpoint must not
 * write through them: it refuses with `WORKSPACE_INVALID`, and durable `main` stays put.
 */
import { readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter } from '../../../src/index.ts'
import { cleanup, git, makeRepo, tempDir } from '../../support/git-fixtures.ts'

describe("symlinks inside a clone workspace's .git", () => {
  let repo: { path: string; head: string }
  let store: string
  beforeEach(() => {
    repo = makeRepo({ 'README.md': '# Project\n' })
    store = tempDir()
  })
  afterEach(() => cleanup(repo.path, store))

  /** A session in a clone workspace of `repo`. */
  function startCloneSession() {
    return new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
      storeDir: store,
      sweepIntervalMs: 0,
    }).startSession({ task: 'anything' })
  }

  it.each([
    ['refs/heads and objects', 'symlinks'],
    ['refs/heads only', 'refs'],
    ['a commondir file, no symlink', 'commondir'],
  ] as const)('a checkpoint does not move durable main (%s)', async (_name, how) => {
    const session = await startCloneSession()
    const ws = session.workspacePath!
    const durableGit = join(repo.path, '.git')
    // The agent, inside its workspace only:
    writeFileSync(join(ws, 'evil.txt'), 'never reviewed\n')
    if (how === 'commondir') {
      // git reads refs (and Gittrix its objects) from the directory a `commondir` file names.
      writeFileSync(join(ws, '.git', 'commondir'), `${durableGit}\n`)
    } else {
      rmSync(join(ws, '.git', 'refs', 'heads'), { recursive: true, force: true })
      symlinkSync(join(durableGit, 'refs', 'heads'), join(ws, '.git', 'refs', 'heads'))
    }
    if (how === 'symlinks') {
      rmSync(join(ws, '.git', 'objects'), { recursive: true, force: true })
      symlinkSync(join(durableGit, 'objects'), join(ws, '.git', 'objects'))
    }
    writeFileSync(join(ws, '.git', 'HEAD'), 'ref: refs/heads/main\n')

    let outcome: string
    try {
      outcome = `committed ${await session.forAgent().commit('checkpoint')}`
    } catch (error) {
      outcome = `refused: ${(error as { code?: string }).code ?? (error as Error).message}`
    }
    expect(git(repo.path, 'rev-parse', 'refs/heads/main')).toBe(repo.head)
    expect(outcome).toBe('refused: WORKSPACE_INVALID')
  })

  it.each([
    ['an object fan-out directory', 'objects/ab'],
    ['the index', 'index'],
    ['config', 'config'],
  ])('a checkpoint writes no host file through a symlink at %s', async (_name, path) => {
    const session = await startCloneSession()
    const ws = session.workspacePath!
    // A host file or directory the agent can name but not write (from inside `gittrix run`).
    const host = tempDir()
    const target = path === 'objects/ab' ? host : join(host, 'victim')
    if (path !== 'objects/ab') writeFileSync(target, 'untouched\n')
    rmSync(join(ws, '.git', path), { recursive: true, force: true })
    symlinkSync(target, join(ws, '.git', path))
    writeFileSync(join(ws, 'evil.txt'), 'never reviewed\n')
    try {
      await expect(session.forAgent().commit('checkpoint')).rejects.toMatchObject({
        code: 'WORKSPACE_INVALID',
      })
      if (path === 'objects/ab') expect(readdirSync(host)).toEqual([])
      else expect(readFileSync(target, 'utf8')).toBe('untouched\n')
    } finally {
      cleanup(host)
    }
  })
})
