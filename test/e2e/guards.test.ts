/**
 * End to end: what the App refuses. A durable commit that touched a selected file after the baseline
 * (BASELINE_CONFLICT), and a command from someone with read access only. In both, the durable branch
 * in the bare repository is unchanged. Scenarios run concurrently, one world each.
 */
import { describe, it } from 'vitest'
import { inlineCode } from '../../src/github/index.ts'
import { AGENT, World } from './world.ts'

describe.concurrent('end to end: refusals', () => {
  it('3. a durable commit touching the same file after the baseline → Baseline conflict naming it; main unchanged', ({
    expect,
  }) =>
    World.run(async (world) => {
      const { id, head, baseline } = await world.agentSession(AGENT)
      const durable = await world.pushAs(
        'ada',
        { 'src/parser.ts': 'export const parse = (s: string) => s\n' },
        'parser: keep whitespace',
      )
      expect(world.git('rev-parse', `${durable}^@`)).toBe(baseline)
      await world.github.settle()
      expect(world.github.deliveriesOf('push').some((d) => d.payload.ref === 'refs/heads/main')).toBe(true)

      const { reply } = await world.command('mia', '/gittrix promote src/parser.ts src/format.ts')
      expect(reply).toContain('Baseline conflict: 1 file')
      expect(reply).toContain(inlineCode('src/parser.ts'))
      expect(reply).not.toContain(inlineCode('src/format.ts'))
      expect(reply).toContain(durable)
      expect(reply).toContain('nothing was written')

      expect(world.github.head('main')).toBe(durable)
      expect(world.history('refs/heads/main')).toEqual([durable, ...world.history(baseline)])
      expect(world.github.head(`gittrix/${id}`)).toBe(head)
      const run = world.sessionRun(id)!
      expect(run.conclusion).toBe('failure')
      expect(run.output.title).toBe('Baseline conflict: 1 file')
    }))

  it('4. a command from a read-only user is refused and nothing is written', ({ expect }) =>
    World.run(async (world) => {
      const main = world.github.head('main')!
      const { id, head } = await world.agentSession(AGENT)
      const runBefore = structuredClone(world.sessionRun(id)!)
      const from = world.github.requests.length

      const { commentId, reply } = await world.command('rob', '/gittrix promote all')
      expect(reply).toContain('@rob')
      expect(reply).toMatch(/Nothing was (changed|promoted)/)

      // The App only acknowledged (👀) and answered.
      expect(world.appWrites(from)).toEqual([
        `POST /repos/acme/widget/issues/comments/${commentId}/reactions`,
        'POST /repos/acme/widget/issues/12/comments',
      ])
      expect(world.github.head('main')).toBe(main)
      expect(world.history('refs/heads/main')).toEqual(world.history(main))
      expect(world.github.head(`gittrix/${id}`)).toBe(head)
      expect(world.sessionRun(id)).toEqual(runBefore)
      expect(world.github.api.pulls).toEqual([])
    }))
})
