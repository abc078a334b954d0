/**
 * Session history over Cloudflare Artifacts workspaces (a local clone of the session repository on
 * the stand-in): log, show, diff between checkpoints, notes, and restore, which also moves the session
 * repository's `main` so the remote copy follows the workspace.
 */
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

describe('session history with Artifacts workspaces', () => {
  it('logs, shows, diffs, records notes and restores; the session repository follows the restore', async () => {
    const h = await artifactsHarness({})
    cleanups.push(() => h.standIn.stop())
    const workingRoot = tempDir('gittrix-artifacts-wr-')
    const storeDir = tempDir('gittrix-artifacts-history-store-')
    cleanups.push(() => cleanup(workingRoot, storeDir))
    const local = makeLocalRepo('checked-out')
    cleanups.push(() => cleanup(local.path))
    commitLocal(local, { 'a.txt': 'a0\n' })
    const gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: local.path, branch: 'main' }),
      ephemeral: new CloudflareArtifactsEphemeralAdapter({ client: h.client, workingRoot }),
      storeDir,
      sweepIntervalMs: 0,
    })
    const session = await gittrix.startSession({ task: 'history' })
    await session.write('a.txt', 'a1\n')
    const first = await session.commit('step 1')
    await session.write('b.txt', 'b1\n')
    const second = await session.commit('step 2')
    await session.recordToolCalls(
      second,
      [
        {
          tool: 'write_file',
          argumentsDigest: `sha256:${'b'.repeat(64)}`,
          resultBytes: 3,
          durationMs: 1,
          errorCode: null,
          startedAt: '2026-01-01T00:00:00.000Z',
        },
      ],
      null,
    )

    const log = await session.log()
    expect(log.slice(0, 2).map((c) => [c.sha, c.subject])).toEqual([
      [second, 'step 2'],
      [first, 'step 1'],
    ])
    expect(log[0]!.toolCalls.map((c) => c.tool)).toEqual(['write_file'])
    expect(log.at(-1)!.baseline).toBe(true)
    const shown = await session.show(first, 'a.txt')
    expect(shown.type === 'file' && Buffer.from(shown.bytes).toString()).toBe('a1\n')
    expect((await session.diffDetails({ from: first, to: second })).files.map((f) => f.path)).toEqual([
      'b.txt',
    ])

    const repo = h.standIn.gitDir(`gittrix-${session.id}`)
    expect(branchHead(repo, 'main')).toBe(second)
    const restored = await session.restore(first)
    expect(restored).toMatchObject({ from: second, to: first })
    expect(branchHead(repo, 'main')).toBe(first)
    expect(git(session.workspacePath!, 'rev-parse', restored.savedRef)).toBe(second)
    // Notes stay on this machine: the session repository has no notes ref.
    expect(git(repo, 'for-each-ref', '--format=%(refname)')).not.toMatch(/notes/)
  })
})
