/**
 * The gate binds (docs/architecture.md#invariants, 10): a promotion reads exactly the commit a human reviewed —
 * the head of the App's session check run — by id. Attacks of a hostile agent whose workflow can push
 * `gittrix/<id>`: push after the render, push while the run shows "Promoting…" (injected between the
 * App's requests through the stand-in's hooks), the same against `adminPaths`, a check run forged
 * by a workflow, a push rendered between the reviewer reading and the comment arriving (the comment's
 * `created_at` is before the render completed), and a branch named like the `@<sha>` a reviewer types. Every attack ends with a count of files on `main` whose content no human reviewed;
 * the suite asserts the total is 0.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inlineCode } from '../../src/github/index.ts'
import { matchCommit } from '../../app/review.ts'
import { ROUTES } from '../support/git-data-api.ts'
import { AppHarness } from './harness.ts'

/** Files on `main` (changed since the baseline) whose content is not that of the reviewed commit. */
function unreviewedOnMain(h: AppHarness, reviewed: string): string[] {
  const base = h.api.files(h.initial)
  const main = h.api.files('main')
  const seen = h.api.files(reviewed)
  const out: string[] = []
  for (const path of new Set([...base.keys(), ...main.keys()])) {
    const now = main.get(path)
    const before = base.get(path)
    const changed = now?.oid !== before?.oid || now?.mode !== before?.mode
    if (changed && (now?.oid !== seen.get(path)?.oid || now?.mode !== seen.get(path)?.mode)) out.push(path)
  }
  return out
}

/**
 * Runs `push` once, right before the first request for the durable branch's head that the App makes
 * while the session run on `head` shows "Promoting…": the moment between the App's last check and the
 * promotion's own reads (the stand-in's request hooks, git-data-api.ts).
 */
function duringPromoting(h: AppHarness, head: string, push: () => void): { fired: () => boolean } {
  let done = false
  for (let nth = 1; nth <= 40; nth++) {
    h.api.before(ROUTES.getRef, nth, (request) => {
      const run = h.api.runsOn(head)[0]
      if (done || !request.path.endsWith('heads%2Fmain') || run?.output.title !== 'Promoting…') return
      done = true
      push()
    })
  }
  return { fired: () => done }
}

let unreviewedPromotions = 0

describe('App: promotion is pinned to the reviewed head', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())
  afterAll(() => {
    // The adversarial count over the whole suite.
    expect(unreviewedPromotions).toBe(0)
  })

  /** A session rendered at its head (the review), as the push event does. */
  async function reviewed(files: Record<string, string> = { 'src/app.ts': 'export const a = 2\n' }) {
    const { id } = h.startSession()
    const head = h.work(id, files)
    await h.push(id)
    expect(h.api.runsOn(head)[0]!.conclusion).toBe('action_required')
    return { id, head, run: h.api.runsOn(head)[0]! }
  }

  function count(reviewedHead: string): string[] {
    const landed = unreviewedOnMain(h, reviewedHead)
    unreviewedPromotions += landed.length
    return landed
  }

  it('a push after the render: /gittrix promote is refused, says where the new render is, and writes nothing', async () => {
    const { id, head } = await reviewed()
    const pushed = h.work(id, { 'evil.txt': 'never reviewed\n' })
    const mark = h.api.writes().length
    const [refused] = await h.comment('/gittrix promote')
    expect(refused).toContain('changed after review')
    expect(refused).toContain(inlineCode(pushed.slice(0, 7)))
    expect(refused).toContain('has not been reviewed yet')
    expect(refused).toContain('Nothing was promoted')
    expect(h.api.head('main')).toBe(h.initial)
    expect(
      h.api
        .writes()
        .slice(mark)
        .filter((w) => !/reactions$|issues\/7\/comments$/.test(w)),
    ).toEqual([])
    expect(count(head)).toEqual([])
    // Once the new head is rendered (its push event), the refusal links it; promoting it is then fine.
    await h.push(id)
    const newest = h.api.runsOn(pushed)[0]!
    const [ok] = await h.comment('/gittrix promote')
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').has('evil.txt')).toBe(true) // reviewed now: it was rendered in `newest`
    expect(newest.conclusion).toBe('success')
    expect(count(pushed)).toEqual([])
  })

  it('the refusal links the newest render when there is one', async () => {
    const { id } = await reviewed()
    h.work(id, { 'evil.txt': 'x\n' })
    const pushed = h.api.head(`gittrix/${id}`)!
    // A render in progress on the new head (the push event is being handled).
    await h.push(id)
    h.api.checkRuns.find((r) => r.head_sha === pushed)!.status = 'in_progress'
    h.api.checkRuns.find((r) => r.head_sha === pushed)!.conclusion = null
    const [refused] = await h.comment('/gittrix promote')
    const run = h.api.runsOn(pushed)[0]!
    expect(refused).toContain(`/runs/${run.id}`)
    expect(refused).toContain('has not been reviewed yet')
    expect(h.api.head('main')).toBe(h.initial)
  })

  it('a push landing while the run shows "Promoting…" (button): only the reviewed commit lands, the push is kept', async () => {
    const { id, head, run } = await reviewed()
    let pushed = ''
    const race = duringPromoting(h, head, () => {
      pushed = h.work(id, {
        'evil.txt': 'pushed during Promoting…\n',
        'src/app.ts': 'export const a = 666\n',
      })
    })
    await h.receive('check_run', h.buttonPayload(run.id, 'promote_all'))
    expect(race.fired()).toBe(true)
    const main = h.api.head('main')!
    expect(main).not.toBe(h.initial)
    expect(h.api.files(main).has('evil.txt')).toBe(false)
    expect(h.api.files(main).get('src/app.ts')!.bytes.toString()).toBe('export const a = 2\n')
    expect(count(head)).toEqual([])
    // Nothing lost: the branch still holds the push (not evicted), for a new review.
    expect(h.api.head(`gittrix/${id}`)).toBe(pushed)
    expect(h.api.runsOn(head)[0]!.conclusion).toBe('success')
  })

  it('a push landing while the run shows "Promoting…" (comment): only the reviewed commit lands', async () => {
    const { id, head } = await reviewed()
    const race = duringPromoting(h, head, () => h.work(id, { 'evil.txt': 'x\n' }))
    const [reply] = await h.comment('/gittrix promote')
    expect(race.fired()).toBe(true)
    expect(reply).toContain('Promoted as')
    expect(h.api.files('main').has('evil.txt')).toBe(false)
    expect(count(head)).toEqual([])
  })

  it('a push between the App’s reads, before the claim: the promotion is refused and nothing is written to main', async () => {
    const { id, head } = await reviewed()
    // compare #1: the baseline check; #2: the pinned snapshot of the reviewed head.
    h.api.before(ROUTES.compare, 2, () => {
      h.work(id, { 'evil.txt': 'pushed while the App read the session\n' })
    })
    const [refused] = await h.comment('/gittrix promote')
    expect(refused).toContain('changed while this promote started')
    expect(refused).toContain('Nothing was promoted')
    expect(h.api.head('main')).toBe(h.initial)
    expect(count(head)).toEqual([])
    expect(h.api.runsOn(head)[0]!.conclusion).toBe('action_required')
  })

  it('adminPaths: a writer promotes, a push during "Promoting…" adds a workflow and deploy/prod.yml: none of it lands', async () => {
    h.api.contents.set('.github/gittrix.yml', 'adminPaths: ["deploy/**", ".github/workflows/**"]\n')
    const { id, head, run } = await reviewed({ 'src/app.ts': 'export const a = 2\n' })
    const race = duringPromoting(h, head, () => {
      h.work(id, { '.github/workflows/x.yml': 'on: push\n', 'deploy/prod.yml': 'replicas: 0\n' })
    })
    await h.receive('check_run', h.buttonPayload(run.id, 'promote_all', 'alice'))
    expect(race.fired()).toBe(true)
    const main = h.api.files('main')
    expect(main.has('.github/workflows/x.yml')).toBe(false)
    expect(main.has('deploy/prod.yml')).toBe(false)
    expect(main.get('src/app.ts')!.bytes.toString()).toBe('export const a = 2\n')
    expect(count(head)).toEqual([])
  })

  it('adminPaths: the same files pushed after the render are refused for the writer by the review check', async () => {
    h.api.contents.set('.github/gittrix.yml', 'adminPaths: ["deploy/**"]\n')
    const { id, head } = await reviewed()
    h.work(id, { 'deploy/prod.yml': 'replicas: 0\n' })
    const [refused] = await h.comment('/gittrix promote', { login: 'alice' })
    expect(refused).toContain('changed after review')
    expect(h.api.head('main')).toBe(h.initial)
    expect(count(head)).toEqual([])
  })

  it('a "Gittrix session" run forged by a workflow on an unreviewed head is not a review', async () => {
    const { id, head } = await reviewed()
    const pushed = h.work(id, { 'evil.txt': 'x\n' })
    h.api.addForeignCheckRun({
      head_sha: pushed,
      name: 'Gittrix session',
      external_id: id,
      conclusion: 'action_required',
    })
    const [refused] = await h.comment('/gittrix promote')
    expect(refused).toContain('changed after review')
    const [named] = await h.comment(`/gittrix promote @${pushed}`)
    expect(named).toContain('is not a reviewed head')
    expect(h.api.head('main')).toBe(h.initial)
    expect(count(head)).toEqual([])
  })

  it('@<sha> promotes exactly an earlier reviewed head after the branch moved; the newer work stays on the branch', async () => {
    const { id, head } = await reviewed({ 'src/app.ts': 'export const a = 2\n' })
    const newer = h.work(id, { 'later.txt': 'rendered but not chosen\n' })
    await h.push(id)
    const [ok] = await h.comment(`/gittrix promote @${head.slice(0, 10)} --commit`)
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').has('later.txt')).toBe(false)
    expect(h.api.files('main').get('src/app.ts')!.bytes.toString()).toBe('export const a = 2\n')
    expect(h.api.runsOn(head)[0]!.conclusion).toBe('success')
    expect(h.api.head(`gittrix/${id}`)).toBe(newer)
    expect(count(head)).toEqual([])
  })

  it('@<sha> of a commit without a reviewed run, or of another session, is refused', async () => {
    const { id, head } = await reviewed()
    const other = h.startSession({ link: 7 })
    const otherHead = h.work(other.id, { 'other.txt': 'y\n' })
    await h.push(other.id)
    const [unknown] = await h.comment(`/gittrix promote ${id} @${'0'.repeat(12)}`)
    expect(unknown).toContain('is not a reviewed head')
    const [foreign] = await h.comment(`/gittrix promote ${id} @${otherHead}`)
    expect(foreign).toContain('is not a reviewed head')
    const [baseline] = await h.comment(`/gittrix promote ${id} @${h.initial}`)
    expect(baseline).toContain('is not a reviewed head')
    expect(h.api.head('main')).toBe(h.initial)
    expect(count(head)).toEqual([])
  })

  /**
   * Delivers `/gittrix promote…` written at `writtenAt` (ISO; its `created_at`), the way GitHub delivers
   * a comment typed before events that were delivered first. Resolves the App's reply.
   */
  async function commentWrittenAt(body: string, writtenAt: string): Promise<string> {
    const payload = h.commentPayload(body)
    Object.assign(payload.comment as object, { created_at: writtenAt, updated_at: writtenAt })
    await h.receive('issue_comment', payload)
    const id = (payload.comment as { id: number }).id
    return h.api.comments.find((c) => c.body.startsWith(`<!-- gittrix:reply ${id} -->`))?.body ?? ''
  }

  it('a render completed after the comment was written: /gittrix promote is refused, names the new head, writes nothing', async () => {
    // The reviewer reads the run of `head` and writes "/gittrix promote"…
    const { id, head } = await reviewed()
    const writtenAt = new Date(Date.now() - 1000).toISOString()
    // …while the agent pushes; GitHub delivers the push first and the App renders it (awaits a decision).
    const pushed = h.work(id, {
      '.github/dependabot.yml': 'never reviewed\n',
      'src/app.ts': 'export const a = 666\n',
    })
    await h.push(id)
    expect(h.api.runsOn(pushed)[0]!.conclusion).toBe('action_required')
    const mark = h.api.writes().length
    const refused = await commentWrittenAt('/gittrix promote', writtenAt)
    expect(refused).toContain('changed after you looked')
    expect(refused).toContain(inlineCode(pushed.slice(0, 7)))
    expect(refused).toContain(`/runs/${h.api.runsOn(pushed)[0]!.id}`)
    expect(refused).toContain('promote again')
    expect(refused).toContain('@<sha>')
    expect(refused).toContain('Nothing was promoted')
    expect(h.api.head('main')).toBe(h.initial)
    expect(
      h.api
        .writes()
        .slice(mark)
        .filter((w) => !/reactions$|issues\/7\/comments$/.test(w)),
    ).toEqual([])
    expect(count(head)).toEqual([])
    // The head they did review, named: promoted exactly.
    const [ok] = await h.comment(`/gittrix promote @${head.slice(0, 7)}`)
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').has('.github/dependabot.yml')).toBe(false)
    expect(count(head)).toEqual([])
  })

  it('@<sha> of a head rendered after the comment was written is refused', async () => {
    const { id, head } = await reviewed()
    const writtenAt = new Date(Date.now() - 1000).toISOString()
    const pushed = h.work(id, { 'evil.txt': 'x\n' })
    await h.push(id)
    const refused = await commentWrittenAt(`/gittrix promote @${pushed.slice(0, 12)}`, writtenAt)
    expect(refused).toContain('rendered after your comment was written')
    expect(refused).toContain('Nothing was promoted')
    expect(h.api.head('main')).toBe(h.initial)
    expect(count(head)).toEqual([])
  })

  it('a render completed in the same instant as the comment does not count as seen', async () => {
    const { head } = await reviewed()
    const refused = await commentWrittenAt('/gittrix promote', h.api.runsOn(head)[0]!.completed_at!)
    expect(refused).toContain('changed after you looked')
    expect(h.api.head('main')).toBe(h.initial)
  })

  it('@<sha> is matched against the session’s commit ids: a branch named like it does not redirect the promotion', async () => {
    const { id } = h.startSession()
    const rejected = h.work(id, { 'src/app.ts': 'export const auth = () => true // rejected\n' })
    await h.push(id)
    const good = h.work(id, { 'src/app.ts': 'export const auth = (t) => verify(t)\n' })
    await h.push(id)
    h.work(id, { 'notes.txt': 'newer, not reviewed\n' }) // the head moves on; the reviewer names `good`
    const named = good.slice(0, 7)
    h.api.setBranch(named, rejected) // the pusher's branch, named like the abbreviation
    h.api.setBranch(good, rejected) // and one named like the whole id
    const before = h.api.requests.length
    const [ok] = await h.comment(`/gittrix promote @${named} --commit`)
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').get('src/app.ts')!.bytes.toString()).toBe(
      'export const auth = (t) => verify(t)\n',
    )
    expect(h.api.files('main').has('notes.txt')).toBe(false)
    expect(count(good)).toEqual([])
    // What the reviewer typed never reached GitHub as a ref.
    const asked = h.api.requests.slice(before).map((r) => r.path)
    expect(asked.filter((p) => p.includes(`/${named}/`) || p.endsWith(`/${named}`))).toEqual([])
  })

  it('@<sha> that matches no commit of the session is refused without asking GitHub for it', async () => {
    const { id, head } = await reviewed()
    h.api.setBranch('abcdef0', head) // a branch named like the text; the session has no such commit
    const before = h.api.requests.length
    const [refused] = await h.comment(`/gittrix promote ${id} @abcdef0`)
    expect(refused).toContain('is not a reviewed head')
    expect(h.api.requests.slice(before).filter((r) => r.path.includes('abcdef0'))).toEqual([])
    expect(h.api.head('main')).toBe(h.initial)
  })

  it('the reply diff and the session comment show the reviewed commit, not what was pushed meanwhile', async () => {
    const { id, head, run } = await reviewed({ 'src/app.ts': 'export const a = 2\n' })
    const race = duringPromoting(h, head, () => h.work(id, { 'evil.txt': 'x\n' }))
    await h.receive('check_run', h.buttonPayload(run.id, 'promote_all'))
    expect(race.fired()).toBe(true)
    const comment = h.sessionComments()[0]!
    expect(comment).toContain('1 file changed')
    expect(comment).not.toContain('evil')
    expect(count(head)).toEqual([])
  })
})

describe('App: @<sha> names one commit of the session', () => {
  const a = 'abcdef1' + '0'.repeat(33)
  const b = 'abcdef1' + 'f'.repeat(33)
  const c = '1234567' + '0'.repeat(33)

  it('matches a unique prefix, refuses an ambiguous one, and finds nothing else', () => {
    expect(matchCommit([a, c], 'abcdef1')).toEqual({ kind: 'one', sha: a })
    expect(matchCommit([a, b, c], 'abcdef1')).toEqual({ kind: 'ambiguous', shas: [a, b] })
    expect(matchCommit([a, b, c], `abcdef1${'f'.repeat(33)}`)).toEqual({ kind: 'one', sha: b })
    expect(matchCommit([a, b], '1234567')).toEqual({ kind: 'none' })
  })
})
