/**
 * A lock held across its refresh interval stays held (src/core/lock.ts over proper-lockfile).
 * proper-lockfile keeps a lock alive by setting the lock directory's mtime, and at each refresh it
 * checks that the mtime is still the one it set: anything else changing it (a file written into the
 * directory) makes it declare the lock compromised and stop refreshing, after which the lock goes
 * stale and another process takes it while the holder still works under it.
 */
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { currentLease } from '../../src/core/lock.ts'
import { SessionStore } from '../../src/core/store.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'

const here = new URL('.', import.meta.url).pathname
const LOCK_CHILD = join(here, 'fixtures', 'lock-child.ts')
/** The shortest lock timing proper-lockfile allows: stale after 2 s, refreshed every 1 s. */
const LOCK = { staleMs: 2000, waitMs: 60_000 }

describe('a lock held longer than its stale time', () => {
  let store: string
  afterEach(() => cleanup(store))

  it('is neither compromised nor taken by a waiting process while its holder refreshes it', async () => {
    store = tempDir('gittrix-lock-refresh-')
    const id = 'held-long'
    mkdirSync(join(store, id))
    const lockPath = join(store, id, '.lock')
    let released = 0
    let lockedAt = 0
    let output = ''
    const { closed } = await new SessionStore(store, LOCK).withLock(id, async () => {
      const lease = currentLease(lockPath)
      expect(lease).toBeDefined()
      // Past the stale time, with refreshes due meanwhile: a lock that stopped refreshing is stale now.
      await sleep(LOCK.staleMs + 1000)
      const child = spawn(
        process.execPath,
        [
          '--experimental-strip-types',
          '--no-warnings',
          LOCK_CHILD,
          JSON.stringify({ store, id, lock: LOCK }),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      const asking = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes('ASKING')) resolve()
          if (output.includes('LOCKED') && !lockedAt) lockedAt = Date.now()
        }),
      )
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
      await asking
      // The child asks, and keeps asking (writing its request beside the lock), across two more refreshes.
      await sleep(2500)
      expect(lockedAt, 'the waiting process took a lock that was still held').toBe(0)
      expect(currentLease(lockPath), 'the holder was told its lock was compromised').toBe(lease)
      released = Date.now()
      // Not awaited under the lock: the child takes it only once this returns.
      return { closed }
    })
    expect(await closed).toBe(0)
    expect(output).toContain('LOCKED')
    expect(lockedAt).toBeGreaterThanOrEqual(released)
  }, 60_000)
})
