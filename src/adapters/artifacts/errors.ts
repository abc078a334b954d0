/**
 * Cloudflare Artifacts errors mapped to Gittrix error codes, keeping Cloudflare's own numeric code.
 *
 * Sources: https://developers.cloudflare.com/artifacts/api/errors/ (codes) and
 * https://developers.cloudflare.com/artifacts/api/rest-api/ (the v4 envelope `errors: [{code, message}]`).
 */
import { GittrixError, type GittrixErrorCode } from '../../core/errors.ts'
import { redact } from '../../git/redact.ts'

/** One entry of the envelope's `errors` (and `messages`) array. */
export interface ArtifactsApiErrorDetail {
  code: number
  message: string
  documentation_url?: string
  source?: { pointer?: string }
}

/** The documented Artifacts error codes (docs/platform-facts.md#errors-and-readiness). */
export const ARTIFACTS_ERROR_CODES = {
  INVALID_INPUT: 10100,
  INVALID_REPO_NAME: 10101,
  INVALID_TTL: 10103,
  INVALID_URL: 10104,
  REMOTE_AUTH_REQUIRED: 10106,
  NOT_FOUND: 10200,
  ALREADY_EXISTS: 10201,
  IMPORT_IN_PROGRESS: 10302,
  FORK_IN_PROGRESS: 10303,
  INTERNAL_ERROR: 10400,
  UPSTREAM_UNAVAILABLE: 10401,
  MEMORY_LIMIT: 10402,
} as const

/**
 * A failed Artifacts REST call. `code` is the Gittrix code (`AUTH_FAILED` for 401/403,
 * `ADAPTER_UNAVAILABLE` for 5xx, 429 past the deadline and network failures, `REF_NOT_FOUND` for 404,
 * `INVALID_ARGUMENT` for validation and conflicts); `cloudflareCode` keeps Cloudflare's numeric code.
 */
export class ArtifactsApiError extends GittrixError {
  /** HTTP status, or `null` when no answer arrived (network failure, timeout). */
  readonly status: number | null
  /** The first Cloudflare error code of the envelope (e.g. 10200), when there was one. */
  readonly cloudflareCode: number | undefined
  /** Every entry of the envelope's `errors`. */
  readonly cloudflareErrors: ArtifactsApiErrorDetail[]
  readonly method: string
  /** Route path relative to the namespace (never a token: tokens travel in headers only). */
  readonly path: string

  constructor(
    code: GittrixErrorCode,
    init: {
      status: number | null
      method: string
      path: string
      errors?: ArtifactsApiErrorDetail[]
      detail: string
    },
    options?: { cause?: unknown },
  ) {
    const errors = init.errors ?? []
    const first = errors[0]
    const cf = first ? ` [Cloudflare ${first.code}: ${first.message}]` : ''
    const status = init.status === null ? 'no answer' : `HTTP ${init.status}`
    super(
      code,
      redact(`Cloudflare Artifacts ${init.method} ${init.path} failed (${status})${cf}: ${init.detail}`),
      options,
    )
    this.status = init.status
    this.cloudflareCode = first?.code
    this.cloudflareErrors = errors.map((e) => ({ ...e, message: redact(e.message) }))
    this.method = init.method
    this.path = init.path
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      ...(this.cloudflareCode !== undefined ? { cloudflareCode: this.cloudflareCode } : {}),
    }
  }
}

/** The Gittrix code and advice for a final (non-retried) HTTP status. */
export function classifyStatus(
  status: number,
  cloudflareCode: number | undefined,
): { code: GittrixErrorCode; detail: string } {
  if (status === 401 || status === 403)
    return {
      code: 'AUTH_FAILED',
      detail:
        'the Cloudflare API token was refused. It needs "Artifacts > Read" for read routes and "Artifacts > Edit" for create, import, delete and token routes.',
    }
  if (isNotFound(status, cloudflareCode === undefined ? [] : [{ code: cloudflareCode, message: '' }]))
    return {
      code: 'REF_NOT_FOUND',
      detail: 'the repository, ref, object or path does not exist in this namespace.',
    }
  if (status === 429)
    return { code: 'ADAPTER_UNAVAILABLE', detail: 'rate limited past the deadline; retry later.' }
  if (status >= 500)
    return { code: 'ADAPTER_UNAVAILABLE', detail: 'Cloudflare Artifacts is unavailable; retry later.' }
  if (cloudflareCode === ARTIFACTS_ERROR_CODES.ALREADY_EXISTS)
    return {
      code: 'INVALID_ARGUMENT',
      detail: 'a repository with that name already exists in the namespace.',
    }
  if (status === 409)
    return { code: 'ADAPTER_UNAVAILABLE', detail: 'the repository did not become ready before the deadline.' }
  return {
    code: 'INVALID_ARGUMENT',
    detail: 'the request was refused as invalid; check the names and parameters.',
  }
}

/**
 * True when an answer means "does not exist": HTTP 404, or Cloudflare's `NOT_FOUND` code 10200 under
 * another client error status (the errors page defines the code, not the status it travels with). A
 * server error (5xx), a refused credential (401/403) or a rate limit (429) is a failure whatever code it
 * carries, never "absent" (test/adapters/artifacts/absent-answers.test.ts).
 */
export function isNotFound(status: number, errors: readonly ArtifactsApiErrorDetail[]): boolean {
  if (status === 404) return true
  if (status < 400 || status >= 500 || status === 401 || status === 403 || status === 429) return false
  return errors.some((e) => e.code === ARTIFACTS_ERROR_CODES.NOT_FOUND)
}

/**
 * True for the documented retriable conflicts: `409` while a repository is still importing or forking
 * (import guide: "If follow-up REST calls return 409 Conflict, retry after a short delay"; codes
 * 10302/10303; a later `CREATE_IN_PROGRESS` is recognised by its message).
 */
export function isInProgressConflict(status: number, errors: readonly ArtifactsApiErrorDetail[]): boolean {
  if (status !== 409) return false
  if (errors.length === 0) return true
  return errors.some(
    (e) =>
      e.code === ARTIFACTS_ERROR_CODES.IMPORT_IN_PROGRESS ||
      e.code === ARTIFACTS_ERROR_CODES.FORK_IN_PROGRESS ||
      /in[ _]progress|still (importing|forking|creating)|not ready/i.test(e.message),
  )
}
