/**
 * Path safety (docs/architecture.md#invariants, 8): every path an agent or a selector names is checked here
 * before it touches a workspace or a durable tree.
 *
 * Paths are strings that may carry non-UTF-8 bytes as escaped surrogates (see bytes.ts). A path never
 * names git internals: no segment is `.git` in any case, nor an alias that a file system folds onto
 * `.git` and git itself refuses (`.git.`, `.git `, `git~1`, `.git::$INDEX_ALLOCATION` on NTFS;
 * `.g\u200cit` with Unicode ignorables on HFS+). Source: git's `verify_path` in read-cache.c,
 * `is_ntfs_dotgit` in path.c and `is_hfs_dotgit` / `next_hfs_char` in utf8.c.
 */
import { isAbsolute, posix, relative, sep } from 'node:path'
import { canonicalText, decodeBytes, encodeText, isEncodable } from './bytes.ts'
import { PathTooLongError, WriteRejectedError } from './errors.ts'

/** Code points HFS+ ignores when it compares names (git's `next_hfs_char`). */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g

/** `.git` or NTFS's short name `git~1`, then only dots and spaces, or an NTFS stream suffix (`:…`). */
const NTFS_DOTGIT = /^(\.git|git~1)[. ]*(:.*)?$/i

/** The longest file name (one path segment) local file systems take, in bytes (Linux `NAME_MAX`). */
export const MAX_SEGMENT_BYTES = 255

/**
 * True when a path segment names git's own directory on some file system git supports: `.git` in any
 * case, with trailing dots or spaces, an NTFS stream suffix or 8.3 short name (`git~1`), or Unicode
 * ignorables HFS+ drops (`.g\u200cit`). A backslash splits a segment on Windows, so each piece counts.
 */
export function isGitDirName(segment: string): boolean {
  return segment.split('\\').some((piece) => NTFS_DOTGIT.test(piece.replace(HFS_IGNORABLE, '')))
}

/**
 * Normalises a repository-relative path (`a//b/./c` → `a/b/c`) or throws `WRITE_REJECTED` for:
 * empty paths, NUL bytes, surrogates that stand for no byte, absolute paths (POSIX, Windows drive,
 * UNC or a leading backslash), `..` segments (also between backslashes, which Windows splits on),
 * and any segment naming git internals ({@link isGitDirName}). Throws `PATH_TOO_LONG` for a segment
 * longer than {@link MAX_SEGMENT_BYTES} bytes. A backslash inside a name is kept: on POSIX it is an
 * ordinary byte (the second byte of many Shift-JIS characters is 0x5C).
 */
export function normalizeRepoPath(input: string): string {
  if (typeof input !== 'string' || input.length === 0)
    throw new WriteRejectedError(String(input), 'the path is empty')
  if (input.includes('\0')) throw new WriteRejectedError(input, 'the path contains a NUL byte')
  if (!isEncodable(input))
    throw new WriteRejectedError(input, 'the path holds a lone surrogate that stands for no byte')
  if (input.startsWith('/') || input.startsWith('\\') || /^[a-zA-Z]:/.test(input) || isAbsolute(input)) {
    throw new WriteRejectedError(
      input,
      'absolute paths are not allowed; use a path relative to the repository root',
    )
  }
  const segments: string[] = []
  for (const segment of canonicalText(input).split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..' || segment.split('\\').includes('..'))
      throw new WriteRejectedError(input, '".." would leave the workspace')
    if (isGitDirName(segment)) throw new WriteRejectedError(input, 'git internals (.git) are off limits')
    if (encodeText(segment).length > MAX_SEGMENT_BYTES) throw new PathTooLongError(input, MAX_SEGMENT_BYTES)
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

/**
 * Returns `path` when it is already what {@link normalizeRepoPath} makes of it; otherwise throws
 * `WRITE_REJECTED` (or `PATH_TOO_LONG`). For paths read from a remote tree or handed to a remote
 * write, where `a//b`, `./a` or `a/../b` are not spellings to tidy up but content nobody checked.
 */
export function assertCanonicalRepoPath(path: string): string {
  if (normalizeRepoPath(path) !== path)
    throw new WriteRejectedError(path, 'it is not a canonical repository path (empty, "." or ".." segments)')
  return path
}

/** Symlinks followed in a row before a read gives up (Linux's `MAXSYMLINKS` is 40). */
export const MAX_SYMLINK_HOPS = 40

/**
 * Reads `path` from a stored tree through `lookup` (one path → its bytes and mode, or `null`),
 * following symlinks (mode `120000`) that stay inside the tree, as a file system would. Resolves the
 * file's bytes, or `null` when a path on the way does not exist. Throws `WRITE_REJECTED` for a symlink
 * leading outside the tree or into `.git`, or more than {@link MAX_SYMLINK_HOPS} in a row.
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
    const target = decodeBytes(file.bytes)
    if (!symlinkStaysInside(rel, target))
      throw new WriteRejectedError(rel, `it is a symlink to ${JSON.stringify(target)}, outside the workspace`)
    rel = normalizeRepoPath(posix.join(posix.dirname(rel), target))
  }
  throw new WriteRejectedError(path, `more than ${MAX_SYMLINK_HOPS} symlinks in a row`)
}

/**
 * True when a symlink stored at `linkPath` with target `target` stays inside the repository, judged
 * on the text alone (no other link followed). Absolute targets never do.
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
 * Where a symlink stored at `linkPath` with `target` leads inside a tree, followed the way a file
 * system resolves it: one component at a time, each one that is itself a symlink in the tree
 * (`readLink(path)` resolves its target, or `null` for anything else or nothing) followed in turn,
 * `..` going up from where the walk really is. Resolves `null` when the link stays inside the tree
 * and never passes through git internals, else the reason: `outside` (absolute, or above the root),
 * `git` (a segment naming `.git`, see {@link isGitDirName}) or `loop` (more than
 * {@link MAX_SYMLINK_HOPS} links).
 */
export async function symlinkEscape(
  linkPath: string,
  target: string,
  readLink: (path: string) => Promise<string | null>,
): Promise<'outside' | 'git' | 'loop' | null> {
  const at = linkPath.split('/').slice(0, -1)
  const absolute = (text: string) =>
    text.startsWith('/') || text.startsWith('\\') || /^[a-zA-Z]:/.test(text) || text.includes('\0')
  if (absolute(target)) return 'outside'
  // Segments still to walk, innermost link first.
  const queue: string[][] = [target.split('/')]
  let hops = 0
  while (queue.length) {
    const segments = queue[0]!
    const segment = segments.shift()
    if (segment === undefined) {
      queue.shift()
      continue
    }
    if (segment === '' || segment === '.') continue
    if (segment === '..' || segment.split('\\').includes('..')) {
      if (at.length === 0) return 'outside'
      at.pop()
      continue
    }
    if (isGitDirName(segment)) return 'git'
    const link = await readLink([...at, segment].join('/'))
    if (link === null) {
      at.push(segment)
      continue
    }
    if (++hops > MAX_SYMLINK_HOPS) return 'loop'
    if (absolute(link)) return 'outside'
    // The link's target replaces it; the rest of the path continues after it, from where it leads.
    queue.unshift(link.split('/'))
  }
  return null
}

/** True when `child` is `parent` or inside it (both absolute, already resolved). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}
