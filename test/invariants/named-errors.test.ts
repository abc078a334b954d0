/**
 * Issue 13, observation 8: every failure a user (or a careless agent) can cause has a stable code and
 * a message naming what to do, never `INTERNAL` or a raw git command line: file system errors of
 * agent operations, a deleted workspace, a moved durable repository, damaged metadata (listed by `ls`
 * with its error), a metadata file copied into another session's directory, a store that is a file,
 * locks from the future or from dead holders (taken over) or live ones (named), invalid branch names,
 * and `--json` for every output, `--version` and `--help` included.
 */
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/run.ts'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter, type UserSession } from '../../src/index.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'
import { makeWorld, rejectionOf, type World } from './helpers.ts'

let world: World
let session: UserSession
beforeEach(async () => {
  world = makeWorld({ 'README.md': '# Project\n', 'dir/inner.txt': 'inner\n' })
  session = await world.gittrix().startSession({ task: 'named errors' })
})
afterEach(() => world.dispose())

async function code(promise: Promise<unknown>): Promise<unknown> {
  return (await rejectionOf(promise)).code
}

async function cli(args: string[], options: { store?: string } = {}) {
  const out: Buffer[] = []
  const err: string[] = []
  const io: CliIo = {
    stdout: (chunk) => void out.push(Buffer.from(chunk)),
    stderr: (chunk) => void err.push(chunk),
    readStdin: async () => Buffer.from('x\n'),
    cwd: world.repo,
    env: {},
  }
  const exit = await runCli(['--store', options.store ?? world.store, ...args], io)
  const stdout = Buffer.concat(out).toString()
  return { exit, stdout, stderr: err.join(''), json: args.includes('--json') ? JSON.parse(stdout) : null }
}

describe('agent operations', () => {
  it('file system errors have path codes: PATH_TOO_LONG, PATH_CONFLICT', async () => {
    const agent = session.forAgent()
    expect(await code(agent.write(`long/${'x'.repeat(300)}`, 'x'))).toBe('PATH_TOO_LONG')
    expect(await code(agent.write(Array.from({ length: 25 }, () => 'd'.repeat(200)).join('/'), 'x'))).toBe(
      'PATH_TOO_LONG',
    )
    expect(await code(agent.write('README.md/child.txt', 'x'))).toBe('PATH_CONFLICT') // ENOTDIR
    expect(await code(agent.read('README.md/child.txt'))).toBe('PATH_CONFLICT')
    expect(await code(agent.write('dir', 'x'))).toBe('PATH_CONFLICT') // EISDIR
    expect(await code(agent.read('dir'))).toBe('FILE_NOT_FOUND')
    expect(await code(agent.write('README.md/a/b', 'x'))).toBe('PATH_CONFLICT') // EEXIST for mkdir -p
    expect(await code(agent.delete('README.md/x'))).toBe('PATH_CONFLICT')
  })

  it('a deleted workspace is WORKSPACE_MISSING for every operation; discard still works', async () => {
    await session.write('README.md', 'changed\n')
    rmSync(session.workspacePath!, { recursive: true, force: true })
    for (const op of [
      () => session.read('README.md'),
      () => session.write('README.md', 'x'),
      () => session.delete('README.md'),
      () => session.list(),
      () => session.diff(),
      () => session.touchedFiles(),
      () => session.commit('x'),
      () => session.promote({ selector: { mode: 'all' } }),
    ]) {
      const error = await rejectionOf(op())
      expect(error.code).toBe('WORKSPACE_MISSING')
      expect(String(error.message)).toContain(`gittrix discard ${session.id}`)
    }
    expect((await session.discard()).state).toBe('discarded')
  })

  it('a moved durable repository is ADAPTER_UNAVAILABLE, naming what is gone', async () => {
    await session.write('README.md', 'changed\n')
    const moved = `${world.repo}-moved`
    renameSync(world.repo, moved)
    try {
      for (const op of [
        () => session.diff(),
        () => session.touchedFiles(),
        () => session.promote({ selector: { mode: 'all' } }),
      ]) {
        const error = await rejectionOf(op())
        expect(error.code).toBe('ADAPTER_UNAVAILABLE')
        expect(String(error.message)).toMatch(/moved or deleted|not a git repository/)
      }
    } finally {
      renameSync(moved, world.repo)
    }
  })

  it('an invalid branch name is INVALID_ARGUMENT', async () => {
    await session.write('README.md', 'changed\n')
    for (const branch of ['bad..name', 'x.lock', '-x', 'a b', 'a/', 'refs/@{x}'])
      expect(await code(session.promote({ selector: { mode: 'all' }, strategy: 'branch', branch }))).toBe(
        'INVALID_ARGUMENT',
      )
  })
})

describe('the store', () => {
  it('metadata.json as a directory, or copied from another session, is METADATA_INVALID; ls lists both', async () => {
    const other = await world.gittrix().startSession({ task: 'other' })
    const third = await world.gittrix().startSession({ task: 'third' })
    rmSync(join(world.store, other.id, 'metadata.json'))
    mkdirSync(join(world.store, other.id, 'metadata.json'))
    cpSync(join(world.store, session.id, 'metadata.json'), join(world.store, third.id, 'metadata.json'))
    const gittrix = world.gittrix()
    expect(await code(gittrix.getSession(other.id))).toBe('METADATA_INVALID')
    const copied = await rejectionOf(gittrix.getSession(third.id))
    expect(copied.code).toBe('METADATA_INVALID')
    expect(String(copied.message)).toContain(`is not its directory's name ${third.id}`)
    expect((await gittrix.listSessions()).map((s) => s.id)).toEqual([session.id])
    expect((await gittrix.listDamagedSessions()).map((d) => [d.id, d.error.code])).toEqual(
      [
        [other.id, 'METADATA_INVALID'],
        [third.id, 'METADATA_INVALID'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    )

    const ls = await cli(['ls', '--json'])
    expect(ls.json.ok).toBe(true)
    const damaged = ls.json.data.filter((s: { state: string }) => s.state === 'damaged')
    expect(damaged.map((d: { id: string; error: { code: string } }) => [d.id, d.error.code]).sort()).toEqual(
      [
        [other.id, 'METADATA_INVALID'],
        [third.id, 'METADATA_INVALID'],
      ].sort(),
    )
    const text = await cli(['ls'])
    expect(text.stdout).toContain(`${other.id}  damaged`)
    expect(text.stdout).toContain('METADATA_INVALID')
    expect((await cli(['ls', '--state', 'damaged', '--json'])).json.data).toHaveLength(2)
  })

  it('a store that is a file is INVALID_ARGUMENT, for the library and every CLI command', async () => {
    const file = join(tempDir('gittrix-file-store-'), 'store')
    writeFileSync(file, 'not a directory\n')
    try {
      const gittrix = new GitTrix({
        durable: new LocalDurableAdapter({ path: world.repo }),
        ephemeral: new LocalEphemeralAdapter(),
        storeDir: file,
        sweepIntervalMs: 0,
      })
      expect(await code(gittrix.listSessions())).toBe('INVALID_ARGUMENT')
      expect(await code(gittrix.startSession({ task: 'x' }))).toBe('INVALID_ARGUMENT')
      expect(await code(gittrix.getSession(session.id))).toBe('INVALID_ARGUMENT')
      for (const args of [['ls'], ['info', session.id], ['start', 'x'], ['sweep'], ['diff', session.id]]) {
        const run = await cli([...args, '--json'], { store: file })
        expect(run.json.error?.code, args.join(' ')).toBe('INVALID_ARGUMENT')
        expect(run.json.error?.message).toContain(file)
      }
    } finally {
      rmSync(file, { force: true })
    }
  })
})

describe('locks', () => {
  const lockOf = (id: string) => join(world.store, id, '.lock')

  it('a lock with a future mtime is taken over, not waited on for ever', async () => {
    mkdirSync(lockOf(session.id))
    const future = new Date(Date.now() + 3600_000)
    utimesSync(lockOf(session.id), future, future)
    const quick = await world.gittrix({ lock: { staleMs: 60_000, waitMs: 2000 } }).getSession(session.id)
    await quick.write('README.md', 'through a lock from the future\n')
  })

  it('a lock whose holder died on this host is taken over at once', async () => {
    const dead = spawn('true')
    await new Promise((resolve) => dead.on('exit', resolve))
    mkdirSync(lockOf(session.id))
    writeFileSync(
      join(lockOf(session.id), 'owner.json'),
      JSON.stringify({ pid: dead.pid, host: hostname(), since: new Date().toISOString(), token: 't' }),
    )
    const quick = await world.gittrix({ lock: { staleMs: 60_000, waitMs: 2000 } }).getSession(session.id)
    await quick.write('README.md', 'after a dead holder\n')
  })

  it("a live holder's lock is EVICTION_RACE naming the lock file and the holder", async () => {
    const live = spawn('sleep', ['30'])
    try {
      mkdirSync(lockOf(session.id))
      writeFileSync(
        join(lockOf(session.id), 'owner.json'),
        JSON.stringify({ pid: live.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 't' }),
      )
      const quick = await world.gittrix({ lock: { staleMs: 60_000, waitMs: 500 } }).getSession(session.id)
      const error = await rejectionOf(quick.write('README.md', 'x'))
      expect(error.code).toBe('EVICTION_RACE')
      expect(error.lockFile).toBe(lockOf(session.id))
      expect(String(error.message)).toContain(lockOf(session.id))
      expect(String(error.message)).toContain(`pid ${live.pid} on ${hostname()}`)
    } finally {
      live.kill()
      rmSync(lockOf(session.id), { recursive: true, force: true })
    }
  })
})

describe('--json makes every output one JSON document', () => {
  it('--version and --help, for the program and a command', async () => {
    const version = await cli(['--json', '--version'])
    expect(version.json).toEqual({ ok: true, data: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) } })
    const help = await cli(['--json', '--help'])
    expect(help.json.ok).toBe(true)
    expect(help.json.data.help).toContain('Usage: gittrix')
    const command = await cli(['promote', '--help', '--json'])
    expect(command.json.data.help).toContain('--literal')
    // Without --json, plain text as before.
    expect((await cli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('a deleted workspace through the CLI is WORKSPACE_MISSING, not INTERNAL', async () => {
    rmSync(session.workspacePath!, { recursive: true, force: true })
    for (const args of [
      ['diff', session.id],
      ['files', session.id],
      ['read', session.id, 'README.md'],
      ['promote', session.id],
    ]) {
      const run = await cli([...args, '--json'])
      expect(run.exit).toBe(1)
      expect(run.json.error.code, args.join(' ')).toBe('WORKSPACE_MISSING')
    }
    cleanup()
  })
})
