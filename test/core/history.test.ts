/**
 * Session history through the library, for every local workspace kind: log (checkpoints newest
 * first, the agent's own git commits included, notes read back), show, diff between checkpoints,
 * restore (old head kept reachable, uncommitted work saved), checkpoint arguments refused unless they
 * are commits of the session, notes never in a promoted tree nor in the durable repository, and the
 * diff between attempts.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  GitTrix,
  LocalDurableAdapter,
  LocalEphemeralAdapter,
  type LocalWorkspaceKind,
  type UserSession,
} from '../../src/index.ts'
import { cleanup, git, GIT_ENV, makeRepo, tempDir } from '../support/git-fixtures.ts'

const CALL = {
  tool: 'write_file',
  argumentsDigest: `sha256:${'a'.repeat(64)}`,
  resultBytes: 12,
  durationMs: 3.5,
  errorCode: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  model: 'claude-test',
}

/** Every ref and object id of a repository (refs and `cat-file --batch-all-objects`). */
function everything(repoPath: string): { refs: string; objects: string[] } {
  return {
    refs: git(repoPath, 'for-each-ref', '--format=%(refname) %(objectname)'),
    objects: git(repoPath, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)').split('\n'),
  }
}

describe.each<LocalWorkspaceKind>(['clone', 'worktree', 'copy'])(
  'session history (%s workspaces)',
  (kind) => {
    let repo: { path: string; head: string }
    let store: string
    let gittrix: GitTrix
    let session: UserSession

    beforeEach(async () => {
      repo = makeRepo({ 'a.txt': 'a0\n', 'dir/b.txt': 'b0\n' })
      store = tempDir()
      gittrix = new GitTrix({
        durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
        ephemeral: new LocalEphemeralAdapter({ kind }),
        storeDir: store,
        sweepIntervalMs: 0,
      })
      session = await gittrix.startSession({ task: 'history' })
    })
    afterEach(async () => {
      await gittrix.close()
      cleanup(repo.path, store)
    })

    async function twoCheckpoints(): Promise<{ first: string; second: string }> {
      await session.write('a.txt', 'a1\n')
      const first = await session.commit('step 1')
      await session.write('dir/c.txt', 'c1\n')
      await session.delete('dir/b.txt')
      const second = await session.commit('step 2')
      return { first, second }
    }

    it('logs checkpoints newest first down to the baseline, with their tool-call and transcript notes', async () => {
      const { first, second } = await twoCheckpoints()
      await session.recordToolCalls(second, [CALL], { name: 'client', version: '1.0' })
      await session.recordToolCalls(second, [{ ...CALL, tool: 'commit', model: undefined }], null)
      const transcript = '{"role":"user","text":"hi"}\n{"role":"assistant","text":"ok"}\n'
      const attached = await session.attachTranscript(new TextEncoder().encode(transcript))
      expect(attached).toEqual({ at: second, bytes: transcript.length, lines: 2 })

      const log = await session.log()
      expect(log.map((c) => [c.sha, c.subject, c.baseline])).toEqual([
        [second, 'step 2', false],
        [first, 'step 1', false],
        [repo.head, 'initial', true],
      ])
      expect(log[0]!.toolCalls.map((c) => c.tool)).toEqual(['write_file', 'commit'])
      expect(log[0]!.toolCalls[0]).toEqual(CALL)
      expect(log[0]!.client).toEqual({ name: 'client', version: '1.0' })
      expect(log[0]!.transcript).toEqual({ bytes: transcript.length, lines: 2 })
      expect(log[1]!.toolCalls).toEqual([])
      expect(log[1]!.transcript).toBeNull()

      // The agent cannot forge or erase them from its own repository: they are not kept there.
      if (kind !== 'copy') {
        const forged = '{"gittrix":"tool-calls/1","client":null,"calls":[{"tool":"forged"}]}'
        git(session.workspacePath!, 'notes', '--ref=refs/notes/gittrix', 'add', '-f', '-m', forged, first)
        git(session.workspacePath!, 'notes', '--ref=refs/notes/gittrix', 'add', '-f', '-m', forged, second)
        const again = await session.log()
        expect(again[0]!.toolCalls.map((c) => c.tool)).toEqual(['write_file', 'commit'])
        expect(again[1]!.toolCalls).toEqual([])
      }
      expect(Buffer.from((await session.transcript(second.slice(0, 10)))!).toString()).toBe(transcript)
      expect(await session.log({ limit: 1 })).toHaveLength(1)
    })

    it('counts the agent’s own git commits as checkpoints', async () => {
      if (kind === 'copy') return // a copy has no .git the agent can commit with
      const ws = session.workspacePath!
      writeFileSync(join(ws, 'agent.txt'), 'by hand\n')
      execFileSync('git', ['add', 'agent.txt'], { cwd: ws, env: { ...process.env, ...GIT_ENV } })
      execFileSync('git', ['commit', '-q', '-m', 'agent commit'], {
        cwd: ws,
        env: { ...process.env, ...GIT_ENV },
      })
      const log = await session.log()
      expect(log.map((c) => c.subject)).toEqual(['agent commit', 'initial'])
      const shown = await session.show(log[0]!.sha, 'agent.txt')
      expect(shown.type === 'file' && Buffer.from(shown.bytes).toString()).toBe('by hand\n')
    })

    it('shows the tree or one file at a checkpoint', async () => {
      const { first, second } = await twoCheckpoints()
      const tree = await session.show(second)
      expect(tree.type === 'tree' && tree.entries.map((e) => e.path)).toEqual(['a.txt', 'dir/c.txt'])
      const dir = await session.show(first, 'dir')
      expect(dir.type === 'tree' && dir.entries.map((e) => e.path)).toEqual(['dir/b.txt'])
      const file = await session.show(first.slice(0, 8), 'a.txt')
      expect(file).toMatchObject({ type: 'file', at: first, path: 'a.txt', mode: '100644' })
      expect(file.type === 'file' && Buffer.from(file.bytes).toString()).toBe('a1\n')
      await expect(session.show(first, 'dir/c.txt')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      await expect(session.show(first, '../outside')).rejects.toMatchObject({ code: 'WRITE_REJECTED' })
    })

    it('diffs between checkpoints, and from a checkpoint to the workspace now', async () => {
      const { first, second } = await twoCheckpoints()
      const between = await session.diffDetails({ from: first, to: second })
      expect(between.files.map((f) => [f.path, f.status])).toEqual([
        ['dir/b.txt', 'deleted'],
        ['dir/c.txt', 'added'],
      ])
      await session.write('a.txt', 'a2\n')
      const now = await session.diff({ from: second })
      expect(now).toContain('-a1\n+a2\n')
      expect(now).not.toContain('dir/c.txt')
      const upTo = await session.diffDetails({ to: first })
      expect(upTo.files.map((f) => f.path)).toEqual(['a.txt'])
    })

    it('refuses checkpoint arguments that are not commits of this session, before any git runs on them', async () => {
      const { first } = await twoCheckpoints()
      // A durable commit after the baseline, and a commit of another session.
      writeFileSync(join(repo.path, 'later.txt'), 'later\n')
      git(repo.path, 'add', 'later.txt')
      git(repo.path, 'commit', '-q', '-m', 'later')
      const durableLater = git(repo.path, 'rev-parse', 'HEAD')
      const other = await gittrix.startSession({ task: 'other' })
      await other.write('x.txt', 'x\n')
      const foreign = await other.commit('foreign')
      for (const bad of [
        'HEAD',
        'main',
        '--output=/tmp/x',
        'a'.repeat(40),
        durableLater,
        foreign,
        '',
        'abc',
      ]) {
        await expect(session.show(bad), bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
        await expect(session.restore(bad), bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
        await expect(session.diff({ from: bad }), bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
        await expect(session.recordToolCalls(bad, [CALL], null), bad).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        })
      }
      expect((await session.log())[0]!.sha).not.toBe(first) // nothing moved
      await expect(session.attachTranscript(new TextEncoder().encode('not json\n'))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      })
    })

    it('restores the workspace to a checkpoint, saving uncommitted work and keeping the old head reachable', async () => {
      const { first, second } = await twoCheckpoints()
      await session.write('a.txt', 'uncommitted\n')
      const result = await session.restore(first)
      expect(result.to).toBe(first)
      expect(result.savedUncommitted).toBe(result.from)
      expect(result.savedRef).toMatch(
        kind === 'worktree'
          ? /^refs\/worktree\/gittrix\/restored\/\d{8}T\d{9}Z$/
          : /^refs\/gittrix\/restored\/\d{8}T\d{9}Z$/,
      )
      expect(Buffer.from(await session.read('a.txt')).toString()).toBe('a1\n')
      expect(Buffer.from(await session.read('dir/b.txt')).toString()).toBe('b0\n')
      await expect(session.read('dir/c.txt')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      expect((await session.log()).map((c) => c.sha)).toEqual([first, repo.head])
      expect(await session.diff()).toBe(await session.diff({ to: first }))

      // The old head: reachable through the ref, its parent is the second checkpoint, still showable.
      const saved = await session.show(result.from, 'a.txt')
      expect(saved.type === 'file' && Buffer.from(saved.bytes).toString()).toBe('uncommitted\n')
      const forward = await session.diffDetails({ from: first, to: second })
      expect(forward.files.map((f) => f.path)).toEqual(['dir/b.txt', 'dir/c.txt'])
      if (kind !== 'copy') {
        const ws = session.workspacePath!
        expect(git(ws, 'rev-parse', result.savedRef)).toBe(result.from)
        expect(git(ws, 'rev-parse', `${result.from}^`)).toBe(second)
        expect(git(ws, 'status', '--porcelain')).toBe('')
      }
      // And back again: restoring to the saved head brings the uncommitted work back.
      await session.restore(result.from)
      expect(Buffer.from(await session.read('a.txt')).toString()).toBe('uncommitted\n')
    })

    it('never promotes notes nor writes them, or restore refs, into the durable repository', async () => {
      const durableBefore = everything(repo.path)
      const { second } = await twoCheckpoints()
      await session.recordToolCalls(second, [CALL], { name: 'client', version: '1.0' })
      await session.attachTranscript(new TextEncoder().encode('{"secret":"transcript"}\n'))
      await session.restore(second)
      const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
      const promotedTree = git(repo.path, 'ls-tree', '-r', '--name-only', outcome.sha)
      expect(promotedTree.split('\n').sort()).toEqual(['a.txt', 'dir/c.txt'])
      const after = everything(repo.path)
      expect(after.refs).not.toMatch(/notes|gittrix\/restored/)
      // Every object the durable repository gained belongs to the promoted commit (or, for worktree
      // and copy workspaces whose objects live there, to the workspace's own checkpoints): no note blob.
      const gained = after.objects.filter((o) => !durableBefore.objects.includes(o))
      for (const oid of gained) {
        const type = git(repo.path, 'cat-file', '-t', oid)
        if (type === 'blob') expect(git(repo.path, 'cat-file', '-p', oid)).not.toMatch(/secret|write_file/)
      }
      expect(existsSync(join(repo.path, '.git', 'refs', 'notes'))).toBe(false)
    })
  },
)

describe('diff between attempts', () => {
  let repo: { path: string; head: string }
  let store: string
  let gittrix: GitTrix

  beforeEach(() => {
    repo = makeRepo({ 'a.txt': 'a0\n', 'b.txt': 'b0\n' })
    store = tempDir()
    gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter(),
      storeDir: store,
      sweepIntervalMs: 0,
    })
  })
  afterEach(async () => {
    await gittrix.close()
    cleanup(repo.path, store)
  })

  it('shows what attempt B holds that attempt A does not (forks of one session)', async () => {
    const source = await gittrix.startSession({ task: 'attempts' })
    await source.write('a.txt', 'a1\n')
    const at = await source.commit('shared step')
    const fork = await gittrix.forkSession(source.id, { at })
    await source.write('b.txt', 'b from A\n')
    await fork.write('b.txt', 'b from B\n')
    await fork.write('only-b.txt', 'new in B\n') // uncommitted: counted
    await source.write('only-a.txt', 'new in A\n')
    const diff = await gittrix.diff(source.id, fork.id)
    expect(diff.files.map((f) => [f.path, f.status])).toEqual([
      ['b.txt', 'modified'],
      ['only-a.txt', 'deleted'],
      ['only-b.txt', 'added'],
    ])
    expect(diff.patch).toContain('-b from A\n+b from B\n')
    expect(diff.patch).not.toContain('a/a.txt') // the shared step is the same on both sides
    const reverse = await gittrix.diff(fork.id, source.id)
    expect(reverse.files.map((f) => [f.path, f.status])).toEqual([
      ['b.txt', 'modified'],
      ['only-a.txt', 'added'],
      ['only-b.txt', 'deleted'],
    ])
  })

  it('refuses two sessions on different baselines, saying so', async () => {
    const first = await gittrix.startSession({ task: 'one' })
    writeFileSync(join(repo.path, 'a.txt'), 'moved on\n')
    git(repo.path, 'commit', '-q', '-am', 'moved on')
    const second = await gittrix.startSession({ task: 'two' })
    await expect(gittrix.diff(first.id, second.id)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/different baselines/),
    })
    expect(readFileSync(join(repo.path, 'a.txt'), 'utf8')).toBe('moved on\n')
  })
})
