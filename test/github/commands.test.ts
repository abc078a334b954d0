import { describe, expect, it } from 'vitest'
import {
  COMMAND_HELP,
  COMMAND_NAMES,
  type CommandParseResult,
  commandNeedsWrite,
  type GittrixCommand,
  helpText,
  parseCommand,
  tokenize,
} from '../../src/github/index.ts'
import { int, nastyString, pick, rng } from './random.ts'

const ID = 'sess_abcdefghij23'

function command(body: string): GittrixCommand {
  const result = parseCommand(body)
  if (!result.ok)
    throw new Error(`expected a command for ${JSON.stringify(body)}, got ${JSON.stringify(result)}`)
  return result.command
}

function usageOf(body: string): string {
  const result = parseCommand(body)
  if (result.ok || result.kind !== 'usage')
    throw new Error(`expected usage for ${JSON.stringify(body)}, got ${JSON.stringify(result)}`)
  return result.usage
}

const promote = (fields: Partial<Extract<GittrixCommand, { name: 'promote' }>>) => ({
  name: 'promote',
  sessionId: null,
  selector: { mode: 'all' },
  strategy: null,
  branch: null,
  message: null,
  at: null,
  ...fields,
})

describe('tokenize', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    ['"a b" c', ['a b', 'c']],
    ["'a b' c", ['a b', 'c']],
    ['"say \\"hi\\""', ['say "hi"']],
    ["'it\\'s'", ["it's"]],
    ['"it\'s"', ["it's"]],
    ['\'say "hi"\'', ['say "hi"']],
    ['a"b c"d', ['ab cd']],
    ['a\\ b', ['a b']],
    ['"back\\\\slash"', ['back\\slash']],
    ['keep\\nbackslash', ['keep\\nbackslash']],
    ['""', ['']],
    ['\ta\t', ['a']],
  ])('%s', (line, words) => {
    const result = tokenize(line)
    expect(result.ok && result.value.map((t) => t.text)).toEqual(words)
  })

  it('marks quoted words so "--pr" is not a flag', () => {
    const result = tokenize('--pr "--pr"')
    expect(result.ok && result.value.map((t) => t.quoted)).toEqual([false, true])
  })

  it.each(['"open', "'open", '"a\\"', "a 'b"])('fails on an unterminated quote: %s', (line) => {
    expect(tokenize(line)).toEqual({ ok: false, reason: expect.stringMatching(/unterminated/) })
  })
})

describe('parseCommand: good input', () => {
  it.each<[string, string, object]>([
    ['promote, everything by default', '/gittrix promote', promote({})],
    ['promote all', '/gittrix promote all', promote({})],
    ['promote with id', `/gittrix promote ${ID} all`, promote({ sessionId: ID })],
    [
      'promote paths and globs',
      `/gittrix promote ${ID} src/a.ts "docs/**/*.md" ./b//c.ts`,
      promote({ sessionId: ID, selector: { mode: 'files', files: ['src/a.ts', 'docs/**/*.md', 'b/c.ts'] } }),
    ],
    [
      'promote dedupes paths',
      '/gittrix promote a.ts ./a.ts',
      promote({ selector: { mode: 'files', files: ['a.ts'] } }),
    ],
    [
      'promote hunks of a file, with a whole file',
      '/gittrix promote src/a.ts#1a2b3c4d,0000ffff ./b.ts#deadbeef docs/x.md',
      promote({
        selector: {
          mode: 'hunks',
          hunks: [
            { path: 'src/a.ts', ids: ['1a2b3c4d', '0000ffff'] },
            { path: 'b.ts', ids: ['deadbeef'] },
          ],
          files: ['docs/x.md'],
        },
      }),
    ],
    [
      'promote parts of a hunk (split)',
      '/gittrix promote src/a.ts#1a2b3c4d.1,1a2b3c4d.3',
      promote({
        selector: { mode: 'hunks', hunks: [{ path: 'src/a.ts', ids: ['1a2b3c4d.1', '1a2b3c4d.3'] }] },
      }),
    ],
    [
      'promote a quoted path#id is a path',
      '/gittrix promote "a.ts#1a2b3c4d"',
      promote({ selector: { mode: 'files', files: ['a.ts#1a2b3c4d'] } }),
    ],
    [
      'promote path#word that is no id is a path',
      '/gittrix promote notes#todo',
      promote({ selector: { mode: 'files', files: ['notes#todo'] } }),
    ],
    ['promote --pr', '/gittrix promote --pr', promote({ strategy: 'pr' })],
    ['promote --commit', '/gittrix promote all --commit', promote({ strategy: 'commit' })],
    ['promote --patch', '/gittrix promote --patch', promote({ strategy: 'patch' })],
    [
      'promote --branch name',
      '/gittrix promote --branch feature/x',
      promote({ strategy: 'branch', branch: 'feature/x' }),
    ],
    [
      'promote --branch=name',
      '/gittrix promote --branch=feature/x',
      promote({ strategy: 'branch', branch: 'feature/x' }),
    ],
    ['promote -m', '/gittrix promote -m "Fix the \\"parser\\""', promote({ message: 'Fix the "parser"' })],
    ['promote single-quoted -m', "/gittrix promote -m 'It\\'s fixed'", promote({ message: "It's fixed" })],
    ['promote --message=', '/gittrix promote --message="two words"', promote({ message: 'two words' })],
    [
      'promote -m before paths',
      '/gittrix promote -m x a.ts',
      promote({ message: 'x', selector: { mode: 'files', files: ['a.ts'] } }),
    ],
    [
      'promote -- then dash path',
      '/gittrix promote -- -weird.txt',
      promote({ selector: { mode: 'files', files: ['-weird.txt'] } }),
    ],
    [
      'promote quoted dash path',
      '/gittrix promote "--pr"',
      promote({ selector: { mode: 'files', files: ['--pr'] } }),
    ],
    [
      'promote quoted "all" is a path',
      '/gittrix promote "all"',
      promote({ selector: { mode: 'files', files: ['all'] } }),
    ],
    [
      'promote -m message starting with a dash, quoted',
      '/gittrix promote -m "-1 bug"',
      promote({ message: '-1 bug' }),
    ],
    ['tabs and leading spaces', '  /gittrix\tpromote\t--pr', promote({ strategy: 'pr' })],
    ['three leading spaces (still a paragraph)', '   /gittrix promote --pr', promote({ strategy: 'pr' })],
    [
      'only the first line counts',
      '/gittrix promote --pr\n/gittrix discard\n--commit',
      promote({ strategy: 'pr' }),
    ],
    ['CRLF first line', '/gittrix promote --pr\r\nmore', promote({ strategy: 'pr' })],
    ['promote a reviewed head', '/gittrix promote @0123abc', promote({ at: '0123abc' })],
    [
      'promote id, reviewed head, paths, strategy',
      `/gittrix promote ${ID} @${'a'.repeat(40)} src/a.ts --pr`,
      promote({
        sessionId: ID,
        at: 'a'.repeat(40),
        strategy: 'pr',
        selector: { mode: 'files', files: ['src/a.ts'] },
      }),
    ],
    ['reviewed head after "all"', '/gittrix promote all @abcdef1', promote({ at: 'abcdef1' })],
    [
      'a quoted @ word is a path',
      '/gittrix promote "@scope/pkg.json"',
      promote({ selector: { mode: 'files', files: ['@scope/pkg.json'] } }),
    ],
    ['discard', '/gittrix discard', { name: 'discard', sessionId: null }],
    ['discard id', `/gittrix discard ${ID}`, { name: 'discard', sessionId: ID }],
    [
      'extend',
      '/gittrix extend 24h',
      { name: 'extend', sessionId: null, durationMs: 86_400_000, duration: '24h' },
    ],
    ['extend id', `/gittrix extend ${ID} 90m`, { name: 'extend', sessionId: ID, durationMs: 5_400_000 }],
    ['extend fraction', '/gittrix extend 1.5h', { name: 'extend', durationMs: 5_400_000 }],
    ['extend days', '/gittrix extend 7d', { name: 'extend', durationMs: 604_800_000 }],
    ['extend words', '/gittrix extend "2 hours"', { name: 'extend', durationMs: 7_200_000 }],
    ['diff', '/gittrix diff', { name: 'diff', sessionId: null, paths: [] }],
    [
      'diff paths',
      `/gittrix diff ${ID} a.ts "b c/*.ts"`,
      { name: 'diff', sessionId: ID, paths: ['a.ts', 'b c/*.ts'] },
    ],
    ['status', '/gittrix status', { name: 'status', sessionId: null }],
    ['status id', `/gittrix status ${ID}`, { name: 'status', sessionId: ID }],
    ['help', '/gittrix help', { name: 'help', topic: null }],
    ['help topic', '/gittrix help extend', { name: 'help', topic: 'extend' }],
  ])('%s', (_name, body, expected) => {
    expect(command(body)).toMatchObject(expected)
  })

  it('says which commands need write access', () => {
    expect(commandNeedsWrite(command('/gittrix promote'))).toBe(true)
    expect(commandNeedsWrite(command('/gittrix discard'))).toBe(true)
    expect(commandNeedsWrite(command('/gittrix extend 1h'))).toBe(true)
    expect(commandNeedsWrite(command('/gittrix diff'))).toBe(false)
    expect(commandNeedsWrite(command('/gittrix status'))).toBe(false)
    expect(commandNeedsWrite(command('/gittrix help'))).toBe(false)
  })

  it('every example in the help parses', () => {
    for (const name of COMMAND_NAMES) expect(parseCommand(COMMAND_HELP[name].example).ok, name).toBe(true)
    for (const name of COMMAND_NAMES) expect(helpText()).toContain(COMMAND_HELP[name].usage)
  })
})

describe('parseCommand: not a command', () => {
  it.each([
    ['plain text', 'LGTM, thanks!'],
    ['command on the second line', 'Thanks!\n/gittrix promote'],
    ['another bot', '/deploy production'],
    ['a longer word', '/gittrixify promote'],
    ['a hyphenated word', '/gittrix-promote'],
    ['quoted in markdown', '> /gittrix promote'],
    ['inline code', '`/gittrix promote`'],
    // CommonMark: 4+ columns of indentation (tabs stop at multiples of 4) make an indented code block.
    ['indented 4 spaces (code)', '    /gittrix promote'],
    ['indented 8 spaces (code)', '        /gittrix promote'],
    ['indented by a tab (code)', '\t/gittrix promote'],
    ['a space and a tab (code)', ' \t/gittrix promote'],
    ['three spaces and a tab (code)', '   \t/gittrix promote'],
    ['in a fenced block', '```\n/gittrix promote\n```'],
    ['in a tilde fence', '~~~\n/gittrix promote\n~~~'],
    ['in a block quote without a space', '>/gittrix promote'],
    ['in a nested block quote', '> > /gittrix promote'],
    ['in an HTML comment', '<!-- /gittrix promote -->'],
    ['in a multi-line HTML comment', '<!--\n/gittrix promote\n-->'],
    ['in a list item', '- /gittrix promote'],
    ['empty', ''],
    ['not a string', undefined],
  ])('%s', (_name, body) => {
    expect(parseCommand(body)).toEqual({ ok: false, kind: 'not-a-command' })
  })
})

describe('parseCommand: usage messages', () => {
  it.each<[string, string, RegExp]>([
    ['no subcommand', '/gittrix', /Say what to do/],
    ['unknown subcommand', '/gittrix merge', /Unknown command "merge"/],
    ['typo suggests', '/gittrix promot', /Did you mean promote\?/],
    ['conflicting strategies', '/gittrix promote --pr --commit', /--pr and --commit conflict/],
    ['conflicting patch and branch', '/gittrix promote --patch --branch x', /--patch and --branch conflict/],
    ['repeated strategy', '/gittrix promote --pr --pr', /--pr is given twice/],
    ['a path whole and by hunks', '/gittrix promote a.ts a.ts#1a2b3c4d', /named whole and by hunks/],
    ['hunks of an unsafe path', '/gittrix promote ../a.ts#1a2b3c4d', /\.\./],
    ['missing -m value', '/gittrix promote -m', /-m needs a message/],
    ['-m followed by a flag', '/gittrix promote -m --pr', /-m needs a message/],
    ['empty -m', '/gittrix promote -m ""', /message is empty/],
    ['-m twice', '/gittrix promote -m a -m b', /-m is given twice/],
    ['too long -m', `/gittrix promote -m "${'x'.repeat(1001)}"`, /longer than 1000/],
    ['missing branch name', '/gittrix promote --branch', /--branch needs a branch name/],
    ['bad branch name', '/gittrix promote --branch "a b"', /not a valid branch name/],
    ['branch option injection', '/gittrix promote --branch=-f', /not a valid branch name/],
    ['session branch as target', `/gittrix promote --branch gittrix/${ID}`, /is a session branch/],
    ['--pr with a value', '/gittrix promote --pr=yes', /--pr takes no value/],
    ['unknown option', '/gittrix promote --force', /Unknown option "--force"/],
    ['single-dash unknown', '/gittrix promote -x', /Unknown option "-x"/],
    ['all with paths', '/gittrix promote all a.ts', /either "all" or a list of paths/],
    ['all twice', '/gittrix promote all all', /either "all" or a list of paths/],
    ['unterminated double quote', '/gittrix promote -m "oops', /unterminated double quote/],
    ['unterminated single quote', "/gittrix promote -m 'oops", /unterminated single quote/],
    ['apostrophe unquoted', "/gittrix promote -m don't", /unterminated single quote/],
    ['parent escape', '/gittrix promote ../secrets', /not a safe repository path: ".." would leave/],
    ['absolute path', '/gittrix promote /etc/passwd', /absolute paths are not allowed/],
    ['git internals', '/gittrix promote .git/config', /git internals/],
    ['backslash path', '/gittrix promote "a\\\\b"', /use "\/" as the separator/],
    ['glob escaping', '/gittrix promote "**/../x"', /would leave the workspace/],
    ['negated glob', '/gittrix promote "!src/**"', /negated globs are not supported/],
    ['empty path', '/gittrix promote ""', /not a safe repository path/],
    ['malformed session id', '/gittrix promote sess_123', /"sess_123" is not a session id/],
    ['too many args', `/gittrix diff ${'a '.repeat(51)}`, /Too many arguments/],
    ['discard extra', '/gittrix discard now', /Unexpected "now"/],
    ['discard option', '/gittrix discard --force', /takes no option "--force"/],
    ['status extra', `/gittrix status ${ID} x`, /Unexpected "x"/],
    ['extend missing duration', '/gittrix extend', /how long/],
    ['extend bare number', '/gittrix extend 24', /not a duration/],
    ['extend nonsense', '/gittrix extend soon', /not a duration/],
    ['extend negative', '/gittrix extend -1h', /takes no option/],
    ['extend zero', '/gittrix extend 0h', /not a duration|out of range/],
    ['extend too short', '/gittrix extend 5s', /out of range/],
    ['extend too long', '/gittrix extend 2y', /out of range/],
    ['extend two durations', '/gittrix extend 1h 2h', /Unexpected "2h"/],
    ['extend huge number', `/gittrix extend ${'9'.repeat(50)}h`, /not a duration/],
    ['help unknown topic', '/gittrix help me', /no help topic "me"/],
    ['upper case', '/GITTRIX promote', /lowercase/],
    ['fullwidth slash', '\uFF0Fgittrix promote', /U\+FF0F, which only looks like "\/"/],
    ['division slash', '\u2215gittrix promote', /U\+2215/],
    ['fraction slash', '\u2044gittrix promote', /U\+2044/],
    ['no-break space after /gittrix', '/gittrix\u00a0promote', /plain space/],
    ['zero-width space inside', '/gittrix pro\u200bmote', /invisible or control character \(U\+200B\)/],
    ['bidi override', '/gittrix promote \u202eevil', /U\+202E/],
    ['NUL byte', '/gittrix promote a\0b', /U\+0000/],
    ['escape character', '/gittrix promote \u001b[31m', /U\+001B/],
    ['very long line', `/gittrix promote ${'a'.repeat(5000)}`, /longer than 2000/],
    ['HTML', '/gittrix <img src=x onerror=alert(1)>', /Unknown command "<img"/],
    ['reviewed head too short', '/gittrix promote @abc12', /is not @<sha>/],
    ['reviewed head not hex', '/gittrix promote @main', /is not @<sha>/],
    ['reviewed head upper case', '/gittrix promote @ABCDEF1', /is not @<sha>/],
    ['reviewed head too long', `/gittrix promote @${'a'.repeat(41)}`, /is not @<sha>/],
    ['two reviewed heads', '/gittrix promote @abcdef1 @1234567', /@<sha> is given twice/],
    [
      'a path starting with @ unquoted',
      '/gittrix promote @scope/pkg.json',
      /quote a path that starts with @/,
    ],
  ])('%s', (_name, body, reason) => {
    const usage = usageOf(body)
    expect(usage).toMatch(reason)
    // Every usage message shows grammar to fix it.
    expect(usage).toMatch(/\/gittrix (promote|discard|extend|diff|status|help) \[/)
  })

  it('puts the usage of the subcommand at fault in its message', () => {
    expect(usageOf('/gittrix extend soon')).toContain(COMMAND_HELP.extend.usage)
    expect(usageOf('/gittrix promote --pr --patch')).toContain(COMMAND_HELP.promote.usage)
  })

  it('quotes untrusted input safely and briefly in usage messages', () => {
    const usage = usageOf(`/gittrix ${'x'.repeat(300)}`)
    expect(usage).toContain(`"${'x'.repeat(60)}…"`)
  })
})

describe('parseCommand: hostile input never throws', () => {
  it('answers every generated line with a command, a usage message or not-a-command', () => {
    const r = rng(2024)
    const starts = [
      '/gittrix ',
      '/gittrix promote ',
      '/gittrix extend ',
      '/gittrix diff ',
      ' /gittrix',
      '\uFF0Fgittrix ',
      '/GITTRIX ',
      '',
    ]
    const words = [
      'all',
      '--pr',
      '--commit',
      '--branch',
      '-m',
      '--',
      '"',
      "'",
      '\\',
      'sess_',
      ID,
      'a.ts',
      '../x',
      '**',
      '24h',
      '\0',
      '\u202e',
      '<b>',
      '|',
      '`',
      ' ',
      '\n',
      'é',
      '😀',
    ]
    const kinds: Record<CommandParseResult['kind'], number> = { command: 0, usage: 0, 'not-a-command': 0 }
    for (let i = 0; i < 5000; i++) {
      let body = pick(r, starts)
      const n = int(r, 0, 12)
      for (let j = 0; j < n; j++) body += r() < 0.7 ? `${pick(r, words)} ` : nastyString(r, 3)
      const result = parseCommand(body)
      kinds[result.kind] += 1
      if (result.kind === 'usage') expect(result.usage.length).toBeLessThan(2000)
      if (
        result.kind === 'command' &&
        result.command.name === 'promote' &&
        result.command.selector.mode === 'files'
      ) {
        for (const file of result.command.selector.files) expect(file).not.toMatch(/(^|\/)\.\.(\/|$)|^\/|\0/)
      }
    }
    expect(kinds.command).toBeGreaterThan(100)
    expect(kinds.usage).toBeGreaterThan(100)
    expect(kinds['not-a-command']).toBeGreaterThan(100)
  })

  it('handles a megabyte comment quickly', () => {
    const started = Date.now()
    expect(parseCommand(`/gittrix promote ${'"a" '.repeat(250_000)}`).kind).toBe('usage')
    expect(parseCommand(`${'x'.repeat(1_000_000)}\n/gittrix promote`).kind).toBe('not-a-command')
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('tokenize: where quoting starts', () => {
  it('tells a quoted flag from an option with a quoted value', () => {
    const result = tokenize('"--pr" --message="a b" \\-x')
    expect(result.ok && result.value.map((t) => [t.text, t.quoted, t.startsQuoted])).toEqual([
      ['--pr', true, true],
      ['--message=a b', true, false],
      ['\\-x', false, false], // only \" \' \\ and \<space> are escapes
    ])
  })
})
