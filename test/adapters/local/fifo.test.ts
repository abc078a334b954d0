/**
 * An agent makes FIFOs where Gittrix reads: a workspace file, its clone's `.git/HEAD` and
 * `.git/objects/info/alternates`. Opening a FIFO for reading waits for a writer, and Node runs
 * file-system calls on a pool of four threads, so a reviewer's `read` or `diff` used to hang the
 * process for good. Each read now ends at once with an error naming what the file is.
 *
 * The reads run in a child process with a deadline: a hang fails the test instead of pinning this
 * worker's thread pool.
 */
import { execFileSync, spawn } from 'node:child_process'
import { rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readRegularFile } from '../../../src/core/regular-file.ts'
import { startLocalSession } from './local-sessions.ts'
import { tempDir } from '../../support/git-fixtures.ts'

const mkfifo = (path: string) => execFileSync('mkfifo', [path])

/** Runs `code` (an ES module body) with node, `deadlineMs` before it is killed; its stdout, or `hung`. */
function runWithDeadline(code: string, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: process.cwd(),
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve('hung')
      else if (code !== 0) reject(new Error(`child failed (${code}): ${err}`))
      else resolve(out.trim())
    })
  })
}

/**
 * In a child process: opens session `sessionId` of `store` (durable `main` of `repo`) and awaits `call`
 * (an expression with `session` in scope), then prints `ok` or the error's code and message.
 */
function inChild(repo: string, store: string, sessionId: string, call: string): Promise<string> {
  const index = join(process.cwd(), 'src', 'index.ts')
  return runWithDeadline(
    `
    const { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter } = await import(${JSON.stringify(index)})
    const trix = new GitTrix({
      durable: new LocalDurableAdapter({ path: ${JSON.stringify(repo)}, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
      storeDir: ${JSON.stringify(store)},
      sweepIntervalMs: 0,
    })
    try {
      const session = await trix.getSession(${JSON.stringify(sessionId)})
      await (${call})
      console.log('ok')
    } catch (error) {
      console.log(error.code + ' ' + error.message)
    }
    process.exit(0)
    `,
    20_000,
  )
}

describe('FIFOs an agent leaves where Gittrix reads', () => {
  it('readRegularFile tells a FIFO, a symlink and a directory from a file, without waiting', async () => {
    const dir = tempDir()
    try {
      writeFileSync(join(dir, 'file'), 'bytes')
      mkfifo(join(dir, 'fifo'))
      symlinkSync('file', join(dir, 'link'))
      expect(await readRegularFile(join(dir, 'file'))).toEqual({
        kind: 'file',
        bytes: Buffer.from('bytes'),
        size: 5,
      })
      expect(await readRegularFile(join(dir, 'file'), { maxBytes: 2 })).toMatchObject({
        bytes: Buffer.from('by'),
        size: 5,
      })
      expect(await readRegularFile(join(dir, 'file'), { maxBytes: 2, overMax: 'none' })).toMatchObject({
        bytes: Buffer.alloc(0),
        size: 5,
      })
      expect(await readRegularFile(join(dir, 'fifo'))).toEqual({ kind: 'other', type: 'FIFO' })
      expect(await readRegularFile(join(dir, 'link'))).toEqual({ kind: 'other', type: 'symlink' })
      expect(await readRegularFile(dir)).toEqual({ kind: 'other', type: 'directory' })
      expect(await readRegularFile(join(dir, 'none'))).toEqual({ kind: 'missing' })
      expect(await readRegularFile(join(dir, 'file', 'below'))).toEqual({ kind: 'missing' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it.each([
    [
      'a workspace file, read by name',
      'notes.txt',
      `session.forAgent().read('notes.txt')`,
      /^FILE_NOT_FOUND .*FIFO/,
    ],
    ['.git/HEAD, before a diff', '.git/HEAD', 'session.diff()', /^WORKSPACE_INVALID .*HEAD is a FIFO/],
    [
      '.git/objects/info/alternates, before a diff',
      '.git/objects/info/alternates',
      'session.diff()',
      /^WORKSPACE_INVALID .*alternates is a FIFO/,
    ],
  ])('%s: an error at once, not a hang', async (_name, path, call, expected) => {
    const { session, repo, store } = await startLocalSession({ 'README.md': '# Project\n' }, 'clone')
    const ws = session.workspacePath!
    writeFileSync(join(ws, 'README.md'), '# Changed\n')
    rmSync(join(ws, path), { force: true })
    mkfifo(join(ws, path))
    const outcome = await inChild(repo.path, store, session.id, call)
    expect(outcome).not.toBe('hung')
    expect(outcome).toMatch(expected)
  })
})
