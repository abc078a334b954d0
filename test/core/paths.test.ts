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
    '..\\x',
    'a\\..\\..\\x',
    '.git\\config',
    '\\\\server\\share',
    'git~1/config',
    'GIT~1',
    '.git::$INDEX_ALLOCATION/config',
    '.g\u200cit/config',
    '.\ufeffgit',
    'x/\ud800',
  ])('rejects %j with WRITE_REJECTED', (path) => {
    expect(rejected(path)).toBe(true)
  })

  it('keeps backslashes and non-UTF-8 bytes inside names (a Shift-JIS trail byte is 0x5C)', () => {
    expect(normalizeRepoPath('a\\b')).toBe('a\\b')
    expect(normalizeRepoPath('\udc95\\.txt')).toBe('\udc95\\.txt')
    expect(normalizeRepoPath('caf\udce9/x')).toBe('caf\udce9/x')
    // Escaped bytes that form UTF-8 are the same path as the text.
    expect(normalizeRepoPath('\udcc3\udca9.txt')).toBe('é.txt')
    expect(normalizeRepoPath('.gitx/git~2/.git-keep')).toBe('.gitx/git~2/.git-keep')
  })

  it('names a segment longer than 255 bytes PATH_TOO_LONG', () => {
    expect(() => normalizeRepoPath(`dir/${'é'.repeat(128)}`)).toThrow(
      expect.objectContaining({ code: 'PATH_TOO_LONG' }),
    )
    expect(normalizeRepoPath(`dir/${'x'.repeat(255)}`)).toBe(`dir/${'x'.repeat(255)}`)
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
