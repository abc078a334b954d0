/**
 * The one typed runner for the git CLI: argument arrays (never a shell string), a timeout,
 * no terminal prompts, secret redaction in every error, and one of two environments:
 *
 * - default: the process environment cleaned of inherited `GIT_*` redirections, for repositories
 *   the user owns (the durable repository: its configuration, e.g. identity, applies);
 * - `sealed: true`: for anything an agent could have shaped — an absolute git binary and an
 *   allowlisted environment with no system, global or program-running configuration (see sealed.ts).
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import { splitNulBytes } from '../core/bytes.ts'
import { GittrixError } from '../core/errors.ts'
import { type GitConfigEntry, gitConfigEnv, splitGitConfigEnv } from './config-env.ts'
import { redact } from './redact.ts'
import { NETWORK_ENV, resolveGitBinary, sealedGitEnv } from './sealed.ts'

/** Options for {@link runGit}. */
export interface GitRunOptions {
  /** Working directory for git. */
  cwd?: string
  /** Bytes written to git's stdin (then closed). */
  input?: string | Uint8Array
  /** Extra environment variables (e.g. `GIT_INDEX_FILE`); `undefined` removes a variable. */
  env?: Record<string, string | undefined>
  /** Kill git after this many ms. Default 120 000 ms. */
  timeoutMs?: number
  /** Exit codes that are not failures (0 always is). Example: `[1]` for `diff --quiet`. */
  okExitCodes?: number[]
  /** Command-scoped settings (`GIT_CONFIG_COUNT` entries, never on the command line). */
  config?: readonly GitConfigEntry[]
  /**
   * Run sealed (src/git/sealed.ts): absolute git, allowlisted environment (`env` is added on top),
   * no system/global configuration, no hooks or other configured programs. For every git process on
   * state an agent could have shaped. Settings passed as `GIT_CONFIG_*` in `env` are merged after the
   * sealed ones, not instead of them.
   */
  sealed?: boolean
  /**
   * With `sealed`: also keep the proxy variables of {@link NETWORK_ENV} (for commands that talk to a
   * server). Ignored otherwise (the inherited environment already has them).
   */
  network?: boolean
}

/** What git printed and how it exited. `stdout` is raw bytes; paths in it may be any encoding. */
export interface GitResult {
  stdout: Buffer
  stderr: string
  exitCode: number
}

/** Thrown when git exits with a failing code, times out or cannot start. `code` is `GIT_FAILED`. */
export class GitCommandError extends GittrixError {
  readonly args: string[]
  readonly exitCode: number | null
  readonly stderr: string
  constructor(args: string[], exitCode: number | null, stderr: string, detail?: string) {
    const redacted = args.map((a) => redact(a))
    const why = detail ?? (stderr.trim() ? redact(stderr.trim()) : `exit code ${exitCode}`)
    super('GIT_FAILED', `git ${redacted.map(shownArg).join(' ')} failed: ${why}`)
    this.args = redacted
    this.exitCode = exitCode
    this.stderr = redact(stderr)
  }
}

/**
 * An argument as a {@link GitCommandError} names it: as is, or JSON-quoted with DEL and C1 escaped too
 * when it holds a control character (a path from the agent, `notes.md\n M src/app.ts`, cannot add a
 * line to the message).
 */
function shownArg(arg: string): string {
  if (!CONTROL.test(arg)) return arg
  return JSON.stringify(arg).replace(
    /[\x7f-\x9f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** C0 controls, DEL, C1 controls. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/

/** Variables that would silently redirect git to another repository, index or object store. */
const INHERITED_GIT_VARS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_PREFIX',
  'GIT_NAMESPACE',
  'GIT_QUARANTINE_PATH',
]

/** The executable and environment of one git process (see the module comment). */
function gitProcess(options: GitRunOptions): { command: string; env: NodeJS.ProcessEnv } {
  const { entries, rest } = splitGitConfigEnv(options.env ?? {})
  const config = [...(options.config ?? []), ...entries]
  const set = Object.fromEntries(
    Object.entries(rest).filter((e): e is [string, string] => e[1] !== undefined),
  )
  if (options.sealed) {
    const command = resolveGitBinary()
    return {
      command,
      env: sealedGitEnv({ git: command, config, set, ...(options.network ? { keep: NETWORK_ENV } : {}) }),
    }
  }
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of INHERITED_GIT_VARS) delete env[name]
  env.GIT_TERMINAL_PROMPT = '0'
  env.GIT_OPTIONAL_LOCKS = '0'
  // Messages Gittrix parses (lock contention, refusals) stay English whatever the user's locale.
  env.LC_ALL = 'C'
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  if (config.length) Object.assign(env, gitConfigEnv(config))
  return { command: 'git', env }
}

/**
 * Runs `git <args>` and resolves with its output. Rejects with {@link GitCommandError}
 * (code `GIT_FAILED`) on a failing exit code, a timeout or a spawn failure, or `ADAPTER_UNAVAILABLE`
 * when the working directory `cwd` does not exist; the error's text is redacted.
 */
export function runGit(args: string[], options: GitRunOptions = {}): Promise<GitResult> {
  const { child, done } = startGit(args, options, true)
  child.stdin.end(options.input ?? '')
  return done
}

/** One git command of {@link pipeGit}: its arguments and {@link runGit} options. */
export interface GitInvocation {
  args: string[]
  options?: GitRunOptions
}

/**
 * Runs `from` with its stdout piped straight into the stdin of `to` (`from.options.input` is written
 * to `from`; `to.options.input` is ignored): the bytes go from one git process to the other through an
 * OS pipe, never through this process's memory, so their size is bounded by neither (e.g. a pack of a
 * 500 MB blob from `pack-objects --stdout` into `index-pack --stdin`). Resolves with `to`'s output.
 * Rejects as {@link runGit} does, with `from`'s failure first when both fail (a truncated input then
 * fails `to` too).
 */
export async function pipeGit(from: GitInvocation, to: GitInvocation): Promise<GitResult> {
  const source = startGit(from.args, from.options ?? {}, false)
  const sink = startGit(to.args, to.options ?? {}, true)
  source.child.stdout.pipe(sink.child.stdin)
  // `to` exiting early closes the pipe: `from` then fails on EPIPE and the exit codes tell the story.
  source.child.stdout.on('error', () => {})
  source.child.stdin.end(from.options?.input ?? '')
  const [written, read] = await Promise.allSettled([source.done, sink.done])
  if (written.status === 'rejected') throw written.reason
  if (read.status === 'rejected') throw read.reason
  return read.value
}

/**
 * At most the first `maxBytes` bytes of `git <args>`'s output (e.g. `cat-file blob <id>`): once they
 * have come the process is stopped, so a large output never reaches this process's memory. Rejects as
 * {@link runGit} does when git fails before that.
 */
export async function gitOutputHead(
  args: string[],
  maxBytes: number,
  options: GitRunOptions = {},
): Promise<Buffer> {
  const { child, done } = startGit(args, options, false)
  child.stdin.end()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= maxBytes) {
      // Enough: git is stopped (it would fail on the closed pipe anyway), its exit code is moot.
      child.kill('SIGKILL')
      done.catch(() => {})
      return Buffer.concat(chunks, size).subarray(0, maxBytes)
    }
  }
  await done
  return Buffer.concat(chunks, size)
}

/**
 * Starts one git process (see {@link runGit}); `done` settles when it exits. Its stdin is left open
 * for the caller; its stdout is collected into `done` when `collect`, else left for the caller to read.
 */
function startGit(
  args: string[],
  options: GitRunOptions,
  collect: boolean,
): { child: ChildProcessByStdio<Writable, Readable, Readable>; done: Promise<GitResult> } {
  const timeoutMs = options.timeoutMs ?? 120_000
  const { command, env } = gitProcess(options)
  const child = spawn(command, args, {
    cwd: options.cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  })
  // A git that exits before reading all of stdin raises EPIPE; the exit code tells the story.
  child.stdin.on('error', () => {})
  const done = new Promise<GitResult>((resolve, reject) => {
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    if (collect) child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      // Node reports a missing working directory as the command's ENOENT: name the directory instead.
      if (options.cwd && !existsSync(options.cwd)) {
        reject(
          new GittrixError(
            'ADAPTER_UNAVAILABLE',
            `${options.cwd} does not exist: was the repository moved or deleted? Move it back, or discard the session.`,
          ),
        )
        return
      }
      reject(new GitCommandError(args, null, '', `could not start git (${error.message}); is git installed?`))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const stderr = Buffer.concat(err).toString('utf8')
      if (timedOut) {
        reject(new GitCommandError(args, code, stderr, `timed out after ${timeoutMs} ms`))
        return
      }
      const exitCode = code ?? -1
      if (exitCode !== 0 && !(options.okExitCodes ?? []).includes(exitCode)) {
        reject(new GitCommandError(args, exitCode, stderr))
        return
      }
      resolve({ stdout: Buffer.concat(out), stderr, exitCode })
    })
  })
  return { child, done }
}

/** Runs git and returns stdout as UTF-8 with the trailing newline removed. */
export async function gitText(args: string[], options?: GitRunOptions): Promise<string> {
  const { stdout } = await runGit(args, options)
  return stdout.toString('utf8').replace(/\n$/, '')
}

/**
 * Splits NUL-terminated git output (`-z`) at the byte level, dropping the final empty field. Fields
 * are decoded losslessly (non-UTF-8 bytes as escaped surrogates, see src/core/bytes.ts), so a path
 * read here and given back to git through `encodeText` is the same bytes.
 */
export function splitNul(output: Buffer): string[] {
  return splitNulBytes(output)
}
