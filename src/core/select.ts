/**
 * Promotion selectors: `all`, or `files` with paths and globs (picomatch, dotfiles included). A path
 * wins over a glob: an entry equal to a touched path selects that path only, an entry with git's
 * `:(literal)` pathspec magic (or every entry with `literal: true`) is never a glob.
 */
import picomatch from 'picomatch'
import { InvalidArgumentError, PromoteFailedError } from './errors.ts'
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
  if (!selector || (selector.mode !== 'all' && selector.mode !== 'files')) {
    throw new InvalidArgumentError('selector must be { mode: "all" } or { mode: "files", files: [...] }.')
  }
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
