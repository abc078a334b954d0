/**
 * End to end: exactly one promotion however often GitHub asks. Two App replicas serve the one webhook
 * address in turn (a load balancer), so a redelivery lands on the replica that did not see the first
 * delivery, and two maintainers' commands race on different replicas. The bare repository must end up
 * with one promotion commit.
 */
import { it } from 'vitest'
import { AGENT, World } from './world.ts'

it('8. a redelivered command and two maintainers promoting at once → exactly one promotion', ({ expect }) =>
  World.run(
    async (world) => {
      const main = world.github.head('main')!
      const { id } = await world.agentSession(AGENT)

      // Two maintainers at once, and GitHub redelivering the first command while it is being handled.
      const [mia, ada] = await Promise.all([
        world.github.comment('mia', 12, '/gittrix promote all'),
        world.github.comment('ada', 12, '/gittrix promote all'),
      ])
      const first = world.github.deliveriesOf('issue_comment').find((d) => d.payload.comment.id === mia)!
      world.github.webhooks.redeliver(first)
      await Promise.all([world.replyTo(mia), world.replyTo(ada)])
      await world.github.settle()
      // …and once more after everything settled.
      world.github.webhooks.redeliver(first)
      await world.github.settle()

      const promoted = world.github.head('main')!
      expect(world.history('refs/heads/main')).toEqual([promoted, ...world.history(main)])
      expect(world.git('log', '--format=%H', `--grep=Gittrix-Session: ${id}`, 'refs/heads/main')).toBe(
        promoted,
      )
      expect(world.changed(main, promoted)).toEqual(['README.md', 'src/format.ts', 'src/parser.ts'])

      const replies = world.github.api.comments.filter((c) => c.body.startsWith('<!-- gittrix:reply'))
      expect(replies).toHaveLength(2)
      const texts = replies.map((r) => r.body)
      expect(
        texts.filter((t) => t.includes('Already promoted') || t.includes('already promoted')),
      ).toHaveLength(1)
      for (const text of texts) expect(text).toContain(promoted.slice(0, 7))
      expect(world.github.api.pulls).toEqual([])
    },
    { replicas: 2 },
  ))
