/**
 * The git side of a local workspace: how each kind is made and destroyed, the push guard of a clone,
 * and the one way Gittrix runs git on it afterwards.
 *
 * Everything here runs sealed (src/git/sealed.ts). Commands that read the work tree (`add`, `diff`,
 * `ls-files`, `read-tree -u`) run through a private git directory in the session's state
 * (`<session>/ephemeral/private.git`, Gittrix's configuration, empty template) with the agent's objects
 * as its object store, so the agent's `.git/config`, `info/attributes`, `info/exclude` and hooks are
 * never read: no filter, textconv, external diff, fsmonitor or hook the agent configured runs. Commands
 * on the agent's own repository touch refs and objects only.
 *
 * State files in `<session>/ephemeral/`: `gitdir` (the agent's git directory), `index` (the private
 * index), `objects` (the object store), `identity` (device and inode of a clone's `.git`, checked before
 * every use so a `.git` swapped for a link to another repository is refused), `private.git/` (made on
 * first use).
 */
import { copyFile, lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path'
import type { WorkspaceHandle } from '../../core/adapters.ts'
import {
  GittrixError,
  InvalidArgumentError,
  WorkspaceInvalidError,
  WorkspaceMissingError,
} from '../../core/errors.ts'
import { GitRepo } from '../../git/repo.ts'
import { runGit } from '../../git/run-git.ts'
import { checkpointWritePaths, symlinksOnPaths } from '../../git/written-paths.ts'
import { readRegularFile } from '../../core/regular-file.ts'
import { removeTree } from '../../core/remove-tree.ts'

/** How a local workspace is made. */
export type LocalWorkspaceKind = 'clone' | 'worktree' | 'copy'

/**
 * Settings written into a clone workspace's own `.git/config`. `protocol.file.allow=never` makes git
 * refuse every local transport, so no spelling of the durable repository (relative, `/./`, `//`, `..`,
 * a symlinked or bind-mounted alias, `file://`, `file://localhost`, a `pushurl` or `insteadOf`
 * rewrite) and no command (`push`, `push --no-verify`, `send-pack`, `fetch`) reaches it: git resolves
 * the spelling first, then asks whether the `file` transport is allowed (git-config(1),
 * `protocol.<name>.allow`; git's connect.c checks it for local paths too).
 */
export const CLONE_GUARD_CONFIG: readonly (readonly [string, string])[] = [
  ['protocol.file.allow', 'never'],
  ['protocol.ext.allow', 'never'],
]

/** The pre-push hook of a clone: refuses every push, whatever the destination (a second layer). */
export const PRE_PUSH_GUARD = `#!/bin/sh
echo "gittrix: pushing from a Gittrix workspace is disabled; a human promotes its changes (gittrix promote)." >&2
exit 1
`

/** Sealed handles on one workspace. */
export interface WorkspaceGit {
  /**
   * Gittrix's view: private git directory (its configuration only), the workspace as work tree, the
   * private index, the agent's objects as object store. For every command that reads the work tree.
   */
  repo: GitRepo
  /** The agent's own repository (refs and objects only), or `null` for a `copy` workspace. */
  agent: GitRepo | null
  /** The agent's index file (`null` for `copy`). */
  agentIndex: string | null
  /** A git directory that holds (through alternates) every object of the workspace: blob source for promotion. */
  blobsGitDir: string
}

/** `<sessionDir>/ephemeral`: the private state Gittrix keeps for a local workspace. */
export function stateDir(sessionDir: string): string {
  return join(sessionDir, 'ephemeral')
}

/** The kind named by a handle's `local-<kind>://` ref. Throws `INVALID_ARGUMENT` for anything else. */
export function kindOf(handle: WorkspaceHandle): LocalWorkspaceKind {
  const match = /^local-(clone|worktree|copy):\/\//.exec(handle.ephemeralRef)
  if (!match) throw new InvalidArgumentError(`${handle.ephemeralRef} is not a local workspace.`)
  return match[1] as LocalWorkspaceKind
}

/**
 * Opens a workspace for Gittrix's git commands (see {@link WorkspaceGit}). Removes a stale
 * `index.lock` of the private index left by a killed process: callers hold the session lock, so no
 * other Gittrix process uses that index. Throws `WORKSPACE_MISSING` (workspace directory or state
 * gone), `WORKSPACE_INVALID` (the workspace directory or a clone's `.git` replaced),
 * `ADAPTER_UNAVAILABLE` (the durable repository whose objects the workspace borrows was moved or
 * deleted).
 */
export async function openWorkspaceGit(handle: WorkspaceHandle): Promise<WorkspaceGit> {
  const root = workspaceRoot(handle)
  const rootStat = await lstat(root).catch(() => null)
  if (!rootStat) throw new WorkspaceMissingError(handle.sessionId, `${root} does not exist`)
  if (!rootStat.isDirectory())
    throw new WorkspaceInvalidError(handle.sessionId, `${root} is no longer a directory`)
  const state = stateDir(handle.sessionDir)
  const gitDir = await readState(state, 'gitdir')
  if (!gitDir) throw new WorkspaceMissingError(handle.sessionId, `its state in ${state} is gone`)
  await rm(join(state, 'index.lock'), { force: true })
  const indexFile = join(state, 'index')
  const kind = kindOf(handle)
  if (kind === 'copy') {
    await checkBorrowedObjects(handle, join(gitDir, 'objects'))
    const repo = new GitRepo({ gitDir, workTree: root, indexFile, sealed: true })
    return { repo, agent: null, agentIndex: null, blobsGitDir: gitDir }
  }
  // The checks only read; they run side by side with finding the object store (nothing is used
  // before all of them have passed).
  const checks =
    kind === 'clone'
      ? Promise.all([checkIdentity(handle, state, gitDir), checkWrittenPaths(handle, gitDir)])
      : stat(gitDir).then(
          () => undefined,
          () => durableGone(gitDir),
        )
  const store = (async () => {
    const objects = (await readState(state, 'objects')) ?? (await objectDirOf(gitDir))
    await checkBorrowedObjects(handle, objects)
    return objects
  })()
  const [, objects] = await Promise.all([checks, store])
  const privateDir = await ensurePrivateGitDir(state, objects)
  return {
    repo: new GitRepo({ gitDir: privateDir, workTree: root, indexFile, objectDir: objects, sealed: true }),
    agent: new GitRepo({ gitDir, sealed: true }),
    agentIndex: join(gitDir, 'index'),
    blobsGitDir: privateDir,
  }
}

/** The workspace directory of a local handle. Throws `INVALID_ARGUMENT` when it has none. */
export function workspaceRoot(handle: WorkspaceHandle): string {
  if (!handle.ephemeralPath)
    throw new InvalidArgumentError(`Session ${handle.sessionId} has no local workspace path.`)
  return handle.ephemeralPath
}

/**
 * Makes a clone workspace: `git clone --shared --no-checkout` (objects shared through alternates, its
 * own refs), no remote, branch `gittrix/<session id>` at the baseline, the push guard
 * ({@link CLONE_GUARD_CONFIG}, {@link PRE_PUSH_GUARD}), then the files checked out through the
 * private git directory.
 */
export async function createClone(
  durableGitDir: string,
  workspace: string,
  baseline: string,
  sessionId: string,
  state: string,
): Promise<void> {
  // The guard settings go into the new repository's configuration; for the clone itself the local
  // transport (the durable repository is the user's) is allowed on the command line, which wins.
  await runGit(
    [
      'clone',
      '--quiet',
      '--shared',
      '--no-checkout',
      ...CLONE_GUARD_CONFIG.flatMap(([key, value]) => ['--config', `${key}=${value}`]),
      '--',
      durableGitDir,
      workspace,
    ],
    { sealed: true, config: [['protocol.file.allow', 'always']] },
  )
  const gitDir = join(workspace, '.git')
  const agent = new GitRepo({ gitDir, sealed: true })
  await agent.run(['remote', 'remove', 'origin'])
  const branch = `refs/heads/gittrix/${sessionId}`
  await agent.run(['update-ref', branch, baseline])
  // A symbolic HEAD is one line (gitrepository-layout(5)); no process needed to write it.
  await writeFile(join(gitDir, 'HEAD'), `ref: ${branch}\n`)
  await mkdir(join(gitDir, 'hooks'), { recursive: true })
  await writeFile(join(gitDir, 'hooks', 'pre-push'), PRE_PUSH_GUARD, { mode: 0o755 })
  await recordWorkspace(state, gitDir, join(gitDir, 'objects'))
  // The repository is fresh, its configuration Gittrix's own (no agent has run yet): check out through it.
  await new GitRepo({ gitDir, workTree: workspace, sealed: true }).run([
    'read-tree',
    '--reset',
    '-u',
    baseline,
  ])
  await copyFile(join(gitDir, 'index'), join(state, 'index'))
}

/** Makes a linked worktree (`git worktree add --detach --no-checkout`), then checks the files out privately. */
export async function createWorktree(
  durableGitDir: string,
  workspace: string,
  baseline: string,
  state: string,
): Promise<void> {
  await runGit(
    [
      `--git-dir=${durableGitDir}`,
      'worktree',
      'add',
      '--quiet',
      '--detach',
      '--no-checkout',
      workspace,
      baseline,
    ],
    { sealed: true },
  )
  const dotGit = await readFile(join(workspace, '.git'), 'utf8')
  const linked = /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim()
  if (!linked) throw new Error(`git worktree add wrote no gitdir line in ${join(workspace, '.git')}`)
  const gitDir = isAbsolute(linked) ? linked : resolvePath(workspace, linked)
  await recordWorkspace(state, gitDir, join(durableGitDir, 'objects'))
  await checkOut(state, workspace, gitDir, baseline)
}

/** Makes a plain copy: a private bare git directory in `state` borrowing the durable objects, files checked out. */
export async function createCopy(
  durableGitDir: string,
  workspace: string,
  baseline: string,
  state: string,
): Promise<void> {
  const gitDir = join(state, 'git')
  await GitRepo.initPrivate(gitDir)
  await mkdir(join(gitDir, 'objects', 'info'), { recursive: true })
  await writeFile(join(gitDir, 'objects', 'info', 'alternates'), `${join(durableGitDir, 'objects')}\n`)
  await mkdir(workspace, { recursive: true })
  const repo = new GitRepo({ gitDir, workTree: workspace, indexFile: join(state, 'index'), sealed: true })
  await repo.run(['read-tree', '--reset', '-u', baseline])
  await repo.run(['update-ref', 'HEAD', baseline])
  await writeFile(join(state, 'gitdir'), `${gitDir}\n`)
}

/**
 * Records a clone's git directory (and a private copy of its index) as the workspace state in `state`,
 * so every clone-kind operation of the local adapter (read, write, list, snapshot, diff, commit,
 * destroy) works on it. For adapters that make the clone themselves (Cloudflare Artifacts) and then
 * address it with a `local-clone://` handle.
 */
export async function adoptCloneWorkspace(state: string, gitDir: string): Promise<void> {
  await recordWorkspace(state, gitDir, join(gitDir, 'objects'))
  await copyFile(join(gitDir, 'index'), join(state, 'index'))
}

/** Removes a workspace of `kind` and its private state. Idempotent; never throws for what is already gone. */
export async function destroyWorkspace(
  kind: LocalWorkspaceKind,
  workspace: string,
  state: string,
): Promise<void> {
  if (kind === 'worktree' && workspace) {
    const gitDir = (await readState(state, 'gitdir')) ?? ''
    const common = gitDir ? dirname(dirname(gitDir)) : ''
    if (common) {
      await runGit([`--git-dir=${common}`, 'worktree', 'remove', '--force', '--force', workspace], {
        okExitCodes: [128],
        sealed: true,
      }).catch(() => {})
    }
    await removeTree(workspace)
    if (common)
      await runGit([`--git-dir=${common}`, 'worktree', 'prune'], { okExitCodes: [128], sealed: true }).catch(
        () => {},
      )
  } else if (workspace) {
    await removeTree(workspace)
  }
  await removeTree(state)
}

/** Checks `at` out into the workspace and the agent's index through the private git directory, then copies that index. */
export async function checkOut(state: string, workspace: string, gitDir: string, at: string): Promise<void> {
  const { repo, agentIndex } = await openRecorded(state, workspace, gitDir)
  await repo.run(['read-tree', '--reset', '-u', at], { env: { GIT_INDEX_FILE: agentIndex } })
  await copyFile(agentIndex, join(state, 'index'))
}

async function openRecorded(
  state: string,
  workspace: string,
  gitDir: string,
): Promise<{ repo: GitRepo; agentIndex: string }> {
  const objects = (await readState(state, 'objects')) ?? join(gitDir, 'objects')
  const privateDir = await ensurePrivateGitDir(state, objects)
  return {
    repo: new GitRepo({
      gitDir: privateDir,
      workTree: workspace,
      indexFile: join(state, 'index'),
      objectDir: objects,
      sealed: true,
    }),
    agentIndex: join(gitDir, 'index'),
  }
}

async function recordWorkspace(state: string, gitDir: string, objects: string): Promise<void> {
  await mkdir(state, { recursive: true })
  const stat = await lstat(gitDir, { bigint: true })
  await writeFile(join(state, 'objects'), `${objects}\n`)
  await writeFile(join(state, 'identity'), `${stat.dev}:${stat.ino}\n`)
  await writeFile(join(state, 'gitdir'), `${gitDir}\n`)
}

/**
 * `<state>/private.git`, made on first use; its alternates name `objects` so other repositories can
 * read the workspace's objects through it, and its configuration names the user's global excludes file
 * (if any), so files the user ignores everywhere (`.DS_Store`, editor files) are not touched files. An
 * excludes file only hides files; hidden files are never promoted.
 */
async function ensurePrivateGitDir(state: string, objects: string): Promise<string> {
  const dir = join(state, 'private.git')
  const alternates = (gitDir: string) => join(gitDir, 'objects', 'info', 'alternates')
  if ((await readFile(alternates(dir), 'utf8').catch(() => null)) === `${objects}\n`) return dir
  // Built beside it and renamed into place: a process killed half-way (a `config.lock` left by
  // `git init`) leaves only a scratch directory, which the next call removes. Callers hold the
  // session lock, so no other Gittrix process builds it at the same time.
  const scratch = `${dir}.new`
  await rm(scratch, { recursive: true, force: true })
  const repo = await GitRepo.initPrivate(scratch)
  const excludes = await userExcludesFile()
  if (excludes) await repo.run(['config', 'core.excludesFile', excludes])
  await mkdir(dirname(alternates(scratch)), { recursive: true })
  await writeFile(alternates(scratch), `${objects}\n`)
  await rm(dir, { recursive: true, force: true })
  await rename(scratch, dir)
  return dir
}

let excludesFile: Promise<string | null> | undefined

/**
 * The user's global excludes file: `core.excludesFile` of the global configuration, else git's default
 * `$XDG_CONFIG_HOME/git/ignore` (`~/.config/git/ignore`) when it exists (gitignore(5)). Resolved once.
 */
function userExcludesFile(): Promise<string | null> {
  excludesFile ??= (async () => {
    const { stdout, exitCode } = await runGit(
      ['config', '--global', '--path', '--get', 'core.excludesFile'],
      {
        okExitCodes: [1],
      },
    ).catch(() => ({ stdout: Buffer.alloc(0), exitCode: 1 }))
    const configured = exitCode === 0 ? stdout.toString('utf8').trim() : ''
    if (configured) return configured
    const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config')
    const fallback = join(base, 'git', 'ignore')
    return (await stat(fallback).catch(() => null)) ? fallback : null
  })()
  return excludesFile
}

/** Refuses a clone whose `.git` is no longer the directory Gittrix made (a link, a file, another repository). */
async function checkIdentity(handle: WorkspaceHandle, state: string, gitDir: string): Promise<void> {
  const stat = await lstat(gitDir, { bigint: true }).catch(() => null)
  if (!stat) throw new WorkspaceMissingError(handle.sessionId, `${gitDir} does not exist`)
  if (stat.isSymbolicLink() || !stat.isDirectory())
    throw new WorkspaceInvalidError(handle.sessionId, `${gitDir} is no longer a directory`)
  const recorded = await readState(state, 'identity')
  if (recorded && recorded !== `${stat.dev}:${stat.ino}`)
    throw new WorkspaceInvalidError(handle.sessionId, `${gitDir} was replaced by another directory`)
}

/**
 * Refuses (`WORKSPACE_INVALID`) a clone whose `.git` holds a symlink, or a `commondir` file, on any path
 * Gittrix's own git commands write through (src/git/written-paths.ts: `HEAD`, the index, `config`, the
 * object store and its fan-out directories, the ref `HEAD` names and its reflogs, `packed-refs`). Git follows a symlinked
 * directory there like any other, and a symlink's target is only text: an agent confined to its
 * workspace (`gittrix run`) could otherwise point `refs/heads` at the durable repository's and have the
 * next checkpoint move the durable branch. Hard links are not checked: making one needs access to the
 * target, which the sandbox does not give.
 */
async function checkWrittenPaths(handle: WorkspaceHandle, gitDir: string): Promise<void> {
  const refuse = (what: string): never => {
    throw new WorkspaceInvalidError(
      handle.sessionId,
      `${what} in ${gitDir}: Gittrix writes there and will not follow it. Remove it (or discard the session)`,
    )
  }
  if (await lstat(join(gitDir, 'commondir')).catch(() => null)) refuse('a commondir file')
  const headFile = await readRegularFile(join(gitDir, 'HEAD'), { maxBytes: 4096 }).catch(() => null)
  if (headFile?.kind === 'other' && headFile.type !== 'symlink') refuse(`HEAD is a ${headFile.type}`)
  const head = headFile?.kind === 'file' ? headFile.bytes.toString('utf8') : ''
  const target = /^ref: (refs\/[^\n]+)\n?$/.exec(head)?.[1] ?? null
  const [link] = await symlinksOnPaths(gitDir, checkpointWritePaths(target))
  if (link === undefined) return
  refuse(link.split('/').includes('..') ? `HEAD names ${target}` : `${link} is a symlink`)
}

/** More than any real `info/alternates` (a few absolute paths); the rest is not read. */
const MAX_ALTERNATES_BYTES = 64 * 1024

/**
 * Throws `ADAPTER_UNAVAILABLE` when an object store `objects` borrows from (its `info/alternates`, the
 * durable repository's objects for a clone or a copy) or `objects` itself is gone, and
 * `WORKSPACE_INVALID` when `info/alternates` is a FIFO, socket or device: git opens it for every
 * object it looks up and would wait on a FIFO until its timeout (src/core/regular-file.ts).
 */
async function checkBorrowedObjects(handle: WorkspaceHandle, objects: string): Promise<void> {
  if (!(await stat(objects).catch(() => null))) durableGone(objects)
  const alternates = join(objects, 'info', 'alternates')
  const read = await readRegularFile(alternates, { maxBytes: MAX_ALTERNATES_BYTES }).catch(() => null)
  if (read?.kind === 'other' && read.type !== 'symlink')
    throw new WorkspaceInvalidError(
      handle.sessionId,
      `${alternates} is a ${read.type}, not a file (git reads it for every object). Remove it (or discard the session)`,
    )
  const text = read?.kind === 'file' ? read.bytes.toString('utf8') : ''
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const dir = isAbsolute(line.trim()) ? line.trim() : resolvePath(objects, line.trim())
    if (!(await stat(dir).catch(() => null))) durableGone(dir)
  }
}

function durableGone(missing: string): never {
  throw new GittrixError(
    'ADAPTER_UNAVAILABLE',
    `The workspace borrows objects from ${missing}, which is gone: the durable repository was moved or deleted. Move it back, or discard the session.`,
  )
}

/** A linked worktree's git dir keeps its objects in the common directory named by `commondir`. */
async function objectDirOf(gitDir: string): Promise<string> {
  const common = await readRegularFile(join(gitDir, 'commondir'), { maxBytes: 4096 }).catch(() => null)
  if (common?.kind !== 'file') return join(gitDir, 'objects')
  const dir = common.bytes.toString('utf8').trim()
  return join(isAbsolute(dir) ? dir : resolvePath(gitDir, dir), 'objects')
}

async function readState(state: string, name: string): Promise<string | null> {
  return (await readFile(join(state, name), 'utf8').catch(() => null))?.trim() || null
}
