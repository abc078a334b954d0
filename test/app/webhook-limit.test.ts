/**
 * Webhook bodies over GitHub's 25 MB payload cap are refused with 413 before anything buffers them:
 * by `Content-Length`, and by counting the bytes of a chunked body. Checked on the real server
 * process (`npm run app`) by its peak resident memory (VmHWM in /proc/<pid>/status) under an unsigned
 * 256 MB POST, and in-process for the server and the serverless handler.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGittrixHandler, createGittrixServer, readServerSettings } from '../../app/server.ts'
import { WEBHOOK_PAYLOAD_MAX_BYTES } from '../../app/webhook-body.ts'
import { type AppProcess, generateAppKey, startAppProcess, webhookSecret } from '../support/app-process.ts'
import { MiB, peakRss, postUnsigned } from '../support/unsigned-post.ts'

describe('webhook body limit on the real server process', () => {
  let app: AppProcess
  // A fresh process per case: VmHWM is a high-water mark.
  beforeEach(async () => {
    app = await startAppProcess({
      appId: 1,
      privateKey: generateAppKey().privateKey,
      webhookSecret: webhookSecret(),
      gheHost: '127.0.0.1:9',
    })
    // Warm the webhook path once (small unsigned body: 400) so idle includes the loaded code.
    expect(await postUnsigned(app.webhookUrl, 1024, 'length')).toBe(400)
  })
  afterEach(() => app?.stop())

  it.each(['length', 'chunked'] as const)(
    'an unsigned 256 MB POST (%s) is answered 413 and peak RSS stays within 50 MB of idle',
    async (mode) => {
      const idle = peakRss(app.pid)
      const status = await postUnsigned(app.webhookUrl, 256 * MiB, mode)
      const grew = peakRss(app.pid) - idle
      expect(status, app.logs()).toBe(413)
      expect(grew, `peak RSS grew by ${(grew / MiB).toFixed(1)} MiB`).toBeLessThan(50 * MiB)
    },
  )
})

describe('webhook body limit in-process', () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const env = {
    APP_ID: '1',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: 's',
    PORT: '0',
    LOG_LEVEL: 'fatal' as const,
  }
  const servers: Server[] = []
  afterAll(async () => {
    for (const server of servers) await new Promise((done) => server.close(done))
  })

  async function listen(server: Server): Promise<string> {
    servers.push(server)
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as { port: number }
    return `http://127.0.0.1:${port}`
  }

  const servedBy = {
    server: async () => (await createGittrixServer(readServerSettings(env))).server,
    'serverless handler': async () => {
      const handler = await createGittrixHandler(env)
      return createServer((req, res) => handler(req, res, () => res.writeHead(404).end()))
    },
  }

  it.each(Object.keys(servedBy) as Array<keyof typeof servedBy>)(
    '%s: 413 just over the cap (by length and chunked, trailing slash too); a body within it reaches the signature check',
    async (kind) => {
      const base = await listen(await servedBy[kind]())
      const over = WEBHOOK_PAYLOAD_MAX_BYTES + 1
      expect(await postUnsigned(`${base}/api/github/webhooks`, over, 'length')).toBe(413)
      expect(await postUnsigned(`${base}/api/github/webhooks`, over, 'chunked')).toBe(413)
      expect(await postUnsigned(`${base}/api/github/webhooks/`, over, 'chunked')).toBe(413)
      // A body within the cap goes on to Probot, which refuses the wrong signature.
      expect(await postUnsigned(`${base}/api/github/webhooks`, 2 * MiB, 'chunked')).toBe(400)
      // A client still sending that reads its answer late gets it: the refused connection lingers
      // (reading into nothing) rather than resetting once a few bytes more have come.
      expect(await postUnsigned(`${base}/api/github/webhooks`, 64 * MiB, 'length', { deafMs: 300 })).toBe(413)
      // Other paths are not read at all.
      expect(await postUnsigned(`${base}/elsewhere`, over, 'length')).toBe(404)
    },
  )
})
