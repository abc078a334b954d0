/**
 * Tolerant readers for the log, commit and tree results. The REST reference documents those routes
 * (https://developers.cloudflare.com/artifacts/api/rest-api/: log, commit and tree)
 * without their fields, so Gittrix accepts the binding's camelCase fields (https://developers.cloudflare.com/artifacts/api/workers-binding/) and their snake_case
 * spellings, and fails clearly on anything else.
 */
import { GittrixError } from '../../core/errors.ts'
import type { ArtifactsCommit, ArtifactsTreeEntry } from './types.ts'

type Json = Record<string, unknown>

function pick(record: Json, ...keys: string[]): unknown {
  for (const key of keys) if (record[key] !== undefined) return record[key]
  return undefined
}

function malformed(what: string, value: unknown): never {
  throw new GittrixError(
    'ADAPTER_UNAVAILABLE',
    `Cloudflare Artifacts returned a ${what} Gittrix cannot read: ${JSON.stringify(value)?.slice(0, 200)}`,
  )
}

function person(value: unknown): { name: string; email: string } {
  const record = (typeof value === 'object' && value ? value : {}) as Json
  return { name: String(record.name ?? ''), email: String(record.email ?? '') }
}

/** One commit record of the log or commit route. */
export function toCommit(value: unknown): ArtifactsCommit {
  if (typeof value !== 'object' || value === null) malformed('commit', value)
  const record = value as Json
  const hash = pick(record, 'hash', 'sha', 'id')
  const treeHash = pick(record, 'treeHash', 'tree_hash', 'tree')
  if (typeof hash !== 'string' || typeof treeHash !== 'string') malformed('commit', value)
  const parents = pick(record, 'parents', 'parent_hashes')
  return {
    hash,
    treeHash,
    message: String(pick(record, 'message') ?? ''),
    author: person(record.author),
    committer: person(record.committer),
    parents: Array.isArray(parents) ? parents.map(String) : [],
    authoredAt: Number(pick(record, 'authoredAt', 'authored_at') ?? 0),
    committedAt: Number(pick(record, 'committedAt', 'committed_at') ?? 0),
  }
}

/** A commit list (an array, or an object carrying `commits`). */
export function toCommitList(value: unknown): ArtifactsCommit[] {
  const list = Array.isArray(value) ? value : (value as Json | null)?.commits
  if (!Array.isArray(list)) malformed('commit list', value)
  return list.map(toCommit)
}

/** A tree's immediate entries (an array, or an object carrying `entries`). */
export function toTreeEntries(value: unknown): ArtifactsTreeEntry[] {
  const list = Array.isArray(value)
    ? value
    : ((value as Json | null)?.entries ?? (value as Json | null)?.tree)
  if (!Array.isArray(list)) malformed('tree', value)
  return list.map((item: unknown) => {
    const record = (item ?? {}) as Json
    const name = record.name ?? record.path
    const hash = pick(record, 'hash', 'sha', 'oid')
    const mode = String(record.mode ?? '')
    if (typeof name !== 'string' || typeof hash !== 'string' || !mode) malformed('tree entry', item)
    const type =
      (record.type as ArtifactsTreeEntry['type'] | undefined) ??
      (mode === '40000' || mode === '040000' ? 'tree' : 'blob')
    return { name, hash, mode: mode === '040000' ? '40000' : mode, type }
  })
}
