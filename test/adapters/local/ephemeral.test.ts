/**
 * LocalEphemeralAdapter beyond the shared contract: what each workspace kind is on disk, what an agent
 * with a shell can and cannot do there, and that direct edits (fs, git) are seen.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { LocalWorkspaceKind } from '../../../src/adapters/local/ephemeral.ts'
import { openWorkspace } from '../contract/ephemeral-contract.ts'
import { utf8 } from '../contract/fixtures.ts'
import { gitTry, type LocalEphemeralFixture, localEphemeralFixture } from './fixtures.ts'
import { git } from '../../support/git-fixtures.ts'

const BASE = {
  'README.md': '# Project\n',
  'src/app.ts': 'export const app = 1\n',
  'src/deep/util.ts': 'export const util = 2\n',
}

const made: {
  fx: LocalEphemeralFixture
  handles: Parameters<LocalEphemeralFixture['adapter']['destroy']>[0][]
}[] = []
async function setup(kind: LocalWorkspaceKind) {
  const fx = await localEphemeralFixture(kind)()
  const entry = { fx, handles: [] as (typeof made)[number]['handles'] }
  made.push(entry)
  const ws = await openWorkspace(fx, BASE)
  entry.handles.push(ws.handle)
  return { fx, ...ws, root: ws.info.ephemeralPath! }
}
afterEach(async () => {
  for (const { fx, handles } of made.splice(0)) {
    for (const handle of handles) await fx.adapter.destroy(handle).catch(() => {})
    await fx.cleanup()
  }
})

function durableState(fx: LocalEphemeralFixture) {
  return {
    index: createHash('sha256')
      .update(readFileSync(join(fx.repo.gitDir, 'index')))
      .digest('hex'),
    status: git(fx.repo.path, 'status', '--porcelain=v1', '--untracked-files=all'),
    refs: git(fx.repo.path, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads'),
  }
}

const KINDS: LocalWorkspaceKind[] = ['clone', 'worktree', 'copy']

describe.each(KINDS)('LocalEphemeralAdapter (%s)', (kind) => {
  it('names the workspace local-<kind>:// under sessionsRootDir and leaves the durable checkout alone', async () => {
    const { fx, info, handle, root } = await setup(kind)
    expect(info.ephemeralRef.startsWith(`local-${kind}://`)).toBe(true)
    expect(root.startsWith(fx.sessionsRoot)).toBe(true)
    expect(info.isGitBacked).toBe(kind !== 'copy')
    const before = durableState(fx)
    await fx.adapter.write(handle, 'src/app.ts', utf8('agent edit\n'))
    await fx.adapter.snapshot(handle)
    await fx.adapter.commit(handle, 'agent commit')
    expect({ ...durableState(fx), refs: undefined }).toEqual({ ...before, refs: undefined })
    if (kind !== 'worktree') expect(durableState(fx).refs).toBe(before.refs)
    expect(readFileSync(join(fx.repo.path, 'src/app.ts'), 'utf8')).toBe('export const app = 1\n')
  })

  it('sees files the agent edits directly on disk, and lastChangeAt moves forward', async () => {
    const { fx, handle, root } = await setup(kind)
    const first = await fx.adapter.lastChangeAt(handle)
    expect(first).not.toBeNull()
    await writeFile(join(root, 'src/deep/util.ts'), 'edited with fs\n')
    await writeFile(join(root, 'direct-new.txt'), 'created with fs\n')
    // Pin the edit's time after `first`, whatever the file system's timestamp granularity.
    const later = new Date(Math.ceil(first!) + 5_000)
    await utimes(join(root, 'src/deep/util.ts'), later, later)
    const after = await fx.adapter.lastChangeAt(handle)
    expect(after).toBeGreaterThan(first!)
    expect(after).toBeGreaterThan(first! + 4_000)
    const snap = await fx.adapter.snapshot(handle)
    expect(snap.changes.map((c) => [c.path, c.status])).toEqual([
      ['direct-new.txt', 'added'],
      ['src/deep/util.ts', 'modified'],
    ])
  })

  it('leaves nothing behind when create fails (unknown baseline)', async () => {
    const fx = await localEphemeralFixture(kind)()
    made.push({ fx, handles: [] })
    const worktreesBefore = git(fx.repo.path, 'worktree', 'list', '--porcelain')
    const sessionDir = fx.sessionDir('broken')
    await expect(
      fx.adapter.create({
        sessionId: 'broken',
        sessionDir,
        baselineSha: 'f'.repeat(40),
        durable: fx.durable,
      }),
    ).rejects.toThrow()
    expect(existsSync(join(fx.sessionsRoot, 'broken'))).toBe(false)
    expect(existsSync(join(sessionDir, 'ephemeral'))).toBe(false)
    expect(git(fx.repo.path, 'worktree', 'list', '--porcelain')).toBe(worktreesBefore)
  })

  it('destroy removes the workspace and its private state', async () => {
    const { fx, handle, root } = await setup(kind)
    await fx.adapter.destroy(handle)
    expect(existsSync(root)).toBe(false)
    expect(existsSync(join(handle.sessionDir, 'ephemeral'))).toBe(false)
    expect(git(fx.repo.path, 'worktree', 'list', '--porcelain')).not.toContain(root)
    await fx.adapter.destroy(handle)
  })
})

describe.each(['clone', 'worktree'] as const)('LocalEphemeralAdapter (%s) private git directory', (kind) => {
  it('is rebuilt when a process killed while making it left it half-made (a config.lock from git init)', async () => {
    const { fx, handle } = await setup(kind)
    const privateDir = join(handle.sessionDir, 'ephemeral', 'private.git')
    await rm(privateDir, { recursive: true, force: true })
    // What `kill -9` during `git init` leaves: the directory, a config lock, no alternates yet.
    await mkdir(privateDir)
    await writeFile(join(privateDir, 'config.lock'), '')
    await fx.adapter.write(handle, 'src/app.ts', utf8('after the crash\n'))
    const snap = await fx.adapter.snapshot(handle)
    expect(snap.changes.map((c) => c.path)).toEqual(['src/app.ts'])
    expect(existsSync(join(privateDir, 'config.lock'))).toBe(false)
  })
})

describe.each(['clone', 'worktree'] as const)(
  "LocalEphemeralAdapter (%s) checkpoint and the agent's index",
  (kind) => {
    it("brings the agent's index to the checkpoint: the agent's git sees a clean work tree", async () => {
      const { fx, handle, root } = await setup(kind)
      await fx.adapter.write(handle, 'src/app.ts', utf8('agent edit\n'))
      await fx.adapter.write(handle, 'new/file.txt', utf8('new\n'))
      await fx.adapter.delete(handle, 'src/deep/util.ts')
      const sha = await fx.adapter.commit(handle, 'checkpoint')
      expect(git(root, 'rev-parse', 'HEAD')).toBe(sha)
      expect(git(root, 'status', '--porcelain=v1', '--untracked-files=all')).toBe('')
      expect(git(root, 'ls-files')).toBe(git(root, 'ls-tree', '-r', '--name-only', sha))
      // An edit made after the checkpoint still shows (stat data is not trusted blindly).
      await writeFile(join(root, 'README.md'), '# Changed after\n')
      expect(git(root, 'diff', '--name-only')).toBe('README.md')
    })

    it("never writes over an index.lock the agent's git holds (nor through a symlink there)", async () => {
      const { fx, handle, root } = await setup(kind)
      const index = git(root, 'rev-parse', '--path-format=absolute', '--git-path', 'index')
      const outside = join(handle.sessionDir, 'outside-target')
      await writeFile(outside, 'not an index\n')
      await symlink(outside, `${index}.lock`)
      await fx.adapter.write(handle, 'src/app.ts', utf8('agent edit\n'))
      const indexBefore = readFileSync(index)
      const error = await fx.adapter.commit(handle, 'checkpoint').catch((e: unknown) => e)
      // git's own refusal (the lock is taken), as when the agent's git is running.
      expect((error as { code?: string }).code).toBe('GIT_FAILED')
      expect(readFileSync(outside, 'utf8')).toBe('not an index\n')
      expect(readFileSync(index).equals(indexBefore)).toBe(true)
    })
  },
)

describe('LocalEphemeralAdapter clone', () => {
  it('has no remote pointing at the durable repository', async () => {
    const { root } = await setup('clone')
    expect(git(root, 'remote')).toBe('')
    expect(gitTry(root, ['config', '--get-regexp', '^(remote|branch)\\.']).stdout).toBe('')
  })

  it('refuses `git push <durable> HEAD:refs/heads/main` (pre-push guard); durable refs stay put', async () => {
    const { fx, root } = await setup('clone')
    await writeFile(join(root, 'README.md'), '# pushed by the agent\n')
    git(root, 'commit', '-qam', 'agent work')
    const before = durableState(fx)
    for (const refspec of ['HEAD:refs/heads/main', 'HEAD:refs/heads/sneaky']) {
      const push = gitTry(root, ['push', fx.repo.path, refspec])
      expect(push.status, refspec).not.toBe(0)
      expect(push.stderr).toMatch(/gittrix|transport 'file' not allowed/)
    }
    expect(durableState(fx)).toEqual(before)
    expect(gitTry(fx.repo.path, ['rev-parse', '--verify', '--quiet', 'refs/heads/sneaky']).status).not.toBe(0)
  })

  it('refuses the push with --no-verify too (push URLs to the durable repository are rewritten)', async () => {
    const { fx, root } = await setup('clone')
    await writeFile(join(root, 'README.md'), '# pushed by the agent\n')
    git(root, 'commit', '-qam', 'agent work')
    const before = durableState(fx)
    const gitDir = git(fx.repo.path, 'rev-parse', '--absolute-git-dir')
    for (const url of [fx.repo.path, `file://${fx.repo.path}`, gitDir]) {
      // A new branch: git itself would refuse a push to the checked-out main.
      const push = gitTry(root, ['push', '--no-verify', url, 'HEAD:refs/heads/sneaky'])
      expect(push.status, url).not.toBe(0)
    }
    expect(durableState(fx)).toEqual(before)
    expect(gitTry(fx.repo.path, ['rev-parse', '--verify', '--quiet', 'refs/heads/sneaky']).status).not.toBe(0)
  })

  it("counts the agent's own git commits (edits, git rm) and never touches the agent's index", async () => {
    const { fx, handle, root } = await setup('clone')
    await writeFile(join(root, 'README.md'), '# committed by the agent\n')
    git(root, 'rm', '-q', 'src/deep/util.ts')
    git(root, 'commit', '-qam', 'agent commit')
    await writeFile(join(root, 'untracked.txt'), 'not added by the agent\n')
    const statusBefore = git(root, 'status', '--porcelain=v1')
    const snap = await fx.adapter.snapshot(handle)
    expect(snap.changes.map((c) => [c.path, c.status])).toEqual([
      ['README.md', 'modified'],
      ['src/deep/util.ts', 'deleted'],
      ['untracked.txt', 'added'],
    ])
    expect(git(root, 'status', '--porcelain=v1')).toBe(statusBefore)
    expect(statusBefore).toBe('?? untracked.txt')
  })
})

describe('LocalEphemeralAdapter worktree', () => {
  it('shares refs with the durable repository (documented opt-in): a branch made in the workspace appears there', async () => {
    const { fx, root } = await setup('worktree')
    git(root, 'branch', 'made-by-agent')
    expect(git(fx.repo.path, 'rev-parse', 'refs/heads/made-by-agent')).toBe(git(root, 'rev-parse', 'HEAD'))
  })
})

describe('LocalEphemeralAdapter copy', () => {
  it('has no .git in the workspace, yet snapshots and commits work', async () => {
    const { fx, handle, root } = await setup('copy')
    expect(existsSync(join(root, '.git'))).toBe(false)
    await writeFile(join(root, 'README.md'), '# edited\n')
    const sha = await fx.adapter.commit(handle, 'checkpoint')
    expect(sha).toMatch(/^[0-9a-f]{40}$/)
    expect(existsSync(join(root, '.git'))).toBe(false)
    expect((await fx.adapter.snapshot(handle)).changes.map((c) => c.path)).toEqual(['README.md'])
  })
})
