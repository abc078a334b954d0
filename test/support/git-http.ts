/**
 * Git smart HTTP on loopback: `git http-backend` (CGI) answering one request for the bare
 * repositories under a project root, plus the Authorization helpers GitHub's git endpoint uses
 * (`Basic base64(x-access-token:<token>)`). The one git HTTP bridge of the test suite: the Action
 * tests' host (test/action/support.ts), the loopback GitHub (loopback-github.ts) and the Cloudflare
 * Artifacts stand-in (test/support/artifacts-stand-in.ts) all answer git through it.
 */
import { spawn } from 'node:child_process'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The header value GitHub accepts for `token` over git HTTP (the scheme spelled as actions/checkout sends it). */
export function basicAuth(token: string): string {
  return `basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
}

/** An Authorization value with its scheme lower-cased (schemes are case-insensitive, RFC 9110 §11.1). */
export function normalizeScheme(value: string): string {
  const space = value.indexOf(' ')
  return space < 0 ? value : `${value.slice(0, space).toLowerCase()}${value.slice(space)}`
}

/** The token of a `Basic base64(<user>:<token>)` header value, or null for anything else. */
export function basicToken(value: string): string | null {
  const normalized = normalizeScheme(value)
  if (!normalized.startsWith('basic ')) return null
  const decoded = Buffer.from(normalized.slice('basic '.length), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? null : decoded.slice(colon + 1)
}

/** `-c http.<url>/.extraheader=AUTHORIZATION: basic …` arguments that authenticate a git command as `token`. */
export function gitAuthArgs(serverUrl: string, token: string): string[] {
  return ['-c', `http.${serverUrl}/.extraheader=AUTHORIZATION: ${basicAuth(token)}`]
}

/** The PATH of this process when it loaded: a test that puts a fake `git` on PATH does not steer the host. */
const HOST_PATH = process.env.PATH

/**
 * Answers one smart HTTP request (`info/refs`, `git-upload-pack`, `git-receive-pack`) with
 * `git http-backend` for the repositories under `projectRoot`. Calls `record` with the CGI's status
 * once its headers are known; resolves when the answer is complete (for a push: after receive-pack
 * updated the refs).
 */
export function serveGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    url: URL
    projectRoot: string
    record?: (status: number) => void
    /** The repository path below `projectRoot` and the service (default: the URL's path, decoded). */
    pathInfo?: string
    /** `REMOTE_USER` for the CGI (default `x-access-token`, GitHub's user for token auth). */
    remoteUser?: string
  },
): Promise<void> {
  const { url } = options
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: HOST_PATH,
      GIT_PROJECT_ROOT: options.projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      PATH_INFO: options.pathInfo ?? decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: options.remoteUser ?? 'x-access-token',
      REMOTE_ADDR: '127.0.0.1',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: String(req.headers['content-length']) } : {}),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  req.pipe(cgi.stdin)
  let head = Buffer.alloc(0)
  let headerDone = false
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      res.write(chunk)
      return
    }
    head = Buffer.concat([head, chunk])
    const end = head.indexOf('\r\n\r\n')
    if (end === -1) return
    headerDone = true
    let status = 200
    const headers: Record<string, string> = {}
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':')
      const name = line.slice(0, colon).trim()
      const value = line.slice(colon + 1).trim()
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10)
      else headers[name] = value
    }
    options.record?.(status)
    res.writeHead(status, headers)
    res.write(head.subarray(end + 4))
  })
  return new Promise<void>((done) => {
    cgi.on('close', () => {
      if (!headerDone) {
        options.record?.(500)
        if (!res.headersSent) res.writeHead(500)
      }
      res.end()
      done()
    })
  })
}
