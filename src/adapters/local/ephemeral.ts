/**
 * LocalEphemeralAdapter: a workspace directory on this machine, created from the durable baseline.
 *
 * Kinds:
 * - `clone` (default): `git clone --shared` (objects shared through alternates, its own refs), the
 *   `origin` remote removed, the `file` transport refused and a pre-push hook that refuses every push
 *   (workspace-git.ts), so ordinary git commands in the workspace have no path back to the durable
 *   repository's refs. An agent with a shell that deliberately disables both can still reach it, as
 *   it can run git on the durable repository directly: only an OS boundary stops that.
 * - `worktree`: `git worktree add --detach`. Fastest, but it shares refs, hooks and config with the
 *   durable repository: an agent with a shell there can move durable refs. Opt in knowingly.
 * - `copy`: plain files, no `.git` in the workspace; Gittrix tracks it with a private git dir kept
 *   outside the workspace.
 *
 * Every git process runs sealed and reads the work tree through a private git directory
 * (workspace-git.ts): no filter, textconv, external diff, fsmonitor or hook the agent configured runs.
 * File operations never leave the workspace nor pass through any `.git` (workspace-fs.ts).
 *
 * Touched files come from a snapshot: `git add -A` into a private index (the agent's own index is never
 * used), then `diff-index --cached` against the baseline. That counts the agent's own commits,
 * untracked files, deletions, mode changes, symlinks and both paths of a rename.
 */
import { constants, type Stats } from 'node:fs'
import { copyFile, lstat, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { dirname, join, resolve as resolvePath } from 'node:path'
import type {
  CreateWorkspaceRequest,
  EphemeralAdapter,
  EphemeralCapabilities,
  ForkWorkspaceRequest,
  WorkspaceFork,
  WorkspaceHandle,
  WorkspaceInfo,
} from '../../core/adapters.ts'
import { encodeText } from '../../core/bytes.ts'
import {
  GittrixError,
  InvalidArgumentError,
  WorkspaceInvalidError,
  WorkspaceMissingError,
} from '../../core/errors.ts'
import { normalizeRepoDir, normalizeRepoPath } from '../../core/paths.ts'
import type { CheckpointCommit, NoteKind, RestoreResult, ShowResult } from '../../core/history.ts'
import type { ListEntry, SnapshotOptions, WorkspaceSnapshot } from '../../core/types.ts'
import type { GitIdentity, GitRepo } from '../../git/repo.ts'
import { checkpointId, listCheckpoints, readNotes, restoreTo, showAt, writeNote } from './history.ts'
import { reviewSnapshot } from './review-snapshot.ts'
import { sessionCommit } from './session-commit.ts'
import { localTextPatches } from './text-patches.ts'
import { deleteWorkspacePath, readWorkspaceFile, writeWorkspaceFile } from './workspace-fs.ts'
import {
  checkOut,
  createClone,
  createCopy,
  createWorktree,
  destroyWorkspace,
  kindOf,
  type LocalWorkspaceKind,
  openWorkspaceGit,
  stateDir,
  type WorkspaceGit,
  workspaceRoot,
} from './workspace-git.ts'

export { adoptCloneWorkspace, type LocalWorkspaceKind, stateDir as localStateDir } from './workspace-git.ts'

/** Options for {@link LocalEphemeralAdapter}. */
export interface LocalEphemeralAdapterOptions {
  /** Where workspaces go: `<sessionsRootDir>/<session-id>`. Default: `<store>/<session-id>/workspace`. */
  sessionsRootDir?: string
  /** Default `clone`. */
  kind?: LocalWorkspaceKind
}

const KINDS: readonly LocalWorkspaceKind[] = ['clone', 'worktree', 'copy']

/**
 * Author and committer of the checkpoint commits Gittrix makes in a workspace when the environment
 * names none (`GIT_AUTHOR_*` / `GIT_COMMITTER_*`); the agent's repository configuration is never read.
 */
export const WORKSPACE_IDENTITY: GitIdentity = { name: 'Gittrix agent', email: 'agent@gittrix.invalid' }

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
    const { root, rel, checkRoot } = locate(handle, path)
    return readWorkspaceFile(root, rel, checkRoot)
  }

  async write(
    handle: WorkspaceHandle,
    path: string,
    bytes: Uint8Array,
    options: { executable?: boolean } = {},
  ): Promise<void> {
    const { root, rel, checkRoot } = locate(handle, path)
    await writeWorkspaceFile(root, rel, bytes, {
      ...(options.executable !== undefined ? { executable: options.executable } : {}),
      checkRoot,
    })
  }

  async delete(handle: WorkspaceHandle, path: string): Promise<void> {
    const { root, rel, checkRoot } = locate(handle, path)
    await deleteWorkspacePath(root, rel, checkRoot)
  }

  async list(
    handle: WorkspaceHandle,
    dir: string,
    options: { recursive?: boolean } = {},
  ): Promise<ListEntry[]> {
    const prefix = normalizeRepoDir(dir)
    const { tree, git } = await this.snapshotTree(handle)
    const entries = await git.repo.lsTree(tree, { ...(prefix ? { prefix } : {}), ...options })
    return entries
      .filter((e) => !prefix || e.path.startsWith(`${prefix}/`))
      .map((e) => ({
        path: e.path,
        type: e.type === 'tree' ? 'dir' : e.mode === '120000' ? 'symlink' : 'file',
      }))
  }

  /**
   * Now: `git add -A` into the private index, then `diff-index --cached` against the baseline (no tree
   * written). At a commit (`options.at`, checked by {@link sessionCommit}): `diff-tree` from the
   * baseline to that commit, read by id from the workspace's object store. Its text files' hunks are
   * git's (text-patches.ts), for the diff and a hunk promotion alike.
   */
  async snapshot(handle: WorkspaceHandle, options: SnapshotOptions = {}): Promise<WorkspaceSnapshot> {
    const git = await openWorkspaceGit(handle)
    const owner = git.agent ?? git.repo
    const at = options.at === undefined ? undefined : await sessionCommit(owner, handle, options.at)
    return this.snapshotFrom(git, handle.baselineSha, at)
  }

  /**
   * Session history: as {@link snapshot}, from commit `from` of the session (on `HEAD`'s history or a
   * head a restore kept; default the baseline) to commit `to` (default the work tree now). Rendered by
   * the core from git's hunks (text-patches.ts), so a text file is never shown as binary because the
   * agent's `.gitattributes` says `-diff`: git's own `git diff <from> <to>` would. Throws
   * `INVALID_ARGUMENT` when `from` or `to` is not a commit of the session.
   */
  async snapshotBetween(
    handle: WorkspaceHandle,
    options: { from?: string; to?: string } = {},
  ): Promise<WorkspaceSnapshot> {
    const git = await openWorkspaceGit(handle)
    const owner = git.agent ?? git.repo
    const restored = options.from !== undefined
    const [from, to] = await Promise.all([
      options.from === undefined
        ? handle.baselineSha
        : sessionCommit(owner, handle, options.from, { restored }),
      options.to === undefined ? undefined : sessionCommit(owner, handle, options.to, { restored }),
    ])
    return this.snapshotFrom(git, from, to)
  }

  /** The changes from commit `from` to commit `at` (or the work tree, through the private index). */
  private async snapshotFrom(
    git: WorkspaceGit,
    from: string,
    at: string | undefined,
  ): Promise<WorkspaceSnapshot> {
    const blobs = {
      gitDir: git.blobsGitDir,
      readBlobs: (oids: readonly string[]) => git.repo.readObjects(oids),
      blobSizes: (oids: readonly string[]) => git.repo.objectSizes(oids),
      readBlobHead: (oid: string, maxBytes: number) => git.repo.readBlobHead(oid, maxBytes),
    }
    if (at !== undefined) {
      const [tree, changes] = await Promise.all([git.repo.treeOf(at), git.repo.diffTrees(from, at)])
      const textPatches = localTextPatches(git.repo, { baseline: from, at })
      return { tree, commit: at, changes, blobs, textPatches, textPatchesSelectable: true }
    }
    await git.repo.run(['add', '-A'])
    const changes = await git.repo.diffIndex(from)
    const textPatches = localTextPatches(git.repo, { baseline: from })
    return { changes, blobs, textPatches, textPatchesSelectable: true }
  }

  /**
   * The work tree read for a diff without storing anything: `git diff <baseline>` through the private
   * index, its hunks those of {@link snapshot}'s `textPatches` (review-snapshot.ts). `null` when the
   * diff holds a file git calls binary, a change between a file and a symlink, or a submodule.
   */
  async reviewSnapshot(handle: WorkspaceHandle): Promise<WorkspaceSnapshot | null> {
    const git = await openWorkspaceGit(handle)
    return reviewSnapshot(git.repo, workspaceRoot(handle), handle.baselineSha, {
      gitDir: git.blobsGitDir,
      readBlobs: (oids: readonly string[]) => git.repo.readObjects(oids),
    })
  }

  /**
   * A checkpoint commit of the whole workspace on the agent's `HEAD`: its tree from the private
   * snapshot, committed with plumbing (`commit-tree`, then a compare-and-swap of `HEAD`), and the
   * agent's index brought to it: the private index the tree was written from is copied over it (git's
   * own protocol: `index.lock` made exclusively, then renamed; fresh stat data for every entry), or,
   * when that lock is taken, `read-tree --reset`. Author and committer come from `GIT_AUTHOR_*` /
   * `GIT_COMMITTER_*`, else {@link WORKSPACE_IDENTITY}: never from the agent's config.
   */
  async commit(handle: WorkspaceHandle, message: string): Promise<string> {
    const git = await openWorkspaceGit(handle)
    const owner = git.agent ?? git.repo
    // HEAD is read from the agent's refs while the private index takes the work tree in.
    const [tree, head] = await Promise.all([this.treeOf(git), owner.resolve('HEAD^{commit}')])
    const sha = await git.repo.commitTree(tree, [head ?? handle.baselineSha], message, WORKSPACE_IDENTITY, {
      unconfigured: true,
    })
    const moved = await owner.compareAndSwapRef('HEAD', sha, head, 'gittrix: checkpoint')
    if (!moved)
      throw new GittrixError(
        'EVICTION_RACE',
        `HEAD of session ${handle.sessionId} moved during the checkpoint; commit again.`,
      )
    if (git.agentIndex && !(await replaceIndex(git.repo.indexFile!, git.agentIndex)))
      await git.repo.run(['read-tree', '--reset', sha], { env: { GIT_INDEX_FILE: git.agentIndex } })
    return sha
  }

  async lastChangeAt(handle: WorkspaceHandle): Promise<number | null> {
    const root = encodeText(workspaceRoot(handle))
    let latest: number | null = null
    const visit = async (dir: Buffer, top: boolean): Promise<void> => {
      const dirStat = await lstat(dir).catch(() => null)
      if (dirStat) latest = Math.max(latest ?? 0, dirStat.mtimeMs)
      const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' }).catch(() => [])
      const children = entries
        .filter((entry) => !(top && entry.name.toString('latin1') === '.git'))
        .map((entry) => ({ entry, path: Buffer.concat([dir, Buffer.from('/'), entry.name]) }))
      const stats = await Promise.all(
        children.map(async (c) => ({ ...c, stat: await lstat(c.path).catch(() => null) })),
      )
      for (const { entry, path, stat } of stats) {
        if (!stat) continue
        latest = Math.max(latest ?? 0, stat.mtimeMs)
        if (entry.isDirectory()) await visit(path, false)
      }
    }
    await visit(root, true)
    return latest
  }

  async destroy(handle: WorkspaceHandle): Promise<void> {
    await destroyWorkspace(kindOf(handle), handle.ephemeralPath ?? '', stateDir(handle.sessionDir))
  }

  /**
   * A new workspace of this adapter's kind at commit `at` of the source workspace (`at` must be on the
   * history of its `HEAD`; default: the source's files as they are now, uncommitted work included,
   * through a checkpoint commit on the source when its files differ from its `HEAD`): created at the
   * source's baseline like any session, then the source's objects for `at` are fetched (sealed, into
   * the new workspace's object store) and the work tree and the agent's index are set to it. A clone's
   * session branch `gittrix/<new id>` points at `at`. Throws `INVALID_ARGUMENT` when `at` is not a
   * commit of the source at or after its baseline, `WORKSPACE_MISSING` when the source workspace is gone.
   */
  async forkWorkspace(request: ForkWorkspaceRequest): Promise<WorkspaceFork> {
    const { source } = request
    const sourceGit = await openWorkspaceGit(source)
    const sourceOwner = sourceGit.agent ?? sourceGit.repo
    const at =
      request.at === undefined
        ? await this.checkpointForFork(source, sourceOwner)
        : await sessionCommit(sourceOwner, source, request.at)
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
      const git = await openWorkspaceGit(handle)
      // Through the private git directory: its configuration allows the local transport the
      // workspace's own refuses, and the objects land in the workspace's object store.
      await git.repo.run(['fetch', '--quiet', '--no-tags', '--', sourceOwner.gitDir, at], {
        config: [['protocol.file.allow', 'always']],
      })
      if (git.agent) {
        await git.agent.run(['update-ref', 'HEAD', at])
        await checkOut(stateDir(request.sessionDir), info.ephemeralPath!, git.agent.gitDir, at)
      } else {
        await git.repo.run(['read-tree', '--reset', '-u', at])
        await git.repo.run(['update-ref', 'HEAD', at])
      }
    } catch (error) {
      await this.destroy(handle)
      throw error
    }
    return { baselineSha: source.baselineSha, at, info }
  }

  /**
   * The commit a fork without `at` starts from: the source's `HEAD` when its files are exactly that
   * commit, else a checkpoint commit of the files as they are (uncommitted work included), made on the
   * source's `HEAD` like `commit()` (so the source shows it in its history; its files are untouched).
   */
  private async checkpointForFork(source: WorkspaceHandle, owner: GitRepo): Promise<string> {
    const head = await sessionCommit(owner, source, undefined)
    const { tree } = await this.snapshotTree(source)
    if ((await owner.resolve(`${head}^{tree}`)) === tree) return head
    return this.commit(source, 'gittrix: checkpoint before fork')
  }

  /** Session history: see {@link EphemeralAdapter.checkpoints} and src/adapters/local/history.ts. */
  checkpoints(handle: WorkspaceHandle, options?: { limit?: number }): Promise<CheckpointCommit[]> {
    return listCheckpoints(handle, options)
  }

  /** The full id of commit `at` of the session (restored heads included). Throws `INVALID_ARGUMENT`. */
  checkpointId(handle: WorkspaceHandle, at: string): Promise<string> {
    return checkpointId(handle, at)
  }

  /** Notes of `kind` on `commits`; see src/adapters/local/history.ts (private history repository). */
  readNotes(
    handle: WorkspaceHandle,
    kind: NoteKind,
    commits: readonly string[],
  ): Promise<Map<string, Uint8Array>> {
    return readNotes(handle, kind, commits)
  }

  /** Sets the note of `kind` on checkpoint `at`; resolves its full id. Throws `INVALID_ARGUMENT`. */
  writeNote(handle: WorkspaceHandle, kind: NoteKind, at: string, bytes: Uint8Array): Promise<string> {
    return writeNote(handle, kind, at, bytes)
  }

  /** A checkpoint's files or one file's bytes. Throws `INVALID_ARGUMENT`, `FILE_NOT_FOUND`. */
  showAt(handle: WorkspaceHandle, at: string, path?: string): Promise<ShowResult> {
    return showAt(handle, at, path)
  }

  /**
   * Moves the workspace back to checkpoint `at`, keeping the old head (uncommitted work committed
   * first, as {@link WORKSPACE_IDENTITY}) reachable. Throws `INVALID_ARGUMENT`, `EVICTION_RACE`.
   */
  restoreTo(handle: WorkspaceHandle, at: string): Promise<RestoreResult> {
    return restoreTo(
      handle,
      at,
      (target) => `gittrix: work saved before restore to ${target.slice(0, 12)}\n`,
      WORKSPACE_IDENTITY,
      new Date(),
    )
  }

  /** `git add -A` into the private index, then `write-tree`: the workspace as a tree, right now. */
  private async snapshotTree(handle: WorkspaceHandle): Promise<{ tree: string; git: WorkspaceGit }> {
    const git = await openWorkspaceGit(handle)
    return { tree: await this.treeOf(git), git }
  }

  private async treeOf(git: WorkspaceGit): Promise<string> {
    await git.repo.run(['add', '-A'])
    return git.repo.text(['write-tree'])
  }
}

/**
 * Copies the index file `from` over `to` the way git replaces an index: `<to>.lock` created
 * exclusively (never through a symlink or over a lock another git holds), then renamed over `to`.
 * The copy keeps the original's mtime (rounded down to the ms): git judges entries changed in the
 * same instant as the index ("racily clean", gitformat-index(5) / Documentation/technical/racy-git.txt)
 * by that mtime, so a later one would hide such a change from the agent's git. Resolves `false`,
 * having changed nothing, when the lock exists.
 */
async function replaceIndex(from: string, to: string): Promise<boolean> {
  const lock = `${to}.lock`
  const copy = copyFile(from, lock, constants.COPYFILE_EXCL).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false
      throw error
    },
  )
  const [written, copied] = await Promise.allSettled([stat(from), copy])
  if (copied.status === 'fulfilled' && !copied.value) return false
  try {
    if (copied.status === 'rejected') throw copied.reason
    if (written.status === 'rejected') throw written.reason
    const mtime = new Date(Math.floor(written.value.mtimeMs))
    await utimes(lock, mtime, mtime)
    await rename(lock, to)
  } catch (error) {
    if (copied.status === 'fulfilled') await rm(lock, { force: true })
    throw error
  }
  return true
}

/**
 * The workspace root and the normalised repository path, and the check of the root's `lstat` (done
 * with the path's own lookups): a workspace deleted by hand is named as such, not as a missing file.
 */
function locate(
  handle: WorkspaceHandle,
  path: string,
): { root: string; rel: string; checkRoot: (stat: Stats | null) => void } {
  const root = workspaceRoot(handle)
  const rel = normalizeRepoPath(path)
  const checkRoot = (stat: Stats | null) => {
    if (!stat) throw new WorkspaceMissingError(handle.sessionId, `${root} does not exist`)
    if (!stat.isDirectory())
      throw new WorkspaceInvalidError(handle.sessionId, `${root} is no longer a directory`)
  }
  return { root, rel, checkRoot }
}
