/**
 * Slash commands on the linked issue: every command and option, the feedback (👀, reply, check run,
 * session comment), conflict, PR mode, repeats and redeliveries answered from GitHub state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inlineCode, parsePromotionTrailers } from '../../src/github/index.ts'
import { AppHarness } from './harness.ts'

describe('App: slash commands', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  async function session(
    files: Record<string, string | null> = { 'src/app.ts': 'export const a = 2\n', 'docs/x.md': 'x\n' },
  ) {
    const { id } = h.startSession()
    const head = h.work(id, files)
    await h.push(id)
    return { id, head }
  }

  it('promote (all, default strategy): one commit on main, 👀, a reply with the link, run success, comment promoted, branch deleted', async () => {
    const { id, head } = await session()
    const main = h.api.head('main')!
    const [reply, ...more] = await h.comment('/gittrix promote')
    expect(more).toEqual([])
    const promoted = h.api.head('main')!
    expect(h.api.commitInfo(promoted).parents).toEqual([main])
    expect(parsePromotionTrailers(h.api.commitInfo(promoted).message)).toEqual({
      ok: true,
      value: { sessionId: id, baselineSha: h.initial },
    })
    expect([...h.api.files(promoted).keys()].sort()).toEqual(['README.md', 'docs/x.md', 'src/app.ts'])
    expect(reply).toContain(`/commit/${promoted}`)
    expect(h.api.reactions.map((r) => r.content)).toEqual(['eyes'])
    const run = h.api.runsOn(head)[0]!
    expect(run).toMatchObject({
      conclusion: 'success',
      output: { title: `Promoted: ${promoted.slice(0, 7)} on main` },
    })
    // Progress was shown before the promotion finished.
    expect(run.history.map((b) => (b as { status?: string }).status)).toContain('in_progress')
    expect(
      (
        run.history.find((b) => (b as { status?: string }).status === 'in_progress') as {
          output: { title: string }
        }
      ).output.title,
    ).toBe('Promoting…')
    expect(h.sessionComments()[0]).toContain('promoted')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
  })

  it('promote named files and globs with -m: only those paths, the message as the subject', async () => {
    const { id } = await session({
      'src/app.ts': 'export const a = 2\n',
      'docs/x.md': 'x\n',
      'docs/y.md': 'y\n',
      'other.txt': 'o\n',
    })
    const [reply] = await h.comment(
      `/gittrix promote ${id} src/app.ts "docs/**/*.md" -m "Fix the parser for real"`,
    )
    const promoted = h.api.head('main')!
    expect(reply).toContain('Promoted as')
    const info = h.api.commitInfo(promoted)
    expect(info.message.split('\n')[0]).toBe('Fix the parser for real')
    expect(h.api.files(promoted).has('other.txt')).toBe(false)
    expect(h.api.files(promoted).has('docs/y.md')).toBe(true)
  })

  it('promote of an untouched path is answered and writes nothing', async () => {
    await session()
    const mark = h.api.writes().length
    const [reply] = await h.comment('/gittrix promote nope.txt')
    expect(reply).toContain('Not touched in this session: nope.txt')
    expect(h.api.writes().slice(mark)).toEqual([
      expect.stringMatching(/reactions$/),
      expect.stringMatching(/issues\/7\/comments$/),
    ])
  })

  it('promote --pr opens a pull request; closing it merged completes its run', async () => {
    const { id } = await session()
    const main = h.api.head('main')
    const [reply] = await h.comment('/gittrix promote --pr')
    expect(h.api.head('main')).toBe(main)
    expect(h.api.pulls).toHaveLength(1)
    const pull = h.api.pulls[0]!
    expect(pull.head).toBe(`gittrix/promote/${id}`)
    expect(reply).toContain(`/pull/${pull.number}`)
    const prHead = h.api.head(pull.head)!
    expect(h.api.runsOn(prHead)[0]).toMatchObject({
      conclusion: 'neutral',
      output: { title: 'Awaiting review of the pull request' },
    })
    await h.receive('pull_request', h.closedPayload(pull.number, true))
    expect(h.api.runsOn(prHead)[0]).toMatchObject({
      conclusion: 'success',
      output: { title: `Pull request #${pull.number} merged` },
    })
    // A repeated promote answers with the recorded pull request.
    const [again] = await h.comment('/gittrix promote')
    expect(again).toContain('already promoted')
    expect(again).toContain(`/pull/${pull.number}`)
    expect(h.api.pulls).toHaveLength(1)
  })

  it('a closed, unmerged promotion PR completes its run as neutral', async () => {
    await session()
    await h.comment('/gittrix promote --pr')
    const pull = h.api.pulls[0]!
    await h.receive('pull_request', h.closedPayload(pull.number, false))
    expect(h.api.runsOn(h.api.head(pull.head)!)[0]!.output.title).toBe(
      `Pull request #${pull.number} closed without merging`,
    )
  })

  it('promote --branch <name> writes the clean commit to that branch only', async () => {
    await session()
    const main = h.api.head('main')
    const [reply] = await h.comment('/gittrix promote --branch review/parser')
    expect(h.api.head('main')).toBe(main)
    const branch = h.api.head('review/parser')!
    expect(h.api.commitInfo(branch).parents).toEqual([main])
    expect(reply).toContain(inlineCode('review/parser'))
  })

  it('promote --patch answers with a git-apply-able patch and writes nothing', async () => {
    const { head } = await session()
    const mark = h.api.writes().length
    const [reply] = await h.comment('/gittrix promote --patch')
    expect(reply).toContain('diff --git a/src/app.ts b/src/app.ts')
    expect(
      h.api
        .writes()
        .slice(mark)
        .filter((w) => !/reactions$|issues\/7\/comments$/.test(w)),
    ).toEqual([])
    expect(h.api.runsOn(head)[0]!.conclusion).toBe('action_required')
  })

  it('a baseline conflict lists the paths and both SHAs, fails the run, and writes nothing to main', async () => {
    const { head } = await session()
    const moved = h.api.commit('main', { 'src/app.ts': 'export const a = 3\n' }, { message: 'human edit\n' })
    const [reply] = await h.comment('/gittrix promote')
    expect(h.api.head('main')).toBe(moved)
    expect(reply).toContain('Baseline conflict: 1 file')
    expect(reply).toContain(inlineCode('src/app.ts'))
    expect(reply).toContain(moved)
    expect(reply).toContain(h.initial)
    const run = h.api.runsOn(head)[0]!
    expect(run).toMatchObject({ conclusion: 'failure', output: { title: 'Baseline conflict: 1 file' } })
    expect(run.actions.map((a) => a.identifier)).toEqual(['discard'])
    expect(h.sessionComments()[0]).toContain('baseline conflict')
    // The other file still promotes.
    const [ok] = await h.comment('/gittrix promote docs/x.md')
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').get('src/app.ts')!.bytes.toString()).toBe('export const a = 3\n')
  })

  it('a repeated promote answers with the recorded result; a redelivered comment is not answered twice', async () => {
    await session()
    const delivery = 'same-delivery'
    const payload = h.commentPayload('/gittrix promote')
    await h.receive('issue_comment', payload, delivery)
    const promoted = h.api.head('main')!
    const writes = h.api.writes().length
    await h.receive('issue_comment', payload, delivery) // same replica: the delivery id is known
    await h.receive('issue_comment', payload, 'other-replica') // another replica: the reply is found
    expect(h.api.writes().length).toBe(writes)
    const [again] = await h.comment('/gittrix promote')
    expect(again).toContain('already promoted')
    expect(again).toContain(promoted.slice(0, 7))
    expect(h.api.head('main')).toBe(promoted)
    expect(h.api.history('main')).toHaveLength(2)
  })

  it('discard deletes the session branch, completes the run as Discarded and says so', async () => {
    const { id, head } = await session()
    const [reply] = await h.comment(`/gittrix discard ${id}`)
    expect(reply).toContain('Discarded')
    expect(h.api.head(`gittrix/${id}`)).toBeNull()
    expect(h.api.runsOn(head)[0]).toMatchObject({ conclusion: 'cancelled', output: { title: 'Discarded' } })
    expect(h.sessionComments()[0]).toContain('discarded')
    const [later] = await h.comment('/gittrix promote')
    expect(later).toContain('is not active')
  })

  it('extend records the new policy in a keepalive commit on the session branch', async () => {
    const { id, head } = await session()
    const [reply] = await h.comment('/gittrix extend 24h')
    expect(reply).toContain(`idle timeout ${inlineCode('1d')}`)
    const tip = h.api.head(`gittrix/${id}`)!
    expect(h.api.commitInfo(tip).parents).toEqual([head])
    expect(h.api.commitInfo(tip).message).toContain(
      'Gittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false',
    )
  })

  it('diff (all or some paths), status and help answer without writing', async () => {
    const { id } = await session()
    const [all] = await h.comment('/gittrix diff')
    expect(all).toContain('2 files changed')
    expect(all).toContain('diff --git a/docs/x.md b/docs/x.md')
    const [one] = await h.comment(`/gittrix diff ${id} docs/x.md`)
    expect(one).toContain('docs/x.md')
    expect(one).not.toContain('src/app.ts')
    const [status] = await h.comment('/gittrix status')
    expect(status).toContain('**active**')
    const [help] = await h.comment('/gittrix help promote')
    expect(help).toContain('/gittrix promote [<session-id>]')
    expect(h.api.head('main')).toBe(h.initial)
  })

  it('a malformed command gets the usage; a comment that is not a command makes no request', async () => {
    await session()
    const [usage] = await h.comment('/gittrix promote --frobnicate')
    expect(usage).toContain('That command did not parse')
    expect(usage).toContain('Unknown option')
    const [typo] = await h.comment('/gittrix promte')
    expect(typo).toContain('Did you mean promote?')
    const mark = h.api.requests.length
    expect(await h.comment('Looks good to me, /gittrix later')).toEqual([])
    expect(h.api.requests.slice(mark)).toEqual([])
  })

  it('a command GitHub shows as code (indented 4 columns or by a tab, fenced, quoted, in a comment) makes no request', async () => {
    const { head } = await session()
    const main = h.api.head('main')
    const mark = h.api.requests.length
    for (const body of [
      '    /gittrix promote',
      '\t/gittrix promote',
      '  \t/gittrix promote --pr',
      '```\n/gittrix promote\n```',
      '> /gittrix promote',
      '<!--\n/gittrix promote\n-->',
    ]) {
      expect(await h.comment(body)).toEqual([])
    }
    expect(h.api.requests.slice(mark)).toEqual([])
    expect(h.api.head('main')).toBe(main)
    expect(h.api.head(`gittrix/${h.api.runsOn(head)[0]!.external_id}`)).toBe(head)
  })

  it('with no session linked, or an unknown session, the command is refused', async () => {
    const [none] = await h.comment('/gittrix status', { issue: 9 })
    expect(none).toContain('No Gittrix session is linked')
    const [unknown] = await h.comment('/gittrix status sess_zzzzzzzzzzzz')
    expect(unknown).toContain('not linked to this issue')
  })

  it('a session is found from its own promotion pull request thread', async () => {
    const { id } = await session({ 'a.txt': 'a\n' })
    h.api.setBranch(`gittrix/promote/${id}`, h.api.head(`gittrix/${id}`)!)
    const pull = h.api.pulls.length + 1
    h.api.pulls.push({
      number: pull,
      title: 't',
      body: null,
      head: `gittrix/promote/${id}`,
      base: 'main',
      state: 'open',
    } as never)
    const [status] = await h.comment('/gittrix status', { issue: pull, pull: true })
    expect(status).toContain(inlineCode(id))
  })
})
