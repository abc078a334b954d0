/**
 * GitTrix.restoreSession: a session rebuilt from metadata kept elsewhere (the GitHub App rebuilds it
 * from the start commit) runs the same promotion as the store that started it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GitTrix, isGittrixError, LocalDurableAdapter, LocalEphemeralAdapter } from '../../src/index.ts'
import { githubHarness } from '../adapters/github/harness.ts'
import { cleanup, makeRepo, tempDir } from '../support/git-fixtures.ts'

describe('GitTrix.restoreSession', () => {
  let repo: { path: string; head: string }
  let stores: string[]
  const router = (storeDir: string) =>
    new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter(),
      storeDir,
      sweepIntervalMs: 0,
    })

  beforeEach(() => {
    repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' })
    stores = [tempDir(), tempDir()]
  })
  afterEach(() => {
    cleanup(repo.path, ...stores)
  })

  it('promotes a GitHub session restored into fresh stores exactly once', async () => {
    const gh = await githubHarness({ 'a.txt': 'a\n', 'b.txt': 'b\n' })
    const extra = tempDir()
    try {
      const started = await gh.gittrix.startSession({ task: 'restore me' })
      gh.push(started.id, { 'a.txt': 'changed\n' })
      const meta = await started.info()
      const fresh = () =>
        new GitTrix({ durable: gh.durable, ephemeral: gh.ephemeral, storeDir: tempDir(), sweepIntervalMs: 0 })

      const restored = await fresh().restoreSession(meta)
      expect(restored.id).toBe(started.id)
      const outcome = await restored.promote({ selector: { mode: 'all' }, strategy: 'commit' })
      expect(outcome).toMatchObject({ strategy: 'commit', files: ['a.txt'], alreadyPromoted: false })
      expect(gh.api.files('main').get('a.txt')?.bytes.toString()).toBe('changed\n')

      // A store that knows nothing of the promotion finds it by its Gittrix-Session trailer.
      const again = await (await fresh().restoreSession(meta)).promote({ selector: { mode: 'all' } })
      expect(again).toMatchObject({ sha: outcome.sha, alreadyPromoted: true })
      expect(gh.api.history('main')).toHaveLength(2)
    } finally {
      cleanup(extra)
      await gh.close()
    }
  })

  it('replaces an existing record and refuses invalid metadata with METADATA_INVALID', async () => {
    const gittrix = router(stores[0]!)
    const session = await gittrix.startSession({ task: 'x' })
    const meta = await session.info()
    await gittrix.restoreSession({ ...meta, task: 'renamed' })
    expect((await gittrix.getSession(meta.id).then((s) => s.info())).task).toBe('renamed')

    const bad = { ...meta, baselineSha: 'not-a-sha' }
    const error = await gittrix.restoreSession(bad).catch((e: unknown) => e)
    expect(isGittrixError(error, 'METADATA_INVALID')).toBe(true)
    expect((error as Error).message).toContain('baselineSha')
    expect((await gittrix.getSession(meta.id).then((s) => s.info())).task).toBe('renamed')
  })
})
