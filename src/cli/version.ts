/**
 * Where the installed Gittrix package lives and which version it is, found by walking up from this
 * file to the `gittrix` package.json (so it works from `src/` and from the built `dist/src/`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The directory of the `gittrix` package.json above this file, or `null`. */
export function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string }
      if (pkg.name === 'gittrix') return dir
    }
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

/** The `version` of the `gittrix` package, or `unknown`. */
export function packageVersion(): string {
  const root = packageRoot()
  if (!root) return 'unknown'
  return (
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
    'unknown'
  )
}
