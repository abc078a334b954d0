/**
 * LocalEphemeralAdapter: a workspace directory on this machine, created from the durable baseline.
 *
 * Kinds:
 * - `clone` (default): `git clone --shared` (objects shared through alternates, its own refs), the
 *   `origin` remote removed and a pre-push hook that refuses every push, so an agent running git in
 *   the workspace has no path back to the durable repository's refs.
 * - `worktree`: `git worktree add --detach`. Fastest, but it shares refs, hooks and config with the
 *   durable repository: an agent with a shell there can move durable refs. Opt in knowingly.
 * - `copy`: plain files, no `.git` in the workspace; Gittrix tracks it with a private git dir kept
 *   outside the workspace.
 *
 * Touched files come from a snapshot: `git add -A` into a private index (the agent's own index is never
 * used), `write-tree`, then `diff-tree --no-renames` against the baseline. That counts the agent's own
 * commits, untracked files, deletions, mode changes, symlinks and both paths of a rename.
 */
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises'
import { basename, dirname, join, resolve as resolvePath } from 'node:path'
import type {
  CreateWorkspaceRequest,
  EphemeralAdapter,
  EphemeralCapabilities,
  ForkWorkspaceRequest,
  WorkspaceFork,
  WorkspaceHandle,
  WorkspaceInfo,
} from '../../core/adapters.ts'
import {
  FileNotFoundError,
  GittrixError,
  InvalidArgumentError,
  WriteRejectedError,
} from '../../core/errors.ts'
import { isWithin, normalizeRepoDir, normalizeRepoPath, resolveInside } from '../../core/paths.ts'
import type { ListEntry, SessionDiff, SnapshotOptions, WorkspaceSnapshot } from '../../core/types.ts'
import { gitDiffArgs, parseGitDiffOutput } from '../../git/diff-output.ts'
import { AGENT_REPO_SAFETY } from '../../git/safe-config.ts'
import { GitRepo } from '../../git/repo.ts'
import { runGit } from '../../git/run-git.ts'

/** How a local workspace is made. */
export type LocalWorkspaceKind = 'clone' | 'worktree' | 'copy'

/** Options for {@link LocalEphemeralAdapter}. */
export interface LocalEphemeralAdapterOptions {
  /** Where workspaces go: `<sessionsRootDir>/<session-id>`. Default: `<store>/<session-id>/workspace`. */
  sessionsRootDir?: string
  /** Default `clone`. */
  kind?: LocalWorkspaceKind
}

const KINDS: readonly LocalWorkspaceKind[] = ['clone', 'worktree', 'copy']
const FALLBACK_IDENTITY = ['-c', 'user.name=Gittrix agent', '-c', 'user.email=agent@gittrix.invalid']
const SAFE = AGENT_REPO_SAFETY

/** What pushes to the durable repository are rewritten to: no git transport exists for this scheme. */
const PUSH_BLOCKED_URL = 'gittrix-push-disabled::'

const PRE_PUSH_GUARD = `#!/bin/sh
echo "gittrix: pushing from a Gittrix workspace is disabled; a human promotes its changes (gittrix promote)." >&2
exit 1
`

/** Local workspaces: `clone` (default), `worktree` or `copy`. */
export class LocalEphemeralAdapter implements EphemeralAdapter {
  readonly kind = 'local'
  readonly workspaceKind: LocalWorkspaceKind
  private readonly sessionsRootDir: string | undefined

  constructor(options: LocalEphemeralAdapterOptions = {}) {
    const kind = options.kind ?? 'clone'
    if (!KINDS.includes(kind)) {
      throw new InvalidArgumentError(
        `Unknown workspace kind ${JSON.stringify(kind)}; use clone, worktree or copy.`,
      )
    }
    this.workspaceKind = kind
    this.sessionsRootDir = options.sessionsRootDir ? resolvePath(options.sessionsRootDir) : undefined
  }

  capabilities(): EphemeralCapabilities {
    return {
      workspaceKind: this.workspaceKind,
      isGitBacked: this.workspaceKind !== 'copy',
      requiresLocalDurable: true,
    }
  }

  async create(request: CreateWorkspaceRequest): Promise<WorkspaceInfo> {
    if (!request.durable.localGitDir) {
      throw new GittrixError(
        'CAPABILITY_MISSING',
        `LocalEphemeralAdapter needs a durable repository on this machine; ${request.durable.kind} durable has none.`,
      )
    }
    const durableGitDir = await request.durable.localGitDir()
    const workspace = this.sessionsRootDir
      ? join(this.sessionsRootDir, request.sessionId)
      : join(request.sessionDir, 'workspace')
    const state = stateDir(request.sessionDir)
    const kind = this.workspaceKind
    await mkdir(state, { recursive: true })
    await mkdir(dirname(workspace), { recursive: true })
    try {
      if (kind === 'clone')
        await createClone(durableGitDir, workspace, request.baselineSha, request.sessionId, state)
      else if (kind === 'worktree') await createWorktree(durableGitDir, workspace, request.baselineSha, state)
      else await createCopy(durableGitDir, workspace, request.baselineSha, state)
    } catch (error) {
      await destroyWorkspace(kind, workspace, state)
      throw error
    }
    return {
      ephemeralRef: `local-${kind}://${encodeURI(workspace)}`,
      ephemeralPath: workspace,
      workspaceKind: kind,
      isGitBacked: kind !== 'copy',
    }
  }

  async read(handle: WorkspaceHandle, path: string): Promise<Uint8Array | null> {
    const { root, rel } = locate(handle, path)
    const target = await resolveInside(root, rel)
    const stat = await lstat(target).catch(() => null)
    if (!stat) return null
    if (stat.isSymbolicLink()) await assertLinkInside(root, target, rel)
    else if (stat.isDirectory())
      throw new FileNotFoundError(rel, 'the workspace as a file (it is a directory)')
    try {
      return await readFile(target)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  async write(
    handle: WorkspaceHandle,
    path: string,
    bytes: Uint8Array,
    options: { executable?: boolean } = {},
  ): Promise<void> {
    const { root, rel } = locate(handle, path)
    const target = await resolveInside(root, rel)
    const stat = await lstat(target).catch(() => null)
    if (stat?.isSymbolicLink()) await assertLinkInside(root, target, rel)
    else if (stat?.isDirectory()) throw new WriteRejectedError(rel, 'it is a directory')
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, bytes, stat ? {} : { mode: options.executable ? 0o755 : 0o644 })
    if (stat && options.executable !== undefined) await chmod(target, options.executable ? 0o755 : 0o644)
  }

  async delete(handle: WorkspaceHandle, path: string): Promise<void> {
    const { root, rel } = locate(handle, path)
    const target = await resolveInside(root, rel)
    await rm(target, { recursive: true, force: true })
  }

  async list(
    handle: WorkspaceHandle,
    dir: string,
    options: { recursive?: boolean } = {},
  ): Promise<ListEntry[]> {
    const prefix = normalizeRepoDir(dir)
    const { tree, repo } = await this.snapshotTree(handle)
    const args = ['ls-tree', '-z', ...(options.recursive ? ['-r'] : []), tree]
    if (prefix) args.push('--', `${prefix}/`)
    const { stdout } = await repo.run(args, { env: { GIT_LITERAL_PATHSPECS: '1' } })
    const entries: ListEntry[] = []
    for (const record of stdout.toString('utf8').split('\0')) {
      if (!record) continue
      const tab = record.indexOf('\t')
      const [mode, type] = record.slice(0, tab).split(' ')
      const entryType: ListEntry['type'] = type === 'tree' ? 'dir' : mode === '120000' ? 'symlink' : 'file'
      entries.push({ path: record.slice(tab + 1), type: entryType })
    }
    return entries
  }

  /**
   * Now: `git add -A` into the private index, then `diff-index --cached` against the baseline (no tree
   * written). At a commit (`options.at`, checked by {@link sessionCommit}): `diff-tree` from the
   * baseline to that commit, read from the workspace's object store (copy workspaces: their private
   * git directory, whose commits `commit()` makes).
   */
  async snapshot(handle: WorkspaceHandle, options: SnapshotOptions = {}): Promise<WorkspaceSnapshot> {
    const repo = await this.workspaceRepo(handle)
    const blobs = { gitDir: repo.gitDir, readBlobs: (oids: readonly string[]) => repo.readObjects(oids) }
    if (options.at !== undefined) {
      const at = await sessionCommit(repo, handle, options.at)
      const [tree, changes] = await Promise.all([repo.treeOf(at), repo.diffTrees(handle.baselineSha, at)])
      return { tree, commit: at, changes, blobs }
    }
    await repo.run([...SAFE, 'add', '-A'])
    const changes = await repo.diffIndex(handle.baselineSha)
    return { changes, blobs }
  }

  /**
   * The session diff as `git diff <baseline>` renders it, working tree against the baseline: untracked
   * files join the private index as intent-to-add, so nothing is hashed or stored. Same paths as
   * {@link snapshot}; one git process renders the patch, stats and modes. With `at` (checked as in
   * {@link snapshot}): `git diff <baseline> <at>`.
   */
  async diff(handle: WorkspaceHandle, options: { binary?: boolean; at?: string } = {}): Promise<SessionDiff> {
    const repo = await this.workspaceRepo(handle)
    if (options.at !== undefined) {
      const at = await sessionCommit(repo, handle, options.at)
      return parseGitDiffOutput(
        (await repo.run([...SAFE, ...gitDiffArgs([handle.baselineSha, at], options)])).stdout,
      )
    }
    const runDiff = () => repo.run([...SAFE, ...gitDiffArgs([handle.baselineSha], options)])
    // Both only read the private index, so they run side by side. Files that are untracked now were
    // not in that diff: they join the index as intent-to-add (once; later calls find none) and the
    // diff runs again. Adding nothing would still rewrite the whole index, hence the listing first.
    const [{ stdout: untracked }, first] = await Promise.all([
      repo.run([...SAFE, 'ls-files', '-z', '--others', '--exclude-standard']),
      runDiff(),
    ])
    if (untracked.length === 0) return parseGitDiffOutput(first.stdout)
    await repo.run([...SAFE, 'add', '--intent-to-add', '--pathspec-from-file=-', '--pathspec-file-nul'], {
      input: untracked,
      env: { GIT_LITERAL_PATHSPECS: '1' },
    })
    return parseGitDiffOutput((await runDiff()).stdout)
  }

  async commit(handle: WorkspaceHandle, message: string): Promise<string> {
    const repo = await this.workspaceRepo(handle)
    const { root } = locate(handle, '.')
    if (kindOf(handle) === 'copy') {
      const { tree } = await this.snapshotTree(handle)
      const parent = (await repo.resolve('HEAD')) ?? handle.baselineSha
      const sha = await repo.text([...FALLBACK_IDENTITY, 'commit-tree', tree, '-p', parent], {
        input: message,
      })
      await repo.run(['update-ref', 'HEAD', sha])
      return sha
    }
    // The agent's own repository: commit with its own index, as `git commit -a` plus new files would.
    const own = new GitRepo({ gitDir: repo.gitDir, workTree: root })
    await own.run([...SAFE, 'add', '-A'])
    const identity = (await hasIdentity(own)) ? [] : FALLBACK_IDENTITY
    await own.run([...SAFE, ...identity, 'commit', '-q', '--allow-empty', '--no-verify', '-F', '-'], {
      input: message,
    })
    return own.text(['rev-parse', 'HEAD'])
  }

  async lastChangeAt(handle: WorkspaceHandle): Promise<number | null> {
    const { root } = locate(handle, '.')
    let latest: number | null = null
    const visit = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
      const stats = await Promise.all(
        entries.map(async (entry) => ({ entry, stat: await lstat(join(dir, entry.name)).catch(() => null) })),
      )
      const dirStat = await lstat(dir).catch(() => null)
      if (dirStat) latest = Math.max(latest ?? 0, dirStat.mtimeMs)
      for (const { entry, stat } of stats) {
        if (!stat || (entry.name === '.git' && dir === root)) continue
        latest = Math.max(latest ?? 0, stat.mtimeMs)
        if (entry.isDirectory()) await visit(join(dir, entry.name))
      }
    }
    await visit(root)
    return latest
  }

  async destroy(handle: WorkspaceHandle): Promise<void> {
    await destroyWorkspace(kindOf(handle), handle.ephemeralPath ?? '', stateDir(handle.sessionDir))
  }

  /**
   * A new workspace of this adapter's kind at commit `at` of the source workspace (default its `HEAD`;
   * uncommitted files are not carried; `at` must be on the history of its `HEAD`): created at the source's baseline like any session, then the
   * source's objects for `at` are fetched from its git directory and the work tree is reset to it. A
   * clone's session branch `gittrix/<new id>` points at `at`. Throws `INVALID_ARGUMENT` when `at` is
   * not a commit of the source at or after its baseline, `ADAPTER_UNAVAILABLE` when the source
   * workspace is gone.
   */
  async forkWorkspace(request: ForkWorkspaceRequest): Promise<WorkspaceFork> {
    const { source } = request
    const sourceRepo = await this.workspaceRepo(source)
    const at = await sessionCommit(sourceRepo, source, request.at)
    const info = await this.create({
      sessionId: request.sessionId,
      sessionDir: request.sessionDir,
      baselineSha: source.baselineSha,
      durable: request.durable,
    })
    const handle: WorkspaceHandle = {
      sessionId: request.sessionId,
      sessionDir: request.sessionDir,
      baselineSha: source.baselineSha,
      ephemeralRef: info.ephemeralRef,
      ...(info.ephemeralPath ? { ephemeralPath: info.ephemeralPath } : {}),
    }
    try {
      const repo = await this.workspaceRepo(handle)
      await repo.run([...SAFE, 'fetch', '--quiet', '--no-tags', '--', sourceRepo.gitDir, at])
      if (this.workspaceKind === 'copy') {
        await repo.run([...SAFE, 'read-tree', '--reset', '-u', at])
        await repo.run(['update-ref', 'HEAD', at])
      } else {
        const own = new GitRepo({ gitDir: repo.gitDir, workTree: info.ephemeralPath ?? '' })
        await own.run([...SAFE, 'reset', '--quiet', '--hard', at])
      }
    } catch (error) {
      await this.destroy(handle)
      throw error
    }
    return { baselineSha: source.baselineSha, at, info }
  }

  /** `git add -A` into the private index, then `write-tree`: the workspace as a tree, right now. */
  private async snapshotTree(handle: WorkspaceHandle): Promise<{ tree: string; repo: GitRepo }> {
    const repo = await this.workspaceRepo(handle)
    await repo.run([...SAFE, 'add', '-A'])
    const tree = await repo.text(['write-tree'])
    return { tree, repo }
  }

  private async workspaceRepo(handle: WorkspaceHandle): Promise<GitRepo> {
    const { root } = locate(handle, '.')
    const state = stateDir(handle.sessionDir)
    const gitDir = (await readFile(join(state, 'gitdir'), 'utf8').catch(() => null))?.trim()
    if (!gitDir) {
      throw new GittrixError(
        'ADAPTER_UNAVAILABLE',
        `The workspace of session ${handle.sessionId} is gone or incomplete (${state}).`,
      )
    }
    return new GitRepo({ gitDir, workTree: root, indexFile: join(state, 'index') })
  }
}

/**
 * Resolves `at` (default `HEAD`) in a workspace to a full commit id of the session: on the history of
 * its `HEAD` and at or after its baseline. Throws `INVALID_ARGUMENT` otherwise (nothing else happens).
 */
async function sessionCommit(
  repo: GitRepo,
  source: WorkspaceHandle,
  at: string | undefined,
): Promise<string> {
  if (at !== undefined && (typeof at !== 'string' || !/^[0-9a-f]{4,64}$/.test(at))) {
    throw new InvalidArgumentError(
      `${JSON.stringify(at)} is not a commit id: give a commit id of session ${source.sessionId} (see git log in its workspace).`,
    )
  }
  const sha = await repo.resolve(`${at ?? 'HEAD'}^{commit}`)
  const isAncestor = async (ancestor: string, commit: string) =>
    (await repo.run(['merge-base', '--is-ancestor', ancestor, commit], { okExitCodes: [1, 128] }))
      .exitCode === 0
  if (!sha || !(await isAncestor(source.baselineSha, sha)) || !(await isAncestor(sha, 'HEAD'))) {
    throw new InvalidArgumentError(
      `${at ?? 'HEAD'} is not a commit of session ${source.sessionId}: give one on its workspace's history (git log) at or after the baseline ${source.baselineSha.slice(0, 12)}.`,
    )
  }
  return sha
}

function stateDir(sessionDir: string): string {
  return join(sessionDir, 'ephemeral')
}

function kindOf(handle: WorkspaceHandle): LocalWorkspaceKind {
  const match = /^local-(clone|worktree|copy):\/\//.exec(handle.ephemeralRef)
  if (!match) throw new InvalidArgumentError(`${handle.ephemeralRef} is not a local workspace.`)
  return match[1] as LocalWorkspaceKind
}

function locate(handle: WorkspaceHandle, path: string): { root: string; rel: string } {
  if (!handle.ephemeralPath)
    throw new InvalidArgumentError(`Session ${handle.sessionId} has no local workspace path.`)
  return { root: handle.ephemeralPath, rel: path === '.' ? '.' : normalizeRepoPath(path) }
}

async function assertLinkInside(root: string, target: string, rel: string): Promise<void> {
  const resolved = await realpath(target).catch(() => null)
  if (resolved === null) {
    // A dangling link is judged by where it points: outside is an escape, not a missing file.
    const link = await readlink(target).catch(() => null)
    if (link !== null && !isWithin(await realpath(root), resolvePath(await realpath(dirname(target)), link)))
      throw new WriteRejectedError(rel, 'it is a symlink pointing outside the workspace')
    throw new FileNotFoundError(rel, 'the workspace (a dangling symlink)')
  }
  if (!isWithin(await realpath(root), resolved))
    throw new WriteRejectedError(rel, 'it is a symlink pointing outside the workspace')
}

async function hasIdentity(repo: GitRepo): Promise<boolean> {
  const checks = await Promise.all(
    ['user.name', 'user.email'].map((key) => repo.run(['config', '--get', key], { okExitCodes: [1] })),
  )
  return checks.every((result) => result.exitCode === 0)
}

async function createClone(
  durableGitDir: string,
  workspace: string,
  baseline: string,
  sessionId: string,
  state: string,
) {
  await runGit(['clone', '--quiet', '--shared', '--no-checkout', '--', durableGitDir, workspace])
  const gitDir = join(workspace, '.git')
  const repo = new GitRepo({ gitDir, workTree: workspace })
  await repo.run(['remote', 'remove', 'origin'])
  await repo.run(['checkout', '--quiet', '-b', `gittrix/${sessionId}`, baseline])
  await writeFile(join(gitDir, 'hooks', 'pre-push'), PRE_PUSH_GUARD, { mode: 0o755 })
  // The hook is skipped by `git push --no-verify`; this is not: any push URL naming the durable
  // repository is rewritten to one no transport accepts.
  const durablePaths = [
    durableGitDir,
    ...(basename(durableGitDir) === '.git' ? [dirname(durableGitDir)] : []),
  ]
  for (const path of durablePaths.flatMap((p) => [p, `file://${p}`])) {
    await repo.run(['config', '--add', `url.${PUSH_BLOCKED_URL}.pushInsteadOf`, path])
  }
  await adoptCloneWorkspace(state, gitDir)
}

/**
 * Records a clone's git directory (and a private copy of its index) as the workspace state in `state`,
 * so every clone-kind operation of {@link LocalEphemeralAdapter} (read, write, list, snapshot, diff,
 * commit, destroy) works on it. For adapters that make the clone themselves (Cloudflare Artifacts)
 * and then address it with a `local-clone://` handle.
 */
export async function adoptCloneWorkspace(state: string, gitDir: string): Promise<void> {
  await copyFile(join(gitDir, 'index'), join(state, 'index'))
  await writeFile(join(state, 'gitdir'), `${gitDir}\n`)
}

/** The private state directory the local adapter keeps for a session: `<sessionDir>/ephemeral`. */
export function localStateDir(sessionDir: string): string {
  return stateDir(sessionDir)
}

async function createWorktree(durableGitDir: string, workspace: string, baseline: string, state: string) {
  await runGit([`--git-dir=${durableGitDir}`, 'worktree', 'add', '--quiet', '--detach', workspace, baseline])
  const gitDir = (await runGit(['rev-parse', '--absolute-git-dir'], { cwd: workspace })).stdout
    .toString('utf8')
    .trim()
  await copyFile(join(gitDir, 'index'), join(state, 'index'))
  await writeFile(join(state, 'gitdir'), `${gitDir}\n`)
}

async function createCopy(durableGitDir: string, workspace: string, baseline: string, state: string) {
  const gitDir = join(state, 'git')
  await runGit(['init', '--quiet', '--bare', gitDir])
  await writeFile(join(gitDir, 'objects', 'info', 'alternates'), `${join(durableGitDir, 'objects')}\n`)
  await mkdir(workspace, { recursive: true })
  const repo = new GitRepo({ gitDir, workTree: workspace, indexFile: join(state, 'index') })
  await repo.run(['read-tree', '--reset', '-u', baseline])
  await repo.run(['update-ref', 'HEAD', baseline])
  await writeFile(join(state, 'gitdir'), `${gitDir}\n`)
}

async function destroyWorkspace(kind: LocalWorkspaceKind, workspace: string, state: string): Promise<void> {
  if (kind === 'worktree' && workspace) {
    const gitDir = (await readFile(join(state, 'gitdir'), 'utf8').catch(() => '')).trim()
    const common = gitDir ? dirname(dirname(gitDir)) : ''
    if (common) {
      await runGit([`--git-dir=${common}`, 'worktree', 'remove', '--force', '--force', workspace], {
        okExitCodes: [128],
      }).catch(() => {})
    }
    await rm(workspace, { recursive: true, force: true })
    if (common)
      await runGit([`--git-dir=${common}`, 'worktree', 'prune'], { okExitCodes: [128] }).catch(() => {})
  } else if (workspace) {
    await rm(workspace, { recursive: true, force: true })
  }
  await rm(state, { recursive: true, force: true })
}
