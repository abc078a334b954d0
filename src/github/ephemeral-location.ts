/**
 * Where a GitHub session's workspace lives: the session branch itself (`branch`) or a Cloudflare
 * Artifacts repository (`artifacts://<namespace>/<repo>`), as carried by `Gittrix-Ephemeral`.
 */
import { z } from 'zod'
import { fail, ok, type ParseResult, quoteUntrusted } from './result.ts'

/** The workspace location of a session. */
export type EphemeralLocation = { kind: 'branch' } | { kind: 'artifacts'; namespace: string; repo: string }

/**
 * Artifacts namespace and repository names: `^[a-zA-Z0-9][a-zA-Z0-9._-]*$` (Cloudflare Artifacts REST
 * docs, `NamespaceName`/`RepoName`; see docs/platform-facts.md#rest-api), capped by us at 100 characters.
 */
export const ARTIFACTS_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/** zod schema of an {@link EphemeralLocation}. */
export const ephemeralLocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('branch') }).strict(),
  z
    .object({
      kind: z.literal('artifacts'),
      namespace: z.string().regex(ARTIFACTS_NAME_PATTERN),
      repo: z.string().regex(ARTIFACTS_NAME_PATTERN),
    })
    .strict(),
])

/** `branch` or `artifacts://<namespace>/<repo>`. The location must satisfy {@link ephemeralLocationSchema}. */
export function formatEphemeralLocation(location: EphemeralLocation): string {
  const valid = ephemeralLocationSchema.parse(location)
  return valid.kind === 'branch' ? 'branch' : `artifacts://${valid.namespace}/${valid.repo}`
}

/** Parses the value of `Gittrix-Ephemeral` (exact spelling; no trailing slash, query or extra segments). */
export function parseEphemeralLocation(value: string): ParseResult<EphemeralLocation> {
  if (value === 'branch') return ok({ kind: 'branch' })
  const match = /^artifacts:\/\/([^/]+)\/([^/]+)$/.exec(value)
  if (!match || !ARTIFACTS_NAME_PATTERN.test(match[1]!) || !ARTIFACTS_NAME_PATTERN.test(match[2]!)) {
    return fail(`${quoteUntrusted(value)} is not "branch" or "artifacts://<namespace>/<repo>"`)
  }
  return ok({ kind: 'artifacts', namespace: match[1]!, repo: match[2]! })
}
