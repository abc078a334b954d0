/**
 * Git tree object ids computed from a flat file listing, so a tree read from one host (GitHub) can be
 * compared directory by directory with a tree of another host (Artifacts) without reading every
 * directory there: git object ids are content hashes, identical on every git host.
 *
 * Format (git's `tree` object, SHA-1 repositories): entries `<mode> <name>\0<20-byte id>`, directories
 * with mode `40000`, sorted by name bytes where a directory's name compares as `<name>/`; the object
 * id is `sha1("tree <byte length>\0" + entries)`. Source: git's `Documentation/gitformat-*`
 * (tree objects) and `fsck.c` `verify_ordered`; the same rules `git mktree` applies.
 */
import { createHash } from 'node:crypto'
import type { FileMode, TreeEntry } from '../../core/types.ts'

/** One directory of a listing: its files, its subdirectories and its git tree id. */
export interface ListedDirectory {
  /** Files directly in this directory by name. */
  files: Map<string, { mode: FileMode; oid: string }>
  /** Subdirectory names. */
  dirs: Set<string>
  /** The git tree id this directory has (40 hex). */
  hash: string
}

/**
 * Every directory of `entries` (files with repository-relative paths, as `DurableAdapter.listTree`
 * returns them) by path (`''` = root), each with the tree id git would give it. An empty listing
 * yields the empty tree `4b825dc642cb6eb9a060e54bf8d69288fbee4904` at the root.
 */
export function listedDirectories(entries: readonly TreeEntry[]): Map<string, ListedDirectory> {
  const dirs = new Map<string, ListedDirectory>()
  const dir = (path: string): ListedDirectory => {
    let found = dirs.get(path)
    if (!found) {
      found = { files: new Map(), dirs: new Set(), hash: '' }
      dirs.set(path, found)
      if (path !== '') {
        const slash = path.lastIndexOf('/')
        dir(slash < 0 ? '' : path.slice(0, slash)).dirs.add(path.slice(slash + 1))
      }
    }
    return found
  }
  dir('')
  for (const entry of entries) {
    const slash = entry.path.lastIndexOf('/')
    dir(slash < 0 ? '' : entry.path.slice(0, slash)).files.set(entry.path.slice(slash + 1), {
      mode: entry.mode,
      oid: entry.oid,
    })
  }
  // Deepest first, so every subdirectory's hash is known before its parent's.
  const paths = [...dirs.keys()].sort((a, b) => depth(b) - depth(a))
  for (const path of paths) {
    const listed = dirs.get(path)!
    const items: Array<{ name: string; mode: string; oid: string; dir: boolean }> = []
    for (const [name, file] of listed.files) items.push({ name, mode: file.mode, oid: file.oid, dir: false })
    for (const name of listed.dirs)
      items.push({ name, mode: '40000', oid: dirs.get(path ? `${path}/${name}` : name)!.hash, dir: true })
    listed.hash = treeHash(items)
  }
  return dirs
}

function depth(path: string): number {
  return path === '' ? 0 : path.split('/').length
}

/** The git object id of a tree holding `items` (any order). */
function treeHash(items: Array<{ name: string; mode: string; oid: string; dir: boolean }>): string {
  const key = (item: { name: string; dir: boolean }) => Buffer.from(item.dir ? `${item.name}/` : item.name)
  const sorted = [...items].sort((a, b) => Buffer.compare(key(a), key(b)))
  const body = Buffer.concat(
    sorted.flatMap((item) => [Buffer.from(`${item.mode} ${item.name}\0`), Buffer.from(item.oid, 'hex')]),
  )
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`tree ${body.length}\0`), body]))
    .digest('hex')
}
