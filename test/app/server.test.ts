/**
 * The server entry: refuses to start without its secrets, answers /healthz, verifies webhook
 * signatures (a forged delivery is refused), and hands signed deliveries to the App.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createGittrixHandler,
  readServerSettings,
  ServerConfigError,
  startGittrixServer,
} from '../../app/server.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'
import nock from 'nock'
import { examplePayloads } from './harness.ts'

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})
const SECRET = 'It is a secret to everybody'

describe('App server', () => {
  it('refuses to start without APP_ID, a private key and WEBHOOK_SECRET, naming each', async () => {
    expect(() => readServerSettings({})).toThrow(ServerConfigError)
    try {
      readServerSettings({ APP_ID: '1' })
    } catch (error) {
      expect((error as ServerConfigError).missing).toEqual([
        'PRIVATE_KEY or PRIVATE_KEY_PATH',
        'WEBHOOK_SECRET',
      ])
    }
    await expect(startGittrixServer({ APP_ID: '1', PRIVATE_KEY: privateKey })).rejects.toThrow(
      /WEBHOOK_SECRET/,
    )
    await expect(createGittrixHandler({ PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'x' })).rejects.toThrow(
      /APP_ID/,
    )
  })

  it('reads the key inline, \\n-escaped, base64 or from a file, and never echoes it', () => {
    const dir = tempDir()
    try {
      const file = join(dir, 'key.pem')
      writeFileSync(file, privateKey)
      const base = { APP_ID: '1', WEBHOOK_SECRET: 's' }
      expect(readServerSettings({ ...base, PRIVATE_KEY: privateKey }).privateKey).toBe(privateKey.trim())
      expect(
        readServerSettings({ ...base, PRIVATE_KEY: privateKey.trim().replace(/\n/g, '\\n') }).privateKey,
      ).toBe(privateKey.trim())
      expect(
        readServerSettings({ ...base, PRIVATE_KEY: Buffer.from(privateKey).toString('base64') }).privateKey,
      ).toBe(privateKey)
      expect(readServerSettings({ ...base, PRIVATE_KEY_PATH: file }).privateKey).toBe(privateKey)
      const error = (() => {
        try {
          readServerSettings({ ...base, PRIVATE_KEY: 'bm90IGEga2V5' })
        } catch (e) {
          return e as Error
        }
      })()
      expect(error?.message).toBe('Gittrix App: the private key is not a PEM key.')
      expect(() => readServerSettings({ ...base, PRIVATE_KEY_PATH: join(dir, 'missing.pem') })).toThrow(
        /ENOENT/,
      )
    } finally {
      cleanup(dir)
    }
  })

  it('reads PORT strictly: unset means 3000, anything but a whole number from 0 to 65535 is refused', () => {
    const base = { APP_ID: '1', WEBHOOK_SECRET: 's', PRIVATE_KEY: privateKey }
    expect(readServerSettings(base).port).toBe(3000)
    expect(readServerSettings({ ...base, PORT: '8080' }).port).toBe(8080)
    expect(readServerSettings({ ...base, PORT: '0' }).port).toBe(0)
    for (const port of ['', ' ', '70000', '65536', 'abc', '-1', '3.5', '1e3', '0x50', '80 ']) {
      let error: unknown
      try {
        readServerSettings({ ...base, PORT: port })
      } catch (e) {
        error = e
      }
      expect(error, `PORT=${JSON.stringify(port)}`).toBeInstanceOf(ServerConfigError)
      expect((error as ServerConfigError).missing).toEqual(['PORT'])
      expect((error as Error).message).toContain('PORT')
    }
  })

  describe('running', () => {
    let server: Server
    let url: string
    beforeAll(async () => {
      // No GitHub request may leave: a handler that tried one would fail and the delivery answer 500.
      nock.disableNetConnect()
      nock.enableNetConnect('127.0.0.1')
      server = await startGittrixServer({
        APP_ID: '4242',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: SECRET,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'fatal',
      })
      const address = server.address() as { port: number }
      url = `http://127.0.0.1:${address.port}`
    })
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve))
      nock.enableNetConnect()
    })

    it('answers /healthz and 404 elsewhere', async () => {
      const health = await fetch(`${url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
      expect((await fetch(`${url}/nope`)).status).toBe(404)
    })

    it('accepts a signed delivery and refuses a forged one', async () => {
      const body = JSON.stringify(examplePayloads('push')[0])
      const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
      const post = (signature: string) =>
        fetch(`${url}/api/github/webhooks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': 'd-1',
            'x-hub-signature-256': signature,
          },
          body,
        })
      expect((await post(sign(SECRET))).status).toBe(200)
      const forged = await post(sign('development'))
      expect(forged.status).toBeGreaterThanOrEqual(400)
    })
  })
})
