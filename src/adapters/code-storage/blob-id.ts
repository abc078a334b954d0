/** Git object ids computed locally, so content read from Code Storage is checked, never trusted. */
import { createHash } from 'node:crypto'

/** The git (SHA-1) blob id of `bytes`: `sha1("blob <length>\0" + bytes)` (git's object format). */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex')
}
