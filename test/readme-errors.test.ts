/**
 * The error table in docs/library.md lists exactly the codes the library throws (`ERROR_CODES`), each once.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../src/index.ts'

describe('docs/library.md error table', () => {
  it('documents every error code, and no other', () => {
    const docs = readFileSync(new URL('../docs/library.md', import.meta.url), 'utf8')
    const start = docs.indexOf('\n## Errors\n')
    expect(start, 'docs/library.md has a "## Errors" section').toBeGreaterThanOrEqual(0)
    const end = docs.indexOf('\n## ', start + 1)
    const section = docs.slice(start, end === -1 ? undefined : end)
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!))
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort())
    expect(new Set(documented).size).toBe(documented.length)
  })
})
