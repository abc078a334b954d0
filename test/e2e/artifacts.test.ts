/**
 * End to end with Cloudflare Artifacts (docs/architecture.md#action--app-protocol): the Action's built bundle runs with
 * `ephemeral: artifacts` against the Artifacts stand-in (test/support/artifacts-stand-in.ts: REST control plane
 * + `git http-backend` checking repo tokens) and the loopback GitHub; the App's real server, given
 * `ARTIFACTS_*` pointing at the same stand-in, reviews the session from the Artifacts content, promotes
 * what a maintainer selects (uploading the blobs GitHub lacks) and deletes the Artifacts repository on
 * promotion and on discard. Outcomes are read with git from both sides' bare repositories. Neither the
 * Cloudflare API token nor a repo token may show up in anything the App or the Action printed or wrote.
 */
import { execFileSync } from 'node:child_process'
import { describe, it } from 'vitest'
import {
  encodePointerCommit,
  encodeStartCommit,
  inlineCode,
  parsePointerCommit,
} from '../../src/github/index.ts'
import type { BundleRun } from '../action/support.ts'
import type { ArtifactsStandIn } from '../support/artifacts-stand-in.ts'
import { AGENT, appEnv, expectNoSecrets, githubHas, NAMESPACE, withArtifacts } from './artifacts-world.ts'
import { APP_BOT, ISSUE, World } from './world.ts'

/** One Artifacts session, as the Action left it. */
interface ArtifactsSession {
  id: string
  /** `gittrix-<repository id>-<id>`, the session's Artifacts repository. */
  repo: string
  baseline: string
  /** The Artifacts `main` head the Action pushed. */
  artifactsHead: string
  /** The pointer commit on GitHub's `gittrix/<id>`. */
  pointer: string
  run: BundleRun
}

/**
 * Checks out `main`, runs {@link AGENT} through the Action (mode `run`, `ephemeral: artifacts`) and waits
 * for the App's review of the pointer commit.
 */
async function artifactsSession(world: World, standIn: ArtifactsStandIn): Promise<ArtifactsSession> {
  const ws = await world.checkout()
  const run = await world.action(ws, {
    task: 'Fix the parser',
    run: AGENT,
    ephemeral: 'artifacts',
    'artifacts-account-id': standIn.accountId,
    'artifacts-namespace': NAMESPACE,
    'artifacts-api-token': standIn.apiToken,
    'artifacts-api-url': standIn.baseUrl,
    topology: 'same-job',
  })
  if (run.code !== 0 || run.errors.length)
    throw new Error(`the Action failed (${run.code}): ${run.errors.join('; ')}\n${run.stdout}\n${run.stderr}`)
  const id = run.outputs['session-id']!
  const repo = `gittrix-${world.github.api.repoId}-${id}`
  const pointer = world.github.head(`gittrix/${id}`)!
  const parsed = parsePointerCommit(world.git('log', '-1', '--format=%B', pointer))
  if (!parsed.ok) throw new Error(`the session branch is not at a pointer commit: ${parsed.reason}`)
  await world.reviewed(id, pointer)
  await world.github.settle()
  return {
    id,
    repo,
    baseline: run.outputs['baseline-sha']!,
    artifactsHead: parsed.value.artifactsHead,
    pointer,
    run,
  }
}

// Three sessions at once, each an Action run and an App review: under a full parallel `npm test` on a
// small machine one can take longer than the default 60 s.
describe.concurrent('end to end: Cloudflare Artifacts sessions', { timeout: 180_000 }, () => {
  it('1. agent in Artifacts → check run with the Artifacts diff → promote two files → one commit; repository and branch kept for the other two', ({
    expect,
  }) =>
    withArtifacts(async (world, standIn) => {
      const main = world.github.head('main')!
      const session = await artifactsSession(world, standIn)
      const { id, repo, baseline, artifactsHead, pointer } = session
      expect(baseline).toBe(main)

      // The Action: the content went to Artifacts; GitHub got only the start and pointer commits, with
      // the baseline's tree, and none of the agent's content.
      expect(session.run.outputs['head-sha']).toBe(artifactsHead)
      expect(standIn.hasRepo(repo)).toBe(true)
      const artifacts = (...args: string[]) =>
        execFileSync('git', [`--git-dir=${standIn.gitDir(repo)}`, ...args], { encoding: 'utf8' }).trimEnd()
      expect(artifacts('rev-parse', 'refs/heads/main')).toBe(artifactsHead)
      expect(world.history(pointer)).toEqual([
        pointer,
        world.git('rev-parse', `${pointer}^`),
        ...world.history(main),
      ])
      expect(world.git('rev-parse', `${pointer}^{tree}`)).toBe(world.git('rev-parse', `${main}^{tree}`))
      const newBlobs = {
        'src/parser.ts': artifacts('rev-parse', `${artifactsHead}:src/parser.ts`),
        'src/added.ts': artifacts('rev-parse', `${artifactsHead}:src/added.ts`),
        'README.md': artifacts('rev-parse', `${artifactsHead}:README.md`),
      }
      const content = {
        'src/parser.ts': artifacts('show', `${artifactsHead}:src/parser.ts`),
        'src/added.ts': artifacts('show', `${artifactsHead}:src/added.ts`),
      }
      expect(content['src/added.ts']).toBe('export const added = "only in Artifacts"')
      expect(githubHas(world, artifactsHead)).toBe(false)
      for (const blob of Object.values(newBlobs)) expect(githubHas(world, blob)).toBe(false)

      // The App reviewed the pointer commit from the Artifacts content.
      const review = world.sessionRun(id)!
      expect(review.head_sha).toBe(pointer)
      expect(review.conclusion).toBe('action_required')
      expect(review.output.title).toContain('4 files')
      for (const path of ['src/parser.ts', 'src/added.ts', 'README.md', 'docs/guide.md'])
        expect(review.output.text).toContain(`b/${path}`)
      expect(review.output.text).toContain('+export const parse = (s: string) => s.trim().toLowerCase()')
      expect(review.output.text).toContain('+export const added = "only in Artifacts"')
      expect(review.output.text).toContain('deleted file mode')
      expect(review.actions.map((a) => a.identifier)).toEqual(['promote_all', 'open_pr', 'discard'])

      // The App read the session through the REST read routes only: no git request of its own.
      const gitRequests = standIn.requests.filter((r) => r.kind === 'git').length
      expect(
        standIn.requests.some((r) => r.kind === 'rest' && r.path.startsWith(`/repos/${repo}/tree/`)),
      ).toBe(true)
      const from = world.github.requests.length
      const { reply } = await world.command('mia', '/gittrix promote src/parser.ts src/added.ts')
      expect(reply).toContain('Promoted as')

      // One new commit on the old head with exactly the two files, their content from Artifacts.
      const promoted = world.github.head('main')!
      expect(reply).toContain(promoted.slice(0, 7))
      expect(world.history(promoted)).toEqual([promoted, ...world.history(main)])
      expect(world.git('rev-parse', `${promoted}^@`)).toBe(main)
      expect(world.changed(main, promoted)).toEqual(['src/added.ts', 'src/parser.ts'])
      for (const [path, text] of Object.entries(content)) expect(world.show(promoted, path)).toBe(text)
      expect(world.tree(promoted).get('src/parser.ts')).toBe(newBlobs['src/parser.ts'])
      expect(world.tree(promoted).get('src/added.ts')).toBe(newBlobs['src/added.ts'])
      expect(world.tree(promoted).get('docs/guide.md')).toBe(world.tree(main).get('docs/guide.md'))
      const trailers = world.git('log', '-1', '--format=%(trailers:only,unfold)', promoted)
      expect(trailers).toContain(`Gittrix-Session: ${id}`)
      expect(trailers).toContain(`Gittrix-Baseline: ${baseline}`)
      expect(world.git('log', '-1', '--format=%an <%ae>', promoted)).toBe(APP_BOT)

      // GitHub got the two new blobs through the App's uploads, and not the unpromoted README.
      const uploads = world.appWrites(from).filter((w) => w === 'POST /repos/acme/widget/git/blobs')
      expect(uploads).toHaveLength(2)
      expect(githubHas(world, newBlobs['README.md'])).toBe(false)
      expect(githubHas(world, artifactsHead)).toBe(false)
      expect(standIn.requests.filter((r) => r.kind === 'git')).toHaveLength(gitRequests)

      // Two files remain: the Artifacts repository and the session branch are kept (untilPromote evicts
      // once nothing remains), and the run shows what remains with the buttons.
      expect(standIn.hasRepo(repo)).toBe(true)
      expect(world.github.head(`gittrix/${id}`)).not.toBeNull()
      expect(world.github.deliveriesOf('delete')).toEqual([])
      const done = world.sessionRun(id)!
      expect(done.conclusion).toBe('action_required')
      expect(done.output.title).toContain(promoted.slice(0, 7))
      expect(done.output.title).toContain('2 file(s) remain')
      expect(done.output.text).toContain('+++ b/README.md')
      // The session comment on the triggering issue, once.
      expect(
        world.github.api.comments.filter(
          (c) => c.issue === ISSUE && c.body.startsWith('<!-- gittrix:session'),
        ),
      ).toHaveLength(1)

      expectNoSecrets(expect, world, standIn, [session.run])
    }))

  it('2. /gittrix discard → session branch and Artifacts repository gone, check run cancelled', ({
    expect,
  }) =>
    withArtifacts(async (world, standIn) => {
      const main = world.github.head('main')!
      const session = await artifactsSession(world, standIn)
      const { id, repo, pointer } = session
      expect(standIn.hasRepo(repo)).toBe(true)

      const { reply } = await world.command('wes', '/gittrix discard')
      expect(reply).toContain(`Discarded session ${inlineCode(id)}`)

      expect(standIn.hasRepo(repo)).toBe(false)
      expect(standIn.requests).toContainEqual(
        expect.objectContaining({ kind: 'rest', method: 'DELETE', path: `/repos/${repo}`, status: 202 }),
      )
      expect(world.git('for-each-ref', '--format=%(refname)', 'refs/heads/gittrix')).toBe('')
      expect(world.github.head('main')).toBe(main)
      const run = world.sessionRun(id)!
      expect(run.head_sha).toBe(pointer)
      expect(run.conclusion).toBe('cancelled')
      expect(run.output.title).toBe('Discarded')
      expect(world.github.deliveriesOf('delete').map((d) => d.payload.ref)).toEqual([`gittrix/${id}`])

      expectNoSecrets(expect, world, standIn, [session.run])
    }))

  it("3. one App on repositories A and B: a session branch on B naming A's Artifacts repository reads and deletes nothing of A", ({
    expect,
  }) =>
    withArtifacts(async (a, standIn) =>
      World.run(
        async (b) => {
          expect(b.github.api.repoId).not.toBe(a.github.api.repoId)
          const secret = await artifactsSession(a, standIn)
          const mark = standIn.requests.length
          // A writer on B: gittrix/<A's session id>, a start commit naming A's repository, a pointer
          // naming A's Artifacts head (both read from A's session branch, as anyone who can read A could).
          const start = await b.pushBranchAs(
            'wes',
            `gittrix/${secret.id}`,
            {},
            encodeStartCommit({
              sessionId: secret.id,
              task: 'Fix the parser',
              durableBranch: 'main',
              baselineSha: b.github.head('main')!,
              ephemeral: { kind: 'artifacts', namespace: NAMESPACE, repo: secret.repo },
              link: ISSUE,
              eviction: null,
            }),
          )
          const pointer = await b.pushBranchAs(
            'wes',
            `gittrix/${secret.id}`,
            {},
            encodePointerCommit({
              sessionId: secret.id,
              namespace: NAMESPACE,
              repo: secret.repo,
              artifactsHead: secret.artifactsHead,
            }),
            { from: start },
          )
          const run = await b.reviewed(secret.id, pointer)
          expect(run.conclusion).toBe('neutral')
          expect(run.output.title).toBe('Not a valid Gittrix session')
          await b.command('mia', `/gittrix diff ${secret.id}`)
          await b.command('mia', `/gittrix status ${secret.id}`)
          await b.command('mia', `/gittrix discard ${secret.id}`)
          await b.command('mia', `/gittrix promote ${secret.id}`)
          await b.github.settle()

          // 0 cross-repository reads or deletes: no request named A's repository after the forgery.
          const crossRepository = standIn.requests.slice(mark).filter((r) => r.path.includes(secret.repo))
          expect(crossRepository).toEqual([])
          expect(standIn.hasRepo(secret.repo)).toBe(true)
          const onB = [JSON.stringify(b.github.api.comments), JSON.stringify(b.github.api.checkRuns)].join(
            '\n',
          )
          expect(onB).not.toContain('only in Artifacts')
          expect(b.github.head('main')).toBe(b.git('rev-parse', `${start}^`))
          // A's own session is untouched and still reviewed on A.
          expect(a.sessionRun(secret.id)!.conclusion).toBe('action_required')
        },
        { appEnv: appEnv(standIn) },
      ),
    ))
})
