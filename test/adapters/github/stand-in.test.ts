/**
 * The git-data-api stand-in itself: it answers like GitHub where the adapters depend on it (CAS,
 * 422 wording, tree resolution, truncation), its faults are recognised by request-errors.ts, and its
 * nock wiring refuses requests GitHub's OpenAPI description does not allow.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  isNotFastForward,
  isProtectedBranchRefusal,
  isReferenceAlreadyExists,
  isWorkflowPermissionRefusal,
} from '../../../src/adapters/github/request-errors.ts'
import { GitDataApi, type MountedGitDataApi, mountGitDataApi, ROUTES } from '../../support/git-data-api.ts'
import { testOctokit } from './harness.ts'

let api: GitDataApi
let mount: MountedGitDataApi | undefined
afterEach(() => {
  try {
    mount?.done()
  } finally {
    mount = undefined
    api.destroy()
  }
})

function setup(options: { truncateAbove?: number; truncateBytesAbove?: number } = {}) {
  api = new GitDataApi({ owner: 'o', repo: `stand-in-${Math.random().toString(36).slice(2)}`, ...options })
  const base = api.commit('main', { 'README.md': '# r\n', 'a/b/c.txt': 'c\n', 'a/d.txt': 'd\n' })
  mount = mountGitDataApi(api)
  const octokit = testOctokit(mount.baseUrl)
  return { base, octokit, coords: { owner: api.owner, repo: api.repo } }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('git-data-api stand-in', () => {
  it('PATCH with force: false is a compare-and-swap: 422 "Update is not a fast forward" unless descending', async () => {
    const { base, octokit, coords } = setup()
    const next = api.commit('main', { 'x.txt': 'x\n' })
    const error = await rejection(
      octokit.rest.git.updateRef({ ...coords, ref: 'heads/main', sha: base, force: false }),
    )
    expect(isNotFastForward(error)).toBe(true)
    expect(api.head('main')).toBe(next)
    await octokit.rest.git.updateRef({ ...coords, ref: 'heads/main', sha: base, force: true })
    expect(api.head('main')).toBe(base)
    const exists = await rejection(
      octokit.rest.git.createRef({ ...coords, ref: 'refs/heads/main', sha: next }),
    )
    expect(isReferenceAlreadyExists(exists)).toBe(true)
  })

  it('reads a tree by tree id, commit id and branch name with a slash, recursively or not', async () => {
    const { base, octokit, coords } = setup()
    api.commit('gittrix/sess_abcdefghijkl', {}, { from: base })
    const treeSha = api.commitInfo(base).tree
    for (const tree_sha of [treeSha, base, 'main', 'gittrix/sess_abcdefghijkl']) {
      const { data } = await octokit.rest.git.getTree({ ...coords, tree_sha, recursive: 'true' })
      expect(data.sha).toBe(treeSha)
      expect(data.tree.map((e) => e.path)).toEqual(['README.md', 'a', 'a/b', 'a/b/c.txt', 'a/d.txt'])
    }
    const flat = await octokit.rest.git.getTree({ ...coords, tree_sha: 'main' })
    expect(flat.data.tree.map((e) => `${e.type} ${e.path}`)).toEqual(['blob README.md', 'tree a'])
    expect(await rejection(octokit.rest.git.getTree({ ...coords, tree_sha: 'nope' }))).toMatchObject({
      status: 404,
    })
  })

  it('truncates recursive listings above the threshold', async () => {
    const { octokit, coords } = setup({ truncateAbove: 2 })
    const { data } = await octokit.rest.git.getTree({ ...coords, tree_sha: 'main', recursive: '1' })
    expect(data.truncated).toBe(true)
    expect(data.tree).toHaveLength(2)
  })

  it("truncates recursive listings at GitHub's limits by default, and by bytes", async () => {
    const { octokit, coords } = setup()
    expect([api.truncateAbove, api.truncateBytesAbove]).toEqual([100_000, 7_000_000])
    const whole = await octokit.rest.git.getTree({ ...coords, tree_sha: 'main', recursive: '1' })
    expect(whole.data.truncated).toBe(false)
    expect(whole.data.tree).toHaveLength(5)
    api.truncateBytesAbove = JSON.stringify(whole.data.tree.slice(0, 3)).length
    const cut = await octokit.rest.git.getTree({ ...coords, tree_sha: 'main', recursive: '1' })
    expect(cut.data.truncated).toBe(true)
    expect(cut.data.tree).toEqual(whole.data.tree.slice(0, 3))
    // A level read is never truncated: the limits are those of the recursive parameter.
    api.truncateBytesAbove = 1
    const level = await octokit.rest.git.getTree({ ...coords, tree_sha: 'main' })
    expect(level.data).toMatchObject({ truncated: false })
    expect(level.data.tree).toHaveLength(2)
  })

  it('logs the JSON bytes of every request and answer', async () => {
    const { octokit, coords } = setup()
    const mark = api.log.length
    const { data } = await octokit.rest.git.getTree({ ...coords, tree_sha: 'main' })
    expect(api.log.slice(mark)).toMatchObject([
      { route: ROUTES.getTree, requestBytes: 0, replyBytes: JSON.stringify(data).length },
    ])
  })

  it('POST /git/trees deletes with sha null and refuses to delete a path that does not exist', async () => {
    const { base, octokit, coords } = setup()
    const baseTree = api.commitInfo(base).tree
    const { data } = await octokit.rest.git.createTree({
      ...coords,
      base_tree: baseTree,
      tree: [
        { path: 'a/d.txt', mode: '100644', type: 'blob', sha: null },
        { path: 'new.txt', mode: '100755', type: 'blob', content: 'new\n' },
      ],
    })
    expect(api.git(['ls-tree', '-r', '--name-only', data.sha]).split('\n')).toEqual([
      'README.md',
      'a/b/c.txt',
      'new.txt',
    ])
    const error = await rejection(
      octokit.rest.git.createTree({
        ...coords,
        base_tree: baseTree,
        tree: [{ path: 'missing.txt', mode: '100644', type: 'blob', sha: null }],
      }),
    )
    expect(error).toMatchObject({ status: 422 })
  })

  it('commits without author/committer as the bot, verified; with an author, unsigned', async () => {
    const { base, octokit, coords } = setup()
    const tree = api.commitInfo(base).tree
    const bot = await octokit.rest.git.createCommit({ ...coords, message: 'm\n', tree, parents: [base] })
    expect(bot.data.verification).toMatchObject({ verified: true, reason: 'valid' })
    expect(bot.data.author.name).toBe('gittrix-test[bot]')
    expect(api.commitInfo(bot.data.sha).message).toBe('m\n')
    const custom = await octokit.rest.git.createCommit({
      ...coords,
      message: 'm',
      tree,
      parents: [base],
      author: { name: 'A', email: 'a@example.com' },
    })
    expect(custom.data.verification).toMatchObject({ verified: false, reason: 'unsigned' })
  })

  it('injects faults GitHub-style (recognised by request-errors.ts) and runs hooks between requests', async () => {
    const { base, octokit, coords } = setup()
    const next = api.commit('main', { 'y.txt': 'y\n' }, { from: base })
    api.setBranch('main', base)
    api.inject({ route: ROUTES.updateRef, fault: 'protected-branch' })
    api.inject({ route: ROUTES.updateRef, nth: 2, fault: 'workflow-permission' })
    const protectedError = await rejection(
      octokit.rest.git.updateRef({ ...coords, ref: 'heads/main', sha: next, force: false }),
    )
    expect(isProtectedBranchRefusal(protectedError)).toBe(true)
    const workflowError = await rejection(
      octokit.rest.git.updateRef({ ...coords, ref: 'heads/main', sha: next, force: false }),
    )
    expect(isWorkflowPermissionRefusal(workflowError)).toBe(true)
    expect(api.head('main')).toBe(base)
    api.before(ROUTES.getRef, 1, () => api.setBranch('main', next))
    const { data } = await octokit.rest.git.getRef({ ...coords, ref: 'heads/main' })
    expect(data.object.sha).toBe(next)
    expect(api.log.map((r) => [r.route, r.status, r.injected])).toEqual([
      [ROUTES.updateRef, 422, true],
      [ROUTES.updateRef, 422, true],
      [ROUTES.getRef, 200, false],
    ])
  })

  it('the nock wiring refuses a request GitHub would not accept, and records it as a violation', async () => {
    const { base, octokit, coords } = setup()
    const bad = await rejection(
      // No `tree`: GitHub requires one (cast past Octokit's own types to send what a buggy caller would).
      octokit.request('POST /repos/{owner}/{repo}/git/commits', {
        ...coords,
        message: 'm',
        parents: [base],
      } as unknown as Parameters<typeof octokit.rest.git.createCommit>[0]),
    )
    expect(bad).toMatchObject({ status: 400 })
    const invented = await rejection(octokit.request('GET /repos/{owner}/{repo}/git/everything', coords))
    expect(invented).toMatchObject({ status: 400 })
    expect(mount!.violations).toHaveLength(2)
    expect(mount!.violations[0]).toMatch(/required property 'tree'/)
    expect(mount!.violations[1]).toMatch(/no operation matching GET/)
    expect(() => mount!.done()).toThrow(/violations/)
    mount = undefined
  })
})
