/**
 * Who may talk to a review server: requests that name it by its loopback address (DNS rebinding puts
 * another name in `Host`), that carry its one-time token as the first path segment (compared in
 * constant time), and, for anything that changes state, that come from the page itself (`Origin`
 * equal to the server's own origin, JSON body). Everything else is refused before any work is done.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** A fresh random token: 32 bytes from the system's CSPRNG, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * True when `given` equals `token`, in time that depends on neither value: both are hashed with
 * SHA-256 first so `timingSafeEqual` compares equal lengths
 * (https://nodejs.org/api/crypto.html#cryptotimingsafeequala-b).
 */
export function tokenMatches(given: string, token: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest()
  const b = createHash('sha256').update(token, 'utf8').digest()
  return timingSafeEqual(a, b)
}

/** The `Host` values a loopback server on `port` answers to: its address and `localhost`, with the port. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`]
}

/** Why a request was refused (for tests and logs; the client only ever sees `403 Forbidden`). */
export type Refusal = 'host' | 'token' | 'origin' | 'content-type'

/**
 * Checks `request` against the server's `port` and `token`. Resolves the path after the token
 * (`/` for the page itself, `/api/review`, …) or the reason it is refused. A state-changing request
 * (`unsafe`: anything but GET and HEAD) also needs `Origin: http://<its Host>` — browsers send it on
 * every cross-origin request and on same-origin POSTs (https://fetch.spec.whatwg.org/#origin-header)
 * — and `Content-Type: application/json`, which no HTML form can send without a CORS preflight this
 * server never answers.
 */
export function checkRequest(
  request: Pick<IncomingMessage, 'headers' | 'method' | 'url'>,
  port: number,
  token: string,
): { ok: true; path: string } | { ok: false; reason: Refusal } {
  const host = request.headers.host ?? ''
  if (!allowedHosts(port).includes(host)) return { ok: false, reason: 'host' }
  const url = request.url ?? ''
  const match = /^\/([^/?#]*)(\/[^?#]*)?(?:[?#].*)?$/.exec(url)
  if (!match || !tokenMatches(decodeSegment(match[1] ?? ''), token)) return { ok: false, reason: 'token' }
  const method = request.method ?? 'GET'
  if (method !== 'GET' && method !== 'HEAD') {
    if (request.headers.origin !== `http://${host}`) return { ok: false, reason: 'origin' }
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/json') return { ok: false, reason: 'content-type' }
  }
  return { ok: true, path: match[2] ?? '' }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return ''
  }
}
