/**
 * A session promoted in part, across events: the App keeps no state between webhooks, so every later
 * render (a push, `/gittrix status`, `/gittrix diff`) and promotion rebuilds the session's earlier
 * promotions from the App's own promotion commits (app/promotions.ts) and shows and promotes only what
 * remains; a forged promotion trailer hides nothing; a second pull request promotion gets its own
 * branch.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { withTrailers } from '../../src/core/promotion-identity.ts'
import { AppHarness } from './harness.ts'

const FILES = {
  'src/app.ts': 'export const a = 2\n',
  'docs/x.md': 'x\n',
  'notes.txt': 'notes\n',
}

describe('App: partial promotion across events', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  async function session(files: Record<string, string | null> = FILES) {
    const { id } = h.startSession()
    h.work(id, files)
    const head = await h.push(id)
    return { id, head }
  }

  /** Everything the session run on `head` shows (title, summary, diff). */
  function shown(head: string): string {
    const run = h.api.runsOn(head)[0]!
    return [run.output.title, run.output.summary, run.output.text].join('\n')
  }

  it('after a partial promotion, a push renders only what remains; status and diff agree; the rest lands next', async () => {
    const { id } = await session()
    const [first] = await h.comment('/gittrix promote docs/x.md')
    expect(first).toContain('2 file(s) remain to promote')
    const promoted = h.api.head('main')!
    // The run re-rendered with what remains keeps the session's history section.
    const [before] = h.api.runsOn(h.api.head(`gittrix/${id}`)!)
    expect(before!.output.summary).toContain('### History')

    // The agent goes on: a new push, a new render, rebuilt from GitHub alone.
    h.work(id, { 'notes.txt': 'notes, more\n' })
    const mark = h.api.requests.length
    const head = await h.push(id)
    // The render's request budget (test/app/request-budget.test.ts: 11 + ⌈N/100⌉ = 12 here) plus at most three
    // per earlier promotion (who wrote it, two trees); the durable branch read once, by the baseline check.
    const routes = h.api.requests.slice(mark).map((r) => `${r.method} ${r.path}`)
    expect(routes.length, routes.join('\n')).toBeLessThanOrEqual(12 + 3)
    expect(routes.filter((r) => /\/compare\/[0-9a-f]{40}\.\.\.main$/.test(r))).toHaveLength(1)
    expect(routes.filter((r) => r.startsWith('GET') && r.endsWith('/commits'))).toHaveLength(1)
    const text = shown(head)
    expect(text).toContain('diff --git a/src/app.ts')
    expect(text).toContain('diff --git a/notes.txt')
    expect(text).not.toContain('docs/x.md')
    expect(h.api.runsOn(head)[0]!.output.title).toMatch(/^2 files? changed|2 files/)

    const [status] = await h.comment('/gittrix status')
    expect(status).toMatch(/2 files? changed/)
    const [diff] = await h.comment('/gittrix diff')
    expect(diff).toContain('+++ b/notes.txt')
    expect(diff).not.toContain('docs/x.md')

    // Promote all: only what remains, on top of the first promotion; then nothing remains.
    const [rest] = await h.comment('/gittrix promote')
    expect(rest).toContain('Promoted as')
    const last = h.api.head('main')!
    expect(h.api.commitInfo(last).parents).toEqual([promoted])
    const files = h.api.files(last)
    expect(files.get('notes.txt')!.bytes.toString()).toBe('notes, more\n')
    expect(files.get('docs/x.md')!.bytes.toString()).toBe('x\n')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
    expect(h.api.runsOn(head)[0]).toMatchObject({ conclusion: 'success' })
  })

  it('a file promoted and then changed again shows as remaining, as a change from what was promoted', async () => {
    const { id } = await session()
    await h.comment('/gittrix promote docs/x.md src/app.ts')
    h.work(id, { 'docs/x.md': 'x, second take\n', 'src/app.ts': 'export const a = 3\n' })
    const head = await h.push(id)
    const text = h.api.runsOn(head)[0]!.output.text!
    // Not against the baseline (docs/x.md new, src/app.ts from `a = 1`): from what was promoted.
    expect(text).toContain('diff --git a/docs/x.md b/docs/x.md\nindex ')
    expect(text).toContain('-x\n+x, second take')
    expect(text).toContain('-export const a = 2\n+export const a = 3')
    expect(text).not.toContain('export const a = 1')

    const [again] = await h.comment('/gittrix promote docs/x.md src/app.ts')
    expect(again).toContain('Promoted as')
    const files = h.api.files(h.api.head('main')!)
    expect(files.get('docs/x.md')!.bytes.toString()).toBe('x, second take\n')
    expect(files.get('src/app.ts')!.bytes.toString()).toBe('export const a = 3\n')
  })

  it('promoting a file already promoted answers with that promotion and writes nothing', async () => {
    await session()
    await h.comment('/gittrix promote docs/x.md')
    const main = h.api.head('main')!
    const [again] = await h.comment('/gittrix promote docs/x.md')
    expect(again).toContain('Already promoted')
    expect(again).toContain(`/commit/${main}`)
    expect(h.api.head('main')).toBe(main)
  })

  it('a promotion trailer someone else pushed to main hides nothing from review', async () => {
    const { id } = await session()
    // Someone with push access copies the session's docs/x.md to main under the session's trailers.
    const baseline = h.initial
    h.api.commit(
      'main',
      { 'docs/x.md': 'x\n' },
      { message: withTrailers('gittrix: promote session', id, baseline) },
    )
    h.work(id, { 'notes.txt': 'notes, more\n' })
    const head = await h.push(id)
    expect(shown(head)).toContain('docs/x.md')
    // And it is no promotion of the session: promoting docs/x.md is a baseline conflict, not a replay.
    const [reply] = await h.comment('/gittrix promote docs/x.md')
    expect(reply).toContain('Baseline conflict')
  })

  it('a second pull request promotion gets its own branch; files of open pull requests stay on review', async () => {
    const { id } = await session()
    const main = h.api.head('main')
    const [one] = await h.comment('/gittrix promote docs/x.md --pr')
    expect(one).toContain('/pull/1')
    const [two] = await h.comment('/gittrix promote src/app.ts --pr')
    expect(two).toContain('/pull/2')
    expect(h.api.head('main')).toBe(main)
    expect(h.api.pulls.map((p) => p.head)).toEqual([`gittrix/promote/${id}`, `gittrix/promote/${id}-2`])
    // Each branch holds exactly its own promotion on the durable head.
    const second = h.api.head(`gittrix/promote/${id}-2`)!
    expect(h.api.commitInfo(second).parents).toEqual([main])
    expect(h.api.files(second).get('src/app.ts')!.bytes.toString()).toBe('export const a = 2\n')
    expect(h.api.files(second).has('docs/x.md')).toBe(false)

    // An open pull request holds nothing the durable branch has: its files still show as remaining,
    // so what a later promotion writes is always what the check run showed.
    const [diff] = await h.comment('/gittrix diff')
    expect(diff).toContain('+++ b/src/app.ts')
    expect(diff).toContain('+++ b/docs/x.md')

    // Closing the second pull request completes the session run on its head.
    await h.receive('pull_request', h.closedPayload(2, true))
    expect(h.api.runsOn(second)[0]).toMatchObject({ conclusion: 'success' })
  })

  it('discard after a partial promotion drops what remains and keeps what was promoted', async () => {
    const { id } = await session()
    await h.comment('/gittrix promote docs/x.md')
    const main = h.api.head('main')!
    const [reply] = await h.comment('/gittrix discard')
    expect(reply).toContain('Discarded session')
    expect(reply).toContain('1 file(s) promoted earlier stay promoted')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
    expect(h.api.head('main')).toBe(main)
  })

  it('a promotion pull request merged with a merge commit counts as promoted in later renders', async () => {
    const { id } = await session()
    await h.comment('/gittrix promote docs/x.md --pr')
    const pr = h.api.head(`gittrix/promote/${id}`)!
    h.api.commit('main', { 'docs/x.md': 'x\n' }, { merge: pr, message: 'Merge pull request #1\n' })
    h.work(id, { 'notes.txt': 'notes, more\n' })
    const head = await h.push(id)
    expect(shown(head)).not.toContain('docs/x.md')
    expect(shown(head)).toContain('notes.txt')
  })

  it('with more than 100 commits on main since the baseline, earlier promotions are found on its first-parent history', async () => {
    const { id } = await session()
    await h.comment('/gittrix promote docs/x.md')
    for (let i = 0; i < 100; i++)
      h.api.commit('main', { [`other/${i}.txt`]: `${i}\n` }, { message: `other ${i}\n` })
    h.work(id, { 'notes.txt': 'notes, more\n' })
    const head = await h.push(id)
    expect(shown(head)).not.toContain('docs/x.md')
    expect(shown(head)).toContain('notes.txt')
    const [rest] = await h.comment('/gittrix promote')
    expect(rest).toContain('Promoted as')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
  })

  it('a promotion pull request closed without merging promoted nothing: its files remain, the same promotion reuses its branch', async () => {
    const { id } = await session()
    await h.comment('/gittrix promote docs/x.md --pr')
    h.api.pulls[0]!.state = 'closed'
    const [again] = await h.comment('/gittrix promote docs/x.md --pr')
    expect(again).toContain('/pull/2')
    expect(h.api.pulls.map((p) => [p.head, p.state])).toEqual([
      [`gittrix/promote/${id}`, 'closed'],
      [`gittrix/promote/${id}`, 'open'],
    ])
  })
})
