/**
 * Runs the agent command of the Action's `run` input. The input is a command line written by the
 * workflow's author, so it goes to a shell (`bash -e -o pipefail`, as a workflow `run:` step does) as
 * one argument; nothing Gittrix knows (session id, baseline, task) is ever pasted into it. The agent
 * reads those from its environment instead.
 */
import { spawn } from 'node:child_process'
import type { Bubblewrap } from '../../src/sandbox/bwrap.ts'
import { handleSignalsWhile } from '../../src/process/signals.ts'
import { runInSandbox } from '../../src/sandbox/run.ts'
import { type FoundProcess, stopAgentProcesses } from './contain.ts'

/** Variables the agent must not inherit from the Action's process. */
const WITHHELD =
  /^(INPUT_.*|STATE_.*|GITHUB_STATE|GITHUB_OUTPUT|GITHUB_ENV|GITHUB_PATH|ACTIONS_RUNTIME_TOKEN|ACTIONS_RUNTIME_URL|ACTIONS_RESULTS_URL|ACTIONS_CACHE_URL|ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_ID_TOKEN_REQUEST_URL|ACTIONS_CACHE_SERVICE_V2)$/

/** The file commands an agent may get back with the `agent-file-commands` input. */
const FILE_COMMANDS = ['GITHUB_ENV', 'GITHUB_PATH'] as const

/** What the agent learns about its session. */
export interface AgentSessionFacts {
  sessionId: string
  baselineSha: string
  /** The work tree the agent works in. */
  workspace: string
  /** The session branch, e.g. `gittrix/sess_abcdefghijkl`. */
  branch: string
}

/**
 * The agent's environment: the Action's own minus the inputs (the token is one), step state, output and
 * file-command files (`GITHUB_ENV`/`GITHUB_PATH` only with `fileCommands`), and the runner's internal
 * tokens and service URLs; plus `GITTRIX_SESSION_ID`, `GITTRIX_BASELINE_SHA`, `GITTRIX_WORKSPACE`,
 * `GITTRIX_BRANCH`, and the committer identity when the checkout has none. Withholding a variable does
 * not hide it from a hostile agent (`/proc/<parent>/environ` still has it): the two-job topology is
 * what keeps write credentials out of its reach.
 */
export function agentEnvironment(
  base: NodeJS.ProcessEnv,
  session: AgentSessionFacts,
  options: { fileCommands?: boolean; identity?: { name: string; email: string } | null } = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(base)) {
    const kept = options.fileCommands && (FILE_COMMANDS as readonly string[]).includes(key)
    if (kept || !WITHHELD.test(key)) env[key] = value
  }
  if (options.identity) {
    env.GIT_AUTHOR_NAME ??= options.identity.name
    env.GIT_AUTHOR_EMAIL ??= options.identity.email
    env.GIT_COMMITTER_NAME ??= options.identity.name
    env.GIT_COMMITTER_EMAIL ??= options.identity.email
  }
  env.GITTRIX_SESSION_ID = session.sessionId
  env.GITTRIX_BASELINE_SHA = session.baselineSha
  env.GITTRIX_WORKSPACE = session.workspace
  env.GITTRIX_BRANCH = session.branch
  return env
}

/** How the agent ended. */
export interface AgentExit {
  /** Exit code, or `null` when a signal ended it. */
  code: number | null
  signal: NodeJS.Signals | null
  /** True when the `timeout` input ended it. */
  timedOut?: boolean
  /** Processes the agent left running when it ended (all stopped before the snapshot). */
  survivors?: FoundProcess[]
}

/** Options of {@link runAgentCommand}. */
export interface RunAgentOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** End the agent (its whole process group) after this many ms. Default: no limit. */
  timeoutMs?: number | null
  /** `NAME=value` in the agent's environment that marks its processes (see contain.ts). */
  marker?: string
  /** Run the agent in this sandbox (the `sandbox` input; see agent-sandbox.ts). */
  sandbox?: AgentSandbox
}

/** The sandbox an agent runs in: a usable bubblewrap and the host paths the agent must not see. */
export interface AgentSandbox {
  bwrap: Bubblewrap
  hide: readonly string[]
  /** Files inside hidden directories the agent may still read (the event payload). */
  readOnly: readonly string[]
}

/** Where a sandboxed agent's `HOME` is: a directory of its private `/tmp`, writable, gone afterwards. */
export const SANDBOX_HOME = '/tmp/home'

/**
 * Runs the agent's `command` with bash inside `sandbox`: only `cwd` is writable; `/tmp` and `HOME`
 * ({@link SANDBOX_HOME}) are private and empty; `sandbox.hide` and the runner's temporary directory are
 * not visible; `/proc` shows only the sandbox's processes (the Action's environment, token included, is
 * out of reach); the network is shared. Every process the agent starts ends with the sandbox, so there
 * are never survivors. The timeout and a cancelled job end the whole sandbox.
 */
async function runSandboxedAgent(command: string, options: RunAgentOptions & { sandbox: AgentSandbox }) {
  const env: NodeJS.ProcessEnv = { ...options.env, HOME: SANDBOX_HOME, RUNNER_TEMP: '/tmp' }
  const timeout = new AbortController()
  const timer = options.timeoutMs ? setTimeout(() => timeout.abort(), options.timeoutMs) : null
  try {
    // `$1` is the workflow's command line, handed over as an argument, never pasted into this script.
    const outcome = await runInSandbox(
      [
        'bash',
        '--noprofile',
        '--norc',
        '-c',
        'mkdir -p -- "$HOME" && exec bash --noprofile --norc -e -o pipefail -c "$1"',
        'gittrix-agent',
        command,
      ],
      {
        workspace: options.cwd,
        hide: options.sandbox.hide,
        readOnly: options.sandbox.readOnly,
        network: true,
        env,
      },
      options.sandbox.bwrap,
      { signal: timeout.signal },
    )
    return { code: outcome.exitCode, signal: null, timedOut: timeout.signal.aborted, survivors: [] }
  } finally {
    if (timer) clearTimeout(timer)
  }
}

/**
 * Runs `command` with bash in `cwd`, in a process group and session of its own, output going to this
 * process's stdout and stderr. SIGINT and SIGTERM received meanwhile (a cancelled job) and the timeout
 * end the whole group; when bash has exited, whatever it left running is stopped too (and reported),
 * so nothing writes to the workspace after the agent's turn. Resolves once all of it is gone. Rejects
 * only when bash cannot be started (or, with `sandbox`, `CAPABILITY_MISSING` when bubblewrap cannot set
 * up the sandbox; nothing ran then).
 */
export async function runAgentCommand(command: string, options: RunAgentOptions): Promise<AgentExit> {
  if (options.sandbox) return runSandboxedAgent(command, { ...options, sandbox: options.sandbox })
  const child = spawn('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', command], {
    cwd: options.cwd,
    env: options.env,
    // Piped through this process, not inherited: a process the agent leaves behind then holds only
    // a pipe to us (closed when the agent's turn ends), never the job log's.
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdout.pipe(process.stdout, { end: false })
  child.stderr.pipe(process.stderr, { end: false })
  const group = child.pid
  const which = { ...(group ? { group } : {}), ...(options.marker ? { marker: options.marker } : {}) }
  let timedOut = false
  let stopping: Promise<unknown> | null = null
  const stop = () => {
    stopping ??= stopAgentProcesses(which)
    return stopping
  }
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true
        void stop()
      }, options.timeoutMs)
    : null
  const exit = await handleSignalsWhile(
    ['SIGINT', 'SIGTERM'],
    () => void stop(),
    () =>
      new Promise<Pick<AgentExit, 'code' | 'signal'>>((resolve, reject) => {
        child.on('error', (error) =>
          reject(new Error(`could not start bash for the \`run\` command: ${error.message}`)),
        )
        child.on('exit', (code, signal) => resolve({ code, signal }))
      }),
  ).finally(() => {
    if (timer) clearTimeout(timer)
  })
  await stopping
  const survivors = await stopAgentProcesses(which)
  child.stdout.unpipe()
  child.stderr.unpipe()
  child.stdout.destroy()
  child.stderr.destroy()
  return { ...exit, timedOut, survivors }
}
