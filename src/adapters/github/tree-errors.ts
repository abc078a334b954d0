/**
 * What every GitHub read helper shares: the repository's coordinates, and how a failure GitHub's
 * retries did not get past is reported (`ADAPTER_UNAVAILABLE`, saying nothing was written).
 */
import { GittrixError } from '../../core/errors.ts'
import { gitHubErrorText, isGitHubRequestError } from './request-errors.ts'

/** Owner and name of a repository. */
export interface RepoCoordinates {
  owner: string
  repo: string
}

/**
 * A 5xx or rate-limit answer that the client's retries did not get past becomes `ADAPTER_UNAVAILABLE`
 * saying what was being read and that nothing was written; any other error is returned unchanged.
 * Rate-limit answers: 403 or 429 whose message says "rate limit"
 * (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api).
 */
export function unavailable(error: unknown, doing: string, coords: RepoCoordinates): unknown {
  if (!isGitHubRequestError(error)) return error
  const rateLimited =
    (error.status === 403 || error.status === 429) && /rate limit/i.test(gitHubErrorText(error))
  if (error.status < 500 && !rateLimited) return error
  const why = rateLimited ? 'a rate limit' : `${error.status} ${gitHubErrorText(error).split('\n')[0]}`
  return new GittrixError(
    'ADAPTER_UNAVAILABLE',
    `GitHub failed while ${doing} in ${coords.owner}/${coords.repo} (${why}), also after retries. Nothing was written; try again later.`,
    { cause: error },
  )
}
