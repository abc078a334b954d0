/**
 * The review server's gate, attacked over raw HTTP with real git behind it: without the token, with a
 * wrong one, under another `Host` (DNS rebinding), from another origin or as a form post, nothing is
 * served and nothing changes (no checkpoint in the workspace, no commit on the durable branch). With
 * it, a promotion lands exactly the commit the page showed, even after the workspace moved on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { GitTrix } from '../../src/index.ts'
import { REVIEW_CSP, type ReviewServer, startReviewServer } from '../../src/review/server.ts'
import { checkRequest, tokenMatches } from '../../src/review/guard.ts'
import { cleanup, commitFiles, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { openGitTrix, raw } from './support.ts'

const TOKEN = 'A'.repeat(43)

let repo: { path: string; head: string }
let store: string
let gittrix: GitTrix
let sessionId: string
let workspace: string
let server: ReviewServer

beforeEach(async () => {
  repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' })
  store = tempDir()
  gittrix = openGitTrix(repo.path, store)
  const session = await gittrix.startSession({ task: 'review me' })
  sessionId = session.id
  workspace = session.workspacePath!
  await session.write('a.txt', 'reviewed a\n')
  await session.write('c.txt', 'new c\n')
  server = await startReviewServer({ gittrix, sessionId, token: TOKEN })
})

afterEach(async () => {
  await server.close()
  await gittrix.close()
  cleanup(repo.path, store)
})

const host = () => `127.0.0.1:${server.port}`
const get = (path: string, headers: Record<string, string> = {}) =>
  raw(server.port, 'GET', path, { Host: host(), ...headers })
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  raw(
    server.port,
    'POST',
    path,
    { Host: host(), Origin: `http://${host()}`, 'Content-Type': 'application/json', ...headers },
    JSON.stringify(body),
  )
const workspaceHead = () => git(workspace, 'rev-parse', 'HEAD')
const durableHead = () => git(repo.path, 'rev-parse', 'main')

describe('the gate', () => {
  it('serves the page with the token, a strict CSP and no CORS headers', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/${TOKEN}/`)
    const page = await get(`/${TOKEN}/`)
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toBe(REVIEW_CSP)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(Object.keys(page.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
    expect(page.body).toContain('<script src="./assets/review.js" defer></script>')
    const script = await get(`/${TOKEN}/vendor/diff2html-ui.js`)
    expect(script.status).toBe(200)
    expect(script.headers['content-type']).toMatch(/^text\/javascript/)
  })

  it('refuses every request without the right token, under another Host, or cross-origin, and changes nothing', async () => {
    const before = { workspace: workspaceHead(), durable: durableHead() }
    const wrong = `${TOKEN.slice(0, -1)}B`
    const shown = JSON.parse((await get(`/${TOKEN}/api/review`)).body) as { at: string }
    const checkpoint = workspaceHead()
    expect(checkpoint).not.toBe(before.workspace) // the review point committed the uncommitted files
    const promotion = { at: shown.at, files: ['a.txt'] }
    const refused = [
      await get('/'),
      await get('/api/review'),
      await get(`/${wrong}/api/review`),
      await get(`/${wrong}/`),
      await get(`/${TOKEN.toLowerCase()}/api/review`),
      await get(`/${TOKEN}/api/review`, { Host: `evil.example:${server.port}` }),
      await get(`/${TOKEN}/api/review`, { Host: '127.0.0.1' }),
      await post('/api/promote', promotion),
      await post(`/${wrong}/api/promote`, promotion),
      await post(`/x/${TOKEN}/api/promote`, promotion),
      await post(`/${TOKEN}/api/promote`, promotion, { Host: `rebind.example:${server.port}` }),
      await post(`/${TOKEN}/api/promote`, promotion, { Origin: 'https://evil.example' }),
      await post(`/${TOKEN}/api/promote`, promotion, { Origin: 'null' }),
      await raw(
        server.port,
        'POST',
        `/${TOKEN}/api/promote`,
        { Host: host(), 'Content-Type': 'application/json' },
        JSON.stringify(promotion),
      ),
      await post(`/${TOKEN}/api/promote`, promotion, { 'Content-Type': 'text/plain' }),
      await post(`/${TOKEN}/api/promote`, promotion, { 'Content-Type': 'application/x-www-form-urlencoded' }),
      await post(`/${wrong}/api/discard`, {}),
      await raw(server.port, 'OPTIONS', `/${wrong}/api/promote`, {
        Host: host(),
        Origin: 'https://evil.example',
      }),
    ]
    for (const response of refused) {
      expect(response.status).toBe(403)
      expect(response.body).toBe('Forbidden\n')
      expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
    }
    // A preflight with the token gets no CORS approval either.
    const preflight = await raw(server.port, 'OPTIONS', `/${TOKEN}/api/promote`, {
      Host: host(),
      Origin: 'https://evil.example',
      'Access-Control-Request-Method': 'POST',
    })
    expect(preflight.status).toBe(403)
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([])
    expect(workspaceHead()).toBe(checkpoint)
    expect(durableHead()).toBe(before.durable)
    expect((await (await gittrix.getSession(sessionId)).info()).state).toBe('active')
  })

  it('says so when the port asked for is in use', async () => {
    await expect(startReviewServer({ gittrix, sessionId, port: server.port })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining(`Port ${server.port} on 127.0.0.1 is in use`),
    })
  })

  it('compares tokens whole: a prefix, a longer string or another case never matches', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true)
    for (const other of ['', TOKEN.slice(0, 42), `${TOKEN}A`, TOKEN.toLowerCase(), `${TOKEN.slice(0, -1)}B`])
      expect(tokenMatches(other, TOKEN)).toBe(false)
    const base = { method: 'GET', headers: { host: '127.0.0.1:80' } }
    expect(checkRequest({ ...base, url: `/${TOKEN}/api/status?x=1` }, 80, TOKEN)).toEqual({
      ok: true,
      path: '/api/status',
    })
    expect(checkRequest({ ...base, url: `/${TOKEN}` }, 80, TOKEN)).toEqual({ ok: true, path: '' })
    expect(checkRequest({ ...base, url: `/%${TOKEN}/` }, 80, TOKEN)).toEqual({ ok: false, reason: 'token' })
  })
})

describe('promotion from the page', () => {
  it('promotes exactly the selected paths of the commit the page showed, not what the workspace holds later', async () => {
    const shown = JSON.parse((await get(`/${TOKEN}/api/review`)).body) as {
      at: string
      files: Array<{ path: string }>
    }
    expect(shown.files.map((f) => f.path)).toEqual(['a.txt', 'c.txt'])
    const session = await gittrix.getSession(sessionId)
    await session.write('a.txt', 'written after the review\n')
    const status = JSON.parse((await get(`/${TOKEN}/api/status`)).body) as { fingerprint: string }
    expect(status.fingerprint).not.toBe((shown as unknown as { fingerprint: string }).fingerprint)
    const response = await post(`/${TOKEN}/api/promote`, {
      at: shown.at,
      files: ['a.txt'],
      message: 'from the page',
    })
    expect(response.status, response.body).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({ files: ['a.txt'], at: shown.at })
    expect(git(repo.path, 'show', 'main:a.txt')).toBe('reviewed a')
    expect(git(repo.path, 'ls-tree', '--name-only', 'main')).toBe('a.txt\nb.txt')
    expect(git(repo.path, 'log', '-1', '--format=%s', 'main')).toBe('from the page')
  })

  it('promotes hunks by the ids the review listed; an id the review did not list writes nothing', async () => {
    const session = await gittrix.getSession(sessionId)
    await session.write('a.txt', 'reviewed a\n')
    const shown = JSON.parse((await get(`/${TOKEN}/api/review`)).body) as {
      at: string
      files: Array<{ path: string; hunks?: Array<{ id: string }> }>
    }
    const hunks = shown.files.find((f) => f.path === 'a.txt')?.hunks ?? []
    expect(hunks).toHaveLength(1)
    const unknown = await post(`/${TOKEN}/api/promote`, {
      at: shown.at,
      files: [],
      hunks: [{ path: 'a.txt', ids: ['00000000'] }],
    })
    expect(unknown.status).toBe(400)
    expect(JSON.parse(unknown.body).error.code).toBe('INVALID_ARGUMENT')
    expect(durableHead()).toBe(repo.head)
    const response = await post(`/${TOKEN}/api/promote`, {
      at: shown.at,
      files: ['c.txt'],
      hunks: [{ path: 'a.txt', ids: [hunks[0]!.id] }],
    })
    expect(response.status, response.body).toBe(200)
    expect(git(repo.path, 'show', 'main:a.txt')).toBe('reviewed a')
    expect(git(repo.path, 'show', 'main:c.txt')).toBe('new c')
  })

  it('refuses a commit the page never showed, and an empty selection, writing nothing', async () => {
    await session().then((s) => s.commit('agent checkpoint'))
    const agentCommit = workspaceHead()
    const refused = await post(`/${TOKEN}/api/promote`, { at: agentCommit, files: ['a.txt'] })
    expect(refused.status).toBe(400)
    expect(JSON.parse(refused.body).error.code).toBe('INVALID_ARGUMENT')
    const shown = JSON.parse((await get(`/${TOKEN}/api/review`)).body) as { at: string }
    const empty = await post(`/${TOKEN}/api/promote`, { at: shown.at, files: [] })
    expect(empty.status).toBe(400)
    expect(durableHead()).toBe(repo.head)
  })

  it('shows the conflicting files of a BASELINE_CONFLICT', async () => {
    const shown = JSON.parse((await get(`/${TOKEN}/api/review`)).body) as { at: string }
    const durable = commitFiles(repo.path, { 'a.txt': 'durable a\n' })
    const response = await post(`/${TOKEN}/api/promote`, { at: shown.at, files: ['a.txt', 'c.txt'] })
    expect(response.status).toBe(409)
    expect(JSON.parse(response.body).error).toMatchObject({
      code: 'BASELINE_CONFLICT',
      conflictingFiles: ['a.txt'],
    })
    expect(durableHead()).toBe(durable)
  })

  it('discards the session', async () => {
    const response = await post(`/${TOKEN}/api/discard`, {})
    expect(response.status).toBe(200)
    expect((await (await gittrix.getSession(sessionId)).info()).state).toBe('discarded')
    const review = JSON.parse((await get(`/${TOKEN}/api/review`)).body) as { state: string; at: null }
    expect(review).toMatchObject({ state: 'discarded', at: null, files: [] })
  })
})

function session() {
  return gittrix.getSession(sessionId)
}
