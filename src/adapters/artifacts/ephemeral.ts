/**
 * CloudflareArtifactsEphemeralAdapter: one Artifacts repository per session, worked on through a
 * local clone.
 *
 * - `create`: repository `gittrix-<session-id>` (validated against the naming rules before any request;
 *   https://developers.cloudflare.com/artifacts/concepts/namespaces/), initialised with ONE orphan commit
 *   carrying the baseline's tree (built locally, pushed alone: no history upload). Cloudflare's own
 *   advice: "Create one repo for each unit of autonomous work" and "For smaller repos, start with a
 *   regular git clone" (https://developers.cloudflare.com/artifacts/concepts/best-practices/,
 *   https://developers.cloudflare.com/artifacts/guides/artifact-fs/).
 * - The workspace is a local git repository whose `origin` is the session repository (URL only, no
 *   credential). Reads, writes, lists, snapshots and diffs are the local clone adapter's, addressed with
 *   the orphan commit as baseline (same tree as the durable baseline, so the same touched paths).
 * - `snapshot` snapshots locally (private index, as the local adapter does) and pushes the snapshot as a
 *   commit on `refs/heads/gittrix/snapshot` when the tree changed since the last push, so the session
 *   repository always holds what was reviewed. `commit` commits locally and pushes `main`.
 * - `destroy` deletes the repository (a missing one is fine) and the local clone.
 * - `fork(sessionId, { at? })` starts a new session repository from any commit of an existing one.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type {
  CreateWorkspaceRequest,
  EphemeralAdapter,
  EphemeralCapabilities,
  ForkWorkspaceRequest,
  WorkspaceFork,
  WorkspaceHandle,
  WorkspaceInfo,
} from '../../core/adapters.ts'
import { GittrixError, InvalidArgumentError } from '../../core/errors.ts'
import type { CheckpointCommit, NoteKind, RestoreResult, ShowResult } from '../../core/history.ts'
import { newSessionId } from '../../core/store.ts'
import type { ListEntry, SnapshotOptions, WorkspaceSnapshot } from '../../core/types.ts'
import { GitRepo } from '../../git/repo.ts'
import { runGit } from '../../git/run-git.ts'
import { adoptCloneWorkspace, LocalEphemeralAdapter, localStateDir } from '../local/ephemeral.ts'
import { openWorkspaceGit } from '../local/workspace-git.ts'
import { baselineFromMessage, baselineMessage, GITTRIX_IDENTITY, importBaselineTree } from './baseline.ts'
import type { ArtifactsClient } from './client.ts'
import { sessionRepoName } from './names.ts'
import { type RepoTokenOptions, RepoTokens } from './tokens.ts'
import { checkRemote, gitWithToken } from './transport.ts'
import { removeTree } from '../../core/remove-tree.ts'

/** The branch agents work on in a session repository. */
export const SESSION_BRANCH = 'main'
/** The branch every snapshot is pushed to (force-moved; parent: the agent's HEAD at that moment). */
export const SNAPSHOT_BRANCH = 'gittrix/snapshot'

/** Options for {@link CloudflareArtifactsEphemeralAdapter}. */
export interface CloudflareArtifactsEphemeralAdapterOptions {
  client: ArtifactsClient
  /** Where local clones go: `<workingRoot>/<session-id>`. Default `<session dir>/workspace`. */
  workingRoot?: string
  /** TTL and renewal of the repo tokens minted for git. */
  tokens?: RepoTokenOptions
}

/** What the adapter records per session, next to the local adapter's state. */
interface ArtifactsState {
  repo: string
  remote: string
  /** The orphan commit holding the baseline tree (the local baseline of every diff). */
  baselineCommit: string
  /** The durable commit the session was made from. */
  durableBaseline: string
  /** Tree last pushed to the snapshot branch. */
  pushedTree?: string
}

/** A session started by {@link CloudflareArtifactsEphemeralAdapter.fork}. */
export interface ForkedWorkspace {
  sessionId: string
  /** The durable baseline of the source session (a fork keeps it, so touched files stay comparable). */
  baselineSha: string
  /** The commit of the source session the fork starts at. */
  at: string
  info: WorkspaceInfo
  handle: WorkspaceHandle
}

/** Cloudflare Artifacts session repositories as Gittrix workspaces. */
export class CloudflareArtifactsEphemeralAdapter implements EphemeralAdapter {
  readonly kind = 'artifacts'
  readonly client: ArtifactsClient
  readonly tokens: RepoTokens
  private readonly workingRoot: string | undefined
  private readonly local = new LocalEphemeralAdapter({ kind: 'clone' })

  constructor(options: CloudflareArtifactsEphemeralAdapterOptions) {
    if (!options?.client)
      throw new InvalidArgumentError(
        'CloudflareArtifactsEphemeralAdapter needs { client }: an ArtifactsClient.',
      )
    this.client = options.client
    this.tokens = new RepoTokens(options.client, options.tokens)
    this.workingRoot = options.workingRoot
  }

  capabilities(): EphemeralCapabilities {
    return { workspaceKind: 'clone', isGitBacked: true, requiresLocalDurable: false }
  }

  async create(request: CreateWorkspaceRequest): Promise<WorkspaceInfo> {
    const repo = sessionRepoName(request.sessionId)
    const workspace = this.workspacePath(request.sessionId, request.sessionDir)
    const state = localStateDir(request.sessionDir)
    let created = false
    try {
      await mkdir(state, { recursive: true })
      const made = await this.client.createRepo({
        name: repo,
        description: `Gittrix session ${request.sessionId}`,
        default_branch: SESSION_BRANCH,
      })
      created = true
      const remote = checkRemote(made.remote)
      this.tokens.remember(repo, made.token)
      const git = await initWorkspace(workspace, remote)
      const tree = await importBaselineTree(git, request.durable, request.baselineSha)
      const durableRef = request.durable.ref(request.durableBranch ?? (await request.durable.defaultBranch()))
      const commit = await git.commitTree(
        tree,
        [],
        baselineMessage(request.sessionId, request.baselineSha, durableRef),
        GITTRIX_IDENTITY,
      )
      await git.run(['update-ref', `refs/heads/${SESSION_BRANCH}`, commit])
      await this.push(repo, remote, git, [`${commit}:refs/heads/${SESSION_BRANCH}`])
      await git.run(['reset', '--quiet', '--hard', SESSION_BRANCH])
      await adoptCloneWorkspace(state, git.gitDir)
      await writeState(request.sessionDir, {
        repo,
        remote,
        baselineCommit: commit,
        durableBaseline: request.baselineSha,
      })
      return this.info(repo, workspace)
    } catch (error) {
      await this.rollback(repo, workspace, state, created)
      throw error
    }
  }

  async read(handle: WorkspaceHandle, path: string): Promise<Uint8Array | null> {
    return this.local.read(await this.inner(handle), path)
  }

  async write(
    handle: WorkspaceHandle,
    path: string,
    bytes: Uint8Array,
    options?: { executable?: boolean },
  ): Promise<void> {
    return this.local.write(await this.inner(handle), path, bytes, options)
  }

  async delete(handle: WorkspaceHandle, path: string): Promise<void> {
    return this.local.delete(await this.inner(handle), path)
  }

  async list(handle: WorkspaceHandle, dir: string, options?: { recursive?: boolean }): Promise<ListEntry[]> {
    return this.local.list(await this.inner(handle), dir, options)
  }

  /** The local clone's changes between two of its commits (see LocalEphemeralAdapter.snapshotBetween). */
  async snapshotBetween(
    handle: WorkspaceHandle,
    options: { from?: string; to?: string } = {},
  ): Promise<WorkspaceSnapshot> {
    const state = await readState(handle)
    const between = await this.local.snapshotBetween(innerHandle(handle, state), options)
    return { ...between, blobs: { ...between.blobs, location: this.client.repoUri(state.repo) } }
  }

  /** Session history of the local clone (see src/adapters/local/history.ts); its baseline is the clone's. */
  async checkpoints(handle: WorkspaceHandle, options?: { limit?: number }): Promise<CheckpointCommit[]> {
    return this.local.checkpoints(await this.inner(handle), options)
  }

  /** See LocalEphemeralAdapter.checkpointId. */
  async checkpointId(handle: WorkspaceHandle, at: string): Promise<string> {
    return this.local.checkpointId(await this.inner(handle), at)
  }

  /** Notes kept on this machine, in the session's private history repository (never pushed). */
  async readNotes(
    handle: WorkspaceHandle,
    kind: NoteKind,
    commits: readonly string[],
  ): Promise<Map<string, Uint8Array>> {
    return this.local.readNotes(await this.inner(handle), kind, commits)
  }

  /** See LocalEphemeralAdapter.writeNote (kept on this machine, never pushed). */
  async writeNote(handle: WorkspaceHandle, kind: NoteKind, at: string, bytes: Uint8Array): Promise<string> {
    return this.local.writeNote(await this.inner(handle), kind, at, bytes)
  }

  /** See LocalEphemeralAdapter.showAt. */
  async showAt(handle: WorkspaceHandle, at: string, path?: string): Promise<ShowResult> {
    return this.local.showAt(await this.inner(handle), at, path)
  }

  /** Restores the local clone (LocalEphemeralAdapter.restoreTo), then moves the session repository's `main` to it. */
  async restoreTo(handle: WorkspaceHandle, at: string): Promise<RestoreResult> {
    const state = await readState(handle)
    const inner = innerHandle(handle, state)
    const result = await this.local.restoreTo(inner, at)
    const { repo: git } = await openWorkspaceGit(inner)
    await this.push(state.repo, state.remote, git, [`+${result.to}:refs/heads/${SESSION_BRANCH}`])
    return result
  }

  async lastChangeAt(handle: WorkspaceHandle): Promise<number | null> {
    return this.local.lastChangeAt(await this.inner(handle))
  }

  /**
   * The local snapshot (touched paths against the baseline tree), then a push of its tree to
   * `gittrix/snapshot` when it changed since the last push. Blobs: the clone's git dir, and
   * `location` naming the session repository. `options.at`: the clone's commit, read by id (on the
   * clone's history after the baseline commit, else `INVALID_ARGUMENT`), with nothing pushed.
   */
  async snapshot(handle: WorkspaceHandle, options: SnapshotOptions = {}): Promise<WorkspaceSnapshot> {
    const state = await readState(handle)
    const inner = innerHandle(handle, state)
    if (options.at !== undefined) {
      const pinned = await this.local.snapshot(inner, { at: options.at })
      return { ...pinned, blobs: { ...pinned.blobs, location: this.client.repoUri(state.repo) } }
    }
    const snap = await this.local.snapshot(inner)
    // Sealed, through Gittrix's private git directory: the agent's config cannot redirect the push.
    const { repo: git, agent } = await openWorkspaceGit(inner)
    const tree = await git.text(['write-tree'])
    if (state.pushedTree !== tree) {
      const head = await agent!.resolve('HEAD^{commit}')
      const commit = await git.commitTree(tree, head ? [head] : [], 'gittrix: snapshot\n', GITTRIX_IDENTITY)
      await this.push(state.repo, state.remote, git, [`+${commit}:refs/heads/${SNAPSHOT_BRANCH}`])
      await writeState(handle.sessionDir, { ...state, pushedTree: tree })
    }
    return { ...snap, tree, blobs: { ...snap.blobs, location: this.client.repoUri(state.repo) } }
  }

  /** Commits in the clone (as the local adapter does), then pushes `main` to the session repository. */
  async commit(handle: WorkspaceHandle, message: string): Promise<string> {
    const state = await readState(handle)
    const inner = innerHandle(handle, state)
    const sha = await this.local.commit(inner, message)
    const { repo: git } = await openWorkspaceGit(inner)
    await this.push(state.repo, state.remote, git, [`+${sha}:refs/heads/${SESSION_BRANCH}`])
    return sha
  }

  /** Deletes the session repository (absent is fine) and the local clone. Idempotent. */
  async destroy(handle: WorkspaceHandle): Promise<void> {
    const state = await readState(handle).catch(() => null)
    const repo = state?.repo ?? repoFromRef(handle.ephemeralRef) ?? sessionRepoName(handle.sessionId)
    let failure: unknown
    try {
      await this.client.deleteRepo(repo)
    } catch (error) {
      failure = error
    }
    this.tokens.forget(repo)
    const path = handle.ephemeralPath ?? this.workspacePath(handle.sessionId, handle.sessionDir)
    await this.local.destroy({
      ...handle,
      ephemeralRef: `local-clone://${encodeURI(path)}`,
      ephemeralPath: path,
    })
    if (failure) throw failure
  }

  /**
   * Starts a new session from any commit of session `sourceSessionId`: a server-side fork of its
   * repository (https://developers.cloudflare.com/artifacts/api/rest-api/ route 8; a fork still in
   * progress answers 409 and is waited out), cloned locally with `main` at `at` (default: the source's
   * last snapshot, else its `main`). The fork keeps the source's durable baseline, so its touched files
   * are measured against the same tree.
   */
  async fork(
    sourceSessionId: string,
    options: { at?: string; sessionId?: string; sessionDir: string },
  ): Promise<ForkedWorkspace> {
    if (!options?.sessionDir)
      throw new InvalidArgumentError('fork() needs { sessionDir } for the new session.')
    const source = sessionRepoName(sourceSessionId)
    const sessionId = options.sessionId ?? newSessionId()
    const repo = sessionRepoName(sessionId)
    if (options.at !== undefined && !/^[0-9a-f]{4,64}$/.test(options.at))
      throw new InvalidArgumentError(
        `fork() { at } must be a commit id of the source session, got ${JSON.stringify(options.at)}.`,
      )
    const workspace = this.workspacePath(sessionId, options.sessionDir)
    const state = localStateDir(options.sessionDir)
    let created = false
    try {
      await mkdir(state, { recursive: true })
      const made = await this.client.forkRepo(source, {
        name: repo,
        description: `Gittrix session ${sessionId} (fork of ${sourceSessionId})`,
        default_branch_only: false,
      })
      created = true
      this.tokens.remember(repo, made.token)
      const ready = await this.client.waitForRepo(repo)
      const remote = checkRemote(ready.remote)
      const git = await initWorkspace(workspace, remote)
      await this.fetch(repo, remote, git)
      const snapshot = await git.resolve(`refs/remotes/origin/${SNAPSHOT_BRANCH}`)
      const at = await git.resolve(
        `${options.at ?? snapshot ?? `refs/remotes/origin/${SESSION_BRANCH}`}^{commit}`,
      )
      if (!at)
        throw new InvalidArgumentError(`Commit ${options.at} is not part of session ${sourceSessionId}.`)
      const roots = (await git.text(['rev-list', '--max-parents=0', at])).split('\n').filter(Boolean)
      const root = roots.length === 1 ? roots[0]! : null
      const durableBaseline = root
        ? baselineFromMessage(await git.text(['log', '-1', '--format=%B', root]))
        : null
      if (!root || !durableBaseline)
        throw new GittrixError(
          'ADAPTER_UNAVAILABLE',
          `${source} is not a Gittrix session repository (no baseline commit under ${at}).`,
        )
      await git.run(['update-ref', `refs/heads/${SESSION_BRANCH}`, at])
      await git.run(['reset', '--quiet', '--hard', SESSION_BRANCH])
      await this.push(repo, remote, git, [`+${at}:refs/heads/${SESSION_BRANCH}`])
      await adoptCloneWorkspace(state, git.gitDir)
      await writeState(options.sessionDir, { repo, remote, baselineCommit: root, durableBaseline })
      const info = this.info(repo, workspace)
      return {
        sessionId,
        baselineSha: durableBaseline,
        at,
        info,
        handle: {
          sessionId,
          sessionDir: options.sessionDir,
          baselineSha: durableBaseline,
          ephemeralRef: info.ephemeralRef,
          ephemeralPath: workspace,
        },
      }
    } catch (error) {
      await this.rollback(repo, workspace, state, created)
      throw error
    }
  }

  /**
   * {@link EphemeralAdapter.forkWorkspace}: {@link fork} for `GitTrix.forkSession`. Without `at`, the
   * source's files as they are now, uncommitted work included: like the local kinds, the source is
   * checkpointed first ({@link checkpointForFork}), and the fork starts at that commit.
   */
  async forkWorkspace(request: ForkWorkspaceRequest): Promise<WorkspaceFork> {
    const at = request.at ?? (await this.checkpointForFork(request.source))
    const forked = await this.fork(request.source.sessionId, {
      at,
      sessionId: request.sessionId,
      sessionDir: request.sessionDir,
    })
    return { baselineSha: forked.baselineSha, at: forked.at, info: forked.info }
  }

  /**
   * The commit a fork without `at` starts from, on the source repository's `main`: the clone's `HEAD`
   * when its files are exactly that commit (pushed, in case only the clone had it), else a checkpoint
   * commit of the files as they are, made and pushed like {@link commit} (the source shows it in its
   * history; its files are untouched).
   */
  private async checkpointForFork(source: WorkspaceHandle): Promise<string> {
    const state = await readState(source)
    const inner = innerHandle(source, state)
    const { repo: git, agent } = await openWorkspaceGit(inner)
    await git.run(['add', '-A'])
    const tree = await git.text(['write-tree'])
    const head = await (agent ?? git).resolve('HEAD^{commit}')
    if (!head || (await git.resolve(`${head}^{tree}`)) !== tree)
      return this.commit(source, 'gittrix: checkpoint before fork')
    await this.push(state.repo, state.remote, git, [`+${head}:refs/heads/${SESSION_BRANCH}`])
    return head
  }

  private info(repo: string, workspace: string): WorkspaceInfo {
    return {
      ephemeralRef: this.client.repoUri(repo),
      ephemeralPath: workspace,
      workspaceKind: 'clone',
      isGitBacked: true,
    }
  }

  private workspacePath(sessionId: string, sessionDir: string): string {
    return this.workingRoot ? join(this.workingRoot, sessionId) : join(sessionDir, 'workspace')
  }

  /**
   * Undoes a failed {@link create} or {@link fork}: removes the workspace and its state directory,
   * deletes the session repository when this call `created` it (a failed delete is left for the
   * sweep), and forgets its token.
   */
  private async rollback(repo: string, workspace: string, state: string, created: boolean): Promise<void> {
    await removeTree(workspace)
    await removeTree(state)
    if (created) await this.client.deleteRepo(repo).catch(() => false)
    this.tokens.forget(repo)
  }

  private async inner(handle: WorkspaceHandle): Promise<WorkspaceHandle> {
    return innerHandle(handle, await readState(handle))
  }

  /**
   * Pushes `refspecs` from `git` (a sealed repository: the fresh workspace before any agent ran, or
   * Gittrix's private git directory over the workspace's objects) to `remote` named explicitly, so no
   * remote, `url.*.insteadOf` or `pushurl` an agent configured can redirect the push or its token.
   */
  private async push(repo: string, remote: string, git: GitRepo, refspecs: string[]): Promise<void> {
    await gitWithToken(
      this.client,
      this.tokens,
      { repo, remote },
      'write',
      [`--git-dir=${git.gitDir}`, 'push', '--quiet', '--no-verify', remote, ...refspecs],
      { cwd: git.gitDir, sealed: true, network: true, env: objectEnv(git) },
    )
  }

  private async fetch(repo: string, remote: string, git: GitRepo): Promise<void> {
    await gitWithToken(
      this.client,
      this.tokens,
      { repo, remote },
      'read',
      [
        `--git-dir=${git.gitDir}`,
        'fetch',
        '--quiet',
        '--no-tags',
        remote,
        '+refs/heads/*:refs/remotes/origin/*',
      ],
      { cwd: git.gitDir, sealed: true, network: true, env: objectEnv(git) },
    )
  }
}

/** `GIT_OBJECT_DIRECTORY` for a repository that works on another store's objects. */
function objectEnv(git: GitRepo): Record<string, string> {
  return git.objectDir ? { GIT_OBJECT_DIRECTORY: git.objectDir } : {}
}

/** `git init` at `workspace` with `origin` = the session repository (a URL without credentials). */
async function initWorkspace(workspace: string, remote: string): Promise<GitRepo> {
  await runGit(['init', '--quiet', `--initial-branch=${SESSION_BRANCH}`, workspace], { sealed: true })
  const git = new GitRepo({ gitDir: join(workspace, '.git'), workTree: workspace, sealed: true })
  await git.run(['remote', 'add', 'origin', remote])
  return git
}

function statePath(sessionDir: string): string {
  return join(localStateDir(sessionDir), 'artifacts.json')
}

async function writeState(sessionDir: string, state: ArtifactsState): Promise<void> {
  const file = statePath(sessionDir)
  await writeFile(`${file}.tmp`, `${JSON.stringify(state)}\n`)
  await rename(`${file}.tmp`, file)
}

async function readState(handle: WorkspaceHandle): Promise<ArtifactsState> {
  const text = await readFile(statePath(handle.sessionDir), 'utf8').catch(() => null)
  if (!text)
    throw new GittrixError(
      'ADAPTER_UNAVAILABLE',
      `The Artifacts workspace of session ${handle.sessionId} is gone or incomplete (${statePath(handle.sessionDir)}).`,
    )
  return JSON.parse(text) as ArtifactsState
}

/** The local clone adapter's view of the workspace: the orphan commit is the baseline. */
function innerHandle(handle: WorkspaceHandle, state: ArtifactsState): WorkspaceHandle {
  if (!handle.ephemeralPath)
    throw new InvalidArgumentError(`Session ${handle.sessionId} has no local workspace path.`)
  return {
    ...handle,
    baselineSha: state.baselineCommit,
    ephemeralRef: `local-clone://${encodeURI(handle.ephemeralPath)}`,
  }
}

function repoFromRef(ref: string): string | null {
  const match = /^artifacts:\/\/[^/]+\/[^/]+\/([^/?#]+)$/.exec(ref)
  return match ? match[1]! : null
}
