/**
 * A repo token goes only to its repository's remote: the Authorization header is scoped to that URL
 * (git's `http.<url>.extraHeader`), so a second remote named in the same command, a URL rewrite to
 * another host, another repository on the same host or a redirect never carries it. Real git against
 * two loopback HTTP servers: the Artifacts stand-in, and a plain git server that records every header.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RepoTokens } from '../../../src/adapters/artifacts/tokens.ts'
import { gitWithToken } from '../../../src/adapters/artifacts/transport.ts'
import { isGittrixError } from '../../../src/core/errors.ts'
import { fastImportCommit } from '../local/fixtures.ts'
import { git } from '../../support/git-fixtures.ts'
import { serveGitHttp } from '../../support/git-http.ts'
import { artifactsHarness } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A loopback git server (no authentication) that records the Authorization header of every request. */
async function otherHost(options: { redirectTo?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'gittrix-other-host-'))
  const gitDir = join(root, 'other.git')
  git(root, 'init', '--quiet', '--bare', gitDir)
  fastImportCommit(gitDir, { branch: 'main', files: { 'other.txt': 'other\n' } })
  const seen: { path: string; authorization: string | null }[] = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    seen.push({ path: url.pathname, authorization: req.headers.authorization ?? null })
    if (options.redirectTo) {
      res.writeHead(302, {
        location: `${options.redirectTo}${url.pathname.replace(/^\/[^/]+/, '')}${url.search}`,
      })
      res.end()
      return
    }
    void serveGitHttp(req, res, { url, projectRoot: root })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  cleanups.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    rmSync(root, { recursive: true, force: true })
  })
  return { base, url: `${base}/other.git`, seen }
}

async function harness() {
  const { standIn, client } = await artifactsHarness()
  cleanups.push(() => standIn.stop())
  standIn.seedRepo('one')
  standIn.seedRepo('two')
  fastImportCommit(standIn.gitDir('one'), { branch: 'main', files: { 'a.txt': 'a\n' } })
  fastImportCommit(standIn.gitDir('two'), { branch: 'main', files: { 'b.txt': 'b\n' } })
  const remote = (await client.getRepo('one'))!.remote
  const tokens = new RepoTokens(client)
  const cwd = mkdtempSync(join(tmpdir(), 'gittrix-token-scope-'))
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }))
  /** `git <args>` with a read token of repository `one`, whose remote is `remote`. */
  const run = (args: string[], to: string = remote) =>
    gitWithToken(client, tokens, { repo: 'one', remote: to }, 'read', args, { cwd })
  return { standIn, client, remote, run }
}

describe('a repo token is scoped to its repository remote', () => {
  it('reaches the repository remote, and never a second remote on another host in the same command', async () => {
    const { standIn, remote, run } = await harness()
    const other = await otherHost()
    expect((await run(['ls-remote', remote])).stdout.toString()).toContain('refs/heads/main')
    const own = standIn.requests.filter((r) => r.kind === 'git')
    expect(own.length).toBeGreaterThan(0)
    expect(own.every((r) => r.auth === 'bearer' && r.status === 200)).toBe(true)

    expect((await run(['ls-remote', other.url])).stdout.toString()).toContain('refs/heads/main')
    expect(other.seen.length).toBeGreaterThan(0)
    expect(other.seen.filter((r) => r.authorization !== null)).toEqual([])
  })

  it('does not follow a URL rewrite (url.<other>.insteadOf) to another host with it', async () => {
    const { remote, run } = await harness()
    const other = await otherHost()
    const rewritten = await run(['-c', `url.${other.url}.insteadOf=${remote}`, 'ls-remote', remote])
    expect(rewritten.stdout.toString()).toContain('refs/heads/main')
    expect(other.seen.length).toBeGreaterThan(0)
    expect(other.seen.filter((r) => r.authorization !== null)).toEqual([])
  })

  it('does not send it to another repository on the same host', async () => {
    const { standIn, client, run } = await harness()
    const second = (await client.getRepo('two'))!.remote
    const failed = await run(['ls-remote', second]).catch((error: unknown) => error)
    expect(isGittrixError(failed)).toBe(true)
    const toSecond = standIn.requests.filter((r) => r.kind === 'git' && r.path.includes('/two.git/'))
    expect(toSecond.length).toBeGreaterThan(0)
    expect(toSecond.filter((r) => r.authorization !== undefined)).toEqual([])
  })

  it('does not follow a redirect to another host with it', async () => {
    const { run } = await harness()
    const target = await otherHost()
    const redirector = await otherHost({ redirectTo: target.base })
    const failed = await run(['ls-remote', redirector.url], redirector.url).catch((error: unknown) => error)
    expect(isGittrixError(failed, 'GIT_FAILED')).toBe(true)
    expect(redirector.seen.length).toBeGreaterThan(0)
    expect(target.seen).toEqual([])
  })
})
