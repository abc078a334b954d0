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
import { constants } from 'node:fs'
import { open, realpath } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { NoteKind } from '../../src/core/history.ts'
import { MAX_TRANSCRIPT_BYTES, notesRef, parseTranscript } from '../../src/core/history.ts'
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

/**
 * Reads the transcript file the agent step wrote (the Action's `transcript` input), as untrusted
 * content: the path must lie outside the checkout `workTree` (a file inside it would be one of the
 * session's files, reviewed and promotable), be reached without any symlink (`realpath` equals the
 * path, and the last component is opened with `O_NOFOLLOW`, so the agent cannot point it at a secret
 * such as `/proc/self/environ`), be a regular file (`O_NONBLOCK`: a FIFO cannot hang the step) of at
 * most {@link MAX_NOTE_BYTES}`.transcript` bytes, and be JSONL (src/core/history.ts `parseTranscript`).
 * Resolves the bytes, or a `problem` sentence saying what to do; never throws for the file's sake.
 */
export async function readAgentTranscript(
  path: string,
  workTree: string,
): Promise<{ bytes: Uint8Array; lines: number } | { problem: string }> {
  const full = resolve(path)
  const inside = relative(resolve(workTree), full)
  // `..name` is a file of the checkout named `..name`; only `..` or `../…` leave it.
  if (inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)))
    return {
      problem: `${full} is inside the checkout, so it is one of the session's files; write the transcript outside it (e.g. under $RUNNER_TEMP).`,
    }
  try {
    if ((await realpath(full)) !== full)
      return { problem: `${full} is reached through a symlink; give the transcript's real path.` }
    const file = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    try {
      const stat = await file.stat()
      if (!stat.isFile()) return { problem: `${full} is not a regular file.` }
      const max = MAX_NOTE_BYTES.transcript
      if (stat.size > max)
        return { problem: `${full} is ${stat.size} bytes; at most ${max} are attached. Trim it first.` }
      const buffer = Buffer.alloc(stat.size)
      const { bytesRead } = await file.read(buffer, 0, stat.size, 0)
      const bytes = new Uint8Array(buffer.subarray(0, bytesRead))
      return { bytes, lines: parseTranscript(bytes).lines }
    } finally {
      await file.close()
    }
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT') return { problem: `${full} does not exist: the agent step wrote no transcript.` }
    if (code === 'ELOOP') return { problem: `${full} is a symlink; give the transcript's real path.` }
    return { problem: (error as Error).message }
  }
}

/**
 * `notes` (GitHub notes ref → notes commit, as {@link copySessionNotes} resolves) with the transcript
 * note on `commit` set to `bytes`: a new root notes commit for the session's transcript ref holding the
 * notes already there for other commits plus this one (replacing one on `commit`). Objects are written
 * into `repo`; no ref moves. Throws `GIT_FAILED` when git fails.
 */
export async function withTranscriptNote(
  repo: GitRepo,
  sessionId: string,
  notes: Readonly<Record<string, string>>,
  commit: string,
  bytes: Uint8Array,
): Promise<Record<string, string>> {
  const ref = sessionNotesRef(sessionId, 'transcript')
  const blob = await repo.text(['hash-object', '-w', '--stdin'], { input: bytes })
  const entries: string[] = []
  const existing = notes[ref]
  if (existing) {
    const listed = await repo.text(['ls-tree', existing])
    for (const line of listed.split('\n')) if (line && !line.endsWith(`\t${commit}`)) entries.push(line)
  }
  entries.push(`100644 blob ${blob}\t${commit}`)
  const tree = await repo.text(['mktree'], { input: `${entries.join('\n')}\n` })
  const notesCommit = await repo.text(['commit-tree', tree], {
    input: `Notes of session ${sessionId} (transcript)\n`,
    env: NOTES_ENV,
  })
  return { ...notes, [ref]: notesCommit }
}
