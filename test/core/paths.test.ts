import { describe, expect, it } from 'vitest'
import { normalizeRepoDir, normalizeRepoPath, symlinkStaysInside } from '../../src/core/paths.ts'
import { isGittrixError } from '../../src/index.ts'

function rejected(path: string): boolean {
  try {
    normalizeRepoPath(path)
    return false
  } catch (error) {
    return isGittrixError(error, 'WRITE_REJECTED')
  }
}

describe('normalizeRepoPath', () => {
  it('normalises harmless spellings', () => {
    expect(normalizeRepoPath('a//b/./c.txt')).toBe('a/b/c.txt')
    expect(normalizeRepoPath('./README.md')).toBe('README.md')
    expect(normalizeRepoPath('dir/')).toBe('dir')
    expect(normalizeRepoPath('café/naïve.txt')).toBe('café/naïve.txt')
    expect(normalizeRepoPath('.github/workflows/ci.yml')).toBe('.github/workflows/ci.yml')
    expect(normalizeRepoPath('.gitignore')).toBe('.gitignore')
    expect(normalizeRepoPath('a/.git-keep')).toBe('a/.git-keep')
  })

  it.each([
    '',
    '.',
    '/etc/passwd',
    'C:/Windows',
    'c:evil',
    '../x',
    'a/../../x',
    'a/..',
    '.git/config',
    'sub/.GIT/hooks/pre-commit',
    '.git./config',
    '.git /x',
    'a\0b',
    'a\\b',
  ])('rejects %j with WRITE_REJECTED', (path) => {
    expect(rejected(path)).toBe(true)
  })

  it('treats empty and dot directories as the root', () => {
    expect(normalizeRepoDir(undefined)).toBe('')
    expect(normalizeRepoDir('.')).toBe('')
    expect(normalizeRepoDir('./')).toBe('')
    expect(normalizeRepoDir('src/')).toBe('src')
  })
})

describe('symlinkStaysInside', () => {
  it('accepts targets inside the repository', () => {
    expect(symlinkStaysInside('link', 'README.md')).toBe(true)
    expect(symlinkStaysInside('a/b/link', '../../c')).toBe(true)
    expect(symlinkStaysInside('a/link', './x/../y')).toBe(true)
  })
  it('refuses absolute targets and escapes', () => {
    expect(symlinkStaysInside('link', '/etc/passwd')).toBe(false)
    expect(symlinkStaysInside('link', '../outside')).toBe(false)
    expect(symlinkStaysInside('a/link', '../../outside')).toBe(false)
    expect(symlinkStaysInside('a/link', 'x/../../../y')).toBe(false)
  })
})
