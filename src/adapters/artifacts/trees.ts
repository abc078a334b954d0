/**
 * Trees of an Artifacts repository read through the REST object routes (`GET …/commit/:hash`,
 * `GET …/tree/:hash`: "Object routes use immutable Git SHA-1 hashes",
 * https://developers.cloudflare.com/artifacts/api/rest-api/). A tree route lists
 * immediate children only, so recursive listings and comparisons walk directories, skipping subtrees
 * whose hashes are equal. Objects are immutable, so trees are cached by hash.
 */
import pLimit from 'p-limit'
import { GittrixError } from '../../core/errors.ts'
import type { FileMode, TreeEntry } from '../../core/types.ts'
import type { ArtifactsClient } from './client.ts'
import type { ArtifactsTreeEntry } from './types.ts'

/** Concurrent REST reads per walk. */
export const READ_CONCURRENCY = 8
const CACHE_LIMIT = 20_000

/** A tree entry with the Gittrix file mode (directories keep `40000`). */
interface Child {
  name: string
  mode: string
  hash: string
  dir: boolean
}

/** Reads trees of one repository, caching by hash. */
export class RestTrees {
  private readonly trees = new Map<string, Promise<Child[]>>()
  private readonly commits = new Map<string, Promise<string>>()
  private readonly limit = pLimit(READ_CONCURRENCY)

  private readonly client: ArtifactsClient
  private readonly repo: string

  constructor(client: ArtifactsClient, repo: string) {
    this.client = client
    this.repo = repo
  }

  /** The tree id of commit `sha`; `REF_NOT_FOUND` when there is no such commit. */
  treeOf(sha: string): Promise<string> {
    let cached = this.commits.get(sha)
    if (!cached) {
      cached = this.limit(async () => {
        const commit = await this.client.getCommit(this.repo, sha)
        if (!commit)
          throw new GittrixError(
            'REF_NOT_FOUND',
            `Commit ${sha} does not exist in Artifacts repository ${this.repo}.`,
          )
        return commit.treeHash
      })
      this.remember(this.commits, sha, cached)
    }
    return cached
  }

  /** Immediate children of tree `hash`. */
  children(hash: string): Promise<Child[]> {
    let cached = this.trees.get(hash)
    if (!cached) {
      cached = this.limit(async () => {
        const entries = await this.client.getTree(this.repo, hash)
        if (!entries)
          throw new GittrixError(
            'REF_NOT_FOUND',
            `Tree ${hash} does not exist in Artifacts repository ${this.repo}.`,
          )
        return entries.map(toChild)
      })
      this.remember(this.trees, hash, cached)
    }
    return cached
  }

  /** The subtree at directory `path` of tree `root` (`''` is the root), or `null` when absent or not a directory. */
  async subtree(root: string, path: string): Promise<string | null> {
    let hash = root
    for (const name of path.split('/').filter(Boolean)) {
      const child = (await this.children(hash)).find((c) => c.name === name)
      if (!child?.dir) return null
      hash = child.hash
    }
    return hash
  }

  /** The entry at file `path` of tree `root`, or `null` (missing, or a directory). */
  async entry(root: string, path: string): Promise<TreeEntry | null> {
    const slash = path.lastIndexOf('/')
    const dir = await this.subtree(root, slash < 0 ? '' : path.slice(0, slash))
    if (!dir) return null
    const child = (await this.children(dir)).find((c) => c.name === path.slice(slash + 1))
    return child && !child.dir ? { path, mode: child.mode as FileMode, oid: child.hash } : null
  }

  /** Every file under tree `hash` (recursive), paths prefixed with `prefix`. */
  async files(hash: string, prefix = ''): Promise<TreeEntry[]> {
    const children = await this.children(hash)
    const nested = await Promise.all(
      children.map(async (c): Promise<TreeEntry[]> => {
        const path = prefix ? `${prefix}/${c.name}` : c.name
        return c.dir ? this.files(c.hash, path) : [{ path, mode: c.mode as FileMode, oid: c.hash }]
      }),
    )
    return nested.flat()
  }

  /** Every path that differs (blob, mode, existence) between trees `a` and `b`. Exact at any size. */
  async changed(a: string | null, b: string | null, prefix = ''): Promise<string[]> {
    if (a === b) return []
    const [left, right] = await Promise.all([a ? this.children(a) : [], b ? this.children(b) : []])
    const l = new Map(left.map((c) => [c.name, c]))
    const r = new Map(right.map((c) => [c.name, c]))
    const out = await Promise.all(
      [...new Set([...l.keys(), ...r.keys()])].map(async (name): Promise<string[]> => {
        const x = l.get(name)
        const y = r.get(name)
        if (x && y && x.hash === y.hash && x.mode === y.mode) return []
        const path = prefix ? `${prefix}/${name}` : name
        const paths: string[] = []
        // A file on one side is one path; a directory on either side contributes every file below it.
        if ((x && !x.dir) || (y && !y.dir)) paths.push(path)
        if (x?.dir || y?.dir)
          paths.push(...(await this.changed(x?.dir ? x.hash : null, y?.dir ? y.hash : null, path)))
        return paths
      }),
    )
    return out.flat()
  }

  private remember<T>(map: Map<string, Promise<T>>, key: string, value: Promise<T>): void {
    if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value!)
    map.set(key, value)
    value.catch(() => {
      if (map.get(key) === value) map.delete(key)
    })
  }
}

function toChild(entry: ArtifactsTreeEntry): Child {
  const dir = entry.type === 'tree' || entry.mode === '40000'
  return { name: entry.name, mode: dir ? '40000' : normalizeMode(entry), hash: entry.hash, dir }
}

/** Git modes from the entry's mode, falling back to its binding type (`exec`, `symlink`, `gitlink`). */
function normalizeMode(entry: ArtifactsTreeEntry): string {
  if (/^1[02]0[0-7]{3}$|^160000$/.test(entry.mode)) return entry.mode === '100664' ? '100644' : entry.mode
  return (
    { exec: '100755', symlink: '120000', gitlink: '160000', blob: '100644', tree: '40000' }[entry.type] ??
    '100644'
  )
}
