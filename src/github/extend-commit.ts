/**
 * The extend commit: an empty commit on the session branch that records a session's new eviction
 * policy after `/gittrix extend`. Its date also resets the idle clock (the branch head's date). The
 * newest extend commit of a session overrides the policy of its start commit; the App writes it and
 * the Action's `sweep` (like the App) reads it.
 *
 * ```
 * gittrix: extend sess_abcdefghijkl
 *
 * Extended by @octocat for 24h.
 *
 * Gittrix-Session: sess_abcdefghijkl
 * Gittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false
 * ```
 */
import { InvalidArgumentError } from '../core/errors.ts'
import type { EvictionPolicy } from '../core/types.ts'
import { sessionIdFromRef } from './branches.ts'
import { encodeEviction, parseEviction } from './eviction-trailer.ts'
import { fail, ok, type ParseResult, quoteUntrusted } from './result.ts'
import { GITHUB_SESSION_ID_PATTERN } from './session-id.ts'
import { collectTrailers, formatTrailers, splitTrailerBlock } from './trailer-block.ts'

/** Trailer keys of the extend commit, in their canonical order. */
export const EXTEND_TRAILERS = { session: 'Gittrix-Session', eviction: 'Gittrix-Eviction' } as const

/** What an extend commit records. */
export interface ExtendCommit {
  sessionId: string
  /** The session's eviction policy from this commit on. */
  eviction: EvictionPolicy
  /** One line for people (who extended, by how much); no control characters. */
  note?: string
}

/** The subject line of an extend commit. */
export function extendCommitSubject(sessionId: string): string {
  return `gittrix: extend ${sessionId}`
}

/** Encodes an extend commit message (ends with one LF). Throws `INVALID_ARGUMENT` on a bad id or note. */
export function encodeExtendCommit(extend: ExtendCommit): string {
  if (!GITHUB_SESSION_ID_PATTERN.test(extend.sessionId)) {
    throw new InvalidArgumentError(
      `Invalid extend commit: ${JSON.stringify(extend.sessionId)} is not a session id.`,
    )
  }
  const note = extend.note?.trim()
  if (note !== undefined && [...note].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20)) {
    throw new InvalidArgumentError(
      'Invalid extend commit: the note must be one line without control characters.',
    )
  }
  const trailers = formatTrailers([
    { key: EXTEND_TRAILERS.session, value: extend.sessionId },
    { key: EXTEND_TRAILERS.eviction, value: encodeEviction(extend.eviction) },
  ])
  return `${extendCommitSubject(extend.sessionId)}\n\n${note ? `${note}\n\n` : ''}${trailers}\n`
}

/**
 * Parses an extend commit message. Never throws. Refuses another subject, a session id that differs
 * from the trailer's, `expect.branch`'s or `expect.sessionId`, duplicate / unknown / foreign trailers,
 * and an eviction policy that does not parse.
 */
export function parseExtendCommit(
  message: string,
  expect: { branch?: string; sessionId?: string } = {},
): ParseResult<ExtendCommit> {
  const split = splitTrailerBlock(message, { strictHead: true })
  if (!split.ok) return split
  const t = EXTEND_TRAILERS
  const fields = collectTrailers(split.value.trailers, { required: [t.session, t.eviction], optional: [] })
  if (!fields.ok) return fields
  const sessionId = fields.value[t.session]!
  if (!GITHUB_SESSION_ID_PATTERN.test(sessionId))
    return fail(`${t.session} ${quoteUntrusted(sessionId)} is not a session id`)
  if (split.value.head[0] !== extendCommitSubject(sessionId))
    return fail(`an extend commit starts with the subject "${extendCommitSubject(sessionId)}"`)
  if (expect.branch !== undefined && sessionIdFromRef(expect.branch) !== sessionId)
    return fail(
      `the extend commit names session ${sessionId}, which does not match ${quoteUntrusted(expect.branch)}`,
    )
  if (expect.sessionId !== undefined && expect.sessionId !== sessionId)
    return fail(`the extend commit names session ${sessionId}, not ${quoteUntrusted(expect.sessionId)}`)
  const eviction = parseEviction(fields.value[t.eviction]!)
  if (!eviction.ok) return fail(`${t.eviction}: ${eviction.reason}`)
  const note = split.value.head.slice(1).join('\n').trim()
  return ok({ sessionId, eviction: eviction.value, ...(note ? { note } : {}) })
}
