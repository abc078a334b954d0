/**
 * The pointer commit (docs/architecture.md#pointer-commit-artifacts-sessions): for a session whose workspace lives in Cloudflare Artifacts,
 * the Action moves `gittrix/<session-id>` on GitHub to a commit that names the Artifacts repository
 * and the head it pushed there. Its tree should equal its parent's (GitHub shows no diff); the App
 * reads the session's content from Artifacts at `artifactsHead`.
 *
 * ```
 * gittrix: artifacts head of sess_abcdefghijkl
 *
 * Gittrix-Session: sess_abcdefghijkl
 * Gittrix-Artifacts-Repo: artifacts://<namespace>/<repo>
 * Gittrix-Artifacts-Head: <40-hex sha>
 * ```
 */
import { z } from 'zod'
import { InvalidArgumentError } from '../core/errors.ts'
import { sessionIdFromRef } from './branches.ts'
import { ARTIFACTS_NAME_PATTERN, parseEphemeralLocation } from './ephemeral-location.ts'
import { SHA1_PATTERN, sha1Schema } from './commit-sha.ts'
import { fail, ok, type ParseResult, quoteUntrusted } from './result.ts'
import { GITHUB_SESSION_ID_PATTERN, sessionIdSchema } from './session-id.ts'
import { collectTrailers, formatTrailers, splitTrailerBlock } from './trailer-block.ts'

/** Trailer keys of the pointer commit, in their canonical order. */
export const POINTER_TRAILERS = {
  session: 'Gittrix-Session',
  repo: 'Gittrix-Artifacts-Repo',
  head: 'Gittrix-Artifacts-Head',
} as const

/** What a pointer commit records. */
export interface PointerCommit {
  sessionId: string
  /** The Artifacts namespace and repository holding the workspace. */
  namespace: string
  repo: string
  /** The commit the Action pushed to the Artifacts repository: 40 lowercase hex digits. */
  artifactsHead: string
}

/** zod schema of a {@link PointerCommit}. */
export const pointerCommitSchema = z
  .object({
    sessionId: sessionIdSchema,
    namespace: z.string().regex(ARTIFACTS_NAME_PATTERN),
    repo: z.string().regex(ARTIFACTS_NAME_PATTERN),
    artifactsHead: sha1Schema,
  })
  .strict()

/** The subject line of a pointer commit. */
export function pointerCommitSubject(sessionId: string): string {
  return `gittrix: artifacts head of ${sessionId}`
}

function render(p: PointerCommit): string {
  const t = POINTER_TRAILERS
  return `${pointerCommitSubject(p.sessionId)}\n\n${formatTrailers([
    { key: t.session, value: p.sessionId },
    { key: t.repo, value: `artifacts://${p.namespace}/${p.repo}` },
    { key: t.head, value: p.artifactsHead },
  ])}\n`
}

/** Encodes a pointer commit message (ends with one LF). Throws `INVALID_ARGUMENT` on an invalid field. */
export function encodePointerCommit(pointer: PointerCommit): string {
  const parsed = pointerCommitSchema.safeParse(pointer)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new InvalidArgumentError(`Invalid pointer commit field ${issue.path.join('.')}: ${issue.message}.`)
  }
  return render(parsed.data)
}

/** True when `message` starts like a pointer commit (cheap test before {@link parsePointerCommit}). */
export function looksLikePointerCommit(message: string): boolean {
  return typeof message === 'string' && message.startsWith('gittrix: artifacts head of ')
}

/**
 * Parses a pointer commit message. Never throws. Refuses anything but the exact canonical encoding:
 * other subjects, a body, duplicate / unknown / foreign trailers, a head that is not 40 lowercase hex,
 * an Artifacts location other than `artifacts://<namespace>/<repo>`, and a session id that differs
 * from `expect.branch`'s or `expect.sessionId`.
 */
export function parsePointerCommit(
  message: string,
  expect: { branch?: string; sessionId?: string } = {},
): ParseResult<PointerCommit> {
  const split = splitTrailerBlock(message, { strictHead: true })
  if (!split.ok) return split
  const t = POINTER_TRAILERS
  const fields = collectTrailers(split.value.trailers, {
    required: [t.session, t.repo, t.head],
    optional: [],
  })
  if (!fields.ok) return fields
  const sessionId = fields.value[t.session]!
  if (!GITHUB_SESSION_ID_PATTERN.test(sessionId))
    return fail(`${t.session} ${quoteUntrusted(sessionId)} is not a session id`)
  if (split.value.head.length !== 1 || split.value.head[0] !== pointerCommitSubject(sessionId)) {
    return fail(
      `a pointer commit is the subject "${pointerCommitSubject(sessionId)}" and its trailers, nothing else`,
    )
  }
  if (expect.branch !== undefined && sessionIdFromRef(expect.branch) !== sessionId) {
    return fail(
      `the pointer commit names session ${sessionId}, which does not match ${quoteUntrusted(expect.branch)}`,
    )
  }
  if (expect.sessionId !== undefined && expect.sessionId !== sessionId) {
    return fail(`the pointer commit names session ${sessionId}, not ${quoteUntrusted(expect.sessionId)}`)
  }
  const location = parseEphemeralLocation(fields.value[t.repo]!)
  if (!location.ok || location.value.kind !== 'artifacts') {
    return fail(`${t.repo} ${quoteUntrusted(fields.value[t.repo]!)} is not "artifacts://<namespace>/<repo>"`)
  }
  const head = fields.value[t.head]!
  if (!SHA1_PATTERN.test(head)) return fail(`${t.head} ${quoteUntrusted(head)} is not a 40-hex commit id`)
  const pointer: PointerCommit = {
    sessionId,
    namespace: location.value.namespace,
    repo: location.value.repo,
    artifactsHead: head,
  }
  const canonical = render(pointer)
  if (message !== canonical && message !== canonical.slice(0, -1)) {
    return fail('the pointer commit is not in canonical form')
  }
  return ok(pointer)
}
