/**
 * The App's Cloudflare Artifacts settings from its environment: ARTIFACTS_ACCOUNT_ID, ARTIFACTS_API_TOKEN
 * and ARTIFACTS_NAMESPACE or nothing, the default API root, and the token registered for redaction.
 */
import { describe, expect, it } from 'vitest'
import { readArtifactsSettings } from '../../app/artifacts.ts'
import { readServerSettings } from '../../app/server.ts'
import { redact } from '../../src/git/redact.ts'

describe('App: ARTIFACTS_* settings', () => {
  it('needs the account id, the token and the namespace; the API root defaults to Cloudflare', () => {
    const all = {
      ARTIFACTS_ACCOUNT_ID: 'acct',
      ARTIFACTS_API_TOKEN: 'tok-123456',
      ARTIFACTS_NAMESPACE: 'agents',
    }
    expect(readArtifactsSettings({})).toBeNull()
    expect(readArtifactsSettings({ ARTIFACTS_ACCOUNT_ID: 'acct' })).toBeNull()
    expect(readArtifactsSettings({ ...all, ARTIFACTS_NAMESPACE: '' })).toBeNull()
    expect(readArtifactsSettings(all)).toEqual({
      accountId: 'acct',
      apiToken: 'tok-123456',
      baseUrl: 'https://api.cloudflare.com/client/v4',
      namespace: 'agents',
    })
    expect(
      readArtifactsSettings({ ...all, ARTIFACTS_API_URL: 'http://127.0.0.1:9/client/v4' })?.baseUrl,
    ).toBe('http://127.0.0.1:9/client/v4')
  })

  it('refuses a namespace Artifacts would refuse, saying which rule it breaks', () => {
    expect(() =>
      readArtifactsSettings({
        ARTIFACTS_ACCOUNT_ID: 'a',
        ARTIFACTS_API_TOKEN: 't-123456',
        ARTIFACTS_NAMESPACE: 'a/b',
      }),
    ).toThrow(/namespace name "a\/b" is not allowed/)
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
      ARTIFACTS_NAMESPACE: 'agents',
    })
    expect(settings.artifacts).toMatchObject({
      accountId: 'acct',
      apiToken: 'tok-abcdef',
      namespace: 'agents',
    })
    expect(
      readServerSettings({ APP_ID: '1', PRIVATE_KEY: settings.privateKey, WEBHOOK_SECRET: 's' }).artifacts,
    ).toBeNull()
  })
})
