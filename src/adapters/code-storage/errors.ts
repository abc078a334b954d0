/**
 * Code Storage (`@pierre/storage`) failures mapped to Gittrix error codes. The SDK throws `ApiError`
 * (an HTTP status, from its `ApiFetcher`) and `RefUpdateError` (a ref update refused, with a `reason`
 * such as `precondition_failed`); both are read by shape here so this file needs no runtime import of
 * the SDK. Messages name the operation and never carry a token: the SDK's messages hold the host's
 * `error` text verbatim or the request URL (node_modules/@pierre/storage/src/fetch.ts), so anything
 * credential-shaped in them is redacted, and the SDK error itself is not kept as the cause.
 */
import { GittrixError, type GittrixErrorCode } from '../../core/errors.ts'

/** The HTTP status of an SDK `ApiError`, or `undefined` for anything else. */
export function apiStatus(error: unknown): number | undefined {
  if (error instanceof Error && error.name === 'ApiError') {
    const status = (error as Error & { status?: unknown }).status
    return typeof status === 'number' ? status : undefined
  }
  return undefined
}

/** The `reason` of an SDK `RefUpdateError` (`precondition_failed`, `conflict`, …), or `undefined`. */
export function refUpdateReason(error: unknown): string | undefined {
  if (error instanceof Error && error.name === 'RefUpdateError') {
    const reason = (error as Error & { reason?: unknown }).reason
    return typeof reason === 'string' ? reason : 'unknown'
  }
  return undefined
}

/** True for an SDK error that says the ref was not where the request expected (lost compare-and-swap, branch exists). */
export function isRefConflict(error: unknown, httpStatus?: number): boolean {
  const reason = refUpdateReason(error)
  if (reason === 'precondition_failed' || reason === 'conflict') return true
  const status = httpStatus ?? apiStatus(error)
  return status === 409 || status === 412
}

function codeForStatus(status: number): { code: GittrixErrorCode; advice: string } {
  if (status === 401 || status === 403)
    return {
      code: 'AUTH_FAILED',
      advice:
        'the token was refused (expired, for another repository, or lacking a scope): check CODE_STORAGE_KEY, or mint a new CODE_STORAGE_TOKEN.',
    }
  if (status === 404)
    return { code: 'REF_NOT_FOUND', advice: 'the repository, branch or commit does not exist.' }
  if (status === 408 || status === 429 || status >= 500)
    return {
      code: 'ADAPTER_UNAVAILABLE',
      advice: 'Code Storage is unavailable or rate limiting; retry later.',
    }
  return { code: 'INVALID_ARGUMENT', advice: 'Code Storage refused the request.' }
}

const REASON_STATUS: Record<string, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  timeout: 504,
  unavailable: 503,
  internal: 500,
  precondition_failed: 412,
  conflict: 409,
  invalid: 422,
}

/**
 * `text` with anything shaped like a credential replaced by `[redacted]`: a JWT (`eyJ….….…`), what
 * follows `Bearer `, a PEM block. The SDK's error messages carry the host's `error` text verbatim
 * (node_modules/@pierre/storage/src/fetch.ts), and a proxy or a host may echo request headers in it.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/-----BEGIN [^-]*-----[\s\S]*?(-----END [^-]*-----|$)/g, '[redacted]')
    .replace(/\beyJ[\w-]*\.[\w-]*(\.[\w-]*)?/g, '[redacted]')
    .replace(/(bearer\s+)(?!\[redacted\])\S+/gi, '$1[redacted]')
}

/**
 * The SDK error as a cause that is safe to log: its name, message (redacted) and HTTP status or
 * ref-update reason, without the response body or anything else the SDK kept.
 */
function safeCause(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error))
  const cause = new Error(redactSecrets(original.message))
  cause.name = original.name
  const { status, reason } = original as { status?: unknown; reason?: unknown }
  if (typeof status === 'number' || typeof status === 'string') Object.assign(cause, { status })
  if (typeof reason === 'string') Object.assign(cause, { reason })
  return cause
}

/**
 * The Gittrix error for a failed SDK call `doing` (e.g. `reading the tree of abc123`): `AUTH_FAILED`
 * for 401/403 (`httpStatus`: the status read by `writeStatus` where the SDK dropped it),
 * `REF_NOT_FOUND` for 404, `ADAPTER_UNAVAILABLE` for 408/429/5xx, network failures and responses the
 * SDK could not parse, `INVALID_ARGUMENT` for other refusals. A `GittrixError` passes through
 * unchanged. The message and `cause` are redacted ({@link redactSecrets}): the cause is a plain
 * `Error` with the SDK error's name, message and status or reason, not the SDK error itself.
 */
export function codeStorageError(error: unknown, doing: string, httpStatus?: number): GittrixError {
  if (error instanceof GittrixError) return error
  const status = httpStatus ?? apiStatus(error) ?? REASON_STATUS[refUpdateReason(error) ?? ''] ?? undefined
  const detail = redactSecrets(error instanceof Error ? error.message : String(error))
  const cause = safeCause(error)
  if (status !== undefined) {
    const { code, advice } = codeForStatus(status)
    return new GittrixError(code, `Code Storage: ${doing} failed (${status}): ${advice} ${detail}`.trim(), {
      cause,
    })
  }
  if (error instanceof Error && error.name === 'ZodError')
    return new GittrixError(
      'ADAPTER_UNAVAILABLE',
      `Code Storage: ${doing} failed: the response was not in the shape @pierre/storage expects.`,
      { cause },
    )
  return new GittrixError('ADAPTER_UNAVAILABLE', `Code Storage: ${doing} failed: ${detail}`, { cause })
}
