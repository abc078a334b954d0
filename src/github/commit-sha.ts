/** Git object ids as the GitHub protocol carries them. */
import { z } from 'zod'

/** A full SHA-1 commit id: 40 lowercase hex digits (GitHub repositories are SHA-1). */
export const SHA1_PATTERN = /^[0-9a-f]{40}$/

/** zod schema of {@link SHA1_PATTERN}. */
export const sha1Schema = z.string().regex(SHA1_PATTERN, 'expected a 40-character lowercase hex commit id')

/** The first 7 characters of a sha, as GitHub shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7)
}
