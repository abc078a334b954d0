/**
 * GitHubBranchEphemeralAdapter: the session branch `gittrix/<session-id>` in the durable repository as
 * the workspace, worked through the REST API (for hosts without a checkout, such as the App).
 * Each write or delete is one commit on the session branch; the branch starts at a start commit whose
 * trailers record the session (see src/github/start-commit.ts).
 *
 * Session history: the branch's commits after the start commit are its checkpoints; the session's git
 * notes are read from `refs/notes/gittrix-sessions/<id>/<kind>` (notes.ts), which the Action pushes
 * with the branch and `destroy` deletes with it. `snapshotBetween` gives the changes between two
 * checkpoints for the core to render (no adapter `diff`: the session's own diff keeps the core's
 * rendering); `restoreTo` moves the branch back with an atomic compare-and-swap (restore.ts). Writing
 * notes is not offered (no `writeNote`: the core answers `CAPABILITY_MISSING`).
 */
import type { Octokit } from '@octokit/rest'
import type {
  CreateWorkspaceRequest,
  EphemeralAdapter,
  EphemeralCapabilities,
  WorkspaceHandle,
  WorkspaceInfo,
} from '../../core/adapters.ts'
import { FileNotFoundError, InvalidArgumentError, WriteRejectedError } from '../../core/errors.ts'
import { DEFAULT_EVICTION } from '../../core/eviction.ts'
import { listFiles } from '../../core/listing.ts'
import type { CheckpointCommit, NoteKind, RestoreResult, ShowResult } from '../../core/history.ts'
import { normalizeRepoDir, normalizeRepoPath, readFollowingSymlinks } from '../../core/paths.ts'
import type { FileMode, ListEntry, SnapshotOptions, TreeChange, WorkspaceSnapshot } from '../../core/types.ts'
import { sessionBranch } from '../../github/branches.ts'
import { encodeStartCommit } from '../../github/start-commit.ts'
import { readBlobs } from './blobs.ts'
import { listCheckpoints } from './checkpoints.ts'
import { type Comparison, compareCommits, hostPatches } from './compare.ts'
import { diffByComparison } from './compare-diff.ts'
import { deleteSessionNotes, readSessionNotes } from './notes.ts'
import { isNotFastForward, isNotFound } from './request-errors.ts'
import { restoredHeads, restoreSessionBranch } from './restore.ts'
import {
  asTreeChange,
  diffTrees,
  type RepoCoordinates,
  readTree,
  type TreeDiff,
  type TreeListing,
} from './trees.ts'
import { unavailable } from './tree-errors.ts'

/** Options for {@link GitHubBranchEphemeralAdapter}. */
export interface GitHubBranchEphemeralAdapterOptions {
  owner: string
  repo: string
  octokit: Octokit
  /**
   * Commits the caller itself read as a session branch's head (session id → full commit id), e.g. the
   * App's pinned head from a push or its own check run: a commit named here is the session's without a
   * request. Never fill it from anything a person or an agent typed.
   */
  knownHeads?: ReadonlyMap<string, string>
}

/** Commits from the branch head an abbreviated commit id is matched against (one "List commits" page). */
const ABBREVIATED_SEARCH = 100

/** How often a write retries when the session branch moved underneath it (another writer). */
const WRITE_ATTEMPTS = 5

/** Session branches `gittrix/<id>` as ephemeral workspaces. */
export class GitHubBranchEphemeralAdapter implements EphemeralAdapter {
  readonly kind = 'github-branch'
  readonly owner: string
  readonly repo: string
  private readonly octokit: Octokit
  private readonly knownHeads: ReadonlyMap<string, string>

  constructor(options: GitHubBranchEphemeralAdapterOptions) {
    if (!options?.owner || !options.repo || !options.octokit) {
      throw new InvalidArgumentError('GitHubBranchEphemeralAdapter needs { owner, repo, octokit }.')
    }
    this.owner = options.owner
    this.repo = options.repo
    this.octokit = options.octokit
    this.knownHeads = options.knownHeads ?? new Map()
  }

  private get coords(): RepoCoordinates {
    return { owner: this.owner, repo: this.repo }
  }

  private get location(): string {
    return `github://${this.owner}/${this.repo}`
  }

  capabilities(): EphemeralCapabilities {
    return { workspaceKind: 'remote', isGitBacked: true, requiresLocalDurable: false }
  }

  /** Creates `gittrix/<id>` at a start commit: parent = baseline, tree = baseline tree, trailers = the session. */
  async create(request: CreateWorkspaceRequest): Promise<WorkspaceInfo> {
    const { data: baseline } = await this.octokit.rest.git.getCommit({
      ...this.coords,
      commit_sha: request.baselineSha,
    })
    const message = encodeStartCommit({
      sessionId: request.sessionId,
      // The start commit needs a task line; a blank task reads as the default promotion subject would.
      task: request.task?.trim() || `promote session ${request.sessionId}`,
      durableBranch: request.durableBranch ?? (await request.durable.defaultBranch()),
      baselineSha: request.baselineSha,
      ephemeral: { kind: 'branch' },
      link: null,
      eviction: request.eviction ?? DEFAULT_EVICTION,
    })
    const { data: start } = await this.octokit.rest.git.createCommit({
      ...this.coords,
      message,
      tree: baseline.tree.sha,
      parents: [request.baselineSha],
    })
    const branch = sessionBranch(request.sessionId)
    await this.octokit.rest.git.createRef({ ...this.coords, ref: `refs/heads/${branch}`, sha: start.sha })
    return { ephemeralRef: `${this.location}#${branch}`, workspaceKind: 'remote', isGitBacked: true }
  }

  /** Reads a file, following symlinks that stay inside the tree; one leading outside is `WRITE_REJECTED`. */
  async read(handle: WorkspaceHandle, path: string): Promise<Uint8Array | null> {
    const tree = await this.headTree(handle)
    return readFollowingSymlinks(path, async (rel) => {
      assertNoSymlinkAncestor(tree, rel)
      const entry = tree.entries.find((e) => e.path === rel)
      if (!entry) return null
      return { bytes: (await this.readBlobs([entry.oid])).get(entry.oid)!, mode: entry.mode }
    })
  }

  async write(
    handle: WorkspaceHandle,
    path: string,
    bytes: Uint8Array,
    options: { executable?: boolean } = {},
  ): Promise<void> {
    const rel = normalizeRepoPath(path)
    const { data: blob } = await this.octokit.rest.git.createBlob({
      ...this.coords,
      content: Buffer.from(bytes).toString('base64'),
      encoding: 'base64',
    })
    await this.commitChange(handle, `gittrix: write ${rel}`, (tree) => {
      assertNoSymlinkAncestor(tree, rel)
      const existing = tree.entries.find((e) => e.path === rel)
      if (existing?.mode === '120000') {
        throw new WriteRejectedError(rel, 'it is a symlink; delete it first to replace it with a file')
      }
      const mode: FileMode =
        options.executable === undefined
          ? (existing?.mode ?? '100644')
          : options.executable
            ? '100755'
            : '100644'
      return [{ path: rel, mode, type: 'blob', sha: blob.sha }]
    })
  }

  async delete(handle: WorkspaceHandle, path: string): Promise<void> {
    const rel = normalizeRepoPath(path)
    await this.commitChange(handle, `gittrix: delete ${rel}`, (tree) => {
      assertNoSymlinkAncestor(tree, rel)
      return tree.entries
        .filter((e) => e.path === rel || e.path.startsWith(`${rel}/`))
        .map((e) => ({
          path: e.path,
          mode: e.mode,
          type: e.mode === '160000' ? 'commit' : 'blob',
          sha: null,
        }))
    })
  }

  async list(
    handle: WorkspaceHandle,
    dir: string,
    options: { recursive?: boolean } = {},
  ): Promise<ListEntry[]> {
    return listFiles((await this.headTree(handle)).entries, dir, options)
  }

  /**
   * The session's changes against its baseline. First one "Compare two commits" of the baseline and
   * `options.at` (or the session branch by name, for a promotion); at a commit it must answer `ahead`
   * or `identical` (the commit descends from the baseline: else `INVALID_ARGUMENT`, also for a commit
   * GitHub does not know). For a promotion (`options.forPromotion`) the changes are then proved from
   * that comparison's file list (compare-diff.ts: 1 GraphQL query and 1 tree write, whatever the
   * repository's size); otherwise, or when they cannot be (300 files or more, a directory replaced by
   * a file, no write permission), they are read as a pruned walk of both trees (trees.ts `diffTrees`:
   * only the directories whose ids differ). Either way the cost grows with the changed paths, not the
   * repository. `textPatches` gives GitHub's own hunks for the files the comparison lists
   * (compare.ts); for the current state only when the branch still has the
   * snapshotted tree.
   */
  async snapshot(handle: WorkspaceHandle, options: SnapshotOptions = {}): Promise<WorkspaceSnapshot> {
    if (options.at === undefined) {
      // The branch is read once, by its full ref, and everything after names that commit: a tag of the
      // branch's short name cannot stand in for it, and a push meanwhile cannot mix into the snapshot.
      const head = await this.head(handle)
      // For a promotion, first a comparison for its file list (its commits are not needed: one is
      // listed); for review, a comparison only when hunks are asked for.
      const listed = options.forPromotion
        ? await compareCommits(this.octokit, this.coords, handle.baselineSha, head, { oldestOnly: true })
        : null
      const diff = await this.diffFromBaseline(handle, head, listed)
      let compared: Promise<Comparison | null> | undefined
      const current = () => (compared ??= compareCommits(this.octokit, this.coords, handle.baselineSha, head))
      return this.snapshotOf(diff, undefined, current)
    }
    const { commit, comparison } = await this.sessionCommit(handle, options.at, { restored: false })
    const diff = await this.diffFromBaseline(handle, commit, options.forPromotion ? comparison : null)
    return this.snapshotOf(diff, commit, () => Promise.resolve(comparison))
  }

  /**
   * The session's changes from its baseline to commit `to` (full id): proved from
   * the file list of `comparison` when one is given and it can be (compare-diff.ts: 1 GraphQL query and
   * 1 tree write, whatever the repository's size), else the pruned walk of both trees (trees.ts
   * `diffTrees`).
   */
  private async diffFromBaseline(
    handle: WorkspaceHandle,
    to: string,
    comparison: Comparison | null,
  ): Promise<TreeDiff> {
    const proved = comparison
      ? await diffByComparison(this.octokit, this.coords, handle.baselineSha, to, comparison.files)
      : null
    return proved ?? (await diffTrees(this.octokit, this.coords, handle.baselineSha, to))
  }

  /**
   * The full id of commit `at` of the session, and GitHub's comparison of the baseline with it.
   * `at` is a 40-hex commit id (GitHub repositories are SHA-1), or 4 to 39 hex digits matched against
   * the newest {@link ABBREVIATED_SEARCH} commits of the branch down to the baseline (one "List
   * commits" from the head, read by id; exactly one must match): only a full id is ever sent to GitHub,
   * which would read a short one as a tag or branch name first. A commit of the session descends from
   * the baseline (one "Compare two commits", `ahead` or `identical`) and is on the branch's history: an
   * ancestor of its head (a second comparison, `at...head`), or, with `restored` (history reads, not a
   * promotion), of a head a restore kept (restore.ts `restoredHeads`: one listing, then one comparison
   * each, only when the first check fails; full ids only). The baseline and a commit of
   * {@link GitHubBranchEphemeralAdapterOptions.knownHeads} need no second check. Another session's
   * commit on the same baseline is not this session's. Throws `INVALID_ARGUMENT` otherwise, also for
   * a commit GitHub does not know.
   */
  private async sessionCommit(
    handle: WorkspaceHandle,
    at: string,
    options: { restored: boolean; head?: () => Promise<string> },
  ): Promise<{ commit: string; comparison: Comparison }> {
    const head = options.head ?? once(() => this.head(handle))
    const refuse = (why: string) =>
      new InvalidArgumentError(
        `${typeof at === 'string' ? at : JSON.stringify(at)} is not a commit of session ${handle.sessionId}: give the id of a commit of its branch ${branchOf(handle)} (see gittrix log) at or after the session's baseline ${handle.baselineSha.slice(0, 12)} (${why}).`,
      )
    if (typeof at !== 'string' || !/^[0-9a-f]{4,40}$/.test(at))
      throw refuse('a commit id is 4 to 40 hex digits on GitHub')
    const commit = at.length === 40 ? at : await this.abbreviated(handle, at, await head(), refuse)
    const comparison = await compareCommits(this.octokit, this.coords, handle.baselineSha, commit, {
      oldestOnly: true,
    })
    if (comparison?.status !== 'ahead' && comparison?.status !== 'identical')
      throw refuse(
        comparison
          ? `GitHub compares it with the baseline as ${comparison.status}`
          : 'GitHub does not know it',
      )
    const known = commit === handle.baselineSha || this.knownHeads.get(handle.sessionId) === commit
    if (!known && !(await this.onBranchHistory(handle, commit, await head(), options.restored)))
      throw refuse(
        options.restored
          ? 'it is not on the history of the session branch or of a head a restore kept'
          : 'it is not on the history of the session branch',
      )
    return { commit, comparison }
  }

  /**
   * The one commit whose id starts with `prefix` among the newest {@link ABBREVIATED_SEARCH} commits
   * from `head` down to the baseline (included); `refuse(why)` is thrown when none or several do.
   */
  private async abbreviated(
    handle: WorkspaceHandle,
    prefix: string,
    head: string,
    refuse: (why: string) => Error,
  ): Promise<string> {
    let listed: string[]
    try {
      const { data } = await this.octokit.rest.repos.listCommits({
        ...this.coords,
        sha: head,
        per_page: ABBREVIATED_SEARCH,
      })
      listed = data.map((c) => c.sha)
    } catch (error) {
      throw unavailable(error, `listing the commits of ${branchOf(handle)}`, this.coords)
    }
    const base = listed.indexOf(handle.baselineSha)
    const candidates = base === -1 ? listed : listed.slice(0, base + 1)
    const matches = candidates.filter((sha) => sha.startsWith(prefix))
    if (matches.length === 1) return matches[0]!
    throw refuse(
      matches.length > 1
        ? `${matches.length} of its commits start with it: give more digits`
        : `none of its newest ${ABBREVIATED_SEARCH} commits starts with it: give the full 40-hex id`,
    )
  }

  /**
   * Whether `commit` is an ancestor of (or is) `head`, or with `restored` of a head a restore of the
   * session kept (refs anyone who may push can write too: only history reads accept them).
   */
  private async onBranchHistory(
    handle: WorkspaceHandle,
    commit: string,
    head: string,
    restored: boolean,
  ): Promise<boolean> {
    const reaches = async (tip: string) => {
      if (tip === commit) return true
      const compared = await compareCommits(this.octokit, this.coords, commit, tip, { oldestOnly: true })
      return compared?.status === 'ahead' || compared?.status === 'identical'
    }
    if (await reaches(head)) return true
    if (!restored) return false
    for (const kept of await restoredHeads(this.octokit, this.coords, handle.sessionId))
      if (await reaches(kept)) return true
    return false
  }

  /**
   * Session history: the changes from commit `from` of the session (default the baseline) to commit
   * `to` (default the branch head, read once by id), as a pruned walk of the two trees (trees.ts
   * `diffTrees`). Each given point costs one "Compare two commits" with the baseline
   * ({@link sessionCommit}: `INVALID_ARGUMENT` when it is not the session's). GitHub's hunks
   * (compare.ts) are used only when its comparison of `from...to` answers `ahead` or `identical`: its
   * three-dot comparison starts at their merge base, which is `from` only then (a diff backwards, e.g.
   * to a head a restore kept, is rendered from blobs).
   */
  async snapshotBetween(
    handle: WorkspaceHandle,
    options: { from?: string; to?: string } = {},
  ): Promise<WorkspaceSnapshot> {
    const head = once(() => this.head(handle))
    const [from, to] = await Promise.all([
      options.from === undefined
        ? handle.baselineSha
        : this.sessionCommit(handle, options.from, { restored: true, head }).then((c) => c.commit),
      options.to === undefined
        ? head()
        : this.sessionCommit(handle, options.to, { restored: true, head }).then((c) => c.commit),
    ])
    const diff = await diffTrees(this.octokit, this.coords, from, to)
    let compared: Promise<Comparison | null> | undefined
    const comparison = () => {
      compared ??= compareCommits(this.octokit, this.coords, from, to).then((c) =>
        c && (c.status === 'ahead' || c.status === 'identical') ? c : null,
      )
      return compared
    }
    return this.snapshotOf(diff, to, comparison)
  }

  /**
   * Session history: moves the session branch to checkpoint `at` — a commit of the session (on the
   * current head's history or a head a restore kept); the baseline stands for the start commit, which
   * the branch keeps — with one atomic GraphQL `updateRefs` that also keeps the old head under
   * `refs/notes/gittrix-sessions/<id>/restored/` (restore.ts). Never touches another branch. Throws
   * `INVALID_ARGUMENT`, `EVICTION_RACE` (the branch moved meanwhile: nothing changed),
   * `CAPABILITY_MISSING` (no GraphQL API).
   */
  async restoreTo(handle: WorkspaceHandle, at: string): Promise<RestoreResult> {
    const target = await this.sessionCommit(handle, at, { restored: true })
    return restoreSessionBranch(this.octokit, this.coords, {
      sessionId: handle.sessionId,
      branch: branchOf(handle),
      baselineSha: handle.baselineSha,
      target: target.commit,
    })
  }

  private snapshotOf(
    diff: TreeDiff,
    commit: string | undefined,
    comparison: () => Promise<Comparison | null>,
  ): WorkspaceSnapshot {
    const changes = diff.changes.map(asTreeChange)
    return {
      tree: diff.toTree,
      ...(commit ? { commit } : {}),
      changes,
      blobs: { location: this.location, readBlobs: (oids) => this.readBlobs(oids) },
      textPatches: async (wanted: readonly TreeChange[]) => {
        const found = await comparison()
        return found ? hostPatches(found.files, wanted) : new Map()
      },
    }
  }

  /** An empty checkpoint commit on the session branch (its content already is a commit per write). */
  async commit(handle: WorkspaceHandle, message: string): Promise<string> {
    return this.commitChange(handle, message, () => [], true)
  }

  async lastChangeAt(handle: WorkspaceHandle): Promise<number | null> {
    try {
      const head = await this.head(handle)
      const { data } = await this.octokit.rest.git.getCommit({ ...this.coords, commit_sha: head })
      return Date.parse(data.committer.date)
    } catch (error) {
      if (isNotFound(error)) return null
      throw error
    }
  }

  /**
   * Deletes the session branch, then the session's notes refs (notes.ts `deleteSessionNotes`: one
   * listing, one delete per notes ref found). Idempotent: refs that are already gone are fine.
   */
  async destroy(handle: WorkspaceHandle): Promise<void> {
    try {
      await this.octokit.rest.git.deleteRef({ ...this.coords, ref: `heads/${branchOf(handle)}` })
    } catch (error) {
      const status = (error as { status?: number }).status
      if (status !== 404 && status !== 422) throw error
    }
    await deleteSessionNotes(this.octokit, this.coords, handle.sessionId)
  }

  /**
   * Session history: the commits after the start commit, newest first, then the baseline
   * (checkpoints.ts: "Compare two commits" of the baseline and the branch head, 100 commits a page,
   * after one "Get a reference" for the head).
   */
  async checkpoints(handle: WorkspaceHandle, options: { limit?: number } = {}): Promise<CheckpointCommit[]> {
    const head = await this.head(handle)
    return listCheckpoints(
      this.octokit,
      this.coords,
      { sessionId: handle.sessionId, baselineSha: handle.baselineSha, head },
      options.limit,
    )
  }

  /** Session history: the full id of commit `at` of the session (one "Compare two commits"). */
  async checkpointId(handle: WorkspaceHandle, at: string): Promise<string> {
    return (await this.sessionCommit(handle, at, { restored: true })).commit
  }

  /**
   * Session history: the notes of `kind` on `commits`, read from the session's notes ref on GitHub
   * (`refs/notes/gittrix-sessions/<id>/<kind>`, which the Action pushes with the branch; notes.ts).
   */
  readNotes(
    handle: WorkspaceHandle,
    kind: NoteKind,
    commits: readonly string[],
  ): Promise<Map<string, Uint8Array>> {
    return readSessionNotes(this.octokit, this.coords, handle.sessionId, kind, commits)
  }

  /**
   * Session history: the files below `path` at checkpoint `at`, or the file `path` names: one "Compare
   * two commits" to check `at`, the commit's tree (recursive, cached by id), and the blob of a file.
   * Throws `INVALID_ARGUMENT` (not a commit of the session), `FILE_NOT_FOUND`.
   */
  async showAt(handle: WorkspaceHandle, at: string, path?: string): Promise<ShowResult> {
    const { commit } = await this.sessionCommit(handle, at, { restored: true })
    const rel = normalizeRepoDir(path)
    const tree = await readTree(this.octokit, this.coords, commit)
    const where = `checkpoint ${commit.slice(0, 12)} of session ${handle.sessionId}`
    const file = rel ? tree.entries.find((e) => e.path === rel) : undefined
    if (file) {
      if (file.mode === '160000') throw new FileNotFoundError(rel, where)
      const bytes = (await this.readBlobs([file.oid])).get(file.oid)!
      return { type: 'file', at: commit, path: rel, mode: file.mode, bytes }
    }
    const entries = tree.entries
      .filter((e) => !rel || e.path.startsWith(`${rel}/`))
      .map(({ path: p, mode, oid }) => ({ path: p, mode, oid }))
    if (rel && entries.length === 0) throw new FileNotFoundError(rel, where)
    return { type: 'tree', at: commit, path: rel, entries }
  }

  private readBlobs(oids: readonly string[]): Promise<Map<string, Uint8Array>> {
    return readBlobs(this.octokit, this.coords, oids)
  }

  /**
   * The session branch's head commit, read by its full ref ("Get a reference" of `heads/gittrix/<id>`,
   * never a short name a tag could shadow). A 5xx or rate limit past the retries is
   * `ADAPTER_UNAVAILABLE`; other errors (a 404: the branch is gone) are thrown as Octokit threw them.
   */
  private async head(handle: WorkspaceHandle): Promise<string> {
    const branch = branchOf(handle)
    try {
      const { data } = await this.octokit.rest.git.getRef({ ...this.coords, ref: `heads/${branch}` })
      return data.object.sha
    } catch (error) {
      throw unavailable(error, `reading the head of ${branch}`, this.coords)
    }
  }

  private async headTree(handle: WorkspaceHandle): Promise<TreeListing> {
    return readTree(this.octokit, this.coords, await this.head(handle))
  }

  /**
   * One commit on the session branch: `change` lists tree entries against the current head's tree.
   * Retries when another writer moved the branch (`force: false`). Resolves the new head.
   */
  private async commitChange(
    handle: WorkspaceHandle,
    message: string,
    change: (tree: TreeListing) => TreeItem[],
    allowEmpty = false,
  ): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.head(handle)
      const tree = await readTree(this.octokit, this.coords, head)
      const items = change(tree)
      if (items.length === 0 && !allowEmpty) return head
      const newTree = items.length
        ? (await this.octokit.rest.git.createTree({ ...this.coords, base_tree: tree.sha, tree: items })).data
            .sha
        : tree.sha
      const { data: commit } = await this.octokit.rest.git.createCommit({
        ...this.coords,
        message,
        tree: newTree,
        parents: [head],
      })
      try {
        await this.octokit.rest.git.updateRef({
          ...this.coords,
          ref: `heads/${branchOf(handle)}`,
          sha: commit.sha,
          force: false,
        })
        return commit.sha
      } catch (error) {
        if (!isNotFastForward(error) || attempt >= WRITE_ATTEMPTS) throw error
      }
    }
  }
}

type TreeItem = { path: string; mode: FileMode; type: 'blob' | 'commit'; sha: string | null }

/** Symlinks followed by `read` before giving up (as a loop). */

/**
 * Throws `WRITE_REJECTED` when a parent directory of `rel` is a symlink or a file in `tree`: on a disk
 * the path would lead through the link (possibly outside the workspace); in a git tree it cannot exist.
 */
function assertNoSymlinkAncestor(tree: TreeListing, rel: string): void {
  const parts = rel.split('/')
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/')
    const entry = tree.entries.find((e) => e.path === prefix)
    if (entry)
      throw new WriteRejectedError(
        rel,
        entry.mode === '120000' ? `${prefix} is a symlink` : `${prefix} is a file, not a directory`,
      )
  }
}

/** `fn`, called at most once: later calls share its first promise. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let called: Promise<T> | undefined
  return () => (called ??= fn())
}

function branchOf(handle: WorkspaceHandle): string {
  const hash = handle.ephemeralRef.indexOf('#')
  const branch = hash === -1 ? '' : handle.ephemeralRef.slice(hash + 1)
  if (!branch.startsWith('gittrix/'))
    throw new InvalidArgumentError(`${handle.ephemeralRef} is not a GitHub session branch.`)
  return branch
}
