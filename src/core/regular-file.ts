/**
 * Reading a file someone else may have shaped (an agent's workspace, the `.git` it owns) without
 * letting the file's type stop the reader. Opening a FIFO for reading waits for a writer (fifo(7)),
 * and Node runs file-system calls on a pool of four threads (libuv's default `UV_THREADPOOL_SIZE`):
 * four such opens stop every file-system call of the process, for good. So the file is opened with
 * `O_NONBLOCK | O_NOFOLLOW` (which returns at once for a FIFO and refuses a symlink in the last
 * component) and its type is checked on the opened descriptor, which a rename after a `stat` cannot
 * change. `O_NONBLOCK` has no effect on reading a regular file.
 */
import { constants, type PathLike, type Stats } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'

/** What {@link readRegularFile} found: a regular file's bytes, nothing, or another kind of file. */
export type RegularFileRead =
  | {
      kind: 'file'
      /** The first `maxBytes` bytes (all of them without a limit; none with `overMax: 'none'` when larger). */
      bytes: Buffer
      /** The file's whole size in bytes, as `fstat` reported it when opened. */
      size: number
    }
  | { kind: 'missing' }
  | {
      kind: 'other'
      /** What it is instead, for messages: `FIFO`, `socket`, `device`, `directory`, `symlink`. */
      type: string
    }

/**
 * Reads the regular file at `path` (its first `maxBytes` bytes when given; with `overMax: 'none'`, no
 * bytes at all from a larger file), never following a symlink in the last component and never waiting
 * on a FIFO. Returns `missing` when nothing is there (ENOENT, or ENOTDIR: a parent is a file) and
 * `other` for a symlink, FIFO, socket, device or directory. Throws Node's own error for anything else
 * (EACCES, EIO): callers map it to their error codes.
 */
export async function readRegularFile(
  path: PathLike,
  options: { maxBytes?: number; overMax?: 'head' | 'none' } = {},
): Promise<RegularFileRead> {
  let file: FileHandle
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' }
    // ELOOP: the last component is a symlink. ENXIO: a socket (open(2)).
    if (code === 'ELOOP') return { kind: 'other', type: 'symlink' }
    if (code === 'ENXIO') return { kind: 'other', type: 'socket' }
    throw error
  }
  try {
    const stat = await file.stat()
    if (!stat.isFile()) return { kind: 'other', type: typeName(stat) }
    const max = options.maxBytes ?? stat.size
    const size = stat.size > max && options.overMax === 'none' ? 0 : Math.min(max, stat.size)
    const bytes = Buffer.alloc(size)
    let filled = 0
    while (filled < size) {
      const { bytesRead } = await file.read(bytes, filled, size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return { kind: 'file', bytes: bytes.subarray(0, filled), size: stat.size }
  } finally {
    await file.close()
  }
}

function typeName(stat: Stats): string {
  if (stat.isFIFO()) return 'FIFO'
  if (stat.isSocket()) return 'socket'
  if (stat.isDirectory()) return 'directory'
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'device'
  return 'special file'
}
