/**
 * `gittrix review <id> [--no-open]`: serves the session's review page on 127.0.0.1 (src/review/server.ts)
 * until Ctrl-C, prints its URL, and opens it in the browser when there is one.
 */
import open from 'open'
import { handleSignalsWhile } from '../../process/signals.ts'
import { startReviewServer } from '../../review/server.ts'
import type { CliContext } from '../context.ts'
import { type CommandResult, stderr } from '../output.ts'
import { withCliSession } from './with-session.ts'

/** Options of `gittrix review`. */
export interface ReviewPageOptions {
  /** Open the page in the browser (default true; `--no-open` prints the URL only). */
  open?: boolean
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number
}

/**
 * Runs the review server for session `id` until SIGINT or SIGTERM, then closes it. Prints the URL
 * first (text: `Review page: <url>`; `--json`: one document `{"ok":true,"data":{"id","url"}}` right
 * away, nothing after), and notes each promotion and discard on stderr. Throws `SESSION_NOT_FOUND`,
 * `CAPABILITY_MISSING` (not a local session), `ADAPTER_UNAVAILABLE` (page assets missing), and what
 * listening on the port throws.
 */
export async function reviewPageCommand(
  ctx: CliContext,
  id: string,
  opts: ReviewPageOptions,
): Promise<CommandResult> {
  return withCliSession(ctx, id, async ({ gittrix, session }) => {
    const server = await startReviewServer({
      gittrix,
      sessionId: session.id,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      log: (line) => stderr(ctx.io, `gittrix review: ${line}\n`),
    })
    const data = { id: session.id, url: server.url }
    if (ctx.json) ctx.io.stdout(`${JSON.stringify({ ok: true, data }, null, 2)}\n`)
    else ctx.io.stdout(`Review page: ${server.url}\nPress Ctrl-C to stop.\n`)
    if (opts.open !== false) openBrowser(ctx, server.url)
    let stop: () => void = () => {}
    const stopped = new Promise<void>((resolve) => (stop = resolve))
    await handleSignalsWhile(
      ['SIGINT', 'SIGTERM'],
      () => stop(),
      () => stopped,
    )
    await server.close()
    return { data, text: '', printed: true }
  })
}

/**
 * Opens `url` with the system's opener (the `open` package: `xdg-open` on Linux, `open` on macOS,
 * `start` on Windows, https://github.com/sindresorhus/open). On Linux without `DISPLAY` or
 * `WAYLAND_DISPLAY` there is no browser to show it: only a note. A failing opener is a note too; the
 * printed URL still works.
 */
function openBrowser(ctx: CliContext, url: string): void {
  const env = ctx.io.env
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    ctx.warn('no display to open a browser on; open the URL above yourself')
    return
  }
  const failed = () => ctx.warn('could not open a browser; open the URL above yourself')
  open(url)
    .then((child) => child.on('error', failed))
    .catch(failed)
}
