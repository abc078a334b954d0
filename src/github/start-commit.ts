/**
 * The start commit (docs/architecture.md#start-commit): the first commit of `gittrix/<session-id>`, parent = baseline,
 * tree = baseline tree, written by the Action before the agent runs and read by the App on every push.
 *
 * ```
 * gittrix: start sess_abcdefghijkl
 *
 * <the full task, normalised (see task.ts)>
 *
 * Gittrix-Session: sess_abcdefghijkl
 * Gittrix-Task: <first line of the task, ≤ 200 code points>
 * Gittrix-Durable-Branch: main
 * Gittrix-Baseline: <40-hex sha>
 * Gittrix-Ephemeral: branch | artifacts://<namespace>/<repo>
 * Gittrix-Link: 42                                   (optional: issue or PR number)
 * Gittrix-Eviction: ttlIdle=4h; ttlAbsolute=off; untilPromote=true; manual=false   (optional)
 * Gittrix-Run: 1234567890                             (optional: the workflow run that started it)
 * ```
 *
 * Trailers appear in exactly this order. The parser accepts only the byte-exact canonical encoding of
 * what it parsed (one trailing LF optional), so reordered, duplicated, re-spelled or smuggled trailers
 * are all refused.
 */
import { z } from 'zod'
import { InvalidArgumentError } from '../core/errors.ts'
import type { EvictionPolicy } from '../core/types.ts'
import { branchNameProblem, sessionIdFromRef } from './branches.ts'
import {
  type EphemeralLocation,
  ephemeralLocationSchema,
  formatEphemeralLocation,
  parseEphemeralLocation,
} from './ephemeral-location.ts'
import { encodeEviction, parseEviction } from './eviction-trailer.ts'
import { SHA1_PATTERN, sha1Schema } from './commit-sha.ts'
import { fail, ok, type ParseResult, quoteUntrusted } from './result.ts'
import { GITHUB_SESSION_ID_PATTERN, sessionIdSchema } from './session-id.ts'
import { normalizeTaskResult, taskSummary } from './task.ts'
import { collectTrailers, formatTrailers, splitTrailerBlock, type Trailer } from './trailer-block.ts'

/** Trailer keys of the start commit, in their canonical order. */
export const START_TRAILERS = {
  session: 'Gittrix-Session',
  task: 'Gittrix-Task',
  durableBranch: 'Gittrix-Durable-Branch',
  baseline: 'Gittrix-Baseline',
  ephemeral: 'Gittrix-Ephemeral',
  link: 'Gittrix-Link',
  eviction: 'Gittrix-Eviction',
  run: 'Gittrix-Run',
} as const

/** A workflow run id (`GITHUB_RUN_ID`): decimal digits. */
export const RUN_ID_PATTERN = /^[1-9][0-9]{0,19}$/

/** Everything the start commit records about a session. */
export interface StartCommit {
  sessionId: string
  /** The full task. Parsed values are normalised (CRLF → LF, trimmed); see task.ts. */
  task: string
  /** Short name of the durable branch, e.g. `main`. */
  durableBranch: string
  /** The durable commit the session started from: 40 lowercase hex digits. */
  baselineSha: string
  ephemeral: EphemeralLocation
  /** The issue or pull request number that started the session, or `null`. */
  link: number | null
  /** The session's eviction policy, or `null` for the repository's defaults. */
  eviction: EvictionPolicy | null
  /**
   * The workflow run (`GITHUB_RUN_ID`) that started the session, when recorded: the Action's `publish`
   * mode writes only branches whose start commit names its own run. Absent in sessions started before
   * it was recorded (and parsed as absent).
   */
  run?: string
}

const duration = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable()

/** zod schema of a {@link StartCommit} (the task is checked separately, see `normalizeTask`). */
export const startCommitSchema = z
  .object({
    sessionId: sessionIdSchema,
    task: z.string(),
    durableBranch: z.string().superRefine((name, ctx) => {
      const problem = branchNameProblem(name)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
      else if (name.startsWith('gittrix/'))
        ctx.addIssue({ code: 'custom', message: 'a Gittrix branch cannot be durable' })
    }),
    baselineSha: sha1Schema,
    ephemeral: ephemeralLocationSchema,
    link: z.number().int().positive().max(2_147_483_647).nullable(),
    eviction: z
      .object({
        ttlIdleMs: duration,
        ttlAbsoluteMs: duration,
        untilPromote: z.boolean(),
        manual: z.boolean(),
      })
      .strict()
      .nullable(),
    run: z.string().regex(RUN_ID_PATTERN).optional(),
  })
  .strict()

/** The subject line of a session's start commit. */
export function startCommitSubject(sessionId: string): string {
  return `gittrix: start ${sessionId}`
}

/**
 * Encodes the start commit message (ends with one LF). Throws `INVALID_ARGUMENT` naming the field when
 * `start` does not satisfy {@link startCommitSchema} or the task is empty, too long or holds control
 * characters.
 */
export function encodeStartCommit(start: StartCommit): string {
  const parsed = startCommitSchema.safeParse(start)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new InvalidArgumentError(
      `Invalid start commit field ${issue.path.join('.') || '(root)'}: ${issue.message}.`,
    )
  }
  const task = normalizeTaskResult(start.task)
  if (!task.ok) throw new InvalidArgumentError(`Invalid start commit field task: ${task.reason}.`)
  return render({ ...parsed.data, task: task.value })
}

function render(start: StartCommit): string {
  const t = START_TRAILERS
  const trailers: Trailer[] = [
    { key: t.session, value: start.sessionId },
    { key: t.task, value: taskSummary(start.task) },
    { key: t.durableBranch, value: start.durableBranch },
    { key: t.baseline, value: start.baselineSha },
    { key: t.ephemeral, value: formatEphemeralLocation(start.ephemeral) },
  ]
  if (start.link !== null) trailers.push({ key: t.link, value: String(start.link) })
  if (start.eviction !== null) trailers.push({ key: t.eviction, value: encodeEviction(start.eviction) })
  if (start.run !== undefined) trailers.push({ key: t.run, value: start.run })
  return `${startCommitSubject(start.sessionId)}\n\n${start.task}\n\n${formatTrailers(trailers)}\n`
}

/** What the parsed message must agree with. */
export interface StartCommitExpectation {
  /** The branch the commit was found on (`refs/heads/gittrix/<id>` or `gittrix/<id>`): its id must match. */
  branch?: string
  /** The session id the caller expects, e.g. a check run's `external_id`. */
  sessionId?: string
}

/**
 * Parses and validates a start commit message. Never throws; refuses (with a reason) anything that is
 * not exactly what {@link encodeStartCommit} writes: CR characters, control characters, a subject
 * other than `gittrix: start <id>`, trailers outside the final paragraph, duplicate / unknown /
 * foreign keys, a baseline that is not 40 lowercase hex, a session id that differs between subject,
 * trailer and branch, a `Gittrix-Task` that is not the summary of the body, and any non-canonical form.
 */
export function parseStartCommit(
  message: string,
  expect: StartCommitExpectation = {},
): ParseResult<StartCommit> {
  const split = splitTrailerBlock(message, { strictHead: true })
  if (!split.ok) return split
  const t = START_TRAILERS
  const fields = collectTrailers(split.value.trailers, {
    required: [t.session, t.task, t.durableBranch, t.baseline, t.ephemeral],
    optional: [t.link, t.eviction, t.run],
  })
  if (!fields.ok) return fields
  const f = fields.value
  const [subject, gap, ...body] = split.value.head
  const sessionId = f[t.session]!
  if (!GITHUB_SESSION_ID_PATTERN.test(sessionId))
    return fail(`${t.session} ${quoteUntrusted(sessionId)} is not a session id`)
  if (subject !== startCommitSubject(sessionId)) {
    return fail(
      `the subject must be "${startCommitSubject(sessionId)}", not ${quoteUntrusted(subject ?? '')}`,
    )
  }
  if (gap !== '' || body.length === 0)
    return fail('the task must be the body, after a blank line below the subject')
  if (expect.branch !== undefined) {
    const branchId = sessionIdFromRef(expect.branch)
    if (branchId === null) return fail(`${quoteUntrusted(expect.branch)} is not a Gittrix session branch`)
    if (branchId !== sessionId)
      return fail(`the commit names session ${sessionId} but sits on the branch of ${branchId}`)
  }
  if (expect.sessionId !== undefined && expect.sessionId !== sessionId) {
    return fail(`the commit names session ${sessionId}, not ${quoteUntrusted(expect.sessionId)}`)
  }
  const task = normalizeTaskResult(body.join('\n'))
  if (!task.ok) return fail(`the body is not a valid task: ${task.reason}`)
  if (f[t.task] !== taskSummary(task.value))
    return fail(`${t.task} does not match the first line of the task in the body`)
  const durableBranch = f[t.durableBranch]!
  const branchProblem = branchNameProblem(durableBranch)
  if (branchProblem)
    return fail(`${t.durableBranch} ${quoteUntrusted(durableBranch)} is not valid: ${branchProblem}`)
  const baselineSha = f[t.baseline]!
  if (!SHA1_PATTERN.test(baselineSha))
    return fail(`${t.baseline} ${quoteUntrusted(baselineSha)} is not a 40-hex commit id`)
  const ephemeral = parseEphemeralLocation(f[t.ephemeral]!)
  if (!ephemeral.ok) return fail(`${t.ephemeral}: ${ephemeral.reason}`)
  let link: number | null = null
  if (f[t.link] !== undefined) {
    if (!/^[1-9][0-9]{0,9}$/.test(f[t.link]!))
      return fail(`${t.link} ${quoteUntrusted(f[t.link]!)} is not an issue number`)
    link = Number(f[t.link])
  }
  let eviction: EvictionPolicy | null = null
  if (f[t.eviction] !== undefined) {
    const parsed = parseEviction(f[t.eviction]!)
    if (!parsed.ok) return parsed
    eviction = parsed.value
  }
  const run = f[t.run]
  if (run !== undefined && !RUN_ID_PATTERN.test(run))
    return fail(`${t.run} ${quoteUntrusted(run)} is not a workflow run id`)
  const start: StartCommit = {
    sessionId,
    task: task.value,
    durableBranch,
    baselineSha,
    ephemeral: ephemeral.value,
    link,
    eviction,
    ...(run !== undefined ? { run } : {}),
  }
  const valid = startCommitSchema.safeParse(start)
  if (!valid.success) return fail(`invalid start commit: ${valid.error.issues[0]!.message}`)
  const canonical = render(start)
  if (message !== canonical && message !== canonical.slice(0, -1)) {
    return fail(
      'the start commit is not in canonical form (trailer order, spacing or body differ from what Gittrix writes)',
    )
  }
  return ok(start)
}
