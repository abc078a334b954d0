/**
 * End to end with Cloudflare Artifacts in the default two-job topology: the agent's job (the built
 * bundle, `ephemeral: artifacts`, only the `artifacts-namespace` input and the `contents: read` token)
 * writes the session as a bundle; the publish job (the Cloudflare credential and the write token)
 * creates the session repository from it and points the session branch at it; the App reviews it
 * from the Artifacts content. Publish's refusals (foreign content, another namespace, missing inputs)
 * write nothing.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { baselineMessage } from '../../src/adapters/artifacts/baseline.ts'
import { encodeStartCommit, parsePointerCommit, parseStartCommit } from '../../src/github/index.ts'
import { runBundle, runPublishJob } from '../action/support.ts'
import {
  AGENT,
  expectNoSecrets,
  githubHas,
  NAMESPACE,
  publishInputs,
  withArtifacts,
} from './artifacts-world.ts'

describe('end to end: Cloudflare Artifacts sessions in two jobs', () => {
  it(
    'the agent job holds no Cloudflare credential; publish creates the repository, the App reviews it; a re-run publishes nothing twice',
    ({ expect }) =>
      withArtifacts(async (world, standIn) => {
        const main = world.github.head('main')!
        const ws = await world.checkout()
        const agent = await runBundle({
          inputs: {
            token: world.github.readOnlyToken,
            task: 'Fix the parser',
            run: AGENT,
            ephemeral: 'artifacts',
            'artifacts-namespace': NAMESPACE,
          },
          env: world.runnerEnv(ws),
          cwd: ws,
        })
        expect(agent.errors, agent.stdout).toEqual([])
        const id = agent.outputs['session-id']!
        const repo = `gittrix-${world.github.api.repoId}-${id}`
        // The agent's job wrote nothing anywhere: no Artifacts call at all, no GitHub branch.
        expect(standIn.requests).toEqual([])
        expect(world.github.head(`gittrix/${id}`)).toBeNull()
        expect(agent.outputs.bundle).toBeTruthy()

        const publish = await runPublishJob({
          agentJob: agent,
          token: world.github.workflowToken,
          env: { ...world.runnerEnv(world.tmp('gittrix-e2e-publish-')), GITHUB_JOB: 'publish' },
          inputs: publishInputs(standIn),
        })
        expect(publish.errors, publish.stdout).toEqual([])
        const artifactsHead = publish.outputs['head-sha']!
        expect(artifactsHead).toBe(agent.outputs['head-sha'])

        // Artifacts: main is the orphan baseline-tree commit and the work, as the same-job flow leaves it.
        expect(standIn.hasRepo(repo)).toBe(true)
        const artifacts = (...args: string[]) =>
          execFileSync('git', [`--git-dir=${standIn.gitDir(repo)}`, ...args], { encoding: 'utf8' }).trimEnd()
        expect(artifacts('rev-parse', 'refs/heads/main')).toBe(artifactsHead)
        const root = artifacts('rev-list', '--max-parents=0', artifactsHead)
        expect(artifacts('rev-list', '--count', artifactsHead)).toBe('2')
        expect(artifacts('rev-parse', `${root}^{tree}`)).toBe(world.git('rev-parse', `${main}^{tree}`))
        expect(artifacts('log', '-1', '--format=%B', root)).toBe(
          baselineMessage(id, main, 'github://acme/widget#main').trimEnd(),
        )
        expect(artifacts('show', `${artifactsHead}:src/added.ts`)).toBe(
          'export const added = "only in Artifacts"',
        )

        // GitHub: start commit naming the session's own repository, then the pointer; no agent content.
        const pointer = world.github.head(`gittrix/${id}`)!
        const start = world.git('rev-parse', `${pointer}^`)
        expect(world.git('rev-parse', `${start}^`)).toBe(main)
        const parsedStart = parseStartCommit(world.git('log', '-1', '--format=%B', start))
        expect(parsedStart.ok && parsedStart.value.ephemeral).toEqual({
          kind: 'artifacts',
          namespace: NAMESPACE,
          repo,
        })
        const parsed = parsePointerCommit(world.git('log', '-1', '--format=%B', pointer))
        expect(parsed.ok && parsed.value).toEqual({
          sessionId: id,
          namespace: NAMESPACE,
          repo,
          artifactsHead,
        })
        expect(world.git('rev-parse', `${pointer}^{tree}`)).toBe(world.git('rev-parse', `${main}^{tree}`))
        expect(githubHas(world, artifactsHead)).toBe(false)

        // The App reviews the pointer from the Artifacts content.
        const review = await world.reviewed(id, pointer)
        expect(review.conclusion).toBe('action_required')
        expect(review.output.title).toContain('4 files')
        expect(review.output.text).toContain('+export const added = "only in Artifacts"')
        expect(review.output.text).toContain('deleted file mode')

        // A re-run of the publish job: same repository, same branch, nothing written twice.
        const writes = standIn.requests.filter((r) => r.method !== 'GET').length
        const again = await runPublishJob({
          agentJob: agent,
          token: world.github.workflowToken,
          env: { ...world.runnerEnv(world.tmp('gittrix-e2e-publish-')), GITHUB_JOB: 'publish' },
          inputs: publishInputs(standIn),
        })
        expect(again.errors, again.stdout).toEqual([])
        expect(again.stdout).toContain('nothing to push')
        expect(world.github.head(`gittrix/${id}`)).toBe(pointer)
        expect(artifacts('rev-parse', 'refs/heads/main')).toBe(artifactsHead)
        // Only the create call that found the repository (409) and token mints wrote to the control plane.
        expect(
          standIn.requests
            .filter((r) => r.method !== 'GET')
            .slice(writes)
            .filter((r) => r.kind === 'git' && r.method === 'POST' && r.path.endsWith('git-receive-pack')),
        ).toEqual([])

        await world.github.settle()
        expectNoSecrets(expect, world, standIn, [agent, publish, again])
      }),
    240_000,
  )

  it(
    'publish refuses an Artifacts repository that already holds other content, and a bundle naming another repository',
    ({ expect }) =>
      withArtifacts(async (world, standIn) => {
        const ws = await world.checkout()
        const agent = await runBundle({
          inputs: {
            token: world.github.readOnlyToken,
            task: 'Fix the parser',
            run: AGENT,
            ephemeral: 'artifacts',
            'artifacts-namespace': NAMESPACE,
          },
          env: world.runnerEnv(ws),
          cwd: ws,
        })
        expect(agent.errors, agent.stdout).toEqual([])
        const id = agent.outputs['session-id']!
        const repo = `gittrix-${world.github.api.repoId}-${id}`
        // Someone else's content under the session's repository name.
        const gitDir = standIn.seedRepo(repo)
        const foreign = execFileSync(
          'git',
          [
            `--git-dir=${gitDir}`,
            'commit-tree',
            '-m',
            'not this session',
            execFileSync('git', [`--git-dir=${gitDir}`, 'mktree'], { input: '', encoding: 'utf8' }).trim(),
          ],
          { encoding: 'utf8', env: process.env },
        ).trim()
        execFileSync('git', [`--git-dir=${gitDir}`, 'update-ref', 'refs/heads/main', foreign])
        const publish = await runPublishJob({
          agentJob: agent,
          token: world.github.workflowToken,
          env: { ...world.runnerEnv(world.tmp('gittrix-e2e-publish-')), GITHUB_JOB: 'publish' },
          inputs: publishInputs(standIn),
        })
        expect(publish.code).toBe(1)
        expect(publish.errors.join('\n')).toContain('already exists with other content')
        expect(
          execFileSync('git', [`--git-dir=${gitDir}`, 'rev-parse', 'main'], { encoding: 'utf8' }).trim(),
        ).toBe(foreign)
        expect(standIn.hasRepo(repo)).toBe(true)
        expect(world.github.head(`gittrix/${id}`)).toBeNull()

        // The publish job's namespace differs from the one the start commit names: refused before any write.
        const mark = standIn.requests.length
        const other = await runPublishJob({
          agentJob: agent,
          token: world.github.workflowToken,
          env: { ...world.runnerEnv(world.tmp('gittrix-e2e-publish-')), GITHUB_JOB: 'publish' },
          inputs: { ...publishInputs(standIn), 'artifacts-namespace': 'another-ns' },
        })
        expect(other.code).toBe(1)
        expect(other.errors.join('\n')).toContain("not this session's own repository another-ns/")
        expect(standIn.requests.slice(mark)).toEqual([])
        expect(world.github.head(`gittrix/${id}`)).toBeNull()

        // Without the artifacts inputs the publish job says which ones to give.
        const bare = await runPublishJob({
          agentJob: agent,
          token: world.github.workflowToken,
          env: { ...world.runnerEnv(world.tmp('gittrix-e2e-publish-')), GITHUB_JOB: 'publish' },
        })
        expect(bare.errors.join('\n')).toContain('give the publish step the artifacts-account-id')
        expectNoSecrets(expect, world, standIn, [agent, publish, other, bare])
      }),
    240_000,
  )
  it(
    'publish refuses forged Artifacts bundles (another tree or message at the root, foreign history, a gitlink, another repository) before any write',
    ({ expect }) =>
      withArtifacts(async (world, standIn) => {
        const ws = await world.checkout()
        const agent = await runBundle({
          inputs: {
            token: world.github.readOnlyToken,
            task: 'Fix the parser',
            run: AGENT,
            ephemeral: 'artifacts',
            'artifacts-namespace': NAMESPACE,
          },
          env: world.runnerEnv(ws),
          cwd: ws,
        })
        expect(agent.errors, agent.stdout).toEqual([])
        const id = agent.outputs['session-id']!
        const baseline = agent.outputs['baseline-sha']!
        const git = (...args: string[]) =>
          execFileSync('git', ['-C', ws, ...args], {
            encoding: 'utf8',
            env: process.env,
          }).trim()
        const heads = new Map(
          git('bundle', 'list-heads', agent.outputs.bundle!)
            .split('\n')
            .map((line) => [line.slice(41), line.slice(0, 40)] as const),
        )
        const startSha = heads.get(`refs/heads/gittrix/${id}`)!
        const artifactsHead = heads.get('refs/gittrix/artifacts-main')!
        const root = git('rev-list', '--max-parents=0', artifactsHead)
        const rootMessage = git('log', '-1', '--format=%B', root)
        const baseTree = git('rev-parse', `${baseline}^{tree}`)
        const commit = (tree: string, message: string, ...parents: string[]) =>
          git('commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message)
        /** The agent's Artifacts line rebuilt on `newRoot` (same trees and messages above the root). */
        const onRoot = (newRoot: string) =>
          commit(git('rev-parse', `${artifactsHead}^{tree}`), 'work', newRoot)
        const forge = (name: string, start: string, line: string): string => {
          git('update-ref', `refs/heads/gittrix/${id}`, start)
          git('update-ref', 'refs/gittrix/artifacts-main', line)
          const file = join(world.tmp('gittrix-forged-'), `${name}.bundle`)
          git(
            'bundle',
            'create',
            '-q',
            file,
            `refs/heads/gittrix/${id}`,
            'refs/gittrix/artifacts-main',
            `^${baseline}`,
          )
          return file
        }
        const extraTree = execFileSync('git', ['-C', ws, 'mktree'], {
          input: `100644 blob ${git('rev-parse', `${baseline}:README.md`)}\textra.txt\n`,
          encoding: 'utf8',
        }).trim()
        const parsedStart = parseStartCommit(git('log', '-1', '--format=%B', startSha))
        if (!parsedStart.ok) throw new Error(parsedStart.reason)
        const otherRepoStart = commit(
          baseTree,
          encodeStartCommit({
            ...parsedStart.value,
            ephemeral: { kind: 'artifacts', namespace: NAMESPACE, repo: `gittrix-1-${id}` },
          }),
          baseline,
        )
        const unrelated = commit(extraTree, 'unrelated history')
        const gitlinkTree = execFileSync('git', ['-C', ws, 'mktree'], {
          input: `${git('ls-tree', artifactsHead)}\n160000 commit ${baseline}\tsub\n`,
          encoding: 'utf8',
        }).trim()
        const cases: Array<[string, string, RegExp | string]> = [
          [
            forge('tree', startSha, onRoot(commit(extraTree, rootMessage))),
            'root-tree',
            "does not carry the baseline's tree",
          ],
          [
            forge('message', startSha, onRoot(commit(baseTree, rootMessage.replace('#main', '#release')))),
            'root-message',
            'is not the baseline commit of this session',
          ],
          [
            forge(
              'merge',
              startSha,
              commit(git('rev-parse', `${artifactsHead}^{tree}`), 'merge', artifactsHead, unrelated),
            ),
            'foreign-history',
            "does not descend from the session repository's root commit alone",
          ],
          [
            forge('gitlink', startSha, commit(gitlinkTree, 'gitlink', artifactsHead)),
            'gitlink',
            'adds a gitlink',
          ],
          [
            forge('repo', otherRepoStart, artifactsHead),
            'other-repository',
            "not this session's own repository",
          ],
          [forge('missing', startSha, startSha), 'start-as-line', /root commit|does not descend/],
        ]
        for (const [file, name, why] of cases) {
          const run = await runBundle({
            inputs: {
              mode: 'publish',
              bundle: file,
              token: world.github.workflowToken,
              ...publishInputs(standIn),
            },
            env: { ...world.runnerEnv(world.tmp('gittrix-e2e-publish-')), GITHUB_JOB: 'publish' },
          })
          expect(run.code, name).toBe(1)
          expect(run.errors.join('\n'), name).toMatch(why)
        }
        // Nothing was created or pushed: no repository, no session branch.
        expect(standIn.repoNames()).toEqual([])
        expect(standIn.requests.filter((r) => r.method === 'POST')).toEqual([])
        expect(world.github.head(`gittrix/${id}`)).toBeNull()
      }),
    240_000,
  )
})
