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
 * src/core/bytes.ts's lone surrogates U+DC80–U+DC9F) as `\xNN`, and bidirectional marks, embeddings,
 * overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) as `<U+NNNN>`.
 */
export function visible(text: string): string {
  return text.replace(
    /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udc9f]/g,
    (c) => {
      const code = c.charCodeAt(0) >= 0xdc80 ? c.charCodeAt(0) - 0xdc00 : c.charCodeAt(0)
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `<U+${code.toString(16).toUpperCase()}>`
    },
  )
}

/** {@link visible} for bytes: decoded losslessly, escaped, encoded again (other bytes are unchanged). */
export function visibleBytes(bytes: Uint8Array): Uint8Array {
  return encodeText(visible(decodeBytes(bytes)))
}

/**
 * `value` as JSON (`JSON.stringify(value, null, 2)`) with DEL, C1 controls and bidirectional marks,
 * embeddings, overrides and isolates written as `\uXXXX` escapes, as JSON.stringify already writes
 * C0 controls and lone surrogates: the same value for any JSON parser, nothing a terminal acts on or
 * a reader sees reordered.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
