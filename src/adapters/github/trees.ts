/**
 * Reading git trees through GitHub's REST API: one recursive request per tree, descending into
 * subtrees when GitHub reports `truncated`, and a cache of trees by object id (trees are immutable).
 *
 * Source: "Get a tree" (REST git trees): "The limit for the tree array is 100,000 entries with a
 * maximum size of 7 MB when using the recursive parameter"; `truncated` is true beyond that.
 */
import type { Octokit } from '@octokit/rest'
import { GittrixError } from '../../core/errors.ts'
import type { FileMode, TreeChange, TreeEntry } from '../../core/types.ts'
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

/** The listing of a commit's tree when it was read already (no request), else `undefined`. */
export function cachedTree(
  octokit: Octokit,
  coords: RepoCoordinates,
  commitSha: string,
): Promise<TreeListing> | undefined {
  return cache.get(cacheKey(octokit, coords, commitSha))
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
  return changedBetween(from, to).map((path) => {
    const old = before.get(path)
    const now = after.get(path)
    return {
      path,
      status: !old ? ('added' as const) : !now ? ('deleted' as const) : ('modified' as const),
      oldMode: old?.mode ?? null,
      newMode: now?.mode ?? null,
      oldOid: old?.oid ?? null,
      newOid: now?.oid ?? null,
    }
  })
}
