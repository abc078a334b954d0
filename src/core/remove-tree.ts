/**
 * Removing a workspace or a session directory: bounded memory, and never led outside it by a symlink
 * that replaces a directory while the removal runs (an agent may still be running in the workspace).
 *
 * Node 24's `fs.promises.rm(path, { recursive: true })` starts the removal of every directory at once
 * (lib/internal/fs/rimraf.js: each directory's entries go to one `Promise.all`, recursively): deleting
 * a 100,000-file checkout peaked at 302 MiB here. Any path-based walk in JS (Node has no `unlinkat`)
 * can also be steered: a directory checked, then swapped for a symlink before it is listed, has the
 * link's target emptied. The system's `rm -rf` walks with `fts` and directory descriptors (GNU
 * coreutils: `openat` with `O_NOFOLLOW`, `unlinkat`; the BSDs' and macOS's the same way), in a few MiB.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'

/** The system's `rm`, by absolute path (never looked up on `PATH`), or `null` where there is none. */
const SYSTEM_RM = ['/bin/rm', '/usr/bin/rm'].find((path) => existsSync(path)) ?? null

/**
 * Removes `path` and everything below it, as `rm -rf -- <path>` does: a missing path is fine, a file
 * or a symlink is unlinked (a symlink is never followed, at the top or below), a directory is emptied
 * and removed. Runs the system's `rm` (see the module comment; arguments passed as a list, never
 * through a shell, with an empty environment); where there is none (Windows), `fs.promises.rm`.
 * Throws an `Error` with `rm`'s own message when something is left (`Permission denied`, `Device or
 * resource busy`).
 */
export async function removeTree(path: string): Promise<void> {
  const target = isAbsolute(path) ? path : resolve(path)
  if (!SYSTEM_RM) {
    await rm(target, { recursive: true, force: true })
    return
  }
  await new Promise<void>((done, fail) => {
    execFile(
      SYSTEM_RM,
      ['-rf', '--', target],
      { env: { LC_ALL: 'C' }, maxBuffer: 1024 * 1024, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) return done()
        const said = String(stderr).trim().split('\n').slice(0, 3).join('; ')
        fail(new Error(`Could not remove ${target}: ${said || error.message}`, { cause: error }))
      },
    )
  })
}
