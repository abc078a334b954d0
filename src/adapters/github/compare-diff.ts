/**
 * The difference of two commits without walking their trees, for sessions that changed few files in
 * wide directories: GitHub's compare file list names the candidate paths, and GitHub's own tree
 * hashing proves the list complete.
 *
 * 1. Candidates: the `filename` (and `previous_filename`) of each file "Compare two commits" lists.
 *    That list holds at most 300 files and does not say when it was cut (compare.ts), so it is only a
 *    hint: with 300 or more files the caller walks the trees instead.
 * 2. One GraphQL query per {@link PATHS_PER_QUERY} candidates reads both commits' root tree ids and
 *    each candidate's entry on both sides (`Commit.file(path:)`: "The tree entry representing the file
 *    located at the given path", a `TreeEntry` with `oid`, `mode` and `type`; `null` when absent).
 * 3. Proof: one `POST /git/trees` with `base_tree` = the `from` tree and, per candidate, its `to` entry
 *    (or `sha: null` where it is absent at `to`). Git trees are Merkle hashes, so the answer's id equals
 *    the `to` tree's id exactly when every path not named has the same entry on both sides: the
 *    candidates are then the whole difference. Otherwise (a cut or wrong list, a candidate that is a
 *    directory on either side, a refusal) the answer is `null` and the caller walks the trees.
 *
 * The proof writes one tree object into the repository (unreferenced, like any tree a promotion
 * prepares) and needs a token that may write contents; without one GitHub refuses it (4xx) and the
 * caller walks. Cost: 1 GraphQL query (per 100 candidates) + 1 tree write, whatever the repository's
 * size and depth; bytes grow with the candidates only.
 *
 * Sources: "Create a tree" (https://docs.github.com/rest/git/trees#create-a-tree: `base_tree`, "If
 * both a SHA and content are null, the file will be deleted" — `sha: null`); GraphQL `Commit.file`,
 * `Commit.tree`, `TreeEntry` (https://docs.github.com/graphql/reference/objects#commit, schema:
 * `@octokit/graphql-schema`); compare limits in compare.ts.
 */
import type { Octokit } from '@octokit/rest'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import type { ComparedFile } from './compare.ts'
import { isGitHubRequestError } from './request-errors.ts'
import { type RepoCoordinates, unavailable } from './tree-errors.ts'
import { gitMode, isObjectId, usesGraphql } from './tree-levels.ts'
import { rememberCommitTree, type TreeDiff, type TreeDifference } from './trees.ts'

/** Compare answers list at most this many files, without saying when they were cut. */
export const COMPARE_FILES_LIMIT = 300
/** Candidate paths per GraphQL query (each read on both sides: twice as many aliases). */
export const PATHS_PER_QUERY = 100

interface FileEntry {
  oid: string
  mode: number
  type: string
}

interface CommitFiles {
  oid: string
  tree: { oid: string }
  [alias: `f${number}`]: FileEntry | null
}

/**
 * The paths whose existence, mode or blob differ between commits `from` (an id) and `to` (an id or a
 * ref name), taken from `files` (a comparison of exactly these two commits) and proved complete as the
 * module comment says; `null` when they cannot be proved (the caller then walks the trees). Changes are
 * sorted by path. Throws `ADAPTER_UNAVAILABLE` when GitHub keeps failing (tree-errors.ts
 * `unavailable`).
 */
export async function diffByComparison(
  octokit: Octokit,
  coords: RepoCoordinates,
  from: string,
  to: string,
  files: readonly ComparedFile[],
): Promise<TreeDiff | null> {
  if (files.length >= COMPARE_FILES_LIMIT || !usesGraphql(octokit)) return null
  const candidates = [
    ...new Set(files.flatMap((f) => (f.previousFilename ? [f.filename, f.previousFilename] : [f.filename]))),
  ].sort()
  const read = await readCandidates(octokit, coords, from, to, candidates)
  if (!read) return null
  const { fromTree, toTree, before, after } = read
  const changes: TreeDifference[] = []
  for (const [i, path] of candidates.entries()) {
    const x = before[i] ?? null
    const y = after[i] ?? null
    if ((x && x.type === 'tree') || (y && y.type === 'tree')) return null
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue
    const entry = (e: FileEntry | null): TreeEntry | null =>
      e && { path, mode: gitMode(e.mode) as FileMode, oid: e.oid }
    if (x || y) changes.push({ path, old: entry(x), new: entry(y) })
  }
  if (fromTree === toTree) return changes.length ? null : { fromTree, toTree, changes }
  if (!changes.length) return null
  const proved = await treeWith(octokit, coords, fromTree, changes)
  return proved === toTree ? { fromTree, toTree, changes } : null
}

/** Both root tree ids and each candidate's entry on both sides, or `null` when a commit is missing. */
async function readCandidates(
  octokit: Octokit,
  coords: RepoCoordinates,
  from: string,
  to: string,
  paths: readonly string[],
): Promise<{
  fromTree: string
  toTree: string
  before: (FileEntry | null)[]
  after: (FileEntry | null)[]
} | null> {
  const before: (FileEntry | null)[] = []
  const after: (FileEntry | null)[] = []
  // A ref name is resolved once, by the first query; later batches read the commit it named then.
  let target = to
  let trees: { fromTree: string; toTree: string } | null = null
  for (let start = 0; start === 0 || start < paths.length; start += PATHS_PER_QUERY) {
    const batch = paths.slice(start, start + PATHS_PER_QUERY)
    const byId = isObjectId(target)
    const variables: Record<string, string> = { owner: coords.owner, name: coords.repo, from, to: target }
    const declarations = ['$owner: String!', '$name: String!', '$from: GitObjectID!']
    declarations.push(byId ? '$to: GitObjectID!' : '$to: String!')
    const fields = batch.map((path, j) => {
      variables[`p${j}`] = path
      declarations.push(`$p${j}: String!`)
      return `f${j}: file(path: $p${j}) { oid mode type }`
    })
    const commit = `... on Commit { oid tree { oid } ${fields.join(' ')} }`
    let data: { repository: { a: CommitFiles | null; b: CommitFiles | null } | null }
    try {
      data = await octokit.graphql(
        `query(${declarations.join(', ')}) { repository(owner: $owner, name: $name) { ` +
          `a: object(oid: $from) { ${commit} } b: object(${byId ? 'oid' : 'expression'}: $to) { ${commit} } } }`,
        variables,
      )
    } catch (error) {
      if (isRefusal(error, `reading ${paths.length} paths of ${from} and ${to}`, coords)) return null
      throw error
    }
    const a = data.repository?.a
    const b = data.repository?.b
    if (!a?.tree || !b?.tree) return null
    target = b.oid
    if (!trees) {
      trees = { fromTree: a.tree.oid, toTree: b.tree.oid }
      rememberCommitTree(octokit, coords, a.oid, a.tree.oid)
      rememberCommitTree(octokit, coords, b.oid, b.tree.oid)
    }
    batch.forEach((_, j) => {
      before.push(a[`f${j}`] ?? null)
      after.push(b[`f${j}`] ?? null)
    })
  }
  return trees && { ...trees, before, after }
}

/**
 * The id of the tree `base` with `changes` applied (`POST /git/trees`), or `null` when GitHub refuses
 * it (a 4xx other than a rate limit: no write permission, a path that is not what the changes say).
 */
async function treeWith(
  octokit: Octokit,
  coords: RepoCoordinates,
  base: string,
  changes: readonly TreeDifference[],
): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.createTree({
      ...coords,
      base_tree: base,
      tree: changes.map(({ path, old, new: now }) =>
        now
          ? {
              path,
              mode: now.mode,
              type: now.mode === '160000' ? ('commit' as const) : ('blob' as const),
              sha: now.oid,
            }
          : {
              path,
              mode: old!.mode,
              type: old!.mode === '160000' ? ('commit' as const) : ('blob' as const),
              sha: null,
            },
      ),
    })
    return data.sha
  } catch (error) {
    if (isRefusal(error, 'proving the compared paths against the trees', coords)) return null
    throw error
  }
}

/**
 * True when `error` is GitHub failing or refusing this one request (5xx after the client's retries,
 * 4xx, GraphQL `errors`): the caller walks the trees instead, which has its own handling of each.
 * Rate limits are not worked around: they throw `ADAPTER_UNAVAILABLE` (tree-errors.ts `unavailable`).
 */
function isRefusal(error: unknown, doing: string, coords: RepoCoordinates): boolean {
  if ((error as { name?: string })?.name === 'GraphqlResponseError') return true
  if (!isGitHubRequestError(error)) return false
  const failed = unavailable(error, doing, coords)
  if (failed !== error && error.status < 500) throw failed
  return true
}
