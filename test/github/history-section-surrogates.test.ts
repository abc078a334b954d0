/**
 * Attack: a tool-call note is the agent's data (src/core/history.ts `decodeToolCallsNote` cuts each
 * string to a number of UTF-16 code units), and the App puts it in the check run summary
 * (src/github/history-section.ts). A tool name of 199 ASCII characters and one emoji is cut inside
 * the emoji's surrogate pair: the summary then holds a lone surrogate, which no UTF-8 text can carry
 * (JSON.stringify writes `\ud83d`; a server decoding the body to UTF-8 must refuse it or replace it),
 * so one crafted note risks the session's check run not being written at all.
 */
import { describe, expect, it } from 'vitest'
import { decodeToolCallsNote } from '../../src/core/history.ts'
import { renderHistorySection } from '../../src/github/history-section.ts'

const EMOJI = '\u{1F600}'
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function note(calls: Record<string, unknown>[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ gittrix: 'tool-calls/1', client: null, calls }))
}

describe('the history section of a hostile note', () => {
  it.each([
    ['tool', { tool: `${'t'.repeat(199)}${EMOJI}` }],
    ['errorCode', { tool: 'x', errorCode: `${'E'.repeat(63)}${EMOJI}` }],
    // JSON's `\ud83d` escape: a lone surrogate straight from the note, no cut needed.
    ['a lone surrogate escape', { tool: `x${EMOJI.slice(0, 1)}y` }],
  ])(
    'is well-formed text when the note holds %s (cut inside a surrogate pair or escaped alone)',
    (_field, call) => {
      const { calls } = decodeToolCallsNote(note([{ durationMs: 1, ...call }]))
      const summary = renderHistorySection({ checkpoints: 1, more: false, toolCalls: calls })
      // Fails today: the cut leaves a lone high surrogate in the summary.
      expect(summary).not.toMatch(LONE_SURROGATE)
      for (const c of calls) expect(`${c.tool}${c.errorCode ?? ''}`).not.toMatch(LONE_SURROGATE)
    },
  )
})
