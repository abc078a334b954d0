/**
 * Workspace file commands: `read`, `write` (content from stdin), `rm`, `files`. They act on the
 * session's ephemeral workspace only; nothing here writes the durable repository.
 */
import { normalizeRepoDir } from '../../core/paths.ts'
import type { CliContext } from '../context.ts'
import { formatChanges, shownPath } from '../format.ts'
import type { CommandResult } from '../output.ts'
import { cliPath } from '../parse.ts'
import { withCliSession } from './with-session.ts'

/**
 * `gittrix read <id> <path>`: the file's bytes on stdout. Data: `{ path, size, encoding: 'utf8' |
 * 'base64', content }` (base64 when the bytes are not valid UTF-8). Throws `FILE_NOT_FOUND`,
 * `WRITE_REJECTED` (unsafe path).
 */
export async function readCommand(ctx: CliContext, id: string, path: string): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const bytes = await session.read(cliPath(path))
    const utf8 = decodeUtf8(bytes)
    const data =
      utf8 === null
        ? { path, size: bytes.length, encoding: 'base64', content: Buffer.from(bytes).toString('base64') }
        : { path, size: bytes.length, encoding: 'utf8', content: utf8 }
    return { data, text: bytes }
  })
}

/**
 * `gittrix write <id> <path> [--executable | --no-executable]`: stdin becomes the file's content.
 * Data: `{ path, size }`. Throws `WRITE_REJECTED`, `SESSION_EXPIRED`.
 */
export async function writeCommand(
  ctx: CliContext,
  id: string,
  path: string,
  opts: { executable?: boolean },
): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    const content = await ctx.io.readStdin()
    await session.write(
      cliPath(path),
      content,
      opts.executable === undefined ? {} : { executable: opts.executable },
    )
    return { data: { path, size: content.length }, text: `Wrote ${content.length} bytes to ${path}.` }
  })
}

/** `gittrix rm <id> <path>`: deletes a file or directory in the workspace. Data: `{ path }`. */
export async function rmCommand(ctx: CliContext, id: string, path: string): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ session }) => {
    await session.delete(cliPath(path))
    return { data: { path }, text: `Deleted ${path}.` }
  })
}

/**
 * `gittrix files <id> [dir] [--all]`: the touched files (`A`/`M`/`D` and path) under `dir`, or with
 * `--all` every file of the workspace under `dir`. Data: touched `[{ path, status, oldMode, newMode,
 * oldOid, newOid }]`, or with `--all` `[{ path, type: 'file' | 'symlink' }]`.
 */
export async function filesCommand(
  ctx: CliContext,
  id: string,
  dir: string | undefined,
  opts: { all?: boolean },
): Promise<CommandResult> {
  const prefix = normalizeRepoDir(dir === undefined ? undefined : cliPath(dir))
  return withCliSession(ctx, id, async ({ session }) => {
    if (opts.all) {
      const entries = await session.list(prefix, { recursive: true })
      return { data: entries, text: entries.map((e) => shownPath(e.path)).join('\n') }
    }
    const under = (path: string) => !prefix || path === prefix || path.startsWith(`${prefix}/`)
    const changes = (await session.touchedFiles()).filter((c) => under(c.path))
    return { data: changes, text: formatChanges(changes) }
  })
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}
