/**
 * Session changes for review, and drift, on GitHub are read as a pruned walk of the trees (trees.ts `diffTrees`):
 * only directories whose tree ids differ, and for drift only those on the way to the selected paths,
 * all directories of one depth in one GraphQL query (tree-levels.ts), or one REST read per directory
 * where GraphQL is not served. These tests run on a wide repository (`src/mMM/dDD/fN.txt`), in both
 * modes, and check both exactness (every overlapping path named, nothing else refused) and, from the
 * stand-in's own request log, that nothing else was read.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ROUTES } from '../../support/git-data-api.ts'
import { commitWideRepo, wideDir } from '../../support/wide-repo.ts'
import { type GitHubHarness, githubHarness } from './harness.ts'

const SHAPE = { modules: 10, dirs: 10, files: 5 }
let open: GitHubHarness[] = []

afterEach(async () => {
  for (const h of open) await h.close()
  open = []
})

type Mode = 'graphql' | 'rest'

/** A harness whose `main` is a wide repository of 500 files; `base` is its commit. */
async function wide(mode: Mode = 'graphql'): Promise<{ h: GitHubHarness; base: string }> {
  const h = await githubHarness({ 'README.md': '# placeholder\n' }, { graphql: mode === 'graphql' })
  open.push(h)
  return { h, base: commitWideRepo(h.api, 'main', SHAPE) }
}

/** The file `i` (0-based) of directory `wideDir(m, d)`. */
function file(m: number, d: number, i: number): string {
  return `${wideDir(m, d)}/f${(m * SHAPE.dirs + d) * SHAPE.files + i}.txt`
}

/** Tree ids of `dir` (`''`: the root) at `rev`. */
function treeId(h: GitHubHarness, rev: string, dir: string): string {
  return h.api.resolve(`${rev}:${dir}`)!
}

function treeReads(h: GitHubHarness, mark: number) {
  return h.since(mark).filter((r) => r.route === ROUTES.getTree)
}

/** GraphQL queries answered since `mark` (200: a 404 from a server without GraphQL is not one). */
function queries(h: GitHubHarness, mark: number) {
  return h.since(mark).filter((r) => r.route === ROUTES.graphql && r.status === 200)
}

/** Every tree-ish read since `mark`: REST `GET /git/trees/{x}` and each object a GraphQL query named. */
function treeishesRead(h: GitHubHarness, mark: number): string[] {
  const rest = treeReads(h, mark).map((r) => decodeURIComponent(r.path.split('/git/trees/')[1]!))
  const graphql = queries(h, mark).flatMap((r) =>
    Object.entries((r.body as { variables: Record<string, string> }).variables)
      .filter(([k]) => /^v\d+$/.test(k))
      .map(([, v]) => v),
  )
  return [...rest, ...graphql]
}

/** Requests that write (GraphQL queries only read). */
function writes(h: GitHubHarness, mark: number) {
  return h.since(mark).filter((r) => r.method !== 'GET' && r.route !== ROUTES.graphql)
}

async function conflictOf(
  promise: Promise<unknown>,
): Promise<{ code?: string; conflictingFiles?: string[] }> {
  return promise.then(
    () => ({}),
    (error: { code?: string; conflictingFiles?: string[] }) => error,
  )
}

describe('a session branch is read along its changed paths only', () => {
  async function twoEdits(mode: Mode) {
    const { h, base } = await wide(mode)
    const session = await h.gittrix.startSession({ task: 'two edits' })
    h.push(session.id, { [file(3, 4, 0)]: 'edited\n', [file(3, 4, 1)]: null })
    const changed = [file(3, 4, 0), file(3, 4, 1)].sort()
    // A read for review walks the trees (a promotion may prove GitHub's compare list instead).
    const mark = h.api.log.length
    expect((await session.diffDetails()).files.map((f) => f.path)).toEqual(changed)
    const walked = h.since(mark).length
    const expected = ['', 'src', 'src/m03'].flatMap((dir) => [
      treeId(h, base, dir),
      treeId(h, `gittrix/${session.id}`, dir),
    ])
    expected.push(treeId(h, base, 'src/m03/d04'), treeId(h, `gittrix/${session.id}`, 'src/m03/d04'))
    // Both roots are read by commit id (the session branch's head read once, by its full ref: no
    // short name a tag could shadow); every other read names a tree id on the way to the changed
    // directory, each once.
    const named = treeishesRead(h, mark)
    expect(named).toHaveLength(8)
    expect(new Set(named).size).toBe(8)
    expect(named).toContain(h.api.head(`gittrix/${session.id}`))
    for (const x of named) expect([base, h.api.head(`gittrix/${session.id}`), ...expected]).toContain(x)

    const promoting = h.api.log.length
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    expect(outcome.files).toEqual(changed)
    // POST /git/trees with base_tree: only the changed entries go up, for the promotion and (GraphQL)
    // for the proof of the compare list before it (compare-diff.ts).
    const created = h.since(promoting).filter((r) => r.route === ROUTES.createTree)
    expect(created.map((r) => (r.body as { tree: { path: string }[] }).tree.map((e) => e.path))).toEqual(
      mode === 'graphql' ? [changed, changed] : [changed],
    )
    expect(h.api.git(['diff', '--name-only', base, outcome.sha]).split('\n')).toEqual(changed)
    return { h, mark, walked }
  }

  it('reads one GraphQL query per depth (roots, src, module, directory), both sides together', async () => {
    const { h, mark, walked } = await twoEdits('graphql')
    const review = h.since(mark).slice(0, walked)
    expect(review.filter((r) => r.route === ROUTES.getTree)).toEqual([])
    expect(review.filter((r) => r.route === ROUTES.graphql && r.status === 200)).toHaveLength(4)
  })

  it('falls back to one REST read per differing directory and side where GraphQL is not served', async () => {
    const { h, mark, walked } = await twoEdits('rest')
    const reads = h
      .since(mark)
      .slice(0, walked)
      .filter((r) => r.route === ROUTES.getTree)
    expect(reads).toHaveLength(8)
    expect(reads.every((r) => r.query?.recursive === undefined)).toBe(true)
    expect(queries(h, mark)).toEqual([])
  })
})

describe.each(['graphql', 'rest'] as const)('drift on a wide durable branch (%s)', (mode) => {
  it('refuses drift on a selected path, naming exactly the overlapping paths', async () => {
    const { h } = await wide(mode)
    const session = await h.gittrix.startSession({ task: 'inside' })
    h.push(session.id, { [file(3, 4, 0)]: 'session\n', [file(3, 4, 1)]: 'session\n', [file(6, 1, 0)]: 's\n' })
    // main changes one selected path, another file of the same directory, and a directory elsewhere.
    const drift = h.api.commit('main', {
      [file(3, 4, 1)]: 'main\n',
      [file(3, 4, 2)]: 'main\n',
      [file(8, 8, 0)]: 'm\n',
    })
    const mark = h.api.log.length
    const error = await conflictOf(session.promote({ selector: { mode: 'all' }, strategy: 'commit' }))
    expect(error).toMatchObject({ code: 'BASELINE_CONFLICT', conflictingFiles: [file(3, 4, 1)] })
    expect(h.api.head('main')).toBe(drift)
    // With GraphQL, the one write is the proof of the compare list (compare-diff.ts): an unreferenced
    // tree object; no blob, commit or ref.
    expect(writes(h, mark).map((r) => r.route)).toEqual(mode === 'graphql' ? [ROUTES.createTree] : [])
  })

  it('promotes over drift beside the selection and never reads the drifted directories elsewhere', async () => {
    const { h, base } = await wide(mode)
    const session = await h.gittrix.startSession({ task: 'outside' })
    h.push(session.id, { [file(3, 4, 0)]: 'session\n' })
    const drift = h.api.commit('main', {
      [file(3, 4, 2)]: 'main\n',
      [file(8, 8, 0)]: 'm\n',
      'top.txt': 'new\n',
    })
    const mark = h.api.log.length
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    expect(h.api.history('main', 2)).toEqual([outcome.sha, drift])
    expect(h.api.git(['diff', '--name-only', drift, outcome.sha])).toBe(file(3, 4, 0))
    expect(treeReads(h, mark).every((r) => r.query?.recursive === undefined)).toBe(true)
    const read = treeishesRead(h, mark)
    expect(read).toContain(treeId(h, drift, 'src/m03/d04'))
    for (const rev of [base, drift]) expect(read).not.toContain(treeId(h, rev, 'src/m08'))
    expect(read).not.toContain(treeId(h, drift, 'src/m08/d08'))
  })

  it('finds a change deep under parents whose listings look unchanged, and new subtrees on both sides', async () => {
    const { h } = await wide(mode)
    const session = await h.gittrix.startSession({ task: 'deep' })
    const deepNew = `${wideDir(5, 6)}/a/b/c/new.txt`
    h.push(session.id, {
      [file(5, 6, 3)]: 'session\n',
      [deepNew]: 'session\n',
      [`${wideDir(5, 6)}/a/b/mine.txt`]: 's\n',
    })
    // Same names at every level of src/m05/d06 (only ids differ), and the same new deep subtree.
    h.api.commit('main', {
      [file(5, 6, 3)]: 'main\n',
      [deepNew]: 'main\n',
      [`${wideDir(5, 6)}/a/other.txt`]: 'm\n',
    })
    const error = await conflictOf(session.promote({ selector: { mode: 'all' }, strategy: 'commit' }))
    expect(error).toMatchObject({ code: 'BASELINE_CONFLICT' })
    expect(error.conflictingFiles!.sort()).toEqual([deepNew, file(5, 6, 3)].sort())
  })

  it('finds a selected file the durable branch replaced with a directory', async () => {
    const { h } = await wide(mode)
    const session = await h.gittrix.startSession({ task: 'swap' })
    const path = file(2, 2, 0)
    h.push(session.id, { [path]: 'session\n', [file(2, 3, 0)]: 's\n' })
    h.api.commit('main', { [path]: null, [`${path}/inner.txt`]: 'now a directory\n' })
    const error = await conflictOf(session.promote({ selector: { mode: 'all' }, strategy: 'commit' }))
    expect(error).toMatchObject({ code: 'BASELINE_CONFLICT' })
    expect(error.conflictingFiles!.sort()).toEqual([path].sort())
  })
})
