/**
 * The result shape every protocol parser in `src/github/` returns: parsers never throw on hostile
 * input; they answer with a reason a person can act on.
 */

/** `{ ok: true, value }` on success, `{ ok: false, reason }` (one sentence, plain text) otherwise. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string }

/** Builds a success. */
export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value }
}

/** Builds a failure with a plain-text reason. */
export function fail<T = never>(reason: string): ParseResult<T> {
  return { ok: false, reason }
}

/**
 * Quotes untrusted text for a plain-text message: JSON-style quoting, control, invisible and bidi
 * characters shown as `\u{...}`, cut to `max` code points (default 60) with `…`.
 */
export function quoteUntrusted(text: string, max = 60): string {
  const chars = Array.from(text)
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text
  let out = ''
  for (const ch of cut) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`
    else if (isInvisible(ch)) out += `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`
    else out += ch
  }
  return `"${out}"`
}

/**
 * True for characters that must never reach a rendered message verbatim: C0/C1 controls, DEL,
 * zero-width and bidi-control characters (U+061C ARABIC LETTER MARK included), the Mongolian vowel
 * separator, line/paragraph separators, BOM, soft hyphen and interlinear annotation marks.
 */
export function isInvisible(ch: string): boolean {
  const cp = ch.codePointAt(0)!
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff ||
    (cp >= 0xd800 && cp <= 0xdfff) || // a lone surrogate half: not a character, invalid in UTF-8
    cp === 0xad ||
    cp === 0x061c ||
    cp === 0x180e ||
    (cp >= 0xfff9 && cp <= 0xfffb)
  )
}
