/**
 * The App's Cloudflare Artifacts settings from its environment: both ARTIFACTS_ACCOUNT_ID and
 * ARTIFACTS_API_TOKEN or nothing, the default API root, and the token registered for redaction.
 */
import { describe, expect, it } from 'vitest'
import { readArtifactsSettings } from '../../app/artifacts.ts'
import { readServerSettings } from '../../app/server.ts'
import { redact } from '../../src/git/redact.ts'

describe('App: ARTIFACTS_* settings', () => {
  it('needs both the account id and the token; the API root defaults to Cloudflare', () => {
    expect(readArtifactsSettings({})).toBeNull()
    expect(readArtifactsSettings({ ARTIFACTS_ACCOUNT_ID: 'acct' })).toBeNull()
    expect(
      readArtifactsSettings({ ARTIFACTS_ACCOUNT_ID: 'acct', ARTIFACTS_API_TOKEN: 'tok-123456' }),
    ).toEqual({
      accountId: 'acct',
      apiToken: 'tok-123456',
      baseUrl: 'https://api.cloudflare.com/client/v4',
    })
    expect(
      readArtifactsSettings({
        ARTIFACTS_ACCOUNT_ID: 'acct',
        ARTIFACTS_API_TOKEN: 'tok-123456',
        ARTIFACTS_API_URL: 'http://127.0.0.1:9/client/v4',
      })?.baseUrl,
    ).toBe('http://127.0.0.1:9/client/v4')
  })

  it('registers the token for redaction as soon as it is read, even without the account id', () => {
    const token = `cf-secret-${Date.now()}`
    readArtifactsSettings({ ARTIFACTS_API_TOKEN: token })
    expect(redact(`token ${token} here`)).toBe('token *** here')
  })

  it('the server settings carry them', () => {
    const settings = readServerSettings({
      APP_ID: '1',
      PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
      WEBHOOK_SECRET: 's',
      ARTIFACTS_ACCOUNT_ID: 'acct',
      ARTIFACTS_API_TOKEN: 'tok-abcdef',
    })
    expect(settings.artifacts).toMatchObject({ accountId: 'acct', apiToken: 'tok-abcdef' })
    expect(
      readServerSettings({ APP_ID: '1', PRIVATE_KEY: settings.privateKey, WEBHOOK_SECRET: 's' }).artifacts,
    ).toBeNull()
  })
})
