/**
 * Exactly once across replicas (DESIGN.md invariants 6 and 9): two App instances that share nothing
 * but GitHub receive promote requests for one session at the same time; one promotion lands, the
 * other says the session is being promoted (or already is). A restarted App (a fresh instance) answers
 * from GitHub state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parsePromotionTrailers } from '../../src/github/index.ts'
import { AppHarness } from './harness.ts'

describe('App: replicas', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  it('concurrent promote commands on two replicas promote once', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    const other = await h.replica()
    const first = h.commentPayload('/gittrix promote')
    const second = h.commentPayload(`/gittrix promote ${id}`)
    const results = await Promise.allSettled([
      h.receive('issue_comment', first, 'replica-a'),
      other.receive({ id: 'replica-b', name: 'issue_comment', payload: second } as never),
    ])
    const promotions = h.api
      .history('main')
      .filter((sha) => parsePromotionTrailers(h.api.commitInfo(sha).message).ok)
    expect(promotions).toHaveLength(1)
    const replies = h.api.comments.filter((c) => c.body.startsWith('<!-- gittrix:reply')).map((c) => c.body)
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
    expect(replies).toHaveLength(2)
    const winner = replies.filter((r) => /\nPromoted as/.test(r))
    expect(winner).toHaveLength(1)
    expect(winner[0]).toContain(promotions[0]!.slice(0, 7))
    // The other replica found the session held by the first (its claim) or already promoted: it says so.
    const loser = replies.find((r) => !/\nPromoted as/.test(r))!
    expect(loser).toMatch(/being promoted by another request right now|already promoted/i)
    if (/already promoted/i.test(loser)) expect(loser).toContain(promotions[0]!.slice(0, 7))
    else expect(loser).toContain('Nothing was promoted')
  })

  it('a restarted App answers a repeated command from GitHub alone', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    await h.comment('/gittrix promote')
    const promoted = h.api.head('main')!
    const fresh = await h.replica()
    const payload = h.commentPayload(`/gittrix status ${id}`)
    await fresh.receive({ id: 'after-restart', name: 'issue_comment', payload } as never)
    expect(h.api.comments.at(-1)!.body).toContain('already promoted')
    expect(h.api.comments.at(-1)!.body).toContain(promoted.slice(0, 7))
  })
})
