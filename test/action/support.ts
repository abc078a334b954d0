/**
 * What the Action tests need around the built bundle:
 *
 * - {@link startGitHost}: the loopback GitHub (test/support/loopback-github.ts) for one repository and
 *   one workflow token, without an App: git smart HTTP demanding
 *   `Authorization: Basic base64(x-access-token:<token>)`, the REST routes under `/api/v3` checked
 *   against GitHub's OpenAPI description, and every request recorded with its Authorization headers.
 *   The bundle runs as a child process, which cannot see this process's nock, so the REST calls it
 *   makes are answered by a real server, as on GitHub Enterprise Server.
 * - {@link runBundle}: runs `node action/dist/index.js` with `INPUT_*` and `GITHUB_*` set, the runner's
 *   file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_STEP_SUMMARY) as real files, and
 *   reads them back. `post: true` passes the saved state as `STATE_*`, as the runner does.
 * - {@link ensureBundle}: rebuilds action/dist when a source file is newer than the bundle.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { GitDataApi } from '../support/git-data-api.ts'
import { basicAuth } from '../support/git-http.ts'
import { LoopbackGitHub, type WireRequest } from '../support/loopback-github.ts'

export { basicAuth }

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..')
/** The bundle under test. */
export const BUNDLE = join(ROOT, 'action/dist/index.js')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Builds action/dist (`npm run build:action`) when it is missing or older than action/ or src/. */
export function ensureBundle(): void {
  const built = existsSync(BUNDLE) ? statSync(BUNDLE).mtimeMs : 0
  const sources = Math.max(newestMtime(join(ROOT, 'action')), newestMtime(join(ROOT, 'src')))
  if (built >= sources) return
  execFileSync('npm', ['run', '--silent', 'build:action'], { cwd: ROOT, stdio: 'inherit' })
}

/** One request the host answered (REST or git), as {@link LoopbackGitHub.wire} records it. */
export type HostRequest = WireRequest

/** A running loopback host; see the module comment. */
export interface GitHost {
  /** `GITHUB_SERVER_URL`. */
  serverUrl: string
  /** `GITHUB_API_URL`. */
  apiUrl: string
  /** The repository URL (`<serverUrl>/<owner>/<repo>.git`). */
  repoUrl: string
  /** The bare repository. */
  gitDir: string
  api: GitDataApi
  requests: HostRequest[]
  /** `-c http.extraheader=…` arguments that authenticate a test's own git command. */
  authArgs: string[]
  close(): Promise<void>
}

/**
 * Starts the host for `owner/repo` with one bare repository (branch `main` holding `files`) that
 * accepts `token` (as the workflow's `GITHUB_TOKEN`) and nothing else: the loopback GitHub of the
 * end-to-end tests, without an App.
 */
export async function startGitHost(options: {
  owner: string
  repo: string
  token: string
  files: Record<string, string | Buffer>
}): Promise<GitHost> {
  const github = await LoopbackGitHub.start({
    owner: options.owner,
    repo: options.repo,
    files: options.files,
    people: {},
    workflowToken: options.token,
    appPublicKey: unusedAppKey(),
    webhookSecret: randomUUID(),
  })
  return {
    serverUrl: github.serverUrl,
    apiUrl: github.apiUrl,
    repoUrl: github.repoUrl,
    gitDir: github.gitDir,
    api: github.api,
    requests: github.wire,
    authArgs: github.gitAuth(),
    close: () => github.close(),
  }
}

let appKey: string | undefined
/** A public key for the App no test here signs with (the host checks JWTs only for `/app` routes). */
function unusedAppKey(): string {
  appKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  }).publicKey
  return appKey
}

/** What one run of the bundle produced. */
export interface BundleRun {
  code: number | null
  stdout: string
  stderr: string
  /** GITHUB_OUTPUT, parsed. */
  outputs: Record<string, string>
  /** GITHUB_STATE, parsed (pass to a post run). */
  state: Record<string, string>
  /** GITHUB_ENV, parsed. */
  exported: Record<string, string>
  /** The job summary markdown. */
  summary: string
  /** The `::error::` annotations in stdout (decoded). */
  errors: string[]
  /** The `::warning::` annotations in stdout (decoded). */
  warnings: string[]
}

/** Parses a runner file command file (`name<<delimiter` … `delimiter`, or `name=value`). */
export function parseFileCommand(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!)
      out[heredoc[1]!] = value.join('\n')
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return out
}

function annotations(stdout: string, kind: 'error' | 'warning'): string[] {
  const decode = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${kind}`))
    .map((line) => decode(line.slice(line.indexOf('::', 2) + 2)))
}

/** Runs the bundle as the runner would; see the module comment. */
export async function runBundle(options: {
  inputs: Record<string, string>
  env: Record<string, string>
  /** Saved state of the main run: makes this the post step. */
  post?: Record<string, string>
  cwd?: string
  /** Sends `signal` to the bundle once its stdout contains `after` (a cancelled job). */
  interrupt?: { after: string; signal: NodeJS.Signals }
}): Promise<BundleRun> {
  const files = mkdtempSync(join(tmpdir(), 'gittrix-runner-'))
  const paths = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_PATH: join(files, 'path'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
  }
  for (const path of Object.values(paths)) writeFileSync(path, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: files,
    GIT_CONFIG_NOSYSTEM: '1',
    RUNNER_TEMP: files,
    GITHUB_ACTIONS: 'true',
    ...paths,
    ...options.env,
  }
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  for (const [name, value] of Object.entries(options.post ?? {})) env[`STATE_${name}`] = value
  const child = spawn(process.execPath, [BUNDLE], {
    cwd: options.cwd ?? files,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let interrupted = false
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
    if (options.interrupt && !interrupted && stdout.includes(options.interrupt.after)) {
      interrupted = true
      setTimeout(() => child.kill(options.interrupt!.signal), 300)
    }
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)))
  const read = (path: string) => readFileSync(path, 'utf8')
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommand(read(paths.GITHUB_OUTPUT)),
    state: parseFileCommand(read(paths.GITHUB_STATE)),
    exported: parseFileCommand(read(paths.GITHUB_ENV)),
    summary: read(paths.GITHUB_STEP_SUMMARY),
    errors: annotations(stdout, 'error'),
    warnings: annotations(stdout, 'warning'),
  }
}

/**
 * The second job of the default topology, as a workflow runs it: `actions/upload-artifact` and
 * `actions/download-artifact` are simulated by copying the agent job's `bundle` output into a fresh
 * directory (the publish job's own RUNNER_TEMP and file-command files, as on another machine); then the
 * bundle runs with `mode: publish` and the write token. `inputs` may add or override inputs.
 */
export async function runPublishJob(options: {
  agentJob: BundleRun
  token: string
  env: Record<string, string>
  inputs?: Record<string, string>
}): Promise<BundleRun> {
  const made = options.agentJob.outputs.bundle
  if (!made)
    throw new Error(`the agent job wrote no bundle:\n${options.agentJob.stdout}\n${options.agentJob.stderr}`)
  const download = mkdtempSync(join(tmpdir(), 'gittrix-artifact-'))
  copyFileSync(made, join(download, basename(made)))
  return runBundle({
    inputs: { mode: 'publish', bundle: download, token: options.token, ...options.inputs },
    env: options.env,
  })
}

/** Runs git in `cwd` as the scripted agent (the tests' git identity, test/support/git-fixtures.ts); resolves trimmed stdout. */
export function agentGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim()
}

/**
 * What actions/checkout leaves: a clone of `host`'s `main` at `<parent>/repo`; `persist` keeps the
 * token's header in .git/config (actions/checkout's `persist-credentials` default). Asynchronous: the
 * host answering the clone runs in this process.
 */
export async function checkoutRepo(host: GitHost, parent: string, persist = false): Promise<string> {
  const dir = join(parent, 'repo')
  await promisify(execFile)(
    'git',
    [...host.authArgs, 'clone', '--quiet', '--branch', 'main', host.repoUrl, dir],
    {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
    },
  )
  if (persist) {
    const header = host.authArgs[1]!
    agentGit(dir, 'config', header.split('=')[0]!, header.slice(header.indexOf('=') + 1))
  }
  return dir
}
