/**
 * Runs the agent command of the Action's `run` input. The input is a command line written by the
 * workflow's author, so it goes to a shell (`bash -e -o pipefail`, as a workflow `run:` step does) as
 * one argument; nothing Gittrix knows (session id, baseline, task) is ever pasted into it. The agent
 * reads those from its environment instead.
 */
import { spawn } from 'node:child_process'

/** Variables the agent must not inherit from the Action's process. */
const WITHHELD =
  /^(INPUT_.*|STATE_.*|GITHUB_STATE|GITHUB_OUTPUT|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN|ACTIONS_ID_TOKEN_REQUEST_URL)$/

/** What the agent learns about its session. */
export interface AgentSession {
  sessionId: string
  baselineSha: string
  /** The work tree the agent works in. */
  workspace: string
  /** The session branch, e.g. `gittrix/sess_abcdefghijkl`. */
  branch: string
}

/**
 * The agent's environment: the Action's own minus the inputs (the token is one), step state and output
 * files and runtime tokens; plus `GITTRIX_SESSION_ID`, `GITTRIX_BASELINE_SHA`, `GITTRIX_WORKSPACE` and
 * `GITTRIX_BRANCH`.
 */
export function agentEnvironment(base: NodeJS.ProcessEnv, session: AgentSession): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(base)) if (!WITHHELD.test(key)) env[key] = value
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
}

/**
 * Runs `command` with bash in `cwd`, output going to this process's stdout and stderr. SIGINT and
 * SIGTERM received meanwhile (a cancelled job) are passed on to the agent, and the promise resolves
 * once it has exited. Rejects only when bash cannot be started.
 */
export function runAgentCommand(
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<AgentExit> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
    const onInt = forward('SIGINT')
    const onTerm = forward('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    const done = () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
    }
    child.on('error', (error) => {
      done()
      reject(new Error(`could not start bash for the \`run\` command: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      done()
      resolve({ code, signal })
    })
  })
}
