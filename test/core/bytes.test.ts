/**
 * Lossless bytes ↔ string (PEP 383 surrogateescape): every byte string survives a round trip, UTF-8
 * stays plain UTF-8, and ill-formed sequences (overlongs, surrogates, truncations) decode byte by byte.
 */
import { describe, expect, it } from 'vitest'
import {
  canonicalText,
  decodeBytes,
  encodeText,
  hasEscapedBytes,
  isEncodable,
  splitNulBytes,
} from '../../src/core/bytes.ts'

/** A small deterministic PRNG (mulberry32), so the random cases are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('decodeBytes / encodeText', () => {
  it('keeps UTF-8 as is', () => {
    for (const text of ['', 'README.md', 'café/naïve.txt', '日本語', '😀 emoji']) {
      expect(decodeBytes(Buffer.from(text))).toBe(text)
      expect(encodeText(text)).toEqual(Buffer.from(text))
      expect(hasEscapedBytes(text)).toBe(false)
    }
  })

  it('escapes each byte of an ill-formed sequence and restores it exactly', () => {
    const cases: [number[], string][] = [
      [[0x63, 0x61, 0x66, 0xe9], 'caf\udce9'], // Latin-1 "café"
      [[0x83, 0x5c], '\udc83\\'], // Shift-JIS "ソ": the trail byte is ASCII "\"
      [[0xc0, 0xaf], '\udcc0\udcaf'], // overlong "/"
      [[0xed, 0xa0, 0x80], '\udced\udca0\udc80'], // an encoded surrogate is not UTF-8
      [[0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'], // above U+10FFFF
      [[0xe6, 0x97], '\udce6\udc97'], // truncated
      [[0xff, 0x41, 0xc3, 0xa9], '\udcffAé'], // a valid sequence after an invalid byte
    ]
    for (const [bytes, text] of cases) {
      expect(decodeBytes(Buffer.from(bytes))).toBe(text)
      expect(encodeText(text)).toEqual(Buffer.from(bytes))
      expect(hasEscapedBytes(text)).toBe(true)
      expect(isEncodable(text)).toBe(true)
    }
  })

  it('round-trips 20,000 random byte strings exactly', () => {
    const random = rng(13)
    for (let n = 0; n < 20_000; n++) {
      const bytes = Buffer.alloc(Math.floor(random() * 24))
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256)
      expect(encodeText(decodeBytes(bytes)).equals(bytes)).toBe(true)
    }
  })

  it('refuses surrogates that stand for no byte, and canonicalises escaped UTF-8', () => {
    expect(isEncodable('\ud800x')).toBe(false)
    expect(isEncodable('\udc41')).toBe(false)
    expect(encodeText('\ud800')).toEqual(Buffer.from('\ufffd'))
    expect(canonicalText('\udcc3\udca9')).toBe('é')
    expect(canonicalText('caf\udce9')).toBe('caf\udce9')
  })

  it('splits NUL-separated output at the byte level', () => {
    expect(splitNulBytes(Buffer.from('a\0caf\xe9\0\0b\0', 'latin1'))).toEqual(['a', 'caf\udce9', '', 'b'])
    expect(splitNulBytes(Buffer.alloc(0))).toEqual([])
    expect(splitNulBytes(Buffer.from('x'))).toEqual(['x'])
  })

  it('splits UTF-8 output into the fields a byte-level split gives, inside a larger buffer too', () => {
    expect(splitNulBytes(Buffer.from('a\0é\0\0日本\0', 'utf8'))).toEqual(['a', 'é', '', '日本'])
    expect(splitNulBytes(Buffer.from('\0', 'utf8'))).toEqual([''])
    expect(splitNulBytes(Buffer.from('a\0b', 'utf8'))).toEqual(['a', 'b'])
    // A view into a larger buffer (as git output sliced by offset is): only its own bytes count.
    const whole = Buffer.from('skip\0a\0b\0tail', 'utf8')
    expect(splitNulBytes(whole.subarray(5, 9))).toEqual(['a', 'b'])
    expect(splitNulBytes(new Uint8Array(whole.buffer, whole.byteOffset + 5, 4))).toEqual(['a', 'b'])
  })
})
