/**
 * Running one command, inside the bubblewrap sandbox or (opted out) without it: the terminal and
 * standard streams are handed over, signals sent to Gittrix reach the command, and the command's exit
 * code comes back.
 *
 * Signals: bwrap runs in a process group of its own, so a terminal's Ctrl-C reaches Gittrix only, and
 * Gittrix passes it on to the sandbox's process group (the command and what it started in that group;
 * `--new-session` made the sandbox's init its leader). Killing bwrap instead would SIGKILL the command
 * with no chance to clean up. SIGWINCH is passed on too: the command is no longer in the terminal's
 * session, so it would not learn of window size changes otherwise.
 */
import { spawn, type StdioOptions } from 'node:child_process'
import { constants } from 'node:os'
import { GittrixError, InvalidArgumentError } from '../core/errors.ts'
import { handleSignalsWhile } from '../process/signals.ts'
import { type Bubblewrap, bwrapArguments, STATUS_FD } from './bwrap.ts'
import type { RunOutcome, SandboxSpec } from './spec.ts'

/** Options shared by {@link runInSandbox} and {@link runWithoutSandbox}. */
export interface RunCommandOptions {
  /**
   * Where the command's standard output goes: this process's stdout (`inherit`, default) or its stderr
   * (`stderr`), which keeps stdout free for one JSON document (`gittrix run --json`).
   */
  stdout?: 'inherit' | 'stderr'
  /**
   * Ends the sandbox when aborted (the GitHub Action's `timeout`): SIGKILL to its first process, the
   * init of its PID namespace, which takes every process inside with it. Sandboxed runs only.
   */
  signal?: AbortSignal
}

/** Signals passed on to a sandboxed command. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGWINCH']

/**
 * Runs `command` (program and arguments, no shell) in the sandbox `spec` describes, built with
 * `bwrap` (see `probeSandbox`). Resolves when it ends, with its exit code (`128 + n` for signal `n`).
 * Throws `INVALID_ARGUMENT` for an empty command or a spec bwrap cannot express, and
 * `CAPABILITY_MISSING` when bwrap failed before starting the command (its message is on stderr).
 */
export async function runInSandbox(
  command: readonly string[],
  spec: SandboxSpec,
  bwrap: Bubblewrap,
  options: RunCommandOptions = {},
): Promise<RunOutcome> {
  assertCommand(command)
  const args = [...bwrapArguments(bwrap, spec), '--', ...command]
  const stdio: StdioOptions = ['inherit', options.stdout === 'stderr' ? 2 : 'inherit', 'inherit', 'pipe']
  const child = spawn(bwrap.path, args, { stdio, env: { ...(spec.env ?? process.env) }, detached: true })
  let status = ''
  let sandboxPid: number | null = null
  const pending: NodeJS.Signals[] = []
  const deliver = (signal: NodeJS.Signals) => {
    if (sandboxPid === null) pending.push(signal)
    else {
      try {
        process.kill(-sandboxPid, signal)
      } catch {
        // The sandbox is already gone; its exit is on its way.
      }
    }
  }
  child.stdio[STATUS_FD]?.on('data', (chunk: Buffer) => {
    status += chunk.toString('utf8')
    const pid = /"child-pid"\s*:\s*(\d+)/.exec(status)?.[1]
    if (sandboxPid === null && pid) {
      sandboxPid = Number(pid)
      for (const signal of pending.splice(0)) deliver(signal)
    }
  })
  const abort = () => deliver('SIGKILL')
  options.signal?.addEventListener('abort', abort, { once: true })
  if (options.signal?.aborted) abort()
  const { code, signal } = await handleSignalsWhile(FORWARDED, deliver, () => exitOf(child)).finally(() =>
    options.signal?.removeEventListener('abort', abort),
  )
  if (sandboxPid === null) {
    throw new GittrixError(
      'CAPABILITY_MISSING',
      `bubblewrap could not set up the sandbox (exit code ${code ?? signal}; its message is above). ` +
        'Nothing ran. Check it with `bwrap --ro-bind / / --proc /proc --dev /dev true`, or use --no-sandbox.',
    )
  }
  const reported = /"exit-code"\s*:\s*(\d+)/.exec(status)?.[1]
  const exitCode =
    reported !== undefined ? Number(reported) : signal ? 128 + signalNumber(signal) : (code ?? 1)
  return { exitCode, signal: null, sandbox: 'bwrap' }
}

/**
 * Runs `command` directly (no OS boundary) in `cwd` with `env`. The command shares this process's
 * terminal and process group, so Ctrl-C reaches it from the terminal; SIGTERM, SIGHUP and SIGUSR2 sent
 * to this process are passed on (SIGINT and SIGQUIT too when standard input is not a terminal).
 * Resolves its exit code, `128 + n` and the signal when signal `n` ended it. Throws `INVALID_ARGUMENT`
 * when the program cannot be started (not found, not executable).
 */
export async function runWithoutSandbox(
  command: readonly string[],
  where: { cwd: string; env?: Readonly<Record<string, string | undefined>> },
  options: RunCommandOptions = {},
): Promise<RunOutcome> {
  assertCommand(command)
  const [program, ...rest] = command as [string, ...string[]]
  const child = spawn(program, rest, {
    cwd: where.cwd,
    env: { ...(where.env ?? process.env) },
    stdio: ['inherit', options.stdout === 'stderr' ? 2 : 'inherit', 'inherit'],
  })
  const terminal = process.stdin.isTTY === true
  const forwarded: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR2']
  // From a terminal, Ctrl-C and Ctrl-\ already reach the command (same process group): only wait.
  const waited: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT']
  const deliver = (signal: NodeJS.Signals) => {
    if (terminal && waited.includes(signal)) return
    child.kill(signal)
  }
  const { code, signal, error } = await handleSignalsWhile([...forwarded, ...waited], deliver, () =>
    exitOf(child),
  )
  if (error) {
    throw new InvalidArgumentError(`Cannot run ${JSON.stringify(program)}: ${error.message}.`)
  }
  if (signal) return { exitCode: 128 + signalNumber(signal), signal, sandbox: 'none' }
  return { exitCode: code ?? 1, signal: null, sandbox: 'none' }
}

function assertCommand(command: readonly string[]): void {
  if (!Array.isArray(command) || command.length === 0 || command.some((part) => typeof part !== 'string')) {
    throw new InvalidArgumentError('Give the command to run after `--`, e.g. `gittrix run <id> -- npm test`.')
  }
  if (!command[0]) throw new InvalidArgumentError('The command to run is empty.')
}

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  error?: Error
}

function exitOf(child: ReturnType<typeof spawn>): Promise<Exit> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }))
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0
}
