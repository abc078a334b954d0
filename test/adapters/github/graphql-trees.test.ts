/**
 * Batched tree reads over GraphQL (src/adapters/github/tree-levels.ts) against the stand-in's
 * GraphQL endpoint (test/support/graphql-stand-in.ts): the stand-in refuses what GitHub's published
 * schema and node limits refuse, the reader sends one query per batch of at most TREES_PER_QUERY trees,
 * splits a batch GitHub fails on, and reads over REST where GraphQL is not served.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { readLevels, TREES_PER_QUERY, gitMode } from '../../../src/adapters/github/tree-levels.ts'
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

function setup(options: { graphql?: boolean } = {}) {
  api = new GitDataApi({ owner: 'o', repo: `graphql-${Math.random().toString(36).slice(2)}`, ...options })
  const files: Record<string, string | { content: string; executable: true } | { symlink: string }> = {
    'README.md': '# r\n',
    'bin/run': { content: '#!/bin/sh\n', executable: true },
    link: { symlink: 'README.md' },
  }
  for (let i = 0; i < 150; i++) files[`dirs/d${i}/f.txt`] = `${i}\n`
  const base = api.commit('main', files)
  mount = mountGitDataApi(api)
  return { base, octokit: testOctokit(mount.baseUrl), coords: { owner: api.owner, repo: api.repo } }
}

const graphqlCalls = () => api.log.filter((r) => r.route === ROUTES.graphql)

describe('the GraphQL stand-in', () => {
  it('refuses a query GitHub’s schema refuses, and records it as a violation', async () => {
    const { octokit } = setup()
    const error = await octokit
      .graphql(
        'query { repository(owner: "o", name: "x") { object(oid: "1") { ... on Tree { files { name } } } } }',
      )
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(error).toMatchObject({ name: 'GraphqlResponseError' })
    expect(mount!.violations.join('\n')).toMatch(/Cannot query field "files" on type "Tree"/)
    expect(() => mount!.done()).toThrow(/violations/)
    mount = undefined
  })

  it('refuses a connection without first/last, as GitHub’s node limit does', async () => {
    const { octokit, coords } = setup()
    const error = await octokit
      .graphql(
        'query($o: String!, $n: String!) { repository(owner: $o, name: $n) { refs(refPrefix: "refs/heads/") { nodes { name } } } }',
        {
          o: coords.owner,
          n: coords.repo,
        },
      )
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(error).toMatchObject({ name: 'GraphqlResponseError' })
    expect(mount!.violations.join('\n')).toMatch(/`first` or `last`/)
    mount = undefined
  })

  it('answers trees with GitHub’s Int modes (100644 → 33188)', async () => {
    const { base, octokit, coords } = setup()
    const data = await octokit.graphql<{
      repository: { object: { tree: { entries: { name: string; mode: number }[] } } }
    }>(
      'query($o: String!, $n: String!, $c: GitObjectID!) { repository(owner: $o, name: $n) { object(oid: $c) { ... on Commit { tree { entries { name mode } } } } } }',
      { o: coords.owner, n: coords.repo, c: base },
    )
    const modes = Object.fromEntries(data.repository.object.tree.entries.map((e) => [e.name, e.mode]))
    expect(modes).toEqual({ 'README.md': 0o100644, bin: 0o40000, dirs: 0o40000, link: 0o120000 })
    expect(gitMode(33188)).toBe('100644')
    expect(gitMode(100755)).toBe('100755')
  })
})

describe('readLevels', () => {
  it('reads 152 trees in ⌈152 / TREES_PER_QUERY⌉ queries with modes as git spells them', async () => {
    const { base, octokit, coords } = setup()
    const subtrees = api
      .git(['ls-tree', `${base}:dirs`])
      .split('\n')
      .map((line) => line.split(/\s+/)[2]!)
    const root = api.resolve(`${base}^{tree}`)!
    const bin = api.resolve(`${base}:bin`)!
    const levels = await readLevels(octokit, coords, [base, bin, ...subtrees])
    expect(levels.get(base)!.sha).toBe(root)
    expect(levels.get(base)!.items.map((i) => [i.name, i.mode, i.type])).toEqual([
      ['README.md', '100644', 'blob'],
      ['bin', '40000', 'tree'],
      ['dirs', '40000', 'tree'],
      ['link', '120000', 'blob'],
    ])
    expect(levels.get(bin)!.items[0]).toMatchObject({ name: 'run', mode: '100755' })
    expect(graphqlCalls()).toHaveLength(Math.ceil(152 / TREES_PER_QUERY))
    expect(api.count(ROUTES.getTree)).toBe(0)
    // Object ids are cached: a second read asks nothing.
    await readLevels(octokit, coords, subtrees.slice(0, 10))
    expect(api.log).toHaveLength(Math.ceil(152 / TREES_PER_QUERY))
  })

  it('splits a batch GitHub keeps failing on, down to REST for a single tree', async () => {
    const { base, octokit, coords } = setup()
    const subtrees = api
      .git(['ls-tree', `${base}:dirs`])
      .split('\n')
      .map((line) => line.split(/\s+/)[2]!)
      .slice(0, 4)
    // Every query of more than one tree fails (a timeout on wide directories); single trees succeed.
    api.inject({
      route: ROUTES.graphql,
      times: Infinity,
      where: (r) => Object.keys((r.body as { variables: object }).variables).length > 3,
      fault: 'server-error',
    })
    const levels = await readLevels(octokit, coords, subtrees)
    expect([...levels.keys()]).toEqual(subtrees)
    for (const sha of subtrees) expect(levels.get(sha)!.items.map((i) => i.name)).toEqual(['f.txt'])
    const ok = graphqlCalls().filter((r) => r.status === 200)
    expect(ok).toHaveLength(4)
    expect(api.count(ROUTES.getTree)).toBe(0)
  })

  it('reads over REST, one tree per request, where GraphQL is not served (and stops asking)', async () => {
    const { base, octokit, coords } = setup({ graphql: false })
    const subtrees = api
      .git(['ls-tree', `${base}:dirs`])
      .split('\n')
      .map((line) => line.split(/\s+/)[2]!)
      .slice(0, 5)
    const levels = await readLevels(octokit, coords, [base, ...subtrees.slice(0, 2)])
    expect(levels.get(base)!.items.map((i) => [i.name, i.mode])).toContainEqual(['bin', '40000'])
    await readLevels(octokit, coords, subtrees.slice(2))
    expect(graphqlCalls().map((r) => r.status)).toEqual([404])
    expect(api.count(ROUTES.getTree)).toBe(5 + 1)
  })
})
