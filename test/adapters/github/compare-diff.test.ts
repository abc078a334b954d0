/**
 * src/adapters/github/compare-diff.ts: a session's changes taken from GitHub's compare list are used
 * only when one tree write proves them complete. Every way the list can be wrong (a file left out, a
 * cut list, a directory where a file was, no permission to write the proof) falls back to the exact
 * walk, and the answer always equals the walk's.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type ComparedFile, compareCommits } from '../../../src/adapters/github/compare.ts'
import { COMPARE_FILES_LIMIT, diffByComparison } from '../../../src/adapters/github/compare-diff.ts'
import { diffTrees } from '../../../src/adapters/github/trees.ts'
import { ROUTES } from '../../support/git-data-api.ts'
import { type GitHubHarness, githubHarness } from './harness.ts'

const SEED = {
  'README.md': 'hello\n',
  'src/app.ts': 'export const app = 1\n',
  'src/lib/deep/util.ts': 'export const util = 1\n',
  'src/lib/deep/keep.ts': 'keep\n',
  'bin/run.sh': { content: '#!/bin/sh\necho run\n', executable: false },
  'docs/old-name.md': 'moved later\n',
  'dir-to-file/a.txt': 'a\n',
}

let h: GitHubHarness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** The baseline, a session commit on top of it, GitHub's comparison of the two and the walk's answer. */
async function scenario() {
  h = await githubHarness(SEED)
  const to = h.api.commit(
    'gittrix/s1',
    {
      'src/app.ts': 'export const app = 2\n',
      'src/lib/deep/util.ts': 'export const util = 2\n',
      'bin/run.sh': { content: '#!/bin/sh\necho run\n', executable: true },
      'docs/old-name.md': null,
      'docs/new-name.md': 'moved later\n',
      'link.txt': { symlink: 'README.md' },
      'new/dir/file.txt': 'new\n',
    },
    { from: h.initial },
  )
  const coords = { owner: h.api.owner, repo: h.api.repo }
  const compared = (await compareCommits(h.octokit, coords, h.initial, to))!
  const walk = await diffTrees(h.octokit, coords, h.initial, to)
  return { h, coords, to, files: compared.files, walk }
}

describe('diffByComparison', () => {
  it('proves the compare list with one query and one tree write, and answers exactly what the walk does', async () => {
    const { h, coords, to, files, walk } = await scenario()
    // A rename is listed once, with its previous name: both names are changes here.
    expect(files.find((f) => f.filename === 'docs/new-name.md')?.previousFilename).toBe('docs/old-name.md')
    const mark = h.api.log.length
    const proved = await diffByComparison(h.octokit, coords, h.initial, to, files)
    expect(proved).toEqual(walk)
    expect(proved!.changes.map((c) => c.path)).toEqual([
      'bin/run.sh',
      'docs/new-name.md',
      'docs/old-name.md',
      'link.txt',
      'new/dir/file.txt',
      'src/app.ts',
      'src/lib/deep/util.ts',
    ])
    expect(h.since(mark).map((r) => r.route)).toEqual([ROUTES.graphql, ROUTES.createTree])
  })

  it('reads a branch by name once and proves against the commit it named', async () => {
    const { h, coords, files, walk } = await scenario()
    const proved = await diffByComparison(h.octokit, coords, h.initial, 'refs/heads/gittrix/s1', files)
    expect(proved).toEqual(walk)
  })

  it('a list that leaves a file out is no proof: null, and nothing is taken from it', async () => {
    const { h, coords, to, files } = await scenario()
    for (const left of ['src/lib/deep/util.ts', 'bin/run.sh', 'docs/old-name.md']) {
      const cut = files
        .filter((f) => f.filename !== left)
        .map((f) => (f.previousFilename === left ? { ...f, previousFilename: undefined } : f))
      expect(await diffByComparison(h.octokit, coords, h.initial, to, cut), left).toBeNull()
    }
  })

  it('listed paths that did not change are dropped, and the rest is still proved', async () => {
    const { h, coords, to, files, walk } = await scenario()
    const padded: ComparedFile[] = [
      ...files,
      { filename: 'README.md', status: 'modified', sha: null, changes: 0 },
      { filename: 'no/such/file', status: 'added', sha: null, changes: 0 },
    ]
    expect(await diffByComparison(h.octokit, coords, h.initial, to, padded)).toEqual(walk)
  })

  it(`a list of ${COMPARE_FILES_LIMIT} files or more may be cut: null without a request`, async () => {
    const { h, coords, to } = await scenario()
    const many = Array.from({ length: COMPARE_FILES_LIMIT }, (_, i) => ({
      filename: `f${i}`,
      status: 'added',
      sha: null,
      changes: 1,
    }))
    const mark = h.api.log.length
    expect(await diffByComparison(h.octokit, coords, h.initial, to, many)).toBeNull()
    expect(h.since(mark)).toEqual([])
  })

  it('a directory replaced by a file is left to the walk', async () => {
    h = await githubHarness(SEED)
    const coords = { owner: h.api.owner, repo: h.api.repo }
    const to = h.api.commit(
      'gittrix/s2',
      { 'dir-to-file/a.txt': null, 'dir-to-file': 'now a file\n' },
      { from: h.initial },
    )
    const { files } = (await compareCommits(h.octokit, coords, h.initial, to))!
    expect(await diffByComparison(h.octokit, coords, h.initial, to, files)).toBeNull()
    const walk = await diffTrees(h.octokit, coords, h.initial, to)
    expect(walk.changes.map((c) => c.path)).toEqual(['dir-to-file', 'dir-to-file/a.txt'])
  })

  it('a token that may not write the proof (403) falls back; a rate limit throws ADAPTER_UNAVAILABLE', async () => {
    const { h, coords, to, files } = await scenario()
    h.api.inject({
      route: ROUTES.createTree,
      fault: {
        status: 403,
        body: {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/git/trees#create-a-tree',
          status: '403',
        },
      },
    })
    expect(await diffByComparison(h.octokit, coords, h.initial, to, files)).toBeNull()
    h.api.inject({ route: ROUTES.createTree, fault: 'secondary-rate-limit', times: Infinity })
    await expect(diffByComparison(h.octokit, coords, h.initial, to, files)).rejects.toMatchObject({
      code: 'ADAPTER_UNAVAILABLE',
    })
    h.api.clearFaults()
  })

  it('a snapshot of a session whose compare list GitHub cut is still exact (the walk answers)', async () => {
    h = await githubHarness(SEED)
    const session = await h.gittrix.startSession({ task: 'cut list' })
    const files: Record<string, string> = {}
    for (let i = 0; i < COMPARE_FILES_LIMIT + 5; i++)
      files[`bulk/${String(i).padStart(3, '0')}.txt`] = `${i}\n`
    h.push(session.id, files)
    const diff = await session.diffDetails()
    expect(diff.files.map((f) => f.path)).toEqual(Object.keys(files).sort())
  })
})
