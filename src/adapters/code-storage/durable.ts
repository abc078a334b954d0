/**
 * CodeStorageDurableAdapter: a branch of a Code Storage (Pierre) repository as the durable store,
 * through the official SDK `@pierre/storage` only (no git on this host).
 *
 * SDK calls per method (node_modules/@pierre/storage/src/index.ts):
 * - `getHead`: `repo.listCommits({ branch, limit: 1 })` (a missing branch is a 404).
 * - `listTree`: `repo.listFiles({ ref, path, recursive })` for paths and modes, then
 *   `repo.headFile({ path, ref })` per file for its blob id (the `x-blob-sha` header): the file listing
 *   carries no blob ids.
 * - `readFile`: `repo.listFiles` of the file's directory (mode), `repo.getFileStream` (bytes).
 * - `readBlobs`: `repo.getFileStream` at a commit and path where the blob was seen (the API reads files
 *   by path, not blobs by id), each checked against its id.
 * - `changedPaths`: `repo.getCommitDiff({ sha: to, baseSha: from })`, both sides of renames.
 * - `applyCommit`: moving a branch is ONE `repo.createCommit(...).send()` with `expectedHeadSha` as
 *   compare-and-swap; creating one stages the commit on an ephemeral branch, then creates the durable
 *   branch from it in one `repo.createBranch` (so the durable namespace sees one write or none).
 * - `findPromotion`: `repo.listCommits` pages (and `repo.getCommit` off-page), walked by first parent.
 */
import { randomUUID } from 'node:crypto'
import type { CodeStorage, Repo } from '@pierre/storage'
import pLimit from 'p-limit'
import type {
  ApplyCommitRequest,
  ApplyCommitResult,
  DurableAdapter,
  DurableCapabilities,
} from '../../core/adapters.ts'
import { GittrixError, InvalidArgumentError } from '../../core/errors.ts'
import { assertCanonicalRepoPath } from '../../core/paths.ts'
import { findPromotion, type HistoryCommit, type PromotionQuery } from '../../core/promotion-identity.ts'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import { gitBlobId } from '../../core/blob-id.ts'
import { codeStorageError, isRefConflict } from './errors.ts'
import { cursorPages } from './pages.ts'
import { writeStatus } from './retry.ts'

/** Options of {@link CodeStorageDurableAdapter}. */
export interface CodeStorageDurableAdapterOptions {
  /** The SDK client (see `createCodeStorageClient`, src/adapters/code-storage/client.ts). */
  storage: CodeStorage
  /** The repository id. */
  repo: string
  /** The durable branch; default the repository's default branch. */
  branch?: string
  /** Author and committer of promotion commits. Default `Gittrix <gittrix@localhost>`. */
  identity?: { name: string; email: string }
}

/** Concurrent reads against the API (headFile / file streams). */
const READ_CONCURRENCY = 8
/** Commits per `listCommits` page when walking history. */
const LOG_PAGE = 100
/** Files per `listFiles` page. */
const LIST_PAGE = 1000
const FILE_MODES = new Set(['100644', '100755', '120000', '160000'])

/** Where a blob was seen: read back by commit and path. */
interface BlobLocation {
  ref: string
  path: string
}

/** A branch of a Code Storage repository as the durable side of Gittrix. */
export class CodeStorageDurableAdapter implements DurableAdapter {
  readonly kind = 'code-storage'
  readonly storage: CodeStorage
  readonly repoId: string
  readonly repo: Repo
  private readonly branch: string | undefined
  private readonly identity: { name: string; email: string }
  /** `${commit}\0${path}` → blob id: immutable for a commit id. */
  private readonly oids = new Map<string, string>()
  /** Blob id → where it was seen. */
  private readonly locations = new Map<string, BlobLocation>()
  private defaultBranchPromise: Promise<string> | undefined

  constructor(options: CodeStorageDurableAdapterOptions) {
    if (!options?.storage)
      throw new InvalidArgumentError(
        'CodeStorageDurableAdapter needs { storage }: a client from createCodeStorageClient().',
      )
    if (!options.repo?.trim())
      throw new InvalidArgumentError('CodeStorageDurableAdapter needs { repo }: the repository id.')
    this.storage = options.storage
    this.repoId = options.repo
    this.repo = options.storage.repo({ id: options.repo })
    this.branch = options.branch
    this.identity = options.identity ?? { name: 'Gittrix', email: 'gittrix@localhost' }
  }

  /** `code-storage://<name>/<repo>`: where this repository's blobs live (see `BlobSource.location`). */
  get location(): string {
    return `code-storage://${this.storage.getConfig().name}/${this.repoId}`
  }

  capabilities(): DurableCapabilities {
    return { strategies: ['commit', 'branch', 'patch'] }
  }

  /** The configured branch, else the repository's default branch (`storage.findOne`). */
  async defaultBranch(): Promise<string> {
    if (this.branch) return this.branch
    this.defaultBranchPromise ??= (async () => {
      const found = await this.call('reading the repository', () => this.storage.findOne({ id: this.repoId }))
      if (!found)
        throw new GittrixError('REF_NOT_FOUND', `Code Storage repository ${this.repoId} does not exist.`)
      return found.defaultBranch
    })().catch((error: unknown) => {
      this.defaultBranchPromise = undefined
      throw error
    })
    return this.defaultBranchPromise
  }

  ref(branch: string): string {
    return `${this.location}#${branch}`
  }

  async getHead(branch: string): Promise<string> {
    const head = await this.headOrNull(branch)
    if (!head)
      throw new GittrixError(
        'REF_NOT_FOUND',
        `Branch ${branch} does not exist in Code Storage repository ${this.repoId}.`,
      )
    return head
  }

  async listTree(sha: string, prefix?: string): Promise<TreeEntry[]> {
    const dir = prefix ? prefix.replace(/\/+$/, '') : ''
    const files = (await this.listFiles(sha, dir, true)).filter(
      (entry) => dir === '' || entry.path.startsWith(`${dir}/`),
    )
    const limit = pLimit(READ_CONCURRENCY)
    return Promise.all(
      files.map((entry) => limit(async () => ({ ...entry, oid: await this.blobId(sha, entry.path) }))),
    )
  }

  async readFile(sha: string, path: string): Promise<{ bytes: Uint8Array; mode: FileMode } | null> {
    const slash = path.lastIndexOf('/')
    const dir = slash === -1 ? '' : path.slice(0, slash)
    const entry = (await this.listFiles(sha, dir, false)).find((e) => e.path === path)
    if (!entry) return null
    const { bytes, oid } = await this.fileBytes(sha, path)
    this.remember(sha, path, oid)
    return { bytes, mode: entry.mode }
  }

  /**
   * Blobs by id. The API reads files by commit and path, so each id must have been seen by
   * `listTree`/`readFile` of this adapter; ids never seen are looked for in the default branch's head.
   * Throws `REF_NOT_FOUND` for an id found nowhere.
   */
  async readBlobs(oids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const unique = [...new Set(oids)]
    if (unique.some((oid) => !this.locations.has(oid))) {
      await this.listTree(await this.getHead(await this.defaultBranch()))
    }
    const limit = pLimit(READ_CONCURRENCY)
    const pairs = await Promise.all(
      unique.map((oid) =>
        limit(async () => {
          const at = this.locations.get(oid)
          if (!at)
            throw new GittrixError(
              'REF_NOT_FOUND',
              `Blob ${oid} is not in Code Storage repository ${this.repoId}.`,
            )
          const { bytes } = await this.fileBytes(at.ref, at.path, oid)
          return [oid, bytes] as const
        }),
      ),
    )
    return new Map(pairs)
  }

  async changedPaths(fromSha: string, toSha: string): Promise<string[]> {
    if (fromSha === toSha) return []
    const diff = await this.call(`comparing ${fromSha} with ${toSha}`, () =>
      this.repo.getCommitDiff({ sha: toSha, baseSha: fromSha }),
    )
    const paths = new Set<string>()
    for (const file of [...diff.files, ...diff.filteredFiles]) {
      paths.add(file.path)
      if (file.oldPath) paths.add(file.oldPath)
    }
    return [...paths]
  }

  /**
   * Writes the promotion commit. Every blob is read from `request.blobs` and checked against its id
   * first (nothing is sent when one lies). Moving: one commit-pack request with `expectedHeadSha`.
   * Creating: staged on an ephemeral branch, then the durable branch is created from it in one call.
   * A refused compare-and-swap resolves `{ moved: false, current }` after re-reading the branch.
   */
  async applyCommit(request: ApplyCommitRequest): Promise<ApplyCommitResult> {
    if (request.expectedOld !== null && request.expectedOld !== request.parent)
      throw new InvalidArgumentError(
        'Code Storage commits on the branch head: applyCommit needs expectedOld equal to parent.',
      )
    const contents = await this.promotedBlobs(request)
    if (request.expectedOld === null) return this.createBranchWithCommit(request, contents)
    const signal = new AbortController().signal
    try {
      const result = await this.buildCommit(request, contents, {
        targetBranch: request.branch,
        expectedHeadSha: request.expectedOld,
        signal,
      }).send()
      return { moved: true, sha: result.commitSha }
    } catch (error) {
      return this.afterRefusal(error, request, `promoting to ${request.branch}`, writeStatus(signal))
    }
  }

  /**
   * Mode and blob id of each of `paths` at commit `sha` (any namespace: read by commit id); paths
   * absent there are left out. One file listing plus one `headFile` per present path.
   */
  async entriesAt(sha: string, paths: readonly string[]): Promise<Map<string, Omit<TreeEntry, 'path'>>> {
    const wanted = new Set(paths)
    const present = (await this.listFiles(sha, '', true)).filter((e) => wanted.has(e.path))
    const limit = pLimit(READ_CONCURRENCY)
    const pairs = await Promise.all(
      present.map((e) =>
        limit(async () => [e.path, { mode: e.mode, oid: await this.blobId(sha, e.path) }] as const),
      ),
    )
    return new Map(pairs)
  }

  /** Every file at commit `sha` with its mode, without blob ids (one paged listing). */
  async filesAt(sha: string): Promise<Array<Omit<TreeEntry, 'oid'>>> {
    return this.listFiles(sha, '', true)
  }

  /** The bytes of the file `path` at commit `sha`, or `null` when it is absent there. */
  async bytesAt(sha: string, path: string): Promise<Uint8Array | null> {
    try {
      const { bytes, oid } = await this.fileBytes(sha, path)
      this.remember(sha, path, oid)
      return bytes
    } catch (error) {
      if (isNotFound(error)) return null
      throw error
    }
  }

  async findPromotion(query: PromotionQuery & { baselineSha: string }): Promise<string | null> {
    return findPromotion({ firstParent: (branch, stopAt) => this.chain(branch, stopAt) }, query)
  }

  private async createBranchWithCommit(
    request: ApplyCommitRequest,
    contents: Map<string, Uint8Array>,
  ): Promise<ApplyCommitResult> {
    const staging = `gittrix-staging/${randomUUID()}`
    try {
      await this.call('staging the promotion', () =>
        this.repo.createBranch({ baseRef: request.parent, targetBranch: staging, targetIsEphemeral: true }),
      )
      const signal = new AbortController().signal
      const staged = await this.buildCommit(request, contents, {
        targetBranch: staging,
        expectedHeadSha: request.parent,
        ephemeral: true,
        signal,
      })
        .send()
        .catch((error: unknown) => {
          throw codeStorageError(error, 'staging the promotion', writeStatus(signal))
        })
      try {
        await this.repo.createBranch({
          baseBranch: staging,
          baseIsEphemeral: true,
          targetBranch: request.branch,
        })
      } catch (error) {
        return await this.afterRefusal(error, request, `creating branch ${request.branch}`)
      }
      return { moved: true, sha: staged.commitSha }
    } finally {
      await this.repo.deleteBranch({ name: staging, ephemeral: true }).catch(() => undefined)
    }
  }

  /** `{ moved: false, current }` when the branch is not where the request expected; else the error, mapped. */
  private async afterRefusal(
    error: unknown,
    request: ApplyCommitRequest,
    doing: string,
    httpStatus?: number,
  ): Promise<ApplyCommitResult> {
    if (isRefConflict(error, httpStatus) || (request.expectedOld !== null && isNotFound(error))) {
      const current = await this.headOrNull(request.branch)
      if (current !== request.expectedOld) return { moved: false, current }
    }
    throw codeStorageError(error, doing, httpStatus)
  }

  private buildCommit(
    request: ApplyCommitRequest,
    contents: Map<string, Uint8Array>,
    target: { targetBranch: string; expectedHeadSha: string; ephemeral?: boolean; signal: AbortSignal },
  ) {
    const builder = this.repo.createCommit({
      ...target,
      commitMessage: request.message,
      author: this.identity,
      committer: this.identity,
    })
    for (const path of request.paths) {
      if (path.mode === null) builder.deletePath(path.path)
      else builder.addFile(path.path, contents.get(path.oid!)!, { mode: path.mode })
    }
    return builder
  }

  /**
   * The bytes of every promoted blob, each checked against its id. Throws `PROMOTE_FAILED` on a
   * mismatch, `WRITE_REJECTED` for a path that is not canonical or names git internals (the host's
   * own checks are not documented, so nothing unsafe is sent).
   */
  private async promotedBlobs(request: ApplyCommitRequest): Promise<Map<string, Uint8Array>> {
    for (const path of request.paths) assertCanonicalRepoPath(path.path)
    const wanted = [...new Set(request.paths.flatMap((p) => (p.mode !== null && p.oid ? [p.oid] : [])))]
    if (request.paths.some((p) => p.mode === '160000'))
      throw new InvalidArgumentError('Code Storage commits cannot carry submodule entries (mode 160000).')
    const contents = wanted.length ? await request.blobs.readBlobs(wanted) : new Map<string, Uint8Array>()
    for (const oid of wanted) {
      const bytes = contents.get(oid)
      if (!bytes)
        throw new GittrixError('PROMOTE_FAILED', `Blob ${oid} is missing from the session's blob source.`)
      if (gitBlobId(bytes) !== oid)
        throw new GittrixError(
          'PROMOTE_FAILED',
          `Blob ${oid} came back with other content; nothing was written.`,
        )
    }
    return contents
  }

  private async headOrNull(branch: string): Promise<string | null> {
    if (!branch.trim()) throw new InvalidArgumentError('A branch name is required.')
    try {
      const page = await this.repo.listCommits({ branch, limit: 1 })
      return page.commits[0]?.sha ?? null
    } catch (error) {
      if (isNotFound(error)) return null
      throw codeStorageError(error, `reading branch ${branch}`)
    }
  }

  private async listFiles(
    sha: string,
    dir: string,
    recursive: boolean,
  ): Promise<Array<Omit<TreeEntry, 'oid'>>> {
    const out: Array<Omit<TreeEntry, 'oid'>> = []
    const doing = `listing the tree of ${sha}`
    const pages = cursorPages(doing, (cursor) =>
      this.call(doing, () =>
        this.repo.listFiles({
          ref: sha,
          recursive,
          limit: LIST_PAGE,
          ...(dir ? { path: dir } : {}),
          ...(cursor ? { cursor } : {}),
        }),
      ),
    )
    for await (const page of pages) {
      for (const entry of page.entries) {
        if (FILE_MODES.has(entry.mode) && entry.type !== 'tree')
          out.push({ path: entry.path, mode: entry.mode as FileMode })
      }
    }
    return out
  }

  private async blobId(sha: string, path: string): Promise<string> {
    const known = this.oids.get(`${sha}\0${path}`)
    if (known) return known
    const meta = await this.call(`reading ${path} at ${sha}`, () => this.repo.headFile({ path, ref: sha }))
    if (!/^[0-9a-f]{40}$/.test(meta.blobSha))
      throw new GittrixError('ADAPTER_UNAVAILABLE', `Code Storage gave no blob id for ${path} at ${sha}.`)
    this.remember(sha, path, meta.blobSha)
    return meta.blobSha
  }

  private remember(sha: string, path: string, oid: string): void {
    this.oids.set(`${sha}\0${path}`, oid)
    if (!this.locations.has(oid)) this.locations.set(oid, { ref: sha, path })
  }

  /** A file's bytes at a commit, with their id; with `expected`, throws `ADAPTER_UNAVAILABLE` when they differ. */
  private async fileBytes(
    ref: string,
    path: string,
    expected?: string,
  ): Promise<{ bytes: Uint8Array; oid: string }> {
    const bytes = await this.call(`reading ${path} at ${ref}`, async () => {
      const response = await this.repo.getFileStream({ path, ref })
      return new Uint8Array(await response.arrayBuffer())
    })
    const oid = gitBlobId(bytes)
    if (expected && oid !== expected)
      throw new GittrixError(
        'ADAPTER_UNAVAILABLE',
        `Code Storage returned other content for blob ${expected} (${path}).`,
      )
    return { bytes, oid }
  }

  /** The first-parent chain of `branch` from its head, newest first; empty when the branch does not exist. */
  private async *chain(branch: string, stopAt: string | null): AsyncGenerator<HistoryCommit> {
    const seen = new Map<string, HistoryCommit>()
    const doing = `reading the history of ${branch}`
    const pages = cursorPages(doing, (cursor) =>
      this.call(doing, () =>
        this.repo.listCommits({ branch, limit: LOG_PAGE, ...(cursor ? { cursor } : {}) }),
      ),
    )
    let more = true
    const page = async () => {
      const next = await pages.next()
      if (next.done) {
        more = false
        return undefined
      }
      for (const c of next.value.commits)
        seen.set(c.sha, { sha: c.sha, parents: c.parentShas, message: c.message, date: c.rawDate })
      more = next.value.hasMore
      return next.value.commits[0]?.sha
    }
    let next: string | undefined
    try {
      next = await page()
    } catch (error) {
      if (error instanceof GittrixError && error.code === 'REF_NOT_FOUND') return
      throw error
    }
    while (next) {
      while (!seen.has(next) && more) await page()
      const commit = seen.get(next) ?? (await this.commit(next))
      yield commit
      if (commit.sha === stopAt) return
      next = commit.parents[0]
    }
  }

  private async commit(sha: string): Promise<HistoryCommit> {
    const { commit } = await this.call(`reading commit ${sha}`, () => this.repo.getCommit({ sha }))
    return { sha: commit.sha, parents: commit.parentShas, message: commit.message, date: commit.rawDate }
  }

  private async call<T>(doing: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw codeStorageError(error, doing)
    }
  }
}

function isNotFound(error: unknown): boolean {
  return (
    (error instanceof GittrixError && error.code === 'REF_NOT_FOUND') ||
    (error instanceof Error && (error as { status?: unknown }).status === 404) ||
    (error instanceof Error && (error as { reason?: unknown }).reason === 'not_found')
  )
}
