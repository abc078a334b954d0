/**
 * End to end (docs/architecture.md#action--app-protocol): the Action's bundle runs an agent against the loopback GitHub, the App's
 * real server reviews the pushed session and promotes what a maintainer selects — by command, as a
 * pull request, or with the *Promote all* button. Every outcome is read from the bare repository with
 * git. Each scenario has its own world (loopback GitHub + App process), so they run concurrently.
 */
import { describe, it } from 'vitest'
import { AGENT, APP_BOT, ISSUE, World } from './world.ts'

describe.concurrent('end to end: promotion', () => {
  // Two promotions through the App (the second of what the first left): twice the usual time.
  it(
    '1. three edited files → check run with the diff → promote two → one commit with exactly those files',
    ({ expect }) =>
      World.run(async (world) => {
        const main = world.github.head('main')!
        const { id, head, baseline } = await world.agentSession(AGENT)
        expect(baseline).toBe(main)

        // The push of the session branch reached the App as a signed webhook; it reviewed the session.
        const push = world.github
          .deliveriesOf('push')
          .find((d) => d.payload.ref === `refs/heads/gittrix/${id}`)
        // 200 = handled; 202 = Probot's answer when handling takes longer than 9 s (work continues).
        expect([200, 202]).toContain(push?.status)
        const review = world.sessionRun(id)!
        expect(review.head_sha).toBe(head)
        expect(review.conclusion).toBe('action_required')
        expect(review.output.title).toContain('3 files')
        for (const path of ['src/parser.ts', 'src/format.ts', 'README.md'])
          expect(review.output.text).toContain(`+++ b/${path}`)
        expect(review.output.text).toContain('+export const parse = (s: string) => s.trim().toLowerCase()')
        expect(review.actions.map((a) => a.identifier)).toEqual(['promote_all', 'open_pr', 'discard'])
        // The comment follows the check run; after a 202 (a loaded machine) the App may still be writing it.
        const sessionComments = () =>
          world.github.api.comments.filter(
            (c) => c.issue === ISSUE && c.body.startsWith('<!-- gittrix:session'),
          )
        await world.until('the session comment', () => sessionComments().length > 0)
        expect(sessionComments()).toHaveLength(1)

        const { commentId, reply } = await world.command(
          'mia',
          '/gittrix promote src/parser.ts src/format.ts',
        )
        expect(reply).toContain('Promoted as')
        expect(world.github.api.reactions).toContainEqual({ commentId, content: 'eyes' })

        // The durable branch: one new commit on the old head with exactly the two files.
        const promoted = world.git('rev-parse', 'refs/heads/main')
        expect(reply).toContain(promoted.slice(0, 7))
        expect(world.history('refs/heads/main')).toEqual([promoted, ...world.history(main)])
        expect(world.git('rev-parse', `${promoted}^@`)).toBe(main)
        expect(world.changed(main, promoted)).toEqual(['src/format.ts', 'src/parser.ts'])
        expect(world.show(promoted, 'src/parser.ts')).toBe(world.show(head, 'src/parser.ts'))
        expect(world.show(promoted, 'src/format.ts')).toBe(world.show(head, 'src/format.ts'))
        expect(world.tree(promoted).get('README.md')).toBe(world.tree(main).get('README.md'))
        const trailers = world.git('log', '-1', '--format=%(trailers:only,unfold)', promoted)
        expect(trailers).toContain(`Gittrix-Session: ${id}`)
        expect(trailers).toContain(`Gittrix-Baseline: ${baseline}`)
        // No author/committer override: GitHub writes an API commit without them as the App's bot.
        expect(world.git('log', '-1', '--format=%an <%ae>', promoted)).toBe(APP_BOT)
        expect(world.git('log', '-1', '--format=%cn <%ce>', promoted)).toBe(APP_BOT)

        // README.md remains: the check run says what was promoted and shows the rest, with the buttons,
        // and the session branch is kept.
        const partial = world.sessionRun(id)!
        expect(partial.conclusion).toBe('action_required')
        expect(partial.output.title).toContain(promoted.slice(0, 7))
        expect(partial.output.title).toContain('1 file')
        expect(partial.output.text).toContain('+++ b/README.md')
        expect(partial.output.text).not.toContain('src/parser.ts')
        expect(world.github.head(`gittrix/${id}`)).toBe(head)

        // The agent goes on: a new push is a new event, the App rebuilds the session from GitHub, and
        // the check run shows only what remains (README.md and the new file), not what was promoted.
        const more = await world.pushBranchAs(
          'mia',
          `gittrix/${id}`,
          { 'docs/more.md': 'more\n' },
          'agent: more work\n',
          { from: head },
        )
        const rerendered = await world.reviewed(id, more)
        expect(rerendered.output.title).toContain('2 files')
        expect(rerendered.output.text).toContain('+++ b/README.md')
        expect(rerendered.output.text).toContain('+++ b/docs/more.md')
        expect(rerendered.output.text).not.toContain('src/parser.ts')
        expect(rerendered.output.text).not.toContain('src/format.ts')
        await world.github.settle()

        // A later promotion of the rest is not taken for the earlier one; then nothing remains.
        const rest = await world.command('mia', '/gittrix promote')
        expect(rest.reply).not.toContain('Already promoted')
        const last = world.git('rev-parse', 'refs/heads/main')
        expect(world.git('rev-parse', `${last}^`)).toBe(promoted)
        expect(world.changed(promoted, last)).toEqual(['README.md', 'docs/more.md'])
        const done = world.sessionRun(id)!
        expect(done.conclusion).toBe('success')
        expect(done.head_sha).toBe(more)
        expect(done.output.title).toContain(last.slice(0, 7))
        expect(world.github.head(`gittrix/${id}`)).toBeNull()
        expect(world.github.deliveriesOf('delete').map((d) => d.payload.ref)).toEqual([`gittrix/${id}`])
      }),
    120_000,
  )

  it('2. --pr → a pull request whose branch holds one clean commit; the durable branch untouched', ({
    expect,
  }) =>
    World.run(async (world) => {
      const main = world.github.head('main')!
      const { id, head } = await world.agentSession(AGENT)
      const { reply } = await world.command('mia', '/gittrix promote --pr')

      const branch = `gittrix/promote/${id}`
      const tip = world.github.head(branch)!
      expect(tip).not.toBeNull()
      expect(world.github.head('main')).toBe(main)
      expect(world.git('rev-parse', `${tip}^@`)).toBe(main)
      expect(world.changed(main, tip)).toEqual(['README.md', 'src/format.ts', 'src/parser.ts'])
      expect(world.git('rev-parse', `${tip}^{tree}`)).toBe(world.git('rev-parse', `${head}^{tree}`))
      const trailers = world.git('log', '-1', '--format=%(trailers:only,unfold)', tip)
      expect(trailers).toContain(`Gittrix-Session: ${id}`)
      expect(world.git('log', '-1', '--format=%an <%ae>', tip)).toBe(APP_BOT)

      const pulls = world.github.api.pulls
      expect(pulls).toEqual([expect.objectContaining({ head: branch, base: 'main', state: 'open' })])
      expect(reply).toContain(`/pull/${pulls[0]!.number}`)
      expect(world.github.deliveriesOf('pull_request', 'opened').map((d) => d.payload.number)).toEqual([
        pulls[0]!.number,
      ])
      expect(world.sessionRun(id)).toBeDefined()
      const sessionRun = world.github.api.checkRuns.find((r) => r.external_id === id && r.head_sha === head)!
      expect(sessionRun.conclusion).toBe('success')
      expect(sessionRun.output.title).toContain('Pull request opened')
    }))

  it('5. the Promote all button → every file in one commit', ({ expect }) =>
    World.run(async (world) => {
      const main = world.github.head('main')!
      const { id, head, baseline } = await world.agentSession(AGENT)
      const run = world.sessionRun(id)!
      world.github.click(run.id, 'promote_all', 'ada')
      await world.until('the promotion', () => run.conclusion === 'success')
      await world.github.settle()

      const promoted = world.github.head('main')!
      expect(world.history(promoted)).toEqual([promoted, ...world.history(main)])
      expect(world.git('rev-parse', `${promoted}^@`)).toBe(main)
      expect(world.changed(main, promoted)).toEqual(['README.md', 'src/format.ts', 'src/parser.ts'])
      expect(world.git('rev-parse', `${promoted}^{tree}`)).toBe(world.git('rev-parse', `${head}^{tree}`))
      const trailers = world.git('log', '-1', '--format=%(trailers:only,unfold)', promoted)
      expect(trailers).toContain(`Gittrix-Session: ${id}`)
      expect(trailers).toContain(`Gittrix-Baseline: ${baseline}`)
      expect(run.output.title).toContain(promoted.slice(0, 7))
      expect(world.github.head(`gittrix/${id}`)).toBeNull()
    }))
})
