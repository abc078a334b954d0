/**
 * Strict reading of a commit message's final paragraph as a trailer block, shared by the start,
 * pointer and promotion commit parsers. Stricter than `git interpret-trailers` on purpose: the
 * messages are written by Gittrix itself, so anything unusual is treated as forged or damaged.
 */
import { fail, isInvisible, ok, type ParseResult, quoteUntrusted } from './result.ts'

/** One `Key: value` trailer line. */
export interface Trailer {
  key: string
  value: string
}

/** A message cut into the lines above the trailer block and the trailers themselves. */
export interface TrailerSplit {
  /** Every line above the blank line that opens the final paragraph. */
  head: string[]
  /** The final paragraph, one entry per line, in order. */
  trailers: Trailer[]
}

/** Longest commit message any Gittrix parser reads (characters): 256 KiB. Longer input is refused unread. */
export const MAX_MESSAGE_LENGTH = 256 * 1024

const TRAILER_LINE = /^([A-Za-z0-9][A-Za-z0-9-]{0,63}): (\S(?:.*\S)?)$/

/**
 * Splits `message` into its head and its final paragraph, read as trailers.
 *
 * Rules: LF line ends only (any CR is refused: CRLF tricks could hide a line from one reader and
 * show it to another); at most one trailing LF; the final paragraph starts after the last blank
 * (empty or whitespace-only) line; each of its lines is exactly `Key: value` with a single space, a
 * non-empty value without surrounding whitespace, and no control, zero-width or bidi characters
 * (no folded continuation lines). With `strictHead`, the head may contain no control characters
 * other than tab either.
 */
export function splitTrailerBlock(
  message: string,
  options: { strictHead: boolean },
): ParseResult<TrailerSplit> {
  if (typeof message !== 'string') return fail('the commit message is not a string')
  if (message.length > MAX_MESSAGE_LENGTH)
    return fail(`the commit message is longer than ${MAX_MESSAGE_LENGTH} characters`)
  if (message.includes('\r'))
    return fail('the commit message contains a carriage return (only LF line ends are accepted)')
  if (message.includes('\0')) return fail('the commit message contains a NUL byte')
  const text = message.endsWith('\n') ? message.slice(0, -1) : message
  if (text.endsWith('\n'))
    return fail('the commit message ends with a blank line: the trailers must be the final paragraph')
  const lines = text.split('\n')
  let blank = -1
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.trim() === '') {
      blank = i
      break
    }
  }
  if (blank < 0) return fail('the commit message has no trailer paragraph')
  const head = lines.slice(0, blank)
  if (options.strictHead) {
    for (const line of head) {
      for (const ch of line) {
        if (ch !== '\t' && isControl(ch)) return fail('the commit message contains a control character')
      }
    }
  }
  const trailers: Trailer[] = []
  for (const line of lines.slice(blank + 1)) {
    const match = TRAILER_LINE.exec(line)
    if (!match)
      return fail(`the final paragraph is not a trailer block: ${quoteUntrusted(line)} is not "Key: value"`)
    const value = match[2]!
    for (const ch of value) {
      if (isInvisible(ch)) return fail(`trailer ${match[1]} contains a control or invisible character`)
    }
    trailers.push({ key: match[1]!, value })
  }
  return ok({ head, trailers })
}

function isControl(ch: string): boolean {
  const cp = ch.codePointAt(0)!
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
}

/** Which trailers a message must, may and may not carry. Keys are exact (canonical case). */
export interface TrailerSpec {
  required: readonly string[]
  optional: readonly string[]
  /** Accept non-`Gittrix-*` trailers (e.g. `Signed-off-by`) and ignore them. Default false. */
  allowForeign?: boolean
}

/**
 * Checks `trailers` against `spec` and returns them by key. Refuses: a key given twice (compared
 * case-insensitively, so `gittrix-session` cannot shadow `Gittrix-Session`), a `Gittrix-*` key not in
 * the spec or not in canonical case, a missing required key, and foreign keys unless allowed.
 */
export function collectTrailers(
  trailers: readonly Trailer[],
  spec: TrailerSpec,
): ParseResult<Record<string, string>> {
  const known = new Set([...spec.required, ...spec.optional])
  const seen = new Set<string>()
  const out: Record<string, string> = {}
  for (const { key, value } of trailers) {
    const folded = key.toLowerCase()
    if (seen.has(folded)) return fail(`trailer ${key} appears more than once`)
    seen.add(folded)
    if (folded.startsWith('gittrix-')) {
      if (!known.has(key)) return fail(`unknown Gittrix trailer ${quoteUntrusted(key)}`)
    } else if (!spec.allowForeign) {
      return fail(`unexpected trailer ${quoteUntrusted(key)}: only Gittrix trailers belong here`)
    } else continue
    out[key] = value
  }
  for (const key of spec.required) {
    if (!(key in out)) return fail(`trailer ${key} is missing`)
  }
  return ok(out)
}

/** Formats trailers as lines `Key: value` joined by LF (no trailing LF). */
export function formatTrailers(trailers: readonly Trailer[]): string {
  return trailers.map((t) => `${t.key}: ${t.value}`).join('\n')
}
