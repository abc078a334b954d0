/**
 * Reading git trees through GitHub's REST API, two ways:
 * - a whole tree ({@link readTree}): one recursive request, descending into subtrees when GitHub reports
 *   `truncated`; its size grows with the tree;
 * - the difference of two trees ({@link diffTrees}): a pruned walk that reads one directory level per
 *   request (non-recursive) and only where the two trees' ids differ, so its cost grows with the
 *   changed paths, not with the repository. Tree ids are content hashes of everything below them
 *   (git's Merkle tree): an equal id means an equal subtree.
 * Both cache by object id (trees and commits are immutable).
 *
 * Source: "Get a tree" (https://docs.github.com/rest/git/trees#get-a-tree): `tree_sha` is "the SHA1
 * value or ref (branch or tag) name of the tree"; `recursive` "set to any value" lists subtrees too;
 * "The limit for the tree array is 100,000 entries with a maximum size of 7 MB when using the
 * recursive parameter", and `truncated` is true beyond that.
 */
import type { Octokit } from '@octokit/rest'
import pLimit from 'p-limit'
import { GittrixError } from '../../core/errors.ts'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import { gitHubErrorText, isGitHubRequestError } from './request-errors.ts'

/** Owner and name of a repository. */
export interface RepoCoordinates {
  owner: string
  repo: string
}

/** A tree read in full: its own id and every blob / symlink / submodule entry below it. */
export interface TreeListing {
  sha: string
  entries: TreeEntry[]
}

const CACHE_LIMIT = 64
const cache = new Map<string, Promise<TreeListing>>()
const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/

function cacheKey(octokit: Octokit, coords: RepoCoordinates, sha: string): string {
  const baseUrl = (octokit.request.endpoint.DEFAULTS as { baseUrl?: string }).baseUrl ?? ''
  return `${baseUrl}|${coords.owner}/${coords.repo}|${sha}`
}

/**
 * Every file below the tree of `treeish` (a tree or commit id, or a ref name). Results for object ids
 * are cached per repository; ref names are always read fresh.
 */
export function readTree(octokit: Octokit, coords: RepoCoordinates, treeish: string): Promise<TreeListing> {
  if (!OBJECT_ID.test(treeish)) return fetchTree(octokit, coords, treeish)
  const key = cacheKey(octokit, coords, treeish)
  let listing = cache.get(key)
  if (!listing) {
    listing = fetchTree(octokit, coords, treeish)
    listing.catch(() => cache.delete(key))
    cache.set(key, listing)
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!)
  }
  return listing
}

async function fetchTree(octokit: Octokit, coords: RepoCoordinates, treeish: string): Promise<TreeListing> {
  try {
    const { data } = await octokit.rest.git.getTree({ ...coords, tree_sha: treeish, recursive: 'true' })
    if (!data.truncated) return { sha: data.sha, entries: toEntries(data.tree, '') }
    return { sha: data.sha, entries: await walk(octokit, coords, data.sha, '') }
  } catch (error) {
    throw unavailable(error, `reading the tree of ${treeish}`, coords)
  }
}

/**
 * A 5xx or rate-limit answer that the client's retries did not get past becomes `ADAPTER_UNAVAILABLE`
 * saying what was being read and that nothing was written; any other error is returned unchanged.
 */
export function unavailable(error: unknown, doing: string, coords: RepoCoordinates): unknown {
  if (!isGitHubRequestError(error)) return error
  const rateLimited =
    (error.status === 403 || error.status === 429) && /rate limit/i.test(gitHubErrorText(error))
  if (error.status < 500 && !rateLimited) return error
  const why = rateLimited ? 'a rate limit' : `${error.status} ${gitHubErrorText(error).split('\n')[0]}`
  return new GittrixError(
    'ADAPTER_UNAVAILABLE',
    `GitHub failed while ${doing} in ${coords.owner}/${coords.repo} (${why}), also after retries. Nothing was written; try again later.`,
    { cause: error },
  )
}

/** Reads a truncated tree level by level: each subtree recursively, and deeper still when that is truncated too. */
async function walk(
  octokit: Octokit,
  coords: RepoCoordinates,
  sha: string,
  prefix: string,
): Promise<TreeEntry[]> {
  const { data } = await octokit.rest.git.getTree({ ...coords, tree_sha: sha })
  const entries = toEntries(data.tree, prefix)
  for (const item of data.tree) {
    if (item.type !== 'tree' || !item.sha || !item.path) continue
    const sub = `${prefix}${item.path}/`
    const { data: subtree } = await octokit.rest.git.getTree({
      ...coords,
      tree_sha: item.sha,
      recursive: 'true',
    })
    entries.push(
      ...(subtree.truncated ? await walk(octokit, coords, item.sha, sub) : toEntries(subtree.tree, sub)),
    )
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

function toEntries(
  items: Array<{ path?: string; mode?: string; type?: string; sha?: string }>,
  prefix: string,
): TreeEntry[] {
  const entries: TreeEntry[] = []
  for (const item of items) {
    if ((item.type !== 'blob' && item.type !== 'commit') || !item.path || !item.sha || !item.mode) continue
    entries.push({ path: prefix + item.path, mode: item.mode as FileMode, oid: item.sha })
  }
  return entries
}

/** One entry of a single tree level as GitHub lists it (non-recursive). */
interface LevelItem {
  name: string
  mode: string
  type: string
  sha: string
}

/** One level of a tree: its id and its direct entries. */
interface TreeLevel {
  sha: string
  items: LevelItem[]
}

const LEVEL_CACHE_LIMIT = 4096
const levels = new Map<string, Promise<TreeLevel>>()
/** Directory reads of one {@link diffTrees} in flight at once. */
const LEVEL_CONCURRENCY = 8

/**
 * The direct entries of the tree of `treeish` (a tree or commit id, or a ref name): one non-recursive
 * `GET /git/trees/{treeish}`. Cached by object id (a ref name is always read fresh).
 */
function readLevel(octokit: Octokit, coords: RepoCoordinates, treeish: string): Promise<TreeLevel> {
  const fetch = async (): Promise<TreeLevel> => {
    try {
      const { data } = await octokit.rest.git.getTree({ ...coords, tree_sha: treeish })
      const items: LevelItem[] = []
      for (const item of data.tree)
        if (item.path && item.sha && item.mode && item.type)
          items.push({ name: item.path, mode: item.mode, type: item.type, sha: item.sha })
      return { sha: data.sha, items }
    } catch (error) {
      throw unavailable(error, `reading the tree of ${treeish}`, coords)
    }
  }
  if (!OBJECT_ID.test(treeish)) return fetch()
  const key = cacheKey(octokit, coords, treeish)
  let level = levels.get(key)
  if (!level) {
    level = fetch()
    level.catch(() => levels.delete(key))
    levels.set(key, level)
    if (levels.size > LEVEL_CACHE_LIMIT) levels.delete(levels.keys().next().value!)
  }
  return level
}

/**
 * The root tree id of commit `commitSha` when a read of it is cached already (a whole listing or one
 * level), else `undefined`: no request.
 */
export async function cachedTreeSha(
  octokit: Octokit,
  coords: RepoCoordinates,
  commitSha: string,
): Promise<string | undefined> {
  const key = cacheKey(octokit, coords, commitSha)
  const found = levels.get(key) ?? cache.get(key)
  return found ? (await found).sha : undefined
}

/** One path that differs between two trees: its entry on each side (`null`: absent there). */
export interface TreeDifference {
  path: string
  old: TreeEntry | null
  new: TreeEntry | null
}

/** What {@link diffTrees} found: both root tree ids and the differing paths, sorted by path. */
export interface TreeDiff {
  fromTree: string
  toTree: string
  changes: TreeDifference[]
}

/**
 * The paths whose existence, mode or blob differ between the trees of `from` and `to` (tree or commit
 * ids, or a ref name), exact at any size, read as a pruned walk:
 * - each directory present on both sides with different tree ids is read one level deep on both sides
 *   (non-recursive `GET /git/trees/{sha}`, at most {@link LEVEL_CONCURRENCY} at a time); subdirectories
 *   with equal ids are never read (equal id = equal content below);
 * - a directory present on one side only is listed whole (one recursive read; level by level when
 *   GitHub truncates it, see {@link readTree});
 * - with `within`, only directories on the way to those paths are entered and only those paths are
 *   returned (a file replaced by a directory, or the reverse, is still found: both are entries on the
 *   way).
 * Requests: 2 per differing directory on the way, plus 1 per directory that exists on one side only.
 * Reads by id are cached. Throws `ADAPTER_UNAVAILABLE` when GitHub keeps failing (see {@link unavailable}).
 */
export async function diffTrees(
  octokit: Octokit,
  coords: RepoCoordinates,
  from: string,
  to: string,
  options: { within?: readonly string[] } = {},
): Promise<TreeDiff> {
  const wanted = options.within ? new Set(options.within) : null
  const onTheWay = wanted ? ancestorsOf(wanted) : null
  const relevantDir = (path: string) => !onTheWay || onTheWay.has(path)
  const relevantFile = (path: string) => !wanted || wanted.has(path)
  const limit = pLimit(LEVEL_CONCURRENCY)
  const changes: TreeDifference[] = []
  const entryOf = (prefix: string, item: LevelItem): TreeEntry => ({
    path: prefix + item.name,
    mode: item.mode as FileMode,
    oid: item.sha,
  })
  /** Every file below a directory that exists on one side only, as changes of that side. */
  const oneSided = async (path: string, sha: string, side: 'old' | 'new') => {
    const listing = await limit(() => readTree(octokit, coords, sha))
    for (const e of listing.entries) {
      const entry = { ...e, path: `${path}/${e.path}` }
      if (relevantFile(entry.path))
        changes.push(
          side === 'old'
            ? { path: entry.path, old: entry, new: null }
            : { path: entry.path, old: null, new: entry },
        )
    }
  }
  const compare = async (prefix: string, a: TreeLevel, b: TreeLevel): Promise<void> => {
    const before = new Map(a.items.map((i) => [i.name, i]))
    const after = new Map(b.items.map((i) => [i.name, i]))
    const work: Promise<void>[] = []
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const x = before.get(name)
      const y = after.get(name)
      if (x && y && x.sha === y.sha && x.mode === y.mode) continue
      const path = prefix + name
      const xTree = x?.type === 'tree' ? x : undefined
      const yTree = y?.type === 'tree' ? y : undefined
      const xFile = x && !xTree ? entryOf(prefix, x) : null
      const yFile = y && !yTree ? entryOf(prefix, y) : null
      if ((xFile || yFile) && relevantFile(path)) changes.push({ path, old: xFile, new: yFile })
      if (!relevantDir(path)) continue
      if (xTree && yTree) work.push(descend(`${path}/`, xTree.sha, yTree.sha))
      else if (xTree) work.push(oneSided(path, xTree.sha, 'old'))
      else if (yTree) work.push(oneSided(path, yTree.sha, 'new'))
    }
    await Promise.all(work)
  }
  const descend = async (prefix: string, a: string, b: string): Promise<void> => {
    const [x, y] = await Promise.all([
      limit(() => readLevel(octokit, coords, a)),
      limit(() => readLevel(octokit, coords, b)),
    ])
    await compare(prefix, x, y)
  }
  const [root0, root1] = await Promise.all([readLevel(octokit, coords, from), readLevel(octokit, coords, to)])
  if (root0.sha !== root1.sha) await compare('', root0, root1)
  changes.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0))
  return { fromTree: root0.sha, toTree: root1.sha, changes }
}

/** Every proper ancestor directory of `paths` (`a/b/c` → `a`, `a/b`). */
function ancestorsOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>()
  for (const path of paths)
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) dirs.add(path.slice(0, i))
  return dirs
}

/** Paths whose mode, blob or existence differ between two listings. Exact at any size. */
export function changedBetween(from: TreeListing, to: TreeListing): string[] {
  const before = new Map(from.entries.map((e) => [e.path, e]))
  const changed: string[] = []
  const seen = new Set<string>()
  for (const entry of to.entries) {
    seen.add(entry.path)
    const old = before.get(entry.path)
    if (!old || old.oid !== entry.oid || old.mode !== entry.mode) changed.push(entry.path)
  }
  for (const path of before.keys()) if (!seen.has(path)) changed.push(path)
  return changed.sort()
}
