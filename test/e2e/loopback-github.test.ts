/**
 * The loopback GitHub itself (test/support/loopback-github.ts): it refuses what GitHub refuses —
 * missing or wrong credentials on REST and git, a JWT from another key, a JWT on repository routes, a
 * push without write access, a request GitHub's OpenAPI description does not allow — and turns a
 * git push into a signed `push` webhook.
 */
import { execFile } from 'node:child_process'
import { createHmac, createSign } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateAppKey } from '../support/app-process.ts'
import { LoopbackGitHub } from '../support/loopback-github.ts'

const run = promisify(execFile)
const key = generateAppKey()
const SECRET = 'loopback-secret'
let github: LoopbackGitHub
let dir: string

function jwt(privateKey: string, iss: number): string {
  const now = Math.floor(Date.now() / 1000)
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 30, exp: now + 540, iss })}`
  const signature = createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url')
  return `${body}.${signature}`
}

async function api(method: string, path: string, authorization?: string, body?: unknown) {
  const res = await fetch(`${github.apiUrl}${path}`, {
    method,
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  github = await LoopbackGitHub.start({
    owner: 'acme',
    repo: 'widget',
    files: { 'README.md': '# Widget\n' },
    people: { ada: { role: 'admin', token: 'ghp_ada' }, rob: { role: 'read', token: 'ghp_rob' } },
    workflowToken: 'ghs_workflow',
    appPublicKey: key.publicKey,
    webhookSecret: SECRET,
  })
  dir = mkdtempSync(join(tmpdir(), 'gittrix-loopback-test-'))
})

afterAll(async () => {
  await github.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('loopback GitHub', () => {
  it('REST: no or unknown credentials → 401; a person’s token → the repository', async () => {
    expect((await api('GET', '/repos/acme/widget')).status).toBe(401)
    expect((await api('GET', '/repos/acme/widget', 'token ghp_nobody')).status).toBe(401)
    const repo = await api('GET', '/repos/acme/widget', 'token ghp_ada')
    expect(repo.status).toBe(200)
    expect(repo.body.full_name).toBe('acme/widget')
  })

  it('the App: only its own JWT mints an installation token, which then works on repository routes', async () => {
    const other = generateAppKey()
    const mint = `/app/installations/${github.installationId}/access_tokens`
    expect((await api('POST', mint, `Bearer ${jwt(other.privateKey, github.api.appId)}`)).status).toBe(401)
    expect((await api('POST', mint, `Bearer ${jwt(key.privateKey, github.api.appId + 1)}`)).status).toBe(401)
    const own = `Bearer ${jwt(key.privateKey, github.api.appId)}`
    expect((await api('GET', '/repos/acme/widget', own)).status).toBe(401)
    expect((await api('POST', '/app/installations/1/access_tokens', own)).status).toBe(404)
    const minted = await api('POST', mint, own)
    expect(minted.status).toBe(201)
    const token = String(minted.body.token)
    expect((await api('GET', '/repos/acme/widget', `token ${token}`)).status).toBe(200)
    expect((await api('POST', mint, `token ${token}`)).status).toBe(401)
    expect(github.violations).toEqual([])
  })

  it('a request GitHub’s description does not allow is answered 400 and recorded', async () => {
    const bad = await api('POST', '/repos/acme/widget/git/refs', 'token ghp_ada', { ref: 'refs/heads/x' })
    expect(bad.status).toBe(400)
    expect(github.violations).toEqual([expect.stringContaining('request body')])
    github.violations.length = 0
  })

  it('git: a clone needs a token; a push needs write access; a push becomes a signed push webhook', async () => {
    const received: Array<{ event: string; signature: string; body: string }> = []
    const hook = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString('utf8')))
      req.on('end', () => {
        received.push({
          event: String(req.headers['x-github-event']),
          signature: String(req.headers['x-hub-signature-256']),
          body,
        })
        res.writeHead(200).end('ok')
      })
    })
    await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done))
    github.webhooks.setTargets(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/`)
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' }
    await expect(
      run('git', ['clone', '--quiet', github.repoUrl, join(dir, 'anon')], { env }),
    ).rejects.toThrow()
    const clone = join(dir, 'rob')
    await run('git', [...github.gitAuth('rob'), 'clone', '--quiet', github.repoUrl, clone], { env })
    writeFileSync(join(clone, 'README.md'), '# Changed\n')
    await run('git', ['-C', clone, 'commit', '--quiet', '-am', 'change'], { env })
    const main = github.head('main')
    await expect(
      run('git', [...github.gitAuth('rob'), '-C', clone, 'push', '--quiet', 'origin', 'main'], { env }),
    ).rejects.toThrow()
    expect(github.head('main')).toBe(main)
    await run('git', [...github.gitAuth('ada'), '-C', clone, 'push', '--quiet', 'origin', 'main'], { env })
    const pushed = github.git('rev-parse', 'refs/heads/main')
    expect(github.head('main')).toBe(pushed)
    await github.settle()
    hook.close()
    const push = received.find((r) => r.event === 'push')!
    const payload = JSON.parse(push.body) as Record<string, unknown>
    expect(payload).toMatchObject({
      ref: 'refs/heads/main',
      before: main,
      after: pushed,
      sender: { login: 'ada' },
    })
    expect(push.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(push.body).digest('hex')}`)
  })
})
