/**
 * Branch and ref names of the GitHub protocol: the session branch `gittrix/<session-id>`, the promotion
 * branch `gittrix/promote/<session-id>`, the session's notes refs
 * `refs/notes/gittrix-sessions/<session-id>/<kind>`, and a `git check-ref-format` validator for
 * user-named branches.
 */
import { InvalidArgumentError } from '../core/errors.ts'
import type { NoteKind } from '../core/history.ts'
import { assertGitHubSessionId, GITHUB_SESSION_ID_PATTERN } from './session-id.ts'

/** Every Gittrix branch starts with this. The App listens to pushes under it. */
export const BRANCH_PREFIX = 'gittrix/'
/** Prefix of promotion (pull request) branches. */
export const PROMOTE_BRANCH_PREFIX = 'gittrix/promote/'

/** `gittrix/<session-id>`: where the session's workspace lives (or its Artifacts pointer). Throws `INVALID_ARGUMENT` on a bad id. */
export function sessionBranch(sessionId: string): string {
  return `${BRANCH_PREFIX}${assertGitHubSessionId(sessionId)}`
}

/**
 * `gittrix/promote/<session-id>`: the branch holding the clean commit of a session's first `pr`
 * promotion (the n-th: `gittrix/promote/<session-id>-<n>`, see `promotionBranch` in
 * src/core/promote.ts). Throws `INVALID_ARGUMENT` on a bad id.
 */
export function promoteBranch(sessionId: string): string {
  return `${PROMOTE_BRANCH_PREFIX}${assertGitHubSessionId(sessionId)}`
}

/**
 * Prefix of every session's notes refs on GitHub. Outside `refs/heads/` (no branch, no push event, not
 * in a clone's default fetch) and outside `refs/notes/gittrix`, the ref a local workspace's private
 * history repository uses (src/core/history.ts), so neither can shadow the other (a ref cannot be both
 * a file and a directory).
 */
export const SESSION_NOTES_PREFIX = 'refs/notes/gittrix-sessions/'

/** The note kinds a session carries on GitHub, in the order their refs are pushed and deleted. */
export const SESSION_NOTE_KINDS: readonly NoteKind[] = ['tool-calls', 'transcript']

/**
 * `refs/notes/gittrix-sessions/<session-id>/<kind>` (`tool-calls` or `transcript`): the git notes ref
 * holding a session's notes of that kind on GitHub, pushed by the Action with the session branch and
 * deleted with it. One ref per session and kind, so sessions never share (or race on) a notes ref.
 * Throws `INVALID_ARGUMENT` on a bad id.
 */
export function sessionNotesRef(sessionId: string, kind: NoteKind): string {
  return `${sessionNotesPrefix(sessionId)}${kind}`
}

/** `refs/notes/gittrix-sessions/<session-id>/`: what every notes ref of the session starts with. */
export function sessionNotesPrefix(sessionId: string): string {
  return `${SESSION_NOTES_PREFIX}${assertGitHubSessionId(sessionId)}/`
}

/** Every notes ref of session `sessionId` ({@link sessionNotesRef} of each kind). */
export function sessionNotesRefs(sessionId: string): string[] {
  return SESSION_NOTE_KINDS.map((kind) => sessionNotesRef(sessionId, kind))
}

/**
 * `refs/notes/gittrix-sessions/<session-id>/restored/`: where a restore of a GitHub session branch keeps
 * the head it moved away from (one ref per restore, `<prefix><UTC timestamp>-<12 hex of the head>`), so
 * it stays reachable and a point of the session; deleted with the session's notes refs. Throws
 * `INVALID_ARGUMENT` on a bad id.
 */
export function sessionRestoredPrefix(sessionId: string): string {
  return `${sessionNotesPrefix(sessionId)}restored/`
}

const RESTORED_REF = new RegExp(
  `^${SESSION_NOTES_PREFIX}(${GITHUB_SESSION_ID_PATTERN.source.slice(1, -1)})/restored/[0-9TZ]+-[0-9a-f]{12}$`,
)

/**
 * The session a ref under {@link SESSION_NOTES_PREFIX} belongs to — a notes ref
 * ({@link parseSessionNotesRef}) or a ref a restore kept ({@link sessionRestoredPrefix}) — or `null`.
 */
export function sessionOfSessionRef(ref: string): string | null {
  const notes = parseSessionNotesRef(ref)
  if (notes) return notes.sessionId
  const match = typeof ref === 'string' ? RESTORED_REF.exec(ref) : null
  return match ? match[1]! : null
}

const NOTES_REF = new RegExp(
  `^${SESSION_NOTES_PREFIX}(${GITHUB_SESSION_ID_PATTERN.source.slice(1, -1)})/(tool-calls|transcript)$`,
)

/** The session and kind of a session notes ref (full name), or `null` for any other ref. */
export function parseSessionNotesRef(ref: string): { sessionId: string; kind: NoteKind } | null {
  const match = typeof ref === 'string' ? NOTES_REF.exec(ref) : null
  return match ? { sessionId: match[1]!, kind: match[2] as NoteKind } : null
}

/** What a Gittrix ref names. */
export type GittrixRef = { kind: 'session'; sessionId: string } | { kind: 'promote'; sessionId: string }

const SESSION_REF = new RegExp(`^(?:refs/heads/)?gittrix/(${GITHUB_SESSION_ID_PATTERN.source.slice(1, -1)})$`)
// A session's n-th promotion branch is `gittrix/promote/<id>-<n>` (src/core/promote.ts
// `promotionBranch`); a GitHub session id has no `-`, so the suffix cannot be part of another id.
const PROMOTE_REF = new RegExp(
  `^(?:refs/heads/)?gittrix/promote/(${GITHUB_SESSION_ID_PATTERN.source.slice(1, -1)})(?:-[1-9][0-9]{0,5})?$`,
)

/**
 * Classifies a ref (`refs/heads/gittrix/sess_…` as in a push payload, or the short
 * `gittrix/sess_…`). Returns `null` for anything else: tags, other branches, suffixes
 * (`gittrix/sess_…/x`), malformed ids, whitespace or case variants.
 */
export function parseGittrixRef(ref: string): GittrixRef | null {
  if (typeof ref !== 'string') return null
  const session = SESSION_REF.exec(ref)
  if (session) return { kind: 'session', sessionId: session[1]! }
  const promote = PROMOTE_REF.exec(ref)
  if (promote) return { kind: 'promote', sessionId: promote[1]! }
  return null
}

/** The session id of a session-branch ref, or `null` when `ref` is not exactly a session branch. */
export function sessionIdFromRef(ref: string): string | null {
  const parsed = parseGittrixRef(ref)
  return parsed?.kind === 'session' ? parsed.sessionId : null
}

/** Longest branch name accepted (GitHub refuses ref names much beyond this; our choice, a safe bound). */
export const MAX_BRANCH_NAME_LENGTH = 200

/**
 * Why `name` is not a valid short branch name, or `null` when it is. Applies `git check-ref-format`
 * rules (no control characters, space, `~^:?*[\`, `..`, `@{`, `//`; no component starting with `.`
 * or ending with `.lock`; not ending with `/` or `.`; not `@`), plus: no leading `-` (option
 * injection), no `refs/` prefix (pass the short name), at most {@link MAX_BRANCH_NAME_LENGTH} characters.
 */
export function branchNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'the branch name is empty'
  if (name.length > MAX_BRANCH_NAME_LENGTH)
    return `a branch name has at most ${MAX_BRANCH_NAME_LENGTH} characters`
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name))
    return 'a branch name cannot contain spaces, control characters or ~^:?*[\\'
  if (name.startsWith('-')) return 'a branch name cannot start with "-"'
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//'))
    return 'a branch name cannot have empty components'
  if (name.includes('..')) return 'a branch name cannot contain ".."'
  if (name.includes('@{') || name === '@') return 'a branch name cannot contain "@{" or be "@"'
  if (name.endsWith('.')) return 'a branch name cannot end with "."'
  if (name.startsWith('refs/')) return 'give the short branch name, without "refs/"'
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'no component of a branch name can start with "."'
    if (part.endsWith('.lock')) return 'no component of a branch name can end with ".lock"'
  }
  return null
}

/** True when `name` passes {@link branchNameProblem}. */
export function isValidBranchName(name: string): boolean {
  return branchNameProblem(name) === null
}

/** Returns `name` or throws `INVALID_ARGUMENT` saying why it is not a valid branch name. */
export function assertBranchName(name: string): string {
  const problem = branchNameProblem(name)
  if (problem)
    throw new InvalidArgumentError(
      `${JSON.stringify(name).slice(0, 80)} is not a valid branch name: ${problem}.`,
    )
  return name
}
