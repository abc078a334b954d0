/**
 * End to end: the rest of a session's life. `/gittrix discard` deletes the session branch and completes
 * the check run; an agent that fails between the Action's `start` and its post step still has its work
 * pushed by the post step, and the App reviews it. Scenarios run concurrently, one world each.
 */
import { unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'vitest'
import { inlineCode } from '../../src/github/index.ts'
import { AGENT, World } from './world.ts'

describe.concurrent('end to end: session lifecycle', () => {
  it('6. /gittrix discard → session branch gone, check run updated, main unchanged', ({ expect }) =>
    World.run(async (world) => {
      const main = world.github.head('main')!
      const { id, head } = await world.agentSession(AGENT)
      const { reply } = await world.command('wes', '/gittrix discard')
      expect(reply).toContain(`Discarded session ${inlineCode(id)}`)

      expect(world.git('for-each-ref', '--format=%(refname)', 'refs/heads/gittrix')).toBe('')
      expect(world.github.head('main')).toBe(main)
      expect(world.history('refs/heads/main')).toEqual(world.history(main))
      const run = world.sessionRun(id)!
      expect(run.head_sha).toBe(head)
      expect(run.conclusion).toBe('cancelled')
      expect(run.output.title).toBe('Discarded')
      // The discard first claims the branch (a commit on the head, app/claim.ts), then deletes it.
      const deleted = world.github.deliveriesOf('push').filter((d) => d.payload.deleted)
      expect(deleted.map((d) => d.payload.ref)).toEqual([`refs/heads/gittrix/${id}`])
      const claim = deleted[0]!.payload.before as string
      expect(world.git('rev-parse', `${claim}^@`)).toBe(head)
      expect(world.git('log', '-1', '--format=%s', claim)).toBe(`gittrix: discarding ${id}`)
      expect(world.github.deliveriesOf('delete').map((d) => d.payload.ref)).toEqual([`gittrix/${id}`])
    }))

  it('7. the agent fails mid-run → the post step pushes its work, and the session is reviewed', ({
    expect,
  }) =>
    World.run(async (world) => {
      const main = world.github.head('main')!
      const ws = await world.checkout()
      const start = await world.action(ws, { mode: 'start', task: 'Fix the parser' })
      expect(start.errors, start.stderr).toEqual([])
      const id = start.outputs['session-id']!
      await world.reviewed(id, start.outputs['head-sha']!)

      // The agent's own step: one commit, then more edits, then it crashes; `finish` never runs.
      const git = (...args: string[]) => execFileSync('git', ['-C', ws, ...args])
      writeFileSync(join(ws, 'src/parser.ts'), 'export const parse = (s: string) => s.trim().toLowerCase()\n')
      git('commit', '--quiet', '-am', 'agent: lower-case')
      writeFileSync(join(ws, 'src/new.ts'), 'export const half = true\n')
      unlinkSync(join(ws, 'docs/guide.md'))

      const post = await world.action(ws, { mode: 'start', task: 'Fix the parser' }, start.state)
      expect(post.code).toBe(0)
      expect(post.warnings.some((w) => w.includes(`Session ${id} was not finished`))).toBe(true)
      const head = world.github.head(`gittrix/${id}`)!
      expect(head).not.toBe(start.outputs['head-sha'])
      expect(world.changed(main, head)).toEqual(['docs/guide.md', 'src/new.ts', 'src/parser.ts'])
      expect(world.github.head('main')).toBe(main)

      const run = await world.reviewed(id, head)
      expect(run.conclusion).toBe('action_required')
      expect(run.output.title).toContain('3 files')
      expect(run.output.text).toContain('+export const half = true')
      expect(run.output.text).toContain('deleted file mode')
      const { reply } = await world.command('mia', '/gittrix status')
      expect(reply).toContain(`Session ${inlineCode(id)}: **active**`)
    }))
})
