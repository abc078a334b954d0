/**
 * parseGitTrailers against the real `git interpret-trailers --parse --no-divider` (git's defaults:
 * comment char `#`, no trailer configuration, no user or system config): hand-picked tricky messages
 * and a deterministic random corpus built from the lines that move git's trailer-block decision.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parseGitTrailers } from '../../src/core/git-trailers.ts'
import { rng } from '../github/random.ts'

/** What git prints for `message`, one `key: value` line per trailer. */
function gitParse(message: string): string {
  return execFileSync('git', ['-c', 'core.commentChar=#', 'interpret-trailers', '--parse', '--no-divider'], {
    input: message,
    env: {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
  }).toString('utf8')
}

function ours(message: string): string {
  return parseGitTrailers(message)
    .map((t) => `${t.key}: ${t.value}\n`)
    .join('')
}

const S = 'Gittrix-Session: sess-1'
const B = `Gittrix-Baseline: ${'a'.repeat(40)}`

/** Messages whose reading is easy to get wrong, with what git reads (checked against git below too). */
const TRICKY: Array<[string, string, string]> = [
  ['a plain final block', `subject\n\n${S}\n${B}\n`, `${S}\n${B}\n`],
  ['the title paragraph is never trailers', `${S}\n${B}\n`, ''],
  ['a trailer followed by another paragraph', `subject\n\n${S}\n${B}\n\nMerged.\n`, ''],
  ['a body line in the final block', `subject\n\ntext\n${S}\n${B}\n`, ''],
  [
    'Signed-off-by makes a mixed block count (25%)',
    `subject\n\ntext\nSigned-off-by: A <a>\n${S}\n`,
    `Signed-off-by: A <a>\n${S}\n`,
  ],
  ['trailing comments and blank lines are ignored', `subject\n\n${S}\n${B}\n# comment\n\n\n`, `${S}\n${B}\n`],
  [
    'the scissors line cuts everything after it',
    `subject\n\n${S}\n# ------------------------ >8 ------------------------\n${B}\n`,
    `${S}\n`,
  ],
  ['CRLF line ends: values are trimmed of CR', `subject\r\n\r\n${S}\r\n${B}\r\n`, `${S}\n${B}\n`],
  [
    'a lone CR does not end a line',
    `subject\n\nGittrix-Session: other\r${S}\n${B}\n`,
    `Gittrix-Session: other\r${S}\n${B}\n`,
  ],
  [
    'a folded value is unfolded',
    `subject\n\nGittrix-Session: sess-1\n  continued\n${B}\n`,
    `Gittrix-Session: sess-1 continued\n${B}\n`,
  ],
  ['a value given on the continuation line', `subject\n\nGittrix-Baseline:\n ${'a'.repeat(40)}\n`, `${B}\n`],
  ['blanks before the colon', `subject\n\nGittrix-Session  : sess-1\n`, `Gittrix-Session: sess-1\n`],
  ['a space inside the key is no trailer', `subject\n\nGittrix Session: sess-1\n`, ''],
  ['a --- line is text (no divider in commit messages)', `subject\n\n${S}\n---\n${B}\n`, ''],
  ['vertical tab and form feed are not blanks to git', `subject\n\n\u000b\n${S}\n`, ''],
  ['duplicated keys are all kept', `subject\n\n${S}\n${S}\n`, `${S}\n${S}\n`],
  [
    'lower-case keys are kept as written',
    `subject\n\ngittrix-session: sess-1\n`,
    `gittrix-session: sess-1\n`,
  ],
  ['an old Conflicts block is ignored', `subject\n\n${S}\n\nConflicts:\n\tsrc/a.ts\n`, `${S}\n`],
  ['a NUL hides the rest from git: no trailers', `subject\n\n${S}\u0000\n${B}\n`, ''],
]

describe('parseGitTrailers reads what git reads', () => {
  it.each(TRICKY)('%s', (_name, message, expected) => {
    expect(ours(message)).toBe(expected)
    // git stops at NUL (and refuses it on stdin in some versions): compare only NUL-free messages.
    if (!message.includes('\0')) expect(gitParse(message)).toBe(expected)
  })

  it('agrees with git on 300 random messages made of the lines that matter', () => {
    const lines = [
      S,
      B,
      'gittrix-session:sess-2',
      'Key : v',
      'Key\t: v',
      ' continued',
      '\tcontinued',
      '',
      ' ',
      '\t',
      '#comment',
      '# ------------------------ >8 ------------------------',
      'Conflicts:',
      '\tpath',
      'text line',
      'Signed-off-by: A <a@example.com>',
      '(cherry picked from commit 0123456)',
      'a b: c',
      ':x',
      '-: y',
      'K:',
      'K:   ',
      'V\u000b: x',
      'K: v\r',
      '\r',
      'K: a\fb',
      '---',
      '--- x',
      'Ключ: v',
      'K: é',
    ]
    const random = rng(20260101)
    const mismatches: string[] = []
    for (let n = 0; n < 300; n++) {
      const count = 1 + Math.floor(random() * 8)
      const picked = Array.from({ length: count }, () => lines[Math.floor(random() * lines.length)]!)
      let message = picked.join(random() < 0.15 ? '\r\n' : '\n')
      if (random() < 0.7) message += '\n'
      if (gitParse(message) !== ours(message)) mismatches.push(JSON.stringify(message))
    }
    expect(mismatches).toEqual([])
  })
})
