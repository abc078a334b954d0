/**
 * CodeStorageEphemeralAdapter: the session workspace as the branch `gittrix/<session-id>` in the
 * ephemeral branch namespace of a Code Storage repository (separate from its default namespace, so
 * no durable branch or default-namespace listing sees it), worked through `@pierre/storage` only: no
 * clone on this host.
 *
 * SDK calls per method (node_modules/@pierre/storage/src/index.ts):
 * - `create`: with a Code Storage durable on the same repository, `repo.createBranch({ baseRef:
 *   baseline, targetIsEphemeral: true })`; with any other durable, one root commit holding the
 *   baseline's files (`createCommit({ ephemeral: true })` on a random staging branch, files read by
 *   `durable.listTree`/`readBlobs`), then `repo.createBranch({ baseBranch: staging, baseIsEphemeral })`
 *   and `repo.deleteBranch` of the staging branch. `createBranch` refuses an existing branch, so a
 *   session branch someone else made is never adopted.
 * - `write` / `delete`: one commit each (`createCommit({ ephemeral: true, expectedHeadSha })`,
 *   retried when another writer moved the branch); `commit`: an empty checkpoint commit.
 * - `read` / `list`: `repo.listFiles` and `repo.getFileStream` at the head commit.
 * - `snapshot`: `repo.getCommitDiff({ sha: head, baseSha: root })` for the changed paths, then modes
 *   and blob ids of only those paths on both sides (`listFiles` + `headFile`).
 * - `forkWorkspace`: `repo.createBranch({ baseRef: at, targetIsEphemeral: true })`.
 * - `destroy`: `repo.deleteBranch({ ephemeral: true })`.
 * The workspace's root commit (the baseline, or its uploaded copy) is kept in `<sessionDir>/code-storage.json`.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CodeStorage, Repo } from '@pierre/storage'
import type {
  CreateWorkspaceRequest,
  DurableAdapter,
  EphemeralAdapter,
  EphemeralCapabilities,
  ForkWorkspaceRequest,
  WorkspaceFork,
  WorkspaceHandle,
  WorkspaceInfo,
} from '../../core/adapters.ts'
import {
  InvalidArgumentError,
  WorkspaceInvalidError,
  WorkspaceMissingError,
  WriteRejectedError,
} from '../../core/errors.ts'
import { listFiles } from '../../core/listing.ts'
import { assertCanonicalRepoPath, normalizeRepoPath, readFollowingSymlinks } from '../../core/paths.ts'
import type { FileMode, ListEntry, SnapshotOptions, TreeChange, WorkspaceSnapshot } from '../../core/types.ts'
import { CodeStorageDurableAdapter } from './durable.ts'
import { codeStorageError, isRefConflict } from './errors.ts'
import { cursorPages } from './pages.ts'
import { writeStatus } from './retry.ts'

/** Options of {@link CodeStorageEphemeralAdapter}. */
export interface CodeStorageEphemeralAdapterOptions {
  /** The SDK client (see `createCodeStorageClient`). */
  storage: CodeStorage
  /** The repository whose ephemeral namespace holds the workspaces. */
  repo: string
  /** Author and committer of workspace commits. Default `Gittrix <gittrix@localhost>`. */
  identity?: { name: string; email: string }
}

/** Attempts of one write when another writer keeps moving the session branch. */
const WRITE_ATTEMPTS = 5
const STATE_FILE = 'code-storage.json'

interface WorkspaceState {
  repo: string
  /** Informational: the branch is always `gittrix/<session id>` (see `branch`). */
  branch: string
  /** The commit the workspace started from: the baseline itself, or its uploaded copy. */
  root: string
}

/** Session branches in a Code Storage repository's ephemeral namespace as workspaces. */
export class CodeStorageEphemeralAdapter implements EphemeralAdapter {
  readonly kind = 'code-storage'
  readonly storage: CodeStorage
  readonly repoId: string
  private readonly repo: Repo
  private readonly reader: CodeStorageDurableAdapter
  private readonly identity: { name: string; email: string }
  /** Session id → its root commit, once checked by `root`. */
  private readonly checkedRoots = new Map<string, string>()

  constructor(options: CodeStorageEphemeralAdapterOptions) {
    if (!options?.storage || !options.repo?.trim())
      throw new InvalidArgumentError('CodeStorageEphemeralAdapter needs { storage, repo }.')
    this.storage = options.storage
    this.repoId = options.repo
    this.repo = options.storage.repo({ id: options.repo })
    this.identity = options.identity ?? { name: 'Gittrix', email: 'gittrix@localhost' }
    this.reader = new CodeStorageDurableAdapter({
      storage: options.storage,
      repo: options.repo,
      identity: this.identity,
    })
  }

  private get location(): string {
    return `code-storage://${this.storage.getConfig().name}/${this.repoId}`
  }

  capabilities(): EphemeralCapabilities {
    return { workspaceKind: 'remote', isGitBacked: true, requiresLocalDurable: false }
  }

  async create(request: CreateWorkspaceRequest): Promise<WorkspaceInfo> {
    const branch = sessionBranch(request.sessionId)
    const sameRepo =
      request.durable instanceof CodeStorageDurableAdapter && request.durable.location === this.location
    let created = false
    try {
      let root = request.baselineSha
      if (sameRepo) {
        await this.createSessionBranch({ baseRef: request.baselineSha }, branch)
        created = true
      } else {
        root = await this.uploadBaseline(branch, request.baselineSha, request.durable)
        created = true
      }
      await mkdir(request.sessionDir, { recursive: true })
      const state: WorkspaceState = { repo: this.repoId, branch, root }
      await writeFile(join(request.sessionDir, STATE_FILE), `${JSON.stringify(state)}\n`)
      return this.info(branch)
    } catch (error) {
      if (created) await this.repo.deleteBranch({ name: branch, ephemeral: true }).catch(() => undefined)
      await rm(join(request.sessionDir, STATE_FILE), { force: true })
      throw codeStorageError(error, 'creating the workspace')
    }
  }

  async read(handle: WorkspaceHandle, path: string): Promise<Uint8Array | null> {
    const head = await this.head(handle)
    const files = await this.files(head)
    return readFollowingSymlinks(path, async (rel) => {
      assertNoFileAncestor(files, rel)
      const mode = files.get(rel)
      if (!mode) return null
      const bytes = await this.reader.bytesAt(head, rel)
      return bytes ? { bytes, mode } : null
    })
  }

  async write(
    handle: WorkspaceHandle,
    path: string,
    bytes: Uint8Array,
    options: { executable?: boolean } = {},
  ): Promise<void> {
    const rel = normalizeRepoPath(path)
    await this.commitChange(handle, `gittrix: write ${rel}`, (files, builder) => {
      assertNoFileAncestor(files, rel)
      const existing = files.get(rel)
      if (existing === '120000')
        throw new WriteRejectedError(rel, 'it is a symlink; delete it first to replace it with a file')
      if ([...files.keys()].some((p) => p.startsWith(`${rel}/`)))
        throw new WriteRejectedError(rel, 'it is a directory')
      const mode: FileMode =
        options.executable === undefined ? (existing ?? '100644') : options.executable ? '100755' : '100644'
      builder.addFile(rel, bytes, { mode })
      return true
    })
  }

  async delete(handle: WorkspaceHandle, path: string): Promise<void> {
    const rel = normalizeRepoPath(path)
    await this.commitChange(handle, `gittrix: delete ${rel}`, (files, builder) => {
      assertNoFileAncestor(files, rel)
      const gone = [...files.keys()].filter((p) => p === rel || p.startsWith(`${rel}/`))
      for (const p of gone) builder.deletePath(p)
      return gone.length > 0
    })
  }

  async list(
    handle: WorkspaceHandle,
    dir: string,
    options: { recursive?: boolean } = {},
  ): Promise<ListEntry[]> {
    const files = await this.files(await this.head(handle))
    return listFiles(
      [...files].map(([path, mode]) => ({ path, mode })),
      dir,
      options,
    )
  }

  /**
   * The paths that differ between the workspace's root and its head (or commit `at` of the session),
   * from the host's commit diff, with modes and blob ids read for those paths only. Throws
   * `WRITE_REJECTED` when a changed path is not canonical or names git internals (only a writer
   * going around Gittrix can put one there), `INVALID_ARGUMENT` for an `at` that is not one commit
   * of the session.
   */
  async snapshot(handle: WorkspaceHandle, options: SnapshotOptions = {}): Promise<WorkspaceSnapshot> {
    const root = await this.root(handle)
    const target =
      options.at === undefined ? await this.head(handle) : await this.sessionCommit(handle, options.at)
    const paths =
      target === root ? [] : await this.reader.changedPaths(root, target).then((p) => [...new Set(p)])
    // Written behind Gittrix's back (git or the API with the token), a path may name git internals.
    for (const path of paths) assertCanonicalRepoPath(path)
    const [before, after] = await Promise.all([
      this.reader.entriesAt(root, paths),
      this.reader.entriesAt(target, paths),
    ])
    const changes: TreeChange[] = []
    for (const path of paths) {
      const a = before.get(path)
      const b = after.get(path)
      if (a?.mode === b?.mode && a?.oid === b?.oid) continue
      changes.push({
        path,
        status: !a ? 'added' : !b ? 'deleted' : 'modified',
        oldMode: a?.mode ?? null,
        newMode: b?.mode ?? null,
        oldOid: a?.oid ?? null,
        newOid: b?.oid ?? null,
      })
    }
    changes.sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)))
    return {
      ...(options.at === undefined ? {} : { commit: target }),
      changes,
      blobs: { location: this.location, readBlobs: (oids) => this.reader.readBlobs(oids) },
    }
  }

  /** An empty checkpoint commit on the session branch (each write already is a commit). */
  async commit(handle: WorkspaceHandle, message: string): Promise<string> {
    return this.commitChange(handle, message, () => true)
  }

  async lastChangeAt(handle: WorkspaceHandle): Promise<number | null> {
    try {
      const page = await this.repo.listCommits({
        branch: await this.branch(handle),
        ephemeral: true,
        limit: 1,
      })
      const time = Date.parse(page.commits[0]?.rawDate ?? '')
      return Number.isFinite(time) ? time : null
    } catch {
      return null
    }
  }

  /** Deletes the session branch and the local state. Idempotent. */
  async destroy(handle: WorkspaceHandle): Promise<void> {
    try {
      await this.repo.deleteBranch({ name: await this.branch(handle), ephemeral: true })
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404)
        throw codeStorageError(error, 'deleting the workspace')
    }
    await rm(join(handle.sessionDir, STATE_FILE), { force: true })
  }

  /** A new session branch at commit `at` of the source session (default its head), same root and baseline. */
  async forkWorkspace(request: ForkWorkspaceRequest): Promise<WorkspaceFork> {
    const state = await this.state(request.source)
    const at =
      request.at === undefined
        ? await this.head(request.source)
        : await this.sessionCommit(request.source, request.at)
    const branch = sessionBranch(request.sessionId)
    await this.createSessionBranch({ baseRef: at }, branch)
    try {
      await mkdir(request.sessionDir, { recursive: true })
      const next: WorkspaceState = { ...state, branch }
      await writeFile(join(request.sessionDir, STATE_FILE), `${JSON.stringify(next)}\n`)
    } catch (error) {
      await this.repo.deleteBranch({ name: branch, ephemeral: true }).catch(() => undefined)
      throw error
    }
    return { baselineSha: request.source.baselineSha, at, info: this.info(branch) }
  }

  private info(branch: string): WorkspaceInfo {
    return {
      ephemeralRef: `${this.location}+ephemeral#${branch}`,
      workspaceKind: 'remote',
      isGitBacked: true,
    }
  }

  /**
   * Uploads the baseline's files as one root commit and creates the session branch on it; resolves
   * the commit id. The commit is made on a fresh staging branch (a random name) and the session branch
   * is then created from it in one `createBranch`, which refuses a branch that exists: a commit request
   * on a missing branch would otherwise land on top of any branch someone made under that name.
   */
  private async uploadBaseline(
    branch: string,
    baselineSha: string,
    durable: DurableAdapter,
  ): Promise<string> {
    const entries = await durable.listTree(baselineSha)
    const blobs = await durable.readBlobs([...new Set(entries.map((e) => e.oid))])
    const staging = `gittrix-staging/${randomUUID()}`
    const builder = this.repo.createCommit({
      targetBranch: staging,
      ephemeral: true,
      commitMessage: baselineMessage(baselineSha),
      author: this.identity,
      committer: this.identity,
    })
    for (const entry of entries) builder.addFile(entry.path, blobs.get(entry.oid)!, { mode: entry.mode })
    try {
      const result = await builder.send()
      await this.createSessionBranch({ baseBranch: staging, baseIsEphemeral: true }, branch)
      return result.commitSha
    } finally {
      await this.repo.deleteBranch({ name: staging, ephemeral: true }).catch(() => undefined)
    }
  }

  /**
   * Creates the ephemeral branch `branch` at `base`. Throws `INVALID_ARGUMENT` when it exists already:
   * a branch nobody created for this session is never adopted.
   */
  private async createSessionBranch(
    base: { baseRef: string } | { baseBranch: string; baseIsEphemeral: true },
    branch: string,
  ): Promise<void> {
    try {
      await this.repo.createBranch({ ...base, targetBranch: branch, targetIsEphemeral: true })
    } catch (error) {
      if (isRefConflict(error))
        throw new InvalidArgumentError(
          `The ephemeral branch ${branch} already exists in Code Storage repository ${this.repoId}; it was not made for this session, so it is left alone. Start another session.`,
        )
      throw codeStorageError(error, `creating ${branch}`)
    }
  }

  /**
   * The workspace's root commit from the state file, checked, since anything running as the user can
   * rewrite that file (and a moved root hides changes from the diff): the baseline itself, or a
   * parentless commit whose message names the baseline (the upload, `uploadBaseline`). Throws
   * `WORKSPACE_INVALID` otherwise, `WORKSPACE_MISSING` without a state file.
   */
  private async root(handle: WorkspaceHandle): Promise<string> {
    const { root } = await this.state(handle)
    if (root === handle.baselineSha || this.checkedRoots.get(handle.sessionId) === root) return root
    const refuse = () =>
      new WorkspaceInvalidError(
        handle.sessionId,
        `its recorded start commit ${JSON.stringify(root)} is neither the baseline nor its upload`,
      )
    if (typeof root !== 'string' || !/^[0-9a-f]{40}$/.test(root)) throw refuse()
    const { commit } = await this.call('reading the workspace start commit', () =>
      this.repo.getCommit({ sha: root }),
    )
    if (commit.parentShas.length !== 0 || commit.message.trim() !== baselineMessage(handle.baselineSha))
      throw refuse()
    this.checkedRoots.set(handle.sessionId, root)
    return root
  }

  private async state(handle: WorkspaceHandle): Promise<WorkspaceState> {
    try {
      return JSON.parse(await readFile(join(handle.sessionDir, STATE_FILE), 'utf8')) as WorkspaceState
    } catch {
      throw new WorkspaceMissingError(handle.sessionId, handle.ephemeralRef)
    }
  }

  /**
   * The session branch, from the session id alone: the state file lives in the session directory,
   * where anything running as the same user can rewrite it, so it never says which branch to write.
   */
  private async branch(handle: WorkspaceHandle): Promise<string> {
    return sessionBranch(handle.sessionId)
  }

  private async head(handle: WorkspaceHandle): Promise<string> {
    const branch = await this.branch(handle)
    try {
      const page = await this.repo.listCommits({ branch, ephemeral: true, limit: 1 })
      const head = page.commits[0]?.sha
      if (head) return head
    } catch (error) {
      if ((error as { status?: unknown }).status !== 404)
        throw codeStorageError(error, 'reading the workspace')
    }
    throw new WorkspaceMissingError(handle.sessionId, handle.ephemeralRef)
  }

  /** Path → mode of every file at commit `sha`. */
  private async files(sha: string): Promise<Map<string, FileMode>> {
    return new Map((await this.reader.filesAt(sha)).map((e) => [e.path, e.mode]))
  }

  /**
   * The full id of commit `at` (full or abbreviated) on the session branch's history down to its root.
   * Throws `INVALID_ARGUMENT` when no commit there matches, and when an abbreviation matches more than
   * one: whoever can write the branch can mint a later commit sharing a short prefix with the reviewed
   * one (65,536 tries for 4 hex digits), so the newest match is never taken for the reviewed commit.
   */
  private async sessionCommit(handle: WorkspaceHandle, at: string): Promise<string> {
    const refuse = (why = 'is not a commit of session') =>
      new InvalidArgumentError(`${JSON.stringify(at)} ${why} ${handle.sessionId} at or after its baseline.`)
    if (typeof at !== 'string' || !/^[0-9a-f]{4,40}$/.test(at)) throw refuse()
    const root = await this.root(handle)
    const branch = await this.branch(handle)
    const doing = 'reading the session history'
    const matches = new Set<string>()
    const pages = cursorPages(doing, (cursor) =>
      this.call(doing, () =>
        this.repo.listCommits({ branch, ephemeral: true, limit: 100, ...(cursor ? { cursor } : {}) }),
      ),
    )
    walk: for await (const page of pages) {
      for (const commit of page.commits) {
        if (commit.sha.startsWith(at)) matches.add(commit.sha)
        if (commit.sha === root) break walk
      }
    }
    if (matches.size > 1)
      throw refuse('is ambiguous (pass the full commit id): it abbreviates more than one commit of session')
    const [found] = matches
    if (!found) throw refuse()
    return found
  }

  /**
   * One commit on the session branch built by `change` from the head's files (false: nothing to do),
   * with the head as `expectedHeadSha`; retried when another writer moved the branch. Resolves the head.
   */
  private async commitChange(
    handle: WorkspaceHandle,
    message: string,
    change: (files: Map<string, FileMode>, builder: ReturnType<Repo['createCommit']>) => boolean,
  ): Promise<string> {
    const branch = await this.branch(handle)
    for (let attempt = 1; ; attempt++) {
      const head = await this.head(handle)
      const signal = new AbortController().signal
      const builder = this.repo.createCommit({
        targetBranch: branch,
        ephemeral: true,
        expectedHeadSha: head,
        commitMessage: message,
        author: this.identity,
        committer: this.identity,
        signal,
      })
      if (!change(await this.files(head), builder)) return head
      try {
        return (await builder.send()).commitSha
      } catch (error) {
        if (!isRefConflict(error, writeStatus(signal)) || attempt >= WRITE_ATTEMPTS)
          throw codeStorageError(error, `writing to session ${handle.sessionId}`, writeStatus(signal))
      }
    }
  }

  private async call<T>(doing: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw codeStorageError(error, doing)
    }
  }
}

/** The message of a workspace's uploaded baseline commit. */
function baselineMessage(baselineSha: string): string {
  return `gittrix: baseline ${baselineSha}`
}

/** `gittrix/<session id>`: a session's branch in the ephemeral namespace. */
function sessionBranch(sessionId: string): string {
  return `gittrix/${sessionId}`
}

/** Throws `WRITE_REJECTED` when a parent directory of `rel` is a file or symlink in `files`. */
function assertNoFileAncestor(files: Map<string, FileMode>, rel: string): void {
  const parts = rel.split('/')
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/')
    const mode = files.get(prefix)
    if (mode)
      throw new WriteRejectedError(
        rel,
        mode === '120000' ? `${prefix} is a symlink` : `${prefix} is a file, not a directory`,
      )
  }
}
