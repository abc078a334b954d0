/**
 * LocalDurableAdapter: a git repository on this machine as the durable store. Git plumbing only:
 * a temporary index, `commit-tree`, `update-ref <new> <old>`. It never touches the user's index or
 * working tree, except to fast-forward a checked-out durable branch's working tree for the promoted
 * paths when they are clean there (else `WORKTREE_DIRTY`, nothing written).
 *
 * Promotions onto a checked-out branch hold `<git dir>/gittrix-promote.lock` (every Gittrix process on
 * this machine, whatever its session store), so one promotion's work-tree update is never mistaken for
 * local changes by another. Git's own `index.lock` held by someone else is waited for, never reported
 * as `WORKTREE_DIRTY`; a rollback is a compare-and-swap and never moves the branch past another commit.
 *
 * Before each step that makes git take a lock file in the user's repository (`update-ref`: the ref's
 * `.lock`; `read-tree`: `index.lock`) the holder notes it in `<git dir>/gittrix-promote.journal`. A
 * process that takes the promotion lock over from a holder that died on this host removes that lock
 * file when it is still there and no older than the step: git itself never removes a lock its killed
 * process left, and nothing but that step could have made it while the promotion lock was held.
 */
import { importBlobs } from '../../core/import-blobs.ts'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type {
  ApplyCommitRequest,
  ApplyCommitResult,
  DurableAdapter,
  DurableCapabilities,
} from '../../core/adapters.ts'
import {
  GittrixError,
  InvalidArgumentError,
  LockedError,
  WorktreeDirtyError,
  WorktreeStaleError,
} from '../../core/errors.ts'
import { processAlive, withLock } from '../../core/lock.ts'
import {
  findPromotion,
  type HistoryCommit,
  type PromotionHistory,
  type PromotionQuery,
} from '../../core/promotion-identity.ts'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import { firstParentChain } from '../../git/first-parent.ts'
import { GitRepo, lockFileIn } from '../../git/repo.ts'
import { runGit, splitNul } from '../../git/run-git.ts'

/** Options for {@link LocalDurableAdapter}. */
export interface LocalDurableAdapterOptions {
  /** Path of the repository (its work tree, or a bare repository). */
  path: string
  /** Durable branch; default: the branch checked out in `path`. */
  branch?: string
}

/** Identity used for promotion commits only when git has none configured. */
const FALLBACK_IDENTITY = { name: 'Gittrix', email: 'gittrix@localhost' }

/** How long another process's `index.lock` in the checked-out work tree is waited for, ms. */
const INDEX_LOCK_WAIT_MS = 10_000

/** The file naming the lock-taking git step a promotion is in (see the module comment). */
const JOURNAL = 'gittrix-promote.journal'

/** One journaled step: who runs it and the lock file git takes for it. */
interface JournalEntry {
  pid: number
  host: string
  lockFile: string
  /** ms since the epoch. */
  startedAt: number
}

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
    await importBlobs(repo, request)
    const tree = await repo.buildTree(request.parent, request.paths)
    const sha = await repo.commitTree(tree, [request.parent], request.message, FALLBACK_IDENTITY)
    const ref = `refs/heads/${request.branch}`
    const worktree = request.expectedOld === null ? null : await this.checkedOutAt(repo, ref)
    const reason = `gittrix: promote (${request.paths.length} paths)`
    if (!worktree) {
      return this.withWorktreeLock(repo, async (): Promise<ApplyCommitResult> => {
        const moved = await this.casRef(repo, ref, sha, request.expectedOld, reason)
        return moved ? { moved: true, sha } : { moved: false, current: await repo.resolve(ref) }
      })
    }
    return this.withWorktreeLock(repo, async (): Promise<ApplyCommitResult> => {
      // A branch that already moved is a lost race, not a dirty work tree: report it as such.
      const current = await repo.resolve(ref)
      if (current !== request.expectedOld) return { moved: false, current }
      await this.fastForwardWorktree(worktree, request.parent, sha, request, true)
      if (!(await this.casRef(repo, ref, sha, request.expectedOld, reason)))
        return { moved: false, current: await repo.resolve(ref) }
      try {
        await this.fastForwardWorktree(worktree, request.parent, sha, request, false)
      } catch (error) {
        // The user changed those paths (or holds the index) since the dry run: put the branch back,
        // with compare-and-swap, so a commit made on top meanwhile is never undone.
        if (await this.casRef(repo, ref, request.parent, sha, 'gittrix: roll back promotion')) throw error
        throw new WorktreeStaleError(worktree, request.parent, sha, (error as Error).message, {
          cause: error,
        })
      }
      return { moved: true, sha }
    })
  }

  /** See {@link DurableAdapter.findPromotion}: the shared matcher over `git rev-list --first-parent`. */
  async findPromotion(query: PromotionQuery & { baselineSha: string }): Promise<string | null> {
    const repo = await this.repo()
    const history: PromotionHistory = {
      firstParent: (branch, stopAt) => this.chain(repo, branch, stopAt),
    }
    return findPromotion(history, query)
  }

  private async *chain(repo: GitRepo, branch: string, stopAt: string | null): AsyncGenerator<HistoryCommit> {
    const head = await repo.resolve(`refs/heads/${branch}^{commit}`)
    if (head) yield* firstParentChain(repo, head, stopAt)
  }

  /**
   * Finishes a promotion found after a crash (see `DurableAdapter.finishPromotion`) on a checked-out
   * `branch`: when `sha` is its tip and the index still holds another tree, brings the index and files
   * to `sha` with the two-tree `read-tree -m -u <parent> <sha>` (it refuses to touch paths changed
   * since). When the branch moved on past `sha` while the index still holds `sha`'s parent, the
   * promotion is reverted there too, and only the user can bring in the rest. Throws `WORKTREE_STALE`
   * with the command to run in both cases, `LOCKED` when the index stays locked by another process.
   */
  async finishPromotion(branch: string, sha: string): Promise<void> {
    const repo = await this.repo()
    const ref = `refs/heads/${branch}`
    const worktree = await this.checkedOutAt(repo, ref)
    const parent = worktree ? await repo.resolve(`${sha}^`) : null
    if (!worktree || !parent) return
    await this.withWorktreeLock(repo, async () => {
      const tip = await repo.resolve(ref)
      const index = await this.indexTree(worktree)
      if (!tip || index === (await repo.treeOf(tip))) return
      if (tip !== sha) {
        if (index === (await repo.treeOf(parent)))
          throw new WorktreeStaleError(
            worktree,
            parent,
            tip,
            'the branch moved on since, and its index was never updated',
          )
        return
      }
      try {
        await this.readTree(worktree, ['read-tree', '-m', '-u', parent, sha])
      } catch (error) {
        if (error instanceof GittrixError) throw error
        throw new WorktreeStaleError(worktree, parent, sha, (error as Error).message, { cause: error })
      }
    })
  }

  /** The index file of a work tree (the main one's or a linked worktree's), absolute. */
  private async indexFile(worktree: string): Promise<string> {
    const { stdout } = await runGit(['rev-parse', '--path-format=absolute', '--git-path', 'index'], {
      cwd: worktree,
    })
    return stdout.toString('utf8').trim()
  }

  /** The tree the work tree's index holds (`write-tree` writes only tree objects), or `null`. */
  private async indexTree(worktree: string): Promise<string | null> {
    const { stdout, exitCode } = await runGit(['write-tree'], { cwd: worktree, okExitCodes: [128] })
    return exitCode === 0 ? stdout.toString('utf8').trim() : null
  }

  /**
   * Runs `fn` holding this repository's promotion lock (shared by every Gittrix process on the
   * machine), after removing what a holder that died left (see the module comment).
   */
  private withWorktreeLock<T>(repo: GitRepo, fn: () => Promise<T>): Promise<T> {
    return withLock(join(repo.gitDir, 'gittrix-promote.lock'), `durable ${this.path}`, async () => {
      await this.clearDeadStep(repo)
      return fn()
    })
  }

  /** Compare-and-swap of `ref`, journaled (its `.lock` file) for the next holder if this process dies. */
  private async casRef(
    repo: GitRepo,
    ref: string,
    next: string,
    expected: string | null,
    reason: string,
  ): Promise<boolean> {
    return this.journaled(repo, join(repo.gitDir, `${ref}.lock`), () =>
      repo.compareAndSwapRef(ref, next, expected, reason),
    )
  }

  /** Runs `fn`, a step that makes git create `lockFile`, with the journal naming it. */
  private async journaled<T>(repo: GitRepo, lockFile: string, fn: () => Promise<T>): Promise<T> {
    const journal = join(repo.gitDir, JOURNAL)
    const entry: JournalEntry = { pid: process.pid, host: hostname(), lockFile, startedAt: Date.now() }
    await writeFile(journal, JSON.stringify(entry))
    try {
      return await fn()
    } finally {
      await rm(journal, { force: true })
    }
  }

  /**
   * When the journal names a step of a process on this host that no longer exists, removes the lock
   * file that step left (if it is still there and no older than the step), then the journal.
   */
  private async clearDeadStep(repo: GitRepo): Promise<void> {
    const journal = join(repo.gitDir, JOURNAL)
    const text = await readFile(journal, 'utf8').catch(() => null)
    if (text === null) return
    const entry = parseJournal(text)
    if (entry && (entry.host !== hostname() || entry.pid === process.pid || processAlive(entry.pid))) return
    if (entry) {
      const lock = await stat(entry.lockFile).catch(() => null)
      if (lock && lock.mtimeMs >= entry.startedAt - 2000) await rm(entry.lockFile, { force: true })
    }
    await rm(journal, { force: true })
  }

  /** The work tree where `ref` is checked out (main or linked worktree), or `null`. */
  private async checkedOutAt(repo: GitRepo, ref: string): Promise<string | null> {
    const { stdout } = await repo.run(['worktree', 'list', '--porcelain', '-z'])
    let path: string | null = null
    for (const field of splitNul(stdout)) {
      if (field.startsWith('worktree ')) path = field.slice('worktree '.length)
      else if (field === 'bare') path = null
      else if (field === `branch ${ref}` && path) return path
    }
    return null
  }

  /**
   * Two-tree `read-tree -m -u old new` in the checked-out work tree: updates exactly the promoted
   * paths and refuses when they have local changes (`WORKTREE_DIRTY`). `dryRun` checks without
   * touching anything. Another process's `index.lock` is waited for (`LOCKED` after
   * {@link INDEX_LOCK_WAIT_MS}), never taken for local changes.
   */
  private async fastForwardWorktree(
    worktree: string,
    from: string,
    to: string,
    request: ApplyCommitRequest,
    dryRun: boolean,
  ): Promise<void> {
    try {
      await this.readTree(worktree, ['read-tree', '-m', '-u', ...(dryRun ? ['-n'] : []), from, to])
    } catch (error) {
      if (error instanceof GittrixError) throw error
      throw new WorktreeDirtyError(
        worktree,
        request.paths.map((p) => p.path),
        (error as Error).message,
      )
    }
  }

  /**
   * Runs a `read-tree` in `worktree`, retrying while another process holds its `index.lock`. Rejects
   * with `LOCKED` when the lock stays, or a plain `Error` carrying git's first line otherwise.
   */
  private async readTree(worktree: string, args: string[]): Promise<void> {
    const repo = await this.repo()
    const index = await this.indexFile(worktree)
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const { exitCode, stderr } = await this.journaled(repo, `${index}.lock`, () =>
        runGit(args, { cwd: worktree, okExitCodes: [128] }),
      )
      if (exitCode === 0) return
      const lock = lockFileIn(stderr)
      if (!lock) throw new Error(stderr.trim().split('\n')[0] ?? `exit code ${exitCode}`)
      if (Date.now() - started >= INDEX_LOCK_WAIT_MS)
        throw new LockedError(
          lock,
          `another git process has held the index of ${worktree} for ${Date.now() - started} ms. If no git process is running there, remove it and promote again.`,
        )
      await sleep(Math.min(250, 10 * attempt))
    }
  }
}

function parseJournal(text: string): JournalEntry | null {
  try {
    return JSON.parse(text) as JournalEntry
  } catch {
    return null
  }
}
