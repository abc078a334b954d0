import { describe, expect, it } from 'vitest'
import type { FileDiff, SessionDiff } from '../../src/core/types.ts'
import {
  CHECK_RUN_OUTPUT_MAX,
  COMMENT_BODY_MAX,
  checkRunActionSchema,
  checkRunOutputSchema,
  conflictTitle,
  diffStatLine,
  findSessionMarker,
  inlineCode,
  parseActionIdentifier,
  parseCommand,
  renderConflictOutput,
  renderDiffText,
  renderSessionCheckRun,
  renderSessionComment,
  renderUsageReply,
  SESSION_ACTIONS,
  type SessionFacts,
  sessionCommandExamples,
  sessionCommentMarker,
  utf8Length,
  validateCheckRunActions,
} from '../../src/github/index.ts'

const ID = 'sess_abcdefghij23'
const BASE = '0123456789abcdef0123456789abcdef01234567'
const HEAD = 'fedcba9876543210fedcba9876543210fedcba98'
const facts: SessionFacts = {
  sessionId: ID,
  task: 'Fix the parser',
  baselineSha: BASE,
  durableBranch: 'main',
}

function file(path: string, extra: Partial<FileDiff> = {}): FileDiff {
  return {
    path,
    status: 'modified',
    binary: false,
    additions: 1,
    deletions: 1,
    oldMode: '100644',
    newMode: '100644',
    ...extra,
  }
}

function sessionDiff(files: FileDiff[], patch = ''): SessionDiff {
  return {
    files,
    patch,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
  }
}

/** A patch of `files` files with `lines` changed lines each. */
function bigPatch(files: number, lines: number): string {
  let out = ''
  for (let f = 0; f < files; f++) {
    out += `diff --git a/f${f}.txt b/f${f}.txt\nindex 1111111..2222222 100644\n--- a/f${f}.txt\n+++ b/f${f}.txt\n@@ -1,${lines} +1,${lines} @@\n`
    for (let l = 0; l < lines; l++) out += `-old line ${l} of file ${f}\n+new line ${l} of file ${f}\n`
  }
  return out
}

const HOSTILE = [
  'a|b.txt',
  'back`tick``s.md',
  '<script>alert(1)</script>.html',
  'line\nbreak.txt',
  'cr\r\n| --- |.txt',
  '@everyone.txt',
  '[link](javascript:alert(1)).md',
  '**bold**_x_~~s~~.md',
  'rtl\u202eexe.txt',
  'zero\u200bwidth',
  '&amp;<b>.txt',
  '<!-- comment -->',
]

/** The cells of every table row in `markdown`, split as GFM does (on unescaped `|`). */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) => line.replace(/\\\|/g, '').slice(1, -1).split('|'))
}

describe('check run output', () => {
  const diff = sessionDiff(
    [
      file('a.ts', { additions: 8, deletions: 2 }),
      file('b.ts', { status: 'added', additions: 2, deletions: 0, oldMode: null }),
      file('c.png', { status: 'deleted', binary: true, additions: 0, deletions: 0, newMode: null }),
    ],
    bigPatch(1, 2),
  )

  it('titles the run with the diff stat and lists facts, stat, files and commands', () => {
    const run = renderSessionCheckRun(facts, diff)
    expect(run.name).toBe('Gittrix session')
    expect(run.external_id).toBe(ID)
    expect(run.conclusion).toBe('action_required')
    expect(run.output.title).toBe('3 files changed, +10 \u22122')
    const { summary } = run.output
    expect(summary).toContain('```text\nFix the parser\n```')
    expect(summary).toContain('| Baseline | <code>0123456</code> |')
    expect(summary).toContain('| Durable branch | <code>main</code> |')
    expect(summary).toContain('| 3 | 1 | 1 | 1 | 1 | 10 | 2 |')
    expect(summary).toContain('| modified | <code>a&#46;ts</code> | 8 | 2 |')
    expect(summary).toContain('| deleted (binary) | <code>c&#46;png</code> |  |  |')
    for (const example of sessionCommandExamples(ID)) expect(summary).toContain(example)
    expect(run.output.text).toMatch(/^```diff\ndiff --git a\/f0.txt/)
    expect(run.actions.map((a) => a.identifier)).toEqual(['promote_all', 'open_pr', 'discard'])
  })

  it('has no buttons and a neutral conclusion when nothing changed', () => {
    const run = renderSessionCheckRun(facts, sessionDiff([]))
    expect(run.conclusion).toBe('neutral')
    expect(run.actions).toEqual([])
    expect(run.output.title).toBe('No changes')
  })

  it('pluralises the stat line', () => {
    expect(diffStatLine(sessionDiff([file('a')]))).toBe('1 file changed, +1 \u22121')
    expect(diffStatLine(sessionDiff(Array.from({ length: 1234 }, (_, i) => file(`f${i}`))))).toBe(
      '1,234 files changed, +1,234 \u22121,234',
    )
  })

  it('cuts a 200 KB diff below 65,535 characters with a note saying how to see the rest', () => {
    const patch = bigPatch(60, 70)
    expect(patch.length).toBeGreaterThan(200_000)
    const output = renderSessionCheckRun(
      { ...facts, fullDiffUrl: 'https://github.com/o/r/compare/x...y' },
      sessionDiff([file('f0.txt')], patch),
    ).output
    const text = output.text!
    expect(text.length).toBeLessThan(CHECK_RUN_OUTPUT_MAX)
    expect(utf8Length(text)).toBeLessThanOrEqual(CHECK_RUN_OUTPUT_MAX)
    expect(text.length).toBeGreaterThan(60_000) // the budget is used, not wasted
    expect(text).toMatch(/The diff is cut\*\* to fit GitHub's limit of 65,535 characters/)
    expect(text).toMatch(/it shows [\d,]+ of 8,700 lines \(\d+ of 60 files complete\)/)
    expect(text).toContain(inlineCode(`/gittrix diff ${ID} <path>`))
    expect(text).toContain('[open the full diff](https://github.com/o/r/compare/x...y)')
    expect(text).toContain(`git fetch origin gittrix&#47;sess&#95;abcdefghij23`)
    // The fence is closed before the note: the note is not inside the code block.
    const [, fenced, after] = text.split('```')
    expect(fenced!.startsWith('diff\n')).toBe(true)
    expect(after).toContain('The diff is cut')
    // Cut on a line boundary: every shown line is a whole line of the patch.
    const shown = fenced!.slice('diff\n'.length, -1)
    expect(patch.startsWith(`${shown}\n`)).toBe(true)
  })

  it('keeps multi-byte diffs within the limit counted in bytes', () => {
    const patch = bigPatch(1, 40_000).replace(/line/g, '漢字😀')
    const { text, cut } = renderDiffText(facts, patch)
    expect(cut).toBe(true)
    expect(utf8Length(text)).toBeLessThanOrEqual(CHECK_RUN_OUTPUT_MAX)
  })

  it('does not cut a diff that fits, and shows no note', () => {
    const { text, cut } = renderDiffText(facts, bigPatch(2, 3))
    expect(cut).toBe(false)
    expect(text).not.toContain('cut')
  })

  it('fences a diff containing backtick runs so it cannot close the block', () => {
    const patch = 'diff --git a/x.md b/x.md\n@@ -1 +1 @@\n-```\n+`````` hi\n'
    const { text } = renderDiffText(facts, patch)
    expect(text.startsWith('```````diff\n')).toBe(true)
    expect(text.endsWith('\n```````')).toBe(true)
  })

  it('keeps the summary within the limit for 20,000 files and says how many are not listed', () => {
    const files = Array.from({ length: 20_000 }, (_, i) =>
      file(`very/long/directory/name/number/${i}/${'x'.repeat(100)}.ts`),
    )
    const { summary } = renderSessionCheckRun(facts, sessionDiff(files)).output
    expect(utf8Length(summary)).toBeLessThanOrEqual(CHECK_RUN_OUTPUT_MAX)
    expect(summary).toMatch(/…and 19,\d{3} more files not listed here/)
    expect(summary).toContain('### Commands')
  })

  it('escapes hostile file names: no table break, no HTML, no mention, no markdown', () => {
    const { summary } = renderSessionCheckRun(facts, sessionDiff(HOSTILE.map((p) => file(p)))).output
    const fileRows = tableRows(summary.slice(summary.indexOf('### Files'), summary.indexOf('### Commands')))
    expect(fileRows).toHaveLength(HOSTILE.length + 2)
    for (const row of fileRows) expect(row).toHaveLength(4)
    const files = summary.slice(summary.indexOf('### Files'))
    expect(files).not.toMatch(/<(?!\/?code>)/) // the only tags are our <code> spans
    expect(files).not.toContain('@everyone')
    expect(files).not.toContain('\u202e')
    expect(files).not.toContain('\u200b')
    expect(files).not.toContain('`back')
    expect(files).not.toContain('](')
    expect(files).toContain('<code>a&#124;b&#46;txt</code>')
    expect(files).toContain('line&#92;u{A}break')
    expect(files).toContain('rtl&#92;u{202E}exe')
  })

  it('escapes a hostile task and durable branch', () => {
    const { summary } = renderSessionCheckRun(
      { ...facts, task: '```\n<img src=x onerror=alert(1)>\n```\n@everyone', durableBranch: 'a|b<c>' },
      sessionDiff([file('a')]),
    ).output
    expect(summary).toContain('````text\n```\n<img src=x onerror=alert(1)>\n```\n@everyone\n````')
    expect(summary).toContain('| Durable branch | <code>a&#124;b&#60;c&#62;</code> |')
  })

  it('refuses facts that are not a session', () => {
    expect(() => renderSessionCheckRun({ ...facts, sessionId: '<b>' }, sessionDiff([]))).toThrow()
    expect(() => renderSessionCheckRun({ ...facts, baselineSha: 'HEAD' }, sessionDiff([]))).toThrow()
  })

  it('validates output fields against the limit', () => {
    expect(
      checkRunOutputSchema.safeParse({ title: 't', summary: 'x'.repeat(CHECK_RUN_OUTPUT_MAX) }).success,
    ).toBe(true)
    expect(
      checkRunOutputSchema.safeParse({ title: 't', summary: 'x'.repeat(CHECK_RUN_OUTPUT_MAX + 1) }).success,
    ).toBe(false)
    expect(
      checkRunOutputSchema.safeParse({ title: 't', summary: 's', text: '漢'.repeat(22_000) }).success,
    ).toBe(false)
    expect(checkRunOutputSchema.safeParse({ title: '', summary: 's' }).success).toBe(false)
  })
})

describe('buttons', () => {
  it('has at most three buttons within GitHub limits', () => {
    expect(SESSION_ACTIONS.length).toBeLessThanOrEqual(3)
    for (const action of SESSION_ACTIONS) {
      expect(action.identifier.length).toBeLessThanOrEqual(20)
      expect(action.label.length).toBeLessThanOrEqual(20)
      expect(action.description.length).toBeLessThanOrEqual(40)
    }
    expect(SESSION_ACTIONS.map((a) => a.label)).toEqual(['Promote all', 'Open PR', 'Discard'])
  })

  it.each([
    ['a 21-character label', { label: 'x'.repeat(21), description: 'd', identifier: 'i' }],
    ['a 41-character description', { label: 'l', description: 'x'.repeat(41), identifier: 'i' }],
    ['a 21-character identifier', { label: 'l', description: 'd', identifier: 'x'.repeat(21) }],
    ['an empty label', { label: '', description: 'd', identifier: 'i' }],
    ['an extra key', { label: 'l', description: 'd', identifier: 'i', url: 'x' }],
  ])('rejects %s', (_name, action) => {
    expect(checkRunActionSchema.safeParse(action).success).toBe(false)
  })

  it('rejects a fourth button and duplicate identifiers', () => {
    const one = { label: 'l', description: 'd', identifier: 'a' }
    expect(() =>
      validateCheckRunActions([
        one,
        { ...one, identifier: 'b' },
        { ...one, identifier: 'c' },
        { ...one, identifier: 'd' },
      ]),
    ).toThrow()
    expect(() => validateCheckRunActions([one, one])).toThrow(/unique/)
    expect(validateCheckRunActions([...SESSION_ACTIONS])).toHaveLength(3)
  })

  it('maps requested_action identifiers back, and nothing else', () => {
    for (const action of SESSION_ACTIONS)
      expect(parseActionIdentifier(action.identifier)).toBe(action.identifier)
    expect(parseActionIdentifier('promote')).toBeNull()
    expect(parseActionIdentifier(undefined)).toBeNull()
  })
})

describe('session comment', () => {
  const diff = sessionDiff([file('a.ts')], bigPatch(1, 1))

  it('starts with a marker the App can find, and nothing else can fake by position', () => {
    const body = renderSessionComment({
      facts,
      diff,
      status: { state: 'active' },
      checkRunUrl: 'https://github.com/o/r/runs/1',
    })
    expect(body.split('\n')[0]).toBe(`<!-- gittrix:session ${ID} -->`)
    expect(findSessionMarker(body)).toBe(ID)
    expect(findSessionMarker(`hello\n${sessionCommentMarker(ID)}`)).toBeNull()
    expect(findSessionMarker(`<!-- gittrix:session ${ID} --> trailing`)).toBeNull()
    expect(findSessionMarker('<!-- gittrix:session sess_x -->')).toBeNull()
    expect(() => sessionCommentMarker('sess_x -->')).toThrow()
    expect(body).toContain('[review the diff](https://github.com/o/r/runs/1)')
    expect(body).toContain('**1 file changed, +1 −1**')
    expect(body).toContain(`/gittrix promote ${ID} all --pr`)
  })

  it('reports the outcome of a promotion and links only http(s) URLs', () => {
    const body = renderSessionComment({
      facts,
      diff,
      status: { state: 'promoted', sha: HEAD, branch: 'gittrix/promote/x', prUrl: 'javascript:alert(1)' },
      checkRunUrl: 'data:text/html,insecure',
    })
    expect(body).toContain('Promoted as <code>fedcba9</code>')
    expect(body).not.toContain('javascript:')
    expect(body).not.toContain('insecure')
    const pr = renderSessionComment({
      facts,
      diff,
      status: { state: 'promoted', sha: HEAD, branch: 'b', prUrl: 'https://github.com/o/r/pull/5' },
    })
    expect(pr).toContain('[pull request](https://github.com/o/r/pull/5)')
  })

  it('breaks mentions in the task summary', () => {
    const body = renderSessionComment({
      facts: { ...facts, task: '@org/team please <b>look</b>' },
      diff,
      status: { state: 'active' },
    })
    expect(body).not.toMatch(/@org/)
    expect(body).not.toContain('<b>')
  })

  it('stays within the comment limit with 50 rows at most', () => {
    const many = sessionDiff(Array.from({ length: 5000 }, (_, i) => file(`${'d/'.repeat(200)}${i}`)))
    const body = renderSessionComment({ facts, diff: many, status: { state: 'active' } })
    expect(utf8Length(body)).toBeLessThanOrEqual(COMMENT_BODY_MAX)
    expect(tableRows(body).length).toBeLessThanOrEqual(52)
    expect(body).toMatch(/…and 4,9\d\d more files/)
  })

  it('renders a conflict with the paths and both SHAs', () => {
    const body = renderSessionComment({
      facts,
      diff,
      status: { state: 'conflict', conflictingFiles: ['a.ts', 'x|y'], durableSha: HEAD },
    })
    expect(body).toContain('**Baseline conflict: 2 files**')
    expect(body).toContain(`<code>${BASE}</code>`)
    expect(body).toContain(`<code>${HEAD}</code>`)
    expect(body).toContain('- <code>x&#124;y</code>')
  })
})

describe('conflict output', () => {
  it('titles "Baseline conflict: N files" and lists every path within the limit', () => {
    expect(conflictTitle(1)).toBe('Baseline conflict: 1 file')
    const output = renderConflictOutput({
      sessionId: ID,
      durableBranch: 'main',
      baselineSha: BASE,
      durableSha: HEAD,
      conflictingFiles: ['a.ts', '<b>.ts'],
    })
    expect(output.title).toBe('Baseline conflict: 2 files')
    expect(output.summary).toContain('nothing was written')
    expect(output.summary).toContain(`- Baseline: <code>${BASE}</code>`)
    expect(output.summary).toContain(`- Durable head: <code>${HEAD}</code>`)
    expect(output.summary).toContain('- <code>&#60;b&#62;&#46;ts</code>')
  })

  it('counts what it cannot list', () => {
    const conflictingFiles = Array.from({ length: 5000 }, (_, i) => `p/${i}`)
    const output = renderConflictOutput({
      sessionId: ID,
      durableBranch: 'main',
      baselineSha: BASE,
      durableSha: HEAD,
      conflictingFiles,
    })
    expect(output.title).toBe('Baseline conflict: 5,000 files')
    expect(output.summary).toContain('…and 4,800 more files')
    expect(utf8Length(output.summary)).toBeLessThanOrEqual(CHECK_RUN_OUTPUT_MAX)
  })
})

describe('command texts shown to reviewers', () => {
  it('every example in the check run parses as the command it shows', () => {
    for (const example of sessionCommandExamples(ID)) {
      const parsed = parseCommand(example)
      expect(parsed.ok, example).toBe(true)
      if (parsed.ok) expect(parsed.command).toMatchObject({ sessionId: ID })
    }
  })

  it('fences a usage reply so echoed input stays inert', () => {
    const result = parseCommand('/gittrix nope<img src=x>')
    expect(result.ok).toBe(false)
    if (result.ok || result.kind !== 'usage') throw new Error('expected usage')
    const reply = renderUsageReply(result.usage)
    expect(reply).toMatch(/^That command did not parse:\n\n```text\n/)
    expect(reply.endsWith('\n```')).toBe(true)
  })
})

describe('inlineCode', () => {
  it('leaves letters, digits, spaces and non-ASCII text readable', () => {
    expect(inlineCode('src/café 2.ts')).toBe('<code>src&#47;café 2&#46;ts</code>')
  })
})
