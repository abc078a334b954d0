/**
 * `gittrix run <id> -- <command...>`: runs a command (an agent, a test suite, a shell) in the session's
 * workspace inside the OS sandbox (src/sandbox/): the workspace and a private /tmp writable, the
 * durable repository and the session store invisible, the rest of the machine read-only. Without a
 * usable sandbox it refuses, unless `--no-sandbox`. Gittrix's exit code is the command's.
 */
import { resolve } from 'node:path'
import { GittrixError } from '../../core/errors.ts'
import type { SessionMetadata } from '../../core/metadata.ts'
import { assertActive } from '../../core/runtime.ts'
import { probeSandbox } from '../../sandbox/bwrap.ts'
import { runInSandbox, runWithoutSandbox } from '../../sandbox/run.ts'
import { sessionSandboxSpec } from '../../sandbox/session.ts'
import type { RunOutcome } from '../../sandbox/spec.ts'
import type { CliContext } from '../context.ts'
import type { CommandResult } from '../output.ts'
import { withCliSession } from './with-session.ts'

/** Options of `gittrix run` (commander's `--no-network` / `--no-sandbox` set these to `false`). */
export interface RunCommandCliOptions {
  network?: boolean
  sandbox?: boolean
  /** More paths to hide from the command (repeatable `--hide`). */
  hide?: string[]
}

/**
 * Runs `command` for session `id` and resolves with its exit code as the CLI's (`128 + n` for signal
 * `n`). The command's stdout is this process's stdout, or stderr with `--json` (stdout then carries one
 * document: `{ session, exitCode, signal, sandbox, network }`). Throws `SESSION_NOT_FOUND`,
 * `SESSION_EXPIRED`, `CAPABILITY_MISSING` (no usable sandbox: the message says what to install; a
 * worktree workspace), `ADAPTER_UNAVAILABLE` (workspace gone), `INVALID_ARGUMENT` (no command).
 */
export async function runCommand(
  ctx: CliContext,
  id: string,
  command: string[],
  opts: RunCommandCliOptions,
): Promise<CommandResult> {
  const meta = await withCliSession(ctx, id, async ({ meta }) => meta)
  const network = opts.network !== false
  const stdout = ctx.json ? 'stderr' : 'inherit'
  const env = { ...ctx.io.env, GITTRIX_SESSION: id }
  let outcome: RunOutcome
  if (opts.sandbox === false) {
    assertActive(meta)
    ctx.warn(
      'running without a sandbox (--no-sandbox): the command can read and write the durable repository ' +
        'and the session store like any process of yours.',
    )
    outcome = await runWithoutSandbox(command, { cwd: workspaceOf(meta), env }, { stdout })
  } else {
    const probe = await probeSandbox({ network, env: ctx.io.env })
    if (!probe.ok) {
      throw new GittrixError(
        'CAPABILITY_MISSING',
        `No usable sandbox: ${probe.reason}. ${probe.remedy} Nothing ran. To run without an OS boundary ` +
          '(the command can then reach the durable repository), pass --no-sandbox.',
      )
    }
    const hide = (opts.hide ?? []).map((path) => resolve(ctx.io.cwd, path))
    const spec = await sessionSandboxSpec(meta, { storeDir: ctx.storeDir, network, hide, env })
    outcome = await runInSandbox(command, spec, probe.bwrap, { stdout })
  }
  return {
    data: { session: id, ...outcome, network },
    text: '',
    exitCode: outcome.exitCode,
  }
}

function workspaceOf(meta: SessionMetadata): string {
  if (!meta.ephemeralPath) {
    throw new GittrixError('CAPABILITY_MISSING', `Session ${meta.id} has no workspace on this machine.`)
  }
  return meta.ephemeralPath
}
