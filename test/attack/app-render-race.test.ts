/**
 * ATTACK (App review gate, hostile agent): "reviewed" means "rendered". A plain `/gittrix promote`
 * resolves to the session head when its run awaits a decision — including a run the App rendered
 * AFTER the person wrote the command. The agent pushes right before (or while) the reviewer types; the
 * push event is handled first (events of one session are serialized), its render completes, then the
 * comment promotes the new head: a file no human could have seen lands on `main`, and the reply and the
 * run say "as reviewed at" that head.
 *
 * Safe behaviour asserted: a comment promotes only a head whose render completed before the comment was
 * written (`comment.created_at` is in the signed payload; the run's `completed_at` is GitHub's); else it
 * is refused like a push after the render.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppHarness } from '../app/harness.ts'

describe('attack: render completes after the promote comment was written', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  it('does not promote a head rendered after the comment was written', async () => {
    const { id } = h.startSession()
    const reviewed = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    expect(h.api.runsOn(reviewed)[0]!.conclusion).toBe('action_required')

    // The reviewer reads that run and writes "/gittrix promote" now…
    const writtenAt = new Date(Date.now() - 1000).toISOString()
    // …while the agent pushes; GitHub delivers the push first and the App renders it.
    h.work(id, { '.github/dependabot.yml': 'never reviewed\n', 'src/app.ts': 'export const a = 666\n' })
    await h.push(id)
    const payload = h.commentPayload('/gittrix promote')
    ;(payload.comment as { created_at: string }).created_at = writtenAt
    ;(payload.comment as { updated_at: string }).updated_at = writtenAt
    await h.receive('issue_comment', payload)

    const main = h.api.files('main')
    expect(main.has('.github/dependabot.yml')).toBe(false)
    expect(main.get('src/app.ts')?.bytes.toString() ?? null).not.toBe('export const a = 666\n')
  })
})
