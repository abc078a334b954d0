/**
 * Exactly once across replicas (docs/architecture.md#invariants, 6 and 9): two App instances that share nothing
 * but GitHub receive promote requests for one session at the same time; one promotion lands, the
 * other says the session is being promoted (or already is). A restarted App (a fresh instance) answers
 * from GitHub state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeClaimCommit, parsePromotionTrailers } from '../../src/github/index.ts'
import { ROUTES } from '../support/git-data-api.ts'
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

  /** Promotion commits on `main`. */
  const promotions = () =>
    h.api.history('main').filter((sha) => parsePromotionTrailers(h.api.commitInfo(sha).message).ok)

  /** The App's reply to comment `commentId`. */
  const replyTo = (commentId: number) =>
    h.api.comments.find((c) => c.body.startsWith(`<!-- gittrix:reply ${commentId} -->`))?.body ?? ''

  it('a discard arriving on another replica while a promotion lands: one outcome, promoted, told everywhere', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    const other = await h.replica()
    const discard = h.commentPayload('/gittrix discard')
    // The promotion's first tree write: replica A holds the session and is about to land.
    h.api.before(ROUTES.createTree, 1, async () => {
      await other.receive({ id: 'discard-b', name: 'issue_comment', payload: discard } as never)
    })
    const promote = h.commentPayload('/gittrix promote')
    await h.receive('issue_comment', promote, 'promote-a')
    expect(promotions()).toHaveLength(1)
    expect(replyTo(promote.comment.id)).toContain('Promoted as')
    const refused = replyTo(discard.comment.id)
    expect(refused).toContain('being promoted by another request')
    expect(refused).toContain('Nothing was discarded')
    expect(refused).not.toContain('Discarded session')
    expect(h.api.runsOn(head)[0]).toMatchObject({ conclusion: 'success' })
    expect(h.sessionComments()[0]).toContain('promoted')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
  })

  it('a promotion arriving on another replica while a discard deletes the session: one outcome, discarded', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    const other = await h.replica()
    const promote = h.commentPayload('/gittrix promote')
    // The discard's branch deletion: replica A holds the session and is about to delete it.
    h.api.before(ROUTES.deleteRef, 1, async () => {
      await other.receive({ id: 'promote-b', name: 'issue_comment', payload: promote } as never)
    })
    const discard = h.commentPayload('/gittrix discard')
    await h.receive('issue_comment', discard, 'discard-a')
    expect(promotions()).toEqual([])
    expect(h.api.head('main')).toBe(h.initial)
    expect(replyTo(discard.comment.id)).toContain('Discarded session')
    const refused = replyTo(promote.comment.id)
    expect(refused).toContain('being discarded by another request')
    expect(refused).toContain('Nothing was promoted')
    expect(h.api.runsOn(head)[0]).toMatchObject({ conclusion: 'cancelled', output: { title: 'Discarded' } })
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
  })

  it('promote and discard at once on two replicas: never both; the replies agree with GitHub', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    const other = await h.replica()
    const promote = h.commentPayload('/gittrix promote')
    const discard = h.commentPayload('/gittrix discard')
    await Promise.all([
      h.receive('issue_comment', promote, 'promote-a'),
      other.receive({ id: 'discard-b', name: 'issue_comment', payload: discard } as never),
    ])
    const promoted = promotions().length === 1
    const discarded = /Discarded session/.test(replyTo(discard.comment.id))
    expect(promoted && discarded).toBe(false)
    expect(promoted || discarded).toBe(true)
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
    const run = h.api.runsOn(head)[0]!
    if (promoted) {
      expect(replyTo(promote.comment.id)).toContain('Promoted as')
      expect(replyTo(discard.comment.id)).toMatch(/Nothing was discarded|already promoted/)
      expect(run.conclusion).toBe('success')
    } else {
      expect(replyTo(promote.comment.id)).toMatch(/Nothing was promoted/)
      expect(h.api.head('main')).toBe(h.initial)
      expect(run.conclusion).toBe('cancelled')
    }
  })

  it('a claim left by a replica that stopped is released after ten minutes; a fresh one is respected', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    // Another replica claimed the session just now: commands wait for it.
    h.api.appCommit(`gittrix/${id}`, encodeClaimCommit(id, 'promoting', Date.now()))
    const [held] = await h.comment('/gittrix promote')
    expect(held).toContain('being promoted by another request')
    expect(h.api.head('main')).toBe(h.initial)
    // That replica stopped mid-promotion an hour ago: its claim and its "Promoting…" run are left.
    h.api.setBranch(`gittrix/${id}`, head)
    h.api.appCommit(`gittrix/${id}`, encodeClaimCommit(id, 'promoting', Date.now() - 3_600_000))
    const run = h.api.runsOn(head)[0]!
    Object.assign(run, {
      status: 'in_progress',
      conclusion: null,
      output: { ...run.output, title: 'Promoting…' },
    })
    const [ok] = await h.comment('/gittrix promote')
    expect(ok).toContain('Promoted as')
    expect(promotions()).toHaveLength(1)
    expect(h.api.commitInfo(h.api.head('main')!).parents).toEqual([h.initial])
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
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
