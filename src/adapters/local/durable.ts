/**
 * LocalDurableAdapter: a git repository on this machine as the durable store. Git plumbing only:
 * a temporary index, `commit-tree`, `update-ref <new> <old>`. It never touches the user's index or
 * working tree, except to fast-forward a checked-out durable branch's working tree for the promoted
 * paths when they are clean there (else `WORKTREE_DIRTY`, nothing written).
 */
import { resolve as resolvePath } from 'node:path'
import type {
  ApplyCommitRequest,
  ApplyCommitResult,
  DurableAdapter,
  DurableCapabilities,
} from '../../core/adapters.ts'
import { GittrixError, InvalidArgumentError, WorktreeDirtyError } from '../../core/errors.ts'
import {
  findPromotion,
  type HistoryCommit,
  type PromotionHistory,
  type PromotionQuery,
} from '../../core/promotion-identity.ts'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import { firstParentChain } from '../../git/first-parent.ts'
import { GitRepo } from '../../git/repo.ts'
import { runGit } from '../../git/run-git.ts'

/** Options for {@link LocalDurableAdapter}. */
export interface LocalDurableAdapterOptions {
  /** Path of the repository (its work tree, or a bare repository). */
  path: string
  /** Durable branch; default: the branch checked out in `path`. */
  branch?: string
}

/** Identity used for promotion commits only when git has none configured. */
const FALLBACK_IDENTITY = { name: 'Gittrix', email: 'gittrix@localhost' }

/** A local git repository as the durable side of Gittrix. */
export class LocalDurableAdapter implements DurableAdapter {
  readonly kind = 'local'
  readonly path: string
  readonly localPath: string
  private readonly branch: string | undefined
  private repoPromise: Promise<GitRepo> | undefined

  constructor(options: LocalDurableAdapterOptions) {
    if (!options?.path)
      throw new InvalidArgumentError('LocalDurableAdapter needs { path }: the durable repository.')
    this.path = resolvePath(options.path)
    this.localPath = this.path
    this.branch = options.branch
  }

  capabilities(): DurableCapabilities {
    return { strategies: ['commit', 'branch', 'patch'] }
  }

  /** The repository's absolute common git directory (resolved once). Throws `ADAPTER_UNAVAILABLE` if `path` is no repository. */
  async localGitDir(): Promise<string> {
    return (await this.repo()).gitDir
  }

  private repo(): Promise<GitRepo> {
    this.repoPromise ??= (async () => {
      try {
        const { stdout } = await runGit(['rev-parse', '--path-format=absolute', '--git-common-dir'], {
          cwd: this.path,
        })
        const gitDir = stdout.toString('utf8').trim()
        return new GitRepo({ gitDir })
      } catch (error) {
        this.repoPromise = undefined
        throw new GittrixError(
          'ADAPTER_UNAVAILABLE',
          `${this.path} is not a git repository (or git is missing).`,
          { cause: error },
        )
      }
    })()
    return this.repoPromise
  }

  async defaultBranch(): Promise<string> {
    if (this.branch) return this.branch
    const repo = await this.repo()
    const { stdout, exitCode } = await repo.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], {
      okExitCodes: [1],
    })
    if (exitCode !== 0) {
      throw new InvalidArgumentError(
        `${this.path} has a detached HEAD; pass { branch } to LocalDurableAdapter.`,
      )
    }
    return stdout.toString('utf8').trim()
  }

  ref(branch: string): string {
    return `local://${encodeURI(this.path)}#${branch}`
  }

  async getHead(branch: string): Promise<string> {
    const sha = await (await this.repo()).resolve(`refs/heads/${branch}^{commit}`)
    if (!sha) throw new GittrixError('REF_NOT_FOUND', `Branch ${branch} does not exist in ${this.path}.`)
    return sha
  }

  async listTree(sha: string, prefix?: string): Promise<TreeEntry[]> {
    return (await this.repo()).listTree(sha, prefix)
  }

  async readFile(sha: string, path: string): Promise<{ bytes: Uint8Array; mode: FileMode } | null> {
    const repo = await this.repo()
    const [entry] = (await repo.listTree(sha, path)).filter((e) => e.path === path)
    if (!entry) return null
    const blobs = await repo.readObjects([entry.oid])
    return { bytes: blobs.get(entry.oid)!, mode: entry.mode }
  }

  async readBlobs(oids: readonly string[]): Promise<Map<string, Uint8Array>> {
    return (await this.repo()).readObjects(oids)
  }

  async changedPaths(fromSha: string, toSha: string): Promise<string[]> {
    return (await this.repo()).changedPaths(fromSha, toSha)
  }

  async applyCommit(request: ApplyCommitRequest): Promise<ApplyCommitResult> {
    const repo = await this.repo()
    await this.importBlobs(repo, request)
    const tree = await repo.buildTree(request.parent, request.paths)
    const sha = await repo.commitTree(tree, [request.parent], request.message, FALLBACK_IDENTITY)
    const ref = `refs/heads/${request.branch}`
    const worktree = request.expectedOld === null ? null : await this.checkedOutAt(repo, ref)
    if (worktree) {
      // A branch that already moved is a lost race, not a dirty work tree: report it as such.
      const current = await repo.resolve(ref)
      if (current !== request.expectedOld) return { moved: false, current }
      await this.fastForwardWorktree(worktree, request.parent, sha, request, true)
    }
    const moved = await repo.compareAndSwapRef(
      ref,
      sha,
      request.expectedOld,
      `gittrix: promote (${request.paths.length} paths)`,
    )
    if (!moved) return { moved: false, current: await repo.resolve(ref) }
    if (worktree) {
      try {
        await this.fastForwardWorktree(worktree, request.parent, sha, request, false)
      } catch (error) {
        // The user changed those paths between the dry run and now: put the branch back, lose nothing.
        await repo.compareAndSwapRef(ref, request.parent, sha, 'gittrix: roll back promotion').catch(() => {})
        throw error
      }
    }
    return { moved: true, sha }
  }

  /** See {@link DurableAdapter.findPromotion}: the shared matcher over `git rev-list --first-parent`. */
  async findPromotion(query: PromotionQuery & { baselineSha: string }): Promise<string | null> {
    const repo = await this.repo()
    const history: PromotionHistory = {
      firstParent: (branch, stopAt) => this.chain(repo, branch, stopAt),
    }
    const sha = await findPromotion(history, query)
    const onDurable = query.durableBranch === undefined || query.durableBranch === query.branch
    if (sha && onDurable) await this.finishWorktreeFastForward(repo, query.branch, sha)
    return sha
  }

  private async *chain(repo: GitRepo, branch: string, stopAt: string | null): AsyncGenerator<HistoryCommit> {
    const head = await repo.resolve(`refs/heads/${branch}^{commit}`)
    if (head) yield* firstParentChain(repo, head, stopAt)
  }

  /**
   * A crash between the ref update and the work-tree fast-forward of `applyCommit` leaves a checked-out
   * durable branch at the promotion while its index and files still hold the parent: `git status` would
   * show the promotion reverted. When the found promotion is the branch tip, finish that fast-forward.
   * The two-tree `read-tree -m -u` is a no-op where the index already matches the promotion and refuses
   * (ignored: nothing is touched) where the user changed those paths since.
   */
  private async finishWorktreeFastForward(repo: GitRepo, branch: string, sha: string): Promise<void> {
    const ref = `refs/heads/${branch}`
    if ((await repo.resolve(ref)) !== sha) return
    const worktree = await this.checkedOutAt(repo, ref)
    const parent = worktree ? await repo.resolve(`${sha}^`) : null
    if (!worktree || !parent) return
    await runGit(['read-tree', '-m', '-u', parent, sha], { cwd: worktree, okExitCodes: [128] }).catch(
      () => {},
    )
  }

  /** Copies the blobs the durable repository lacks: from the workspace's git dir, else as bytes. */
  private async importBlobs(repo: GitRepo, request: ApplyCommitRequest): Promise<void> {
    const wanted = request.paths.flatMap((p) => (p.oid ? [p.oid] : []))
    const missing = await repo.missingObjects(wanted)
    if (missing.length === 0) return
    if (request.blobs.gitDir) {
      await repo.copyObjectsFrom(new GitRepo({ gitDir: request.blobs.gitDir }), missing)
      return
    }
    const contents = await request.blobs.readBlobs(missing)
    const written = await repo.writeBlobs(missing.map((oid) => contents.get(oid)!))
    written.forEach((oid, i) => {
      if (oid !== missing[i])
        throw new Error(`blob ${missing[i]} was written as ${oid}; the source returned other content`)
    })
  }

  /** The work tree where `ref` is checked out (main or linked worktree), or `null`. */
  private async checkedOutAt(repo: GitRepo, ref: string): Promise<string | null> {
    const { stdout } = await repo.run(['worktree', 'list', '--porcelain', '-z'])
    let path: string | null = null
    for (const field of stdout.toString('utf8').split('\0')) {
      if (field.startsWith('worktree ')) path = field.slice('worktree '.length)
      else if (field === 'bare') path = null
      else if (field === `branch ${ref}` && path) return path
    }
    return null
  }

  /**
   * Two-tree `read-tree -m -u old new` in the checked-out work tree: updates exactly the promoted
   * paths and refuses when they have local changes. `dryRun` checks without touching anything.
   */
  private async fastForwardWorktree(
    worktree: string,
    from: string,
    to: string,
    request: ApplyCommitRequest,
    dryRun: boolean,
  ): Promise<void> {
    const args = ['read-tree', '-m', '-u', ...(dryRun ? ['-n'] : []), from, to]
    const { exitCode, stderr } = await runGit(args, { cwd: worktree, okExitCodes: [128] })
    if (exitCode !== 0) {
      throw new WorktreeDirtyError(
        worktree,
        request.paths.map((p) => p.path),
        stderr.split('\n')[0] ?? '',
      )
    }
  }
}
