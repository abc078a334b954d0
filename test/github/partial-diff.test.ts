/**
 * What the renderers say about a budgeted diff (`SessionDiff.partial`): the title and the stat table
 * name the files whose lines were counted, the file table marks the others `?`, and the diff text is
 * cut with a note even when the patch it got fits.
 */
import { describe, expect, it } from 'vitest'
import type { FileDiff, SessionDiff } from '../../src/core/types.ts'
import { inlineCode, renderCheckRunOutput, renderDiffText, renderFileTable } from '../../src/github/index.ts'

const facts = {
  sessionId: 'sess_abcdefghij23',
  task: 'Fix the parser',
  baselineSha: 'a'.repeat(40),
  durableBranch: 'main',
}

function file(path: string, counted: boolean): FileDiff {
  return {
    path,
    status: 'added',
    binary: false,
    additions: counted ? 1 : 0,
    deletions: 0,
    oldMode: null,
    newMode: '100644',
    ...(counted ? {} : { counted: false as const }),
  }
}

const patch =
  'diff --git a/a.txt b/a.txt\nnew file mode 100644\nindex 0000000..7898192\n--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+a\n'

describe('renderers of a budgeted (partial) diff', () => {
  const diff: SessionDiff = {
    patch,
    files: [file('a.txt', true), file('b.txt', false), file('c.txt', false)],
    additions: 1,
    deletions: 0,
    partial: { patchedFiles: 1, countedFiles: 1 },
  }

  it('the title counts lines in the counted files only and says so', () => {
    const output = renderCheckRunOutput(facts, diff)
    expect(output.title).toBe('3 files changed, +1 \u22120 in the 1 file counted')
    expect(output.summary).toContain('counted in 1 of the 3 files')
  })

  it('the file table marks uncounted lines with ?', () => {
    const table = renderFileTable(diff.files, 10_000, 10).markdown
    expect(table.split('\n').find((row) => row.includes(inlineCode('b.txt')))).toMatch(/\| \? \| \? \|$/)
    expect(table.split('\n').find((row) => row.includes(inlineCode('a.txt')))).toMatch(/\| 1 \| 0 \|$/)
  })

  it('the diff text is cut with a note naming the files shown', () => {
    const whole = renderDiffText(facts, patch)
    expect(whole.cut).toBe(false)
    const partial = renderDiffText(facts, patch, 65_535, 3)
    expect(partial.cut).toBe(true)
    expect(partial.text).toContain('+a')
    expect(partial.text).toContain('The diff is cut')
    expect(partial.text).toContain('1 of 3 files complete')
    expect(renderDiffText(facts, '', 65_535, 2).text).toContain('0 of 2 files complete')
  })
})
