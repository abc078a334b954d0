/**
 * CloudflareArtifactsDurableAdapter: an Artifacts repository branch as the durable store.
 *
 * Reads (head, trees, files, blobs, log) go through the REST read routes (log, commit, tree, blob and file routes of
 * https://developers.cloudflare.com/artifacts/api/rest-api/): no git on the
 * reading host. The REST API has no route that writes commits or moves refs (see the same
 * reference), so `applyCommit` builds the commit in a local scratch repository on top of `parent` and pushes
 * it over git smart HTTP (https://developers.cloudflare.com/artifacts/api/git-protocol/, docs/platform-facts.md#credentials-and-git) with
 * `--force-with-lease=refs/heads/<branch>:<expected>`: receive-pack moves the ref only if it still has
 * the expected value, so a branch that moved meanwhile is a rejected push → `{ moved: false, current }`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pLimit from 'p-limit'
import type {
  ApplyCommitRequest,
  ApplyCommitResult,
  DurableAdapter,
  DurableCapabilities,
} from '../../core/adapters.ts'
import { importBlobs } from '../../core/import-blobs.ts'
import { GittrixError, InvalidArgumentError } from '../../core/errors.ts'
import { findPromotion, type HistoryCommit, type PromotionQuery } from '../../core/promotion-identity.ts'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import { GitRepo } from '../../git/repo.ts'
import { runGit } from '../../git/run-git.ts'
import { GITTRIX_IDENTITY } from './baseline.ts'
import type { ArtifactsClient } from './client.ts'
import { validateArtifactsName } from './names.ts'
import { type RepoTokenOptions, RepoTokens } from './tokens.ts'
import { checkRemote, gitWithToken } from './transport.ts'
import { READ_CONCURRENCY, RestTrees } from './trees.ts'

/** Options for {@link CloudflareArtifactsDurableAdapter}. */
export interface CloudflareArtifactsDurableAdapterOptions {
  client: ArtifactsClient
  /** The repository in the client's namespace. */
  repo: string
  /** Durable branch; default the repository's `default_branch`. */
  branch?: string
  /** Where scratch repositories for promotions are made. Default the OS temp directory. */
  workingRoot?: string
  /** TTL and renewal of the repo tokens minted for git. */
  tokens?: RepoTokenOptions
}

/** Log entries read per page when looking for a promotion (the binding caps `limit` at 1000, docs/platform-facts.md#rest-api). */
const LOG_PAGE = 100
const SAFE = ['-c', 'core.hooksPath=/dev/null']

/** A branch of a Cloudflare Artifacts repository as the durable side of Gittrix. */
export class CloudflareArtifactsDurableAdapter implements DurableAdapter {
  readonly kind = 'artifacts'
  readonly client: ArtifactsClient
  readonly repo: string
  readonly tokens: RepoTokens
  private readonly branch: string | undefined
  private readonly workingRoot: string | undefined
  private readonly trees: RestTrees
  private remotePromise: Promise<{ remote: string; defaultBranch: string }> | undefined

  constructor(options: CloudflareArtifactsDurableAdapterOptions) {
    if (!options?.client)
      throw new InvalidArgumentError(
        'CloudflareArtifactsDurableAdapter needs { client }: an ArtifactsClient.',
      )
    this.client = options.client
    this.repo = validateArtifactsName(options.repo)
    this.branch = options.branch
    this.workingRoot = options.workingRoot
    this.tokens = new RepoTokens(options.client, options.tokens)
    this.trees = new RestTrees(options.client, this.repo)
  }

  /** `artifacts://<account>/<namespace>/<repo>`: where this repository's blobs live (see `BlobSource.location`). */
  get location(): string {
    return this.client.repoUri(this.repo)
  }

  capabilities(): DurableCapabilities {
    return { strategies: ['commit', 'branch', 'patch'] }
  }

  async defaultBranch(): Promise<string> {
    return this.branch ?? (await this.metadata()).defaultBranch
  }

  ref(branch: string): string {
    return `${this.location}#${branch}`
  }

  /** The tip of `branch` ({@link branchTip}: exact, never a same-named tag). Throws `REF_NOT_FOUND`. */
  async getHead(branch: string): Promise<string> {
    const tip = await this.branchTip(branch)
    if (!tip)
      throw new GittrixError(
        'REF_NOT_FOUND',
        `Branch ${branch} does not exist in Artifacts repository ${this.repo}.`,
      )
    return tip
  }

  /**
   * `refs/heads/<branch>`'s commit, or `null` when there is none: the log route asked by the full ref
   * (no token), and when that finds nothing, the git server's advertisement (`ls-remote --heads`, read
   * token) — never the short name, which would resolve to a same-named tag first.
   */
  private async branchTip(branch: string): Promise<string | null> {
    const ref = `refs/heads/${branch}`
    const [tip] = await this.client.log(this.repo, { ref, limit: 1 })
    if (tip) return tip.hash
    const { remote } = await this.metadata()
    return (await this.remoteRefs(remote)).get(ref) ?? null
  }

  async listTree(sha: string, prefix?: string): Promise<TreeEntry[]> {
    const root = await this.trees.treeOf(sha)
    const dir = prefix ? prefix.replace(/\/+$/, '') : ''
    const tree = await this.trees.subtree(root, dir)
    return tree ? this.trees.files(tree, dir) : []
  }

  async readFile(sha: string, path: string): Promise<{ bytes: Uint8Array; mode: FileMode } | null> {
    const entry = await this.trees.entry(await this.trees.treeOf(sha), path)
    if (!entry) return null
    const blobs = await this.readBlobs([entry.oid])
    return { bytes: blobs.get(entry.oid)!, mode: entry.mode }
  }

  async readBlobs(oids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const limit = pLimit(READ_CONCURRENCY)
    const unique = [...new Set(oids)]
    const pairs = await Promise.all(
      unique.map((oid) =>
        limit(async () => {
          const bytes = await this.client.getBlob(this.repo, oid)
          if (!bytes)
            throw new GittrixError(
              'REF_NOT_FOUND',
              `Blob ${oid} does not exist in Artifacts repository ${this.repo}.`,
            )
          return [oid, bytes] as const
        }),
      ),
    )
    return new Map(pairs)
  }

  async changedPaths(fromSha: string, toSha: string): Promise<string[]> {
    const [a, b] = await Promise.all([this.trees.treeOf(fromSha), this.trees.treeOf(toSha)])
    return this.trees.changed(a, b)
  }

  /**
   * Builds the commit in a scratch repository (the parent fetched shallow with a read token, blobs the
   * durable side lacks copied from the session), then pushes with a write token and a lease on the
   * expected value. A push rejected because the branch moved resolves `{ moved: false, current }`.
   */
  async applyCommit(request: ApplyCommitRequest): Promise<ApplyCommitResult> {
    const { remote } = await this.metadata()
    const ref = `refs/heads/${request.branch}`
    const before = await this.remoteRefs(remote)
    if ((before.get(ref) ?? null) !== request.expectedOld)
      return { moved: false, current: before.get(ref) ?? null }
    const dir = await mkdtemp(join(this.workingRoot ?? tmpdir(), 'gittrix-artifacts-promote-'))
    try {
      const git = new GitRepo({ gitDir: dir })
      await runGit(['init', '--quiet', '--bare', '--template=', dir], { sealed: true })
      const source = [...before].find(([, sha]) => sha === request.parent)?.[0] ?? request.parent
      await this.git('read', remote, ['fetch', '--quiet', '--no-tags', '--depth=1', remote, source], dir)
      if ((await git.resolve(`${request.parent}^{commit}`)) === null)
        throw new GittrixError(
          'REF_NOT_FOUND',
          `Commit ${request.parent} could not be fetched from ${this.repo}.`,
        )
      await importBlobs(git, request)
      const tree = await git.buildTree(request.parent, request.paths)
      const sha = await git.commitTree(tree, [request.parent], request.message, GITTRIX_IDENTITY)
      const lease = `--force-with-lease=${ref}:${request.expectedOld ?? ''}`
      const { exitCode, stdout } = await this.git(
        'write',
        remote,
        ['push', '--porcelain', lease, remote, `${sha}:${ref}`],
        dir,
        [1],
      )
      if (exitCode === 0) return { moved: true, sha }
      const after = await this.remoteRefs(remote)
      const current = after.get(ref) ?? null
      if (current !== request.expectedOld) return { moved: false, current }
      throw new GittrixError(
        'GIT_FAILED',
        `Pushing the promotion to ${this.repo} was refused: ${stdout.toString('utf8').trim()}`,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  /** See {@link DurableAdapter.findPromotion}: the shared matcher over the log route (first-parent, newest first). */
  async findPromotion(query: PromotionQuery & { baselineSha: string }): Promise<string | null> {
    return findPromotion({ firstParent: (branch, stopAt) => this.chain(branch, stopAt) }, query)
  }

  /** The branch's first-parent chain: its tip over git ({@link branchTip}), then the log route by that commit id (never by a name a tag could shadow). */
  private async *chain(branch: string, stopAt: string | null): AsyncGenerator<HistoryCommit> {
    const tip = await this.branchTip(branch)
    if (!tip) return
    for (let offset = 0; ; offset += LOG_PAGE) {
      const page = await this.client.log(this.repo, { ref: tip, limit: LOG_PAGE, offset })
      for (const commit of page) {
        yield { sha: commit.hash, parents: commit.parents, message: commit.message }
        if (commit.hash === stopAt) return
      }
      if (page.length < LOG_PAGE) return
    }
  }

  /** Revokes the repo tokens this adapter minted. */
  async close(): Promise<void> {
    await this.tokens.revoke()
  }

  private metadata(): Promise<{ remote: string; defaultBranch: string }> {
    this.remotePromise ??= this.client.waitForRepo(this.repo).then(
      (repo) => ({ remote: checkRemote(repo.remote), defaultBranch: repo.default_branch }),
      (error: unknown) => {
        this.remotePromise = undefined
        throw error
      },
    )
    return this.remotePromise
  }

  /** Branch heads as the git server advertises them (`ls-remote --heads`, read token). */
  private async remoteRefs(remote: string): Promise<Map<string, string>> {
    const { stdout } = await this.git('read', remote, ['ls-remote', '--heads', remote], undefined)
    const refs = new Map<string, string>()
    for (const line of stdout.toString('utf8').split('\n')) {
      const [sha, name] = line.split('\t')
      if (sha && name) refs.set(name, sha)
    }
    return refs
  }

  /** Sealed `git <args>` with a `scope` token whose header goes to `remote` (this repository's) only. */
  private git(
    scope: 'read' | 'write',
    remote: string,
    args: string[],
    cwd: string | undefined,
    okExitCodes: number[] = [],
  ) {
    const gitDir = cwd ? [`--git-dir=${cwd}`] : []
    const target = { repo: this.repo, remote }
    return gitWithToken(this.client, this.tokens, target, scope, [...SAFE, ...gitDir, ...args], {
      ...(cwd ? { cwd } : {}),
      okExitCodes,
    })
  }
}
