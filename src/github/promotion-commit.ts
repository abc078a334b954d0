/**
 * Reading the trailers the core appends to every promotion commit (`src/core/trailers.ts`
 * `withTrailers`): a final paragraph `Gittrix-Session: <id>` then `Gittrix-Baseline: <sha>`.
 * The App uses this to recognise a promotion commit (on the durable branch or a promote branch) and
 * to rebuild its result from GitHub alone (DESIGN.md invariant 9).
 */
import { SHA1_PATTERN } from './hex.ts'
import { fail, ok, type ParseResult, quoteUntrusted } from './result.ts'
import { GITHUB_SESSION_ID_PATTERN } from './session-id.ts'
import { collectTrailers, splitTrailerBlock } from './trailer-block.ts'

/** What a promotion commit's trailers say. */
export interface PromotionTrailers {
  sessionId: string
  /** The session's baseline: 40 lowercase hex digits. */
  baselineSha: string
}

/**
 * Parses the final paragraph of a promotion commit message. The message above it is free text (the
 * user's `-m`); the final paragraph must hold exactly one `Gittrix-Session` and one
 * `Gittrix-Baseline` (other, non-Gittrix trailers such as `Signed-off-by` are ignored), no other
 * `Gittrix-*` key, no CR. Never throws.
 */
export function parsePromotionTrailers(message: string): ParseResult<PromotionTrailers> {
  const split = splitTrailerBlock(message, { strictHead: false })
  if (!split.ok) return split
  const fields = collectTrailers(split.value.trailers, {
    required: ['Gittrix-Session', 'Gittrix-Baseline'],
    optional: [],
    allowForeign: true,
  })
  if (!fields.ok) return fields
  if (split.value.head.length === 0 || split.value.head.every((line) => line.trim() === '')) {
    return fail('a promotion commit has a message above its trailers')
  }
  const sessionId = fields.value['Gittrix-Session']!
  const baselineSha = fields.value['Gittrix-Baseline']!
  if (!GITHUB_SESSION_ID_PATTERN.test(sessionId))
    return fail(`Gittrix-Session ${quoteUntrusted(sessionId)} is not a session id`)
  if (!SHA1_PATTERN.test(baselineSha))
    return fail(`Gittrix-Baseline ${quoteUntrusted(baselineSha)} is not a 40-hex commit id`)
  return ok({ sessionId, baselineSha })
}
