/**
 * The repository on GitHub as the Action reaches it over git smart HTTP: list refs, fetch, push,
 * delete refs.
 *
 * The token travels only as `AUTHORIZATION: basic base64(x-access-token:<token>)` scoped to
 * `GITHUB_SERVER_URL`, from sealed git processes in throwaway repositories: see src/git/network.ts,
 * the one place that carries a credential to git. `GITHUB_SERVER_URL` decides the host (GitHub
 * Enterprise Server works the same way).
 */
import { GittrixError } from '../../src/core/errors.ts'
import { githubTokenAuth, httpAuthEnv, withScratchRepo } from '../../src/git/network.ts'
import { redact } from '../../src/git/redact.ts'
import { remoteUrlProblem } from '../../src/git/remote-url.ts'
import type { GitRepo } from '../../src/git/repo.ts'
import type { GitResult } from '../../src/git/run-git.ts'

/** Where the repository lives and the token that may push to it. */
export interface SessionRemoteOptions {
  /** `GITHUB_SERVER_URL`, e.g. `https://github.com` or `https://ghe.example.com`. */
  serverUrl: string
  /** `owner/repo` (`GITHUB_REPOSITORY`). */
  repository: string
  /** A token with `contents: write` (usually `GITHUB_TOKEN`). */
  token: string
  /** Timeout of one git network command, ms (default 300 000). */
  timeoutMs?: number
}

/**
 * The repository URL git talks to: `<server>/<owner>/<repo>.git`, without credentials. Throws
 * `INVALID_ARGUMENT` when `serverUrl` is not a URL a token may go to ({@link remoteUrlProblem}: https,
 * plain http only to a loopback host, no credentials, query or fragment) or `repository` is not
 * `owner/repo`.
 */
export function repositoryUrl(serverUrl: string, repository: string): string {
  const problem = remoteUrlProblem(serverUrl)
  if (problem) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `GITHUB_SERVER_URL ${problem}. The runner sets it to the GitHub server, e.g. https://github.com.`,
    )
  }
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `GITHUB_REPOSITORY ${JSON.stringify(repository)} is not "owner/repo".`,
    )
  }
  return `${serverBase(serverUrl)}/${repository}.git`
}

function serverBase(serverUrl: string): string {
  return serverUrl.replace(/\/+$/, '')
}

/** The GitHub repository over git smart HTTP, with the token kept as described in the module comment. */
export class SessionRemote {
  /** The repository URL (no credentials in it). */
  readonly url: string
  readonly #env: Record<string, string>
  readonly #timeoutMs: number

  constructor(options: SessionRemoteOptions) {
    if (!options.token) throw new GittrixError('AUTH_FAILED', 'No token: set the `token` input.')
    this.url = repositoryUrl(options.serverUrl, options.repository)
    this.#env = httpAuthEnv(githubTokenAuth(options.serverUrl, options.token))
    this.#timeoutMs = options.timeoutMs ?? 300_000
  }

  /** `git ls-remote` for the given ref patterns: ref name → object id. */
  async listRefs(patterns: string[]): Promise<Map<string, string>> {
    const { stdout } = await this.#git(null, ['ls-remote', '--refs', this.url, ...patterns])
    const refs = new Map<string, string>()
    for (const line of stdout.toString('utf8').split('\n')) {
      const [oid, ref] = line.split('\t')
      if (oid && ref) refs.set(ref, oid)
    }
    return refs
  }

  /** The object id of branch `name` on the remote, or `null` when it does not exist. */
  async branchHead(name: string): Promise<string | null> {
    const ref = `refs/heads/${name}`
    return (await this.listRefs([ref])).get(ref) ?? null
  }

  /** The remote's default branch (what its `HEAD` points at), or `null` when it has none. */
  async defaultBranch(): Promise<string | null> {
    const { stdout } = await this.#git(null, ['ls-remote', '--symref', this.url, 'HEAD'])
    const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(stdout.toString('utf8'))
    return match?.[1] ?? null
  }

  /**
   * Pushes `sha` to branch `branch` (fast-forward only) using the objects of `objectsDir` (a workspace's
   * object store), with `notes` (full ref → notes commit, e.g. the session's notes refs) replaced in the
   * same `--atomic` push: all refs move or none does. Rejects with `GIT_FAILED` when the remote
   * refuses, e.g. the branch moved.
   */
  async pushCommit(
    objectsDir: string,
    sha: string,
    branch: string,
    notes: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    await this.#git(objectsDir, pushArgs(this.url, sha, branch, notes))
  }

  /**
   * Deletes branch `branch` only while it still points at `expectedSha` (`--force-with-lease`), so a
   * branch that received a push since it was inspected survives, and `alsoDelete` (full ref names, e.g.
   * the session's notes refs) in the same `--atomic` push. Resolves `false` when the lease failed
   * (then nothing was deleted).
   */
  async deleteBranch(
    branch: string,
    expectedSha: string,
    alsoDelete: readonly string[] = [],
  ): Promise<boolean> {
    const ref = `refs/heads/${branch}`
    const result = await this.#git(
      null,
      [
        'push',
        '--no-verify',
        '--porcelain',
        ...(alsoDelete.length ? ['--atomic'] : []),
        `--force-with-lease=${ref}:${expectedSha}`,
        this.url,
        `:${ref}`,
        ...alsoDelete.map((r) => `:${r}`),
      ],
      [1],
    )
    return result.exitCode === 0
  }

  /** Deletes `refs` (full names, e.g. notes refs whose session branch is gone) in one push. Rejects with `GIT_FAILED`. */
  async deleteRefs(refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return
    await this.#git(null, ['push', '--no-verify', '--quiet', this.url, ...refs.map((r) => `:${r}`)])
  }

  /**
   * Fetches branch `branch` into the object store `objectsDir` (a workspace's: the fetched objects stay
   * there, no ref of the workspace moves) and resolves its head, or `null` when the branch does not
   * exist. `haves` are commits already in `objectsDir` that the branch descends from (e.g. the start
   * commit), offered to the server so that only the newer objects come over.
   */
  async fetchBranch(objectsDir: string, branch: string, haves: readonly string[]): Promise<string | null> {
    const fetched = 'refs/gittrix/fetched'
    return withScratchRepo({ objectDir: objectsDir }, async (scratch) => {
      for (const [i, have] of haves.entries()) await scratch.run(['update-ref', `refs/haves/${i}`, have])
      const result = await scratch.run(
        [
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          this.url,
          `+refs/heads/${branch}:${fetched}`,
        ],
        { env: this.#env, network: true, timeoutMs: this.#timeoutMs, okExitCodes: [128] },
      )
      if (result.exitCode !== 0) {
        if (/couldn't find remote ref/i.test(result.stderr)) return null
        throw new GittrixError('GIT_FAILED', `git fetch of ${branch} failed: ${redact(result.stderr.trim())}`)
      }
      return scratch.text(['rev-parse', '--verify', fetched])
    })
  }

  /**
   * Fetches `refspecs` (or commit ids) into `repo`, a repository of Gittrix's own (e.g. publish's
   * scratch repository: its shallow boundary and refs stay there). `extra` are fetch options such as
   * `--depth=1`. Rejects with `GIT_FAILED`.
   */
  async fetchInto(repo: GitRepo, refspecs: string[], extra: string[] = []): Promise<void> {
    await repo.run(
      ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', ...extra, this.url, ...refspecs],
      {
        env: this.#env,
        network: true,
        timeoutMs: this.#timeoutMs,
      },
    )
  }

  /**
   * Pushes `sha` from `repo` (a repository of Gittrix's own) to branch `branch`, fast-forward only (no
   * force), with `notes` (full ref → notes commit) replaced in the same `--atomic` push. Rejects with
   * `GIT_FAILED` when the remote refuses.
   */
  async pushFrom(
    repo: GitRepo,
    sha: string,
    branch: string,
    notes: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    await repo.run(pushArgs(this.url, sha, branch, notes), {
      env: this.#env,
      network: true,
      timeoutMs: this.#timeoutMs,
    })
  }

  async #git(objectsDir: string | null, args: string[], okExitCodes: number[] = []): Promise<GitResult> {
    return withScratchRepo(objectsDir ? { alternates: [objectsDir] } : {}, (scratch) =>
      scratch.run(args, { env: this.#env, network: true, timeoutMs: this.#timeoutMs, okExitCodes }),
    )
  }
}

/**
 * `git push` arguments: `sha` to `refs/heads/<branch>` without force, each notes ref forced to its
 * commit (a notes commit is rebuilt on every publish, never a fast-forward), `--atomic` when there is
 * more than one ref (https://git-scm.com/docs/git-push#Documentation/git-push.txt---no-atomic).
 */
function pushArgs(
  url: string,
  sha: string,
  branch: string,
  notes: Readonly<Record<string, string>>,
): string[] {
  const extra = Object.entries(notes).map(([ref, commit]) => `+${commit}:${ref}`)
  return [
    'push',
    '--no-verify',
    '--quiet',
    ...(extra.length ? ['--atomic'] : []),
    url,
    `${sha}:refs/heads/${branch}`,
    ...extra,
  ]
}
