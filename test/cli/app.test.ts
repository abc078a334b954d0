/**
 * `gittrix app` starts the GitHub App's own server entry in a child process (the CLI never imports
 * Probot): it refuses to start without the App's secrets, and with them it serves /healthz until
 * stopped.
 */
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cleanup, tempDir } from '../support/git-fixtures.ts'
import { runCliInProcess } from './in-process.ts'

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts')
const SECRETS = ['APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET', 'GITHUB_TOKEN']

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env }
  for (const name of SECRETS) delete base[name]
  return { ...base, ...extra }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

describe('gittrix app', () => {
  it('refuses to start without APP_ID, a private key and WEBHOOK_SECRET (exit 1, says which)', async () => {
    const child = spawn(process.execPath, ['--experimental-strip-types', MAIN, 'app'], { env: env({}) })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code).toBe(1)
    expect(stderr).toContain('APP_ID')
    expect(stderr).toContain('WEBHOOK_SECRET')
  })

  it('serves the App until stopped: /healthz answers, SIGTERM ends it', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const port = await freePort()
    const child = spawn(process.execPath, ['--experimental-strip-types', MAIN, 'app'], {
      env: env({
        APP_ID: '1',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: 'secret-for-test',
        PORT: String(port),
        HOST: '127.0.0.1',
      }),
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      let status = 0
      for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`)
          .then((res) => res.status)
          .catch(() => 0)
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(status, output).toBe(200)
      expect(output).not.toContain('BEGIN PRIVATE KEY')
      expect(output).not.toContain('secret-for-test')
    } finally {
      child.kill('SIGTERM')
    }
    await exited
  })
})

describe('gittrix app on a terminal', () => {
  const KEY = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey

  it("shows control and invisible characters in the server's output as escapes", async () => {
    const cwd = tempDir()
    try {
      // The server echoes a bad PORT in its error; JSON.stringify there leaves C1 and bidi raw.
      const run = await runCliInProcess(['app'], {
        store: join(cwd, 'store'),
        cwd,
        terminal: true,
        io: {
          env: {
            PATH: process.env.PATH,
            APP_ID: '1',
            PRIVATE_KEY: KEY,
            WEBHOOK_SECRET: 's',
            PORT: '\u202e\u009b2J\u200b',
          },
        },
      })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('PORT must be a whole number')
      expect(run.stderr).toContain('<U+202E>\\x9b2J<U+200B>')
      expect(run.stderr).not.toMatch(/[\u202e\u009b\u200b]/)
    } finally {
      cleanup(cwd)
    }
  })

  it('passes the output on byte for byte when it is piped', async () => {
    const child = spawn(process.execPath, ['--experimental-strip-types', MAIN, 'app'], {
      env: env({ APP_ID: '1', PRIVATE_KEY: KEY, WEBHOOK_SECRET: 's', PORT: '\u202e\u009b2J' }),
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    expect(await new Promise<number | null>((resolve) => child.on('close', resolve))).toBe(1)
    expect(stderr).toContain('(found "\u202e\u009b2J")')
  })
})
