/**
 * GitTrix.forkSession(): a new session from any commit of an existing session's workspace, on the
 * same baseline, for every local workspace kind.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  GitTrix,
  type LocalWorkspaceKind,
  LocalDurableAdapter,
  LocalEphemeralAdapter,
  type UserSession,
} from '../../src/index.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'

describe.each<LocalWorkspaceKind>(['clone', 'worktree', 'copy'])('forkSession (%s workspaces)', (kind) => {
  let repo: { path: string; head: string }
  let store: string
  let gittrix: GitTrix
  let source: UserSession

  beforeEach(async () => {
    repo = makeRepo({ 'a.txt': 'a0\n', 'b.txt': 'b0\n' })
    store = tempDir()
    gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind }),
      storeDir: store,
      sweepIntervalMs: 0,
    })
    source = await gittrix.startSession({ task: 'source task' })
  })
  afterEach(async () => {
    await gittrix.close()
    cleanup(repo.path, store)
  })

  async function twoCheckpoints(): Promise<{ first: string; second: string }> {
    const agent = source.forAgent()
    await agent.write('a.txt', 'a1\n')
    const first = await agent.commit('step 1')
    await agent.write('b.txt', 'b1\n')
    await agent.write('c.txt', 'new\n')
    const second = await agent.commit('step 2')
    return { first, second }
  }

  it('starts from an earlier commit, keeps the baseline, and leaves the source alone', async () => {
    const { first } = await twoCheckpoints()
    await source.forAgent().write('a.txt', 'uncommitted in the source\n')

    const fork = await gittrix.forkSession(source.id, { at: first, task: 'try another way' })
    const meta = await fork.info()
    expect(meta.id).not.toBe(source.id)
    expect(meta.task).toBe('try another way')
    expect(meta.baselineSha).toBe(repo.head)
    expect(meta.durableBranch).toBe('main')
    expect(meta.workspaceKind).toBe(kind)
    expect(fork.workspacePath).not.toBe(source.workspacePath)
    expect(readFileSync(join(fork.workspacePath!, 'a.txt'), 'utf8')).toBe('a1\n')
    expect(readFileSync(join(fork.workspacePath!, 'b.txt'), 'utf8')).toBe('b0\n')
    expect(existsSync(join(fork.workspacePath!, 'c.txt'))).toBe(false)
    expect((await fork.touchedFiles()).map((f) => f.path)).toEqual(['a.txt'])

    // The source is untouched, uncommitted work included.
    expect(readFileSync(join(source.workspacePath!, 'a.txt'), 'utf8')).toBe('uncommitted in the source\n')
    expect((await source.touchedFiles()).map((f) => f.path).sort()).toEqual(['a.txt', 'b.txt', 'c.txt'])

    // The fork is a session like any other: it diverges and promotes on its own.
    await fork.forAgent().write('d.txt', 'fork only\n')
    const result = await fork.promote({ selector: { mode: 'all' }, message: 'from the fork' })
    expect(git(repo.path, 'rev-parse', 'main')).toBe(result.sha)
    expect(
      git(repo.path, 'diff-tree', '--no-commit-id', '--name-only', '-r', result.sha).split('\n'),
    ).toEqual(['a.txt', 'd.txt'])
    expect(readFileSync(join(source.workspacePath!, 'a.txt'), 'utf8')).toBe('uncommitted in the source\n')
  })

  it("defaults to the source's current commit", async () => {
    const { second } = await twoCheckpoints()
    const fork = await gittrix.forkSession(source.id)
    expect((await fork.info()).task).toBe('source task')
    expect((await fork.touchedFiles()).map((f) => f.path).sort()).toEqual(['a.txt', 'b.txt', 'c.txt'])
    expect(readFileSync(join(fork.workspacePath!, 'c.txt'), 'utf8')).toBe('new\n')
    if (kind !== 'copy') expect(git(fork.workspacePath!, 'rev-parse', 'HEAD')).toBe(second)
  })

  it('refuses a commit that is not part of the session, and leaves nothing behind', async () => {
    await twoCheckpoints()
    const before = readdirSync(store).sort()
    const parent = git(repo.path, 'rev-parse', 'main')
    git(repo.path, 'commit', '-q', '--allow-empty', '-m', 'durable moves on')
    const after = git(repo.path, 'rev-parse', 'main')
    expect(after).not.toBe(parent)
    await expect(gittrix.forkSession(source.id, { at: after })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(gittrix.forkSession(source.id, { at: 'HEAD; rm -rf /' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    expect(readdirSync(store).sort()).toEqual(before)
  })

  it('refuses a discarded source and an unknown id', async () => {
    await source.discard()
    await expect(gittrix.forkSession(source.id)).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
    await expect(gittrix.forkSession('no-such-session')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' })
  })
})
