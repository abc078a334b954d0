/**
 * A burst of agent calls keeps the session lock between calls (src/core/lock.ts, `linger`) and serves
 * metadata read under it again (src/core/store.ts). Nothing that can change between two calls of a
 * burst may come from that: every path is resolved again (a symlink to `.git` made between two writes
 * is refused), metadata changed behind the store's back is read again, and another process that asks
 * for the lock gets it while the burst goes on.
 */
import { spawn } from 'node:child_process'
import { readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { currentLease } from '../../src/core/lock.ts'
import { LocalEphemeralAdapter, type UserSession } from '../../src/index.ts'
import type { LocalWorkspaceKind } from '../../src/adapters/local/ephemeral.ts'
import { git } from '../support/git-fixtures.ts'
import { makeWorld, rejectionOf, type World } from './helpers.ts'

const here = new URL('.', import.meta.url).pathname
const LOCK_CHILD = join(here, 'fixtures', 'lock-child.ts')

describe.each<LocalWorkspaceKind>(['clone', 'worktree', 'copy'])('a burst of writes (%s)', (kind) => {
  let world: World
  let session: UserSession
  let ws: string
  const leased = () => currentLease(join(world.store, session.id, '.lock')) !== undefined
  beforeEach(async () => {
    world = makeWorld({ 'README.md': '# Project\n', 'dir/inner.txt': 'inner\n', 'sub/.keep': '' })
    session = await world
      .gittrix({ ephemeral: new LocalEphemeralAdapter({ kind }) })
      .startSession({ task: `burst ${kind}` })
    ws = session.workspacePath!
  })
  afterEach(() => world.dispose())

  it('refuses a symlink to .git made after the first write, on the very next write', async () => {
    const agent = session.forAgent()
    // A nested repository: its .git is refused in every kind (a copy workspace has no .git of its own).
    git(join(ws, 'sub'), 'init', '--quiet')
    const nestedConfig = readFileSync(join(ws, 'sub/.git/config'), 'utf8')
    const targets = kind === 'copy' ? ['sub/.git'] : ['.git', 'sub/.git']
    for (const target of targets) {
      await agent.write('dir/inner.txt', 'first write\n')
      // Still inside the burst: the lock is kept, so a cache of anything would be used now.
      expect(leased()).toBe(true)
      rmSync(join(ws, 'dir'), { recursive: true })
      symlinkSync(target, join(ws, 'dir'))
      const error = await rejectionOf(agent.write('dir/config', '[core]\n\thooksPath = /tmp/pwned\n'))
      expect({ target, code: error.code }).toEqual({ target, code: 'WRITE_REJECTED' })
      // The final component too: `dir` itself now names the git directory (a file in a worktree).
      expect((await rejectionOf(agent.write('dir', 'x\n'))).code).toBe('WRITE_REJECTED')
      unlinkSync(join(ws, 'dir'))
    }
    expect(readFileSync(join(ws, 'sub/.git/config'), 'utf8')).toBe(nestedConfig)
    if (kind === 'clone') expect(readFileSync(join(ws, '.git/config'), 'utf8')).not.toContain('pwned')
  })

  it('reads metadata changed behind the store between two writes of a burst', async () => {
    const agent = session.forAgent()
    await agent.write('a.txt', 'one\n')
    expect(leased()).toBe(true)
    const file = join(world.store, session.id, 'metadata.json')
    const meta = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    // Replaced the way a writer replaces it (rename), with the state another process would set.
    writeFileSync(`${file}.new`, JSON.stringify({ ...meta, state: 'discarded' }, null, 2))
    renameSync(`${file}.new`, file)
    expect((await rejectionOf(agent.write('b.txt', 'two\n'))).code).toBe('SESSION_EXPIRED')
    // Rewritten in place (same inode), back to active: the next call sees that too.
    writeFileSync(file, JSON.stringify(meta))
    await agent.write('b.txt', 'two\n')
    expect(readFileSync(join(ws, 'b.txt'), 'utf8')).toBe('two\n')
  })
})

describe('the lock during a burst', () => {
  let world: World
  afterEach(() => world.dispose())

  it('goes to another process that asks for it while the burst goes on', async () => {
    world = makeWorld()
    const session = await world.gittrix().startSession({ task: 'burst and a waiter' })
    const agent = session.forAgent()
    await agent.write('warm.txt', 'x\n')
    const child = spawn(
      process.execPath,
      [
        '--experimental-strip-types',
        '--no-warnings',
        LOCK_CHILD,
        JSON.stringify({ store: world.store, id: session.id }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let locked = false
    let output = ''
    const asking = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('ASKING')) resolve()
        if (output.includes('LOCKED')) locked = true
      }),
    )
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    // Only once the child asks does the burst start (a loaded machine may take seconds to start node).
    await asking
    // The burst: writes back to back, never letting the event loop go idle, until the child has had
    // the lock, or for far longer than it should take (then the burst kept the lock to itself).
    let writes = 0
    while (!locked && writes < 30_000) await agent.write(`burst/${writes++ % 50}.txt`, `${writes}\n`)
    expect(locked).toBe(true)
    expect(await exited).toBe(0)
    // The burst goes on afterwards.
    await agent.write('after.txt', 'after\n')
    expect(readFileSync(join(session.workspacePath!, 'after.txt'), 'utf8')).toBe('after\n')
  })
})
