/**
 * CloudflareArtifactsDurableAdapter beyond the shared contract: the compare-and-swap is enforced by
 * the git server (a branch that moves after the adapter's own check, while the push is on its way,
 * is a rejected lease → `{ moved: false, current }`), and reads go through REST only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import { gitBlobId, memoryBlobSource, utf8 } from '../contract/fixtures.ts'
import { branchHead, fastImportCommit } from '../local/fixtures.ts'
import { artifactsHarness } from './harness.ts'
import type { ArtifactsStandIn } from '../../support/artifacts-stand-in.ts'

const stands: ArtifactsStandIn[] = []
afterEach(async () => {
  await Promise.all(stands.splice(0).map((s) => s.stop()))
})

describe('CloudflareArtifactsDurableAdapter', () => {
  it('reports a lost race when the branch moves between its check and the push (the lease is checked by the server)', async () => {
    const { standIn, client } = await artifactsHarness()
    stands.push(standIn)
    const gitDir = standIn.seedRepo('race')
    const base = fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n' } })
    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'race', branch: 'main' })
    let moved: string | undefined
    standIn.beforeGit = ({ write, path }) => {
      // Someone else pushes after the server advertised the old value and before our pack is received:
      // only receive-pack's own check of the lease (old value) can catch this one.
      if (write && path.endsWith('/git-receive-pack') && !moved)
        moved = fastImportCommit(gitDir, { branch: 'main', from: base, files: { 'b.txt': 'b\n' } })
    }
    const bytes = utf8('ours\n')
    const result = await durable.applyCommit({
      branch: 'main',
      parent: base,
      expectedOld: base,
      paths: [{ path: 'a.txt', mode: '100644', oid: gitBlobId(bytes) }],
      blobs: memoryBlobSource([bytes]),
      message: 'ours\n',
    })
    expect(moved).toBeDefined()
    expect(result).toEqual({ moved: false, current: moved })
    expect(branchHead(gitDir, 'main')).toBe(moved)
    await durable.close()
  })

  it('reads head, trees, files and promotions over REST without minting any repo token', async () => {
    const { standIn, client } = await artifactsHarness()
    stands.push(standIn)
    const gitDir = standIn.seedRepo('reads')
    const base = fastImportCommit(gitDir, {
      branch: 'main',
      files: { 'd/a.txt': 'a\n', 'b.sh': { content: 'b\n', executable: true } },
    })
    const promo = fastImportCommit(gitDir, {
      branch: 'main',
      from: base,
      files: { 'd/a.txt': 'a2\n' },
      message: `gittrix: x\n\nGittrix-Session: s-1\nGittrix-Baseline: ${base}\n`,
    })
    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'reads' })
    expect(await durable.defaultBranch()).toBe('main')
    expect(await durable.getHead('main')).toBe(promo)
    expect(await durable.readFile(base, 'b.sh')).toMatchObject({ mode: '100755' })
    expect(await durable.changedPaths(base, promo)).toEqual(['d/a.txt'])
    expect(await durable.findPromotion({ branch: 'main', sessionId: 's-1', baselineSha: base })).toBe(promo)
    expect(durable.ref('main')).toBe(`artifacts://${standIn.accountId}/default/reads#main`)
    expect(standIn.tokens.size).toBe(0)
    expect(standIn.requests.every((r) => r.kind === 'rest')).toBe(true)
  })
})
