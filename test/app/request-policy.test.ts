/**
 * The App's Octokit runs the same retry and throttling policy as every other Gittrix GitHub caller
 * (src/adapters/github/client.ts `gitHubRequestPolicy`), not Probot's defaults: a rate limit that lifts
 * in an hour fails the request at once instead of holding the webhook for an hour, a 4xx is answered
 * once, and a 5xx is retried a bounded number of times.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createProbotFrom, readServerSettings } from '../../app/server.ts'
import { gitHubRequestPolicy } from '../../src/github.ts'
import { type GitHubMock, githubMock } from '../support/github-nock.ts'

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})
const settings = readServerSettings({
  APP_ID: '1',
  WEBHOOK_SECRET: 'secret',
  PRIVATE_KEY: privateKey,
  LOG_LEVEL: 'fatal',
})
/** The App's policy, with backoff units of 0 ms so the test never sleeps. */
const policy = gitHubRequestPolicy({ retry: { retryAfterBaseMs: 0 }, throttle: { retryAfterBaseMs: 0 } })
const appBody = () => ({ ...(gh.example('GET /app', 200) as object) })

let gh: GitHubMock
afterEach(() => gh.done())

describe('the App’s Octokit request policy', () => {
  it('gives up on a primary rate limit that lifts in an hour instead of sleeping through it', async () => {
    gh = githubMock()
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    gh.on('GET /app', {
      reply: [
        403,
        { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      ],
      allowUndeclaredStatus: true,
    })
    const octokit = await createProbotFrom(settings, policy).auth()
    // Probot's own policy retries every rate limit, whatever the wait: this request would hang an hour.
    await expect(octokit.request('GET /app')).rejects.toMatchObject({ status: 403 })
    expect(gh.requests).toHaveLength(1)
  })

  it('answers a 404 once and retries a 502 three times before failing', async () => {
    gh = githubMock()
    gh.on('GET /app', { reply: [404, { message: 'Not Found' }], allowUndeclaredStatus: true })
    const octokit = await createProbotFrom(settings, policy).auth()
    await expect(octokit.request('GET /app')).rejects.toMatchObject({ status: 404 })
    expect(gh.requests).toHaveLength(1)
    gh.done()

    gh = githubMock()
    gh.on('GET /app', { reply: [502, { message: 'Bad Gateway' }], allowUndeclaredStatus: true, times: 4 })
    await expect(octokit.request('GET /app')).rejects.toMatchObject({ status: 502 })
    expect(gh.requests).toHaveLength(4)
    gh.done()

    gh = githubMock()
    gh.on('GET /app', { reply: [502, { message: 'Bad Gateway' }], allowUndeclaredStatus: true })
    gh.on('GET /app', { reply: [200, appBody()] })
    await expect(octokit.request('GET /app')).resolves.toMatchObject({ status: 200 })
    expect(gh.requests).toHaveLength(2)
  })
})
