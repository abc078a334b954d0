/**
 * The App's server entry (`npm run app`) and a handler for serverless hosts.
 *
 * It reads `.env` in its working directory (as Probot's manifest flow writes it; the environment
 * wins) and refuses to start unless `APP_ID`, `PRIVATE_KEY` or `PRIVATE_KEY_PATH`, and `WEBHOOK_SECRET` are
 * set: Probot alone would fall back to the webhook secret "development" and accept forged deliveries
 * (docs/platform-facts.md#probot, `src/server/server.ts`). Logs are pino JSON lines
 * (`LOG_FORMAT=pretty` for people), and never contain the key, the secret or tokens.
 *
 * Routes: `GET /healthz` → `200 {"status":"ok"}`; `POST $WEBHOOK_PATH` (default
 * `/api/github/webhooks`) → a body over GitHub's 25 MB payload cap is refused with 413 before it is
 * buffered (app/webhook-body.ts), then Probot's webhook middleware (signature checked, 202 after 9 s
 * while work continues); anything else → 404.
 *
 * Optional: `ARTIFACTS_ACCOUNT_ID`, `ARTIFACTS_API_TOKEN`, `ARTIFACTS_API_URL` for sessions whose
 * workspace is a Cloudflare Artifacts repository (app/artifacts.ts); the token is redacted everywhere.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot'
import { type GitHubRequestPolicy, gitHubRequestPolicy } from '../src/github.ts'
import { type ArtifactsSettings, readArtifactsSettings } from './artifacts.ts'
import { loadEnvFile } from './env-file.ts'
import { createGittrixApp } from './gittrix-app.ts'
import { limitWebhookBody, type WebhookHandler } from './webhook-body.ts'

export type { WebhookHandler } from './webhook-body.ts'

/** What the server needs, read from the environment. */
export interface ServerSettings {
  appId: string
  privateKey: string
  webhookSecret: string
  port: number
  host: string
  webhookPath: string
  /** GitHub Enterprise Server API root, from `GHE_HOST` (and `GHE_PROTOCOL`). */
  baseUrl?: string
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
  logFormat: 'json' | 'pretty'
  /** Cloudflare Artifacts credentials from `ARTIFACTS_*` (app/artifacts.ts), or `null`/absent. */
  artifacts?: ArtifactsSettings | null
}

/** Thrown when the environment lacks something the server needs; `missing` names the variables. */
export class ServerConfigError extends Error {
  readonly missing: string[]
  constructor(missing: string[], detail?: string) {
    super(
      detail ??
        `Gittrix App: set ${missing.join(', ')} before starting, in the environment or in .env (the GitHub App's id, private key and webhook secret; npm run app:register writes them; see README "GitHub App").`,
    )
    this.name = 'ServerConfigError'
    this.missing = missing
  }
}

/**
 * Reads the settings from `env`. `PRIVATE_KEY` may be the PEM (with real or `\n`-escaped newlines) or
 * its base64; `PRIVATE_KEY_PATH` names a PEM file. Throws {@link ServerConfigError} naming every
 * missing variable, or an unreadable key file (the message never includes key material).
 */
export function readServerSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const missing: string[] = []
  if (!env.APP_ID?.trim()) missing.push('APP_ID')
  if (!env.PRIVATE_KEY?.trim() && !env.PRIVATE_KEY_PATH?.trim())
    missing.push('PRIVATE_KEY or PRIVATE_KEY_PATH')
  if (!env.WEBHOOK_SECRET?.trim()) missing.push('WEBHOOK_SECRET')
  if (missing.length) throw new ServerConfigError(missing)
  let privateKey: string
  if (env.PRIVATE_KEY?.trim()) {
    const raw = env.PRIVATE_KEY.trim()
    privateKey = raw.includes('-----BEGIN')
      ? raw.replace(/\\n/g, '\n')
      : Buffer.from(raw, 'base64').toString('utf8')
  } else {
    try {
      privateKey = readFileSync(env.PRIVATE_KEY_PATH!.trim(), 'utf8')
    } catch (error) {
      throw new ServerConfigError(
        ['PRIVATE_KEY_PATH'],
        `Gittrix App: cannot read PRIVATE_KEY_PATH (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      )
    }
  }
  if (!privateKey.includes('-----BEGIN'))
    throw new ServerConfigError(['PRIVATE_KEY'], 'Gittrix App: the private key is not a PEM key.')
  const port = readPort(env.PORT)
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const
  const logLevel = levels.find((l) => l === env.LOG_LEVEL) ?? 'info'
  return {
    appId: env.APP_ID!.trim(),
    privateKey,
    webhookSecret: env.WEBHOOK_SECRET!.trim(),
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    webhookPath: env.WEBHOOK_PATH?.trim() || '/api/github/webhooks',
    ...(env.GHE_HOST ? { baseUrl: `${env.GHE_PROTOCOL || 'https'}://${env.GHE_HOST}/api/v3` } : {}),
    logLevel,
    logFormat: env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json',
    artifacts: readArtifactsSettings(env),
  }
}

/**
 * The TCP port from `PORT`: unset → 3000; otherwise decimal digits only, 0 (any free port) to 65535.
 * Throws {@link ServerConfigError} naming PORT for anything else (`""`, `abc`, `-1`, `3.5`, `70000`).
 */
function readPort(value: string | undefined): number {
  if (value === undefined) return 3000
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (port >= 0 && port <= 65_535) return port
  throw new ServerConfigError(
    ['PORT'],
    `Gittrix App: PORT must be a whole number from 0 to 65535, or unset for 3000 (found ${JSON.stringify(value.slice(0, 20))}).`,
  )
}

/**
 * A Probot instance configured from `settings` (webhook secret required, JSON logs). Its Octokit runs
 * Gittrix's retry and throttling policy (src/adapters/github/client.ts `gitHubRequestPolicy`: a rate
 * limit lifting in more than 120 s fails the event instead of sleeping, no 4xx is retried) in place of
 * Probot's defaults, which retry every rate limit however long it lasts. `policy` is for tests.
 */
export function createProbotFrom(
  settings: ServerSettings,
  policy: GitHubRequestPolicy = gitHubRequestPolicy(),
): Probot {
  return new Probot({
    Octokit: withRequestPolicy(policy),
    appId: settings.appId,
    privateKey: settings.privateKey,
    secret: settings.webhookSecret,
    logLevel: settings.logLevel,
    logFormat: settings.logFormat,
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
  })
}

/**
 * `ProbotOctokit` with `policy` in force. Probot passes its own `throttle` options per instance: its
 * rate-limit handlers (retry up to three times whatever the wait), and a Redis connection when
 * `REDIS_URL` is set. The connection is kept; the policy's handlers and settings win.
 */
function withRequestPolicy(policy: GitHubRequestPolicy): typeof ProbotOctokit {
  return ProbotOctokit.defaults((options: Record<string, unknown> = {}) => ({
    ...options,
    retry: { ...(options.retry as object | undefined), ...policy.retry },
    throttle: { ...(options.throttle as object | undefined), ...policy.throttle },
  }))
}

/**
 * The webhook handler for serverless hosts (Vercel, Cloud Functions, any Node `(req, res)` platform):
 * Probot's `createNodeMiddleware` over the Gittrix App behind the webhook body limit
 * (app/webhook-body.ts), after the same environment checks as the server.
 * `export default await createGittrixHandler()`. With the default `env` (`process.env`), `.env` in the
 * working directory is read first, never overriding what is set (app/env-file.ts); an explicit `env`
 * is used as given. Throws {@link ServerConfigError}.
 */
export async function createGittrixHandler(env: NodeJS.ProcessEnv = process.env): Promise<WebhookHandler> {
  if (env === process.env) loadEnvFile(process.env)
  const settings = readServerSettings(env)
  const middleware = await createNodeMiddleware(createGittrixApp({ artifacts: settings.artifacts ?? null }), {
    probot: createProbotFrom(settings),
    webhooksPath: settings.webhookPath,
  })
  return limitWebhookBody(middleware, { path: settings.webhookPath })
}

/** Builds (does not start) the HTTP server: `/healthz`, the webhook path, 404 elsewhere. */
export async function createGittrixServer(
  settings: ServerSettings,
): Promise<{ server: Server; probot: Probot }> {
  const probot = createProbotFrom(settings)
  const middleware = limitWebhookBody(
    await createNodeMiddleware(createGittrixApp({ artifacts: settings.artifacts ?? null }), {
      probot,
      webhooksPath: settings.webhookPath,
    }),
    { path: settings.webhookPath },
  )
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
      return
    }
    void middleware(req, res, () => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}')
    })
  })
  return { server, probot }
}

/**
 * Starts the server from the environment; resolves once it listens. With the default `env`
 * (`process.env`: `npm run app`, `gittrix app`), `.env` in the working directory — where Probot's
 * manifest flow (`npm run app:register`) writes the App's credentials — is read first, never
 * overriding what is set (app/env-file.ts); an explicit `env` is used as given. Throws
 * {@link ServerConfigError}.
 */
export async function startGittrixServer(env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  if (env === process.env) loadEnvFile(process.env)
  const settings = readServerSettings(env)
  const { server, probot } = await createGittrixServer(settings)
  await new Promise<void>((resolve) => server.listen(settings.port, settings.host, resolve))
  const address = server.address()
  probot.log.info(
    {
      port: typeof address === 'object' && address ? address.port : settings.port,
      webhookPath: settings.webhookPath,
    },
    'Gittrix App listening',
  )
  return server
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  startGittrixServer().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof ServerConfigError ? error.message : String((error as Error)?.message ?? error)}\n`,
    )
    process.exitCode = 1
  })
}
