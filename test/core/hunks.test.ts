/**
 * Hunks and their ids (src/core/hunks.ts): ids are content-derived and survive the promotion of other
 * hunks; applying any subset of a file's hunks to its old side gives exactly the expected bytes, at
 * the start and end of a file, without a final newline, with CRLF line endings and for merged hunks.
 */
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  annotateHostHunks,
  applyHunks,
  hunkIds,
  hunkParts,
  pickHunks,
  textHunks,
} from '../../src/core/hunks.ts'

const lines = (n: number, edit: Record<number, string> = {}, eol = '\n') =>
  Array.from({ length: n }, (_, i) => (edit[i + 1] ?? `line ${i + 1}`) + eol).join('')

/** The file the hunks belong to: a path and the id of its new blob (any string here). */
const file = (path: string, newOid = 'new-blob') => ({ path, newOid })

/** Every subset of `hunks`, as index lists. */
const subsets = (n: number) =>
  Array.from({ length: 2 ** n }, (_, mask) => [...Array(n).keys()].filter((i) => mask & (1 << i)))

describe('textHunks and applyHunks', () => {
  const base = lines(30)
  const next = lines(30, { 1: 'FIRST', 15: 'MIDDLE', 30: 'LAST' })

  it('splits three distant changes into three hunks with distinct 8-hex ids, stable across renders', () => {
    const hunks = textHunks(file('f.txt'), base, next)
    expect(hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 4, 1, 4],
      [12, 7, 12, 7],
      [27, 4, 27, 4],
    ])
    expect(new Set(hunks.map((h) => h.id)).size).toBe(3)
    for (const h of hunks) {
      expect(h.id).toMatch(/^[0-9a-f]{8}$/)
      expect(h.header).toBe(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@ [h:${h.id}]`)
    }
    expect(textHunks(file('f.txt'), base, next)).toEqual(hunks)
    // The path is part of the id: the same change elsewhere is another hunk.
    expect(textHunks(file('g.txt'), base, next)[0]!.id).not.toBe(hunks[0]!.id)
  })

  it('gives every subset exactly the selected changes, and the rest keep their ids afterwards', () => {
    const hunks = textHunks(file('f.txt'), base, next)
    const edits = [{ 1: 'FIRST' }, { 15: 'MIDDLE' }, { 30: 'LAST' }]
    for (const subset of subsets(3)) {
      const applied = applyHunks(
        base,
        subset.map((i) => hunks[i]!),
      )
      expect(applied).toBe(lines(30, Object.assign({}, ...subset.map((i) => edits[i]))))
      const left = textHunks(file('f.txt'), applied, next)
      expect(left.map((h) => h.id)).toEqual(hunks.filter((_, i) => !subset.includes(i)).map((h) => h.id))
    }
  })

  it('merges changes up to 6 unchanged lines apart into one hunk; 7 apart stay two (adjacent hunks)', () => {
    expect(textHunks(file('f.txt'), base, lines(30, { 10: 'x', 17: 'y' }))).toHaveLength(1)
    const two = textHunks(file('f.txt'), base, lines(30, { 10: 'x', 18: 'y' }))
    expect(two).toHaveLength(2)
    // One unchanged line between them belongs to neither.
    expect(two[0]!.oldStart + two[0]!.oldLines).toBe(two[1]!.oldStart - 1)
    expect(applyHunks(base, [two[1]!])).toBe(lines(30, { 18: 'y' }))
    expect(applyHunks(base, [two[0]!])).toBe(lines(30, { 10: 'x' }))
    expect(textHunks(file('f.txt'), lines(30, { 10: 'x' }), lines(30, { 10: 'x', 18: 'y' }))[0]!.id).toBe(
      two[1]!.id,
    )
  })

  it('keeps CRLF line endings and a missing final newline byte for byte', () => {
    const crlf = lines(20, {}, '\r\n')
    const crlfNext = lines(20, { 2: 'two', 19: 'nineteen' }, '\r\n')
    const hunks = textHunks(file('w.txt'), crlf, crlfNext)
    expect(hunks).toHaveLength(2)
    expect(applyHunks(crlf, [hunks[1]!])).toBe(lines(20, { 19: 'nineteen' }, '\r\n'))

    const open = lines(20).slice(0, -1) // no newline at end of file
    const openNext = lines(20, { 1: 'one', 20: 'twenty' }).slice(0, -1)
    const both = textHunks(file('n.txt'), open, openNext)
    expect(both).toHaveLength(2)
    expect(applyHunks(open, [both[1]!])).toBe(lines(20, { 20: 'twenty' }).slice(0, -1))
    expect(applyHunks(open, [both[0]!])).toBe(lines(20, { 1: 'one' }).slice(0, -1))
    // Adding the final newline is a hunk of its own.
    const eof = textHunks(file('n.txt'), open, lines(20))
    expect(eof).toHaveLength(1)
    expect(applyHunks(open, eof)).toBe(lines(20))
  })

  it('handles insertions before the first line, deletions at the end, and an empty old side', () => {
    const hunks = textHunks(file('f.txt'), base, `new top\n${lines(28)}`)
    expect(hunks).toHaveLength(2)
    expect(applyHunks(base, [hunks[0]!])).toBe(`new top\n${base}`)
    expect(applyHunks(base, [hunks[1]!])).toBe(lines(28))
    const fromEmpty = textHunks(file('e.txt'), '', 'a\nb\n')
    expect(applyHunks('', fromEmpty)).toBe('a\nb\n')
  })

  it('tells exact twins apart by their place in the new blob, which promoting the other keeps', () => {
    const body = ['-a', '+b']
    const [first, second] = hunkIds(file('f.txt'), [
      { lines: body, newStart: 3 },
      { lines: body, newStart: 20 },
    ])
    expect(first).not.toBe(second)
    // With the first twin promoted, the second is the only one left: it keeps its id.
    expect(hunkIds(file('f.txt'), [{ lines: body, newStart: 20 }])[0]).toBe(second)
  })

  it('binds ids to the new blob: the same edit moved to a twin section gets another id', () => {
    const block = (auth: string) => ['a', 'b', 'c', auth, 'd', 'e', 'f'].map((l) => `${l}\n`).join('')
    const old = `[test]\n${block('on')}[prod]\n${block('on')}`
    const reviewed = `[test]\n${block('off')}[prod]\n${block('on')}`
    const moved = `[test]\n${block('on')}[prod]\n${block('off')}`
    const [shown] = textHunks(file('p.ini', 'blob-reviewed'), old, reviewed)
    const [later] = textHunks(file('p.ini', 'blob-moved'), old, moved)
    // The same lines, another place: only the blob id tells them apart.
    expect(later!.lines).toEqual(shown!.lines)
    expect(later!.oldStart).not.toBe(shown!.oldStart)
    expect(later!.id).not.toBe(shown!.id)
  })

  it('refuses an id two hunks share (a forged 32-bit collision) rather than picking either', () => {
    // Ids are 8 hex digits: an agent can search contents until a hostile hunk's id equals a benign
    // one's. Selecting that id must not apply the hostile hunk (a Map by id kept the last one).
    const [benign, hostile] = textHunks(file('f.txt'), base, lines(30, { 1: 'FIRST', 30: 'rm -rf /' }))
    const forged = [benign!, { ...hostile!, id: benign!.id }]
    expect(() => pickHunks('f.txt', forged, [benign!.id], 's')).toThrow(/more than one hunk/)
    expect(pickHunks('f.txt', [benign!, hostile!], [benign!.id], 's')).toEqual([benign])
  })

  it('refuses a hunk that does not match the content', () => {
    const hunks = textHunks(file('f.txt'), base, next)
    expect(() => applyHunks(lines(30, { 2: 'changed' }), [hunks[0]!])).toThrow(/does not match/)
  })
})

describe('hunkParts (split, as git add -p s)', () => {
  const base = lines(30)
  // One hunk: lines 10 and 13 changed, 16 changed and 17 deleted: three runs, two unchanged lines apart.
  const next = lines(30, { 10: 'ten', 13: 'thirteen', 16: 'sixteen' }).replace('line 17\n', '')

  it('splits a hunk into its runs of changes, ids <id>.<k>, each applicable alone or with others', () => {
    const [hunk, ...others] = textHunks(file('f.txt'), base, next)
    expect(others).toEqual([])
    const parts = hunkParts(hunk!)
    expect(parts.map((p) => p.id)).toEqual([1, 2, 3].map((k) => `${hunk!.id}.${k}`))
    expect(parts.map((p) => p.header)).toEqual([
      `@@ -7,6 +7,6 @@ [h:${hunk!.id}.1]`,
      `@@ -11,5 +11,5 @@ [h:${hunk!.id}.2]`,
      `@@ -14,7 +14,6 @@ [h:${hunk!.id}.3]`,
    ])
    // Neighbours share the unchanged lines between them.
    expect(parts[1]!.lines).toEqual([' line 11', ' line 12', '-line 13', '+thirteen', ' line 14', ' line 15'])
    const edits = [{ 10: 'ten' }, { 13: 'thirteen' }, { 16: 'sixteen' }]
    for (const subset of subsets(3)) {
      let expected = lines(30, Object.assign({}, ...subset.map((i) => edits[i])))
      if (subset.includes(2)) expected = expected.replace('line 17\n', '')
      expect(
        applyHunks(
          base,
          subset.map((i) => parts[i]!),
        ),
      ).toBe(expected)
    }
  })

  it('gives a hunk with one run of changes one part, and keeps a missing final newline and CRLF', () => {
    const [single] = textHunks(file('f.txt'), base, lines(30, { 10: 'ten', 11: 'eleven' }))
    expect(hunkParts(single!)).toHaveLength(1)
    const open = lines(10, {}, '\r\n').slice(0, -2)
    const [hunk] = textHunks(file('w.txt'), open, lines(10, { 8: 'eight', 10: 'ten' }, '\r\n').slice(0, -2))
    const parts = hunkParts(hunk!)
    expect(parts).toHaveLength(2)
    expect(applyHunks(open, [parts[1]!])).toBe(lines(10, { 10: 'ten' }, '\r\n').slice(0, -2))
    expect(applyHunks(open, [parts[0]!])).toBe(lines(10, { 8: 'eight' }, '\r\n').slice(0, -2))
  })
})

describe('annotateHostHunks (hunks git computed, as GitHub’s compare gives them)', () => {
  /** The hunks of `git diff --no-index` between two texts: what a host running git's diff returns. */
  function gitHunks(before: string, after: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'gittrix-hunks-'))
    try {
      writeFileSync(join(dir, 'a'), before)
      writeFileSync(join(dir, 'b'), after)
      let out = ''
      try {
        execFileSync('git', ['diff', '--no-index', '--no-color', 'a', 'b'], { cwd: dir, encoding: 'utf8' })
      } catch (error) {
        out = (error as { stdout: string }).stdout // exit 1: the files differ
      }
      return out.slice(out.indexOf('\n@@') + 1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it.each([
    ['three hunks', lines(30), lines(30, { 1: 'FIRST', 15: 'MIDDLE', 30: 'LAST' })],
    ['CRLF', lines(20, {}, '\r\n'), lines(20, { 2: 'two', 19: 'nineteen' }, '\r\n')],
    ['no final newline', lines(20).slice(0, -1), lines(20, { 1: 'one', 20: 'twenty' }).slice(0, -1)],
    ['insertion at the top, deletion at the end', lines(30), `top\n${lines(28)}`],
    ['from empty', '', 'a\nb\n'],
  ])(
    'gives the ids and headers ours give when git splits the change the same way: %s',
    (_, before, after) => {
      const ours = textHunks(file('f.txt'), before, after)
      const theirs = annotateHostHunks(file('f.txt'), gitHunks(before, after))
      expect(theirs.hunks).toEqual(ours.map(({ lines: _lines, ...hunk }) => hunk))
      expect(theirs.text).toBe(
        ours.map((h) => `${h.header}\n${h.lines.map((l) => `${l}\n`).join('')}`).join(''),
      )
    },
  )
})
