/**
 * `handleSignalsWhile`: a signal received while the work runs goes to the caller's function (not to
 * Node's default, which would end the process), every time it arrives, and the listeners are gone once
 * the work settles, whether it resolved or threw.
 */
import { describe, expect, it } from 'vitest'
import { handleSignalsWhile } from '../../src/process/signals.ts'

const SIGNALS: NodeJS.Signals[] = ['SIGUSR2', 'SIGHUP']

function counts(): number[] {
  return SIGNALS.map((signal) => process.listenerCount(signal))
}

/** Resolves once `signal` has been delivered to this process and its listeners have run. */
function raise(signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    process.once(signal, () => setImmediate(resolve))
    process.kill(process.pid, signal)
  })
}

describe('handleSignalsWhile', () => {
  it('hands each signal received during the work to onSignal, then removes its listeners', async () => {
    const before = counts()
    const seen: NodeJS.Signals[] = []
    const result = await handleSignalsWhile(
      SIGNALS,
      (signal) => seen.push(signal),
      async () => {
        expect(counts()).toEqual(before.map((n) => n + 1))
        await raise('SIGUSR2')
        await raise('SIGHUP')
        await raise('SIGUSR2')
        return 'done'
      },
    )
    expect(result).toBe('done')
    expect(seen).toEqual(['SIGUSR2', 'SIGHUP', 'SIGUSR2'])
    expect(counts()).toEqual(before)
  })

  it('removes its listeners when the work rejects, and rejects with the same error', async () => {
    const before = counts()
    const failure = new Error('the child could not start')
    await expect(
      handleSignalsWhile(
        SIGNALS,
        () => undefined,
        () => Promise.reject(failure),
      ),
    ).rejects.toBe(failure)
    expect(counts()).toEqual(before)
  })

  it('leaves listeners others put on the same signals in place', async () => {
    const other = () => undefined
    process.on('SIGUSR2', other)
    try {
      await handleSignalsWhile(
        SIGNALS,
        () => undefined,
        () => Promise.resolve(),
      )
      expect(process.listeners('SIGUSR2')).toContain(other)
    } finally {
      process.off('SIGUSR2', other)
    }
  })
})
