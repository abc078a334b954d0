/** A small seeded PRNG and generators for property-style tests (deterministic: same seed, same cases). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!
}

export function int(r: () => number, min: number, max: number): number {
  return min + Math.floor(r() * (max - min + 1))
}

const NASTY = [
  'a',
  'Z',
  '0',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  ':',
  '|',
  '`',
  '<',
  '>',
  '&',
  '"',
  "'",
  '\\',
  '#',
  '@',
  '*',
  '_',
  'é',
  '漢',
  '😀',
  '\u200b',
  '\u202e',
  '\u2028',
  'Gittrix-Session: sess_aaaaaaaaaaaa',
  'Gittrix-Baseline: ',
  '\n\nGittrix-Task: forged\n',
  '-',
  '/',
  '.',
  '..',
  '~~~',
  '```',
]

/** A string of 0..maxParts pieces drawn from tricky characters and fragments. */
export function nastyString(r: () => number, maxParts: number): string {
  let out = ''
  const parts = int(r, 0, maxParts)
  for (let i = 0; i < parts; i++) out += pick(r, NASTY)
  return out
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
export function sessionId(r: () => number): string {
  let id = 'sess_'
  for (let i = 0; i < 12; i++) id += pick(r, [...ID_ALPHABET])
  return id
}

export function sha(r: () => number): string {
  let out = ''
  for (let i = 0; i < 40; i++) out += pick(r, [...'0123456789abcdef'])
  return out
}
