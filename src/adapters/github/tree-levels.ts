/**
 * Reading many git tree levels (one directory's direct entries each) at once: up to
 * {@link TREES_PER_QUERY} trees per GraphQL query, each an aliased `repository.object(oid:)` (or
 * `object(expression:)` for a ref name), so a pruned walk of two trees costs about one query per tree
 * DEPTH instead of one REST request per directory. Where GraphQL is not available (a GitHub Enterprise
 * Server with it turned off, a token GraphQL refuses, a schema without these fields), each tree is read
 * with one non-recursive REST `GET /git/trees/{sha}`, and the client is remembered as REST-only.
 *
 * Platform facts this relies on:
 * - GraphQL `Repository.object(oid:, expression:)` returns a `GitObject`; `Tree.entries` is a plain list
 *   (`[TreeEntry!]`, not a paginated connection) with `name`, `oid` and `mode` (an Int: the octal git
 *   mode read as a number, e.g. 33188 for 100644, 16384 for a directory); `Commit.tree` is its root
 *   tree. Source: the published schema (`@octokit/graphql-schema`, types `Repository`,
 *   `Tree`, `TreeEntry`, `Commit`) and https://docs.github.com/graphql/reference/objects#tree .
 * - Limits: a call may request at most 500,000 nodes, counted over connections (`first`/`last`); these
 *   queries use none, so the binding limits are the points and the 10-second timeout of one query
 *   (https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api). A
 *   query of {@link TREES_PER_QUERY} trees is small; one that fails with a 5xx (a timeout on very wide
 *   directories) is split in halves, and a single tree that still fails is read over REST.
 * - REST "Get a tree" (https://docs.github.com/rest/git/trees#get-a-tree) without `recursive` lists one
 *   level and is not truncated by the recursive limits (100,000 entries / 7 MB).
 * - GitHub Enterprise Server serves GraphQL at `<host>/api/graphql` (Octokit derives it from the
 *   `/api/v3` base URL: @octokit/graphql `GHES_V3_SUFFIX_REGEX`).
 */
import type { Octokit } from '@octokit/rest'
import pLimit from 'p-limit'
import { gitHubErrorText, isGitHubRequestError } from './request-errors.ts'
import { type RepoCoordinates, unavailable } from './tree-errors.ts'

/** One entry of a single tree level. `mode` is git's octal string (`100644`, `40000`, `120000`, …). */
export interface LevelItem {
  name: string
  mode: string
  type: string
  sha: string
}

/** One level of a tree: its id and its direct entries. */
export interface TreeLevel {
  sha: string
  items: LevelItem[]
}

/** Trees (aliases) per GraphQL query: bounds the answer's size and the query's time. */
export const TREES_PER_QUERY = 100
/** REST tree reads in flight at once when GraphQL is not used. */
const REST_CONCURRENCY = 8
const LEVEL_CACHE_LIMIT = 4096
const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/

const levels = new Map<string, Promise<TreeLevel>>()
/** Clients GraphQL refused (404, 401/403 without rate limit, a schema error): REST from then on. */
const restOnly = new WeakSet<Octokit>()

/** True when `treeish` is a full object id (cacheable: objects never change). */
export function isObjectId(treeish: string): boolean {
  return OBJECT_ID.test(treeish)
}

/** The cache key of an object of one repository behind one API root. */
export function cacheKey(octokit: Octokit, coords: RepoCoordinates, sha: string): string {
  const baseUrl = (octokit.request.endpoint.DEFAULTS as { baseUrl?: string }).baseUrl ?? ''
  return `${baseUrl}|${coords.owner}/${coords.repo}|${sha}`
}

/** A cached level of `sha` (a tree or commit id) without any request, else `undefined`. */
export function cachedLevel(
  octokit: Octokit,
  coords: RepoCoordinates,
  sha: string,
): Promise<TreeLevel> | undefined {
  return levels.get(cacheKey(octokit, coords, sha))
}

/** A blob read by `object(expression:)` (e.g. `<ref>:<path>`), as GraphQL's `Blob` answers it. */
export interface ExpressionBlob {
  byteSize: number
  /** `null` for binary content. */
  text: string | null
  isTruncated: boolean
}

/** A blob read waiting to ride along the next GraphQL tree query of its repository. */
interface Rider {
  expression: string
  settle(blob: ExpressionBlob | null): void
}

/** Riders per client and repository (`owner/repo`), taken by the next {@link graphqlLevels} query. */
const riders = new WeakMap<Octokit, Map<string, Rider[]>>()

const BLOB_FIELDS = '... on Blob { byteSize text isTruncated }'

/**
 * Runs `work` (e.g. a session diff, whose tree walk queries GraphQL) while the blobs named by
 * `expressions` (`<rev>:<path>`) wait to ride along its first GraphQL tree query of `coords`, as extra
 * aliased `object(expression:)` fields: no request of their own. Those no tree query took (`work`
 * made none) are then read with one GraphQL query of their own. Resolves `work`'s result and each
 * blob (`null` when absent or not a blob), in `expressions` order — or `null` instead of the list when
 * they could not be read (GraphQL not used, or that query failed): the caller reads them otherwise.
 * Rejects as `work` does.
 * Source: https://docs.github.com/graphql/reference/objects#repository (`object(expression:)`),
 * https://docs.github.com/graphql/reference/objects#blob.
 */
export async function withBlobsRiding<T>(
  octokit: Octokit,
  coords: RepoCoordinates,
  expressions: readonly string[],
  work: () => Promise<T>,
): Promise<[T, Array<ExpressionBlob | null> | null]> {
  const key = `${coords.owner}/${coords.repo}`
  const found = new Map<number, ExpressionBlob | null>()
  const mine: Rider[] = expressions.map((expression, i) => ({
    expression,
    settle: (blob) => void found.set(i, blob),
  }))
  const byRepo = riders.get(octokit) ?? new Map<string, Rider[]>()
  riders.set(octokit, byRepo)
  if (usesGraphql(octokit)) byRepo.set(key, [...(byRepo.get(key) ?? []), ...mine])
  const leave = () => {
    const left = (byRepo.get(key) ?? []).filter((r) => !mine.includes(r))
    if (left.length) byRepo.set(key, left)
    else byRepo.delete(key)
  }
  let result: T
  try {
    result = await work()
  } finally {
    leave()
  }
  const missing = mine.filter((_, i) => !found.has(i))
  if (missing.length) {
    if (!usesGraphql(octokit)) return [result, null]
    try {
      const data = await octokit.graphql<{ repository: Record<string, ExpressionBlob | null> | null }>(
        ...blobQuery(coords, missing),
      )
      missing.forEach((rider, i) => rider.settle(blobOf(data.repository?.[`r${i}`])))
    } catch {
      return [result, null]
    }
  }
  return [result, expressions.map((_, i) => found.get(i) ?? null)]
}

/** A query of the riders' blobs alone: `r<i>: object(expression: $r<i>)`. */
function blobQuery(coords: RepoCoordinates, list: readonly Rider[]): [string, Record<string, string>] {
  const variables: Record<string, string> = { owner: coords.owner, name: coords.repo }
  const declarations = ['$owner: String!', '$name: String!']
  const fields = list.map((rider, i) => {
    variables[`r${i}`] = rider.expression
    declarations.push(`$r${i}: String!`)
    return `r${i}: object(expression: $r${i}) { ${BLOB_FIELDS} }`
  })
  return [
    `query(${declarations.join(', ')}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } }`,
    variables,
  ]
}

function blobOf(value: unknown): ExpressionBlob | null {
  const blob = value as Partial<ExpressionBlob> | null | undefined
  if (!blob || typeof blob.byteSize !== 'number') return null
  return { byteSize: blob.byteSize, text: blob.text ?? null, isTruncated: blob.isTruncated === true }
}

/** Whether {@link readLevels} still uses GraphQL for this client. */
export function usesGraphql(octokit: Octokit): boolean {
  return !restOnly.has(octokit) && typeof octokit.graphql === 'function'
}

/**
 * The direct entries of each tree in `treeishes` (tree or commit ids, or ref names; a commit stands for
 * its root tree), keyed by the treeish as given. Object ids are cached per repository and read once
 * however many callers ask; ref names are read fresh. Uncached ones are read together: GraphQL queries
 * of at most {@link TREES_PER_QUERY} trees, else REST one by one. Throws `ADAPTER_UNAVAILABLE` when
 * GitHub keeps failing or rate-limits (tree-errors.ts `unavailable`), and GitHub's 404 answer when an
 * object does not exist.
 */
export async function readLevels(
  octokit: Octokit,
  coords: RepoCoordinates,
  treeishes: readonly string[],
): Promise<Map<string, TreeLevel>> {
  const pending = new Map<string, Promise<TreeLevel>>()
  const missing: string[] = []
  for (const treeish of new Set(treeishes)) {
    const cached = isObjectId(treeish) ? levels.get(cacheKey(octokit, coords, treeish)) : undefined
    if (cached) pending.set(treeish, cached)
    else missing.push(treeish)
  }
  if (missing.length) {
    const fetched = fetchLevels(octokit, coords, missing)
    for (const treeish of missing) {
      const level = fetched.then((found) => found.get(treeish)!)
      pending.set(treeish, level)
      if (!isObjectId(treeish)) continue
      const key = cacheKey(octokit, coords, treeish)
      level.catch(() => levels.delete(key))
      levels.set(key, level)
      if (levels.size > LEVEL_CACHE_LIMIT) levels.delete(levels.keys().next().value!)
    }
  }
  // Promise.all handles every rejection (a sequential await would leave the others unhandled).
  const entries = [...pending]
  const read = await Promise.all(entries.map(([, level]) => level))
  return new Map(entries.map(([treeish], i) => [treeish, read[i]!]))
}

async function fetchLevels(
  octokit: Octokit,
  coords: RepoCoordinates,
  treeishes: string[],
): Promise<Map<string, TreeLevel>> {
  const out = new Map<string, TreeLevel>()
  const batches: string[][] = []
  for (let i = 0; i < treeishes.length; i += TREES_PER_QUERY)
    batches.push(treeishes.slice(i, i + TREES_PER_QUERY))
  await Promise.all(
    batches.map(async (batch) => {
      for (const [k, v] of await graphqlOrRest(octokit, coords, batch)) out.set(k, v)
    }),
  )
  return out
}

/** One batch over GraphQL; split in halves on a server failure; REST when GraphQL is not available. */
async function graphqlOrRest(
  octokit: Octokit,
  coords: RepoCoordinates,
  batch: string[],
): Promise<Map<string, TreeLevel>> {
  if (!usesGraphql(octokit)) return restLevels(octokit, coords, batch)
  try {
    return await graphqlLevels(octokit, coords, batch)
  } catch (error) {
    if (isGitHubRequestError(error) && error.status >= 500) {
      if (batch.length === 1) return restLevels(octokit, coords, batch)
      const half = Math.ceil(batch.length / 2)
      const [a, b] = await Promise.all([
        graphqlOrRest(octokit, coords, batch.slice(0, half)),
        graphqlOrRest(octokit, coords, batch.slice(half)),
      ])
      return new Map([...a, ...b])
    }
    if (graphqlUnavailable(error)) {
      restOnly.add(octokit)
      return restLevels(octokit, coords, batch)
    }
    throw unavailable(error, `reading ${batch.length} tree(s)`, coords)
  }
}

/** GraphQL refused as such (not the query's objects): no endpoint, no access, or a schema it lacks. */
function graphqlUnavailable(error: unknown): boolean {
  if (error instanceof MissingObjectError) return false
  if (isGitHubRequestError(error)) {
    const rateLimited =
      (error.status === 403 || error.status === 429) && /rate limit/i.test(gitHubErrorText(error))
    return !rateLimited && [401, 403, 404, 410].includes(error.status)
  }
  // @octokit/graphql's GraphqlResponseError: the answer carried `errors` (e.g. an older GHES schema).
  return (error as { name?: string })?.name === 'GraphqlResponseError'
}

/** An object id or ref GitHub does not know: the REST read answers the usual 404. */
class MissingObjectError extends Error {}

// `type` is left out: it follows from the mode (40000 tree, 160000 commit, else blob), and every
// entry of a wide directory is paid for in bytes.
const ENTRY_FIELDS = 'entries { name mode oid }'
const LEVEL_FRAGMENT = `fragment level on GitObject { ... on Tree { oid ${ENTRY_FIELDS} } ... on Commit { tree { oid ${ENTRY_FIELDS} } } }`

interface GraphqlTree {
  oid: string
  entries: Array<{ name: string; mode: number; oid: string }> | null
}
type GraphqlObject = (GraphqlTree & { tree?: undefined }) | { tree: GraphqlTree; oid?: undefined } | null

async function graphqlLevels(
  octokit: Octokit,
  coords: RepoCoordinates,
  batch: string[],
): Promise<Map<string, TreeLevel>> {
  // Every id and ref name travels as a variable, never spliced into the query text.
  const variables: Record<string, string> = { owner: coords.owner, name: coords.repo }
  const declarations = ['$owner: String!', '$name: String!']
  const fields = batch.map((treeish, i) => {
    variables[`v${i}`] = treeish
    const byId = isObjectId(treeish)
    declarations.push(`$v${i}: ${byId ? 'GitObjectID' : 'String'}`)
    return `t${i}: object(${byId ? 'oid' : 'expression'}: $v${i}) { ...level }`
  })
  // Blob reads waiting for a tree query of this repository ride along (withBlobsRiding).
  const byRepo = riders.get(octokit)
  const key = `${coords.owner}/${coords.repo}`
  const riding = byRepo?.get(key) ?? []
  byRepo?.delete(key)
  riding.forEach((rider, i) => {
    variables[`r${i}`] = rider.expression
    declarations.push(`$r${i}: String!`)
    fields.push(`r${i}: object(expression: $r${i}) { ${BLOB_FIELDS} }`)
  })
  const query = `query(${declarations.join(', ')}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } } ${LEVEL_FRAGMENT}`
  let data: { repository: Record<string, GraphqlObject> | null }
  try {
    data = await octokit.graphql<{ repository: Record<string, GraphqlObject> | null }>(query, variables)
  } catch (error) {
    // Back in line for the next query (or the rider's own read): the trees' failure is not theirs.
    if (riding.length && byRepo) byRepo.set(key, [...riding, ...(byRepo.get(key) ?? [])])
    throw error
  }
  riding.forEach((rider, i) => rider.settle(blobOf(data.repository?.[`r${i}`])))
  if (!data.repository) throw new MissingObjectError(`${coords.owner}/${coords.repo} not found`)
  const out = new Map<string, TreeLevel>()
  const absent: string[] = []
  batch.forEach((treeish, i) => {
    const object = data.repository![`t${i}`]
    const tree = object?.tree ?? (object?.oid ? (object as GraphqlTree) : null)
    if (!tree?.oid || !tree.entries) absent.push(treeish)
    else
      out.set(treeish, {
        sha: tree.oid,
        items: tree.entries.map((e) => {
          const mode = gitMode(e.mode)
          return { name: e.name, type: typeOfMode(mode), sha: e.oid, mode }
        }),
      })
  })
  // Not a tree or commit here (a missing id, a blob): REST answers GitHub's own 404 for it.
  if (absent.length) for (const [k, v] of await restLevels(octokit, coords, absent)) out.set(k, v)
  return out
}

const KNOWN_MODES = new Set(['100644', '100755', '120000', '160000', '40000', '040000'])

/**
 * GraphQL's Int `mode` as git's octal string: 33188 → `100644`. A value whose decimal digits already
 * are a git mode (100644) is taken as it is, so either reading of the schema's Int gives the same.
 */
export function gitMode(mode: number): string {
  const decimal = String(mode)
  if (KNOWN_MODES.has(decimal)) return decimal === '040000' ? '40000' : decimal
  return mode.toString(8)
}

/** The object type a tree entry of git mode `mode` names. */
function typeOfMode(mode: string): string {
  return mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob'
}

/** Each tree with one non-recursive REST read, a few at a time. */
async function restLevels(
  octokit: Octokit,
  coords: RepoCoordinates,
  batch: string[],
): Promise<Map<string, TreeLevel>> {
  const limit = pLimit(REST_CONCURRENCY)
  const read = await Promise.all(
    batch.map((treeish) =>
      limit(async () => {
        try {
          const { data } = await octokit.rest.git.getTree({ ...coords, tree_sha: treeish })
          const items: LevelItem[] = []
          for (const item of data.tree)
            if (item.path && item.sha && item.mode && item.type)
              items.push({
                name: item.path,
                mode: item.mode === '040000' ? '40000' : item.mode,
                type: item.type,
                sha: item.sha,
              })
          return [treeish, { sha: data.sha, items }] as const
        } catch (error) {
          throw unavailable(error, `reading the tree of ${treeish}`, coords)
        }
      }),
    ),
  )
  return new Map(read)
}
