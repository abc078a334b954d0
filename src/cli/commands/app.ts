/**
 * `gittrix app`: runs the GitHub App's webhook server (`app/server`, the same entry as `npm run app`)
 * in a child process. The CLI lives in `src/`, which never imports Probot; it starts the App's own
 * entry point instead, with this process's environment (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
 * WEBHOOK_SECRET, PORT), working directory and standard input, and forwards SIGINT/SIGTERM to it. The entry
 * reads `.env` in that working directory (as Probot's manifest flow writes it), never overriding
 * the environment (app/env-file.ts).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { fileURLToPath } from 'node:url'
import { GittrixError } from '../../core/errors.ts'
import { handleSignalsWhile } from '../../process/signals.ts'
import type { CliIo } from '../io.ts'
import type { CommandResult } from '../output.ts'
import { visible } from '../terminal-text.ts'
import { packageRoot } from '../version.ts'

/** The server entry: the built `dist/app/server.js` when this CLI runs from `dist/`, else `app/server.ts`. */
export function appServerEntry(): string[] {
  const root = packageRoot()
  if (!root)
    throw new GittrixError('ADAPTER_UNAVAILABLE', 'Cannot find the gittrix package to start the App from.')
  const built = join(root, 'dist', 'app', 'server.js')
  const fromDist = fileURLToPath(import.meta.url).startsWith(join(root, 'dist'))
  if (fromDist && existsSync(built)) return [built]
  return ['--experimental-strip-types', join(root, 'app', 'server.ts')]
}

/**
 * Throws `ADAPTER_UNAVAILABLE` naming `npm install probot` when Probot cannot be resolved from this
 * package. Probot is an optional peer dependency (package.json `peerDependenciesMeta`): the library
 * and the other commands never load it, so installing `gittrix` alone does not bring it in. It is
 * resolved, not imported (`import.meta.resolve` throws `ERR_MODULE_NOT_FOUND` for a missing package,
 * https://nodejs.org/api/esm.html#importmetaresolvespecifier), from here because the App's entry is in
 * the same package and so resolves `probot` from the same `node_modules` chain.
 */
export function requireProbot(): void {
  try {
    import.meta.resolve('probot')
  } catch {
    throw new GittrixError(
      'ADAPTER_UNAVAILABLE',
      'gittrix app needs Probot, an optional peer dependency that is not installed: run `npm install probot` ' +
        'where gittrix is installed (`npm install -g probot` beside a global gittrix), then start it again.',
    )
  }
}

/**
 * Runs the App server until it exits, with `io`'s environment. Resolves when it exits with 0; throws
 * `ADAPTER_UNAVAILABLE` when Probot is not installed ({@link requireProbot}) or the server exits
 * otherwise (its own message, e.g. which variable is missing, is already on stderr). Its logs name what
 * others wrote (branch and file names, comments): on a terminal they pass through {@link visible}
 * (control characters as `\xNN`, invisible ones as `<U+NNNN>`, so without pino-pretty's colours);
 * piped or redirected, they are passed on as they are.
 */
export async function appCommand(io: CliIo): Promise<CommandResult> {
  requireProbot()
  const onTerminal = [io.stdoutIsTerminal === true, io.stderrIsTerminal === true] as const
  const child = spawn(process.execPath, appServerEntry(), {
    stdio: ['inherit', onTerminal[0] ? 'pipe' : 'inherit', onTerminal[1] ? 'pipe' : 'inherit'],
    env: io.env,
    cwd: io.cwd,
  })
  if (child.stdout) forwardVisible(child.stdout, (text) => io.stdout(text))
  if (child.stderr) forwardVisible(child.stderr, (text) => io.stderr(text))
  const code = await handleSignalsWhile(
    ['SIGINT', 'SIGTERM'],
    (signal) => child.kill(signal),
    () =>
      new Promise<number>((resolve, reject) => {
        child.on('error', reject)
        // `close`, not `exit`: its piped output has been read to the end by then.
        child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)))
      }),
  )
  if (code !== 0) {
    throw new GittrixError('ADAPTER_UNAVAILABLE', `The GitHub App server stopped with exit code ${code}.`)
  }
  return { data: { exitCode: code }, text: '' }
}

/**
 * Writes what `stream` carries (UTF-8; a character split between chunks is kept whole, bytes that are
 * not UTF-8 become U+FFFD) through {@link visible}.
 */
export function forwardVisible(stream: Readable, write: (text: string) => void): void {
  const decoder = new StringDecoder('utf8')
  stream.on('data', (chunk: Buffer) => {
    const text = decoder.write(chunk)
    if (text) write(visible(text))
  })
  stream.on('end', () => {
    const rest = decoder.end()
    if (rest) write(visible(rest))
  })
}
