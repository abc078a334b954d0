/**
 * The session's git notes as the Action publishes them: the tool-call records and transcripts the
 * agent's side wrote under `refs/notes/gittrix` and `refs/notes/gittrix-transcript` (the refs Gittrix
 * itself writes, src/core/history.ts) are copied into fresh notes commits for the session's notes refs
 * on GitHub, `refs/notes/gittrix-sessions/<id>/<kind>` (src/github/branches.ts `sessionNotesRef`),
 * which are pushed with the session branch in one atomic push.
 *
 * The notes are the agent's data, never trusted: only notes on the session's own commits are kept,
 * each a blob of at most {@link MAX_NOTE_BYTES} of its kind, in a new root commit whose tree holds
 * nothing else (no history, no other object the agent chose rides along). Their bytes are shown by
 * the App only through its markdown escaping (src/github/check-run-output.ts). Notes never enter the
 * session's tree, so a promotion (which copies the reviewed tree) cannot carry them.
 */
import type { NoteKind } from '../../src/core/history.ts'
import { MAX_TRANSCRIPT_BYTES, notesRef } from '../../src/core/history.ts'
import type { GitRepo } from '../../src/git/repo.ts'
import { SESSION_NOTE_KINDS, sessionNotesRef } from '../../src/github/branches.ts'

/** Largest note kept per kind, bytes: a tool-call note 1 MiB, a transcript 100 MiB (core's limit). */
export const MAX_NOTE_BYTES: Readonly<Record<NoteKind, number>> = {
  'tool-calls': 1024 * 1024,
  transcript: MAX_TRANSCRIPT_BYTES,
}

/** Author and committer of the notes commits the Action writes (a fixed date: same notes, same commit). */
const NOTES_ENV = {
  GIT_AUTHOR_NAME: 'Gittrix',
  GIT_AUTHOR_EMAIL: 'history@gittrix.invalid',
  GIT_AUTHOR_DATE: '@0 +0000',
  GIT_COMMITTER_NAME: 'Gittrix',
  GIT_COMMITTER_EMAIL: 'history@gittrix.invalid',
  GIT_COMMITTER_DATE: '@0 +0000',
}

/** Where the agent's notes are read from in the checkout: the local notes refs of each kind. */
export function agentNotesRefs(): Record<NoteKind, string> {
  return { 'tool-calls': notesRef('tool-calls'), transcript: notesRef('transcript') }
}

/**
 * Copies the notes of `sources` (kind → a notes ref of `repo`, e.g. {@link agentNotesRefs}) that
 * annotate one of `commits` into a fresh notes commit per kind, written into `repo`'s objects (no ref
 * moves). Resolves GitHub notes ref → notes commit, for the kinds with at least one note kept. A source
 * ref that is missing or not a notes commit yields nothing. Throws `GIT_FAILED` when git fails.
 */
export async function copySessionNotes(
  repo: GitRepo,
  sessionId: string,
  sources: Readonly<Partial<Record<NoteKind, string>>>,
  commits: readonly string[],
): Promise<Record<string, string>> {
  const wanted = new Set(commits)
  const out: Record<string, string> = {}
  for (const kind of SESSION_NOTE_KINDS) {
    const source = sources[kind]
    if (!source || !(await repo.resolve(`${source}^{commit}`))) continue
    const { stdout, exitCode } = await repo.run(['notes', `--ref=${source}`, 'list'], {
      okExitCodes: [1, 128],
    })
    if (exitCode !== 0) continue
    const notes: Array<{ blob: string; commit: string }> = []
    for (const line of stdout.toString('utf8').split('\n')) {
      const [blob, commit] = line.split(' ')
      if (blob && commit && wanted.has(commit) && /^[0-9a-f]{40}$/.test(blob)) notes.push({ blob, commit })
    }
    if (notes.length === 0) continue
    const kept = await blobsWithin(repo, notes, MAX_NOTE_BYTES[kind])
    if (kept.length === 0) continue
    const tree = await repo.text(['mktree'], {
      input: `${kept.map((n) => `100644 blob ${n.blob}\t${n.commit}`).join('\n')}\n`,
    })
    out[sessionNotesRef(sessionId, kind)] = await repo.text(['commit-tree', tree], {
      input: `Notes of session ${sessionId} (${kind})\n`,
      env: NOTES_ENV,
    })
  }
  return out
}

/** The notes whose object is a blob of at most `max` bytes (one `cat-file --batch-check`). */
async function blobsWithin(
  repo: GitRepo,
  notes: ReadonlyArray<{ blob: string; commit: string }>,
  max: number,
): Promise<Array<{ blob: string; commit: string }>> {
  const { stdout } = await repo.run(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], {
    input: `${notes.map((n) => n.blob).join('\n')}\n`,
  })
  const ok = new Set<string>()
  for (const line of stdout.toString('utf8').split('\n')) {
    const [oid, type, size] = line.split(' ')
    if (oid && type === 'blob' && Number(size) <= max) ok.add(oid)
  }
  return notes.filter((n) => ok.has(n.blob))
}
