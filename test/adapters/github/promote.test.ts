/**
 * Promotion end to end through `GitTrix` with GitHubDurableAdapter + GitHubBranchEphemeralAdapter over
 * the git-data-api stand-in (a real bare repository behind nock, every request checked against GitHub's
 * OpenAPI description). Everything is asserted on the bare repository with git, not with the adapters.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { isGittrixError } from '../../../src/core/errors.ts'
import type { PromoteOptions } from '../../../src/core/types.ts'
import { type ApiRequest, ROUTES } from '../../support/git-data-api.ts'
import { type GitHubHarness, githubHarness, manyFiles } from './harness.ts'

const SEED = {
  'README.md': '# Project\n',
  'src/app.ts': 'export const app = 1\n',
  'src/lib/util.ts': 'export const util = 2\n',
  'bin/run.sh': { content: '#!/bin/sh\necho run\n', executable: true },
  'scripts/build.sh': '#!/bin/sh\necho build\n',
  'docs/guide.md': 'a guide\n',
  'del/me.txt': 'delete me\n',
}

const open: GitHubHarness[] = []
async function setup(
  files: Parameters<typeof githubHarness>[0] = SEED,
  options = {},
): Promise<GitHubHarness> {
  const h = await githubHarness(files, options)
  open.push(h)
  return h
}
afterEach(async () => {
  for (const h of open.splice(0)) await h.close()
})

async function caught(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

/** Paths whose mode, blob or existence differ between two commits of the bare repository. */
function changed(h: GitHubHarness, from: string, to: string): string[] {
  const a = h.api.files(from)
  const b = h.api.files(to)
  const out: string[] = []
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(path)
    const y = b.get(path)
    if (!x || !y || x.oid !== y.oid || x.mode !== y.mode) out.push(path)
  }
  return out.sort()
}

describe('promotion from a session branch', () => {
  it.each([1, 100, 1000])(
    'promotes %i files in one clean commit with at most 9 requests, reusing blobs and leaving author/committer to GitHub',
    async (n) => {
      const h = await setup({ ...SEED, ...manyFiles(50, 'base', 'keep') })
      const session = await h.gittrix.startSession({
        task: `promote ${n} files`,
        eviction: { untilPromote: false },
      })
      const files = manyFiles(n, 'session')
      h.push(session.id, files)
      const mark = h.api.log.length
      const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
      const requests = h.since(mark)

      expect(outcome).toMatchObject({ strategy: 'commit', branch: 'main', alreadyPromoted: false })
      expect(outcome.files).toHaveLength(n)
      // The session head (read once, by its full ref), the durable head, the comparison, then either
      // one query of both sides' entries and the proof tree (under 300 files) or both root levels and
      // one listing of the new directory `many/`; then tree, commit, ref.
      expect(requests.length).toBeLessThanOrEqual(n < 300 ? 8 : 9)
      expect(requests.filter((r) => r.route === ROUTES.createBlob)).toEqual([])
      // One commit on top of the baseline, holding exactly the session's files.
      const head = h.api.head('main')!
      expect(head).toBe(outcome.sha)
      const info = h.api.commitInfo(head)
      expect(info.parents).toEqual([h.initial])
      expect(info.message).toContain(`Gittrix-Session: ${session.id}`)
      expect(info.message).toContain(`Gittrix-Baseline: ${h.initial}`)
      expect(changed(h, h.initial, head)).toEqual(Object.keys(files).sort())
      const after = h.api.files(head)
      for (const [path, content] of Object.entries(files))
        expect(after.get(path)?.bytes.toString()).toBe(content)
      // Created without author/committer, so GitHub signs it as the App: the stand-in marks it verified.
      const create = requests.filter((r) => r.route === ROUTES.createCommit)
      expect(create).toHaveLength(1)
      const body = create[0]!.body as Record<string, unknown>
      expect(Object.keys(body).sort()).toEqual(['message', 'parents', 'tree'])
      expect(info.author.name).toBe('gittrix-test[bot]')
      const update = requests.find((r) => r.route === ROUTES.updateRef)!
      expect(update.body).toEqual({ sha: head, force: false })
    },
  )

  it('promotes deletions, the executable bit (set and cleared), binary content and symlinks', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'modes and bytes' })
    const agent = session.forAgent()
    const binary = Buffer.from([0, 255, 1, 254, 0, 10, 13, 0, 128])
    await agent.delete('del/me.txt')
    await agent.write('scripts/build.sh', '#!/bin/sh\necho build\n', { executable: true })
    await agent.write('bin/run.sh', '#!/bin/sh\necho run\n', { executable: false })
    await agent.write('tools/new.sh', '#!/bin/sh\n', { executable: true })
    await agent.write('assets/blob.bin', binary)
    h.push(session.id, { 'links/app': { symlink: '../src/app.ts' } })

    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    const head = h.api.head('main')!
    expect(head).toBe(outcome.sha)
    expect(h.api.commitInfo(head).parents).toEqual([h.initial])
    const after = h.api.files(head)
    expect(after.has('del/me.txt')).toBe(false)
    expect(after.get('scripts/build.sh')?.mode).toBe('100755')
    expect(after.get('bin/run.sh')?.mode).toBe('100644')
    expect(after.get('tools/new.sh')?.mode).toBe('100755')
    expect(after.get('assets/blob.bin')?.bytes.equals(binary)).toBe(true)
    expect(after.get('links/app')).toMatchObject({ mode: '120000' })
    expect(after.get('links/app')?.bytes.toString()).toBe('../src/app.ts')
    expect(changed(h, h.initial, head)).toEqual(
      ['assets/blob.bin', 'bin/run.sh', 'del/me.txt', 'links/app', 'scripts/build.sh', 'tools/new.sh'].sort(),
    )
    // The session branch is evicted after promotion (untilPromote defaults to true).
    expect(h.api.head(`gittrix/${session.id}`)).toBeNull()
  })

  it('promotes only the selected files', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'select' })
    h.push(session.id, { 'README.md': '# New\n', 'src/app.ts': 'export const app = 2\n', 'new.txt': 'n\n' })
    const outcome = await session.promote({ selector: { mode: 'files', files: ['README.md', 'new.txt'] } })
    expect(changed(h, h.initial, outcome.sha)).toEqual(['README.md', 'new.txt'])
  })
})

describe('durable drift', () => {
  it('lands on the moved head when the drift does not overlap the selection', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'drift' })
    h.push(session.id, { 'src/app.ts': 'export const app = 2\n' })
    const drift = h.api.commit('main', { 'docs/guide.md': 'edited on main\n', 'other.txt': 'o\n' })
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    const head = h.api.head('main')!
    expect(head).toBe(outcome.sha)
    expect(h.api.commitInfo(head).parents).toEqual([drift])
    expect(changed(h, drift, head)).toEqual(['src/app.ts'])
    expect(h.api.files(head).get('docs/guide.md')?.bytes.toString()).toBe('edited on main\n')
  })

  it('refuses with BASELINE_CONFLICT naming the overlapping paths, and writes nothing', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'conflict' })
    h.push(session.id, { 'src/app.ts': 'mine\n', 'README.md': 'mine\n', 'free.txt': 'free\n' })
    const drift = h.api.commit('main', { 'src/app.ts': 'theirs\n', 'README.md': null })
    const mark = h.api.log.length
    const error = (await caught(
      session.promote({ selector: { mode: 'all' }, strategy: 'commit' }),
    )) as Error & {
      code: string
      conflictingFiles: string[]
    }
    expect(error.code).toBe('BASELINE_CONFLICT')
    expect(error.conflictingFiles.sort()).toEqual(['README.md', 'src/app.ts'])
    expect(h.api.head('main')).toBe(drift)
    // The one write is the snapshot's proof of the compared paths (compare-diff.ts): an unreferenced
    // tree object; no blob, commit or ref.
    const writes = h.since(mark).filter((r) => r.method !== 'GET' && r.route !== ROUTES.graphql)
    expect(writes.map((r) => r.route)).toEqual([ROUTES.createTree])
    expect((await session.info()).state).toBe('active')
  })

  it('detects drift of 5,000 changed files exactly and lists every overlapping one', async () => {
    const bulk = manyFiles(5000, 'v1', 'bulk')
    const h = await setup({ ...SEED, ...bulk }, { truncateAbove: 3000 })
    const session = await h.gittrix.startSession({ task: 'big drift' })
    const paths = Object.keys(bulk)
    // main changes all 5,000 files (modified, deleted, added elsewhere).
    const drift: Record<string, string | null> = {}
    paths.forEach((p, i) => {
      drift[p] = i % 3 === 0 ? null : `v2 ${i}\n`
    })
    h.api.commit('main', drift)
    // The session touches 120 of those paths plus 30 untouched by main.
    const overlap = paths.filter((_, i) => i % 41 === 7).slice(0, 120)
    const session_: Record<string, string> = {}
    for (const p of overlap) session_[p] = 'session\n'
    for (let i = 0; i < 30; i++) session_[`free/${i}.txt`] = 'free\n'
    h.push(session.id, session_)
    const before = h.api.head('main')
    const error = (await caught(
      session.promote({ selector: { mode: 'all' }, strategy: 'commit' }),
    )) as Error & {
      code: string
      conflictingFiles: string[]
    }
    expect(error.code).toBe('BASELINE_CONFLICT')
    expect(error.conflictingFiles.sort()).toEqual([...overlap].sort())
    expect(h.api.head('main')).toBe(before)
    expect(await h.durable.changedPaths(h.initial, before!)).toHaveLength(5000)
  })
})

describe('compare-and-swap on the ref update', () => {
  it('retries a lost race on the new head (drift re-checked) and writes one commit', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'race' })
    h.push(session.id, { 'src/app.ts': 'export const app = 3\n' })
    let racer = ''
    h.api.before(ROUTES.updateRef, 1, () => {
      racer = h.api.commit('main', { 'racer.txt': 'I was faster\n' })
    })
    const mark = h.api.log.length
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    const updates = h.since(mark).filter((r) => r.route === ROUTES.updateRef)
    expect(updates.map((r) => r.status)).toEqual([422, 200])
    const head = h.api.head('main')!
    expect(head).toBe(outcome.sha)
    expect(h.api.commitInfo(head).parents).toEqual([racer])
    expect(changed(h, racer, head)).toEqual(['src/app.ts'])
    expect(h.api.files(head).has('racer.txt')).toBe(true)
  })

  it('refuses when the racing commit overlaps: BASELINE_CONFLICT, the racer stays', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'race conflict' })
    h.push(session.id, { 'src/app.ts': 'mine\n' })
    let racer = ''
    h.api.before(ROUTES.updateRef, 1, () => {
      racer = h.api.commit('main', { 'src/app.ts': 'theirs\n' })
    })
    const error = await caught(session.promote({ selector: { mode: 'all' }, strategy: 'commit' }))
    expect(error.code).toBe('BASELINE_CONFLICT')
    expect(h.api.head('main')).toBe(racer)
  })
})

describe('protected branches and pull requests', () => {
  it('auto: a protected branch gets a pull request from gittrix/promote/<id> holding one clean commit', async () => {
    const h = await setup()
    h.api.protectBranch('main')
    const session = await h.gittrix.startSession({ task: 'Fix the build\n\nlonger text' })
    h.push(session.id, { 'src/app.ts': 'export const app = 4\n', 'new.txt': 'new\n' })
    const outcome = await session.promote({ selector: { mode: 'all' } })
    expect(outcome.strategy).toBe('pr')
    expect(outcome.branch).toBe(`gittrix/promote/${session.id}`)
    expect(outcome.prUrl).toMatch(/\/pull\/1$/)
    expect(h.api.head('main')).toBe(h.initial)
    const prHead = h.api.head(outcome.branch)!
    expect(prHead).toBe(outcome.sha)
    expect(h.api.commitInfo(prHead).parents).toEqual([h.initial])
    expect(changed(h, h.initial, prHead)).toEqual(['new.txt', 'src/app.ts'])
    expect(h.api.pulls).toHaveLength(1)
    expect(h.api.pulls[0]).toMatchObject({
      head: outcome.branch,
      base: 'main',
      title: 'gittrix: Fix the build',
    })
    expect(h.api.pulls[0]!.body).toContain(session.id)
    expect(h.api.pulls[0]!.body).toContain('<code>new&#46;txt</code>')
  })

  it('commit: a protected branch is BRANCH_PROTECTED and nothing moves', async () => {
    const h = await setup()
    h.api.protectBranch('main')
    const session = await h.gittrix.startSession({ task: 'protected' })
    h.push(session.id, { 'src/app.ts': 'x\n' })
    const error = await caught(session.promote({ selector: { mode: 'all' }, strategy: 'commit' }))
    expect(error.code).toBe('BRANCH_PROTECTED')
    expect(error.message).toContain('main')
    expect(h.api.head('main')).toBe(h.initial)
    expect(h.api.pulls).toEqual([])
    expect((await session.info()).state).toBe('active')
  })

  it('pr: opens a pull request without touching the durable branch, and a repeat answers the same result', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'as a PR' })
    h.push(session.id, { 'docs/guide.md': 'better guide\n' })
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'pr' })
    expect(outcome).toMatchObject({ strategy: 'pr', branch: `gittrix/promote/${session.id}` })
    expect(h.api.head('main')).toBe(h.initial)
    expect(h.api.history(outcome.branch, 5)).toEqual([outcome.sha, h.initial])
    const again = await session.promote({ selector: { mode: 'all' }, strategy: 'pr' })
    expect(again).toMatchObject({ sha: outcome.sha, prUrl: outcome.prUrl, alreadyPromoted: true })
    expect(h.api.pulls).toHaveLength(1)
  })

  it('finds the pull request a retried promotion opened before (422 "already exists")', async () => {
    const h = await setup()
    h.api.commit('gittrix/promote/sess_aaaaaaaaaaaa', { 'x.txt': 'x\n' }, { from: h.initial })
    const first = await h.durable.openPullRequest({
      head: 'gittrix/promote/sess_aaaaaaaaaaaa',
      base: 'main',
      title: 't',
      message: 't',
      sessionId: 'sess_aaaaaaaaaaaa',
      task: 't',
      baselineSha: h.initial,
      files: ['x.txt'],
    })
    const second = await h.durable.openPullRequest({
      head: 'gittrix/promote/sess_aaaaaaaaaaaa',
      base: 'main',
      title: 't',
      message: 't',
      sessionId: 'sess_aaaaaaaaaaaa',
      task: 't',
      baselineSha: h.initial,
      files: ['x.txt'],
    })
    expect(second).toEqual(first)
    expect(h.api.log.filter((r) => r.route === ROUTES.createPull).map((r) => r.status)).toEqual([201, 422])
  })

  it('a workflow change without the workflows permission is AUTH_FAILED naming the path and the permission', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'ci' })
    h.push(session.id, { '.github/workflows/ci.yml': 'on: push\n', 'src/app.ts': 'y\n' })
    h.api.workflowsPermission = false
    const error = await caught(session.promote({ selector: { mode: 'all' }, strategy: 'commit' }))
    expect(error.code).toBe('AUTH_FAILED')
    expect(error.message).toContain('.github/workflows/ci.yml')
    expect(error.message).toMatch(/workflows/i)
    expect(error.message).toMatch(/permission/i)
    expect(h.api.head('main')).toBe(h.initial)
  })
})

describe('blob reuse', () => {
  it('uploads blobs (POST /git/blobs, one per distinct content) when the source is not this repository', async () => {
    const h = await setup()
    const bytes = [Buffer.from('one\n'), Buffer.from('two\n'), Buffer.from([0, 1, 2, 3])]
    const { gitBlobId, memoryBlobSource } = await import('../contract/fixtures.ts')
    const mark = h.api.log.length
    const result = await h.durable.applyCommit({
      branch: 'main',
      parent: h.initial,
      expectedOld: h.initial,
      paths: [
        { path: 'a.txt', mode: '100644', oid: gitBlobId(bytes[0]!) },
        { path: 'b.txt', mode: '100644', oid: gitBlobId(bytes[1]!) },
        { path: 'same-as-b.txt', mode: '100644', oid: gitBlobId(bytes[1]!) },
        { path: 'c.bin', mode: '100755', oid: gitBlobId(bytes[2]!) },
      ],
      blobs: memoryBlobSource(bytes),
      message: 'elsewhere\n',
    })
    expect(result.moved).toBe(true)
    const uploads = h.since(mark).filter((r) => r.route === ROUTES.createBlob)
    expect(uploads).toHaveLength(3)
    expect(uploads.every((r) => (r.body as { encoding: string }).encoding === 'base64')).toBe(true)
    const after = h.api.files(h.api.head('main')!)
    expect(after.get('c.bin')).toMatchObject({ mode: '100755' })
    expect(after.get('c.bin')!.bytes.equals(bytes[2]!)).toBe(true)
    expect(after.get('same-as-b.txt')!.bytes.toString()).toBe('two\n')
  })
  it('reuses the ids of content the parent tree already holds (renames, mode changes) and uploads only the rest', async () => {
    const h = await setup()
    const { gitBlobId, memoryBlobSource } = await import('../contract/fixtures.ts')
    const existing = h.api.files(h.initial)
    const [path, file] = [...existing][0]!
    const fresh = Buffer.from('only in the session\n')
    const blobs = memoryBlobSource([fresh, file.bytes])
    const mark = h.api.log.length
    const result = await h.durable.applyCommit({
      branch: 'main',
      parent: h.initial,
      expectedOld: h.initial,
      paths: [
        { path: `moved/${path}`, mode: '100755', oid: file.oid },
        { path: 'fresh.txt', mode: '100644', oid: gitBlobId(fresh) },
      ],
      blobs,
      message: 'mixed\n',
    })
    expect(result.moved).toBe(true)
    const uploads = h.since(mark).filter((r) => r.route === ROUTES.createBlob)
    expect(uploads).toHaveLength(1)
    // Only the new content was read from the source at all.
    expect(blobs.requested).toEqual([gitBlobId(fresh)])
    // Which blobs GitHub has is asked by id (one GraphQL query), not by listing the durable tree.
    expect(h.since(mark).filter((r) => r.route === ROUTES.getTree)).toEqual([])
    expect(h.since(mark).filter((r) => r.route === ROUTES.graphql)).toHaveLength(1)
    const after = h.api.files(h.api.head('main')!)
    expect(after.get(`moved/${path}`)).toMatchObject({ mode: '100755', oid: file.oid })
    expect(after.get('fresh.txt')!.bytes.equals(fresh)).toBe(true)
  })

  it('without GraphQL, finds the stored blobs in the parent tree instead', async () => {
    const h = await setup(undefined, { graphql: false })
    const { gitBlobId, memoryBlobSource } = await import('../contract/fixtures.ts')
    const [path, file] = [...h.api.files(h.initial)][0]!
    const fresh = Buffer.from('only in the session\n')
    const blobs = memoryBlobSource([fresh, file.bytes])
    const result = await h.durable.applyCommit({
      branch: 'main',
      parent: h.initial,
      expectedOld: h.initial,
      paths: [
        { path: `moved/${path}`, mode: '100644', oid: file.oid },
        { path: 'fresh.txt', mode: '100644', oid: gitBlobId(fresh) },
      ],
      blobs,
      message: 'mixed\n',
    })
    expect(result.moved).toBe(true)
    expect(blobs.requested).toEqual([gitBlobId(fresh)])
    expect(h.api.count(ROUTES.createBlob)).toBe(1)
  })
})

describe('5xx and secondary rate limits at each step: retried, or a clear error and no partial write', () => {
  // Each step of a promotion. Trees are read in GraphQL queries (both roots in one); where GraphQL is
  // not served, the two REST tree reads run in parallel, so each is targeted on its own.
  const steps: Array<{
    route: (typeof ROUTES)[keyof typeof ROUTES]
    label: string
    /** Which requests of the route the fault hits, given the baseline and the session head. */
    where?: (r: ApiRequest, at: { baseline: string; session: string }) => boolean
    rest?: boolean
    /** A read step: it fails as ADAPTER_UNAVAILABLE. */
    read?: boolean
    /** A 5xx that outlasts the retries is worked around (another way to read): the promotion lands. */
    fallsBack?: boolean
  }> = [
    { route: ROUTES.getRef, label: 'read the session head', where: (r) => r.path.includes('gittrix') },
    { route: ROUTES.getRef, label: 'read the durable head', where: (r) => !r.path.includes('gittrix') },
    { route: ROUTES.graphql, label: 'read the trees', fallsBack: true },
    {
      route: ROUTES.getTree,
      label: 'read the session tree over REST',
      where: (r, at) => r.path.includes(at.session),
      rest: true,
    },
    {
      route: ROUTES.getTree,
      label: 'read the baseline tree over REST',
      where: (r, at) => r.path.includes(at.baseline),
      rest: true,
    },
    // The snapshot's proof of the compared paths (compare-diff.ts) is the first tree written; the
    // promotion's own tree is faulted over REST only, where there is no proof.
    { route: ROUTES.createTree, label: 'prove the compared paths', read: true, fallsBack: true },
    { route: ROUTES.createTree, label: 'create the tree', rest: true },
    { route: ROUTES.createCommit, label: 'create the commit' },
    { route: ROUTES.updateRef, label: 'move the ref' },
  ]
  const cases: Array<{
    fault: 'server-error' | 'secondary-rate-limit' | 'secondary-rate-limit-429'
    times: number
    lands: boolean
  }> = [
    { fault: 'server-error', times: 1, lands: true },
    { fault: 'server-error', times: 4, lands: false }, // 1 try + 3 retries, all failing
    { fault: 'secondary-rate-limit', times: 1, lands: true },
    { fault: 'secondary-rate-limit-429', times: 2, lands: true },
    { fault: 'secondary-rate-limit', times: 3, lands: false }, // 1 try + 2 retries
  ]
  for (const step of steps) {
    for (const c of cases) {
      // A GraphQL query that keeps failing with a 5xx is split and its trees read again one by one
      // (tree-levels.ts), a proof that does is replaced by the walk (compare-diff.ts): the promotion
      // lands. A rate limit is not worked around.
      const lands = c.lands || (step.fallsBack === true && c.fault === 'server-error')
      it(`${step.label} (${step.route}): ${c.fault} × ${c.times} → ${lands ? 'retried, lands once' : 'clear error, durable branch unchanged'}`, async () => {
        const h = await setup(undefined, step.rest ? { graphql: false } : {})
        const session = await h.gittrix.startSession({ task: 'faults' })
        const at = {
          baseline: h.initial,
          session: h.push(session.id, { 'src/app.ts': 'export const app = 5\n', 'added.txt': 'a\n' }),
        }
        const where = step.where
        h.api.inject({
          route: step.route,
          fault: c.fault,
          times: c.times,
          ...(where ? { where: (r: ApiRequest) => where(r, at) } : {}),
        })
        const promote: PromoteOptions = { selector: { mode: 'all' }, strategy: 'commit' }
        const mark = h.api.log.length
        let error: (Error & { code?: string }) | undefined
        await session.promote(promote).catch((e: Error) => {
          error = e
        })
        const injected = h.since(mark).filter((r) => r.injected)
        expect(injected).toHaveLength(c.times)
        const head = h.api.head('main')!
        if (lands) {
          expect(error).toBeUndefined()
          expect(h.api.commitInfo(head).parents).toEqual([h.initial])
          expect(changed(h, h.initial, head)).toEqual(['added.txt', 'src/app.ts'])
        } else {
          expect(error).toBeDefined()
          // Reads fail as ADAPTER_UNAVAILABLE, writes as PROMOTE_FAILED; both say nothing was written.
          const code = isGittrixError(error) ? error.code : `not a GittrixError: ${error}`
          const read = step.read || step.route.startsWith('GET') || step.route === ROUTES.graphql
          expect(code).toBe(read ? 'ADAPTER_UNAVAILABLE' : 'PROMOTE_FAILED')
          expect(error!.message).toMatch(/unchanged|nothing was written/i)
          expect(head).toBe(h.initial)
          expect((await session.info()).state).toBe('active')
          // Once GitHub recovers, promoting again lands exactly one commit.
          h.api.clearFaults()
          const outcome = await session.promote(promote)
          expect(h.api.head('main')).toBe(outcome.sha)
          expect(h.api.commitInfo(outcome.sha).parents).toEqual([h.initial])
        }
      })
    }
  }

  it('a ref update that succeeded but whose answer was lost is retried harmlessly: exactly one commit', async () => {
    const h = await setup()
    const session = await h.gittrix.startSession({ task: 'lost answer' })
    h.push(session.id, { 'src/app.ts': 'export const app = 6\n' })
    h.api.inject({ route: ROUTES.updateRef, fault: 'server-error', afterHandling: true })
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    expect(h.api.head('main')).toBe(outcome.sha)
    expect(h.api.history('main', 5)).toEqual([outcome.sha, h.initial])
  })
})

describe('truncated trees', () => {
  it('descends into subtrees when GitHub truncates, and gets the exact file list', async () => {
    const files = { ...manyFiles(600, 'f', 'wide'), ...manyFiles(120, 'g', 'deep/a/b'), 'top.txt': 't\n' }
    const h = await setup(files, { truncateAbove: 100 })
    const mark = h.api.log.length
    const listed = await h.durable.listTree(h.initial)
    expect(listed.map((e) => e.path).sort()).toEqual(Object.keys(files).sort())
    const reads = h.since(mark).filter((r) => r.route === ROUTES.getTree)
    expect(reads.length).toBeGreaterThan(2)
    expect(reads[0]!.query).toMatchObject({ recursive: 'true' })
    expect(reads.some((r) => r.query?.recursive === undefined)).toBe(true)
  })

  it('promotes exactly from a truncated session tree', async () => {
    const h = await setup({ ...SEED, ...manyFiles(300, 'base', 'keep') }, { truncateAbove: 40 })
    const session = await h.gittrix.startSession({ task: 'truncated' })
    const files = manyFiles(80, 'session')
    h.push(session.id, files)
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    expect(changed(h, h.initial, outcome.sha)).toEqual(Object.keys(files).sort())
  })
})
