/**
 * push to gittrix/<id>: the session check run and the one session comment, rebuilt from the start
 * commit; a forged baseline, an invalid start commit and a bad configuration end in a failed run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CHECK_RUN_NAME } from '../../src/github/index.ts'
import { AppHarness } from './harness.ts'

describe('App: push to a session branch', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create()
  })
  afterEach(() => h.close())

  it('creates the session check run on the start commit: neutral, no buttons', async () => {
    const { id, start } = h.startSession()
    await h.push(id)
    const [run, ...others] = h.api.runsOn(start)
    expect(others).toEqual([])
    expect(run).toMatchObject({
      name: CHECK_RUN_NAME,
      external_id: id,
      status: 'completed',
      conclusion: 'neutral',
      actions: [],
    })
    expect(run!.output.title).toBe('No changes')
    expect(h.sessionComments()).toHaveLength(1)
  })

  it('a later push gets an action_required run with the diff stat, diff and three buttons; one comment, updated in place', async () => {
    const { id } = h.startSession()
    await h.push(id)
    h.work(id, { 'src/app.ts': 'export const a = 2\n', 'NEW.md': 'new\n' })
    const head = await h.push(id)
    const run = h.api.runsOn(head)[0]!
    expect(run.conclusion).toBe('action_required')
    expect(run.output.title).toBe('2 files changed, +2 \u22121')
    expect(run.output.summary).toContain('Fix the parser')
    expect(run.output.summary).toContain(`/gittrix promote ${id} all`)
    expect(run.output.text).toContain('diff --git a/src/app.ts b/src/app.ts')
    expect(run.actions.map((a) => a.identifier)).toEqual(['promote_all', 'open_pr', 'discard'])
    const comments = h.sessionComments()
    expect(comments).toHaveLength(1)
    expect(comments[0]).toContain('2 files changed')
    // A redelivered push with a new delivery id updates the same run and the same comment.
    await h.push(id)
    expect(h.api.runsOn(head)).toHaveLength(1)
    expect(h.sessionComments()).toHaveLength(1)
  })

  it('finds the start commit of a session branch with more than 500 commits, without reading them all', async () => {
    const { id } = h.startSession()
    // 600 agent commits in one fast-import stream (one `git push` of a long history).
    const branch = `gittrix/${id}`
    const chunks: string[] = []
    for (let i = 0; i < 600; i++) {
      const message = `agent step ${i}\n`
      const content = `export const a = ${i}\n`
      chunks.push(
        `commit refs/heads/${branch}\ncommitter Agent <agent@example.com> ${1_767_300_000 + i} +0000\n` +
          `data ${message.length}\n${message}${i === 0 ? `from ${h.api.head(branch)}\n` : ''}` +
          `M 100644 inline src/app.ts\ndata ${content.length}\n${content}\n`,
      )
    }
    h.api.gitBytes(['fast-import', '--quiet', '--done'], `${chunks.join('')}done\n`)
    const mark = h.api.requests.length
    const head = await h.push(id)
    const run = h.api.runsOn(head)[0]!
    expect(run).toMatchObject({
      conclusion: 'action_required',
      output: { title: '1 file changed, +1 \u22121' },
    })
    expect(run.output.text).toContain('+export const a = 599')
    // One page of the newest commits, then one compare from the durable branch: the start commit is
    // among the oldest commits after the baseline. (The other two compares: baseline check, diff.)
    const reads = h.api.requests.slice(mark)
    expect(reads.filter((r) => r.path.endsWith('/commits'))).toHaveLength(1)
    expect(reads.filter((r) => r.path.includes('/compare/'))).toHaveLength(3)
    const [ok] = await h.comment('/gittrix promote')
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').get('src/app.ts')!.bytes.toString()).toBe('export const a = 599\n')
  })

  it('a marker copied into someone else’s comment is not taken for the session comment', async () => {
    const { id } = h.startSession()
    h.api.addComment(7, `<!-- gittrix:session ${id} -->\nfake`, 'mallory')
    await h.push(id)
    const mine = h.sessionComments()
    expect(mine).toHaveLength(1)
    expect(h.api.comments.find((c) => c.login === 'mallory')!.body).toContain('fake')
  })

  it('refuses a forged start commit whose baseline is not on the durable branch', async () => {
    const side = h.api.commit('side', { 'src/app.ts': 'evil\n' }, { from: h.initial })
    const { id } = h.startSession({ baselineSha: side })
    const head = h.work(id, { 'src/app.ts': 'more evil\n' })
    await h.push(id)
    const run = h.api.runsOn(head)[0]!
    expect(run.conclusion).toBe('failure')
    expect(run.output.title).toBe('Baseline not on the durable branch')
    expect(run.output.summary).toContain(side)
    expect(run.output.summary).toContain('cannot be promoted')
    expect(run.actions).toEqual([])
    // And a promote command is refused with nothing written to main.
    const main = h.api.head('main')
    const [reply] = await h.comment(`/gittrix promote ${id}`)
    expect(reply).toContain('Nothing was promoted')
    expect(h.api.head('main')).toBe(main)
  })

  it('refuses a start commit that is not canonical', async () => {
    const id = 'sess_aaaaaaaaaaaa'
    const head = h.api.commit(
      `gittrix/${id}`,
      {},
      {
        from: h.initial,
        message: `gittrix: start ${id}\n\nx\n\nGittrix-Session: ${id}\n`,
      },
    )
    await h.push(id)
    const run = h.api.runsOn(head)[0]!
    expect(run).toMatchObject({ conclusion: 'failure', output: { title: 'Not a valid Gittrix session' } })
    expect(run.output.summary).toContain('start commit is not valid')
  })

  it('a bad .github/gittrix.yml produces a failed run that says exactly what is wrong', async () => {
    h.api.contents.set(
      '.github/gittrix.yml',
      'strategy: sideways\npromote:\n  minimumRole: owner\ncolour: red\n',
    )
    const { id, start } = h.startSession()
    await h.push(id)
    const run = h.api.runsOn(start)[0]!
    expect(run.conclusion).toBe('failure')
    expect(run.output.title).toBe('Invalid .github/gittrix.yml')
    expect(run.output.summary).toContain('strategy: Invalid option')
    expect(run.output.summary).toContain('promote.minimumRole')
    expect(run.output.summary).toContain('colour')
  })

  it('YAML that does not parse is reported the same way', async () => {
    h.api.contents.set('.github/gittrix.yml', 'strategy: [unclosed\n')
    const { id, start } = h.startSession()
    await h.push(id)
    expect(h.api.runsOn(start)[0]!.output.summary).toContain('invalid YAML')
  })

  it('deleting the session branch by hand completes its open run as deleted', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'x.txt': 'x\n' })
    await h.push(id)
    h.api.setBranch(`gittrix/${id}`, null)
    await h.receive('push', h.pushPayload(id, '0'.repeat(40), head))
    const run = h.api.runsOn(head)[0]!
    expect(run).toMatchObject({ conclusion: 'cancelled', output: { title: 'Session branch deleted' } })
    expect(h.sessionComments()[0]).toContain('discarded')
  })

  it('a deleted-branch push that overtakes the promotion (another replica) leaves the run and comment to it', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'x.txt': 'x\n' })
    await h.push(id)
    const replies = await h.comment('/gittrix promote')
    expect(replies[0]).toContain('Promoted as')
    // Rewind to the moment between the promotion's branch deletion and its report.
    const run = h.api.runsOn(head)[0]!
    const reported = structuredClone(run)
    run.conclusion = 'action_required'
    run.output = { title: 'Promoting…', summary: 'in progress', text: null }
    const comment = h.api.comments.find((c) => c.body.startsWith('<!-- gittrix:session'))!
    const promotedComment = comment.body
    const writes = h.api.writes().length
    await h.receive('push', h.pushPayload(id, '0'.repeat(40), head))
    expect(h.api.writes().slice(writes)).toEqual([])
    expect(run.output.title).toBe('Promoting…')
    expect(comment.body).toBe(promotedComment)
    expect(reported.conclusion).toBe('success')
  })

  it('ignores pushes to other branches and promotion branches without a request', async () => {
    const mark = h.api.requests.length
    const other = h.pushPayload('sess_aaaaaaaaaaaa', h.initial)
    await h.receive('push', { ...other, ref: 'refs/heads/main' })
    await h.receive('push', { ...other, ref: 'refs/heads/gittrix/promote/sess_aaaaaaaaaaaa' })
    await h.receive('push', { ...other, ref: 'refs/tags/gittrix/sess_aaaaaaaaaaaa' })
    expect(h.api.requests.slice(mark)).toEqual([])
  })
})
