/**
 * The baseline commit of a session repository carries the promotion commits' trailers, and is read by
 * the one trailer matcher (src/core/promotion-identity.ts): a `Gittrix-Baseline` line outside the
 * final trailer block, or given twice, names no baseline.
 */
import { describe, expect, it } from 'vitest'
import { baselineFromMessage, baselineMessage } from '../../../src/adapters/artifacts/baseline.ts'
import { parsePromotionTrailers } from '../../../src/core/promotion-identity.ts'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const ID = 'sess_abcdefghijkl'

describe('baseline commit message', () => {
  it('is written and read back by the promotion trailer matcher', () => {
    const message = baselineMessage(ID, A, 'github://acme/widget#main')
    expect(message).toBe(
      `gittrix: baseline of github://acme/widget#main\n\nGittrix-Session: ${ID}\nGittrix-Baseline: ${A}\n`,
    )
    expect(parsePromotionTrailers(message)).toEqual({ ok: true, value: { sessionId: ID, baselineSha: A } })
    expect(baselineFromMessage(message)).toBe(A)
  })

  it('names no baseline when the trailer is given twice', () => {
    const twice = `gittrix: baseline of x\n\nGittrix-Session: ${ID}\nGittrix-Baseline: ${A}\nGittrix-Baseline: ${B}\n`
    expect(baselineFromMessage(twice)).toBeNull()
  })

  it('names no baseline when the line is not in the final trailer block', () => {
    const body = `gittrix: baseline of x\n\nGittrix-Baseline: ${A}\n\nsome later paragraph\n`
    expect(baselineFromMessage(body)).toBeNull()
  })
})
