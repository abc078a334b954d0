/**
 * The review server behind `gittrix review <id>`: one session's diff as a page on the loopback
 * interface, with Promote and Discard calling the library's own `UserSession.promote` (pinned to the
 * commit the page showed) and `discard`. Every request passes {@link checkRequest} first (loopback
 * `Host`, the one-time token, same origin for POSTs); nothing is sent with CORS headers, and every
 * response carries a Content-Security-Policy that lets the page load only its own scripts and styles.
 *
 * Routes (after `/<token>`): `GET /` the page; `GET /assets/*`, `/vendor/*` its files (assets.ts);
 * `GET /api/review` a review point and its diff; `GET /api/status` the workspace fingerprint (polled
 * by the page to refresh); `POST /api/promote`; `POST /api/discard`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import pLimit from 'p-limit'
import { z } from 'zod'
import { GittrixError, InvalidArgumentError } from '../core/errors.ts'
import type { GitTrix } from '../core/gittrix.ts'
import type { PromoteOutcome, PromoteSelector } from '../core/types.ts'
import { assetTable, readAsset } from './assets.ts'
import { checkRequest, newToken } from './guard.ts'
import { type ReviewPoint, reviewPoint, workspaceFingerprint } from './review-point.ts'

/** Options of {@link startReviewServer}. */
export interface ReviewServerOptions {
  /** A GitTrix whose store holds the session and whose durable adapter is its repository. */
  gittrix: GitTrix
  /** The session to review. */
  sessionId: string
  /** Port on 127.0.0.1; default 0 (a free one the system picks). */
  port?: number
  /** The token; default a fresh random one ({@link newToken}). Tests pass their own only to attack it. */
  token?: string
  /** Notes for the person running the server (each promotion and discard), one line each. */
  log?: (line: string) => void
}

/** A running review server. */
export interface ReviewServer {
  /** `http://127.0.0.1:<port>/<token>/`: the page, the only URL that works. */
  url: string
  port: number
  /** Stops accepting requests and closes open connections. Resolves when the server is closed. */
  close(): Promise<void>
}

/** Largest request body accepted, in bytes (a promotion's selection and message). */
const MAX_BODY_BYTES = 1 << 20

/**
 * The Content-Security-Policy of every response: scripts, styles, images and requests from this
 * origin only, no inline script or style, no frames, forms or `<base>`
 * (https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy).
 */
export const REVIEW_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': REVIEW_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

const promoteBody = z.strictObject({
  at: z.string().regex(/^[0-9a-f]{40,64}$/),
  message: z.string().max(65536).optional(),
  files: z.array(z.string().min(1)).max(100_000),
  hunks: z
    .array(
      z.strictObject({ path: z.string().min(1), ids: z.array(z.string().regex(/^[0-9a-f]{4,64}$/)).min(1) }),
    )
    .max(100_000)
    .optional(),
})

/**
 * Starts the review server for session `sessionId` on 127.0.0.1 and resolves once it listens. The
 * page's promotions are pinned: `POST /api/promote` takes the commit the page showed (`at`, one this
 * server handed out) and promotes exactly the selected files and hunks (`{ at, files, hunks?: [{ path,
 * ids }], message? }`, paths literal) of that commit, whatever the workspace
 * holds by then. Throws `ADAPTER_UNAVAILABLE` when the page's assets cannot be found,
 * `INVALID_ARGUMENT` when `port` is in use, and what else `listen` throws.
 */
export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const { gittrix, sessionId } = options
  const token = options.token ?? newToken()
  const assets = assetTable()
  const log = options.log ?? (() => {})
  // One operation on the session at a time: two tabs asking for a review point make one checkpoint.
  const serial = pLimit(1)
  // The commits this server showed: a promotion must name one of them.
  const shown = new Set<string>()
  let port = 0

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const checked = checkRequest(request, port, token)
    if (!checked.ok) return send(response, 403, 'text/plain; charset=utf-8', 'Forbidden\n')
    const { path } = checked
    const method = request.method ?? 'GET'
    if (path === '') return redirect(response, `/${encodeURIComponent(token)}/`)
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/api/review') return sendJson(response, 200, await serial(() => review()))
      if (path === '/api/status')
        return sendJson(response, 200, await serial(() => workspaceFingerprint(gittrix, sessionId)))
      const asset = await readAsset(assets, path)
      if (!asset) return send(response, 404, 'text/plain; charset=utf-8', 'Not found\n')
      return send(response, 200, asset.type, method === 'HEAD' ? '' : asset.body)
    }
    if (method !== 'POST') return send(response, 405, 'text/plain; charset=utf-8', 'Method not allowed\n')
    const body = await readJson(request)
    if (path === '/api/promote') return sendJson(response, 200, await serial(() => promote(body)))
    if (path === '/api/discard') return sendJson(response, 200, await serial(() => discard()))
    return send(response, 404, 'text/plain; charset=utf-8', 'Not found\n')
  }

  const review = async () => {
    const point: ReviewPoint | null = await reviewPoint(gittrix, sessionId)
    const meta = await (point?.session ?? (await gittrix.getSession(sessionId))).info()
    const about = { id: meta.id, task: meta.task, durableBranch: meta.durableBranch ?? null }
    if (!point) {
      const { fingerprint } = await workspaceFingerprint(gittrix, sessionId)
      return {
        ...about,
        state: meta.state,
        fingerprint,
        at: null,
        patch: '',
        files: [],
        additions: 0,
        deletions: 0,
      }
    }
    shown.add(point.at)
    const diff = await point.session.diffDetails()
    // Each file's version at this commit (status, mode, blob id): the page keeps a selection across a
    // reload only for a file whose version is unchanged, since it was made looking at those bytes.
    const versions = Object.fromEntries(
      (await point.session.touchedFiles()).map((c) => [c.path, `${c.status} ${c.newMode} ${c.newOid}`]),
    )
    return { ...about, state: meta.state, fingerprint: point.fingerprint, at: point.at, versions, ...diff }
  }

  const promote = async (body: unknown): Promise<PromoteOutcome> => {
    const parsed = promoteBody.safeParse(body)
    if (!parsed.success)
      throw new InvalidArgumentError(
        `The promotion request is malformed: ${parsed.error.issues[0]?.message ?? ''}`,
      )
    const { at, files } = parsed.data
    const hunks = parsed.data.hunks ?? []
    if (!shown.has(at))
      throw new InvalidArgumentError(
        `Commit ${at.slice(0, 12)} was not shown by this page; reload it and review again.`,
      )
    if (files.length === 0 && hunks.length === 0)
      throw new InvalidArgumentError('Select at least one file or hunk to promote.')
    const selector: PromoteSelector = hunks.length
      ? { mode: 'hunks', hunks, files, literal: true }
      : { mode: 'files', files, literal: true }
    const message = parsed.data.message?.trim() ? { message: parsed.data.message } : {}
    const session = await gittrix.getSession(sessionId, { at })
    const outcome = await session.promote({ selector, at, ...message })
    log(
      `promoted ${outcome.files.length} file(s)${hunks.length ? ` (hunks of ${hunks.length})` : ''} of ${at.slice(0, 12)} as ${outcome.sha.slice(0, 12)} on ${outcome.branch}`,
    )
    return outcome
  }

  const discard = async () => {
    const meta = await (await gittrix.getSession(sessionId)).discard()
    log(`discarded session ${sessionId}`)
    return { state: meta.state }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendError(response, error))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new InvalidArgumentError(
              `Port ${options.port} on 127.0.0.1 is in use: pick another with --port, or leave it out for a free one.`,
            )
          : error,
      ),
    )
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.removeAllListeners('error')
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/${encodeURIComponent(token)}/`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/** HTTP status of a Gittrix error code on the page's API. */
function statusOf(error: GittrixError): number {
  switch (error.code) {
    case 'BASELINE_CONFLICT':
    case 'EVICTION_RACE':
    case 'LOCKED':
      return 409
    case 'SESSION_EXPIRED':
      return 410
    case 'SESSION_NOT_FOUND':
      return 404
    case 'INVALID_ARGUMENT':
    case 'PROMOTE_FAILED':
    case 'WORKTREE_DIRTY':
      return 400
    default:
      return 500
  }
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy()
    return
  }
  if (error instanceof GittrixError) return sendJson(response, statusOf(error), { error: error.toJSON() })
  const message = error instanceof Error ? error.message : String(error)
  sendJson(response, 500, { error: { code: 'INTERNAL', message } })
}

function sendJson(response: ServerResponse, status: number, data: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(data))
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
  })
  response.end(body)
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(308, { ...SECURITY_HEADERS, Location: location, 'Content-Length': 0 })
  response.end()
}

/** The request body parsed as JSON. Throws `INVALID_ARGUMENT` past {@link MAX_BODY_BYTES} or for bad JSON. */
async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > MAX_BODY_BYTES)
      throw new InvalidArgumentError(`The request body is over ${MAX_BODY_BYTES} bytes.`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
  } catch {
    throw new InvalidArgumentError('The request body is not JSON.')
  }
}
