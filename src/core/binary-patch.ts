/**
 * Git's binary patch format (`GIT binary patch` / `literal`): zlib-deflated content, base85-encoded in
 * lines of at most 52 bytes, each prefixed by a length letter. Lets `git apply` reproduce binary files.
 * Format: git's `diff.c` (emit_binary_diff_body) and `base85.c`.
 */
import { deflateSync } from 'node:zlib'

const BASE85 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~'

/** Base85-encodes `data` (zero-padded to a multiple of 4 bytes) the way git does. */
export function encodeBase85(data: Uint8Array): string {
  let out = ''
  for (let i = 0; i < data.length; i += 4) {
    let acc = 0
    for (let j = 0; j < 4; j++) acc = acc * 256 + (data[i + j] ?? 0)
    const group = new Array<string>(5)
    for (let k = 4; k >= 0; k--) {
      group[k] = BASE85[acc % 85]!
      acc = Math.floor(acc / 85)
    }
    out += group.join('')
  }
  return out
}

/** One `literal <size>` hunk: the full content, deflated and base85-encoded, then a blank line. */
function literalHunk(content: Uint8Array): string {
  const deflated = deflateSync(content)
  let out = `literal ${content.byteLength}\n`
  for (let i = 0; i < deflated.length; i += 52) {
    const chunk = deflated.subarray(i, i + 52)
    const prefix =
      chunk.length <= 26
        ? String.fromCharCode(64 + chunk.length)
        : String.fromCharCode(96 + chunk.length - 26)
    out += `${prefix}${encodeBase85(chunk)}\n`
  }
  return `${out}\n`
}

/** The body git writes for a binary change: a forward hunk (old → new) and a reverse hunk. */
export function binaryPatchBody(oldBytes: Uint8Array | null, newBytes: Uint8Array | null): string {
  const empty = new Uint8Array(0)
  return `GIT binary patch\n${literalHunk(newBytes ?? empty)}${literalHunk(oldBytes ?? empty)}`
}
