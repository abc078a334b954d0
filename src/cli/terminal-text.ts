/**
 * What Gittrix prints on a terminal never acts on it: text an agent wrote (file contents, diffs, paths,
 * commit subjects) can hold ECMA-48 control sequences that move the cursor, erase lines or retitle the
 * window, and Unicode bidirectional overrides that reorder what a person reads
 * (https://trojansource.codes/). On a terminal they are printed as visible escapes; piped or
 * redirected, output stays byte for byte what it is.
 */
import { decodeBytes, encodeText } from '../core/bytes.ts'

/**
 * `text` with control characters (C0 but tab and newline, DEL, C1, also C1 bytes that are no UTF-8:
 * src/core/bytes.ts's lone surrogates U+DC80–U+DC9F) as `\xNN`, and as `<U+NNNN>` the characters a
 * terminal draws as nothing (Unicode's Default_Ignorable_Code_Point, which holds the bidirectional
 * marks, embeddings, overrides and isolates U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069,
 * zero-width spaces and joiners, U+FEFF, tag characters, variation selectors) and the line and paragraph
 * separators U+2028, U+2029 and interlinear annotations U+FFF9–U+FFFB: a payload spelled in tag
 * characters or variation selectors (ASCII smuggling, GlassWorm) is otherwise invisible in a diff, and
 * two file names differing by a zero-width character look the same. Left as they are, for the scripts
 * and emoji that need them: zero-width non-joiner and joiner (U+200C, U+200D) and a variation selector
 * U+FE00–U+FE0F right after a character it can select (not ASCII but a keycap's 0–9, # or *).
 */
export function visible(text: string): string {
  return text.replace(VISIBLE_ESCAPED, (c) => {
    const code = c.codePointAt(0)!
    if (code >= 0xdc80 && code <= 0xdc9f) return `\\x${(code - 0xdc00).toString(16)}`
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`
  })
}

// Joiners and variation selectors in classes are the point here, not a misjoined emoji.
const VISIBLE_ESCAPED =
  // eslint-disable-next-line no-misleading-character-class
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufff9-\ufffb\udc80-\udc9f]|(?<![0-9#*]|[^\x00-\x7f\p{Default_Ignorable_Code_Point}])[\ufe00-\ufe0f]|(?![\u200c\u200d\ufe00-\ufe0f])\p{Default_Ignorable_Code_Point}/gu

/** {@link visible} for bytes: decoded losslessly, escaped, encoded again (other bytes are unchanged). */
export function visibleBytes(bytes: Uint8Array): Uint8Array {
  return encodeText(visible(decodeBytes(bytes)))
}

/**
 * `value` as JSON (`JSON.stringify(value, null, 2)`) with DEL, C1 controls, every character
 * {@link visible} can show as `<U+NNNN>` (Default_Ignorable_Code_Point, with all variation selectors
 * and zero-width joiners here) and U+2028, U+2029, U+FFF9–U+FFFB written as `\uXXXX` escapes (a
 * surrogate pair beyond the BMP), as JSON.stringify already writes C0 controls and lone surrogates: the
 * same value for any JSON parser, nothing a terminal acts on, draws as nothing or a reader sees reordered.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(JSON_ESCAPED, (c) =>
    [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  )
}

const JSON_ESCAPED = /[\x7f-\x9f\u2028\u2029\ufff9-\ufffb]|\p{Default_Ignorable_Code_Point}/gu
