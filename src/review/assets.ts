/**
 * The files a review page loads, by the URL path the server serves them under: the page's own HTML,
 * script and style (src/review/assets/), and diff2html's browser bundle and style with highlight.js's
 * theme, read from node_modules (no CDN: the page works offline). A fixed table: no request path is
 * ever joined onto a directory.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { GittrixError } from '../core/errors.ts'
import { packageRoot } from '../cli/version.ts'

/** One servable file: where it lives on disk and its `Content-Type`. */
interface AssetFile {
  file: string
  type: string
}

const HTML = 'text/html; charset=utf-8'
const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

/**
 * The asset table: URL path (after the token) → file. The page's own files live in
 * `src/review/assets/` of the package (shipped as they are, see package.json `files`); diff2html's
 * bundle comes from its package (https://github.com/rtfpessoa/diff2html#distributions), and
 * highlight.js (diff2html's optional dependency) from beside it. Throws `ADAPTER_UNAVAILABLE` when the
 * package or diff2html cannot be found.
 */
export function assetTable(): Map<string, AssetFile> {
  const root = packageRoot()
  if (!root)
    throw new GittrixError(
      'ADAPTER_UNAVAILABLE',
      'Cannot find the gittrix package to serve the review page from.',
    )
  const own = join(root, 'src', 'review', 'assets')
  const require = createRequire(join(root, 'package.json'))
  let diff2html: string
  try {
    diff2html = dirname(require.resolve('diff2html/package.json'))
  } catch {
    throw new GittrixError(
      'ADAPTER_UNAVAILABLE',
      'gittrix review needs the diff2html package, which is not installed: reinstall gittrix (npm install).',
    )
  }
  const table = new Map<string, AssetFile>([
    ['/', { file: join(own, 'index.html'), type: HTML }],
    ['/assets/review.js', { file: join(own, 'review.js'), type: JS }],
    ['/assets/review.css', { file: join(own, 'review.css'), type: CSS }],
    ['/assets/icon.svg', { file: join(own, 'icon.svg'), type: 'image/svg+xml' }],
    [
      '/vendor/diff2html-ui.js',
      { file: join(diff2html, 'bundles', 'js', 'diff2html-ui-slim.min.js'), type: JS },
    ],
    ['/vendor/diff2html.css', { file: join(diff2html, 'bundles', 'css', 'diff2html.min.css'), type: CSS }],
  ])
  try {
    const hljs = createRequire(join(diff2html, 'package.json')).resolve('highlight.js/styles/github.min.css')
    table.set('/vendor/highlight.css', { file: hljs, type: CSS })
  } catch {
    // highlight.js is optional for diff2html: without its theme the code is shown uncoloured.
  }
  return table
}

/** Reads asset `path` of `table`: its bytes and type, or `null` when the table has no such path. */
export async function readAsset(
  table: Map<string, AssetFile>,
  path: string,
): Promise<{ body: Buffer; type: string } | null> {
  const asset = table.get(path)
  if (!asset) return null
  return { body: await readFile(asset.file), type: asset.type }
}
