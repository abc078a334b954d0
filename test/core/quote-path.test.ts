/**
 * `quoteGitPath` against git itself: every name is quoted exactly as `git ls-files` prints it with
 * `core.quotePath=true` (the diff headers and `Binary files … differ` lines Gittrix renders must be the
 * ones git prints, or a patch would not apply and a review would not match a stored diff).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { decodeBytes } from '../../src/core/bytes.ts'
import { quoteGitPath } from '../../src/core/patch.ts'
import { cleanup, git, tempDir } from '../support/git-fixtures.ts'

const dir = tempDir('gittrix-quote-')
afterAll(() => cleanup(dir))

it('quotes every name as git does, printable ASCII left as it is', () => {
  const names = [
    'plain.txt',
    'sp ace.txt',
    'punct !#$%&()*+,-.;<=>?@[]^_`{|}~.txt',
    "apos'trophe.txt",
    'quo"te.txt',
    'back\\slash.txt',
    'tab\there.txt',
    'new\nline.txt',
    'bell\x07.txt',
    'del\x7f.txt',
    'café.txt',
    '日本語.txt',
  ]
  git(dir, 'init', '-q')
  for (const name of names) writeFileSync(join(dir, name), 'x\n')
  writeFileSync(Buffer.from(join(dir, 'latin1-caf\xe9.txt'), 'latin1'), 'x\n')
  git(dir, 'add', '-A')
  const listed = git(dir, '-c', 'core.quotePath=true', 'ls-files').split('\n').filter(Boolean).sort()
  const ours = [...names, decodeBytes(Buffer.from('latin1-caf\xe9.txt', 'latin1'))].map(quoteGitPath).sort()
  expect(ours).toEqual(listed)
  // Names with nothing to quote come back unchanged; the others are quoted.
  expect(quoteGitPath('punct !#$%&()*+,-.;<=>?@[]^_`{|}~.txt')).toBe('punct !#$%&()*+,-.;<=>?@[]^_`{|}~.txt')
  expect(quoteGitPath('quo"te.txt')).toBe('"quo\\"te.txt"')
  expect(quoteGitPath('back\\slash.txt')).toBe('"back\\\\slash.txt"')
})
