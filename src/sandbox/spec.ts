/**
 * What a sandbox shows the command it runs: one writable directory (the workspace), private
 * temporary directories, paths that must not be visible at all, and everything else of the machine
 * read-only. Built by `sessionSandboxSpec` for a Gittrix session, or by hand for another caller (the
 * GitHub Action's agent step).
 */

/** The view of the file system and network a sandboxed command gets. Paths are absolute and resolved. */
export interface SandboxSpec {
  /**
   * The directory the command starts in and the only host directory it may write, bound read-write at
   * the same path (so absolute paths an agent was told keep working).
   */
  workspace: string
  /**
   * Paths the command must not see: each becomes an empty read-only directory (a file: an empty
   * read-only file). The durable repository, its git directories and worktrees, and the session store.
   * None may lie inside `workspace` (it would show through); ancestors of it are fine.
   */
  hide: readonly string[]
  /**
   * Paths inside hidden ones that stay readable, read-only, at the same path: the durable object
   * store a `clone` workspace borrows through git alternates.
   */
  readOnly?: readonly string[]
  /**
   * Network: `true` shares the host's network namespace (the default of `gittrix run`); `false` gives
   * the command a network namespace of its own with only a loopback interface.
   */
  network: boolean
  /** The command's environment. Default: this process's. `TMPDIR` is set to the private `/tmp`. */
  env?: Readonly<Record<string, string | undefined>>
}

/** How a sandboxed or unsandboxed command ended. */
export interface RunOutcome {
  /**
   * The exit code to hand on: the command's own, or `128 + n` when signal `n` ended it (the shell
   * convention; inside bubblewrap the two cannot be told apart, see `signal`).
   */
  exitCode: number
  /** The signal that ended the command, when it is known (only without a sandbox). */
  signal: NodeJS.Signals | null
  /** `bwrap` when it ran in the sandbox, `none` with `--no-sandbox`. */
  sandbox: 'bwrap' | 'none'
}
