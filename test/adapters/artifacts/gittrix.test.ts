/**
 * The Artifacts adapters through `GitTrix` and on their own: GitHub durable + Artifacts ephemeral
 * (blobs uploaded to GitHub only for the new content), local durable + Artifacts ephemeral, Artifacts
 * on both sides (drift refused, disjoint drift landed), the single orphan baseline commit, fork from any
 * commit of a session, destroy, and creation failures that leave nothing behind.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import nock from 'nock'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import {
  CloudflareArtifactsEphemeralAdapter,
  SNAPSHOT_BRANCH,
} from '../../../src/adapters/artifacts/ephemeral.ts'
import { GitHubDurableAdapter } from '../../../src/adapters/github/durable.ts'
import { LocalDurableAdapter } from '../../../src/adapters/local/durable.ts'
import { GitTrix } from '../../../src/core/gittrix.ts'
import { expectCode, gitBlobId, utf8 } from '../contract/fixtures.ts'
import {
  branchHead,
  commitLocal,
  fastImportCommit,
  makeLocalRepo,
  readCommit,
  readGitTree,
} from '../local/fixtures.ts'
import { testOctokit } from '../github/harness.ts'
import { GitDataApi, mountGitDataApi, ROUTES } from '../../support/git-data-api.ts'
import { cleanup, git, tempDir } from '../../support/git-fixtures.ts'
import { artifactsHarness } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function stand(options: Parameters<typeof artifactsHarness>[0] = {}) {
  const h = await artifactsHarness(options)
  cleanups.push(() => h.standIn.stop())
  const workingRoot = tempDir('gittrix-artifacts-wr-')
  const storeDir = tempDir('gittrix-artifacts-gt-store-')
  cleanups.push(() => cleanup(workingRoot, storeDir))
  const ephemeral = new CloudflareArtifactsEphemeralAdapter({ client: h.client, workingRoot })
  return { ...h, ephemeral, workingRoot, storeDir }
}

const SEED = {
  'README.md': '# Project\n',
  'src/app.ts': 'export const app = 1\n',
  'scripts/build.sh': '#!/bin/sh\necho build\n',
  'del/me.txt': 'delete me\n',
}

describe('GitHub durable + Artifacts ephemeral', () => {
  it('promotes through GitTrix, uploading to GitHub only the blobs of new content', async () => {
    const { standIn, ephemeral, storeDir } = await stand()
    const api = new GitDataApi({ owner: `artifacts${process.pid}`, repo: 'combo' })
    const initial = api.commit('main', SEED, { message: 'seed\n' })
    const mount = mountGitDataApi(api)
    nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/)
    cleanups.push(() => {
      // nock reports some loopback requests to the Artifacts stand-in as unmatched GitHub requests
      // (it cannot tell their host); drop exactly those, every GitHub request stays checked.
      const violations = mount.violations as string[]
      const foreign = violations.filter((v) =>
        v.includes(` /client/v4/accounts/${standIn.accountId}/artifacts/`),
      )
      for (const v of foreign) violations.splice(violations.indexOf(v), 1)
      try {
        mount.done()
      } finally {
        api.destroy()
      }
    })
    const durable = new GitHubDurableAdapter({
      owner: api.owner,
      repo: api.repo,
      octokit: testOctokit(mount.baseUrl),
      branch: 'main',
    })
    const gittrix = new GitTrix({ durable, ephemeral, storeDir, sweepIntervalMs: 0 })
    cleanups.push(() => gittrix.close())

    const session = await gittrix.startSession({ task: 'artifacts to github' })
    const repo = `gittrix-${session.id}`
    expect(standIn.hasRepo(repo)).toBe(true)
    const agent = session.forAgent()
    await agent.write('src/app.ts', 'export const app = 2\n')
    await agent.write('src/new.ts', 'shared content\n')
    await agent.write('docs/copy.md', 'shared content\n')
    await agent.delete('del/me.txt')
    await agent.commit('agent work')
    expect(await session.diff()).toContain('+export const app = 2')

    const mark = api.log.length
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    const head = api.head('main')!
    expect(head).toBe(outcome.sha)
    expect(api.commitInfo(head).parents).toEqual([initial])
    const files = api.files(head)
    expect(files.get('src/app.ts')!.bytes.toString()).toBe('export const app = 2\n')
    expect(files.get('docs/copy.md')!.bytes.toString()).toBe('shared content\n')
    expect(files.has('del/me.txt')).toBe(false)
    expect(files.get('README.md')!.oid).toBe(api.files(initial).get('README.md')!.oid)
    const uploads = api.log.slice(mark).filter((r) => r.route === ROUTES.createBlob)
    expect(
      uploads.map((r) => gitBlobId(Buffer.from((r.body as { content: string }).content, 'base64'))).sort(),
    ).toEqual([gitBlobId(utf8('export const app = 2\n')), gitBlobId(utf8('shared content\n'))].sort())
    // Evicted after promotion: the session repository is gone.
    expect(standIn.hasRepo(repo)).toBe(false)
  })
})

describe('local durable + Artifacts ephemeral', () => {
  it('starts from one orphan commit (no durable history uploaded), diffs, promotes and evicts', async () => {
    const { standIn, ephemeral, storeDir } = await stand()
    const local = makeLocalRepo('checked-out')
    cleanups.push(() => cleanup(local.path))
    commitLocal(local, { 'README.md': 'v1\n', 'old.txt': 'old\n' })
    commitLocal(local, { 'old.txt': null })
    const baseline = commitLocal(local, SEED)
    const gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: local.path }),
      ephemeral,
      storeDir,
      sweepIntervalMs: 0,
    })
    cleanups.push(() => gittrix.close())
    const session = await gittrix.startSession({ task: 'local to artifacts' })
    const repoDir = standIn.gitDir(`gittrix-${session.id}`)
    const commits = git(repoDir, 'rev-list', '--all').split('\n')
    expect(commits).toHaveLength(1)
    const orphan = readCommit(repoDir, commits[0]!)
    expect(orphan.parents).toEqual([])
    expect(orphan.tree).toBe(git(local.path, 'rev-parse', `${baseline}^{tree}`))
    expect(orphan.message).toContain(`Gittrix-Baseline: ${baseline}`)
    expect(() => git(repoDir, 'cat-file', '-e', `${baseline}^{commit}`)).toThrow()

    await session.write('src/app.ts', 'export const app = 3\n')
    await session.write('scripts/build.sh', '#!/bin/sh\necho build\n', { executable: true })
    const patch = await session.diff()
    expect(patch).toContain('diff --git a/src/app.ts b/src/app.ts')
    expect(patch).toContain('old mode 100644\nnew mode 100755')
    const outcome = await session.promote({ selector: { mode: 'all' } })
    expect(branchHead(local.gitDir, 'main')).toBe(outcome.sha)
    expect(readCommit(local.gitDir, outcome.sha).parents).toEqual([baseline])
    expect(readGitTree(local.gitDir, outcome.sha).get('scripts/build.sh')!.mode).toBe('100755')
    // The snapshot promoted was pushed to the session repository before eviction deleted it.
    expect(
      standIn.requests.some(
        (r) => r.kind === 'git' && r.path.endsWith('git-receive-pack') && r.method === 'POST',
      ),
    ).toBe(true)
    expect(standIn.hasRepo(`gittrix-${session.id}`)).toBe(false)
  })
})

describe('Artifacts durable + Artifacts ephemeral', () => {
  it('refuses overlapping drift, lands on a moved head when the drift is disjoint', async () => {
    const { standIn, client, ephemeral, storeDir } = await stand()
    const durableDir = standIn.seedRepo('app')
    const initial = fastImportCommit(durableDir, { branch: 'main', files: SEED, message: 'seed\n' })
    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'app' })
    cleanups.push(() => durable.close())
    const gittrix = new GitTrix({ durable, ephemeral, storeDir, sweepIntervalMs: 0 })
    cleanups.push(() => gittrix.close())
    const session = await gittrix.startSession({ task: 'all artifacts' })
    await session.write('src/app.ts', 'ours\n')
    await session.write('added.txt', 'added\n')

    const drift = fastImportCommit(durableDir, {
      branch: 'main',
      from: initial,
      files: { 'src/app.ts': 'theirs\n' },
    })
    const conflict = await expectCode(session.promote({ selector: { mode: 'all' } }), 'BASELINE_CONFLICT')
    expect((conflict as unknown as { conflictingFiles: string[] }).conflictingFiles).toEqual(['src/app.ts'])
    expect(branchHead(durableDir, 'main')).toBe(drift)

    const outcome = await session.promote({ selector: { mode: 'files', files: ['added.txt'] } })
    expect(readCommit(durableDir, outcome.sha).parents).toEqual([drift])
    const tree = readGitTree(durableDir, outcome.sha)
    expect(tree.get('added.txt')!.bytes.toString()).toBe('added\n')
    expect(tree.get('src/app.ts')!.bytes.toString()).toBe('theirs\n')
    expect(readCommit(durableDir, outcome.sha).message).toContain(`Gittrix-Session: ${session.id}`)
    expect(await durable.findPromotion({ branch: 'main', sessionId: session.id, baselineSha: initial })).toBe(
      outcome.sha,
    )
  })
})

describe('CloudflareArtifactsEphemeralAdapter', () => {
  async function baselineRepo() {
    const local = makeLocalRepo('checked-out')
    cleanups.push(() => cleanup(local.path))
    const baseline = commitLocal(local, SEED)
    return { local, baseline, durable: new LocalDurableAdapter({ path: local.path, branch: 'main' }) }
  }

  it('forks a session from any of its commits (waiting out FORK_IN_PROGRESS), keeping the durable baseline', async () => {
    const { standIn, ephemeral, storeDir } = await stand()
    const { durable, baseline } = await baselineRepo()
    const source = {
      sessionId: 'source-1',
      sessionDir: join(storeDir, 'source-1'),
      baselineSha: baseline,
      ephemeralRef: '',
    }
    const info = await ephemeral.create({ ...source, durable })
    const handle = { ...source, ephemeralRef: info.ephemeralRef, ephemeralPath: info.ephemeralPath! }
    await ephemeral.write(handle, 'src/app.ts', utf8('step 1\n'))
    const step1 = await ephemeral.commit(handle, 'step 1')
    await ephemeral.write(handle, 'src/app.ts', utf8('step 2\n'))
    await ephemeral.write(handle, 'later.txt', utf8('later\n'))
    await ephemeral.snapshot(handle)
    expect(branchHead(standIn.gitDir('gittrix-source-1'), SNAPSHOT_BRANCH)).not.toBeNull()

    standIn.forkDelayMs = 150
    const fork = await ephemeral.fork('source-1', {
      at: step1,
      sessionId: 'fork-1',
      sessionDir: join(storeDir, 'fork-1'),
    })
    expect(fork.baselineSha).toBe(baseline)
    expect(fork.at).toBe(step1)
    expect(standIn.requests.some((r) => r.status === 409)).toBe(true)
    expect(Buffer.from((await ephemeral.read(fork.handle, 'src/app.ts'))!).toString()).toBe('step 1\n')
    expect((await ephemeral.snapshot(fork.handle)).changes.map((c) => c.path)).toEqual(['src/app.ts'])
    expect(branchHead(standIn.gitDir('gittrix-fork-1'), 'main')).toBe(step1)

    standIn.forkDelayMs = 0
    const latest = await ephemeral.fork('source-1', {
      sessionId: 'fork-2',
      sessionDir: join(storeDir, 'fork-2'),
    })
    expect((await ephemeral.snapshot(latest.handle)).changes.map((c) => c.path)).toEqual([
      'later.txt',
      'src/app.ts',
    ])
    // Forks are independent of their source.
    await ephemeral.write(latest.handle, 'src/app.ts', utf8('fork only\n'))
    expect(Buffer.from((await ephemeral.read(handle, 'src/app.ts'))!).toString()).toBe('step 2\n')

    await expectCode(
      ephemeral.fork('source-1', {
        at: 'f'.repeat(40),
        sessionId: 'fork-3',
        sessionDir: join(storeDir, 'fork-3'),
      }),
      'INVALID_ARGUMENT',
    )
    expect(standIn.hasRepo('gittrix-fork-3')).toBe(false)
    expect(existsSync(join(storeDir, 'fork-3', 'ephemeral'))).toBe(false)
    for (const h of [handle, fork.handle, latest.handle]) await ephemeral.destroy(h)
  })

  it('refuses a session id that makes an invalid repository name before any request, leaving nothing', async () => {
    const { standIn, ephemeral, storeDir, workingRoot } = await stand()
    const { durable, baseline } = await baselineRepo()
    for (const sessionId of ['x'.repeat(60), 'bad id']) {
      const error = await expectCode(
        ephemeral.create({ sessionId, sessionDir: join(storeDir, 'bad'), baselineSha: baseline, durable }),
        'INVALID_ARGUMENT',
      )
      expect(error.message).toMatch(/Artifacts repository name "gittrix-/)
    }
    expect(standIn.requests).toEqual([])
    expect(existsSync(join(storeDir, 'bad'))).toBe(false)
    expect(existsSync(join(workingRoot, 'bad id'))).toBe(false)
  })

  it('a 5xx while creating is ADAPTER_UNAVAILABLE and leaves no repository, clone or state behind', async () => {
    const { standIn, ephemeral, storeDir, workingRoot } = await stand()
    const { durable, baseline } = await baselineRepo()
    standIn.inject({ method: 'POST', path: '/repos', status: 503 })
    await expectCode(
      ephemeral.create({
        sessionId: 's-5xx',
        sessionDir: join(storeDir, 's-5xx'),
        baselineSha: baseline,
        durable,
      }),
      'ADAPTER_UNAVAILABLE',
    )
    // A failure after the repository exists (the baseline push refused) deletes it again.
    standIn.refuseGit = true
    await expectCode(
      ephemeral.create({
        sessionId: 's-push',
        sessionDir: join(storeDir, 's-push'),
        baselineSha: baseline,
        durable,
      }),
      'AUTH_FAILED',
    )
    expect(standIn.repoNames()).toEqual([])
    expect(existsSync(join(workingRoot, 's-push'))).toBe(false)
    expect(existsSync(join(storeDir, 's-push', 'ephemeral'))).toBe(false)
  })

  it('destroy deletes the repository and the clone, and tolerates a repository already gone', async () => {
    const { standIn, client, ephemeral, storeDir } = await stand()
    const { durable, baseline } = await baselineRepo()
    const base = { sessionId: 'gone-1', sessionDir: join(storeDir, 'gone-1'), baselineSha: baseline }
    const info = await ephemeral.create({ ...base, durable })
    const handle = { ...base, ephemeralRef: info.ephemeralRef, ephemeralPath: info.ephemeralPath! }
    expect(info.ephemeralRef).toBe(`artifacts://${standIn.accountId}/default/gittrix-gone-1`)
    await client.deleteRepo('gittrix-gone-1')
    await ephemeral.destroy(handle)
    expect(existsSync(info.ephemeralPath!)).toBe(false)
    await ephemeral.destroy(handle)
    const deletes = standIn.requests.filter((r) => r.method === 'DELETE')
    expect(deletes.map((r) => r.status)).toEqual([202, 404, 404])
  })
})
