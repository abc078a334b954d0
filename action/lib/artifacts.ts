/**
 * The Action's view of Cloudflare Artifacts: one session repository per session in the configured
 * namespace, created at start and pushed to at finish (`topology: same-job`), or created and pushed to
 * by `mode: publish` from the agent job's bundle (`two-jobs`, the default); deleted by sweep.
 *
 * How the repo tokens travel, and why:
 * - A repo token reaches git only through `gitWithToken` and src/git/network.ts (the one place that
 *   carries a credential to git), from a sealed git in a throwaway bare repository of our own (objects
 *   borrowed from the workspace through `objects/info/alternates`): never in a URL, argv, a config file,
 *   the agent's environment, a log or an error. The push goes to the remote URL the control plane
 *   returned, checked by `checkRemote` (src/git/remote-url.ts: HTTPS, or HTTP to a loopback stand-in; no
 *   embedded credentials, query or fragment), never to a URL read from the workspace.
 * - Tokens are minted with the least scope (`write` only for pushes) and a short TTL (15 minutes).
 */
import { ArtifactsClient } from '../../src/adapters/artifacts/client.ts'
import { RepoTokens } from '../../src/adapters/artifacts/tokens.ts'
import { githubSessionRepoName } from '../../src/adapters/artifacts/names.ts'
import { type ArtifactsGitTarget, checkRemote, gitWithToken } from '../../src/adapters/artifacts/transport.ts'
import { GittrixError } from '../../src/core/errors.ts'
import { withScratchRepo } from '../../src/git/network.ts'
import type { GitResult } from '../../src/git/run-git.ts'

/** The branch of a session repository that holds the session (the Artifacts ephemeral adapter's too). */
export const ARTIFACTS_SESSION_BRANCH = 'main'

/** The remote name under which an Artifacts session's workspace knows its session repository. */
export const ARTIFACTS_REMOTE_NAME = 'artifacts'

/**
 * The ref of a two-job Artifacts session's bundle that carries the session repository's `main` (the
 * orphan baseline commit and the work on top of it); `refs/heads/gittrix/<id>` carries the start commit.
 */
export const ARTIFACTS_BUNDLE_REF = 'refs/gittrix/artifacts-main'

/**
 * The Artifacts repository of session `sessionId` of GitHub repository `repositoryId` (the runner's
 * `GITHUB_REPOSITORY_ID`): `gittrix-<repository id>-<session id>` (`githubSessionRepoName`, the one
 * name the App accepts, app/artifacts.ts `ownArtifactsLocation`). Throws `INVALID_ARGUMENT` when the
 * repository id is unknown (not a GitHub Actions runner).
 */
export function artifactsSessionRepo(repositoryId: number | null, sessionId: string): string {
  if (repositoryId === null) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      'GITHUB_REPOSITORY_ID is not set; Artifacts sessions are named after the GitHub repository, so run this Action in a GitHub Actions job.',
    )
  }
  return githubSessionRepoName(repositoryId, sessionId)
}

/** What {@link ArtifactsSessions} needs: the Action's `artifacts-*` inputs. */
export interface ArtifactsSessionsOptions {
  /** Cloudflare account id (`artifacts-account-id`). */
  accountId: string
  /** Artifacts namespace of the session repositories (`artifacts-namespace`). */
  namespace: string
  /** Cloudflare API token with Artifacts Edit (`artifacts-api-token`). Never logged. */
  apiToken: string
  /** REST API root (`artifacts-api-url`), default `https://api.cloudflare.com/client/v4`. */
  apiUrl?: string
  /** Receives redacted diagnostic lines (REST calls, token mints, git transport). */
  log?: (line: string) => void
  /** Timeout of one git network command, ms (default 300 000). */
  timeoutMs?: number
  /**
   * The GitHub repository's numeric id (the runner's `GITHUB_REPOSITORY_ID`): session repositories are
   * named `gittrix-<repository id>-<session id>` (`githubSessionRepoName`), the name the App accepts.
   */
  repositoryId?: number | null
}

/** Session repositories of one Artifacts namespace, as the Action creates, pushes and deletes them. */
export class ArtifactsSessions {
  /** The Artifacts namespace. */
  readonly namespace: string
  readonly client: ArtifactsClient
  readonly #tokens: RepoTokens
  readonly #timeoutMs: number
  readonly #repositoryId: number | null

  constructor(options: ArtifactsSessionsOptions) {
    this.client = new ArtifactsClient({
      accountId: options.accountId,
      namespace: options.namespace,
      apiToken: options.apiToken,
      ...(options.apiUrl ? { baseUrl: options.apiUrl } : {}),
      ...(options.log ? { log: options.log } : {}),
    })
    this.namespace = options.namespace
    this.#tokens = new RepoTokens(this.client, { ttlSeconds: 900 })
    this.#timeoutMs = options.timeoutMs ?? 300_000
    this.#repositoryId = options.repositoryId ?? null
  }

  /**
   * The Artifacts repository of session `sessionId` of this GitHub repository:
   * `gittrix-<repository id>-<session id>`. Throws `INVALID_ARGUMENT` when the repository id is unknown
   * (no `GITHUB_REPOSITORY_ID`: not a GitHub Actions runner).
   */
  sessionRepo(sessionId: string): string {
    return artifactsSessionRepo(this.#repositoryId, sessionId)
  }

  /**
   * Creates repository `repo` (default branch `main`) and resolves its git remote URL (checked, no
   * credentials). The write token the create call returns is kept for the first push. Throws an
   * `ArtifactsApiError` (e.g. 409 when it exists already) or `ADAPTER_UNAVAILABLE`.
   */
  async create(repo: string, description: string): Promise<string> {
    const made = await this.client.createRepo({
      name: repo,
      description,
      default_branch: ARTIFACTS_SESSION_BRANCH,
    })
    this.#tokens.remember(repo, made.token)
    return checkRemote(made.remote)
  }

  /**
   * The git remote URL of `repo` from the control plane (checked), or `null` when the repository does
   * not exist (deleted by a discard or a sweep).
   */
  async remote(repo: string): Promise<string | null> {
    const found = await this.client.getRepo(repo)
    return found ? checkRemote(found.remote) : null
  }

  /**
   * Pushes commit `sha` (its objects in the object store `objectsDir`) to `main` of `repo` at `remote`,
   * fast-forward only (a fresh repository's empty `main` accepts any commit). Rejects with `GIT_FAILED` when the server refuses, e.g. `main` moved elsewhere.
   */
  async push(repo: string, remote: string, objectsDir: string, sha: string): Promise<void> {
    await this.#git({ repo, remote }, 'write', objectsDir, [
      'push',
      '--no-verify',
      '--quiet',
      remote,
      `${sha}:refs/heads/${ARTIFACTS_SESSION_BRANCH}`,
    ])
  }

  /**
   * The commit `main` of `repo` (at `remote`) points at, or `null` when it has none yet (a repository
   * created but never pushed to). Read with a read-scoped repo token (`git ls-remote`). Rejects with
   * `GIT_FAILED` when git fails.
   */
  async mainHead(repo: string, remote: string): Promise<string | null> {
    const ref = `refs/heads/${ARTIFACTS_SESSION_BRANCH}`
    const { stdout } = await this.#git({ repo, remote }, 'read', null, ['ls-remote', '--refs', remote, ref])
    for (const line of stdout.toString('utf8').split('\n')) {
      const [oid, name] = line.split('\t')
      if (name === ref && oid) return oid
    }
    return null
  }

  /** Deletes `repo`; resolves `false` when it did not exist (idempotent). */
  async delete(repo: string): Promise<boolean> {
    return this.client.deleteRepo(repo)
  }

  async #git(
    target: ArtifactsGitTarget,
    scope: 'read' | 'write',
    objectsDir: string | null,
    args: string[],
  ): Promise<GitResult> {
    return withScratchRepo(objectsDir ? { alternates: [objectsDir] } : {}, (scratch) =>
      gitWithToken(this.client, this.#tokens, target, scope, [`--git-dir=${scratch.gitDir}`, ...args], {
        cwd: scratch.gitDir,
        timeoutMs: this.#timeoutMs,
      }),
    )
  }
}
