/**
 * The `.env` file of the App's working directory, as Probot's manifest flow writes it (`APP_ID`,
 * `PRIVATE_KEY` with `\n`-escaped newlines in double quotes, `WEBHOOK_SECRET`, `WEBHOOK_PROXY_URL`,
 * `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`: node_modules/probot/lib/helpers/update-env.js). Parsed
 * with Node's own `.env` parser (`util.parseEnv`, the one Probot's `loadEnv` uses), but unlike Probot's
 * `applyEnv` it never overrides a variable that is already set: the real environment wins.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'

/** `.env` in the current working directory. */
export function defaultEnvFile(): string {
  return join(process.cwd(), '.env')
}

/**
 * Adds the variables of the `.env` file at `path` (default {@link defaultEnvFile}) to `env` (default
 * `process.env`), skipping every name `env` already has. A missing file adds nothing. Returns the
 * names added (never the values: they are secrets). Throws the read error for a file that exists but
 * cannot be read (e.g. `EACCES`).
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env, path: string = defaultEnvFile()): string[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const added: string[] = []
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue
    env[name] = value
    added.push(name)
  }
  return added
}
