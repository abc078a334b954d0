/**
 * The facts about a session that every GitHub rendering needs, beside its diff.
 */
import { z } from 'zod'
import { type EphemeralLocation, ephemeralLocationSchema } from './ephemeral-location.ts'
import { sha1Schema } from './commit-sha.ts'
import { sessionIdSchema } from './session-id.ts'

/** What the renderers show about a session. All text is untrusted and escaped by the renderers. */
export interface SessionFacts {
  sessionId: string
  /** The full task (from the start commit body). */
  task: string
  /** 40-hex baseline commit. */
  baselineSha: string
  /** Short name of the durable branch. */
  durableBranch: string
  /** Where the workspace lives; default `{ kind: 'branch' }`. Decides how the full diff can be fetched. */
  ephemeral?: EphemeralLocation
  /** An `https:` page with the full diff (e.g. a compare view or the App's details page). Ignored unless `https:`. */
  fullDiffUrl?: string
}

/**
 * zod schema of {@link SessionFacts}: a GitHub session id, a 40-hex baseline, a non-empty task and
 * durable branch. The renderers check their input with it, so a caller's mix-up fails loudly.
 */
export const sessionFactsSchema = z
  .object({
    sessionId: sessionIdSchema,
    task: z.string(),
    baselineSha: sha1Schema,
    durableBranch: z.string().min(1),
    ephemeral: ephemeralLocationSchema.optional(),
    fullDiffUrl: z.string().optional(),
  })
  .strict()
