/**
 * Cloudflare Artifacts naming rules, checked before any request is sent.
 *
 * Source: https://developers.cloudflare.com/artifacts/concepts/namespaces/:
 * repository and namespace names start with a letter or digit, continue with letters, digits, `.`,
 * `_` or `-`, and are 63 characters or fewer (also https://developers.cloudflare.com/artifacts/platform/limits/).
 */
import { InvalidArgumentError } from '../../core/errors.ts'

/** Longest repository or namespace name Artifacts accepts (limits page, docs/platform-facts.md#namespaces-and-limits). */
export const MAX_NAME_LENGTH = 63

/** `NamespaceName` / `RepoName` as the REST docs annotate them (docs/platform-facts.md#rest-api): `/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/`. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/

/** Prefix of every session repository Gittrix creates: `gittrix-<session-id>` (library), `gittrix-<repository id>-<session-id>` (GitHub). */
export const SESSION_REPO_PREFIX = 'gittrix-'

/**
 * Returns `name` when it is a valid Artifacts repository (or namespace) name; otherwise throws
 * `INVALID_ARGUMENT` saying which rule it breaks. `kind` names the thing in the message.
 */
export function validateArtifactsName(name: string, kind: 'repository' | 'namespace' = 'repository'): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new InvalidArgumentError(
      `The Artifacts ${kind} name is empty; pass a name such as "gittrix-sess_abc".`,
    )
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `The Artifacts ${kind} name ${JSON.stringify(name)} has ${name.length} characters; Artifacts allows at most ${MAX_NAME_LENGTH}.`,
    )
  }
  if (!NAME.test(name)) {
    throw new InvalidArgumentError(
      `The Artifacts ${kind} name ${JSON.stringify(name)} is not allowed: it must start with a letter or digit ` +
        'and contain only letters, digits, ".", "_" and "-".',
    )
  }
  return name
}

/** The repository of one Gittrix session: `gittrix-<session-id>`, validated. */
export function sessionRepoName(sessionId: string): string {
  return validateArtifactsName(`${SESSION_REPO_PREFIX}${sessionId}`)
}

/**
 * The repository of a GitHub session (the Action creates it, the App reads and deletes it):
 * `gittrix-<repository id>-<session id>`, validated. The GitHub repository's numeric id (webhook
 * `repository.id`, the runner's `GITHUB_REPOSITORY_ID`; it never changes, not even on a rename or a
 * transfer) binds the Artifacts repository to the GitHub repository whose session branch names it, so a
 * session branch in one repository cannot reach another repository's workspace. With a GitHub session
 * id (17 characters) the name stays far under {@link MAX_NAME_LENGTH}: 8 + at most 16 digits + 1 + 17.
 * Throws `INVALID_ARGUMENT` for an id that is not a positive integer or a name Artifacts refuses.
 */
export function githubSessionRepoName(repositoryId: number, sessionId: string): string {
  if (!Number.isSafeInteger(repositoryId) || repositoryId <= 0) {
    throw new InvalidArgumentError(
      `${JSON.stringify(repositoryId)} is not a GitHub repository id (a positive integer, GITHUB_REPOSITORY_ID on a runner).`,
    )
  }
  return validateArtifactsName(`${SESSION_REPO_PREFIX}${repositoryId}-${sessionId}`)
}
