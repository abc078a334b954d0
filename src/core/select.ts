/**
 * Promotion selectors: `all`, or `files` with exact paths and globs (picomatch, dotfiles included).
 */
import picomatch from 'picomatch'
import { InvalidArgumentError, PromoteFailedError } from './errors.ts'
import { normalizeRepoPath } from './paths.ts'
import type { PromoteSelector, TreeChange } from './types.ts'

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
  for (const pattern of selector.files) {
    if (picomatch.scan(pattern).isGlob) {
      const matches = picomatch(pattern, { dot: true })
      const hits = touched.filter((c) => matches(c.path))
      if (hits.length === 0) unknown.push(pattern)
      for (const hit of hits) picked.set(hit.path, hit)
      continue
    }
    const path = normalizeRepoPath(pattern)
    const change = byPath.get(path)
    if (change) picked.set(path, change)
    else unknown.push(pattern)
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
