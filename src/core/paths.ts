/**
 * Path safety (DESIGN.md invariant 8): every path an agent or a selector names is checked here
 * before it touches a workspace or a durable tree.
 */
import { lstat, realpath } from 'node:fs/promises'
import { isAbsolute, join, posix, relative, sep } from 'node:path'
import { WriteRejectedError } from './errors.ts'

/**
 * Normalises a repository-relative path (`a//b/./c` → `a/b/c`) or throws `WRITE_REJECTED` for:
 * empty paths, NUL bytes, absolute paths (POSIX, Windows drive or UNC), backslashes, `..` segments,
 * and any `.git` segment (case-insensitive, also `.git.` / `.git ` which some filesystems fold).
 */
export function normalizeRepoPath(input: string): string {
  if (typeof input !== 'string' || input.length === 0)
    throw new WriteRejectedError(String(input), 'the path is empty')
  if (input.includes('\0')) throw new WriteRejectedError(input, 'the path contains a NUL byte')
  if (input.includes('\\')) throw new WriteRejectedError(input, 'use "/" as the separator, not "\\"')
  if (input.startsWith('/') || /^[a-zA-Z]:/.test(input) || isAbsolute(input)) {
    throw new WriteRejectedError(
      input,
      'absolute paths are not allowed; use a path relative to the repository root',
    )
  }
  const segments: string[] = []
  for (const segment of input.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') throw new WriteRejectedError(input, '".." would leave the workspace')
    if (/^\.git[. ]*$/i.test(segment))
      throw new WriteRejectedError(input, 'git internals (.git) are off limits')
    segments.push(segment)
  }
  if (segments.length === 0)
    throw new WriteRejectedError(input, 'the path names the repository root, not a file')
  return segments.join('/')
}

/** Like {@link normalizeRepoPath}, but `''`, `.` and `/`-only inputs mean the root and return `''`. */
export function normalizeRepoDir(input: string | undefined): string {
  if (input === undefined || /^[./]*$/.test(input)) return ''
  return normalizeRepoPath(input)
}

/** Symlinks followed in a row before a read gives up (Linux's `MAXSYMLINKS` is 40). */
export const MAX_SYMLINK_HOPS = 40

/**
 * Reads `path` from a stored tree through `lookup` (one path → its bytes and mode, or `null`),
 * following symlinks (mode `120000`) that stay inside the tree, as a file system would. Resolves the
 * file's bytes, or `null` when a path on the way does not exist. Throws `WRITE_REJECTED` for a symlink
 * leading outside the tree or more than {@link MAX_SYMLINK_HOPS} in a row.
 */
export async function readFollowingSymlinks(
  path: string,
  lookup: (rel: string) => Promise<{ bytes: Uint8Array; mode: string } | null>,
): Promise<Uint8Array | null> {
  let rel = normalizeRepoPath(path)
  for (let hops = 0; hops <= MAX_SYMLINK_HOPS; hops++) {
    const file = await lookup(rel)
    if (!file) return null
    if (file.mode !== '120000') return file.bytes
    const target = Buffer.from(file.bytes).toString('utf8')
    if (!symlinkStaysInside(rel, target))
      throw new WriteRejectedError(rel, `it is a symlink to ${JSON.stringify(target)}, outside the workspace`)
    rel = normalizeRepoPath(posix.join(posix.dirname(rel), target))
  }
  throw new WriteRejectedError(path, `more than ${MAX_SYMLINK_HOPS} symlinks in a row`)
}

/**
 * True when a symlink stored at `linkPath` with target `target` stays inside the repository.
 * Absolute targets never do.
 */
export function symlinkStaysInside(linkPath: string, target: string): boolean {
  if (target.startsWith('/') || /^[a-zA-Z]:/.test(target) || target.includes('\0')) return false
  const depth = linkPath.split('/').length - 1
  let level = depth
  for (const segment of target.split('/')) {
    if (segment === '..') level -= 1
    else if (segment !== '.' && segment !== '') level += 1
    if (level < 0) return false
  }
  return true
}

/**
 * Resolves a normalised repository path to an absolute path under `root`, refusing with
 * `WRITE_REJECTED` when an existing parent directory is a symlink (or resolves) outside `root`.
 * The final component itself may be a symlink; callers decide how to treat it.
 */
export async function resolveInside(root: string, repoPath: string): Promise<string> {
  const rootReal = await realpath(root)
  const segments = repoPath.split('/')
  let current = rootReal
  for (const segment of segments.slice(0, -1)) {
    current = join(current, segment)
    const stat = await lstat(current).catch(() => null)
    if (stat === null) break
    if (stat.isSymbolicLink()) {
      const target = await realpath(current).catch(() => null)
      if (target === null || !isWithin(rootReal, target)) {
        throw new WriteRejectedError(
          repoPath,
          `${segments.slice(0, segments.indexOf(segment) + 1).join('/')} is a symlink leading outside the workspace`,
        )
      }
    } else if (!stat.isDirectory()) {
      throw new WriteRejectedError(repoPath, `${relative(rootReal, current)} is a file, not a directory`)
    }
  }
  return join(rootReal, ...segments)
}

/** True when `child` is `parent` or inside it (both absolute, already resolved). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}
