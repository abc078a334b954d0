/**
 * Opening Gittrix for one CLI invocation. `start` binds the repository it is given (`--repo`, else the
 * current directory); every later command binds the durable repository and branch recorded in the
 * session's metadata, never the current directory.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { LocalDurableAdapter } from '../adapters/local/durable.ts'
import { codeStorageConfigFromEnv, createCodeStorageClient } from '../adapters/code-storage/client.ts'
import { CodeStorageEphemeralAdapter } from '../adapters/code-storage/ephemeral.ts'
import { LocalEphemeralAdapter, type LocalWorkspaceKind } from '../adapters/local/ephemeral.ts'
import type { EphemeralAdapter, WorkspaceHandle } from '../core/adapters.ts'
import { GittrixError, InvalidArgumentError } from '../core/errors.ts'
import { GitTrix, type StartSessionOptions } from '../core/gittrix.ts'
import type { SessionMetadata } from '../core/metadata.ts'
import type { UserSession } from '../core/session.ts'
import { SessionStore } from '../core/store.ts'
import { runGit } from '../git/run-git.ts'
import type { CliIo } from './io.ts'

/** What every command gets: where to read and write, the store, and the output mode. */
export interface CliContext {
  io: CliIo
  /** Absolute session store directory. */
  storeDir: string
  json: boolean
  /** Notes for people (stderr). */
  warn(message: string): void
}

/** `--store`, else `$GITTRIX_HOME/sessions`, else `~/.gittrix/sessions` (relative paths against `io.cwd`). */
export function resolveStoreDir(option: string | undefined, io: CliIo): string {
  if (option) return resolve(io.cwd, option)
  const home = io.env.GITTRIX_HOME
  return home ? resolve(io.cwd, home, 'sessions') : join(homedir(), '.gittrix', 'sessions')
}

/**
 * A GitTrix over the store only, for commands that touch no durable repository (`ls`, `info`, `sweep`).
 * Its durable adapter is never used: listing reads metadata, and sweeping only destroys workspaces.
 * `onSweepError` receives the errors of sessions a sweep could not read or evict.
 */
export function openStore(ctx: CliContext, onSweepError?: (error: unknown) => void): GitTrix {
  return new GitTrix({
    durable: new LocalDurableAdapter({ path: ctx.io.cwd }),
    ephemeral: sweepingEveryKind(ctx, new LocalEphemeralAdapter()),
    storeDir: ctx.storeDir,
    sweepIntervalMs: 0,
    ...(onSweepError ? { onSweepError } : {}),
  })
}

/** Options of `gittrix start` that pick the repository and workspace. */
export interface RepoSelection {
  /** Repository path (any directory inside its work tree, or a bare repository). Default: `io.cwd`. */
  repo?: string
  /** Durable branch. Default: the branch checked out in the repository. */
  branch?: string
  /** A local workspace kind, or `code-storage`: a branch in a Code Storage repository's ephemeral namespace. */
  kind?: LocalWorkspaceKind | 'code-storage'
  /** With `kind: 'code-storage'`: the repository; default `$CODE_STORAGE_REPO`. */
  codeStorageRepo?: string
}

/**
 * A GitTrix bound to the repository `start` was pointed at. Resolves the work tree's top level, so
 * `--repo some/sub/dir` records the repository itself. Sweep errors go to `ctx.warn`.
 */
export async function openRepo(ctx: CliContext, selection: RepoSelection): Promise<GitTrix> {
  const path = await repositoryRoot(resolve(ctx.io.cwd, selection.repo ?? '.'))
  return new GitTrix({
    durable: new LocalDurableAdapter({ path, ...(selection.branch ? { branch: selection.branch } : {}) }),
    ephemeral: sweepingEveryKind(
      ctx,
      selection.kind === 'code-storage'
        ? await codeStorageWorkspaces(ctx, selection.codeStorageRepo ?? ctx.io.env.CODE_STORAGE_REPO)
        : new LocalEphemeralAdapter({ kind: selection.kind ?? 'clone' }),
    ),
    storeDir: ctx.storeDir,
    sweepIntervalMs: 0,
    onSweepError: (error) => ctx.warn(`sweep: ${(error as Error).message}`),
  })
}

/**
 * Starts a session on the repository `selection` names ({@link openRepo}, `init`, `startSession`) and
 * resolves it open with its metadata; the caller closes `gittrix`. Closes it itself when starting
 * fails, then rethrows (`ADAPTER_UNAVAILABLE` no repository, `REF_NOT_FOUND` no such branch,
 * `INVALID_ARGUMENT` detached HEAD without a branch, …).
 */
export async function startCliSession(
  ctx: CliContext,
  selection: RepoSelection,
  options: StartSessionOptions,
): Promise<OpenSession> {
  const gittrix = await openRepo(ctx, selection)
  try {
    await gittrix.init()
    const session = await gittrix.startSession(options)
    return { gittrix, session, meta: await session.info() }
  } catch (error) {
    await gittrix.close()
    throw error
  }
}

/** An open session and the GitTrix bound to its recorded repository. */
export interface OpenSession {
  gittrix: GitTrix
  session: UserSession
  meta: SessionMetadata
}

/**
 * Opens session `id` against the durable repository and branch in its metadata
 * (`durablePath`, `durableBranch`). Throws `SESSION_NOT_FOUND`, `INVALID_ARGUMENT` (malformed id),
 * `METADATA_*`, and `CAPABILITY_MISSING` for a session whose durable side is not a local repository.
 */
export async function openSession(ctx: CliContext, id: string): Promise<OpenSession> {
  const meta = await new SessionStore(ctx.storeDir).read(id)
  if (!meta.durablePath || !meta.durableRef.startsWith('local://')) {
    throw new GittrixError(
      'CAPABILITY_MISSING',
      `Session ${id} belongs to ${meta.durableRef}, not a repository on this machine; ` +
        'the gittrix CLI drives local sessions only. Use the GitHub App or the library for it.',
    )
  }
  const gittrix = new GitTrix({
    durable: new LocalDurableAdapter({
      path: meta.durablePath,
      ...(meta.durableBranch ? { branch: meta.durableBranch } : {}),
    }),
    ephemeral: await ephemeralOf(ctx, meta),
    storeDir: ctx.storeDir,
    sweepIntervalMs: 0,
  })
  return { gittrix, session: await gittrix.getSession(id), meta }
}

/** `code-storage://<name>/<repo>+ephemeral#gittrix/<id>` (CodeStorageEphemeralAdapter's refs). */
const CODE_STORAGE_REF = /^code-storage:\/\/([^/]+)\/([^/#]+)\+ephemeral#/

/** The ephemeral adapter of a recorded session: its Code Storage repository, or the local kind. */
async function ephemeralOf(ctx: CliContext, meta: SessionMetadata): Promise<EphemeralAdapter> {
  return (
    (await codeStorageOwner(ctx, meta.id, meta.ephemeralRef)) ??
    new LocalEphemeralAdapter({ kind: workspaceKind(meta) })
  )
}

/**
 * The Code Storage adapter of the workspace `ephemeralRef` of session `id`, or `null` when it is not
 * a Code Storage workspace. Throws `INVALID_ARGUMENT` when the environment names another organisation
 * or lacks credentials (what to set is in the message).
 */
async function codeStorageOwner(
  ctx: CliContext,
  id: string,
  ephemeralRef: string,
): Promise<CodeStorageEphemeralAdapter | null> {
  const remote = CODE_STORAGE_REF.exec(ephemeralRef)
  if (!remote) return null
  const adapter = await codeStorageWorkspaces(ctx, remote[2])
  if (adapter.storage.getConfig().name !== remote[1])
    throw new InvalidArgumentError(
      `Session ${id} lives in Code Storage organisation ${remote[1]}; set CODE_STORAGE_NAME (and its key or token) to it.`,
    )
  return adapter
}

/**
 * `primary` with `lastChangeAt` and `destroy` sent to the adapter of each session's own workspace (by
 * its recorded ref: a Code Storage branch, else a local workspace of the kind the handle records), so a
 * sweep run by any command evicts every kind of workspace, not only `primary`'s. Everything else goes
 * to `primary` unchanged.
 */
function sweepingEveryKind(ctx: CliContext, primary: EphemeralAdapter): EphemeralAdapter {
  const owner = async (handle: WorkspaceHandle): Promise<EphemeralAdapter> =>
    (await codeStorageOwner(ctx, handle.sessionId, handle.ephemeralRef)) ??
    (primary instanceof LocalEphemeralAdapter ? primary : new LocalEphemeralAdapter())
  const routed: Pick<EphemeralAdapter, 'lastChangeAt' | 'destroy'> = {
    lastChangeAt: async (handle) => (await owner(handle)).lastChangeAt(handle),
    destroy: async (handle) => (await owner(handle)).destroy(handle),
  }
  return new Proxy(primary, {
    get(target, property) {
      if (property === 'lastChangeAt' || property === 'destroy') return routed[property]
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/**
 * Code Storage workspaces in repository `repo`, credentials from the environment only
 * (`CODE_STORAGE_NAME` + `CODE_STORAGE_KEY` or `CODE_STORAGE_TOKEN`, docs/code-storage.md). Throws
 * `INVALID_ARGUMENT` naming what to set, `CAPABILITY_MISSING` without `@pierre/storage`.
 */
async function codeStorageWorkspaces(
  ctx: CliContext,
  repo: string | undefined,
): Promise<CodeStorageEphemeralAdapter> {
  if (!repo?.trim())
    throw new InvalidArgumentError(
      '--kind code-storage needs the repository: --code-storage-repo <id> or CODE_STORAGE_REPO.',
    )
  const config = codeStorageConfigFromEnv(ctx.io.env, ctx.io.fetch ? { fetch: ctx.io.fetch } : {})
  return new CodeStorageEphemeralAdapter({ storage: await createCodeStorageClient(config), repo })
}

function workspaceKind(meta: SessionMetadata): LocalWorkspaceKind {
  const kind = meta.workspaceKind
  return kind === 'worktree' || kind === 'copy' ? kind : 'clone'
}

/** The top level of the work tree containing `path`; `path` itself for a bare repository or a non-repository. */
async function repositoryRoot(path: string): Promise<string> {
  const { stdout, exitCode } = await runGit(['rev-parse', '--show-toplevel'], {
    cwd: path,
    okExitCodes: [128],
  }).catch(() => ({ stdout: Buffer.alloc(0), exitCode: 128 }))
  const top = stdout.toString('utf8').trim()
  return exitCode === 0 && top ? top : path
}
