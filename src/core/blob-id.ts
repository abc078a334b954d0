/** Git blob ids computed locally, so content read from a host is checked, never trusted. */
import { createHash } from 'node:crypto'

/**
 * The git blob id of `bytes`: `hash("blob <length>\0" + bytes)` (git's object format,
 * gitformat-loose(5)), SHA-1 by default, SHA-256 for a repository in that object format (pass
 * `'sha256'`, or use {@link blobIdLike}).
 */
export function gitBlobId(bytes: Uint8Array, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  return createHash(algorithm).update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex')
}

/** The blob id of `bytes` in the object format of `oid` (64 hex digits: SHA-256, else SHA-1). */
export function blobIdLike(oid: string, bytes: Uint8Array): string {
  return gitBlobId(bytes, oid.length === 64 ? 'sha256' : 'sha1')
}
