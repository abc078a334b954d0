/**
 * Recognisers for GitHub REST answers that Gittrix branches on. Each matches GitHub's words
 * precisely (status and message), so an unrelated 422 is never mistaken for a lost race or a
 * protected branch. They accept `unknown` (anything a `catch` gives) and never throw.
 *
 * Octokit's `RequestError` puts the API's `message` (plus ` - <documentation_url>`) in `error.message`
 * and the parsed body in `error.response.data`; both are consulted.
 */

/** The parts of an Octokit `RequestError` these recognisers read. */
export interface GitHubRequestErrorLike {
  status: number
  message: string
  response?: { data?: unknown; headers?: Record<string, string | number | undefined> }
}

/** True when `error` looks like an Octokit `RequestError` (a numeric `status` and a string `message`). */
export function isGitHubRequestError(error: unknown): error is GitHubRequestErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    typeof (error as { message?: unknown }).message === 'string'
  )
}

/** The API's own words: `response.data.message` plus any `errors[].message`, else `error.message`. */
export function gitHubErrorText(error: unknown): string {
  if (!isGitHubRequestError(error)) return error instanceof Error ? error.message : String(error)
  const data = error.response?.data
  const parts: string[] = []
  if (typeof data === 'object' && data !== null) {
    const { message, errors } = data as { message?: unknown; errors?: unknown }
    if (typeof message === 'string') parts.push(message)
    if (Array.isArray(errors)) {
      for (const item of errors) {
        if (typeof item === 'string') parts.push(item)
        else if (typeof item === 'object' && item !== null) {
          const text = (item as { message?: unknown }).message
          if (typeof text === 'string') parts.push(text)
        }
      }
    }
  } else if (typeof data === 'string' && data) parts.push(data)
  parts.push(error.message)
  return parts.join('\n')
}

function hasStatus(error: unknown, statuses: readonly number[]): error is GitHubRequestErrorLike {
  return isGitHubRequestError(error) && statuses.includes(error.status)
}

/** `404 Not Found`: the repository, ref, object or path does not exist, or the token cannot see it. */
export function isNotFound(error: unknown): boolean {
  return hasStatus(error, [404])
}

/**
 * `422 Update is not a fast forward`: `PATCH /repos/{o}/{r}/git/refs/{ref}` with `force: false` found
 * the ref no longer at the commit the new one descends from, i.e. the branch moved (a lost race).
 * Source: docs/platform-facts.md#git-data-api-one-commit-for-many-files (REST git refs, "Update a reference").
 */
export function isNotFastForward(error: unknown): boolean {
  return hasStatus(error, [422]) && /\bUpdate is not a fast[- ]forward\b/i.test(gitHubErrorText(error))
}

/**
 * `422 Reference does not exist`: `PATCH` (or `DELETE`) of `/repos/{o}/{r}/git/refs/{ref}` for a ref
 * that is gone (for example a branch another replica deleted). Source: REST git refs, "Update a
 * reference" (the stand-in test/support/git-data-api.ts answers the same words).
 */
export function isReferenceMissing(error: unknown): boolean {
  return hasStatus(error, [422]) && /\bReference does not exist\b/i.test(gitHubErrorText(error))
}

/**
 * `422 Reference already exists`: `POST /repos/{o}/{r}/git/refs` for a ref that exists (for example a
 * retried create). Source: REST git refs, "Create a reference"; reported in usk6666/yorishiro-proxy#82.
 */
export function isReferenceAlreadyExists(error: unknown): boolean {
  return hasStatus(error, [422]) && /\bReference already exists\b/i.test(gitHubErrorText(error))
}

/**
 * The messages GitHub uses when branch protection or a ruleset refuses a direct write that a pull
 * request would be allowed to make. Sources:
 * - "Changes must be made through a pull request": the `pull_request` rule of a ruleset and classic
 *   protection's "Require a pull request before merging". REST update-ref answers
 *   `Repository rule violations found\n\nChanges must be made through a pull request.`
 *   (satisfactory-factories/application#67 quotes it with the `rest/git/refs#update-a-reference` link;
 *   googleapis/repo-automation-bots#5551, from `updateRef`).
 * - "Protected branch update failed for refs/heads/<b>.": classic protection (GH006 on push; the same
 *   words in API answers). Seen in ietf-tools/xml2rfc#1251, OCA/oca-github-bot#210.
 * - "N of M required status checks are expected." / "Required status check "x" is expected.": classic
 *   protection and rulesets requiring checks, which a direct commit cannot have passed
 *   (kevgo/prettifier#28 from the contents API; a ruleset answer `Repository rule violations found
 *   4 of 4 required status checks are expected.`).
 * Deliberately NOT matched: "Repository rule violations found" alone. Push protection (secret
 * scanning) answers with the same heading plus "Secret detected in content", and ruleset creation
 * limits with "Cannot create ref due to creations being restricted"; a pull request fixes neither.
 */
const PROTECTED_BRANCH_PATTERNS: readonly RegExp[] = [
  /\bChanges must be made through a pull request\b/i,
  /\bProtected branch update failed\b/i,
  /\b\d+ of \d+ required status checks? (?:is|are) expected\b/i,
  /\bRequired status check ["'`].+?["'`] is expected\b/i,
]

/**
 * True when GitHub refused a direct write (ref update, contents write) because the branch is
 * protected or covered by a ruleset that requires pull requests or status checks, so the promotion
 * should go through a pull request instead. The status is 422 on the Git Data API; 403, 405 and 409
 * answers with the same words (contents and merge endpoints) are accepted too, since only the words
 * identify the cause. See {@link PROTECTED_BRANCH_PATTERNS} for the messages and their sources.
 */
export function isProtectedBranchRefusal(error: unknown): boolean {
  if (!hasStatus(error, [403, 405, 409, 422])) return false
  const text = gitHubErrorText(error)
  return PROTECTED_BRANCH_PATTERNS.some((pattern) => pattern.test(text))
}

/**
 * GitHub's refusal to create or change a file under `.github/workflows/` with a credential lacking
 * the workflows permission:
 * - GitHub App / `GITHUB_TOKEN`: "refusing to allow a GitHub App to create or update workflow
 *   `.github/workflows/x.yml` without `workflows` permission"
 *   (peter-evans/create-pull-request#1713, repo-sync/github-sync#23, assembledhq/143#665);
 * - OAuth App / classic PAT: "refusing to allow an OAuth App … without `workflow` scope" and
 *   "refusing to allow a Personal Access Token … without `workflow` scope" (same wording, other actor).
 */
const WORKFLOW_REFUSAL =
  /\brefusing to allow an? (?:GitHub App|OAuth App|Personal Access Token|[\w ]+?) to create or update workflow\s*[`'"]?([^`'"\s]*)[`'"]?\s*without\s*[`'"]?(workflows?)[`'"]?\s*(permission|scope)/i

/** True when `error` is GitHub refusing a workflow-file change for lack of the workflows permission or scope. */
export function isWorkflowPermissionRefusal(error: unknown): boolean {
  if (!isGitHubRequestError(error) && !(error instanceof Error)) return false
  return WORKFLOW_REFUSAL.test(gitHubErrorText(error))
}

/**
 * What to grant, for a workflow refusal: `{ path, grant }` where `path` is the workflow file GitHub
 * named (may be empty) and `grant` says what to give the credential; `undefined` for other errors.
 */
export function describeWorkflowPermissionRefusal(
  error: unknown,
): { path: string; grant: string } | undefined {
  if (!isGitHubRequestError(error) && !(error instanceof Error)) return undefined
  const match = WORKFLOW_REFUSAL.exec(gitHubErrorText(error))
  if (!match) return undefined
  const path = match[1] ?? ''
  const grant =
    match[3]?.toLowerCase() === 'scope'
      ? 'the `workflow` scope on the token'
      : 'the GitHub App the "Workflows: Read and write" repository permission (existing installations must accept it)'
  return { path, grant }
}
