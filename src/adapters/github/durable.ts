/**
 * GitHubDurableAdapter: a branch of a GitHub repository as the durable store, written through the
 * Git Data API. A promotion is: one tree (`base_tree` + the selected paths, blob ids reused when they
 * already live in the repository), one commit without author/committer (so GitHub signs it as the
 * App and marks it Verified), and a ref update with `force: false` (a lost race is a 422).
 *
 * Sources: docs/platform-facts.md#git-data-api-one-commit-for-many-files, #verified-commits, #trees-compare-and-commit-limits.
 */
import type { Octokit } from '@octokit/rest'
import pLimit from 'p-limit'
import type {
  ApplyCommitRequest,
  ApplyCommitResult,
  DurableAdapter,
  DurableCapabilities,
  PullRequestRequest,
} from '../../core/adapters.ts'
import { BranchProtectedError, GittrixError, InvalidArgumentError } from '../../core/errors.ts'
import { findPromotion, type PromotionQuery } from '../../core/promotion-identity.ts'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import {
  isNotFastForward,
  isNotFound,
  isProtectedBranchRefusal,
  isWorkflowPermissionRefusal,
} from './request-errors.ts'
import { pullRequestTitle, renderPullRequestBody } from './pull-request.ts'
import { BLOB_CONCURRENCY, readBlobs } from './blobs.ts'
import { existingObjects } from './objects.ts'
import { authenticatedAuthor, gitHubPromotionHistory, type PromotionAuthor } from './promotion-history.ts'
import { cachedTreeSha, diffTrees, type RepoCoordinates, readTree, unavailable } from './trees.ts'

/** Options for {@link GitHubDurableAdapter}. */
export interface GitHubDurableAdapterOptions {
  owner: string
  repo: string
  /** Durable branch; default: the repository's default branch. */
  branch?: string
  /** An Octokit built by `createGitHubClient` (retry and throttling on), or any compatible instance. */
  octokit: Octokit
  /**
   * Who writes this adapter's promotion commits: `findPromotion` accepts only commits GitHub reports as
   * authored by this login (and, with `verified`, signed by GitHub). A GitHub App passes
   * `{ login: '<slug>[bot]', verified: true }` (a workflow's `GITHUB_TOKEN`: `github-actions[bot]`).
   * Default: the user of the token (`GET /user`, no signature required: GitHub signs no person's API
   * commits); with an installation token and no option, `findPromotion` throws `CAPABILITY_MISSING`.
   */
  promotionAuthor?: PromotionAuthor
}

/** A GitHub branch as the durable side of Gittrix. */
export class GitHubDurableAdapter implements DurableAdapter {
  readonly kind = 'github'
  readonly owner: string
  readonly repo: string
  private readonly branch: string | undefined
  private readonly octokit: Octokit
  private readonly promotionAuthor: PromotionAuthor | undefined
  private authorPromise: Promise<PromotionAuthor> | undefined

  constructor(options: GitHubDurableAdapterOptions) {
    if (!options?.owner || !options.repo || !options.octokit) {
      throw new InvalidArgumentError('GitHubDurableAdapter needs { owner, repo, octokit }.')
    }
    this.owner = options.owner
    this.repo = options.repo
    this.branch = options.branch
    this.octokit = options.octokit
    this.promotionAuthor = options.promotionAuthor
  }

  private get coords(): RepoCoordinates {
    return { owner: this.owner, repo: this.repo }
  }

  /** `github://owner/repo`: where this repository's blobs live (see `BlobSource.location`). */
  get location(): string {
    return `github://${this.owner}/${this.repo}`
  }

  capabilities(): DurableCapabilities {
    return { strategies: ['commit', 'branch', 'pr', 'patch'] }
  }

  async defaultBranch(): Promise<string> {
    if (this.branch) return this.branch
    const { data } = await this.octokit.rest.repos.get({ ...this.coords })
    return data.default_branch
  }

  ref(branch: string): string {
    return `${this.location}#${branch}`
  }

  async getHead(branch: string): Promise<string> {
    try {
      const { data } = await this.octokit.rest.git.getRef({ ...this.coords, ref: `heads/${branch}` })
      return data.object.sha
    } catch (error) {
      if (isNotFound(error)) {
        throw new GittrixError(
          'REF_NOT_FOUND',
          `Branch ${branch} does not exist in ${this.owner}/${this.repo}.`,
          { cause: error },
        )
      }
      throw unavailable(error, `reading the head of ${branch}`, this.coords)
    }
  }

  async listTree(sha: string, prefix?: string): Promise<TreeEntry[]> {
    const { entries } = await readTree(this.octokit, this.coords, sha)
    if (!prefix) return entries
    const dir = `${prefix.replace(/\/+$/, '')}/`
    return entries.filter((e) => e.path.startsWith(dir))
  }

  async readFile(sha: string, path: string): Promise<{ bytes: Uint8Array; mode: FileMode } | null> {
    const entry = (await readTree(this.octokit, this.coords, sha)).entries.find((e) => e.path === path)
    if (!entry) return null
    const bytes = (await this.readBlobs([entry.oid])).get(entry.oid)!
    return { bytes, mode: entry.mode }
  }

  async readBlobs(oids: readonly string[]): Promise<Map<string, Uint8Array>> {
    return readBlobs(this.octokit, this.coords, oids)
  }

  /**
   * See {@link DurableAdapter.changedPaths}. A pruned walk of both trees (trees.ts `diffTrees`): only
   * directories whose tree ids differ are read, one level per request, and with `within` only those on
   * the way to these paths; the cost grows with the changes (and the selection), not the repository.
   */
  async changedPaths(fromSha: string, toSha: string, within?: readonly string[]): Promise<string[]> {
    const { changes } = await diffTrees(this.octokit, this.coords, fromSha, toSha, within ? { within } : {})
    return changes.map((c) => c.path)
  }

  async applyCommit(request: ApplyCommitRequest): Promise<ApplyCommitResult> {
    return this.refusalsExplained(request, async () => {
      const { baseTree, blobIds } = await this.prepare(request)
      const { data: tree } = await this.octokit.rest.git.createTree({
        ...this.coords,
        base_tree: baseTree,
        tree: request.paths.map((p) =>
          p.mode === null
            ? { path: p.path, mode: '100644' as const, type: 'blob' as const, sha: null }
            : {
                path: p.path,
                mode: p.mode,
                type: p.mode === '160000' ? ('commit' as const) : ('blob' as const),
                sha: blobIds.get(p.oid!)!,
              },
        ),
      })
      // No author or committer: GitHub then signs the commit as the authenticated App (Verified).
      const { data: commit } = await this.octokit.rest.git.createCommit({
        ...this.coords,
        message: request.message,
        tree: tree.sha,
        parents: [request.parent],
      })
      const moved = await this.moveRef(request.branch, commit.sha, request.expectedOld)
      return moved
        ? { moved: true, sha: commit.sha }
        : { moved: false, current: await this.getHead(request.branch).catch(() => null) }
    })
  }

  /**
   * See {@link DurableAdapter.findPromotion}: the shared matcher over this repository's first-parent
   * history, and only commits {@link GitHubDurableAdapterOptions.promotionAuthor} wrote (promotion-history.ts).
   * Unlike other adapters, `baselineSha` may be `null` (the session's branch and start commit are gone):
   * the baseline is then read from the authored commit's own trailer and must lie below it on the
   * first-parent history. Reads at most 1,000 commits of history (10 pages). Throws `CAPABILITY_MISSING`
   * when the promotion author is unknown (see the option).
   */
  async findPromotion(query: PromotionQuery): Promise<string | null> {
    return findPromotion(
      gitHubPromotionHistory(this.octokit, this.coords, () => this.author()),
      query,
    )
  }

  /** The promotion author: the option, else the token's user (asked once, only when a candidate needs it). */
  private author(): Promise<PromotionAuthor> {
    if (this.promotionAuthor) return Promise.resolve(this.promotionAuthor)
    this.authorPromise ??= authenticatedAuthor(this.octokit).catch((error: unknown) => {
      this.authorPromise = undefined
      throw error
    })
    return this.authorPromise
  }

  async openPullRequest(request: PullRequestRequest): Promise<{ url: string; number: number }> {
    try {
      const { data } = await this.octokit.rest.pulls.create({
        ...this.coords,
        head: request.head,
        base: request.base,
        title: pullRequestTitle(request),
        body: renderPullRequestBody(request, this.sessionUrl(request.sessionId)),
      })
      return { url: data.html_url, number: data.number }
    } catch (error) {
      // A retried promotion finds the pull request it opened before.
      const { data: open } = await this.octokit.rest.pulls.list({
        ...this.coords,
        head: `${this.owner}:${request.head}`,
        state: 'open',
      })
      if (open[0]) return { url: open[0].html_url, number: open[0].number }
      throw error
    }
  }

  /** The web URL of a session branch, derived from the API base URL (github.com or GHES). */
  private sessionUrl(sessionId: string): string {
    const api =
      (this.octokit.request.endpoint.DEFAULTS as { baseUrl?: string }).baseUrl ?? 'https://api.github.com'
    const web = api === 'https://api.github.com' ? 'https://github.com' : api.replace(/\/api\/v3\/?$/, '')
    return `${web}/${this.owner}/${this.repo}/tree/gittrix/${sessionId}`
  }

  private async treeShaOf(commitSha: string): Promise<string> {
    const cached = await cachedTreeSha(this.octokit, this.coords, commitSha)
    if (cached) return cached
    const { data } = await this.octokit.rest.git.getCommit({ ...this.coords, commit_sha: commitSha })
    return data.tree.sha
  }

  /**
   * The parent's tree id and the blob ids to put in the new tree.
   *
   * - Source in this repository (a session branch): every id is reused as it is; the parent's tree id
   *   comes from the tree cache or one `GET /git/commits`. Requests do not grow with the file count.
   * - Source elsewhere (e.g. a Cloudflare Artifacts session): git blob ids are content hashes, equal on
   *   every host, so ids GitHub already stores (renames, mode changes, reverts, copies of existing
   *   files) are reused; only the rest are read from the source and uploaded (base64,
   *   {@link BLOB_CONCURRENCY} at a time). Which ids GitHub stores is asked by id over GraphQL
   *   (objects.ts: 1 query per 100 ids, whatever the repository's size); without GraphQL the parent's
   *   tree is read recursively once instead. Requests: those queries (or that read) + the parent's
   *   tree id (cached or 1) + 1 upload per distinct new content, then create tree, create commit,
   *   update ref.
   */
  private async prepare(
    request: ApplyCommitRequest,
  ): Promise<{ baseTree: string; blobIds: Map<string, string> }> {
    const oids = [...new Set(request.paths.flatMap((p) => (p.oid && p.mode !== '160000' ? [p.oid] : [])))]
    if (request.blobs.location === this.location) {
      return {
        baseTree: await this.treeShaOf(request.parent),
        blobIds: new Map(oids.map((oid) => [oid, oid])),
      }
    }
    const stored = await existingObjects(this.octokit, this.coords, oids).catch(() => null)
    let baseTree: string
    let known: Set<string>
    if (stored) {
      baseTree = await this.treeShaOf(request.parent)
      known = stored
    } else {
      const parent = await readTree(this.octokit, this.coords, request.parent)
      baseTree = parent.sha
      known = new Set(parent.entries.map((e) => e.oid))
    }
    const reused = oids.filter((oid) => known.has(oid))
    const uploaded = await this.uploadBlobs(
      request,
      oids.filter((oid) => !known.has(oid)),
    )
    return { baseTree, blobIds: new Map([...reused.map((oid) => [oid, oid] as const), ...uploaded]) }
  }

  /** Reads `oids` from the request's blob source and uploads them; checks GitHub stored each under its id. */
  private async uploadBlobs(request: ApplyCommitRequest, oids: string[]): Promise<Map<string, string>> {
    if (oids.length === 0) return new Map()
    const contents = await request.blobs.readBlobs(oids)
    const limit = pLimit(BLOB_CONCURRENCY)
    const uploaded = await Promise.all(
      oids.map((oid) =>
        limit(async () => {
          const bytes = contents.get(oid)
          if (!bytes) throw new Error(`blob ${oid} is missing from the session's blob source`)
          const { data } = await this.octokit.rest.git.createBlob({
            ...this.coords,
            content: Buffer.from(bytes).toString('base64'),
            encoding: 'base64',
          })
          if (data.sha !== oid)
            throw new Error(`GitHub stored blob ${oid} as ${data.sha}; the source returned other content`)
          return [oid, data.sha] as const
        }),
      ),
    )
    return new Map(uploaded)
  }

  /** Moves (`force: false`) or creates the branch. Resolves `false` when it had moved or already exists. */
  private async moveRef(branch: string, sha: string, expectedOld: string | null): Promise<boolean> {
    try {
      if (expectedOld === null)
        await this.octokit.rest.git.createRef({ ...this.coords, ref: `refs/heads/${branch}`, sha })
      else
        await this.octokit.rest.git.updateRef({ ...this.coords, ref: `heads/${branch}`, sha, force: false })
      return true
    } catch (error) {
      // A branch that no longer exists has no value to compare with: the swap lost, like a moved one.
      if (expectedOld !== null && (isNotFastForward(error) || isReferenceMissing(error))) return false
      if (expectedOld === null && isReferenceExists(error)) return false
      throw error
    }
  }

  /** Turns GitHub's refusals into errors that say what to do. */
  private async refusalsExplained<T>(request: ApplyCommitRequest, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      if (isProtectedBranchRefusal(error))
        throw new BranchProtectedError(request.branch, 'branch protection or a ruleset', { cause: error })
      if (isWorkflowPermissionRefusal(error)) {
        const workflows = request.paths
          .filter((p) => p.path.startsWith('.github/workflows/'))
          .map((p) => p.path)
        throw new GittrixError(
          'AUTH_FAILED',
          `GitHub refused to change ${workflows.join(', ') || 'workflow files'}: the token lacks the "workflows" permission. ` +
            'Grant the GitHub App "Workflows: read and write" (and accept it on the installation), or leave workflow files out of the selection.',
          { cause: error },
        )
      }
      throw error
    }
  }
}

/** `422 Reference does not exist`: `PATCH /git/refs/{ref}` on a ref that is gone (REST git refs). */
function isReferenceMissing(error: unknown): boolean {
  const e = error as { status?: number; message?: string }
  return e?.status === 422 && /\bReference does not exist\b/i.test(e.message ?? '')
}

function isReferenceExists(error: unknown): boolean {
  const e = error as { status?: number; message?: string }
  return e?.status === 422 && /reference already exists/i.test(e.message ?? '')
}
