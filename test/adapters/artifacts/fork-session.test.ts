/**
 * GitTrix.forkSession() over Cloudflare Artifacts: the fork is a server-side fork of the session
 * repository, recorded as a session of its own on the same durable baseline.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudflareArtifactsEphemeralAdapter } from '../../../src/adapters/artifacts/ephemeral.ts'
import { LocalDurableAdapter } from '../../../src/adapters/local/durable.ts'
import { GitTrix } from '../../../src/core/gittrix.ts'
import { branchHead, commitLocal, makeLocalRepo } from '../local/fixtures.ts'
import { cleanup, git, tempDir } from '../../support/git-fixtures.ts'
import { artifactsHarness } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

describe('GitTrix.forkSession with Artifacts workspaces', () => {
  it('forks the session repository at a commit and records a new session on the same baseline', async () => {
    const h = await artifactsHarness({})
    cleanups.push(() => h.standIn.stop())
    const workingRoot = tempDir('gittrix-artifacts-wr-')
    const storeDir = tempDir('gittrix-artifacts-fork-store-')
    cleanups.push(() => cleanup(workingRoot, storeDir))
    const local = makeLocalRepo('checked-out')
    cleanups.push(() => cleanup(local.path))
    const baseline = commitLocal(local, { 'a.txt': 'a0\n', 'b.txt': 'b0\n' })
    const gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: local.path, branch: 'main' }),
      ephemeral: new CloudflareArtifactsEphemeralAdapter({ client: h.client, workingRoot }),
      storeDir,
      sweepIntervalMs: 0,
    })

    const source = await gittrix.startSession({ task: 'source' })
    const agent = source.forAgent()
    await agent.write('a.txt', 'a1\n')
    const first = await agent.commit('step 1')
    await agent.write('b.txt', 'b1\n')
    await agent.commit('step 2')

    const fork = await gittrix.forkSession(source.id, { at: first, task: 'fork' })
    const meta = await fork.info()
    expect(meta.baselineSha).toBe(baseline)
    expect(meta.task).toBe('fork')
    expect(meta.ephemeralRef).toContain(`gittrix-${fork.id}`)
    expect(branchHead(h.standIn.gitDir(`gittrix-${fork.id}`), 'main')).toBe(first)
    expect((await fork.touchedFiles()).map((f) => f.path)).toEqual(['a.txt'])

    const result = await fork.promote({ selector: { mode: 'all' }, message: 'from the fork' })
    expect(git(local.path, 'show', `${result.sha}:a.txt`)).toBe('a1')
    expect(git(local.path, 'show', `${result.sha}:b.txt`)).toBe('b0')
    expect((await source.touchedFiles()).map((f) => f.path).sort()).toEqual(['a.txt', 'b.txt'])
    expect(join(workingRoot, fork.id)).toBe(meta.ephemeralPath)
  })

  it('carries uncommitted work when forked without a commit, as the local kinds do', async () => {
    const h = await artifactsHarness({})
    cleanups.push(() => h.standIn.stop())
    const storeDir = tempDir('gittrix-artifacts-fork-store-')
    cleanups.push(() => cleanup(storeDir))
    const local = makeLocalRepo('checked-out')
    cleanups.push(() => cleanup(local.path))
    commitLocal(local, { 'a.txt': 'a0\n', 'b.txt': 'b0\n' })
    const gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: local.path, branch: 'main' }),
      ephemeral: new CloudflareArtifactsEphemeralAdapter({ client: h.client }),
      storeDir,
      sweepIntervalMs: 0,
    })
    const source = await gittrix.startSession({ task: 'source' })
    const agent = source.forAgent()
    await agent.write('a.txt', 'a1\n')
    await agent.commit('committed')
    // Reviewed once (a snapshot pushed), then more work that is neither committed nor snapshotted.
    expect((await source.touchedFiles()).map((f) => f.path)).toEqual(['a.txt'])
    await agent.write('b.txt', 'b1 uncommitted\n')
    await agent.write('c.txt', 'new, uncommitted\n')

    const fork = await gittrix.forkSession(source.id)
    expect((await fork.touchedFiles()).map((f) => f.path)).toEqual(['a.txt', 'b.txt', 'c.txt'])
    expect(new TextDecoder().decode(await fork.forAgent().read('b.txt'))).toBe('b1 uncommitted\n')
    // The checkpoint is on the source repository's main; the source's files are untouched.
    const checkpoint = branchHead(h.standIn.gitDir(`gittrix-${source.id}`), 'main')!
    expect(git(h.standIn.gitDir(`gittrix-${source.id}`), 'log', '-1', '--format=%s', checkpoint)).toBe(
      'gittrix: checkpoint before fork',
    )
    expect(branchHead(h.standIn.gitDir(`gittrix-${fork.id}`), 'main')).toBe(checkpoint)
    expect(new TextDecoder().decode(await agent.read('c.txt'))).toBe('new, uncommitted\n')
    expect((await source.touchedFiles()).map((f) => f.path)).toEqual(['a.txt', 'b.txt', 'c.txt'])

    // A clean source forks at its head, without a new commit.
    const again = await gittrix.forkSession(source.id)
    expect(branchHead(h.standIn.gitDir(`gittrix-${again.id}`), 'main')).toBe(checkpoint)
  })
})
