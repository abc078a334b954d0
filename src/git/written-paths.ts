/**
 * The paths under a git directory that git (and Gittrix beside it) writes when it records a checkpoint,
 * and a check that none of them passes through a symlink. An agent owns its workspace's `.git`; a
 * symlink there (`index`, a reflog, `refs/heads`, an object fan-out directory, `config`) makes the next
 * write by Gittrix — outside any sandbox the agent ran in — land on the link's target, a host file of
 * the agent's choosing. Git follows such links like any other (its lock files resolve symlinks too).
 */
import { lstat, readdir } from 'node:fs/promises'
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
 * (a symlinked `refs` is reported, not what lies beyond it), shallower components before deeper ones.
 * `..` components are reported as they are: nothing Gittrix writes needs one. Missing components end a
 * path's walk. The components of one depth are looked at concurrently, and a directory with many of
 * them (`objects`, with its 256 fan-out directories) is read once with the entries' types instead of
 * an `lstat` per entry.
 */
export async function symlinksOnPaths(gitDir: string, paths: readonly string[]): Promise<string[]> {
  const found: string[] = []
  let walking = paths.map((path) => path.split('/'))
  for (let depth = 1; walking.length > 0; depth++) {
    const here = [
      ...new Set(walking.filter((parts) => parts.length >= depth).map((p) => p.slice(0, depth).join('/'))),
    ]
    const kinds = await kindsOf(gitDir, here)
    const ends = new Set(here.filter((rel) => kinds.get(rel) !== 'there'))
    found.push(...here.filter((rel) => kinds.get(rel) === 'link'))
    walking = walking.filter((parts) => parts.length > depth && !ends.has(parts.slice(0, depth).join('/')))
  }
  return found
}

type Kind = 'there' | 'link' | 'missing'

/** A parent with at least this many components to look at is listed once instead. */
const LIST_FROM = 16

/** What each of `rels` (relative to `gitDir`) is: a symlink (`..` counts as one), missing, or there. */
async function kindsOf(gitDir: string, rels: readonly string[]): Promise<Map<string, Kind>> {
  const kinds = new Map<string, Kind>()
  const byParent = new Map<string, string[]>()
  for (const rel of rels) {
    if (rel.split('/').at(-1) === '..') kinds.set(rel, 'link')
    else {
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : ''
      byParent.set(parent, [...(byParent.get(parent) ?? []), rel])
    }
  }
  await Promise.all(
    [...byParent].map(async ([parent, children]) => {
      // A listing can fail where a look-up by name succeeds (a directory that is searchable but not
      // readable, mode 0333: git still writes through it); its children are then looked up one by one.
      const entries =
        children.length >= LIST_FROM
          ? await readdir(join(gitDir, parent), { withFileTypes: true }).catch(() => null)
          : null
      const types = new Map(entries?.map((e) => [e.name, e.isSymbolicLink() ? 'link' : 'there'] as const))
      // On a case-insensitive file system `objects/AB` is the `objects/ab` git writes through: a name
      // listed only in another case is looked up by name too.
      const folded = new Set(entries?.map((e) => e.name.toLowerCase()))
      const byName: string[] = []
      for (const rel of entries ? children : []) {
        const name = rel.slice(parent ? parent.length + 1 : 0)
        const type = types.get(name)
        if (type !== undefined || !folded.has(name.toLowerCase())) kinds.set(rel, type ?? 'missing')
        else byName.push(rel)
      }
      await Promise.all(
        (entries ? byName : children).map(async (rel) => {
          const entry = await lstat(join(gitDir, rel)).catch(() => null)
          kinds.set(rel, !entry ? 'missing' : entry.isSymbolicLink() ? 'link' : 'there')
        }),
      )
    }),
  )
  return kinds
}
