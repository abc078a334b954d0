/**
 * Git over HTTPS to an Artifacts repository with a repo token.
 *
 * The token travels ONLY as the header `Authorization: Bearer <token>` (the recommended form of
 * https://developers.cloudflare.com/artifacts/api/git-protocol/, with the full token including
 * `?expires=`), through src/git/network.ts (the one place that carries a credential to git: command-scoped
 * configuration, a sealed git, no redirects, redaction), scoped to the repository's remote URL: never in
 * a URL, a config file, argv, an error or a log, and never sent to any other URL. A server refusal (expired or revoked token) invalidates the cached token and the command runs
 * once more with a new one.
 */
import { GittrixError } from '../../core/errors.ts'
import { bearerAuth, httpAuthEnv } from '../../git/network.ts'
import { remoteUrlProblem } from '../../git/remote-url.ts'
import { type GitResult, type GitRunOptions, runGit } from '../../git/run-git.ts'
import type { ArtifactsClient } from './client.ts'
import type { RepoTokens } from './tokens.ts'
import type { TokenScope } from './types.ts'

/** What git prints when the server refused the credentials (HTTP 401/403). */
const AUTH_REFUSED =
  /\b(401|403)\b|Authentication failed|could not read (Username|Password)|terminal prompts disabled|Unauthorized|Forbidden/i

/**
 * Checks the remote URL the Artifacts control plane returned before any token goes near it (the rules
 * and their reasons: {@link remoteUrlProblem}; plain HTTP is for loopback stand-ins only). Returns it
 * unchanged; throws `ADAPTER_UNAVAILABLE` saying what is wrong (never quoting the URL).
 */
export function checkRemote(remote: string): string {
  const problem = remoteUrlProblem(remote)
  if (problem)
    throw new GittrixError(
      'ADAPTER_UNAVAILABLE',
      `Refusing the git remote Artifacts returned, no repo token was sent: it ${problem}.`,
    )
  return remote
}

/** True when a git failure says the server refused the token. */
export function isAuthRefusal(error: unknown): boolean {
  return error instanceof GittrixError && error.code === 'GIT_FAILED' && AUTH_REFUSED.test(error.message)
}

/** The Artifacts repository a git command talks to. */
export interface ArtifactsGitTarget {
  /** The repository's name: its repo tokens are minted for it. */
  repo: string
  /** Its git remote URL as the control plane returned it (checked by {@link checkRemote}). */
  remote: string
}

/**
 * Runs sealed `git <args>` (src/git/sealed.ts, proxies kept) with a token of `scope` for `target.repo`.
 * The token's header is scoped to `target.remote` (git's `http.<url>.extraHeader`, matched against the
 * URL git finally talks to, see git-config(1) `http.<url>.*`): git sends it to that repository's URLs
 * only, never to another remote named in `args`, a URL an `insteadOf` rewrites the remote to, another
 * repository on the same host or (redirects are not followed) a host the server redirects to.
 * Re-mints and retries once when the server refuses the token; a second refusal is `AUTH_FAILED`.
 * Throws `ADAPTER_UNAVAILABLE` before minting anything when `target.remote` fails {@link checkRemote}.
 */
export async function gitWithToken(
  client: ArtifactsClient,
  tokens: RepoTokens,
  target: ArtifactsGitTarget,
  scope: TokenScope,
  args: string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  const { repo } = target
  const remote = checkRemote(target.remote)
  for (let attempt = 1; ; attempt++) {
    const token = await tokens.get(repo, scope)
    try {
      client.note(`artifacts git ${verb(args)} ${repo} (${scope} token)`)
      return await runGit(args, {
        ...options,
        sealed: true,
        network: true,
        env: { ...options.env, ...httpAuthEnv(bearerAuth(token.plaintext, remote)) },
      })
    } catch (error) {
      if (!isAuthRefusal(error)) throw error
      tokens.invalidate(repo, token)
      client.note(`artifacts git ${verb(args)} ${repo}: token refused, re-minting (attempt ${attempt})`)
      if (attempt >= 2)
        throw new GittrixError(
          'AUTH_FAILED',
          `The Artifacts git server refused a freshly minted ${scope} token for ${repo}. Check that the API token may mint repo tokens (Artifacts > Edit).`,
          { cause: error },
        )
    }
  }
}

/** The git subcommand of `args` (skipping `-c key=value` and `--option`s), for log lines. */
function verb(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c') i++
    else if (!args[i]!.startsWith('-')) return args[i]!
  }
  return 'git'
}
