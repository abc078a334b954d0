/**
 * Reading git trees through GitHub's REST API, two ways:
 * - a whole tree ({@link readTree}): one recursive request, descending into subtrees when GitHub reports
 *   `truncated`; its size grows with the tree;
 * - the difference of two trees ({@link diffTrees}): a pruned walk that reads only the directories
 *   whose ids differ, every directory of one depth in one batch (tree-levels.ts: one GraphQL query per
 *   100 trees, REST one per tree where GraphQL is not available), so its cost grows with the changed
 *   paths and their depth, not with the repository. Tree ids are content hashes of everything below
 *   them (git's Merkle tree): an equal id means an equal subtree.
 * Both cache by object id (trees and commits are immutable).
 *
 * Source: "Get a tree" (https://docs.github.com/rest/git/trees#get-a-tree): `tree_sha` is "the SHA1
 * value or ref (branch or tag) name of the tree"; `recursive` "set to any value" lists subtrees too;
 * "The limit for the tree array is 100,000 entries with a maximum size of 7 MB when using the
 * recursive parameter", and `truncated` is true beyond that.
 */
import type { Octokit } from '@octokit/rest'
import type { FileMode, TreeChange, TreeEntry } from '../../core/types.ts'
import { type RepoCoordinates, unavailable } from './tree-errors.ts'
import {
  cachedLevel,
  cacheKey,
  isObjectId,
  type LevelItem,
  readLevels,
  type TreeLevel,
  usesGraphql,
} from './tree-levels.ts'

export { type RepoCoordinates, unavailable } from './tree-errors.ts'

/** A tree read in full: its own id and every blob / symlink / submodule entry below it. */
export interface TreeListing {
  sha: string
  entries: TreeEntry[]
}

const CACHE_LIMIT = 64
const cache = new Map<string, Promise<TreeListing>>()

/**
 * Every file below the tree of `treeish` (a tree or commit id, or a ref name). Results for object ids
 * are cached per repository; ref names are always read fresh.
 */
export function readTree(octokit: Octokit, coords: RepoCoordinates, treeish: string): Promise<TreeListing> {
  if (!isObjectId(treeish)) return fetchTree(octokit, coords, treeish)
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

const commitTrees = new Map<string, string>()

/** Remembers that commit `commitSha` has root tree `treeSha` (read elsewhere), for {@link cachedTreeSha}. */
export function rememberCommitTree(
  octokit: Octokit,
  coords: RepoCoordinates,
  commitSha: string,
  treeSha: string,
): void {
  commitTrees.set(cacheKey(octokit, coords, commitSha), treeSha)
  if (commitTrees.size > CACHE_LIMIT * 16) commitTrees.delete(commitTrees.keys().next().value!)
}

/**
 * The root tree id of commit `commitSha` when a read of it is cached already (a whole listing, one
 * level, or {@link rememberCommitTree}), else `undefined`: no request.
 */
export async function cachedTreeSha(
  octokit: Octokit,
  coords: RepoCoordinates,
  commitSha: string,
): Promise<string | undefined> {
  const key = cacheKey(octokit, coords, commitSha)
  const remembered = commitTrees.get(key)
  if (remembered) return remembered
  const found = cachedLevel(octokit, coords, commitSha) ?? cache.get(key)
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
 * ids, or a ref name), exact at any size, read as a pruned walk, breadth first:
 * - the two roots are read together; then, depth by depth, every directory present on both sides with
 *   different tree ids, and every directory present on one side only (all of its files are changes),
 *   is read one level deep, all of one depth in one batch (tree-levels.ts `readLevels`: GraphQL, at
 *   most 100 trees per query); subdirectories with equal ids are never read (equal id = equal content
 *   below);
 * - with `within`, only directories on the way to those paths are entered and only those paths are
 *   returned (a file replaced by a directory, or the reverse, is still found: both are entries on the
 *   way).
 * Requests over GraphQL: 1 per depth that has differing directories (plus 1 per further 100 trees of
 * that depth), whatever the repository's size. Over REST (GraphQL not available): 2 per differing
 * directory, and 1 recursive read per directory that exists on one side only. Reads by id are cached.
 * Throws `ADAPTER_UNAVAILABLE` when GitHub keeps failing (see {@link unavailable}).
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
  const changes: TreeDifference[] = []
  const entryOf = (prefix: string, item: LevelItem): TreeEntry => ({
    path: prefix + item.name,
    mode: item.mode as FileMode,
    oid: item.sha,
  })
  /** REST only: every file below a directory that exists on one side only, in one recursive read. */
  const oneSided = async (path: string, sha: string, side: 'old' | 'new') => {
    const listing = await readTree(octokit, coords, sha)
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
  const whole: Promise<void>[] = []
  const roots = await readLevels(octokit, coords, [from, to])
  const root0 = roots.get(from)!
  const root1 = roots.get(to)!
  type Step = { prefix: string; a: TreeLevel | null; b: TreeLevel | null }
  let frontier: Step[] = root0.sha === root1.sha ? [] : [{ prefix: '', a: root0, b: root1 }]
  while (frontier.length) {
    const next: { prefix: string; a: string | null; b: string | null }[] = []
    for (const { prefix, a, b } of frontier) {
      const before = new Map((a?.items ?? []).map((i) => [i.name, i]))
      const after = new Map((b?.items ?? []).map((i) => [i.name, i]))
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
        if (!relevantDir(path) || (!xTree && !yTree)) continue
        if (xTree && yTree) next.push({ prefix: `${path}/`, a: xTree.sha, b: yTree.sha })
        else if (usesGraphql(octokit))
          next.push({ prefix: `${path}/`, a: xTree?.sha ?? null, b: yTree?.sha ?? null })
        else {
          const listed = xTree ? oneSided(path, xTree.sha, 'old') : oneSided(path, yTree!.sha, 'new')
          // Awaited below; until then a failure must not count as unhandled.
          listed.catch(() => {})
          whole.push(listed)
        }
      }
    }
    const shas = next.flatMap((s) => [s.a, s.b].filter((sha): sha is string => sha !== null))
    const read = shas.length ? await readLevels(octokit, coords, shas) : new Map<string, TreeLevel>()
    frontier = next.map((s) => ({
      prefix: s.prefix,
      a: s.a ? read.get(s.a)! : null,
      b: s.b ? read.get(s.b)! : null,
    }))
  }
  await Promise.all(whole)
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

/**
 * The changes from listing `from` to listing `to` ({@link changedBetween}'s paths), each with both
 * sides' mode and blob (`null` where the path is absent), sorted by path.
 */
export function treeChanges(from: TreeListing, to: TreeListing): TreeChange[] {
  const before = new Map(from.entries.map((e) => [e.path, e]))
  const after = new Map(to.entries.map((e) => [e.path, e]))
  return changedBetween(from, to).map((path) =>
    asTreeChange({ path, old: before.get(path) ?? null, new: after.get(path) ?? null }),
  )
}

/** One {@link TreeDifference} as the adapters' `TreeChange` (status from which sides exist). */
export function asTreeChange({ path, old, new: now }: TreeDifference): TreeChange {
  return {
    path,
    status: !old ? 'added' : !now ? 'deleted' : 'modified',
    oldMode: old?.mode ?? null,
    newMode: now?.mode ?? null,
    oldOid: old?.oid ?? null,
    newOid: now?.oid ?? null,
  }
}
