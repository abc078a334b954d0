/**
 * CodeStorageDurableAdapter beyond the shared contract, through the real SDK on the stand-in: the
 * compare-and-swap is the server's (a branch that moves while the commit is on its way is
 * `{ moved: false, current }`), failures at each step of a promotion leave the durable branches as they
 * were (no partial write), writes are never replayed, reads are retried, and an expired or refused
 * token is `AUTH_FAILED` without the token in the message.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CodeStorageDurableAdapter } from '../../../src/adapters/code-storage/durable.ts'
import type { ApplyCommitRequest } from '../../../src/core/adapters.ts'
import { expectCode, gitBlobId, memoryBlobSource, utf8 } from '../contract/fixtures.ts'
import { branchHead, fastImportCommit, gitBytes } from '../local/fixtures.ts'
import { codeStorageClient, codeStorageHarness } from './harness.ts'
import { CodeStorageStandIn } from './stand-in.ts'

const stands: CodeStorageStandIn[] = []
afterEach(() => {
  for (const s of stands.splice(0)) s.stop()
})

async function setup(overrides: Parameters<typeof codeStorageHarness>[0] = {}) {
  const harness = await codeStorageHarness(overrides)
  stands.push(harness.standIn)
  const gitDir = await harness.standIn.seedRepo('repo')
  const base = fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n', 'd/b.txt': 'b\n' } })
  const durable = new CodeStorageDurableAdapter({ storage: harness.storage, repo: 'repo', branch: 'main' })
  const bytes = utf8('ours\n')
  const request = (overrides: Partial<ApplyCommitRequest> = {}): ApplyCommitRequest => ({
    branch: 'main',
    parent: base,
    expectedOld: base,
    paths: [{ path: 'a.txt', mode: '100644', oid: gitBlobId(bytes) }],
    blobs: memoryBlobSource([bytes]),
    message: 'gittrix: ours\n',
    ...overrides,
  })
  /** Every ref of the repository (durable and ephemeral), to prove a failure wrote nothing. */
  const refs = () => gitBytes(gitDir, [`--git-dir=${gitDir}`, 'for-each-ref']).toString('utf8')
  return { ...harness, gitDir, base, durable, request, refs }
}

const writes = (standIn: CodeStorageStandIn) =>
  standIn.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')

describe('CodeStorageDurableAdapter', () => {
  it('reports a lost race when the branch moves while the commit is on its way (the server checks expectedHeadSha)', async () => {
    const { standIn, gitDir, base, durable, request } = await setup()
    let moved: string | undefined
    standIn.beforeRoute = (method, route) => {
      if (method === 'POST' && route === 'repos/commit-pack' && !moved)
        moved = fastImportCommit(gitDir, { branch: 'main', from: base, files: { 'c.txt': 'c\n' } })
    }
    expect(await durable.applyCommit(request())).toEqual({ moved: false, current: moved })
    expect(branchHead(gitDir, 'main')).toBe(moved)
  })

  it('a 409 while the branch is still at expectedOld is an error, not a lost race', async () => {
    const { standIn, gitDir, base, durable, request } = await setup()
    standIn.failures.push({ method: 'POST', route: 'repos/commit-pack', status: 409 })
    await expectCode(durable.applyCommit(request()), 'INVALID_ARGUMENT')
    expect(branchHead(gitDir, 'main')).toBe(base)
  })

  for (const status of [429, 500, 503]) {
    it(`a ${status} on the commit is ADAPTER_UNAVAILABLE, sent once (writes are not replayed), branch untouched`, async () => {
      const { standIn, durable, request, refs } = await setup()
      const before = refs()
      standIn.failures.push({ method: 'POST', route: 'repos/commit-pack', status, count: 5 })
      await expectCode(durable.applyCommit(request()), 'ADAPTER_UNAVAILABLE')
      expect(writes(standIn).map((r) => r.route)).toEqual(['repos/commit-pack'])
      expect(refs()).toBe(before)
    })
  }

  describe('creating a branch (expectedOld null) writes the durable namespace once or not at all', () => {
    const steps = [
      { name: 'staging branch', method: 'POST', route: 'repos/branches/create', nth: 1 },
      { name: 'staged commit', method: 'POST', route: 'repos/commit-pack', nth: 1 },
      { name: 'durable branch', method: 'POST', route: 'repos/branches/create', nth: 2 },
    ]
    for (const step of steps)
      for (const status of [409, 429, 503]) {
        it(`${status} at the ${step.name}: no durable branch, no staging branch left`, async () => {
          const { standIn, request, refs, gitDir } = await setup()
          const before = refs()
          let seen = 0
          const original = standIn.fetch
          const failing: typeof fetch = async (input, init) => {
            const url = String(input)
            if (
              (init?.method ?? 'GET') === step.method &&
              url.endsWith(`/api/v1/${step.route}`) &&
              ++seen === step.nth
            )
              standIn.failures.push({ method: step.method, route: step.route, status })
            return original(input, init)
          }
          const storage = await codeStorageClient(standIn, { fetch: failing })
          const viaFailing = new CodeStorageDurableAdapter({ storage, repo: 'repo', branch: 'main' })
          const promise = viaFailing.applyCommit(
            request({ branch: 'gittrix/promote/s-1', expectedOld: null }),
          )
          await expect(promise).rejects.toThrow()
          expect(refs()).toBe(before)
          expect(branchHead(gitDir, 'gittrix/promote/s-1')).toBeNull()
        })
      }

    it('a branch created by someone else meanwhile is a lost race with its head', async () => {
      const { standIn, gitDir, base, durable, request, refs } = await setup()
      let theirs: string | undefined
      standIn.beforeRoute = (method, route) => {
        if (method === 'POST' && route === 'repos/commit-pack' && !theirs)
          theirs = fastImportCommit(gitDir, {
            branch: 'gittrix/promote/s-1',
            from: base,
            files: { 'x.txt': 'x\n' },
          })
      }
      const result = await durable.applyCommit(request({ branch: 'gittrix/promote/s-1', expectedOld: null }))
      expect(result).toEqual({ moved: false, current: theirs })
      expect(refs()).not.toContain('refs/ephemeral/')
    })
  })

  it('retries reads on 429 and 5xx, then succeeds', async () => {
    const { standIn, base, durable } = await setup()
    standIn.failures.push({ method: 'GET', route: 'repos/commits', status: 503, count: 2 })
    standIn.failures.push({ method: 'HEAD', route: 'repos/file', status: 429, count: 1 })
    expect(await durable.getHead('main')).toBe(base)
    expect((await durable.listTree(base)).map((e) => e.path).sort()).toEqual(['a.txt', 'd/b.txt'])
    expect(standIn.requests.filter((r) => r.route === 'repos/commits').map((r) => r.status)).toEqual([
      503, 503, 200,
    ])
  })

  it('gives up on a read that keeps failing with ADAPTER_UNAVAILABLE after the retries', async () => {
    const { standIn, durable } = await setup()
    standIn.failures.push({ method: 'GET', route: 'repos/commits', status: 502, count: 100 })
    await expectCode(durable.getHead('main'), 'ADAPTER_UNAVAILABLE')
    expect(standIn.requests.filter((r) => r.route === 'repos/commits')).toHaveLength(4)
  })

  it('an expired pre-minted token is AUTH_FAILED, not retried, and never shown', async () => {
    const harness = await codeStorageHarness()
    stands.push(harness.standIn)
    const gitDir = await harness.standIn.seedRepo('repo')
    fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n' } })
    const token = harness.standIn.mintToken({
      repo: 'repo',
      scopes: ['git:read', 'git:write'],
      ttlSeconds: 60,
    })
    const storage = await codeStorageClient(harness.standIn, { key: undefined, token })
    const durable = new CodeStorageDurableAdapter({ storage, repo: 'repo', branch: 'main' })
    await durable.getHead('main')
    const now = harness.standIn.now()
    harness.standIn.now = () => now + 61
    const error = await expectCode(durable.getHead('main'), 'AUTH_FAILED')
    expect(error.message).not.toContain(token)
    expect(error.message).toContain('CODE_STORAGE_TOKEN')
    expect(harness.standIn.requests.filter((r) => r.status === 401)).toHaveLength(1)
  })

  it('a token without git:write cannot promote: AUTH_FAILED and the branch stays', async () => {
    const harness = await codeStorageHarness()
    stands.push(harness.standIn)
    const gitDir = await harness.standIn.seedRepo('repo')
    const base = fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n' } })
    const token = harness.standIn.mintToken({ repo: 'repo', scopes: ['git:read'], ttlSeconds: 600 })
    const storage = await codeStorageClient(harness.standIn, { key: undefined, token })
    const durable = new CodeStorageDurableAdapter({ storage, repo: 'repo', branch: 'main' })
    const bytes = utf8('x\n')
    const error = await expectCode(
      durable.applyCommit({
        branch: 'main',
        parent: base,
        expectedOld: base,
        paths: [{ path: 'a.txt', mode: '100644', oid: gitBlobId(bytes) }],
        blobs: memoryBlobSource([bytes]),
        message: 'x\n',
      }),
      'AUTH_FAILED',
    )
    expect(error.message).not.toContain(token)
    expect(branchHead(gitDir, 'main')).toBe(base)
  })

  it('a token signed for another organisation key is refused on reads (AUTH_FAILED)', async () => {
    const { standIn } = await setup()
    const other = new CodeStorageStandIn()
    other.stop()
    const storage = await codeStorageClient(standIn, { key: other.key })
    const foreign = new CodeStorageDurableAdapter({ storage, repo: 'repo', branch: 'main' })
    await expectCode(foreign.getHead('main'), 'AUTH_FAILED')
  })
})
