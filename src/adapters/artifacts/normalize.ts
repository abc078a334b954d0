/**
 * Tolerant readers for the log, commit and tree results. The REST reference documents those routes
 * (https://developers.cloudflare.com/artifacts/api/rest-api/: log, commit and tree) with a curl example
 * but without their fields, so Gittrix accepts every plausible shape and fails clearly on anything else
 * (docs/artifacts.md#what-rests-on-the-documentation):
 * - the list bare, or wrapped in an object (`commits`, `log`, `entries`, `tree`, `items`, `result`);
 * - the binding's camelCase fields (https://developers.cloudflare.com/artifacts/api/workers-binding/)
 *   or their snake_case spellings; `parents` as ids or as `{ hash | sha }` objects;
 * - timestamps in Unix seconds, milliseconds, numeric strings or ISO 8601 (the REST API's other dates,
 *   `created_at` and `expires_at`, are ISO strings).
 * A result that fits none throws `ADAPTER_UNAVAILABLE` naming the route and the field; no reader
 * returns `NaN`, an empty list or a `null` for a body it did not understand.
 */
import { z } from 'zod'
import { GittrixError } from '../../core/errors.ts'
import type { ArtifactsCommit, ArtifactsTreeEntry } from './types.ts'

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/
const objectId = z.string().regex(OBJECT_ID, 'a full git object id')

/** A date as Unix seconds: from seconds, milliseconds (≥ 10^11, i.e. after 1973 in ms), a numeric string or ISO 8601. */
const unixSeconds = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const numeric = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  const seconds = Number.isFinite(numeric)
    ? numeric >= 1e11
      ? Math.floor(numeric / 1000)
      : Math.floor(numeric)
    : Math.floor(Date.parse(String(value)) / 1000)
  if (!Number.isFinite(seconds) || seconds < 0) {
    ctx.addIssue({ code: 'custom', message: 'a date (Unix seconds or milliseconds, or ISO 8601)' })
    return z.NEVER
  }
  return seconds
})

const person = z
  .object({ name: z.string().default(''), email: z.string().default('') })
  .catch({ name: '', email: '' })

const parent = z.union([
  objectId,
  z.object({ hash: objectId }).transform((p) => p.hash),
  z.object({ sha: objectId }).transform((p) => p.sha),
])

/** First present key of `keys`, so camelCase and snake_case spellings read as one field. */
function field(record: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (record[key] !== undefined) return record[key]
  return undefined
}

const commitShape = z.object({
  hash: objectId,
  treeHash: objectId,
  message: z.string().default(''),
  author: person,
  committer: person,
  parents: z.array(parent).default([]),
  authoredAt: unixSeconds,
  committedAt: unixSeconds,
})

/** The commit fields under their binding names, whichever spelling the body used. */
function commitFields(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const record = value as Record<string, unknown>
  return {
    hash: field(record, 'hash', 'sha', 'id', 'oid'),
    treeHash: field(record, 'treeHash', 'tree_hash', 'tree', 'treeSha', 'tree_sha'),
    message: field(record, 'message'),
    author: field(record, 'author'),
    committer: field(record, 'committer'),
    parents: field(record, 'parents', 'parent_hashes', 'parentHashes'),
    authoredAt: field(record, 'authoredAt', 'authored_at', 'authorDate', 'author_date', 'date'),
    committedAt: field(record, 'committedAt', 'committed_at', 'commitDate', 'commit_date', 'date'),
  }
}

const commit = z.preprocess(commitFields, commitShape)

const TREE_MODE = /^(0?40000|100644|100755|120000|160000)$/
const KIND_OF_MODE: Record<string, ArtifactsTreeEntry['type']> = {
  '40000': 'tree',
  '100644': 'blob',
  '100755': 'exec',
  '120000': 'symlink',
  '160000': 'gitlink',
}

const treeEntry = z
  .record(z.string(), z.unknown())
  .transform((record) => ({
    name: field(record, 'name', 'path'),
    hash: field(record, 'hash', 'sha', 'oid', 'id'),
    mode: field(record, 'mode'),
  }))
  .pipe(
    z.object({
      name: z.string().min(1),
      hash: objectId,
      mode: z
        .union([z.string(), z.number().transform((m) => m.toString(8))])
        .pipe(z.string().regex(TREE_MODE, 'a git tree entry mode')),
    }),
  )
  .transform(({ name, hash, mode }): ArtifactsTreeEntry => {
    const normal = mode.replace(/^0/, '')
    return { name, hash, mode: normal, type: KIND_OF_MODE[normal]! }
  })

/** The list inside `value`: the value itself, or the first array under one of `keys`. */
function listIn(value: unknown, keys: readonly string[]): unknown {
  if (Array.isArray(value) || typeof value !== 'object' || value === null) return value
  for (const key of keys) {
    const inner = (value as Record<string, unknown>)[key]
    if (Array.isArray(inner)) return inner
    if (key === 'result' && typeof inner === 'object' && inner !== null) return listIn(inner, keys)
  }
  return value
}

function read<T>(schema: z.ZodType<T>, value: unknown, route: string, what: string): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const where = issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'the body'
  throw new GittrixError(
    'ADAPTER_UNAVAILABLE',
    `Cloudflare Artifacts ${route} returned a ${what} Gittrix cannot read (${where}: expected ${issue.message}): ${JSON.stringify(value)?.slice(0, 200)}. ` +
      'The REST reference does not document this body; report it with the route so Gittrix can accept its shape.',
  )
}

/** One commit of the log or commit route (`route` names it in errors, e.g. `GET …/commit/<id>`). */
export function toCommit(value: unknown, route = 'commit'): ArtifactsCommit {
  const unwrapped =
    typeof value === 'object' && value !== null && 'commit' in value
      ? (value as { commit: unknown }).commit
      : value
  return read(commit, unwrapped, route, 'commit')
}

/** A commit list: an array, or an object carrying one (`commits`, `log`, `items`, `result`). */
export function toCommitList(value: unknown, route = 'log'): ArtifactsCommit[] {
  return read(z.array(commit), listIn(value, ['commits', 'log', 'items', 'result']), route, 'commit list')
}

/** A tree's immediate entries: an array, or an object carrying one (`entries`, `tree`, `items`, `result`). */
export function toTreeEntries(value: unknown, route = 'tree'): ArtifactsTreeEntry[] {
  return read(z.array(treeEntry), listIn(value, ['entries', 'tree', 'items', 'result']), route, 'tree')
}
