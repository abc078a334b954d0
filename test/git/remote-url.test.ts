/**
 * The one check of a URL a credential goes to (src/git/remote-url.ts), and its callers: the Artifacts
 * remote the control plane returns (`checkRemote`) and the Action's `GITHUB_SERVER_URL`
 * (`repositoryUrl`). Each refusal says what is wrong without quoting the URL.
 */
import { describe, expect, it } from 'vitest'
import { repositoryUrl } from '../../action/lib/remote.ts'
import { checkRemote } from '../../src/adapters/artifacts/transport.ts'
import { isGittrixError } from '../../src/core/errors.ts'
import { remoteUrlProblem } from '../../src/git/remote-url.ts'

const ACCEPTED = [
  'https://acct.artifacts.cloudflare.net/git/ns/repo.git',
  'https://github.com',
  'https://ghe.example.com/',
  'http://127.0.0.1:8080/git/default/repo.git',
  'http://localhost:3000',
  'http://[::1]:9000/x.git',
]

/** A URL, why it is refused, and a secret that must not show in the error. */
const REFUSED: [string, RegExp][] = [
  ['github.com/o/r.git', /is not a URL/],
  ['', /is not a URL/],
  ['https://x-access-token:s3cr3t@github.com', /must not carry credentials/],
  ['https://s3cr3t@github.com', /must not carry credentials/],
  ['http://github.com', /must be an https:\/\/ URL/],
  ['http://127.0.0.2.example.com/repo.git', /must be an https:\/\/ URL/],
  ['ftp://github.com/s3cr3t', /must be an https:\/\/ URL/],
  ['file:///tmp/s3cr3t.git', /must be an https:\/\/ URL/],
  ['ext::sh%20-c%20s3cr3t', /must be an https:\/\/ URL/],
  ['https://github.com/o/r.git?s3cr3t=1', /must not have a query or fragment/],
  ['https://github.com/o/r.git#s3cr3t', /must not have a query or fragment/],
  ['https://github.com/o/r.git?', /must not have a query or fragment/],
  ['https://github.com/o/r\n.git', /white space or control characters/],
  ['https://github.com/o/r\t.git', /white space or control characters/],
  [' https://github.com', /white space or control characters/],
  ['https://github.com\n', /white space or control characters/],
]

describe('remoteUrlProblem', () => {
  it.each(ACCEPTED)('accepts %s', (url) => {
    expect(remoteUrlProblem(url)).toBeNull()
  })

  it.each(REFUSED)('refuses %j', (url, reason) => {
    expect(remoteUrlProblem(url)).toMatch(reason)
    expect(remoteUrlProblem(url)).not.toContain('s3cr3t')
  })
})

describe('checkRemote (the Artifacts remote)', () => {
  it('returns an accepted remote unchanged', () => {
    for (const url of ACCEPTED) expect(checkRemote(url)).toBe(url)
  })

  it.each(REFUSED)('refuses %j with ADAPTER_UNAVAILABLE, naming the reason, not the URL', (url, reason) => {
    let caught: unknown
    try {
      checkRemote(url)
    } catch (error) {
      caught = error
    }
    expect(isGittrixError(caught, 'ADAPTER_UNAVAILABLE')).toBe(true)
    expect((caught as Error).message).toMatch(reason)
    expect((caught as Error).message).not.toContain('s3cr3t')
  })
})

describe('repositoryUrl (GITHUB_SERVER_URL)', () => {
  it('builds <server>/<owner>/<repo>.git from an accepted server URL', () => {
    expect(repositoryUrl('https://github.com', 'o/r')).toBe('https://github.com/o/r.git')
    expect(repositoryUrl('https://ghe.example.com/', 'o/r')).toBe('https://ghe.example.com/o/r.git')
    expect(repositoryUrl('http://127.0.0.1:8080', 'o/r')).toBe('http://127.0.0.1:8080/o/r.git')
  })

  it.each(REFUSED)('refuses %j with INVALID_ARGUMENT, naming the reason, not the URL', (url, reason) => {
    let caught: unknown
    try {
      repositoryUrl(url, 'o/r')
    } catch (error) {
      caught = error
    }
    expect(isGittrixError(caught, 'INVALID_ARGUMENT')).toBe(true)
    expect((caught as Error).message).toMatch(/^GITHUB_SERVER_URL /)
    expect((caught as Error).message).toMatch(reason)
    expect((caught as Error).message).not.toContain('s3cr3t')
  })

  it('still refuses a repository that is not owner/repo', () => {
    expect(() => repositoryUrl('https://github.com', 'o/r/x')).toThrow(/is not "owner\/repo"/)
  })
})
