/**
 * Directory listings of a workspace stored as a flat list of files (a git tree read recursively), for
 * the adapters whose workspace is not a local directory.
 */
import { normalizeRepoDir } from './paths.ts'
import type { ListEntry } from './types.ts'

/**
 * The entries of `files` (every file of a tree, with its git mode) under directory `dir` (`''` = the
 * root): with `recursive`, every file below it; otherwise its direct children, subdirectories as
 * `dir` entries, sorted by path. Mode `120000` lists as a symlink. Throws `WRITE_REJECTED` for an
 * unsafe `dir`.
 */
export function listFiles(
  files: readonly { path: string; mode: string }[],
  dir: string,
  options: { recursive?: boolean } = {},
): ListEntry[] {
  const prefix = normalizeRepoDir(dir)
  const base = prefix ? `${prefix}/` : ''
  const below = files.filter((f) => f.path.startsWith(base))
  const kind = (f: { mode: string }): ListEntry['type'] => (f.mode === '120000' ? 'symlink' : 'file')
  if (options.recursive) return below.map((f) => ({ path: f.path, type: kind(f) }))
  const children = new Map<string, ListEntry>()
  for (const file of below) {
    const rest = file.path.slice(base.length)
    const slash = rest.indexOf('/')
    if (slash === -1) children.set(file.path, { path: file.path, type: kind(file) })
    else children.set(base + rest.slice(0, slash), { path: base + rest.slice(0, slash), type: 'dir' })
  }
  return [...children.values()].sort((a, b) => (a.path < b.path ? -1 : 1))
}
