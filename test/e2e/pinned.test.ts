/**
 * End to end: the gate binds (docs/architecture.md#invariants, 10) on the loopback GitHub, with the App as its
 * real server process and the agent pushing with git over smart HTTP and the workflow token. The agent
 * pushes after the render, and while the run shows "Promoting…" (injected between the App's requests
 * with the stand-in's request hooks), also against `adminPaths`; and two App replicas get a promote and
 * a discard at once. Every scenario counts the files on `main` no human reviewed: 0.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, it } from 'vitest'
import { ROUTES } from '../support/git-data-api.ts'
import { AGENT, ISSUE, World } from './world.ts'

const run = promisify(execFile)

/**
 * The agent's job pushes `files` onto `gittrix/<id>` (on top of `from`, default the branch head) with
 * the workflow token, `--force` when asked. Resolves whether GitHub accepted it and the commit pushed.
 */
async function agentPush(
  world: World,
  id: string,
  files: Record<string, string>,
  options: { force?: boolean; from?: string } = {},
): Promise<{ accepted: boolean; commit: string }> {
  const dir = await world.checkout()
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }
  const git = (...args: string[]) => run('git', [...world.github.gitAuth(), '-C', dir, ...args], { env })
  await git('fetch', '--quiet', 'origin', `refs/heads/gittrix/${id}`)
  await git('checkout', '--quiet', '-B', 'work', options.from ?? 'FETCH_HEAD')
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  await git('add', '--all')
  await git('commit', '--quiet', '-m', 'agent: more')
  const commit = (await git('rev-parse', 'HEAD')).stdout.trim()
  const push = [
    'push',
    '--quiet',
    ...(options.force ? ['--force'] : []),
    'origin',
    `HEAD:refs/heads/gittrix/${id}`,
  ]
  const accepted = await git(...push).then(
    () => true,
    () => false,
  )
  return { accepted, commit }
}

/** Paths changed on `main` since `baseline` whose content differs from the reviewed commit's. */
function unreviewed(world: World, baseline: string, reviewed: string): string[] {
  const seen = world.tree(reviewed)
  const main = world.tree('refs/heads/main')
  return world.changed(baseline, 'refs/heads/main').filter((path) => main.get(path) !== seen.get(path))
}

/**
 * Runs `fn` once, right before the first request for `main`'s head the App makes while the session run
 * on `head` shows "Promoting…"; the App's request waits for it.
 */
function duringPromoting(world: World, head: string, fn: () => Promise<void>): { fired: () => boolean } {
  let fired = false
  for (let nth = 1; nth <= 60; nth++) {
    world.github.api.before(ROUTES.getRef, nth, async (request) => {
      const run = world.github.api.runsOn(head)[0]
      if (fired || !request.path.endsWith('heads%2Fmain') || run?.output.title !== 'Promoting…') return
      fired = true
      await fn()
    })
  }
  return { fired: () => fired }
}

describe('end to end: promotion is pinned to the reviewed head', () => {
  it('the agent pushes after the render: /gittrix promote is refused; nothing unreviewed lands', ({
    expect,
  }) =>
    World.run(
      async (world) => {
        const { id, head, baseline } = await world.agentSession(AGENT)
        // The App's render of the next push waits until the command is answered (two replicas: the
        // command is handled by the other one), so the command meets a head no one has reviewed.
        let answered = (): boolean => false
        world.github.api.before(ROUTES.listCommits, 1, () =>
          world.until('the promote command to be answered', () => answered()).then(() => {}),
        )
        const pushed = await agentPush(world, id, { 'src/evil.ts': 'export const steal = true\n' })
        expect(pushed.accepted).toBe(true)
        const commentId = await world.github.comment('mia', ISSUE, '/gittrix promote all')
        answered = () =>
          world.github.api.comments.some((c) => c.body.startsWith(`<!-- gittrix:reply ${commentId} -->`))
        const reply = (await world.replyTo(commentId)).body
        await world.github.settle()
        expect(reply).toContain('changed after review')
        expect(reply).toContain('Nothing was promoted')
        expect(world.github.head('main')).toBe(baseline)
        expect(unreviewed(world, baseline, head)).toEqual([])
      },
      { replicas: 2 },
    ))

  it('a push while the run shows "Promoting…" is refused by GitHub; a forced one is not promoted', ({
    expect,
  }) =>
    World.run(async (world) => {
      const { id, head, baseline } = await world.agentSession(AGENT)
      const run = world.sessionRun(id)!
      let plain = { accepted: true, commit: '' }
      let forced = { accepted: false, commit: '' }
      const race = duringPromoting(world, head, async () => {
        plain = await agentPush(world, id, { 'src/evil.ts': 'x\n' }, { from: head })
        forced = await agentPush(
          world,
          id,
          { 'src/evil.ts': 'x\n', 'README.md': '# owned\n' },
          { force: true, from: head },
        )
      })
      world.github.click(run.id, 'promote_all', 'wes')
      await world.until('the promotion', () => world.sessionRun(id)?.conclusion === 'success')
      await world.github.settle()
      expect(race.fired()).toBe(true)
      // The App holds the branch with its claim: a push building on the reviewed head is not a fast forward.
      expect(plain.accepted).toBe(false)
      expect(forced.accepted).toBe(true)
      expect(world.changed(baseline, 'refs/heads/main')).toEqual([
        'README.md',
        'src/format.ts',
        'src/parser.ts',
      ])
      expect(world.show('refs/heads/main', 'README.md')).toBe('# Widget\n\nNow with parsing.')
      expect(unreviewed(world, baseline, head)).toEqual([])
      // The forced push is not lost: the branch was kept for a new review.
      expect(world.github.head(`gittrix/${id}`)).toBe(forced.commit)
    }))

  it('adminPaths: a writer promotes; a workflow and deploy/prod.yml forced in during "Promoting…" do not land', ({
    expect,
  }) =>
    World.run(async (world) => {
      world.github.api.contents.set(
        '.github/gittrix.yml',
        'adminPaths: ["deploy/**", ".github/workflows/**"]\n',
      )
      const { id, head, baseline } = await world.agentSession(AGENT)
      const race = duringPromoting(world, head, async () => {
        await agentPush(
          world,
          id,
          { '.github/workflows/x.yml': 'on: push\n', 'deploy/prod.yml': 'replicas: 0\n' },
          { force: true, from: head },
        )
      })
      world.github.click(world.sessionRun(id)!.id, 'promote_all', 'wes')
      await world.until('the promotion', () => world.github.api.runsOn(head)[0]?.conclusion === 'success')
      await world.github.settle()
      expect(race.fired()).toBe(true)
      const main = world.tree('refs/heads/main')
      expect(main.has('.github/workflows/x.yml')).toBe(false)
      expect(main.has('deploy/prod.yml')).toBe(false)
      expect(unreviewed(world, baseline, head)).toEqual([])
    }))

  it('two replicas: a discard while a promotion lands gets one outcome, told the same everywhere', ({
    expect,
  }) =>
    World.run(
      async (world) => {
        const { id, head, baseline } = await world.agentSession(AGENT)
        let discardReply = ''
        // Replica X holds the session and is about to write the promotion's tree: a discard arrives on
        // the other replica, and is answered before X lands.
        world.github.api.before(ROUTES.createTree, 1, async () => {
          const promoteDelivery = world.github.deliveriesOf('issue_comment').at(-1)!
          const other = world.apps.find((a) => a.webhookUrl !== promoteDelivery.target)!
          world.github.webhooks.setTargets(other.webhookUrl)
          const commentId = await world.github.comment('ada', ISSUE, '/gittrix discard')
          discardReply = (await world.replyTo(commentId)).body
          world.github.webhooks.setTargets(...world.apps.map((a) => a.webhookUrl))
        })
        const { reply } = await world.command('mia', '/gittrix promote all')
        expect(reply).toContain('Promoted as')
        expect(discardReply).toContain('being promoted by another request')
        expect(discardReply).toContain('Nothing was discarded')
        expect(world.github.head('main')).not.toBe(baseline)
        expect(unreviewed(world, baseline, head)).toEqual([])
        expect(world.github.head(`gittrix/${id}`)).toBeNull()
        expect(world.github.api.runsOn(head)[0]!.conclusion).toBe('success')
        const comment = world.github.api.comments.find((c) => c.body.startsWith('<!-- gittrix:session'))!
        expect(comment.body).toContain('promoted')
      },
      { replicas: 2 },
    ))
})
