/**
 * The README's error table lists exactly the codes the library throws (`ERROR_CODES`), each once.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../src/index.ts'

describe('README error table', () => {
  it('documents every error code, and no other', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## How promotion works'))
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!))
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort())
    expect(new Set(documented).size).toBe(documented.length)
  })
})
