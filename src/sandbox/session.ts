/**
 * The sandbox of one local Gittrix session: its workspace writable; the durable repository (work
 * tree, git directory, every worktree of it) and the session store invisible; and, for a `clone`
 * workspace, the durable object store bound back read-only, because the clone borrows the baseline's
 * objects from it through git alternates (`git clone --shared`, see src/adapters/local/ephemeral.ts)
 * and git in the workspace cannot read its own history without it.
 */
import { realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { GittrixError } from '../core/errors.ts'
import type { SessionMetadata } from '../core/metadata.ts'
import { assertActive } from '../core/runtime.ts'
import { runGit } from '../git/run-git.ts'
import type { SandboxSpec } from './spec.ts'

/** Options of {@link sessionSandboxSpec}. */
export interface SessionSandboxOptions {
  /** The session store the session lives in (hidden as a whole: every session's metadata and state). */
  storeDir: string
  /** Network on (`true`) or a network namespace with loopback only. */
  network: boolean
  /** More absolute paths to hide (e.g. `~/.ssh`). */
  hide?: readonly string[]
  /** The command's environment (default: this process's); `GITTRIX_SESSION` is set to the session id. */
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * The {@link SandboxSpec} of session `meta`. Throws `SESSION_EXPIRED` unless it is active,
 * `CAPABILITY_MISSING` for a session with no local workspace or a `worktree` workspace (its git
 * directory lives inside the durable repository, which the sandbox hides), and `ADAPTER_UNAVAILABLE`
 * when the workspace or the durable repository's git directory cannot be found.
 */
export async function sessionSandboxSpec(
  meta: SessionMetadata,
  options: SessionSandboxOptions,
): Promise<SandboxSpec> {
  assertActive(meta)
  if (!meta.ephemeralPath || !/^local-(clone|copy|worktree):\/\//.test(meta.ephemeralRef)) {
    throw new GittrixError(
      'CAPABILITY_MISSING',
      `Session ${meta.id} has no workspace on this machine (${meta.ephemeralRef}); gittrix run needs a local one.`,
    )
  }
  if (meta.workspaceKind === 'worktree') {
    throw new GittrixError(
      'CAPABILITY_MISSING',
      `Session ${meta.id} is a worktree workspace: its git directory lives inside the durable repository, ` +
        'which the sandbox hides. Start the session with `--kind clone` (the default) or `--kind copy`.',
    )
  }
  const workspace = await realpath(meta.ephemeralPath).catch((error: unknown) => {
    throw new GittrixError(
      'ADAPTER_UNAVAILABLE',
      `The workspace of session ${meta.id} (${meta.ephemeralPath}) is gone. Nothing ran.`,
      { cause: error },
    )
  })
  const durable = meta.durablePath ? await durableRepository(meta.durablePath) : { paths: [], objects: null }
  const extra = await Promise.all((options.hide ?? []).map((path) => realpath(path).catch(() => path)))
  const hide = [...durable.paths, await realpath(options.storeDir).catch(() => options.storeDir), ...extra]
  const readOnly = meta.workspaceKind === 'copy' || !durable.objects ? [] : [durable.objects]
  return {
    workspace,
    hide,
    readOnly,
    network: options.network,
    env: { ...(options.env ?? process.env), GITTRIX_SESSION: meta.id },
  }
}

/**
 * Every path of the durable repository at `path` (its work tree, git directory, common git directory
 * and all its worktrees, real paths) and its object store. The durable repository is the user's own:
 * git runs sealed anyway, since these commands need nothing from its configuration.
 */
async function durableRepository(path: string): Promise<{ paths: string[]; objects: string | null }> {
  const top = await realpath(path).catch(() => null)
  if (top === null) return { paths: [path], objects: null }
  try {
    const { stdout } = await runGit(
      ['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir'],
      {
        cwd: top,
        sealed: true,
      },
    )
    const [gitDir, commonDir] = stdout.toString('utf8').trim().split('\n') as [string, string]
    const worktrees = await runGit(['worktree', 'list', '--porcelain', '-z'], { cwd: top, sealed: true })
    const trees = worktrees.stdout
      .toString('utf8')
      .split('\0')
      .filter((field) => field.startsWith('worktree '))
      .map((field) => field.slice('worktree '.length))
    const paths = await Promise.all([top, gitDir, commonDir, ...trees].map((p) => realpath(p).catch(() => p)))
    const common = await realpath(commonDir).catch(() => commonDir)
    return { paths: [...new Set(paths)], objects: join(common, 'objects') }
  } catch (error) {
    throw new GittrixError(
      'ADAPTER_UNAVAILABLE',
      `Cannot find the git directory of the durable repository ${path}, so the sandbox cannot hide it. Nothing ran.`,
      { cause: error },
    )
  }
}
