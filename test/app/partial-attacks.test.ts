/**
 * Attacks on the App's partial promotion memory (app/promotions.ts, src/core/remaining.ts); the last two
 * changed review or landed a revert before promotions counted only what the durable head holds. Content a
 * reviewer never saw as a change must not land on the durable branch through a later promotion.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppHarness } from './harness.ts'

const BACKDOOR = 'export const backdoor = true\n'

describe('partial promotion memory under attack', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  function shown(head: string): string {
    const run = h.api.runsOn(head)[0]!
    return [run.output.title, run.output.summary, run.output.text].join('\n')
  }

  it('a squash-merged, then reverted promotion PR: its content re-submitted by the agent is shown in full before it lands', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': `export const a = 2\n${BACKDOOR}`, 'notes.txt': 'notes\n' })
    await h.push(id)
    const [one] = await h.comment('/gittrix promote src/app.ts --pr')
    expect(one).toContain('/pull/1')
    // The PR is squash-merged (GitHub writes a new commit; the App's commit is not on main) ...
    h.api.commit('main', { 'src/app.ts': `export const a = 2\n${BACKDOOR}` }, { message: 'Fix (#1)\n' })
    h.api.pulls[0]!.state = 'closed'
    h.api.pulls[0]!.mergedAt = new Date().toISOString()
    // ... and then the maintainers find the backdoor and revert it on main.
    h.api.commit('main', { 'src/app.ts': 'export const a = 1\n' }, { message: 'Revert "Fix (#1)"\n' })

    // The agent re-submits the backdoor with a one-line change on top.
    h.work(id, { 'src/app.ts': `export const a = 3\n${BACKDOOR}` })
    const head = await h.push(id)
    const text = shown(head)
    const [reply] = await h.comment('/gittrix promote')
    const main = h.api.files(h.api.head('main')!).get('src/app.ts')!.bytes.toString()
    // If the backdoor lands on main again, the reviewer must have seen it as an added line.
    const landedUnseen = main.includes(BACKDOOR) && !text.includes(`+${BACKDOOR.trimEnd()}`)
    expect(landedUnseen, `${reply}\n---\n${text}`).toBe(false)
  })

  it('content of a promotion PR still open is shown in full before a later direct promotion lands it', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': `export const a = 2\n${BACKDOOR}`, 'notes.txt': 'notes\n' })
    await h.push(id)
    const [one] = await h.comment('/gittrix promote src/app.ts --pr')
    expect(one).toContain('/pull/1')
    h.work(id, { 'src/app.ts': `export const a = 3\n${BACKDOOR}` })
    const head = await h.push(id)
    const text = shown(head)
    const [reply] = await h.comment('/gittrix promote')
    const main = h.api.files(h.api.head('main')!).get('src/app.ts')!.bytes.toString()
    const landedUnseen = main.includes(BACKDOOR) && !text.includes(`+${BACKDOOR.trimEnd()}`)
    expect(landedUnseen, `${reply}\n---\n${text}`).toBe(false)
  })

  it('a promotion PR closed without merging, then "merged" into main with a merge that keeps main\'s tree: its file stays on review', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': `export const a = 2\n${BACKDOOR}`, 'notes.txt': 'notes\n' })
    await h.push(id)
    await h.comment('/gittrix promote src/app.ts --pr')
    const pr = h.api.head(`gittrix/promote/${id}`)!
    // The PR's reviewers reject it.
    h.api.pulls[0]!.state = 'closed'
    // A collaborator with push access records the App's commit as a second parent of a merge that keeps
    // main's tree (`git merge -s ours`): main does not change, the rejected file is still the agent's.
    h.api.commit('main', {}, { merge: pr, message: 'Merge branch (ours)\n' })
    expect(h.api.files(h.api.head('main')!).get('src/app.ts')!.bytes.toString()).toBe('export const a = 1\n')
    h.work(id, { 'notes.txt': 'notes, more\n' })
    const head = await h.push(id)
    // src/app.ts differs from main and was never landed: it must still be shown for review.
    expect(shown(head)).toContain('diff --git a/src/app.ts b/src/app.ts')
  })

  it('after a squash-merged promotion PR, the agent puts a file back to the baseline: promote all does not revert it behind the reviewer’s back', async () => {
    const { id } = h.startSession()
    h.work(id, { 'src/app.ts': 'export const a = 2\n', 'notes.txt': 'notes\n' })
    await h.push(id)
    const [one] = await h.comment('/gittrix promote src/app.ts --pr')
    expect(one).toContain('/pull/1')
    // The PR is squash-merged: main gets src/app.ts as promoted, in a commit GitHub wrote.
    h.api.commit('main', { 'src/app.ts': 'export const a = 2\n' }, { message: 'Fix (#1)\n' })
    h.api.pulls[0]!.state = 'closed'
    h.api.pulls[0]!.mergedAt = new Date().toISOString()
    // The agent quietly puts src/app.ts back as it was at the baseline.
    h.work(id, { 'src/app.ts': 'export const a = 1\n' })
    const head = await h.push(id)
    const text = shown(head)
    const [reply] = await h.comment('/gittrix promote')
    expect(reply).toContain('Promoted as')
    const main = h.api.files(h.api.head('main')!).get('src/app.ts')!.bytes.toString()
    // What landed on main for src/app.ts must have been on the check run the reviewer saw.
    const changedUnseen =
      main !== 'export const a = 2\n' && !text.includes('diff --git a/src/app.ts b/src/app.ts')
    expect(changedUnseen, `main: ${main}\n---\n${text}`).toBe(false)
  })
})
