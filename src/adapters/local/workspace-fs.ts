/**
 * File operations confined to a local workspace directory: read, write and delete by repository path,
 * never outside the workspace and never through any `.git` (the workspace's own, a nested
 * repository's, or a worktree's `.git` file), whatever symlinks the workspace holds.
 *
 * A path is resolved the way the kernel does it, one component at a time from the real workspace root:
 * each component that is a symlink is replaced by its target's components (relative to where the walk
 * really is; `..` goes up from there, never lexically), so `a -> b/..` with `b -> .git/hooks` is seen
 * to land in `.git`. Every component met on the way, from the path or from any link target, is checked
 * with `isGitDirName`; an absolute target must lie under the workspace root. File names are bytes
 * (`encodeText`), so non-UTF-8 names reach the file system exactly.
 *
 * Writes go to a temporary file in the target directory that is then renamed over the target: a hard
 * link the agent made to a file elsewhere (say `.git/config`) is replaced, never written through.
 *
 * An agent with a shell can still race these checks (swap a directory for a symlink between the check
 * and the write); only an OS boundary stops that.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  type Stats,
  writeFileSync,
} from 'node:fs'
import { lstat, mkdir, open, readdir, readlink, rename, rm } from 'node:fs/promises'
import { decodeBytes, encodeText } from '../../core/bytes.ts'
import {
  FileNotFoundError,
  GittrixError,
  PathConflictError,
  PathTooLongError,
  WriteRejectedError,
} from '../../core/errors.ts'
import { isGitDirName, MAX_SYMLINK_HOPS } from '../../core/paths.ts'
import { readRegularFile } from '../../core/regular-file.ts'

const SLASH = 0x2f

/** A repository path resolved inside a workspace. */
export interface WorkspaceTarget {
  /** The absolute path the file system is asked for, as bytes. */
  path: Buffer
  /** `lstat` of that path, or `null` when nothing is there yet. */
  stat: Stats | null
  /** The repository path actually reached, after following symlinks (for messages). */
  reached: string
}

/**
 * Resolves repository path `rel` (already normalised) under the real path of `root`. With
 * `followFinal`, a symlink in the last component is followed too (read, write); without, the link
 * itself is the target (delete). Throws `WRITE_REJECTED` (outside the workspace, through `.git`,
 * too many links), `PATH_CONFLICT` (a component that must be a directory is a file),
 * `PATH_TOO_LONG`.
 */
export async function resolveWorkspacePath(
  root: string,
  rel: string,
  options: ResolveOptions,
): Promise<WorkspaceTarget> {
  const direct = resolveDirect(root, rel, options)
  if (direct.target) return direct.target
  return walkWorkspacePath(direct.rootBytes, rel, options)
}

/** Options of {@link resolveWorkspacePath}. */
export interface ResolveOptions {
  /** Follow a symlink in the last component (read, write) instead of naming the link itself (delete). */
  followFinal: boolean
  /**
   * Called with `lstat` of `root` (`null`: missing) before anything is resolved under it; throws to
   * refuse the workspace (e.g. a root replaced by a file or a symlink).
   */
  checkRoot?: (stat: Stats | null) => void
}

/**
 * The common case, without a round trip through the thread pool per component: `lstat` of the root,
 * its real path and `lstat` of every prefix of `rel`, made synchronously (inode metadata only, a few
 * microseconds each on a local file system, where an asynchronous call costs tens of microseconds of
 * thread hand-off; a write needs all of them before it can start). When every directory on the way is
 * a real directory (no symlink) and the last component is missing or no symlink to follow, that is
 * exactly what the component-by-component walk would find, and `target` is the answer; otherwise
 * (`target` absent) the caller walks. Names like `.git` are left to the walk, which refuses them with
 * its message.
 */
function resolveDirect(
  root: string,
  rel: string,
  options: ResolveOptions,
): { rootBytes: Buffer; target?: WorkspaceTarget } {
  const rootStat = lstatSyncOrNull(root)
  options.checkRoot?.(rootStat === undefined ? null : rootStat)
  const rootBytes = encodeText(realpathSync.native(root))
  const parts = splitBytes(encodeText(rel))
  const simple = parts.every((part) => {
    const name = decodeBytes(part)
    return name !== '' && name !== '.' && name !== '..' && !isGitDirName(name)
  })
  if (!simple) return { rootBytes }
  let final: Stats | null = null
  for (let i = 0; i < parts.length; i++) {
    const found = lstatSyncOrNull(joinBytes(rootBytes, parts.slice(0, i + 1)))
    // Another error (`undefined`) is the walk's to report; a missing or odd directory the walk's to handle.
    if (found === undefined) return { rootBytes }
    if (i < parts.length - 1) {
      if (!found?.isDirectory()) return { rootBytes }
    } else if (found?.isSymbolicLink() && options.followFinal) return { rootBytes }
    else final = found
  }
  return { rootBytes, target: { path: joinBytes(rootBytes, parts), stat: final, reached: shown(parts) } }
}

/** `lstat` of `path`: `null` when nothing is there (`ENOENT`), `undefined` on any other error. */
function lstatSyncOrNull(path: string | Buffer): Stats | null | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null
  } catch {
    return undefined
  }
}

/** The component-by-component walk of {@link resolveWorkspacePath} from the real root `rootBytes`. */
async function walkWorkspacePath(
  rootBytes: Buffer,
  rel: string,
  options: ResolveOptions,
): Promise<WorkspaceTarget> {
  const reached: Buffer[] = []
  const full = (extra?: Buffer) => joinBytes(rootBytes, extra ? [...reached, extra] : reached)
  // Components still to walk: the path's own, then (innermost first) what links put in front of them.
  const queue: Buffer[][] = [splitBytes(encodeText(rel))]
  let hops = 0
  let stat: Stats | null = null
  let missing = false
  while (queue.length) {
    const parts = queue[0]!
    const part = parts.shift()
    if (part === undefined) {
      queue.shift()
      continue
    }
    const last = queue.every((q) => q.length === 0)
    const name = decodeBytes(part)
    if (name === '' || name === '.') continue
    if (name === '..') {
      // Only link targets bring `..` (normalised paths have none); below a missing directory the
      // kernel would fail the lookup, so it is refused here rather than resolved by text.
      if (reached.length === 0 || missing)
        throw new WriteRejectedError(rel, 'a symlink on it leads outside the workspace')
      reached.pop()
      stat = null
      continue
    }
    if (isGitDirName(name))
      throw new WriteRejectedError(rel, `it leads into git internals (${shown([...reached, part])})`)
    if (missing) {
      reached.push(part)
      continue
    }
    const here = full(part)
    const found = await lstat(here).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null
      throw fsError(error, rel)
    })
    if (found === null) {
      missing = true
      stat = null
      reached.push(part)
      continue
    }
    if (found.isSymbolicLink() && (!last || options.followFinal)) {
      if (++hops > MAX_SYMLINK_HOPS)
        throw new WriteRejectedError(rel, `more than ${MAX_SYMLINK_HOPS} symlinks on the way`)
      const target = await readlink(here, { encoding: 'buffer' })
      if (target[0] === SLASH) {
        // Absolute: only a target under the real workspace root is followed, from the root.
        if (!startsWithDir(target, rootBytes))
          throw new WriteRejectedError(
            rel,
            `${shown([...reached, part])} is a symlink leading outside the workspace`,
          )
        reached.length = 0
        queue.unshift(splitBytes(target.subarray(rootBytes.length)))
      } else queue.unshift(splitBytes(target))
      continue
    }
    if (!last && !found.isDirectory())
      throw new PathConflictError(rel, `${shown([...reached, part])} is a file, not a directory`)
    reached.push(part)
    stat = found
  }
  if (reached.length === 0) throw new WriteRejectedError(rel, 'it names the workspace root, not a file')
  // After a `..` the entry reached is a directory already walked: look at it again.
  if (!missing && stat === null) stat = await lstat(full()).catch(() => null)
  return { path: full(), stat, reached: shown(reached) }
}

/**
 * The file's bytes, or `null` when it does not exist. Throws as {@link resolveWorkspacePath}, and
 * `FILE_NOT_FOUND` for a directory, FIFO, socket or device (a FIFO is never waited on:
 * src/core/regular-file.ts).
 */
export async function readWorkspaceFile(
  root: string,
  rel: string,
  checkRoot?: ResolveOptions['checkRoot'],
): Promise<Uint8Array | null> {
  const target = await resolveWorkspacePath(root, rel, {
    followFinal: true,
    ...(checkRoot ? { checkRoot } : {}),
  })
  if (!target.stat) return null
  const read = await readRegularFile(target.path).catch((error: unknown) => {
    throw fsError(error, rel)
  })
  if (read.kind === 'missing') return null
  if (read.kind === 'other')
    throw new FileNotFoundError(rel, `the workspace as a file (it is a ${read.type})`)
  return read.bytes
}

/**
 * The first `maxBytes` bytes of the regular file at `rel` (all of it when smaller, as long as it was
 * when opened), read without following a final symlink, or `null` when no regular file is there. The
 * file's type is checked on the opened descriptor (opened non-blocking): a path swapped for a FIFO or
 * a device after it was resolved is not read. Throws as {@link resolveWorkspacePath}.
 */
export async function readWorkspaceFileHead(
  root: string,
  rel: string,
  maxBytes: number,
  checkRoot?: ResolveOptions['checkRoot'],
): Promise<Uint8Array | null> {
  const target = await resolveWorkspacePath(root, rel, {
    followFinal: false,
    ...(checkRoot ? { checkRoot } : {}),
  })
  if (!target.stat?.isFile()) return null
  const read = await readRegularFile(target.path, { maxBytes }).catch((error: unknown) => {
    throw fsError(error, rel)
  })
  return read.kind === 'file' ? read.bytes : null
}

/**
 * Writes `bytes` to `rel` (through a final symlink that stays inside), creating directories: a
 * temporary file next to the target, renamed over it. `executable` sets or clears the mode's execute
 * bits; omitted, an existing file keeps its mode and a new one gets 0644. `checkRoot` as in
 * {@link ResolveOptions}. Throws as {@link resolveWorkspacePath}, `PATH_CONFLICT` when the target is
 * a directory.
 */
export async function writeWorkspaceFile(
  root: string,
  rel: string,
  bytes: Uint8Array,
  options: { executable?: boolean; checkRoot?: ResolveOptions['checkRoot'] } = {},
): Promise<void> {
  const target = await resolveWorkspacePath(root, rel, {
    followFinal: true,
    ...(options.checkRoot ? { checkRoot: options.checkRoot } : {}),
  })
  if (target.stat?.isDirectory()) throw new PathConflictError(rel, 'it is a directory')
  const dir = target.path.subarray(0, target.path.lastIndexOf(SLASH))
  const mode =
    options.executable !== undefined
      ? options.executable
        ? 0o755
        : 0o644
      : target.stat
        ? target.stat.mode & 0o777
        : 0o644
  const temp = Buffer.concat([dir, Buffer.from(`/.gittrix-write-${randomBytes(6).toString('hex')}.tmp`)])
  try {
    if (bytes.byteLength <= SMALL_WRITE_BYTES) writeSmall(dir, temp, bytes, mode, target.path)
    else {
      // The directory is usually there already: made only when creating the file says it is not.
      const file = await open(temp, 'wx', mode).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
        await mkdir(dir, { recursive: true })
        return open(temp, 'wx', mode)
      })
      try {
        // Exact mode whatever the umask; both on the one descriptor, so they need not wait for each other.
        await Promise.all([file.writeFile(bytes), file.chmod(mode)])
      } finally {
        await file.close()
      }
      await rename(temp, target.path)
    }
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {})
    throw fsError(error, rel)
  }
}

/**
 * Content up to this many bytes is written with synchronous calls ({@link writeSmall}); larger content
 * goes through the thread pool, so the event loop never waits on a large write.
 */
export const SMALL_WRITE_BYTES = 64 * 1024

/**
 * The same steps as the asynchronous path (temporary file created exclusively with `mode`, exact mode
 * set, renamed over `target`), made synchronously: for a small file each step is a few microseconds
 * of page-cache work, where a thread-pool round trip costs tens of microseconds, and an agent's write
 * is a handful of them in a row. Nothing waits for the disk (no fsync).
 */
function writeSmall(dir: Buffer, temp: Buffer, bytes: Uint8Array, mode: number, target: Buffer): void {
  let fd: number
  try {
    fd = openSync(temp, 'wx', mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    mkdirSync(dir, { recursive: true })
    fd = openSync(temp, 'wx', mode)
  }
  try {
    writeFileSync(fd, bytes)
    fchmodSync(fd, mode)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, target)
}

/**
 * Deletes the file, symlink (the link, not its target) or directory at `rel`; a missing path is fine.
 * Refuses (`WRITE_REJECTED`) a directory holding a nested repository (any `.git` below it).
 */
export async function deleteWorkspacePath(
  root: string,
  rel: string,
  checkRoot?: ResolveOptions['checkRoot'],
): Promise<void> {
  const target = await resolveWorkspacePath(root, rel, {
    followFinal: false,
    ...(checkRoot ? { checkRoot } : {}),
  })
  if (!target.stat) return
  if (target.stat.isDirectory()) {
    const nested = await findGitEntry(target.path)
    if (nested)
      throw new WriteRejectedError(
        rel,
        `it holds a git repository (${target.reached}/${nested}); delete files inside it instead`,
      )
  }
  await rm(target.path, { recursive: true, force: true }).catch((error: unknown) => {
    throw fsError(error, rel)
  })
}

/** The relative path of the first entry named like `.git` at any depth under `dir` (links not followed), or `null`. */
async function findGitEntry(dir: Buffer, prefix = ''): Promise<string | null> {
  const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' }).catch(() => [])
  for (const entry of entries) {
    const name = decodeBytes(entry.name)
    if (isGitDirName(name)) return `${prefix}${name}`
    if (entry.isDirectory()) {
      const found = await findGitEntry(joinBytes(dir, [entry.name]), `${prefix}${name}/`)
      if (found) return found
    }
  }
  return null
}

/**
 * A file system error of an operation on `rel` as a Gittrix error: `PATH_TOO_LONG` (`ENAMETOOLONG`),
 * `PATH_CONFLICT` (`ENOTDIR`, `EISDIR`, `EEXIST`), `WRITE_REJECTED` (`ELOOP`, `EACCES`, `EPERM`,
 * `EROFS`); anything else unchanged.
 */
export function fsError(error: unknown, rel: string): unknown {
  if (error instanceof GittrixError) return error
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENAMETOOLONG':
      return new PathTooLongError(rel)
    case 'ENOTDIR':
      return new PathConflictError(rel, 'a part of it is a file, not a directory')
    case 'EISDIR':
      return new PathConflictError(rel, 'it is a directory')
    case 'EEXIST':
      return new PathConflictError(rel, 'a file stands where a directory must be')
    case 'ELOOP':
      return new WriteRejectedError(rel, 'too many symlinks on the way')
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new WriteRejectedError(
        rel,
        `the file system refused it (${(error as NodeJS.ErrnoException).code})`,
      )
    default:
      return error
  }
}

function splitBytes(bytes: Uint8Array): Buffer[] {
  const parts: Buffer[] = []
  let start = 0
  for (;;) {
    const slash = bytes.indexOf(SLASH, start)
    const end = slash === -1 ? bytes.length : slash
    parts.push(Buffer.from(bytes.subarray(start, end)))
    if (slash === -1) return parts
    start = slash + 1
  }
}

function joinBytes(root: Buffer, parts: readonly Buffer[]): Buffer {
  const pieces: Buffer[] = [root]
  for (const part of parts) pieces.push(Buffer.of(SLASH), part)
  return Buffer.concat(pieces)
}

/** True when `path` is `dir` or below it (byte prefix ending at a `/`). */
function startsWithDir(path: Buffer, dir: Buffer): boolean {
  return (
    path.length >= dir.length &&
    path.subarray(0, dir.length).equals(dir) &&
    (path.length === dir.length || path[dir.length] === SLASH)
  )
}

function shown(parts: readonly Buffer[]): string {
  return parts.map((p) => decodeBytes(p)).join('/')
}
