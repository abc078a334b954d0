/**
 * ATTACK (App review gate, hostile pusher): `/gittrix promote @<sha>` takes 7–40 hex digits and looks
 * the run up with `GET /commits/{ref}/check-runs`, whose `ref` is also a branch or tag name. git (and
 * the stand-in, which resolves like `git rev-parse`) prefers a ref over an abbreviated id, so a branch
 * NAMED like the abbreviation the reviewer typed, pointing at another rendered head of the same session
 * (one the reviewer rejected), redirects the promotion to that head.
 *
 * Safe behaviour asserted: `@<sha>` is resolved as a commit id only (the promoted head starts with it),
 * or the command is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppHarness } from '../app/harness.ts'

describe('attack: a branch named like the @<sha> the reviewer types', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  it('promotes the commit the reviewer named, not what a same-named branch points at', async () => {
    const { id } = h.startSession()
    const rejected = h.work(id, { 'src/app.ts': 'export const auth = () => true // rejected\n' })
    await h.push(id)
    const good = h.work(id, { 'src/app.ts': 'export const auth = (t) => verify(t)\n' })
    await h.push(id)
    h.work(id, { 'notes.txt': 'newer, not reviewed\n' }) // the head moves on; the reviewer names `good`
    const named = good.slice(0, 7)
    h.api.setBranch(named, rejected) // the pusher's branch
    const [answer] = await h.comment(`/gittrix promote @${named}`)
    const landed = h.api.files('main').get('src/app.ts')?.bytes.toString() ?? null
    if (landed !== null) {
      expect(landed).toBe('export const auth = (t) => verify(t)\n')
    } else {
      expect(answer).toContain('Nothing was promoted')
    }
  })
})
