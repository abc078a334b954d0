/**
 * src/git/written-paths.ts `symlinksOnPaths` finds a symlinked object fan-out directory however the
 * agent left `objects/`: the check lists `objects/` once, and a listing can fail where a look-up by
 * name does not (a directory the agent made writable and searchable but not readable, mode 0333).
 * Git still writes loose objects through it (it needs only search and write permission), so a missed
 * link lets a checkpoint write onto a host directory of the agent's choosing.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { checkpointWritePaths } from '../../src/git/written-paths.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs) chmodSync(join(dir, 'git', 'objects'), 0o755)
  cleanup(...dirs.splice(0))
})

/** An unprivileged user to run as when the tests run as root (root reads any directory). */
const NOBODY = 65534
const root = process.getuid?.() === 0

/**
 * `symlinksOnPaths(gitDir, checkpointWritePaths(null))` run by a process of the directory's owner, not
 * root. The module is copied into `dir` (readable by all) first: the checkout it comes from may be
 * private to root (a fresh clone under a 0700 temporary directory). It imports only node's modules.
 */
function symlinksAsOwner(dir: string, gitDir: string): string[] {
  const copy = join(dir, 'written-paths.ts')
  copyFileSync(join(import.meta.dirname, '../../src/git/written-paths.ts'), copy)
  chmodSync(copy, 0o644)
  const module = pathToFileURL(copy).href
  const script = `const m = await import(${JSON.stringify(module)})
process.stdout.write(JSON.stringify(await m.symlinksOnPaths(${JSON.stringify(gitDir)}, ${JSON.stringify(checkpointWritePaths(null))})))`
  const node = [process.execPath, '--input-type=module', '-e', script]
  const command = root
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node]
    : node
  return JSON.parse(execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' })) as string[]
}

describe('symlinksOnPaths', () => {
  it('finds a symlinked fan-out directory in an objects/ that cannot be listed', () => {
    const dir = tempDir()
    dirs.push(dir)
    chmodSync(dir, 0o755)
    const objects = join(dir, 'git', 'objects')
    mkdirSync(join(objects, 'pack'), { recursive: true })
    for (let i = 0; i < 40; i++) mkdirSync(join(objects, i.toString(16).padStart(2, '0')))
    mkdirSync(join(dir, 'host'))
    symlinkSync(join(dir, 'host'), join(objects, 'ab'))
    if (root) {
      for (const path of [join(dir, 'git'), objects, join(dir, 'host')]) chownSync(path, NOBODY, NOBODY)
      for (const name of readdirSync(objects)) chownSync(join(objects, name), NOBODY, NOBODY)
    }
    chmodSync(objects, 0o333)
    expect(symlinksAsOwner(dir, join(dir, 'git'))).toEqual(['objects/ab'])
  })
})
