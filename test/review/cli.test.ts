/**
 * `gittrix review <id>` as a user runs it: the real executable in a child process prints the page's
 * URL (text, or one JSON document), serves it on 127.0.0.1 with the token, refuses requests without
 * it, and stops cleanly on Ctrl-C (SIGINT) with exit code 0 and the port closed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cleanup, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { openGitTrix, raw } from './support.ts'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

let repo: { path: string; head: string }
let store: string
let id: string
let child: ChildProcess | undefined

beforeEach(async () => {
  repo = makeRepo({ 'a.txt': 'a\n' })
  store = tempDir()
  const gittrix = openGitTrix(repo.path, store)
  const session = await gittrix.startSession({ task: 'cli review' })
  await session.write('a.txt', 'changed\n')
  id = session.id
  await gittrix.close()
})

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  cleanup(repo.path, store)
})

/** Starts `gittrix --store <store> ...args` and resolves once stdout holds `until`'s match. */
function startCli(args: string[], until: RegExp): Promise<{ match: RegExpExecArray; output: () => string }> {
  const proc = spawn(
    process.execPath,
    ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', MAIN, '--store', store, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' } },
  )
  child = proc
  let stdout = ''
  let stderr = ''
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = until.exec(stdout)
      if (match) resolve({ match, output: () => stdout + stderr })
    })
    proc.on('exit', (code) =>
      reject(new Error(`gittrix exited with ${code} before printing: ${stdout}${stderr}`)),
    )
  })
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => proc.on('exit', (code) => resolve(code)))
}

describe('gittrix review', () => {
  it('prints the URL, serves the page only with its token, and stops on Ctrl-C', async () => {
    const { match } = await startCli(
      ['review', id, '--no-open'],
      /Review page: (http:\/\/127\.0\.0\.1:(\d+)\/([\w-]{43})\/)\n/,
    )
    const [, url, portText, token] = match
    const port = Number(portText)
    const page = await fetch(url!)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Gittrix review')
    expect((await raw(port, 'GET', '/api/review', { Host: `127.0.0.1:${port}` })).status).toBe(403)
    const review = await (await fetch(new URL('api/review', url))).json()
    expect(review).toMatchObject({ id, state: 'active', files: [{ path: 'a.txt', status: 'modified' }] })
    expect(token).toHaveLength(43)
    const done = exited(child!)
    child!.kill('SIGINT')
    expect(await done).toBe(0)
    await expect(fetch(url!)).rejects.toThrow()
  })

  it('--json prints one document with the URL; without a display it says to open the URL yourself', async () => {
    const { match, output } = await startCli(['review', id, '--json'], /\n\}\n/)
    const document = JSON.parse(match.input) as { ok: boolean; data: { id: string; url: string } }
    expect(document).toEqual({
      ok: true,
      data: { id, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{43}\/$/) },
    })
    const done = exited(child!)
    child!.kill('SIGTERM')
    expect(await done).toBe(0)
    expect(output()).toContain('no display to open a browser on')
    // Nothing more on stdout after the one document.
    expect(output().split('\n}\n')[1]).not.toContain('{')
  })
})
