/**
 * ATTACK (App, hostile pusher): a claim commit is free text anyone with push access can write. A
 * forged `gittrix: discarding <id>` whose Gittrix-Claimed-At lies in the future is never "stale"
 * (app/claim.ts withoutStaleClaim: `now - claimedAt <= CLAIM_STALE_MS` holds for any future time), so
 * the App refuses every discard, promote and extend of the session until that date — the human can no
 * longer discard the agent's session through Gittrix. Safe behaviour asserted: a claim the App did not
 * write (or one dated in the future) does not hold the session; `/gittrix discard` deletes the branch.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppHarness } from '../app/harness.ts'

describe('attack: forged claim commit', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  it('a pushed claim dated in the future does not block /gittrix discard', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    // The agent's workflow pushes a claim commit of its own (same tree, message copied from the App's).
    h.api.commit(`gittrix/${id}`, {}, {
      message:
        `gittrix: discarding ${id}\n\nThe Gittrix App holds this session while it discards it. Do not push to this branch meanwhile.\n\n` +
        `Gittrix-Session: ${id}\nGittrix-Claimed-At: 2099-01-01T00:00:00.000Z\n`,
    })
    await h.push(id)
    const [answer] = await h.comment('/gittrix discard')
    expect(answer).not.toContain('by another request right now')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
  })
})
