/**
 * The webhook body limit, applied before Probot's middleware reads anything. @octokit/webhooks (under
 * Probot's `createNodeMiddleware`) buffers the whole request body before it checks the signature
 * (node_modules/@octokit/webhooks/dist-src/middleware/node/get-payload.js), so one unsigned POST of
 * hundreds of megabytes costs the server that much memory, several times over. GitHub never sends
 * more than 25 MB ("Payloads are capped at 25 MB", GitHub docs "Webhook events and payloads";
 * docs/platform-facts.md#webhooks), so anything larger is refused with 413 — by `Content-Length`
 * before a byte is read, and by counting the bytes of a body without one (chunked) — and the body
 * that fits is handed to the middleware already read (its `request.body` string path), so it is
 * buffered once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** GitHub's webhook payload cap: 25 MB (taken as MiB, the generous reading). */
export const WEBHOOK_PAYLOAD_MAX_BYTES = 25 * 1024 * 1024

/** A Node request handler: `(req, res, next?)`. */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => unknown

/** A request whose body a host (e.g. a serverless platform) read before us. */
type PreRead = IncomingMessage & { body?: unknown; rawBody?: unknown }

/**
 * Wraps `handler` (Probot's middleware) so a `POST` to `path` (matched as @octokit/webhooks matches
 * it: trailing slashes ignored, query ignored) with a body over `maxBytes` (default
 * {@link WEBHOOK_PAYLOAD_MAX_BYTES}) is answered `413` and never buffered: refused on its
 * `Content-Length` without reading, or as soon as the bytes counted pass the limit; the rest is
 * discarded and the connection closed (see {@link refuse}). No `Connection: close` header: with it
 * Node destroys the socket as soon as the answer is written, resetting a client still sending.
 * A body that fits is read once and passed on as `req.body` (a UTF-8 string, the form
 * @octokit/webhooks verifies). A body a host already read (`req.body` string or Buffer, `req.rawBody`)
 * is only measured. Other requests go to `handler` untouched.
 */
export function limitWebhookBody(
  handler: WebhookHandler,
  options: { path: string; maxBytes?: number },
): WebhookHandler {
  const target = trimTrailingSlashes(options.path)
  const max = options.maxBytes ?? WEBHOOK_PAYLOAD_MAX_BYTES
  return (req, res, next) => {
    if (req.method !== 'POST' || pathname(req.url) !== target) return handler(req, res, next)
    const preRead = preReadSize(req as PreRead)
    if (preRead !== null) return preRead > max ? refuse(req, res, max) : handler(req, res, next)
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > max) return refuse(req, res, max)
    return readAtMost(req, max).then(
      (body) => {
        if (body === null) return refuse(req, res, max)
        ;(req as PreRead).body = body.toString('utf8')
        return handler(req, res, next)
      },
      () => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' })
        res.end('{"error":"The request body could not be read."}')
      },
    )
  }
}

/** `path` without trailing slashes (`/` stays `/`), as @octokit/webhooks' normalizeTrailingSlashes. */
function trimTrailingSlashes(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  return trimmed === '' ? '/' : trimmed
}

/** The request's path without query and trailing slashes; `null` when the URL does not parse. */
function pathname(url: string | undefined): string | null {
  try {
    return new URL(trimTrailingSlashes(url ?? '/'), 'http://localhost').pathname
  } catch {
    return null
  }
}

/** Bytes of a body a host already read, or `null` when the body is still in the stream. */
function preReadSize(req: PreRead): number | null {
  if (req.rawBody instanceof Uint8Array) return req.rawBody.byteLength
  if (typeof req.body === 'string') return Buffer.byteLength(req.body)
  if (req.body instanceof Uint8Array) return req.body.byteLength
  return null
}

/** The body, or `null` as soon as more than `max` bytes arrived (the rest is discarded, never kept). */
function readAtMost(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= max) {
        chunks.push(chunk)
        return
      }
      done()
      chunks.length = 0
      // Keep nothing more: refuse() reads into nothing for a while, then closes the connection.
      req.on('error', () => {})
      req.pause()
      resolve(null)
    }
    const onEnd = () => {
      done()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (error: Error) => {
      done()
      reject(error)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
  })
}

/** How long a refused connection may stay open after its 413, reading into nothing (ms). */
const LINGER_MS = 5000
/** A refused connection whose client has sent nothing for this long is dropped at once (ms). */
const LINGER_IDLE_MS = 1000

/**
 * Answers 413 and closes the connection, reading nothing more into memory. Once the answer is sent
 * the server half-closes and goes on reading, discarding every byte, until the client has been quiet
 * for {@link LINGER_IDLE_MS} or {@link LINGER_MS} have passed, then drops the connection: nginx's
 * "lingering close" (`lingering_timeout` / `lingering_time`). Dropping a connection with unread bytes
 * resets it, and a client still sending loses the answer it has not read yet; so the linger is bounded
 * by time, never by a byte count a fast sender passes in a millisecond. Reading to the end (Node's
 * default for a declared body) would take as long as the client likes.
 */
function refuse(req: IncomingMessage, res: ServerResponse, max: number): void {
  const socket = req.socket
  res.once('finish', () => {
    const drop = () => socket.destroy()
    const deadline = setTimeout(drop, LINGER_MS).unref()
    socket.once('close', () => clearTimeout(deadline))
    socket.setTimeout(LINGER_IDLE_MS, drop)
    socket.on('data', () => {})
    socket.end()
    req.resume()
  })
  if (res.headersSent) return
  res.writeHead(413, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      error: `Payload too large: GitHub webhook payloads are at most ${max} bytes.`,
    }),
  )
}
