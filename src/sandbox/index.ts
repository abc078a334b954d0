/**
 * The OS sandbox for agents with a shell (`gittrix run`, and the GitHub Action's agent step): a
 * command runs with one writable directory, private temporary directories, the durable repository
 * and the session store invisible, and the rest of the machine read-only. Linux with bubblewrap.
 *
 * ```ts
 * const probe = await probeSandbox({ network: false })
 * if (!probe.ok) throw new Error(`${probe.reason}. ${probe.remedy}`)
 * const outcome = await runInSandbox(['npm', 'test'], spec, probe.bwrap)
 * ```
 */
export {
  type Bubblewrap,
  bwrapArguments,
  findBwrap,
  type HostLayout,
  probeSandbox,
  readHostLayout,
  type SandboxProbe,
  type SandboxUnavailable,
  SYSTEM_BWRAP_PATH,
} from './bwrap.ts'
export { type RunCommandOptions, runInSandbox, runWithoutSandbox } from './run.ts'
export { type SessionSandboxOptions, sessionSandboxSpec } from './session.ts'
export type { RunOutcome, SandboxSpec } from './spec.ts'
