/**
 * Helpers of the review page tests: a session on a real repository, raw HTTP to the review server
 * (node:http, so `Host`, `Origin` and the method are whatever the test says), and where Debian's
 * Chromium is.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { request } from 'node:http'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter } from '../../src/index.ts'

/** A GitTrix on `repo` (branch `main`) with clone workspaces and its store in `store`. */
export function openGitTrix(repo: string, store: string): GitTrix {
  return new GitTrix({
    durable: new LocalDurableAdapter({ path: repo, branch: 'main' }),
    ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
    storeDir: store,
    sweepIntervalMs: 0,
  })
}

/** One raw HTTP exchange. */
export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * Sends `method path` to 127.0.0.1:`port` with exactly `headers` (plus `Content-Length` for a body)
 * and resolves the response.
 */
export function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * The Chromium to drive: `$CHROMIUM_PATH`, else `chromium` or `chromium-browser` on PATH (Debian's
 * package installs `/usr/bin/chromium`), else `null`.
 */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).trim()
      if (path) return path
    } catch {
      // not on PATH
    }
  }
  return null
}

/** The exact bytes of blob `rev` (e.g. `main:path`) in `repo`. */
export function blob(repo: string, rev: string): Buffer {
  return execFileSync('git', ['cat-file', 'blob', rev], { cwd: repo })
}
