/**
 * A session's git notes on GitHub (`refs/notes/gittrix-sessions/<id>/<kind>`, src/github/branches.ts
 * `sessionNotesRef`), read and deleted over the REST Git Data API: notes ref → notes commit → its tree,
 * whose blobs are the notes, each named after the commit it annotates.
 *
 * A notes tree names a note by the annotated commit's id, either flat (`<40 hex>`) or fanned out into
 * directories of two hex digits (`ab/cdef…`, `ab/cd/ef…`) once it holds many notes; both are read here
 * (https://git-scm.com/docs/git-notes#_notes: "the note's path is the object name, possibly split into
 * directories"). Entries that are not a commit id in either form are ignored. Notes are written by the
 * agent's side (the Action pushes what the agent's checkout held): their bytes are untrusted data.
 *
 * GitHub serves refs outside `refs/heads/` and `refs/tags/` through "Get a reference" and "Delete a
 * reference" as well (the `{ref}` path parameter is any ref without its `refs/` prefix, as
 * `pull/1/head`: https://docs.github.com/rest/git/refs#get-a-reference).
 */
import type { Octokit } from '@octokit/rest'
import type { NoteKind } from '../../core/history.ts'
import {
  sessionNotesPrefix,
  sessionNotesRef,
  sessionNotesRefs,
  sessionOfSessionRef,
} from '../../github/branches.ts'
import { readBlobs } from './blobs.ts'
import { isNotFound } from './request-errors.ts'
import { type ExpressionBlob, usesGraphql, withBlobsRiding } from './tree-levels.ts'
import { readTree, type RepoCoordinates } from './trees.ts'

/** Largest note read, bytes (1 MiB): a bigger tool-call note is not Gittrix's and reads as none. */
export const MAX_TOOL_CALLS_NOTE_BYTES = 1024 * 1024

const COMMIT_ID = /^[0-9a-f]{40}$/

/**
 * The notes commit `ref` (a full `refs/notes/…` name) points at, or `null` when the ref does not exist.
 * One "Get a reference". Throws what Octokit throws for anything but a 404.
 */
export async function notesCommit(
  octokit: Octokit,
  coords: RepoCoordinates,
  ref: string,
): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.getRef({ ...coords, ref: ref.replace(/^refs\//, '') })
    return data.object.sha
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}

/**
 * The notes of the tree of `commit` (a notes commit): annotated commit id → note blob id, flat and
 * fanned-out paths alike. Reads the tree recursively (trees.ts `readTree`, cached by id).
 */
export async function listNotes(
  octokit: Octokit,
  coords: RepoCoordinates,
  commit: string,
): Promise<Map<string, string>> {
  const notes = new Map<string, string>()
  for (const entry of (await readTree(octokit, coords, commit)).entries) {
    if (entry.mode !== '100644' && entry.mode !== '100755') continue
    const annotated = annotatedCommit(entry.path)
    if (annotated) notes.set(annotated, entry.oid)
  }
  return notes
}

/** The commit id a notes tree path names (`<40 hex>` or split by `/` into parts), else `null`. */
export function annotatedCommit(path: string): string | null {
  const parts = path.split('/')
  const name = parts.join('')
  if (!COMMIT_ID.test(name)) return null
  // Fan-out directories are two hex digits each; the last part holds the rest.
  if (parts.slice(0, -1).some((p) => p.length !== 2)) return null
  return name
}

/**
 * Session `sessionId`'s notes of `kind` on `commits` (full ids), as bytes keyed by commit; commits
 * without a note (or a session without notes) are absent. Requests: one "Get a reference", the notes
 * tree (recursive, cached by id), and one "Get a blob" per note found.
 */
export async function readSessionNotes(
  octokit: Octokit,
  coords: RepoCoordinates,
  sessionId: string,
  kind: NoteKind,
  commits: readonly string[],
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>()
  const commit = await notesCommit(octokit, coords, sessionNotesRef(sessionId, kind))
  if (!commit) return out
  const notes = await listNotes(octokit, coords, commit)
  const wanted = commits.filter((c) => notes.has(c))
  const blobs = await readBlobs(
    octokit,
    coords,
    wanted.map((c) => notes.get(c)!),
  )
  for (const c of wanted) {
    const bytes = blobs.get(notes.get(c)!)
    if (bytes) out.set(c, bytes)
  }
  return out
}

/**
 * The two `object(expression:)` expressions of session `sessionId`'s tool-call note on commit `head`:
 * the flat path and the two-digit fan-out path in its notes ref (`<ref>:<head>`, `<ref>:<ab>/<rest>`).
 * `null` when `head` is not a full commit id.
 */
export function headToolCallsNoteExpressions(sessionId: string, head: string): [string, string] | null {
  if (!COMMIT_ID.test(head)) return null
  const ref = sessionNotesRef(sessionId, 'tool-calls')
  return [`${ref}:${head}`, `${ref}:${head.slice(0, 2)}/${head.slice(2)}`]
}

/**
 * The note among the blobs read for {@link headToolCallsNoteExpressions} (flat first), or `null`: none,
 * binary, cut by GitHub (`isTruncated`), or over {@link MAX_TOOL_CALLS_NOTE_BYTES}.
 */
export function headToolCallsNoteOf(blobs: ReadonlyArray<ExpressionBlob | null>): Uint8Array | null {
  const blob = blobs.find((b) => b !== null) ?? null
  if (!blob || typeof blob.text !== 'string' || blob.isTruncated) return null
  if (blob.byteSize > MAX_TOOL_CALLS_NOTE_BYTES) return null
  return new TextEncoder().encode(blob.text)
}

/**
 * The tool-call note of session `sessionId` on commit `head`, or `null` when there is none (or it is
 * over {@link MAX_TOOL_CALLS_NOTE_BYTES}). One GraphQL query when the client uses GraphQL: two aliased
 * `object(expression: "<notes ref>:<path>")`, the flat and the two-digit fan-out path
 * (https://docs.github.com/graphql/reference/objects#repository `object`, `Blob.text`); none when
 * `work` is given and its tree walk queries GraphQL (tree-levels.ts `withBlobsRiding`: the note rides
 * along). Otherwise, or when the query fails, {@link readSessionNotes} over REST. Resolves `work`'s
 * result too. Throws what `work` throws, and what Octokit throws over REST.
 */
export async function readHeadToolCallsNote<T = undefined>(
  octokit: Octokit,
  coords: RepoCoordinates,
  sessionId: string,
  head: string,
  work?: () => Promise<T>,
): Promise<{ result: T; note: Uint8Array | null }> {
  const run = work ?? (() => Promise.resolve(undefined as T))
  const expressions = headToolCallsNoteExpressions(sessionId, head)
  if (!expressions) return { result: await run(), note: null }
  if (usesGraphql(octokit)) {
    const [result, blobs] = await withBlobsRiding(octokit, coords, expressions, run)
    // Not read over GraphQL (it failed or was given up): the REST reads give the same answer.
    if (blobs) return { result, note: headToolCallsNoteOf(blobs) }
    return { result, note: await restNote(octokit, coords, sessionId, head) }
  }
  const result = await run()
  return { result, note: await restNote(octokit, coords, sessionId, head) }
}

async function restNote(
  octokit: Octokit,
  coords: RepoCoordinates,
  sessionId: string,
  head: string,
): Promise<Uint8Array | null> {
  const note = (await readSessionNotes(octokit, coords, sessionId, 'tool-calls', [head])).get(head)
  return note && note.byteLength <= MAX_TOOL_CALLS_NOTE_BYTES ? note : null
}

/**
 * Deletes every notes ref of session `sessionId`, and the refs its restores kept
 * (src/github/branches.ts `sessionRestoredPrefix`): one "List matching references" of
 * `notes/gittrix-sessions/<id>/`, then one "Delete a reference" per ref found (none for a session
 * without notes). Refs already gone (404, or GitHub's 422 "Reference does not exist") are fine.
 * Throws what Octokit throws otherwise.
 */
export async function deleteSessionNotes(
  octokit: Octokit,
  coords: RepoCoordinates,
  sessionId: string,
): Promise<void> {
  const prefix = sessionNotesPrefix(sessionId).replace(/^refs\//, '')
  const { data } = await octokit.rest.git.listMatchingRefs({ ...coords, ref: prefix })
  for (const { ref } of data) {
    if (!sessionNotesRefs(sessionId).includes(ref) && sessionOfSessionRef(ref) !== sessionId) continue
    try {
      await octokit.rest.git.deleteRef({ ...coords, ref: ref.replace(/^refs\//, '') })
    } catch (error) {
      const status = (error as { status?: number }).status
      if (status !== 404 && status !== 422) throw error
    }
  }
}
