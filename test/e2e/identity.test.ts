/**
 * End to end: promotion identity is not a string (invariant 11), on the loopback GitHub with the App's
 * real server. People with push access forge what a promotion looks like — a `gittrix/promote/<id>`
 * branch pushed beforehand with extra files, a commit on the durable branch carrying the session's
 * trailers, both under the App bot's own name and email — and the App takes neither for the session's
 * promotion. Each scenario counts the promotions of unreviewed content: commits the App wrote and pull
 * requests it opened that hold anything the reviewed session head does not. The count is 0.
 */
import { describe, it } from 'vitest'
import { parsePromotionTrailers } from '../../src/github/index.ts'
import { AGENT, World } from './world.ts'

/** What GitHub calls the App's bot: anyone can write it into a commit they push. */
const BOT = { name: 'gittrix-test[bot]', email: '41898282+gittrix-test[bot]@users.noreply.github.com' }

const trailers = (id: string, baseline: string) =>
  `gittrix: Fix the parser\n\nGittrix-Session: ${id}\nGittrix-Baseline: ${baseline}\n`

/**
 * Commits the App wrote on `main` (first-parent) or at the head of a pull request it opened whose files
 * differ from the reviewed session head `reviewed` somewhere they changed: promotions of unreviewed content.
 */
function unreviewedPromotions(world: World, reviewed: string): string[] {
  const onMain = world.git('rev-list', '--first-parent', 'refs/heads/main').split('\n').filter(Boolean)
  const pullHeads = world.github.api.pulls.map((p) => world.github.head(p.head)).filter((sha) => sha !== null)
  const written = [...onMain, ...pullHeads].filter(
    (sha) =>
      world.github.api.isSigned(sha) && parsePromotionTrailers(world.github.api.commitInfo(sha).message).ok,
  )
  const reviewedTree = world.tree(reviewed)
  return written.filter((sha) => {
    const tree = world.tree(sha)
    return world.changed(`${sha}^`, sha).some((path) => tree.get(path) !== reviewedTree.get(path))
  })
}

describe.concurrent('end to end: forged promotions', () => {
  it('a gittrix/promote/<id> branch pushed beforehand is not opened as the pull request', ({ expect }) =>
    World.run(async (world) => {
      const main = world.github.head('main')!
      const { id, head, baseline } = await world.agentSession(AGENT)
      const forged = await world.pushBranchAs(
        'wes',
        `gittrix/promote/${id}`,
        { 'src/parser.ts': world.show(head, 'src/parser.ts'), '.github/workflows/x.yml': 'on: push\n' },
        trailers(id, baseline),
        { identity: BOT },
      )
      await world.github.settle()
      const run = world.sessionRun(id)!
      world.github.click(run.id, 'open_pr', 'mia')
      await world.until('the refusal', () => run.conclusion === 'failure')
      await world.github.settle()

      expect(run.output.summary).toContain(`gittrix/promote/${id}`)
      expect(run.output.summary).toContain("is not this session's promotion")
      expect(world.github.api.pulls).toEqual([])
      expect(world.github.head(`gittrix/promote/${id}`)).toBe(forged)
      expect(world.github.head('main')).toBe(main)
      expect(world.github.head(`gittrix/${id}`)).toBe(head)
      expect(unreviewedPromotions(world, head)).toEqual([])
    }))

  it('a commit on main carrying the session trailers does not make the session promoted', ({ expect }) =>
    World.run(async (world) => {
      const { id, head, baseline } = await world.agentSession(AGENT)
      const contributed = await world.pushBranchAs(
        'ada',
        'main',
        { 'docs/notes.md': 'notes\n' },
        trailers(id, baseline),
        { identity: BOT },
      )
      await world.github.settle()
      const { reply } = await world.command('mia', '/gittrix promote')
      expect(reply).not.toMatch(/already promoted/i)
      expect(reply).toContain('Promoted as')
      const promoted = world.github.head('main')!
      expect(world.git('rev-parse', `${promoted}^@`)).toBe(contributed)
      expect(world.changed(contributed, promoted)).toEqual(['README.md', 'src/format.ts', 'src/parser.ts'])
      expect(world.github.api.isSigned(promoted)).toBe(true)
      expect(world.github.api.isSigned(contributed)).toBe(false)
      expect(unreviewedPromotions(world, head)).toEqual([])

      // After the promotion (branch gone), the App answers from its own commit, not the look-alike.
      const status = await world.command('rob', `/gittrix status ${id}`)
      expect(status.reply).toContain('already promoted')
      expect(status.reply).toContain(promoted.slice(0, 7))
    }))
})
