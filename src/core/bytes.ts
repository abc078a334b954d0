/**
 * Bytes ↔ strings without loss, for file names and file contents that are not UTF-8.
 *
 * Git paths and file contents are byte strings (a Latin-1 `caf\xe9.txt`, a Shift-JIS name, any
 * invalid UTF-8). Gittrix keeps `string` in its API and recovers the exact bytes with the
 * "surrogateescape" scheme of PEP 383 (https://peps.python.org/pep-0383/): a byte 0x80–0xFF that is
 * not part of a well-formed UTF-8 sequence decodes to the lone surrogate U+DC80–U+DCFF, and encoding
 * maps each such lone surrogate back to its byte. For every byte string `b`,
 * `encodeText(decodeBytes(b))` equals `b`; for UTF-8 input both are plain UTF-8.
 *
 * Well-formed UTF-8 follows the Unicode Standard, Table 3-7 (no overlongs, no surrogates, nothing above
 * U+10FFFF), so a lone surrogate in a decoded string always stands for one raw byte.
 */
import { isUtf8 } from 'node:buffer'

/** Decodes bytes as UTF-8, each byte of an ill-formed sequence as U+DC80 + (byte − 0x80). */
export function decodeBytes(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (isUtf8(buffer.subarray(start, end))) return buffer.toString('utf8', start, end)
  let out = ''
  let run = start
  let i = start
  while (i < end) {
    const b = buffer[i]!
    if (b < 0x80) {
      i += 1
      continue
    }
    const length = sequenceLength(buffer, i, end)
    if (length > 0) {
      i += length
      continue
    }
    out += buffer.toString('utf8', run, i) + String.fromCharCode(0xdc00 + b)
    i += 1
    run = i
  }
  return out + buffer.toString('utf8', run, end)
}

/**
 * The length of the well-formed UTF-8 sequence starting at `i` (2–4), or 0 when the byte there does
 * not start one (Unicode Standard, Table 3-7).
 */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b0 = bytes[i]!
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < end && bytes[i + k]! >= lo && bytes[i + k]! <= hi
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0
  return 0
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when `text` holds a lone surrogate, i.e. stands for bytes that are not UTF-8. */
export function hasEscapedBytes(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

/**
 * True when every lone surrogate in `text` is an escaped byte (U+DC80–U+DCFF), so {@link encodeText}
 * gives exact bytes. Other lone surrogates name no byte.
 */
export function isEncodable(text: string): boolean {
  if (!hasEscapedBytes(text)) return true
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) i += 1
      else return false
    } else if (unit >= 0xdc00 && unit <= 0xdfff && (unit < 0xdc80 || unit > 0xdcff)) return false
  }
  return true
}

/**
 * Encodes `text` as UTF-8, each lone surrogate U+DC80–U+DCFF as its byte 0x80–0xFF (the inverse of
 * {@link decodeBytes}). Any other lone surrogate becomes U+FFFD, as `Buffer.from(text)` would.
 */
export function encodeText(text: string): Buffer {
  if (!hasEscapedBytes(text)) return Buffer.from(text, 'utf8')
  const parts: Buffer[] = []
  let run = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1
        continue
      }
    } else if (unit < 0xdc00 || unit > 0xdfff) continue
    // A lone surrogate at i.
    parts.push(Buffer.from(text.slice(run, i), 'utf8'))
    parts.push(unit >= 0xdc80 && unit <= 0xdcff ? Buffer.of(unit - 0xdc00) : Buffer.from('\ufffd', 'utf8'))
    run = i + 1
  }
  parts.push(Buffer.from(text.slice(run), 'utf8'))
  return Buffer.concat(parts)
}

/** The canonical string for the bytes `text` stands for (`"\uDCC3\uDCA9"` and `"é"` are both `é`). */
export function canonicalText(text: string): string {
  return hasEscapedBytes(text) ? decodeBytes(encodeText(text)) : text
}

/** Splits NUL-terminated output (`git … -z`) into fields decoded with {@link decodeBytes}; drops the final empty field. */
export function splitNulBytes(output: Uint8Array): string[] {
  const buffer = Buffer.from(output.buffer, output.byteOffset, output.byteLength)
  if (isUtf8(buffer)) {
    // One decode for the whole output (a NUL never sits inside a UTF-8 sequence): each field is then
    // what decoding it alone gives.
    const fields = buffer.toString('utf8').split('\0')
    if (fields[fields.length - 1] === '') fields.pop()
    return fields
  }
  const fields: string[] = []
  let start = 0
  for (;;) {
    const nul = output.indexOf(0, start)
    if (nul === -1) {
      if (start < output.length) fields.push(decodeBytes(output, start))
      return fields
    }
    fields.push(decodeBytes(output, start, nul))
    start = nul + 1
  }
}
