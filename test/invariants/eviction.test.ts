/**
 * Eviction with an injectable clock: idle and absolute limits, direct workspace edits keep a session
 * alive, manual sessions are never swept, untilPromote, extend, discard, the sweep timer, lastAccessAt
 * bumps, and listing / looking up sessions in every state.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_EVICTION } from '../../src/index.ts'
import { makeWorld, metadataOnDisk, type World } from './helpers.ts'

const SECOND = 1000
const HOUR = 3600 * SECOND

describe('eviction', () => {
  let world: World
  /** Real time plus an offset the test moves forward. */
  let offset: number
  const now = () => Date.now() + offset
  beforeEach(() => {
    world = makeWorld({ 'README.md': '# Project\n' })
    offset = 0
  })
  afterEach(() => {
    vi.restoreAllMocks()
    world.dispose()
  })

  it('applies the documented defaults to new sessions', async () => {
    const session = await world.gittrix({ now }).startSession({ task: 'defaults' })
    expect((await session.info()).evictionPolicy).toEqual({
      ttlIdleMs: 4 * HOUR,
      ttlAbsoluteMs: null,
      untilPromote: true,
      manual: false,
    })
    expect(DEFAULT_EVICTION.ttlIdleMs).toBe(4 * HOUR)
  })

  it('sweeps an idle session after ttlIdleMs: state expired, workspace removed', async () => {
    const gittrix = world.gittrix({ now })
    const session = await gittrix.startSession({ task: 'idle', eviction: { ttlIdleMs: 10 * SECOND } })
    const ws = session.workspacePath!
    offset = 9 * SECOND
    expect((await gittrix.sweep()).expired).toEqual([])
    expect(existsSync(ws)).toBe(true)

    offset = 10 * SECOND + 500
    const report = await gittrix.sweep()
    expect(report.expired).toEqual([session.id])
    expect(report.keptAlive).toEqual([])
    expect(existsSync(ws)).toBe(false)
    const info = await session.info()
    expect(info.state).toBe('expired')
    expect((await (async () => session.write('x', 'y'))().catch((e) => e)).code).toBe('SESSION_EXPIRED')
    // Sweeping again does nothing more.
    expect((await gittrix.sweep()).expired).toEqual([])
  })

  it('does not sweep an agent that edits files directly in the workspace', async () => {
    const gittrix = world.gittrix({ now })
    const ttl = 10 * SECOND
    const busy = await gittrix.startSession({ task: 'direct edits', eviction: { ttlIdleMs: ttl } })
    const quiet = await gittrix.startSession({ task: 'no edits', eviction: { ttlIdleMs: ttl } })
    const before = Date.parse((await busy.info()).lastAccessAt)
    await sleep(400)
    // The agent writes with its own tools: no API call.
    writeFileSync(join(busy.workspacePath!, 'README.md'), '# edited directly\n')
    const editedAt = Date.now()

    offset = ttl - 200 // both are idle by their lastAccessAt; only `busy` changed recently
    const report = await gittrix.sweep()
    expect(report.keptAlive).toEqual([busy.id])
    expect(report.expired).toEqual([quiet.id])
    const info = await busy.info()
    expect(info.state).toBe('active')
    const lastAccess = Date.parse(info.lastAccessAt)
    expect(lastAccess).toBeGreaterThan(before + 300)
    expect(lastAccess).toBeLessThanOrEqual(editedAt + 5)
    expect(existsSync(busy.workspacePath!)).toBe(true)
    expect((await quiet.info()).state).toBe('expired')

    // Once the edits stop for ttlIdleMs, it goes too.
    offset = 2 * ttl
    expect((await gittrix.sweep()).expired).toEqual([busy.id])
  })

  it('ttlAbsoluteMs expires a session however busy it is', async () => {
    const gittrix = world.gittrix({ now })
    const session = await gittrix.startSession({
      task: 'absolute',
      eviction: { ttlIdleMs: null, ttlAbsoluteMs: 60 * SECOND },
    })
    offset = 59 * SECOND
    await session.write('README.md', '# busy\n') // bumps lastAccessAt to "now"
    expect((await gittrix.sweep()).expired).toEqual([])
    offset = 60 * SECOND
    writeFileSync(join(session.workspacePath!, 'more.txt'), 'direct edit\n')
    const report = await gittrix.sweep()
    expect(report.expired).toEqual([session.id])
    expect(report.keptAlive).toEqual([])
    expect((await session.info()).state).toBe('expired')
    expect(existsSync(session.workspacePath!)).toBe(false)
  })

  it('never sweeps manual sessions', async () => {
    const gittrix = world.gittrix({ now })
    const session = await gittrix.startSession({
      task: 'manual',
      eviction: { manual: true, ttlIdleMs: SECOND, ttlAbsoluteMs: SECOND },
    })
    offset = 365 * 24 * HOUR
    const report = await gittrix.sweep()
    expect(report).toEqual({ expired: [], cleaned: [], keptAlive: [], busy: [] })
    expect((await session.info()).state).toBe('active')
    expect(existsSync(session.workspacePath!)).toBe(true)
  })

  it('untilPromote true removes the workspace at promotion; false keeps it until the sweep cleans it', async () => {
    const gittrix = world.gittrix({ now })
    const evicting = await gittrix.startSession({ task: 'evict on promote' })
    await evicting.write('a.txt', 'a\n')
    await evicting.promote({ selector: { mode: 'all' } })
    expect(existsSync(evicting.workspacePath!)).toBe(false)
    expect((await evicting.info()).state).toBe('promoted')

    const keeping = await gittrix.startSession({
      task: 'keep after promote',
      eviction: { untilPromote: false, ttlIdleMs: 10 * SECOND },
    })
    await keeping.write('b.txt', 'b\n')
    const outcome = await keeping.promote({ selector: { mode: 'all' } })
    expect(existsSync(keeping.workspacePath!)).toBe(true)
    expect((await keeping.info()).state).toBe('promoted')

    offset = 11 * SECOND
    const report = await gittrix.sweep()
    expect(report.cleaned).toEqual([keeping.id])
    expect(report.expired).toEqual([])
    expect(existsSync(keeping.workspacePath!)).toBe(false)
    // Still promoted, and still answers with its result.
    const info = await (await gittrix.getSession(keeping.id)).info()
    expect(info.state).toBe('promoted')
    expect(info.promote.result?.sha).toBe(outcome.sha)
  })

  it('extend() postpones idle and absolute expiry', async () => {
    const gittrix = world.gittrix({ now })
    const idle = await gittrix.startSession({ task: 'extend idle', eviction: { ttlIdleMs: 10 * SECOND } })
    const absolute = await gittrix.startSession({
      task: 'extend absolute',
      eviction: { ttlIdleMs: null, ttlAbsoluteMs: 10 * SECOND },
    })
    offset = 8 * SECOND
    const extended = await idle.extend(60 * SECOND)
    expect(extended.evictionPolicy.ttlIdleMs).toBe(60 * SECOND)
    await absolute.extend(60 * SECOND)

    offset = 30 * SECOND // past both original limits
    expect((await gittrix.sweep()).expired).toEqual([])
    expect((await idle.info()).state).toBe('active')
    expect((await absolute.info()).state).toBe('active')

    offset = 8 * SECOND + 60 * SECOND + 500
    expect((await gittrix.sweep()).expired.sort()).toEqual([idle.id, absolute.id].sort())
  })

  it('discard removes the workspace, marks the session discarded, and is idempotent', async () => {
    const gittrix = world.gittrix({ now })
    const session = await gittrix.startSession({ task: 'discard' })
    await session.write('README.md', '# to be discarded\n')
    const ws = session.workspacePath!
    const first = await session.discard()
    expect(first.state).toBe('discarded')
    expect(existsSync(ws)).toBe(false)
    const second = await session.discard()
    expect(second.state).toBe('discarded')
    expect(second.updatedAt).toBe(first.updatedAt)
    expect(metadataOnDisk(world.store, session.id).state).toBe('discarded')
    // A discarded session is never swept into another state.
    offset = 365 * 24 * HOUR
    await gittrix.sweep()
    expect((await session.info()).state).toBe('discarded')
  })

  it('init() twice starts one sweep timer, the timer sweeps, and close() stops it', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval')
    const gittrix = world.gittrix({ now, sweepIntervalMs: 50 })
    await gittrix.init()
    await gittrix.init()
    const timers = setIntervalSpy.mock.calls.filter(([, ms]) => ms === 50)
    expect(timers).toHaveLength(1)

    const swept = await gittrix.startSession({ task: 'timer', eviction: { ttlIdleMs: SECOND } })
    offset = 2 * SECOND
    await vi.waitFor(async () => expect((await swept.info()).state).toBe('expired'), {
      timeout: 5000,
      interval: 50,
    })

    await gittrix.close()
    offset = 0
    const after = await gittrix.startSession({ task: 'after close', eviction: { ttlIdleMs: SECOND } })
    offset = 2 * SECOND
    await sleep(300)
    expect((await after.info()).state).toBe('active')
    await gittrix.close() // twice is fine
  })

  it('every API call bumps lastAccessAt', async () => {
    let clock = Date.now() // moved only forward, so workspace mtimes never look newer than the clock
    const gittrix = world.gittrix({ now: () => clock })
    const session = await gittrix.startSession({ task: 'bumps', eviction: { ttlIdleMs: HOUR } })
    const agent = session.forAgent()
    expect((await session.info()).lastAccessAt).toBe(new Date(clock).toISOString())
    const calls: [string, () => Promise<unknown>][] = [
      ['write', () => agent.write('a.txt', 'a\n')],
      ['read', () => agent.read('a.txt')],
      ['list', () => agent.list()],
      ['diff', () => agent.diff()],
      ['commit', () => agent.commit('checkpoint')],
      ['delete', () => agent.delete('a.txt')],
      ['user write', () => session.write('b.txt', 'b\n')],
      ['diffDetails', () => session.diffDetails()],
      ['touchedFiles', () => session.touchedFiles()],
      ['extend', () => session.extend(HOUR)],
    ]
    for (const [name, call] of calls) {
      clock += 60 * SECOND
      await call()
      expect({ name, lastAccessAt: (await session.info()).lastAccessAt }).toEqual({
        name,
        lastAccessAt: new Date(clock).toISOString(),
      })
    }
    // A bumped session is not idle: sweep 59 min after the last call keeps it.
    clock += 59 * 60 * SECOND
    expect((await gittrix.sweep()).expired).toEqual([])
    clock += 2 * 60 * SECOND
    expect((await gittrix.sweep()).expired).toEqual([session.id])
  })

  it('listSessions filters by state; getSession still gives info for finished sessions', async () => {
    const gittrix = world.gittrix({ now })
    const active = await gittrix.startSession({ task: 'stays active' })
    const promoted = await gittrix.startSession({ task: 'gets promoted' })
    await promoted.write('p.txt', 'p\n')
    const outcome = await promoted.promote({ selector: { mode: 'all' } })
    const discarded = await gittrix.startSession({ task: 'gets discarded' })
    await discarded.discard()
    const expired = await gittrix.startSession({ task: 'expires', eviction: { ttlIdleMs: SECOND } })
    offset = 2 * SECOND
    await active.extend(HOUR)
    await gittrix.sweep()

    const ids = (state?: Parameters<typeof gittrix.listSessions>[0]) =>
      gittrix.listSessions(state).then((list) => list.map((s) => s.id).sort())
    expect(await ids()).toEqual([active.id, promoted.id, discarded.id, expired.id].sort())
    expect(await ids({ state: 'active' })).toEqual([active.id])
    expect(await ids({ state: 'promoted' })).toEqual([promoted.id])
    expect(await ids({ state: 'discarded' })).toEqual([discarded.id])
    expect(await ids({ state: 'expired' })).toEqual([expired.id])
    expect(await ids({ state: ['promoted', 'expired'] })).toEqual([promoted.id, expired.id].sort())

    const info = await (await gittrix.getSession(promoted.id)).info()
    expect(info.state).toBe('promoted')
    expect(info.task).toBe('gets promoted')
    expect(info.promote.result).toEqual({ sha: outcome.sha, branch: 'main' })
    // Nothing remains to promote; the promotion lists the file.
    expect(info.touchedFiles).toEqual([])
    expect(info.promotions?.map((p) => p.files)).toEqual([['p.txt']])
    expect((await (await gittrix.getSession(expired.id)).info()).state).toBe('expired')
  })
})
