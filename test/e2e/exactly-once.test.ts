/**
 * End to end: exactly one promotion however often GitHub asks. Two App replicas serve the one webhook
 * address in turn (a load balancer), so the redelivery lands on the replica that did not get the
 * first delivery, and two maintainers' commands race on different replicas. The bare repository must
 * end up with one promotion commit, and every answer must name it.
 */
import { it } from 'vitest'
import { inlineCode } from '../../src/github/index.ts'
import { AGENT, ISSUE, World } from './world.ts'

it('8. a redelivered command and two maintainers promoting at once → exactly one promotion', ({ expect }) =>
  World.run(
    async (world) => {
      const main = world.github.head('main')!
      const { id, head } = await world.agentSession(AGENT)

      // Two maintainers at once, and GitHub redelivering the first command while it is being handled.
      const [mia, ada] = await Promise.all([
        world.github.comment('mia', ISSUE, '/gittrix promote all'),
        world.github.comment('ada', ISSUE, '/gittrix promote all'),
      ])
      const first = world.github.deliveriesOf('issue_comment').find((d) => d.payload.comment.id === mia)!
      const again = world.github.webhooks.redeliver(first)
      expect(again.id).toBe(first.id)
      expect(again.target).not.toBe(first.target)
      await Promise.all([world.replyTo(mia), world.replyTo(ada)])
      await world.github.settle()

      const promoted = world.github.head('main')!
      expect(world.history('refs/heads/main')).toEqual([promoted, ...world.history(main)])
      expect(world.git('log', '--format=%H', `--grep=Gittrix-Session: ${id}`, 'refs/heads/main')).toBe(
        promoted,
      )
      expect(world.changed(main, promoted)).toEqual(['README.md', 'src/format.ts', 'src/parser.ts'])
      expect(world.github.api.pulls).toEqual([])

      // Every answer names that one commit, or says another request held the session while promoting
      // it (app/claim.ts) and promoted nothing itself. The redelivery that raced its original on the
      // other replica may answer a second time; one sent after the answer exists does nothing.
      const replies = () => world.github.api.comments.filter((c) => c.body.startsWith('<!-- gittrix:reply'))
      const to = (comment: number) =>
        replies().filter((c) => c.body.startsWith(`<!-- gittrix:reply ${comment} -->`))
      expect(to(ada)).toHaveLength(1)
      expect(to(mia).length).toBeGreaterThanOrEqual(1)
      expect(to(mia).length).toBeLessThanOrEqual(2)
      const held = (body: string) => /being promoted by another request/.test(body)
      // The winner answers last when the others found its claim (a slow answer is acknowledged with 202).
      await world.until('the reply of the promotion', () =>
        replies().some((c) => c.body.includes(`Promoted as [${inlineCode(promoted.slice(0, 7))}]`)),
      )
      for (const reply of replies()) {
        if (held(reply.body)) expect(reply.body).toContain('Nothing was promoted')
        else expect(reply.body).toContain(promoted.slice(0, 7))
      }
      expect(replies().filter((c) => !/already promoted/i.test(c.body) && !held(c.body))).toHaveLength(1)
      const answered = replies().length
      const writes = world.github.requests.length
      world.github.webhooks.redeliver(first)
      await world.github.settle()
      expect(replies()).toHaveLength(answered)
      expect(world.appWrites(writes)).toEqual([])
      expect(world.github.head('main')).toBe(promoted)

      // The session's run and comment end as promoted, whichever replica saw the branch deletion first.
      const run = world.github.api.checkRuns.find((r) => r.external_id === id && r.head_sha === head)!
      expect(run.conclusion).toBe('success')
      const comment = world.github.api.comments.find((c) => c.body.startsWith('<!-- gittrix:session'))!
      expect(comment.body).toContain(`${inlineCode(id)}: promoted`)
    },
    { replicas: 2 },
  ))
