/**
 * `scripts/require-node.js` (the `pre` script of `npm run demo`, `app`, `app:register`, `bench`): on a
 * Node older than `engines.node` it prints what to do and exits 1, never a stack trace; otherwise it
 * stays silent. The running Node is compared with a copied script's made-up `engines.node`.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'require-node.js')
const dirs: string[] = []

function check(engines: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gittrix-require-node-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'scripts'))
  cpSync(SCRIPT, join(dir, 'scripts', 'require-node.js'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', engines: { node: engines } }))
  const result = spawnSync(process.execPath, [join(dir, 'scripts', 'require-node.js')], { encoding: 'utf8' })
  return { status: result.status, stderr: result.stderr }
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('scripts/require-node.js', () => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]

  it('is silent on a Node at or above engines.node', () => {
    expect(check(`>=${major}.${minor}.0`)).toEqual({ status: 0, stderr: '' })
    expect(check(`>=${major - 1}.99.99`)).toEqual({ status: 0, stderr: '' })
  })

  it('names the needed Node and .nvmrc, exit 1 without a stack trace, on an older Node', () => {
    for (const engines of [`>=${major + 1}.0.0`, `>=${major}.${minor + 1}.0`]) {
      const result = check(engines)
      expect(result.status, engines).toBe(1)
      expect(result.stderr).toContain(
        `Gittrix needs Node ${engines.slice(2)} or newer; this is Node ${process.versions.node}.`,
      )
      expect(result.stderr).toContain('.nvmrc')
      expect(result.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it('refuses an engines.node it cannot read', () => {
    expect(check('^22').status).toBe(1)
  })
})
