/**
 * Promotion selectors: `all`, `hunks` (hunk ids per path, plus whole files), or `files` with paths and globs (picomatch, dotfiles included). A path
 * wins over a glob: an entry equal to a touched path selects that path only, an entry with git's
 * `:(literal)` pathspec magic (or every entry with `literal: true`) is never a glob.
 */
import picomatch from 'picomatch'
import { InvalidArgumentError, PromoteFailedError } from './errors.ts'
import { wholeAndPart } from './hunks.ts'
import { normalizeRepoPath } from './paths.ts'
import type { PromoteSelector, TreeChange } from './types.ts'

/** Git's pathspec magic for "this is a path, not a pattern" (gitglossary(7), "pathspec"). */
export const LITERAL_MAGIC = ':(literal)'

/**
 * The touched changes a selector picks, sorted by path.
 * Throws `PROMOTE_FAILED` (stage `staging`, nothing written) when a named path is not touched, a glob
 * matches no touched path, or the selection is empty; `INVALID_ARGUMENT` for a malformed selector;
 * `WRITE_REJECTED` for an unsafe path.
 */
export function selectChanges(touched: readonly TreeChange[], selector: PromoteSelector): TreeChange[] {
  if (!selector || (selector.mode !== 'all' && selector.mode !== 'files' && selector.mode !== 'hunks')) {
    throw new InvalidArgumentError(
      'selector must be { mode: "all" }, { mode: "files", files: [...] } or { mode: "hunks", hunks: [{ path, ids }] }.',
    )
  }
  if (selector.mode === 'hunks') return selectHunkFiles(touched, selector)
  if (selector.mode === 'all') {
    if (touched.length === 0) {
      throw new PromoteFailedError(
        'staging',
        'Nothing to promote: the session has no changes against its baseline.',
      )
    }
    return [...touched]
  }
  if (!Array.isArray(selector.files) || selector.files.some((f) => typeof f !== 'string')) {
    throw new InvalidArgumentError('selector.files must be an array of paths or globs.')
  }
  if (selector.files.length === 0) {
    throw new PromoteFailedError('staging', 'Nothing to promote: the selector names no files.')
  }
  const byPath = new Map(touched.map((c) => [c.path, c]))
  const picked = new Map<string, TreeChange>()
  const unknown: string[] = []
  for (const entry of selector.files) {
    const literal = selector.literal === true || entry.startsWith(LITERAL_MAGIC)
    const pattern = entry.startsWith(LITERAL_MAGIC) ? entry.slice(LITERAL_MAGIC.length) : entry
    const exact = literal ? normalizeRepoPath(pattern) : exactPath(pattern)
    if (literal || (exact !== null && byPath.has(exact)) || !picomatch.scan(pattern).isGlob) {
      const path = exact ?? normalizeRepoPath(pattern)
      const change = byPath.get(path)
      if (change) picked.set(path, change)
      else unknown.push(entry)
      continue
    }
    const matches = picomatch(pattern, { dot: true })
    const hits = touched.filter((c) => matches(c.path))
    if (hits.length === 0) unknown.push(entry)
    for (const hit of hits) picked.set(hit.path, hit)
  }
  if (unknown.length) {
    throw new PromoteFailedError(
      'staging',
      `Not touched in this session: ${unknown.join(', ')}. Only changed files can be promoted; see \`gittrix files <id>\` or session.diff().`,
      { paths: unknown },
    )
  }
  return [...picked.values()].sort((a, b) => (a.path < b.path ? -1 : 1))
}

/** `pattern` as a normalised path, or `null` when it is no safe path (a glob may still use it). */
function exactPath(pattern: string): string | null {
  try {
    return normalizeRepoPath(pattern)
  } catch {
    return null
  }
}

/**
 * The touched changes a `hunks` selector names: its whole `files` (as `mode: 'files'`) and the paths
 * it picks hunks of (literal paths), sorted by path. Throws `INVALID_ARGUMENT` for a malformed entry
 * (no ids, an id that is neither 8 hex digits nor `<id>.<k>`) or a path named both whole and by hunks; `PROMOTE_FAILED`
 * (stage `staging`) for a path that is not touched.
 */
function selectHunkFiles(
  touched: readonly TreeChange[],
  selector: Extract<PromoteSelector, { mode: 'hunks' }>,
): TreeChange[] {
  const wanted = hunkSelection(selector)
  const byPath = new Map(touched.map((c) => [c.path, c]))
  const whole = selector.files?.length
    ? selectChanges(touched, {
        mode: 'files',
        files: selector.files,
        ...(selector.literal ? { literal: true } : {}),
      })
    : []
  const both = whole.filter((c) => wanted.has(c.path)).map((c) => c.path)
  if (both.length) {
    throw new InvalidArgumentError(
      `${both.join(', ')}: named as a whole file and by hunks; name each file one way.`,
    )
  }
  const unknown = [...wanted.keys()].filter((path) => !byPath.has(path))
  if (unknown.length) {
    throw new PromoteFailedError(
      'staging',
      `Not touched in this session: ${unknown.join(', ')}. Only changed files can be promoted; see \`gittrix files <id>\` or session.diff().`,
      { paths: unknown },
    )
  }
  const picked = [...whole, ...[...wanted.keys()].map((path) => byPath.get(path)!)]
  return picked.sort((a, b) => (a.path < b.path ? -1 : 1))
}

/**
 * The hunk ids a `hunks` selector names, by normalised path (ids of repeated paths merged, in order).
 * Throws `INVALID_ARGUMENT` for a malformed selector: `hunks` not an array, an entry without a path or
 * ids, an id that is not 8 hex digits (or `<id>.<k>`, a part of a hunk: src/core/hunks.ts), a hunk
 * named both whole and by a part, no hunks and no files.
 */
export function hunkSelection(selector: Extract<PromoteSelector, { mode: 'hunks' }>): Map<string, string[]> {
  const usage =
    'selector.hunks must be an array of { path, ids: ["1a2b3c4d", ...] } (ids from `gittrix diff`).'
  if (!Array.isArray(selector.hunks)) throw new InvalidArgumentError(usage)
  if (
    selector.files !== undefined &&
    (!Array.isArray(selector.files) || selector.files.some((f) => typeof f !== 'string'))
  ) {
    throw new InvalidArgumentError('selector.files must be an array of paths or globs.')
  }
  if (selector.hunks.length === 0 && !selector.files?.length) {
    throw new InvalidArgumentError('Nothing to promote: the selector names no hunks and no files.')
  }
  const wanted = new Map<string, string[]>()
  for (const entry of selector.hunks) {
    if (!entry || typeof entry.path !== 'string' || !Array.isArray(entry.ids) || entry.ids.length === 0)
      throw new InvalidArgumentError(usage)
    const bad = entry.ids.filter(
      (id) => typeof id !== 'string' || !/^[0-9a-f]{8}(\.[1-9][0-9]{0,5})?$/.test(id),
    )
    if (bad.length)
      throw new InvalidArgumentError(
        `${entry.path}: ${bad.map((id) => JSON.stringify(id)).join(', ')} is not a hunk id (8 hex digits, as \`gittrix diff\` shows them, ` +
          'or <id>.<k> for the k-th part of a split hunk).',
      )
    const path = normalizeRepoPath(
      entry.path.startsWith(LITERAL_MAGIC) ? entry.path.slice(LITERAL_MAGIC.length) : entry.path,
    )
    wanted.set(path, [...new Set([...(wanted.get(path) ?? []), ...entry.ids])])
  }
  for (const [path, ids] of wanted) {
    const both = ids.filter((id) => id.includes('.') && ids.includes(id.slice(0, 8)))
    if (both.length) throw wholeAndPart(path, both)
  }
  return wanted
}
