/**
 * Writes a git notes commit by hand with real git plumbing, so tests control the notes tree's layout:
 * a note's path is the annotated commit's id, flat (`<40 hex>`) or fanned out (`ab/<38 hex>`), as
 * `git notes` writes them once a notes tree grows (https://git-scm.com/docs/git-notes).
 */
import type { ToolCallNote } from '../../src/core/history.ts'
import { encodeToolCallsNote } from '../../src/core/history.ts'

/** Runs git in the repository: `(args, stdin?) → trimmed stdout`. */
export type GitRunner = (args: string[], input?: string | Uint8Array) => string

/** One note: the commit it annotates, its bytes, and whether its path is fanned out. */
export interface HandNote {
  commit: string
  bytes: string | Uint8Array
  fanout?: boolean
}

/**
 * A root notes commit holding `notes` (plus any `extra` tree entries, e.g. junk names), with `ref`
 * pointed at it. Returns the notes commit id.
 */
export function writeNotesCommit(
  git: GitRunner,
  ref: string,
  notes: readonly HandNote[],
  extra: ReadonlyArray<{ name: string; bytes: string }> = [],
): string {
  const root: string[] = []
  const fanned = new Map<string, string[]>()
  for (const note of notes) {
    const blob = git(['hash-object', '-w', '--stdin'], note.bytes)
    if (note.fanout) {
      const dir = note.commit.slice(0, 2)
      fanned.set(dir, [...(fanned.get(dir) ?? []), `100644 blob ${blob}\t${note.commit.slice(2)}`])
    } else root.push(`100644 blob ${blob}\t${note.commit}`)
  }
  for (const { name, bytes } of extra)
    root.push(`100644 blob ${git(['hash-object', '-w', '--stdin'], bytes)}\t${name}`)
  for (const [dir, lines] of fanned)
    root.push(`040000 tree ${git(['mktree'], `${lines.join('\n')}\n`)}\t${dir}`)
  const tree = git(['mktree'], `${root.join('\n')}\n`)
  const commit = git(['commit-tree', tree, '-m', 'Notes added by test'])
  git(['update-ref', ref, commit])
  return commit
}

/** A tool-call note (Gittrix's JSON, src/core/history.ts) of `calls`, each with defaults filled in. */
export function toolCallsNote(calls: ReadonlyArray<Partial<ToolCallNote> & { tool: string }>): Uint8Array {
  return encodeToolCallsNote(
    calls.map((c) => ({
      argumentsDigest: `sha256:${'0'.repeat(64)}`,
      resultBytes: 10,
      durationMs: 5,
      errorCode: null,
      startedAt: '2026-01-01T00:00:00.000Z',
      ...c,
    })),
    { name: 'test-client', version: '1.0.0' },
    null,
  )
}
