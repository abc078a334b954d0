/**
 * The check run's buttons (`actions`) and the identifiers the App receives back in
 * `check_run.requested_action`. The definitions are validated against GitHub's limits when this
 * module loads, so an edit that breaks a limit fails at once (and in tests), not at GitHub.
 */
import { z } from 'zod'
import { CHECK_RUN_ACTIONS } from './limits.ts'

/**
 * One check run button. Limits (GitHub Checks API `actions`,
 * https://docs.github.com/en/rest/checks/runs#create-a-check-run): label ≤ 20, description ≤ 40,
 * identifier ≤ 20 characters; at most 3 per run.
 */
export const checkRunActionSchema = z
  .object({
    label: z.string().min(1).max(CHECK_RUN_ACTIONS.labelMax),
    description: z.string().min(1).max(CHECK_RUN_ACTIONS.descriptionMax),
    identifier: z
      .string()
      .min(1)
      .max(CHECK_RUN_ACTIONS.identifierMax)
      .regex(/^[a-z0-9_-]+$/),
  })
  .strict()

/** A list of buttons, at most {@link CHECK_RUN_ACTIONS}.maxCount, identifiers unique. */
export const checkRunActionsSchema = z
  .array(checkRunActionSchema)
  .max(CHECK_RUN_ACTIONS.maxCount)
  .refine(
    (actions) => new Set(actions.map((a) => a.identifier)).size === actions.length,
    'identifiers must be unique',
  )

/** A check run button as GitHub takes it. */
export type CheckRunAction = z.infer<typeof checkRunActionSchema>

/** What a button asks for. */
export type SessionActionId = 'promote_all' | 'open_pr' | 'discard'

/** The three session buttons: Promote all (strategy `auto`), Open PR (strategy `pr`), Discard. */
export const SESSION_ACTIONS: readonly CheckRunAction[] = Object.freeze(
  checkRunActionsSchema.parse([
    {
      identifier: 'promote_all',
      label: 'Promote all',
      description: 'Commit every file to the durable branch',
    },
    { identifier: 'open_pr', label: 'Open PR', description: 'Open a pull request with every file' },
    { identifier: 'discard', label: 'Discard', description: 'Delete the session and its branch' },
  ] satisfies Array<CheckRunAction & { identifier: SessionActionId }>),
)

/**
 * Validates buttons before they are sent: returns them, or throws a `ZodError` naming the broken limit.
 * Use it on any list built at run time.
 */
export function validateCheckRunActions(actions: readonly CheckRunAction[]): CheckRunAction[] {
  return checkRunActionsSchema.parse(actions)
}

/** The action a `requested_action.identifier` asks for, or `null` when it is not one of ours. */
export function parseActionIdentifier(identifier: unknown): SessionActionId | null {
  return identifier === 'promote_all' || identifier === 'open_pr' || identifier === 'discard'
    ? identifier
    : null
}
