/**
 * The check run buttons (`check_run.requested_action`): Promote all, Open PR, Discard; the sender is
 * authorized like a comment author; stale runs and redeliveries write nothing new.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inlineCode } from '../../src/github/index.ts'
import { AppHarness, type Payload } from './harness.ts'

describe('App: check run buttons', () => {
  let h: AppHarness
  let id: string
  let head: string
  let runId: number
  beforeEach(async () => {
    h = await AppHarness.create()
    ;({ id } = h.startSession())
    head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    runId = h.api.runsOn(head)[0]!.id
  })
  afterEach(() => h.close())

  it('Promote all promotes with the default strategy and completes the run', async () => {
    await h.receive('check_run', h.buttonPayload(runId, 'promote_all'))
    const promoted = h.api.head('main')!
    expect(h.api.commitInfo(promoted).parents).toEqual([h.initial])
    expect(h.api.runsOn(head)[0]).toMatchObject({
      conclusion: 'success',
      output: { title: `Promoted: ${promoted.slice(0, 7)} on main` },
    })
    expect(h.sessionComments()[0]).toContain('promoted')
  })

  it('Promote all follows the configured strategy (pr)', async () => {
    h.api.contents.set('.github/gittrix.yml', 'strategy: pr\n')
    await h.receive('check_run', h.buttonPayload(runId, 'promote_all'))
    expect(h.api.head('main')).toBe(h.initial)
    expect(h.api.pulls.map((p) => p.head)).toEqual([`gittrix/promote/${id}`])
  })

  it('Open PR opens a pull request', async () => {
    await h.receive('check_run', h.buttonPayload(runId, 'open_pr', 'max'))
    expect(h.api.pulls).toHaveLength(1)
    expect(h.api.runsOn(head)[0]!.output.title).toMatch(/^Pull request opened/)
  })

  it('Discard discards', async () => {
    await h.receive('check_run', h.buttonPayload(runId, 'discard'))
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
    expect(h.api.runsOn(head)[0]!.output.title).toBe('Discarded')
  })

  it('refuses read, triage and bot senders with a note on the linked issue; nothing else is written', async () => {
    const mark = h.api.writes().length
    await h.receive('check_run', h.buttonPayload(runId, 'promote_all', 'rita'))
    await h.receive('check_run', h.buttonPayload(runId, 'discard', 'tess'))
    await h.receive('check_run', h.buttonPayload(runId, 'promote_all', 'ci[bot]', 'Bot'))
    expect(h.api.writes().slice(mark)).toEqual(Array(3).fill(expect.stringMatching(/\/issues\/7\/comments$/)))
    const notes = h.api.comments.slice(-3).map((c) => c.body)
    expect(notes[0]).toContain('@rita, promote, discard and extend need write')
    expect(notes[1]).toContain('your role is triage')
    expect(notes[2]).toContain('is not a person')
    expect(h.api.head('main')).toBe(h.initial)
    expect(h.api.runsOn(head)[0]!.conclusion).toBe('action_required')
  })

  it('refuses a click on a run whose head is no longer the session head', async () => {
    const newer = h.work(id, { 'src/app.ts': 'export const a = 3\n' })
    await h.push(id)
    await h.receive('check_run', h.buttonPayload(runId, 'promote_all'))
    expect(h.api.head('main')).toBe(h.initial)
    const note = h.api.comments.at(-1)!.body
    expect(note).toContain('changed after review')
    expect(note).toContain(`its branch is now at ${inlineCode(newer.slice(0, 7))}`)
    expect(note).toContain(h.api.runsOn(newer)[0]!.id.toString())
  })

  it('a redelivered click promotes once; a click after promotion answers from GitHub state', async () => {
    const payload = h.buttonPayload(runId, 'promote_all')
    await h.receive('check_run', payload, 'click-1')
    const promoted = h.api.head('main')!
    const writes = h.api.writes().length
    await h.receive('check_run', payload, 'click-1')
    expect(h.api.writes().length).toBe(writes)
    // Another replica, another delivery id, the stale payload still says action_required.
    await h.receive('check_run', payload, 'click-2')
    expect(h.api.head('main')).toBe(promoted)
    expect(h.api.history('main')).toHaveLength(2)
    expect(h.api.runsOn(head)[0]).toMatchObject({ conclusion: 'success' })
  })

  it('ignores buttons and runs that are not Gittrix sessions without a request', async () => {
    const mark = h.api.requests.length
    await h.receive('check_run', h.buttonPayload(runId, 'lgtm|26764'))
    const foreign = h.buttonPayload(runId, 'promote_all')
    foreign.check_run.external_id = '42'
    await h.receive('check_run', foreign)
    expect(h.api.requests.slice(mark)).toEqual([])
  })
})

describe('App: re-run', () => {
  it('"Re-run" renders the session run again on the same head; a foreign run is ignored', async () => {
    const h = await AppHarness.create()
    try {
      const { id } = h.startSession()
      const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
      await h.push(id)
      const run = h.api.runsOn(head)[0]!
      h.api.contents.set('.github/gittrix.yml', 'strategy: nope\n')
      const { requested_action: _ignored, ...clicked } = h.buttonPayload(run.id, 'x')
      const payload: Payload = { ...clicked, action: 'rerequested' }
      await h.receive('check_run', payload)
      expect(h.api.runsOn(head)).toHaveLength(1)
      expect(h.api.runsOn(head)[0]!.output.title).toBe('Invalid .github/gittrix.yml')
      const mark = h.api.requests.length
      await h.receive('check_run', { ...payload, check_run: { ...payload.check_run, external_id: 'other' } })
      expect(h.api.requests.slice(mark)).toEqual([])
    } finally {
      h.close()
    }
  })
})
