/**
 * The paths under a git directory that git (and Gittrix beside it) writes when it records a checkpoint,
 * and a check that none of them passes through a symlink. An agent owns its workspace's `.git`; a
 * symlink there (`index`, a reflog, `refs/heads`, an object fan-out directory, `config`) makes the next
 * write by Gittrix — outside any sandbox the agent ran in — land on the link's target, a host file of
 * the agent's choosing. Git follows such links like any other (its lock files resolve symlinks too).
 */
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'

/** Every object fan-out directory (`objects/00` … `objects/ff`), where loose objects are written. */
const FAN_OUT = Array.from({ length: 256 }, (_, i) => `objects/${i.toString(16).padStart(2, '0')}/x`)

/**
 * Paths (relative to the git directory, `/`-separated) written when a checkpoint moves `ref` (e.g.
 * `refs/heads/gittrix/sess_…`): `HEAD`, `index`, `config`, `packed-refs`, the ref and its reflog,
 * `logs/HEAD`, the object store (every fan-out directory, `pack`, `info`), plus `extra`.
 */
export function checkpointWritePaths(ref: string | null, extra: readonly string[] = []): string[] {
  const paths = [
    'HEAD',
    'index',
    'config',
    'packed-refs',
    'logs/HEAD',
    'objects/info/alternates',
    'objects/pack/x',
    ...FAN_OUT,
    ...extra,
  ]
  if (ref) paths.push(ref, `logs/${ref}`)
  return paths
}

/**
 * The components of `paths` (relative to `gitDir`) that exist as symlinks, each once, outermost first
 * along each path (a symlinked `refs` is reported, not what lies beyond it). `..` components are
 * reported as they are: nothing Gittrix writes needs one. Missing components end a path's walk.
 */
export async function symlinksOnPaths(gitDir: string, paths: readonly string[]): Promise<string[]> {
  const seen = new Set<string>()
  const found: string[] = []
  for (const path of paths) {
    const parts = path.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/')
      if (parts[i - 1] === '..') {
        if (!seen.has(rel)) found.push(rel)
        seen.add(rel)
        break
      }
      if (seen.has(rel)) {
        if (found.includes(rel)) break
        continue
      }
      seen.add(rel)
      const entry = await lstat(join(gitDir, rel)).catch(() => null)
      if (!entry) break
      if (entry.isSymbolicLink()) {
        found.push(rel)
        break
      }
    }
  }
  return found
}
