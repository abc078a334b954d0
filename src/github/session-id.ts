/**
 * Session ids of GitHub sessions: the core's format, `sess_` + 12 characters of `[a-z2-7]`
 * (60 random bits from `newSessionId`). The core store accepts a wider set; branch names and
 * trailers accept only this one, so an id can be spotted in a ref or a comment without ambiguity.
 */
import { z } from 'zod'
import { InvalidArgumentError } from '../core/errors.ts'
import { newSessionId } from '../core/store.ts'

/** The exact form of a GitHub session id. */
export const GITHUB_SESSION_ID_PATTERN = /^sess_[a-z2-7]{12}$/

/** zod schema of a GitHub session id (see {@link GITHUB_SESSION_ID_PATTERN}). */
export const sessionIdSchema = z
  .string()
  .regex(GITHUB_SESSION_ID_PATTERN, 'expected sess_ followed by 12 characters of a-z and 2-7')

/** True when `value` is a GitHub session id. */
export function isGitHubSessionId(value: unknown): value is string {
  return typeof value === 'string' && GITHUB_SESSION_ID_PATTERN.test(value)
}

/** Throws `INVALID_ARGUMENT` unless `value` is a GitHub session id; returns it typed otherwise. */
export function assertGitHubSessionId(value: unknown): string {
  if (!isGitHubSessionId(value)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(String(value)).slice(0, 80)} is not a Gittrix session id (expected sess_ followed by 12 characters of a-z and 2-7).`,
    )
  }
  return value
}

/** A new GitHub session id: the core generator (`sess_` + 12 base-32 characters, 60 random bits). */
export function newGitHubSessionId(): string {
  return assertGitHubSessionId(newSessionId())
}
