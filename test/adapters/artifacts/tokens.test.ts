/**
 * Repo tokens: carried only as a Bearer header on every git request, never in a URL, a config file,
 * a workspace file, an error or a log line; minted with the least scope and a short TTL; re-minted
 * when the server refuses an expired one or when one is about to expire; revoked on close.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ArtifactsClient } from '../../../src/adapters/artifacts/client.ts'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import { RepoTokens, tokenExpiry } from '../../../src/adapters/artifacts/tokens.ts'
import { isGittrixError } from '../../../src/core/errors.ts'
import { openWorkspace } from '../contract/ephemeral-contract.ts'
import { gitBlobId, memoryBlobSource, utf8 } from '../contract/fixtures.ts'
import { branchHead, fastImportCommit } from '../local/fixtures.ts'
import { artifactsEphemeralFixture, artifactsHarness } from './harness.ts'
import type { ArtifactsStandIn } from '../../support/artifacts-stand-in.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const fn of cleanups.splice(0)) await fn()
})

/** Every token the stand-in minted, full and secret part (what Basic auth would use). */
function secrets(standIn: ArtifactsStandIn): string[] {
  return [...standIn.tokens.keys()].flatMap((t) => [t, t.split('?')[0]!]).concat(standIn.apiToken)
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => join(dir, rel))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile())
}

function expectNoSecret(text: string, standIn: ArtifactsStandIn, where: string): void {
  for (const secret of secrets(standIn))
    expect(text.includes(secret), `${where} contains a token`).toBe(false)
}

async function ephemeral() {
  const fx = await artifactsEphemeralFixture()
  cleanups.push(() => fx.cleanup())
  const console = ['log', 'info', 'warn', 'error', 'debug'].map((m) =>
    vi.spyOn(globalThis.console, m as 'log').mockImplementation(() => {}),
  )
  return { fx, console }
}

describe('repo tokens on the git transport', () => {
  it('sends a Bearer header on every git request and leaves no token in the workspace, the state or the logs', async () => {
    const { fx, console } = await ephemeral()
    const { handle, info } = await openWorkspace(fx, { 'README.md': '# hi\n', 'src/a.ts': 'a\n' })
    await fx.adapter.write(handle, 'src/a.ts', utf8('changed\n'))
    await fx.adapter.commit(handle, 'agent commit')
    await fx.adapter.write(handle, 'new.txt', utf8('new\n'))
    const snap = await fx.adapter.snapshot(handle)
    expect(snap.changes.map((c) => c.path)).toEqual(['new.txt', 'src/a.ts'])

    const gitRequests = fx.standIn.requests.filter((r) => r.kind === 'git')
    expect(gitRequests.length).toBeGreaterThan(4)
    expect(gitRequests.every((r) => r.auth === 'bearer' && r.status === 200)).toBe(true)
    // The remote URL carries no credential, and nothing under the workspace (config, logs, FETCH_HEAD,
    // hooks, index) or the session's state holds a token.
    const config = readFileSync(join(info.ephemeralPath!, '.git', 'config'), 'utf8')
    expect(config).toMatch(/url = http:\/\/127\.0\.0\.1:\d+\/git\/default\/gittrix-/)
    expect(config).not.toMatch(/@|extraheader|authorization/i)
    for (const file of [...filesUnder(info.ephemeralPath!), ...filesUnder(handle.sessionDir)])
      expectNoSecret(readFileSync(file, 'latin1'), fx.standIn, file)
    expectNoSecret(fx.lines.join('\n'), fx.standIn, 'client log')
    expect(fx.lines.some((l) => l.includes('artifacts git push'))).toBe(true)
    for (const spy of console)
      for (const call of spy.mock.calls) expectNoSecret(call.join(' '), fx.standIn, 'console')
  })

  it('re-mints after the server refuses an expired token and carries on', async () => {
    const { fx } = await ephemeral()
    const { handle } = await openWorkspace(fx, { 'a.txt': 'a\n' })
    const repo = `gittrix-${handle.sessionId}`
    await fx.adapter.write(handle, 'a.txt', utf8('first\n'))
    await fx.adapter.commit(handle, 'first')
    const minted = fx.adapter.tokens.minted
    fx.standIn.expireTokens()
    await fx.adapter.write(handle, 'a.txt', utf8('second\n'))
    const sha = await fx.adapter.commit(handle, 'second')
    expect(fx.adapter.tokens.minted).toBe(minted + 1)
    expect(branchHead(fx.standIn.gitDir(repo), 'main')).toBe(sha)
    const git = fx.standIn.requests.filter((r) => r.kind === 'git')
    const refused = git.findIndex((r) => r.status === 401)
    expect(refused).toBeGreaterThanOrEqual(0)
    expect(git.slice(refused + 1).every((r) => r.status === 200)).toBe(true)
    expect(fx.lines.some((l) => /token refused, re-minting/.test(l))).toBe(true)
  })

  it('a token the server keeps refusing is AUTH_FAILED, and neither that error nor a git failure shows a token', async () => {
    const { fx } = await ephemeral()
    const { handle } = await openWorkspace(fx, { 'a.txt': 'a\n' })
    fx.standIn.refuseGit = true
    await fx.adapter.write(handle, 'a.txt', utf8('x\n'))
    let caught: unknown
    await fx.adapter.commit(handle, 'refused').catch((error: unknown) => (caught = error))
    expect(isGittrixError(caught, 'AUTH_FAILED')).toBe(true)
    const dump = (error: unknown): string => {
      const e = error as Error & { cause?: unknown }
      return [e.message, e.stack, JSON.stringify(e), String(e), e.cause ? dump(e.cause) : ''].join('\n')
    }
    // The header travels in GIT_CONFIG_* variables, not argv: the failing command line names no credential.
    expect(dump(caught)).toContain('terminal prompts disabled')
    expect(dump(caught)).not.toMatch(/authorization|extraheader/i)
    expectNoSecret(dump(caught), fx.standIn, 'AUTH_FAILED error')

    // A git failure for another reason (the repository vanished) is GIT_FAILED, redacted too.
    fx.standIn.refuseGit = false
    await fx.adapter.client.deleteRepo(`gittrix-${handle.sessionId}`)
    let gone: unknown
    await fx.adapter.commit(handle, 'gone').catch((error: unknown) => (gone = error))
    expect(isGittrixError(gone)).toBe(true)
    expectNoSecret(dump(gone), fx.standIn, 'git error')
    expectNoSecret(fx.lines.join('\n'), fx.standIn, 'client log')
  })

  it('durable reads use no repo token; a promotion mints one read and one write token of the configured TTL; close() revokes them', async () => {
    const { standIn, client, lines } = await artifactsHarness()
    cleanups.push(() => standIn.stop())
    const gitDir = standIn.seedRepo('durable')
    const base = fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n' } })
    const durable = new CloudflareArtifactsDurableAdapter({
      client,
      repo: 'durable',
      tokens: { ttlSeconds: 300 },
    })
    expect(await durable.getHead('main')).toBe(base)
    await durable.listTree(base)
    expect(standIn.tokens.size).toBe(0)
    const bytes = utf8('promoted\n')
    const result = await durable.applyCommit({
      branch: 'main',
      parent: base,
      expectedOld: base,
      paths: [{ path: 'a.txt', mode: '100644', oid: gitBlobId(bytes) }],
      blobs: memoryBlobSource([bytes]),
      message: 'promote\n',
    })
    expect(result.moved).toBe(true)
    const tokens = [...standIn.tokens.values()]
    expect(tokens.map((t) => t.scope).sort()).toEqual(['read', 'write'])
    for (const t of tokens) expect(t.expiresAt - Date.parse(t.created_at)).toBeLessThanOrEqual(301_000)
    const pushes = standIn.requests.filter((r) => r.kind === 'git' && r.path.includes('receive-pack'))
    const writeToken = tokens.find((t) => t.scope === 'write')!.plaintext
    expect(pushes.every((r) => r.authorization === `Bearer ${writeToken}`)).toBe(true)
    const reads = standIn.requests.filter((r) => r.kind === 'git' && r.path.includes('upload-pack'))
    expect(reads.every((r) => r.authorization !== `Bearer ${writeToken}`)).toBe(true)
    await durable.close()
    expect(tokens.every((t) => t.state === 'revoked')).toBe(true)
    expectNoSecret(lines.join('\n'), standIn, 'client log')
  })

  it('re-mints a cached token that is about to expire, before using it', async () => {
    const { standIn } = await artifactsHarness()
    cleanups.push(() => standIn.stop())
    standIn.seedRepo('clock')
    let offset = 0
    const client = new ArtifactsClient({
      accountId: standIn.accountId,
      apiToken: standIn.apiToken,
      namespace: 'default',
      baseUrl: standIn.baseUrl,
      now: () => Date.now() + offset,
    })
    const tokens = new RepoTokens(client, { ttlSeconds: 600, renewBeforeMs: 60_000 })
    const first = await tokens.get('clock', 'read')
    expect(await tokens.get('clock', 'read')).toBe(first)
    expect(tokenExpiry(first.plaintext)).toBe(first.expiresAt)
    offset = 545_000 // 55 s of life left: inside the renewal margin
    const second = await tokens.get('clock', 'read')
    expect(second.plaintext).not.toBe(first.plaintext)
    expect(tokens.minted).toBe(2)
  })
})
