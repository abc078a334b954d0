import { describe, expect, it } from 'vitest'
import {
  describeWorkflowPermissionRefusal,
  isNotFastForward,
  isNotFound,
  isProtectedBranchRefusal,
  isReferenceAlreadyExists,
  isWorkflowPermissionRefusal,
} from '../../../src/adapters/github/request-errors.ts'

/** The shape Octokit's RequestError has: `message` = API message + " - " + documentation_url. */
function apiError(status: number, message: string) {
  const documentation_url = 'https://docs.github.com/rest/git/refs#update-a-reference'
  return Object.assign(new Error(`${message} - ${documentation_url}`), {
    status,
    response: { data: { message, documentation_url } },
  })
}

describe('GitHub request error recognisers', () => {
  it('isNotFound: status 404 only', () => {
    expect(isNotFound(apiError(404, 'Not Found'))).toBe(true)
    expect(isNotFound(apiError(422, 'Not Found'))).toBe(false)
    expect(isNotFound(new Error('404'))).toBe(false)
    expect(isNotFound(undefined)).toBe(false)
  })

  it('isNotFastForward: 422 "Update is not a fast forward" only', () => {
    expect(isNotFastForward(apiError(422, 'Update is not a fast forward'))).toBe(true)
    expect(isNotFastForward(apiError(422, 'Reference update failed'))).toBe(false)
    expect(isNotFastForward(apiError(409, 'Update is not a fast forward'))).toBe(false)
  })

  it('isReferenceAlreadyExists: 422 "Reference already exists"', () => {
    expect(isReferenceAlreadyExists(apiError(422, 'Reference already exists'))).toBe(true)
    expect(isReferenceAlreadyExists(apiError(422, 'Update is not a fast forward'))).toBe(false)
  })

  it('isProtectedBranchRefusal: rulesets and classic protection, not push protection', () => {
    const yes = [
      apiError(422, 'Repository rule violations found\n\nChanges must be made through a pull request.\n\n'),
      apiError(422, 'Protected branch update failed for refs/heads/main.'),
      apiError(409, 'Could not update file: 6 of 6 required status checks are expected.'),
      apiError(422, 'Repository rule violations found\n\n4 of 4 required status checks are expected.\n\n'),
      apiError(422, 'Required status check "ci" is expected.'),
    ]
    for (const error of yes) expect(isProtectedBranchRefusal(error), error.message).toBe(true)
    const no = [
      apiError(422, 'Repository rule violations found\n\nSecret detected in content.'),
      apiError(
        422,
        'Repository rule violations found\n\nCannot create ref due to creations being restricted.',
      ),
      apiError(422, 'Update is not a fast forward'),
      apiError(404, 'Changes must be made through a pull request.'),
      new Error('Changes must be made through a pull request.'),
    ]
    for (const error of no) expect(isProtectedBranchRefusal(error), error.message).toBe(false)
  })

  it('isWorkflowPermissionRefusal: App permission and token scope, with what to grant', () => {
    const app = apiError(
      422,
      'refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission',
    )
    expect(isWorkflowPermissionRefusal(app)).toBe(true)
    expect(describeWorkflowPermissionRefusal(app)).toEqual({
      path: '.github/workflows/ci.yml',
      grant: expect.stringContaining('"Workflows: Read and write" repository permission'),
    })
    const oauth = apiError(
      403,
      'refusing to allow an OAuth App to create or update workflow `.github/workflows/x.yml` without `workflow` scope',
    )
    expect(isWorkflowPermissionRefusal(oauth)).toBe(true)
    expect(describeWorkflowPermissionRefusal(oauth)?.grant).toContain('`workflow` scope')
    expect(isWorkflowPermissionRefusal(apiError(422, 'Update is not a fast forward'))).toBe(false)
    expect(describeWorkflowPermissionRefusal('nope')).toBeUndefined()
  })
})
