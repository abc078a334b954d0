/**
 * The one credential-carrying git helper (src/git/network.ts) against a loopback git host that records
 * every Authorization header: the header goes out exactly once, only to its URL, and nothing a later CI
 * step could have put in the environment (`GIT_TRACE_CURL`, `GIT_EXEC_PATH`, a fake `git` on `PATH`)
 * sees it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionRemote } from '../../action/lib/remote.ts'
import { githubTokenAuth, httpAuthConfig } from '../../src/git/network.ts'
import { basicAuth, type GitHost, startGitHost } from '../action/support.ts'

const TOKEN = 'ghs_NetworkTestToken0123456789abcdef'
let host: GitHost
let traps: string

beforeAll(async () => {
  host = await startGitHost({ owner: 'o', repo: 'r', token: TOKEN, files: { 'a.txt': 'a\n' } })
  traps = mkdtempSync(join(tmpdir(), 'gittrix-net-traps-'))
})

afterAll(async () => {
  await host?.close()
  rmSync(traps, { recursive: true, force: true })
})

describe('httpAuthConfig', () => {
  it('resets inherited headers, scopes the header to the URL and follows no redirect', () => {
    const auth = githubTokenAuth('https://ghe.example.com/', TOKEN)
    const entries = httpAuthConfig(auth)
    expect(entries[0]).toEqual(['http.https://ghe.example.com/.extraHeader', ''])
    expect(entries[1]![0]).toBe('http.https://ghe.example.com/.extraHeader')
    expect(entries[1]![1]).toBe(basicAuth(TOKEN).replace(/^basic/, 'AUTHORIZATION: basic'))
    expect(entries).toContainEqual(['http.followRedirects', 'false'])
  })
})

describe('a credentialed git command', () => {
  it('sends one header, and a steered environment neither traces it nor runs another git', async () => {
    const fakeDir = join(traps, 'bin')
    const trace = join(traps, 'curl.trace')
    const ran = join(traps, 'fake-git.ran')
    rmSync(fakeDir, { recursive: true, force: true })
    mkdirSync(fakeDir, { recursive: true })
    writeFileSync(join(fakeDir, 'git'), `#!/bin/sh\nenv > "${ran}"\nexit 1\n`)
    chmodSync(join(fakeDir, 'git'), 0o755)
    const saved = { ...process.env }
    // What an agent appends to $GITHUB_ENV / $GITHUB_PATH for the steps after it.
    Object.assign(process.env, {
      GIT_TRACE_CURL: trace,
      GIT_TRACE_REDACT: '0',
      GIT_TRACE: trace,
      GIT_EXEC_PATH: fakeDir,
      GIT_SSL_NO_VERIFY: '1',
      PATH: `${fakeDir}:${process.env.PATH}`,
    })
    try {
      const before = host.requests.length
      const remote = new SessionRemote({ serverUrl: host.serverUrl, repository: 'o/r', token: TOKEN })
      const refs = await remote.listRefs(['refs/heads/main'])
      expect(refs.get('refs/heads/main')).toMatch(/^[0-9a-f]{40}$/)
      const requests = host.requests.slice(before)
      expect(requests.length).toBeGreaterThan(0)
      for (const r of requests) expect(r.authorization).toEqual([basicAuth(TOKEN)])
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
    expect(existsSync(trace) ? readFileSync(trace, 'utf8') : '').toBe('')
    expect(existsSync(ran)).toBe(false)
  })
})
