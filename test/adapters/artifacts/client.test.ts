/**
 * ArtifactsClient against the loopback stand-in: names validated before any request, the error
 * mapping (AUTH_FAILED, ADAPTER_UNAVAILABLE, INVALID_ARGUMENT, REF_NOT_FOUND with the Cloudflare code
 * kept), readiness (202) and import/fork in progress (409) waited out with a deadline, 429 +
 * Retry-After honoured, client-side pacing, and the content read routes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ArtifactsClient } from '../../../src/adapters/artifacts/client.ts'
import { ArtifactsApiError } from '../../../src/adapters/artifacts/errors.ts'
import {
  githubSessionRepoName,
  sessionRepoName,
  validateArtifactsName,
} from '../../../src/adapters/artifacts/names.ts'
import { fastImportCommit } from '../local/fixtures.ts'
import { expectCode, gitBlobId, utf8 } from '../contract/fixtures.ts'
import { artifactsHarness } from './harness.ts'
import type { ArtifactsStandIn } from '../../support/artifacts-stand-in.ts'

const stands: ArtifactsStandIn[] = []
async function setup(options: Parameters<typeof artifactsHarness>[0] = {}) {
  const h = await artifactsHarness(options)
  stands.push(h.standIn)
  return h
}
afterEach(async () => {
  await Promise.all(stands.splice(0).map((s) => s.stop()))
})

describe('repository names', () => {
  it.each([
    ['a'.repeat(64), /64 characters; Artifacts allows at most 63/],
    ['-leading-dash', /must start with a letter or digit/],
    ['.hidden', /must start with a letter or digit/],
    ['has/slash', /only letters, digits/],
    ['has space', /only letters, digits/],
    ['ünïcode', /only letters, digits/],
    ['', /empty/],
  ])('refuses %j before any request, with a clear message', async (name, message) => {
    const { client, standIn } = await setup()
    expect(() => validateArtifactsName(name)).toThrow(message)
    const before = standIn.requests.length
    for (const call of [
      () => client.createRepo({ name }),
      () => client.getRepo(name),
      () => client.deleteRepo(name),
      () => client.forkRepo('source', { name }),
      () => client.mintToken({ repo: name, scope: 'read', ttl: 60 }),
    ]) {
      const error = await expectCode(call(), 'INVALID_ARGUMENT')
      expect(error.message).toMatch(message)
    }
    expect(standIn.requests.length).toBe(before)
  })

  it('accepts the longest allowed names and names sessions gittrix-<id>', () => {
    expect(validateArtifactsName('a'.repeat(63))).toHaveLength(63)
    expect(validateArtifactsName('A1._-z')).toBe('A1._-z')
    expect(sessionRepoName('sess_abc234')).toBe('gittrix-sess_abc234')
    expect(() => sessionRepoName('x'.repeat(56))).toThrow(/64 characters/)
    expect(() => sessionRepoName('bad/id')).toThrow(/not allowed/)
  })

  it('names GitHub sessions after their repository: gittrix-<repository id>-<session id>, within 63 characters', () => {
    expect(githubSessionRepoName(123456789, 'sess_abcdefghij23')).toBe('gittrix-123456789-sess_abcdefghij23')
    // The largest id JavaScript holds exactly, with a GitHub session id: 42 characters.
    expect(githubSessionRepoName(Number.MAX_SAFE_INTEGER, 'sess_abcdefghij23')).toHaveLength(42)
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60])
      expect(() => githubSessionRepoName(bad, 'sess_x')).toThrow(/not a GitHub repository id/)
    expect(() => githubSessionRepoName(1, 'bad/id')).toThrow(/not allowed/)
  })

  it('refuses an invalid namespace at construction', () => {
    expect(() => new ArtifactsClient({ accountId: 'a', apiToken: 't-123456', namespace: 'bad ns' })).toThrow(
      /namespace name "bad ns" is not allowed/,
    )
  })
})

describe('control plane', () => {
  it('creates, gets, lists, forks and deletes repositories in the v4 envelope', async () => {
    const { client, standIn } = await setup()
    const made = await client.createRepo({ name: 'one', description: 'first' })
    expect(made).toMatchObject({ name: 'one', default_branch: 'main', description: 'first' })
    expect(made.token).toMatch(/^art_v1_[0-9a-f]{40}\?expires=\d+$/)
    expect(made.remote).toBe(`${standIn.baseUrl.replace('/client/v4', '')}/git/default/one.git`)
    expect(await client.getRepo('one')).toMatchObject({ name: 'one', remote: made.remote, read_only: false })
    expect(await client.getRepo('missing')).toBeNull()
    await client.createRepo({ name: 'two' })
    const page = await client.listRepos({ limit: 1 })
    expect(page.repos).toHaveLength(1)
    expect(page.cursor).not.toBeNull()
    const next = await client.listRepos({ limit: 1, cursor: page.cursor! })
    expect([page.repos[0]!.name, next.repos[0]!.name].sort()).toEqual(['one', 'two'])
    const fork = await client.forkRepo('one', { name: 'one-fork' })
    expect(fork.name).toBe('one-fork')
    expect(await client.deleteRepo('one')).toBe(true)
    expect(standIn.requests.at(-1)).toMatchObject({ method: 'DELETE', status: 202 })
    expect(await client.deleteRepo('one')).toBe(false)
    expect(standIn.hasRepo('one')).toBe(false)
  })

  it('mints tokens with the asked scope and TTL, lists and revokes them; TTL outside 60…31,536,000 is refused locally', async () => {
    const { client, standIn } = await setup()
    await client.createRepo({ name: 'tok' })
    const before = Date.now()
    const token = await client.mintToken({ repo: 'tok', scope: 'read', ttl: 120 })
    expect(token.scope).toBe('read')
    const expires = Number(/expires=(\d+)/.exec(token.plaintext)![1]) * 1000
    expect(expires).toBeGreaterThanOrEqual(before + 119_000)
    expect(expires).toBeLessThanOrEqual(Date.now() + 121_000)
    expect((await client.listTokens('tok')).map((t) => t.id)).toContain(token.id)
    expect(await client.revokeToken(token.id)).toBe(true)
    expect((await client.listTokens('tok', { state: 'revoked' })).map((t) => t.id)).toContain(token.id)
    const requests = standIn.requests.length
    await expectCode(client.mintToken({ repo: 'tok', scope: 'read', ttl: 59 }), 'INVALID_ARGUMENT')
    await expectCode(client.mintToken({ repo: 'tok', scope: 'read', ttl: 31_536_001 }), 'INVALID_ARGUMENT')
    expect(standIn.requests.length).toBe(requests)
  })

  it('reads log, commit, tree, blob, file and raw through the REST read routes', async () => {
    const { client, standIn } = await setup()
    const gitDir = standIn.seedRepo('reads')
    const first = fastImportCommit(gitDir, {
      branch: 'main',
      files: { 'a.txt': 'a\n', 'd/b.sh': { content: 'b\n', executable: true } },
    })
    const second = fastImportCommit(gitDir, {
      branch: 'main',
      from: first,
      files: { 'a.txt': 'a2\n' },
      message: 'second\n',
    })
    const log = await client.log('reads', { ref: 'main' })
    expect(log.map((c) => c.hash)).toEqual([second, first])
    expect(log[0]).toMatchObject({ parents: [first], message: 'second\n' })
    expect(await client.log('reads', { ref: 'nope' })).toEqual([])
    const commit = (await client.getCommit('reads', first))!
    const tree = (await client.getTree('reads', commit.treeHash))!
    expect(tree.map((e) => [e.name, e.mode, e.type])).toEqual([
      ['a.txt', '100644', 'blob'],
      ['d', '40000', 'tree'],
    ])
    expect(Buffer.from((await client.getBlob('reads', gitBlobId(utf8('a\n'))))!).toString()).toBe('a\n')
    expect(await client.getBlob('reads', '0'.repeat(40))).toBeNull()
    expect(Buffer.from((await client.getFile('reads', first, 'd/b.sh'))!).toString()).toBe('b\n')
    expect(Buffer.from((await client.getFile('reads', 'main', 'a.txt'))!).toString()).toBe('a2\n')
    expect(await client.getFile('reads', 'main', 'd')).toBeNull()
    expect(Buffer.from((await client.getRaw('reads', 'main', 'd/b.sh'))!).toString()).toBe('b\n')
    expect(await client.getCommit('reads', '1'.repeat(40))).toBeNull()
  })
})

describe('errors', () => {
  it('maps a refused API token to AUTH_FAILED, keeping the Cloudflare code', async () => {
    const { standIn } = await setup()
    const client = new ArtifactsClient({
      accountId: standIn.accountId,
      apiToken: 'cf-wrong-token',
      namespace: standIn.namespace,
      baseUrl: standIn.baseUrl,
    })
    const error = (await expectCode(client.getRepo('x'), 'AUTH_FAILED')) as ArtifactsApiError
    expect(error).toBeInstanceOf(ArtifactsApiError)
    expect(error.status).toBe(401)
    expect(error.cloudflareCode).toBe(10000)
    expect(error.message).toMatch(/Artifacts > Read/)
    expect(error.message).not.toContain('cf-wrong-token')
  })

  it('retries a 5xx of an idempotent call, then surfaces ADAPTER_UNAVAILABLE with the Cloudflare code', async () => {
    const { client, standIn } = await setup({ maxAttempts: 3 })
    await client.createRepo({ name: 'flaky' })
    standIn.inject({ method: 'GET', path: '/repos/flaky', status: 503, times: 2 })
    expect((await client.getRepo('flaky'))!.name).toBe('flaky')
    standIn.inject({
      method: 'GET',
      path: '/repos/flaky',
      status: 500,
      times: 3,
      errors: [{ code: 10400, message: 'Unexpected internal error' }],
    })
    const error = (await expectCode(client.getRepo('flaky'), 'ADAPTER_UNAVAILABLE')) as ArtifactsApiError
    expect(error.status).toBe(500)
    expect(error.cloudflareCode).toBe(10400)
    expect(standIn.requests.filter((r) => r.status === 500)).toHaveLength(3)
  })

  it('does not repeat a failed create (not idempotent): one 502, ADAPTER_UNAVAILABLE', async () => {
    const { client, standIn } = await setup()
    standIn.inject({ method: 'POST', path: '/repos', status: 502, times: 5 })
    await expectCode(client.createRepo({ name: 'once' }), 'ADAPTER_UNAVAILABLE')
    expect(standIn.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('maps a network failure to ADAPTER_UNAVAILABLE', async () => {
    const { standIn } = await setup()
    const client = new ArtifactsClient({
      accountId: standIn.accountId,
      apiToken: standIn.apiToken,
      namespace: 'default',
      baseUrl: 'http://127.0.0.1:9/client/v4',
      backoff: { baseMs: 1, maxMs: 2 },
    })
    const error = (await expectCode(client.getRepo('x'), 'ADAPTER_UNAVAILABLE')) as ArtifactsApiError
    expect(error.status).toBeNull()
  })

  it('maps ALREADY_EXISTS and validation refusals to INVALID_ARGUMENT', async () => {
    const { client } = await setup()
    await client.createRepo({ name: 'dup' })
    const error = (await expectCode(
      client.createRepo({ name: 'dup' }),
      'INVALID_ARGUMENT',
    )) as ArtifactsApiError
    expect(error.cloudflareCode).toBe(10201)
    const bad = (await expectCode(
      client.importRepo('imported', { url: 'https://example.invalid/x.git' }),
      'INVALID_ARGUMENT',
    )) as ArtifactsApiError
    expect(bad.cloudflareCode).toBe(10104)
  })
})

describe('readiness, conflicts in progress and rate limits', () => {
  it('waits out 202 "becoming ready" answers', async () => {
    const { client, standIn } = await setup()
    await client.createRepo({ name: 'slow' })
    standIn.pendingReads(3)
    expect((await client.getRepo('slow'))!.name).toBe('slow')
    expect(standIn.requests.filter((r) => r.status === 202 && r.method === 'GET')).toHaveLength(3)
  })

  it('waits out 409 IMPORT_IN_PROGRESS after an import, and gives up at the deadline', async () => {
    const { client, standIn } = await setup()
    const source = standIn.seedRepo('upstream')
    const head = fastImportCommit(source, { branch: 'main', files: { 'x.txt': 'x\n' } })
    standIn.importDelayMs = 300
    const started = Date.now()
    const made = await client.importRepo('imported', {
      url: `${standIn.baseUrl.replace('/client/v4', '')}/git/default/upstream.git`,
    })
    expect(made.name).toBe('imported')
    const [tip] = await client.log('imported', { ref: 'main' })
    expect(tip!.hash).toBe(head)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(standIn.requests.some((r) => r.status === 409 && r.path.includes('/repos/imported/log'))).toBe(
      true,
    )

    const impatient = new ArtifactsClient({
      accountId: standIn.accountId,
      apiToken: standIn.apiToken,
      namespace: 'default',
      baseUrl: standIn.baseUrl,
      readinessTimeoutMs: 100,
      backoff: { baseMs: 10, maxMs: 20 },
    })
    standIn.delayReadiness('imported', 'importing', 5_000)
    const error = (await expectCode(impatient.log('imported'), 'ADAPTER_UNAVAILABLE')) as ArtifactsApiError
    expect(error.status).toBe(409)
    expect(error.cloudflareCode).toBe(10302)
  })

  it('waits out 409 FORK_IN_PROGRESS on a fresh fork', async () => {
    const { client, standIn } = await setup()
    await client.createRepo({ name: 'origin-repo' })
    standIn.forkDelayMs = 200
    await client.forkRepo('origin-repo', { name: 'forked' })
    const token = await client.mintToken({ repo: 'forked', scope: 'read', ttl: 60 })
    expect(token.scope).toBe('read')
    expect(standIn.requests.some((r) => r.status === 409 && r.path === '/tokens')).toBe(true)
  })

  it('honours 429 Retry-After', async () => {
    const { client, standIn } = await setup()
    await client.createRepo({ name: 'busy' })
    standIn.inject({ path: '/repos/busy', status: 429, headers: { 'retry-after': '0.2' } })
    const started = Date.now()
    expect((await client.getRepo('busy'))!.name).toBe('busy')
    expect(Date.now() - started).toBeGreaterThanOrEqual(180)
  })

  it('paces itself to the configured window (default: the documented 2,000 requests / 10 s per namespace)', async () => {
    const { client } = await setup({ rateLimit: { requests: 3, windowMs: 300 } })
    const started = Date.now()
    await Promise.all([1, 2, 3, 4].map(() => client.getRepo('none')))
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
  })
})
