/**
 * The repository on GitHub as the Action reaches it over git smart HTTP: list refs, push, delete refs.
 *
 * How the token travels, and why:
 * - Only as an `Authorization: basic base64(x-access-token:<token>)` header, given to git as the
 *   `http.<server>/.extraheader` setting through command-scoped environment variables
 *   (`GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n`, git ≥ 2.31). Never in a URL (so it
 *   is not in `.git/config`, reflogs, `remote -v`, error messages or a process list's argument
 *   vector), never in a config file, never in the agent's environment. The header is scoped to the
 *   server URL, so a rewritten URL pointing elsewhere would not receive it. An empty value is set first:
 *   git sends every configured extra header, and the empty one resets any list inherited from other
 *   configuration (e.g. credentials persisted by `actions/checkout`), so exactly one header goes out.
 * - Every git process that carries the token runs in a throwaway bare repository of our own (objects
 *   borrowed from the workspace through `objects/info/alternates`) with `GIT_CONFIG_GLOBAL=/dev/null`
 *   and `GIT_CONFIG_NOSYSTEM=1`: no configuration the agent could have written (hooks, `insteadOf`
 *   rewrites, proxies, credential helpers, fsmonitor) is read while the token is in the environment.
 * - The token and the header value are registered with `registerSecret`, so `runGit`'s errors redact
 *   them should git ever echo them.
 *
 * `GITHUB_SERVER_URL` decides the host (GitHub Enterprise Server works the same way). Follows
 * actions/checkout's header form and changesets/action's command-scoped auth env
 * (../shared/reference/style-anchors.md §1, §5).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GittrixError } from '../core/errors.ts'
import { redact, registerSecret } from '../git/redact.ts'
import { runGit, type GitResult } from '../git/run-git.ts'

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

/** The repository URL git talks to: `<server>/<owner>/<repo>.git`, without credentials. */
export function repositoryUrl(serverUrl: string, repository: string): string {
  let server: URL
  try {
    server = new URL(serverUrl)
  } catch {
    throw new GittrixError('INVALID_ARGUMENT', `GITHUB_SERVER_URL ${JSON.stringify(serverUrl)} is not a URL.`)
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `GITHUB_SERVER_URL must be an http(s) URL, not ${server.protocol}.`,
    )
  }
  if (server.username || server.password) {
    throw new GittrixError('INVALID_ARGUMENT', 'GITHUB_SERVER_URL must not carry credentials.')
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

/**
 * The environment that lets one git process authenticate to `serverUrl` and reads no user or system
 * configuration (see the module comment). Registers the token and header value as secrets.
 */
export function gitAuthEnv(serverUrl: string, token: string): Record<string, string> {
  const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')}`
  registerSecret(token)
  registerSecret(header.slice('AUTHORIZATION: basic '.length))
  const key = `http.${serverBase(serverUrl)}/.extraheader`
  return {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: key,
    GIT_CONFIG_VALUE_0: '',
    GIT_CONFIG_KEY_1: key,
    GIT_CONFIG_VALUE_1: header,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
  }
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
    this.#env = gitAuthEnv(options.serverUrl, options.token)
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
   * object store). Rejects with `GIT_FAILED` when the remote refuses, e.g. the branch moved.
   */
  async pushCommit(objectsDir: string, sha: string, branch: string): Promise<void> {
    await this.#git(objectsDir, ['push', '--no-verify', '--quiet', this.url, `${sha}:refs/heads/${branch}`])
  }

  /**
   * Deletes branch `branch` only while it still points at `expectedSha` (`--force-with-lease`), so a
   * branch that received a push since it was inspected survives. Resolves `false` when the lease failed.
   */
  async deleteBranch(branch: string, expectedSha: string): Promise<boolean> {
    const ref = `refs/heads/${branch}`
    const result = await this.#git(
      null,
      ['push', '--no-verify', '--porcelain', `--force-with-lease=${ref}:${expectedSha}`, this.url, `:${ref}`],
      [1],
    )
    return result.exitCode === 0
  }

  /**
   * Fetches branch `branch` into the object store `objectsDir` (a workspace's: the fetched objects stay
   * there, no ref of the workspace moves) and resolves its head, or `null` when the branch does not
   * exist. `haves` are commits already in `objectsDir` that the branch descends from (e.g. the start
   * commit), offered to the server so that only the newer objects come over.
   */
  async fetchBranch(objectsDir: string, branch: string, haves: readonly string[]): Promise<string | null> {
    const fetched = 'refs/gittrix/fetched'
    const scratch = await mkdtemp(join(tmpdir(), 'gittrix-remote-'))
    try {
      const store = { ...this.#isolation(), GIT_OBJECT_DIRECTORY: objectsDir }
      await runGit(['init', '--quiet', '--bare', scratch], { env: this.#isolation() })
      for (const [i, have] of haves.entries()) {
        await runGit([`--git-dir=${scratch}`, 'update-ref', `refs/haves/${i}`, have], { env: store })
      }
      const result = await runGit(
        [
          `--git-dir=${scratch}`,
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          this.url,
          `+refs/heads/${branch}:${fetched}`,
        ],
        {
          cwd: scratch,
          env: { ...this.#env, GIT_OBJECT_DIRECTORY: objectsDir },
          timeoutMs: this.#timeoutMs,
          okExitCodes: [128],
        },
      )
      if (result.exitCode !== 0) {
        if (/couldn't find remote ref/i.test(result.stderr)) return null
        throw new GittrixError('GIT_FAILED', `git fetch of ${branch} failed: ${redact(result.stderr.trim())}`)
      }
      return (await runGit([`--git-dir=${scratch}`, 'rev-parse', '--verify', fetched], { env: store })).stdout
        .toString('utf8')
        .trim()
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  }

  async #git(objectsDir: string | null, args: string[], okExitCodes: number[] = []): Promise<GitResult> {
    const scratch = await mkdtemp(join(tmpdir(), 'gittrix-remote-'))
    try {
      await runGit(['init', '--quiet', '--bare', scratch], { env: this.#isolation() })
      if (objectsDir) await writeFile(join(scratch, 'objects', 'info', 'alternates'), `${objectsDir}\n`)
      return await runGit([`--git-dir=${scratch}`, ...args], {
        cwd: scratch,
        env: this.#env,
        timeoutMs: this.#timeoutMs,
        okExitCodes,
      })
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
  }

  #isolation(): Record<string, string> {
    return { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }
  }
}
