import { afterEach, describe, expect, it } from 'vitest'
import { createGitHubClient } from '../../../src/adapters/github/client.ts'
import { isNotFastForward } from '../../../src/adapters/github/request-errors.ts'
import { gitCommit, gitRef, gitTree, sha, validationError } from '../../support/github-fixtures.ts'
import { type GitHubMock, githubMock } from '../../support/github-nock.ts'
import { loadGitHubOpenApi } from '../../support/github-openapi.ts'

const BASE = sha('b')
const BASE_TREE = sha('c')
const NEW_TREE = sha('d')
const NEW_COMMIT = sha('e')
const SESSION_BLOB = sha('f')

function client() {
  return createGitHubClient({
    token: 'ghs_openapiMockTestToken0123456789',
    env: {},
    retry: { enabled: false },
    throttle: { retryAfterBaseMs: 0, writeIntervalMs: 0 },
    log: { error: () => {} },
  })
}

/** For `.then(unexpected, …)`: a request that should have failed succeeded. */
function unexpected(): never {
  throw new Error('expected the request to fail')
}

let gh: GitHubMock | undefined
afterEach(() => {
  gh?.done()
  gh = undefined
})

/** A mock whose expected failure the test checks itself; `done()` must throw and clean up. */
function expectFailingDone(mock: GitHubMock, pattern: RegExp) {
  expect(() => mock.done()).toThrow(pattern)
}

describe('githubMock: declarations are checked against the description', () => {
  it('loads the description once per process, and quickly', () => {
    const api = loadGitHubOpenApi()
    expect(loadGitHubOpenApi()).toBe(api)
    expect(api.operations.size).toBeGreaterThan(900)
    // ≈0.5 s on an idle machine; the bound leaves room for a loaded CI box.
    expect(api.loadMs).toBeLessThan(5000)
    console.info(
      `@octokit/openapi ${api.version}: ${api.operations.size} operations indexed in ${api.loadMs} ms`,
    )
  })

  it('catches a path that does not exist', () => {
    gh = githubMock()
    expect(() => gh?.on('POST /repos/o/r/git/tree', { reply: [201, {}] })).toThrow(
      /no operation matching POST \/repos\/o\/r\/git\/tree .*Closest: .*POST \/repos\/\{owner\}\/\{repo\}\/git\/trees/,
    )
    expect(() => gh?.on('POST /repos/{owner}/{repo}/git/tree', { reply: [201, {}] })).toThrow(
      /has no path \/repos\/\{owner\}\/\{repo\}\/git\/tree /,
    )
  })

  it('catches a method the path does not have', () => {
    gh = githubMock()
    expect(() =>
      gh?.on('PUT /repos/{owner}/{repo}/git/refs/{ref}', {
        params: { owner: 'o', repo: 'r', ref: 'heads/main' },
        reply: [200, {}],
      }),
    ).toThrow(/no PUT .* exists only as PATCH \/repos\/\{owner\}\/\{repo\}\/git\/refs\/\{ref\}, DELETE/)
    expect(() => gh?.on('POST /repos/o/r/git/refs/heads/main', { reply: [200, {}] })).toThrow(/no POST/)
  })

  it('catches params that do not fill the template', () => {
    gh = githubMock()
    expect(() =>
      gh?.on('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        params: { owner: 'o', ref: 'x', repository: 'r' },
        reply: [200, {}],
      }),
    ).toThrow(/missing params repo; unknown params repository/)
  })

  it('catches a misshaped reply: a ref without object.sha', () => {
    gh = githubMock()
    const ref = gitRef('o', 'r', 'heads/main', BASE) as { object: Partial<{ sha: string }> }
    delete ref.object.sha
    expect(() =>
      gh?.on('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        params: { owner: 'o', repo: 'r', ref: 'heads/main' },
        reply: [200, ref],
      }),
    ).toThrow(
      /reply 200 does not match GitHub's description:\n {2}\/object must have required property 'sha'/,
    )
  })

  it('catches wrong types and formats in a reply', () => {
    gh = githubMock()
    const tree = { ...gitTree('o', 'r', NEW_TREE, [{ path: 'a', sha: SESSION_BLOB }]), truncated: 'no' }
    expect(() =>
      gh?.on('POST /repos/{owner}/{repo}/git/trees', {
        params: { owner: 'o', repo: 'r' },
        reply: [201, tree],
      }),
    ).toThrow(/\/truncated must be boolean/)
    const ref = { ...gitRef('o', 'r', 'heads/main', BASE), url: 'not a url' }
    expect(() => gh?.on('GET /repos/o/r/git/ref/heads/main', { reply: [200, ref] })).toThrow(
      /\/url must match format "uri"/,
    )
  })

  it('catches a status the operation never answers, unless allowed', () => {
    gh = githubMock()
    expect(() =>
      gh?.on('GET /repos/o/r/git/ref/heads/main', { reply: [418, { message: 'teapot' }] }),
    ).toThrow(/does not answer 418; declared: 200, 404, 409/)
    gh.on('GET /repos/o/r/git/ref/heads/main', {
      reply: [418, { message: 'teapot' }],
      allowUndeclaredStatus: true,
    })
    gh.on('GET /repos/o/r/git/ref/heads/main', { reply: [502, { message: 'Server Error' }] }) // universal
    expectFailingDone(gh, /never used/)
    gh = undefined
  })
})

describe('githubMock: requests are checked when they arrive', () => {
  it('catches a request body the operation does not accept: tree entries without path', async () => {
    const local = githubMock()
    local.on('POST /repos/{owner}/{repo}/git/trees', {
      params: { owner: 'o', repo: 'r' },
      reply: [201, gitTree('o', 'r', NEW_TREE, [])],
    })
    const error = await client()
      .request('POST /repos/{owner}/{repo}/git/trees', {
        owner: 'o',
        repo: 'r',
        base_tree: BASE_TREE,
        tree: [{ mode: '100644', type: 'blob', sha: SESSION_BLOB }],
      } as never)
      .then(unexpected, (e: unknown) => e as Error & { status: number })
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/request body: \/tree\/0 must have required property 'path'/)
    expect(local.requests.map((r) => r.status)).toEqual([400])
    expectFailingDone(
      local,
      /GitHub mock violations:\n- github-openapi mock: POST \/repos\/o\/r\/git\/trees \(git\/create-tree\)/,
    )
  })

  it('catches a request body with a wrong type: force: "no" on update-ref', async () => {
    const local = githubMock()
    local.on('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
      params: { owner: 'o', repo: 'r', ref: 'heads/main' },
      reply: [200, gitRef('o', 'r', 'heads/main', NEW_COMMIT)],
    })
    const error = await client()
      .rest.git.updateRef({ owner: 'o', repo: 'r', ref: 'heads/main', sha: NEW_COMMIT, force: 'no' as never })
      .then(unexpected, (e: unknown) => e as Error)
    expect(error.message).toContain('request body: /force must be boolean')
    expectFailingDone(local, /\/force must be boolean/)
  })

  it('catches sha and content together in a tree entry (documented as an error)', async () => {
    const local = githubMock()
    local.on('POST /repos/o/r/git/trees', { reply: [201, gitTree('o', 'r', NEW_TREE, [])] })
    await client()
      .rest.git.createTree({
        owner: 'o',
        repo: 'r',
        tree: [{ path: 'a', mode: '100644', type: 'blob', sha: SESSION_BLOB, content: 'x' }],
      })
      .catch(() => undefined)
    expectFailingDone(local, /\/tree\/0 has both sha and content/)
  })

  it('catches an unknown query parameter', async () => {
    const local = githubMock()
    local.on('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
      params: { owner: 'o', repo: 'r', tree_sha: BASE_TREE },
      reply: [200, gitTree('o', 'r', BASE_TREE, [])],
    })
    await client()
      .request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
        owner: 'o',
        repo: 'r',
        tree_sha: BASE_TREE,
        recursiv: '1',
      })
      .catch(() => undefined)
    expectFailingDone(local, /query: unknown query parameter 'recursiv' \(declared: recursive\)/)
  })

  it('catches a misshaped reply computed per request', async () => {
    const local = githubMock()
    local.on('GET /repos/o/r/git/commits/{commit_sha}'.replace('{commit_sha}', BASE), {
      reply: () => [200, { sha: BASE }],
    })
    const error = await client()
      .rest.git.getCommit({ owner: 'o', repo: 'r', commit_sha: BASE })
      .then(unexpected, (e: unknown) => e as Error)
    expect(error.message).toMatch(/reply 200: \(root\) must have required property 'node_id'/)
    expectFailingDone(local, /must have required property 'tree'/)
  })

  it('records requests no mock matched, naming the operation they would have been', async () => {
    const local = githubMock()
    local.on('GET /repos/o/r/git/ref/heads/main', { reply: [200, gitRef('o', 'r', 'heads/main', BASE)] })
    const octokit = client()
    await octokit.rest.git.getRef({ owner: 'o', repo: 'r', ref: 'heads/main' })
    await octokit.rest.git.getRef({ owner: 'o', repo: 'r', ref: 'heads/other' }).catch(() => undefined)
    await octokit.request('GET /repos/o/r/nonsense').catch(() => undefined)
    expect(local.violations).toEqual([
      expect.stringMatching(
        /unexpected request GET \/repos\/o\/r\/git\/ref\/heads%2Fother: it is GET \/repos\/\{owner\}\/\{repo\}\/git\/ref\/\{ref\} \(git\/get-ref\)/,
      ),
      expect.stringMatching(
        /unexpected request GET \/repos\/o\/r\/nonsense: GitHub's REST API has no operation matching/,
      ),
    ])
    expectFailingDone(local, /unexpected request/)
  })

  it('reports mocks that were never used', () => {
    const local = githubMock()
    local.on('GET /repos/o/r/git/ref/heads/main', {
      reply: [200, gitRef('o', 'r', 'heads/main', BASE)],
      times: 2,
    })
    expect(local.pending()).toEqual(['GET /repos/o/r/git/ref/heads/main (2 left)'])
    expectFailingDone(
      local,
      /GitHub mocks never used:\n- GET \/repos\/o\/r\/git\/ref\/heads\/main \(2 left\)/,
    )
  })
})

describe('githubMock: valid mocks pass with a real client', () => {
  it('serves a whole promotion through createGitHubClient and counts its requests', async () => {
    gh = githubMock()
    const p = { owner: 'acme', repo: 'app' }
    gh.on('GET /repos/{owner}/{repo}/git/ref/{ref}', {
      params: { ...p, ref: 'heads/main' },
      reply: [200, gitRef(p.owner, p.repo, 'heads/main', BASE)],
    })
    gh.on('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', {
      params: { ...p, commit_sha: BASE },
      reply: [200, gitCommit(p.owner, p.repo, { sha: BASE, tree: BASE_TREE })],
    })
    gh.on('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
      params: { ...p, tree_sha: BASE_TREE },
      query: { recursive: 1 },
      reply: [200, gitTree(p.owner, p.repo, BASE_TREE, [{ path: 'src', type: 'tree', sha: sha('1') }])],
    })
    gh.on('POST /repos/{owner}/{repo}/git/trees', {
      params: p,
      body: { base_tree: BASE_TREE },
      reply: [201, gitTree(p.owner, p.repo, NEW_TREE, [{ path: 'src/a.ts', sha: SESSION_BLOB }])],
    })
    gh.on('POST /repos/{owner}/{repo}/git/commits', {
      params: p,
      body: (body) => !('author' in (body as object)) && !('committer' in (body as object)),
      reply: [
        201,
        gitCommit(p.owner, p.repo, { sha: NEW_COMMIT, tree: NEW_TREE, parents: [BASE], verified: true }),
      ],
    })
    gh.on('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
      params: { ...p, ref: 'heads/main' },
      body: { sha: NEW_COMMIT, force: false },
      reply: [200, gitRef(p.owner, p.repo, 'heads/main', NEW_COMMIT)],
    })

    const octokit = client()
    const head = (await octokit.rest.git.getRef({ ...p, ref: 'heads/main' })).data.object.sha
    const tree = (await octokit.rest.git.getCommit({ ...p, commit_sha: head })).data.tree.sha
    await octokit.rest.git.getTree({ ...p, tree_sha: tree, recursive: '1' })
    const newTree = await octokit.rest.git.createTree({
      ...p,
      base_tree: tree,
      tree: [
        { path: 'src/a.ts', mode: '100644', type: 'blob', sha: SESSION_BLOB },
        { path: 'old.txt', mode: '100644', type: 'blob', sha: null },
        { path: 'bin/run', mode: '100755', type: 'blob', content: '#!/bin/sh\n' },
      ],
    })
    const commit = await octokit.rest.git.createCommit({
      ...p,
      message: 'gittrix: promote',
      tree: newTree.data.sha,
      parents: [head],
    })
    expect(commit.data.verification.verified).toBe(true)
    await octokit.rest.git.updateRef({ ...p, ref: 'heads/main', sha: commit.data.sha, force: false })

    expect(gh.requests.map((r) => `${r.route} ${r.status}`)).toEqual([
      'GET /repos/{owner}/{repo}/git/ref/{ref} 200',
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200',
      'GET /repos/{owner}/{repo}/git/trees/{tree_sha} 200',
      'POST /repos/{owner}/{repo}/git/trees 201',
      'POST /repos/{owner}/{repo}/git/commits 201',
      'PATCH /repos/{owner}/{repo}/git/refs/{ref} 200',
    ])
    expect(gh.requests[0]?.params).toEqual({ ...p, ref: 'heads/main' })
    expect(gh.requests[2]?.query).toEqual({ recursive: '1' })
  })

  it('matches refs with slashes in template and concrete form, and GHES roots', async () => {
    gh = githubMock({ baseUrl: 'https://ghe.example.com/api/v3' })
    const session = 'heads/gittrix/s-123'
    gh.on('GET /repos/{owner}/{repo}/git/ref/{ref}', {
      params: { owner: 'o', repo: 'r', ref: session },
      reply: [200, gitRef('o', 'r', session, BASE)],
    })
    gh.on(`GET /repos/o/r/git/ref/${session}`, { reply: [200, gitRef('o', 'r', session, BASE)] })
    gh.on('DELETE /repos/o/r/git/refs/heads%2Fgittrix%2Fs-123', { reply: [204] })
    const octokit = createGitHubClient({ baseUrl: gh.baseUrl, retry: { enabled: false } })
    await octokit.rest.git.getRef({ owner: 'o', repo: 'r', ref: session })
    await octokit.rest.git.getRef({ owner: 'o', repo: 'r', ref: session })
    await octokit.rest.git.deleteRef({ owner: 'o', repo: 'r', ref: session })
    expect(gh.requests.map((r) => r.params.ref)).toEqual([session, session, session])
  })

  it('lets a declared 422 through, so callers can recognise a lost race', async () => {
    gh = githubMock()
    gh.on('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
      params: { owner: 'o', repo: 'r', ref: 'heads/main' },
      body: { force: false },
      reply: [422, validationError('Update is not a fast forward')],
    })
    const error = await client()
      .rest.git.updateRef({ owner: 'o', repo: 'r', ref: 'heads/main', sha: NEW_COMMIT, force: false })
      .catch((e: unknown) => e)
    expect(isNotFastForward(error)).toBe(true)
  })

  it('offers the description’s examples as starting points', () => {
    gh = githubMock()
    const example = gh.example('GET /repos/{owner}/{repo}/git/ref/{ref}') as { object: { sha: string } }
    expect(example.object.sha).toMatch(/^[0-9a-f]{40}$/)
    gh.on('GET /repos/o/r/git/ref/heads/main', { reply: [200, example] })
    gh.on('GET /repos/o/r/git/ref/heads/main', { reply: [200, example] })
    expect(gh.pending()).toHaveLength(2)
    expectFailingDone(gh, /never used/)
    gh = undefined
  })
})
