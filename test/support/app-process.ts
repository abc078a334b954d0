/**
 * The Gittrix App as it runs in production: its `npm run app` entry (app/server.ts) as a child
 * process, with a freshly generated RSA key, a webhook secret and `GHE_HOST`/`GHE_PROTOCOL=http`
 * pointing Probot at a loopback GitHub (`http://<host>/api/v3`). It listens on an ephemeral port,
 * read from its "Gittrix App listening" log line; {@link startAppProcess} resolves once `/healthz`
 * answers.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')

/** A key pair for a GitHub App (PKCS#8 private key, SPKI public key, PEM). */
export function generateAppKey(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
}

/** A running App server. */
export interface AppProcess {
  /** Where GitHub posts webhooks. */
  webhookUrl: string
  baseUrl: string
  /** The server's process id (e.g. to read its memory from /proc). */
  pid: number
  /** Everything it logged (pino JSON lines), for failure messages. */
  logs(): string
  stop(): Promise<void>
}

/** The command of `npm run app`, from package.json, with `node` being this Node. */
function appCommand(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  const [program, ...args] = pkg.scripts.app!.split(' ')
  if (program !== 'node') throw new Error(`unexpected app script: ${pkg.scripts.app}`)
  return args
}

/** Starts the App against the GitHub at `gheHost` (host:port, plain HTTP). */
export async function startAppProcess(options: {
  appId: number
  privateKey: string
  webhookSecret: string
  gheHost: string
  /** More environment for the App (e.g. its `ARTIFACTS_*` credentials). */
  env?: Record<string, string>
}): Promise<AppProcess> {
  const child: ChildProcess = spawn(process.execPath, appCommand(), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APP_ID: String(options.appId),
      PRIVATE_KEY: options.privateKey,
      WEBHOOK_SECRET: options.webhookSecret,
      PORT: '0',
      HOST: '127.0.0.1',
      GHE_HOST: options.gheHost,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'info',
      NODE_NO_WARNINGS: '1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const port = await new Promise<number>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = /"port":(\d+)[^\n]*"msg":"Gittrix App listening"/.exec(output)
      if (match) done(Number(match[1]))
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => fail(new Error(`the App exited (${code}) before listening:\n${output}`)))
  })
  const baseUrl = `http://127.0.0.1:${port}`
  const health = await fetch(`${baseUrl}/healthz`)
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`)
  return {
    webhookUrl: `${baseUrl}/api/github/webhooks`,
    baseUrl,
    pid: child.pid!,
    logs: () => output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done()
        child.once('exit', () => done())
        child.kill('SIGTERM')
      }),
  }
}

/** A random webhook secret. */
export function webhookSecret(): string {
  return randomBytes(20).toString('hex')
}
