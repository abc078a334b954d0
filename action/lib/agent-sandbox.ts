/**
 * The sandbox of the `sandbox: true` input: what the agent of `mode: run` must not see on the runner,
 * and a check that bubblewrap can build a sandbox there at all (src/sandbox/bwrap.ts).
 *
 * Hidden: the runner's temporary directory (`RUNNER_TEMP`: the file-command files GITHUB_ENV,
 * GITHUB_PATH, GITHUB_OUTPUT and GITHUB_STATE, the job's scripts, the bundle of `mode: run`), with the
 * event payload (`GITHUB_EVENT_PATH`) bound back read-only; and, when the Action runs on the runner's
 * own Node (`<runner root>/externals/node<N>/bin/node`), the runner's credential and configuration
 * files and its diagnostic logs in the runner root. `/proc`, `/tmp` and `HOME` are the sandbox's own
 * (action/lib/agent.ts). Runner files: https://github.com/actions/runner (`.runner`, `.credentials`,
 * `.credentials_rsaparams`, `_diag`).
 */
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { GittrixError } from '../../src/core/errors.ts'
import { probeSandbox } from '../../src/sandbox/bwrap.ts'
import type { AgentSandbox } from './agent.ts'

/** Files and directories of the runner root an agent must not read. */
const RUNNER_SECRETS = ['.runner', '.credentials', '.credentials_rsaparams', '.env', '.path', '_diag']

/**
 * The runner's root directory when `execPath` is the runner's bundled Node
 * (`<root>/externals/node24/bin/node`), else null.
 */
export function runnerRoot(execPath: string): string | null {
  const bin = dirname(execPath)
  const externals = dirname(dirname(bin))
  return /^node\d+$/.test(bin.split('/').at(-2) ?? '') && externals.endsWith('/externals')
    ? dirname(externals)
    : null
}

/** The paths to hide and to keep readable for an agent on this runner (see the module comment). */
export function agentSandboxPaths(
  env: Readonly<Record<string, string | undefined>>,
  execPath: string,
): { hide: string[]; readOnly: string[] } {
  const hide: string[] = []
  const readOnly: string[] = []
  const temp = env.RUNNER_TEMP
  if (temp && isAbsolute(temp)) hide.push(temp)
  const event = env.GITHUB_EVENT_PATH
  if (event && isAbsolute(event) && existsSync(event)) readOnly.push(event)
  const root = runnerRoot(execPath)
  if (root) for (const name of RUNNER_SECRETS) hide.push(join(root, name))
  return { hide, readOnly }
}

/**
 * A sandbox for the agent on this runner, or `CAPABILITY_MISSING` saying why there is none and what to
 * change (GitHub-hosted `ubuntu-24.04` runners restrict unprivileged user namespaces through AppArmor:
 * a step `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` before this one lifts it;
 * see docs/action.md#sandbox). Nothing has run when it throws.
 */
export async function prepareAgentSandbox(
  env: Readonly<Record<string, string | undefined>>,
  execPath: string = process.execPath,
): Promise<AgentSandbox> {
  const probe = await probeSandbox({ network: true, env })
  if (!probe.ok)
    throw new GittrixError(
      'CAPABILITY_MISSING',
      `sandbox: true, but ${probe.reason}. ${probe.remedy} Nothing ran. (docs/action.md#sandbox lists the runners where it works.)`,
    )
  return { bwrap: probe.bwrap, ...agentSandboxPaths(env, execPath) }
}
