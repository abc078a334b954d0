/**
 * A claim commit holds a session only when this App wrote it (app/session.ts, app/claim.ts). Its
 * message is text anyone who can push `gittrix/<id>` can write: a pushed `gittrix: discarding <id>`
 * dated 2099 would otherwise never go stale and refuse every discard, promote and extend until then.
 * A claim GitHub does not report as the App's (author login, one identity, verified signature:
 * src/adapters/github/promotion-history.ts) is an ordinary commit of the session, rendered like any
 * push; an App claim dated beyond the clock skew allowance is stale.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CLAIM_CLOCK_SKEW_MS } from '../../app/claim.ts'
import { encodeClaimCommit } from '../../src/github/index.ts'
import { AppHarness } from './harness.ts'

describe('App: claim commits', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  /** A claim's message as the App writes it, claimed at `at` (ms). */
  const claimMessage = (id: string, at: number, purpose: 'promoting' | 'discarding' = 'discarding') =>
    encodeClaimCommit(id, purpose, at)

  it('a pushed claim dated in the future does not block /gittrix discard', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    // The agent's workflow pushes a claim commit of its own (same tree, message copied from the App's).
    h.api.commit(`gittrix/${id}`, {}, { message: claimMessage(id, Date.parse('2099-01-01T00:00:00.000Z')) })
    await h.push(id)
    const [answer] = await h.comment('/gittrix discard')
    expect(answer).not.toContain('by another request right now')
    expect(answer).toContain('Discarded session')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
  })

  it('a pushed claim is an ordinary commit of the session: rendered on push, and promoted only once reviewed', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    const forged = h.api.commit(`gittrix/${id}`, {}, { message: claimMessage(id, Date.now(), 'promoting') })
    // Before its render, it is a head nobody reviewed (not "being promoted by another request").
    const [refused] = await h.comment('/gittrix promote')
    expect(refused).not.toContain('by another request')
    expect(refused).toContain('changed after review')
    expect(h.api.head('main')).toBe(h.initial)
    await h.push(id)
    expect(h.api.runsOn(forged)[0]).toMatchObject({ conclusion: 'action_required' })
    const [ok] = await h.comment('/gittrix promote')
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').get('src/app.ts')!.bytes.toString()).toBe('export const a = 2\n')
    expect(h.api.runsOn(head)[0]!.conclusion).toBe('action_required')
  })

  it('a pushed claim naming the App’s bot as author is still not the App’s (GitHub did not sign it)', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    h.api.commit(
      `gittrix/${id}`,
      {},
      {
        message: claimMessage(id, Date.now()),
        identity: { name: 'gittrix-test[bot]', email: '41898282+gittrix-test[bot]@users.noreply.github.com' },
      },
    )
    const [answer] = await h.comment('/gittrix extend 1d')
    expect(answer).not.toContain('by another request')
    expect(answer).toContain('Extended session')
  })

  it('the App’s own claim holds the session within the clock skew allowance and is stale beyond it', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    // Another replica's clock runs a little ahead: its fresh claim holds.
    h.api.appCommit(`gittrix/${id}`, claimMessage(id, Date.now() + CLAIM_CLOCK_SKEW_MS / 2))
    const [held] = await h.comment('/gittrix discard')
    expect(held).toContain('being discarded by another request')
    expect(h.api.head(`gittrix/${id}`)).not.toBeNull()
    // A claim dated an hour ahead was not made by a working clock: released, and the discard runs.
    h.api.setBranch(`gittrix/${id}`, head)
    h.api.appCommit(`gittrix/${id}`, claimMessage(id, Date.now() + 3_600_000))
    const [done] = await h.comment('/gittrix discard')
    expect(done).toContain('Discarded session')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
  })
})
