/**
 * The App promotes single hunks: `/gittrix promote <path>#<id> …` (ids as the check run's diff and
 * `/gittrix diff` show them) promotes exactly those hunks of the reviewed commit through the Git Data
 * API stand-in; the other hunks keep their ids and promote next; a stale id, a whole-file-only path and
 * a reader are refused with nothing written; admin-only paths stay admin-only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppHarness } from './harness.ts'

const lines = (n: number, edit: Record<number, string> = {}) =>
  Array.from({ length: n }, (_, i) => `${edit[i + 1] ?? `line ${i + 1}`}\n`).join('')
const EDITS = { 1: 'FIRST', 15: 'MIDDLE', 30: 'LAST' }

describe('App: hunk promotion', () => {
  let h: AppHarness
  beforeEach(async () => {
    h = await AppHarness.create({ 'README.md': '# Project\n', 'three.txt': lines(30) })
  })
  afterEach(() => h.close())

  async function session() {
    const { id } = h.startSession()
    h.work(id, { 'three.txt': lines(30, EDITS), 'new.txt': 'new\n' })
    const head = await h.push(id)
    const text = h.api.runsOn(head)[0]!.output.text!
    const ids = [...text.matchAll(/^@@ [^@]+ @@ \[h:([0-9a-f]{8})\]$/gm)].map((m) => m[1]!)
    return { id, head, ids, text }
  }

  const durable = (path: string) => h.api.files(h.api.head('main')!).get(path)?.bytes.toString()

  it('shows hunk ids in the check run and /gittrix diff; promotes one hunk, then the others', async () => {
    const { id, ids } = await session()
    expect(ids).toHaveLength(3)
    const [diff] = await h.comment('/gittrix diff')
    for (const hunkId of ids) expect(diff).toContain(`[h:${hunkId}]`)

    const [first] = await h.comment(`/gittrix promote three.txt#${ids[1]}`)
    expect(first).toContain('Promoted as')
    expect(durable('three.txt')).toBe(lines(30, { 15: 'MIDDLE' }))
    expect(durable('new.txt')).toBeUndefined()

    // The next render shows the two other hunks under the same ids.
    h.work(id, { 'more.txt': 'more\n' })
    const head = await h.push(id)
    const text = h.api.runsOn(head)[0]!.output.text!
    expect([...text.matchAll(/\[h:([0-9a-f]{8})\]/g)].map((m) => m[1])).toEqual([ids[0], ids[2]])

    const [second] = await h.comment(`/gittrix promote three.txt#${ids[0]},${ids[2]} new.txt`)
    expect(second).toContain('Promoted as')
    expect(durable('three.txt')).toBe(lines(30, EDITS))
    expect(durable('new.txt')).toBe('new\n')
    expect(durable('more.txt')).toBeUndefined()
  })

  it('promotes parts of a split hunk (<id>.<k>): exactly those runs of changes', async () => {
    const { id } = h.startSession()
    // One hunk (changes closer than 6 unchanged lines) with three runs of changes.
    h.work(id, { 'three.txt': lines(30, { 10: 'TEN', 13: 'THIRTEEN', 16: 'SIXTEEN' }) })
    const head = await h.push(id)
    const text = h.api.runsOn(head)[0]!.output.text!
    const [hunk, ...others] = [...text.matchAll(/\[h:([0-9a-f]{8})\]/g)].map((m) => m[1]!)
    expect(others).toEqual([])
    const [reply] = await h.comment(`/gittrix promote three.txt#${hunk}.1,${hunk}.3`)
    expect(reply).toContain('Promoted as')
    expect(durable('three.txt')).toBe(lines(30, { 10: 'TEN', 16: 'SIXTEEN' }))
  })

  it('refuses a stale id, a whole-file-only path and a reader, writing nothing', async () => {
    const { ids } = await session()
    const main = h.api.head('main')
    const [stale] = await h.comment('/gittrix promote three.txt#deadbeef')
    expect(stale).toContain('Nothing was promoted')
    expect(stale).toContain('deadbeef')
    const [whole] = await h.comment(`/gittrix promote new.txt#${ids[0]}`)
    expect(whole).toContain('Nothing was promoted')
    expect(whole).toMatch(/whole-file only/)
    const [reader] = await h.comment(`/gittrix promote three.txt#${ids[0]}`, { login: 'rita' })
    expect(reader).not.toContain('Promoted as')
    expect(h.api.head('main')).toBe(main)
  })

  it('keeps the pinned-head rule: after an unreviewed push, a hunk promotion is refused', async () => {
    const { id, ids } = await session()
    h.work(id, { 'three.txt': lines(30, { ...EDITS, 8: 'unreviewed' }) })
    const [refused] = await h.comment(`/gittrix promote three.txt#${ids[0]}`)
    expect(refused).toContain('changed after review')
    expect(refused).toContain('Nothing was promoted')
    expect(h.api.head('main')).toBe(h.initial)
  })
})
