/**
 * Session history: the checkpoints of a workspace (its commits after the baseline, newest first) and
 * what Gittrix records about them as git notes — the MCP tool calls that led to each checkpoint and
 * the agent's transcript. Notes live in the workspace's private history repository (never in a tree
 * that can be promoted, never in the durable repository); see src/adapters/local/history.ts.
 *
 * Git notes: https://git-scm.com/docs/git-notes (a notes ref maps object ids to blobs).
 */
import { InvalidArgumentError } from './errors.ts'

/** The notes ref holding tool-call records, one JSON note per checkpoint. */
export const TOOL_CALLS_NOTES_REF = 'refs/notes/gittrix'
/** The notes ref holding transcripts (JSONL bytes as given), one note per checkpoint. */
export const TRANSCRIPT_NOTES_REF = 'refs/notes/gittrix-transcript'
/** Which notes: tool-call records or transcripts. */
export type NoteKind = 'tool-calls' | 'transcript'

/** The notes ref of a {@link NoteKind}. */
export function notesRef(kind: NoteKind): string {
  return kind === 'tool-calls' ? TOOL_CALLS_NOTES_REF : TRANSCRIPT_NOTES_REF
}

/** Largest transcript {@link parseTranscript} accepts, bytes (100 MiB). */
export const MAX_TRANSCRIPT_BYTES = 100 * 1024 * 1024

/** One commit of a workspace's history, as the workspace's git records it (author text is the agent's). */
export interface CheckpointCommit {
  /** Full commit id. */
  sha: string
  /** Parent commit ids. */
  parents: string[]
  /** First line of the message. */
  subject: string
  /** `Name <email>` of the author. */
  author: string
  /** Author date, ISO 8601. */
  date: string
  /** True for the session's baseline (the oldest point; not a checkpoint the agent made). */
  baseline: boolean
}

/**
 * One MCP tool call as the server's journal records it (src/mcp/journal.ts `ToolCallRecord`) and a
 * note keeps it: no argument values, only their digest.
 */
export interface ToolCallNote {
  /** Tool name as the client called it (unknown names included). */
  tool: string
  /** `sha256:<hex>` of the arguments as canonical JSON, keys sorted (src/mcp/journal.ts `argumentsDigest`). */
  argumentsDigest: string
  /** UTF-8 bytes of the result content the client received (text blocks). */
  resultBytes: number
  /** Wall-clock time from request to answer, in ms (rounded to 0.1 ms). */
  durationMs: number
  /** The Gittrix error code when the call failed (`INVALID_ARGUMENT` for bad arguments), else `null`. */
  errorCode: string | null
  /** When the call started, ISO 8601. */
  startedAt: string
  /** The model id the client sent with the call (`_meta.model` or `_meta.modelId`, see src/mcp/server.ts), when it sent one. */
  model?: string
  /**
   * `true` when the call came after this checkpoint, not before it: calls no later checkpoint closed,
   * recorded on the session's head when the MCP server ended (src/cli/commands/mcp.ts). Their changes,
   * if any, are uncommitted work of the workspace.
   */
  afterCheckpoint?: true
}

/** The MCP client that made the calls, as it named itself in `initialize` (`clientInfo`). */
export interface ToolCallClientNote {
  name: string
  version: string
}

/** A checkpoint with what its notes say. */
export interface Checkpoint extends CheckpointCommit {
  /** The client of the recorded calls (the last one recorded), or `null`. */
  client: ToolCallClientNote | null
  /** The tool calls that led to this checkpoint, in call order (empty when none were recorded). */
  toolCalls: ToolCallNote[]
  /** The transcript attached at this checkpoint: its size in bytes and JSONL lines, or `null`. */
  transcript: { bytes: number; lines: number } | null
}

/** What {@link UserSession.show} answers: a directory listing or one file, at a checkpoint. */
export type ShowResult =
  | {
      type: 'tree'
      /** The checkpoint (full id). */
      at: string
      /** The directory listed (`''` for the root). */
      path: string
      /** Every file below it (recursive), with mode and blob id. */
      entries: { path: string; mode: string; oid: string }[]
    }
  | { type: 'file'; at: string; path: string; mode: string; bytes: Uint8Array }

/** What a restore did. */
export interface RestoreResult {
  /** The workspace head before the restore (a commit holding any uncommitted work, saved first). */
  from: string
  /** The checkpoint the workspace is at now (full id). */
  to: string
  /**
   * The ref that keeps `from` reachable: `refs/gittrix/restored/<UTC timestamp>` in a local workspace's
   * repository, `refs/notes/gittrix-sessions/<id>/restored/<UTC timestamp>-<12 hex>` on GitHub.
   */
  savedRef: string
  /** The commit made to save uncommitted work before the restore, or `null` when there was none. */
  savedUncommitted: string | null
}

/** The JSON document of one tool-call note. */
interface ToolCallsDocument {
  gittrix: 'tool-calls/1'
  client: ToolCallClientNote | null
  calls: ToolCallNote[]
}

/** Encodes tool calls as a note, appended to `existing` (a note already on that checkpoint) if any. */
export function encodeToolCallsNote(
  calls: readonly ToolCallNote[],
  client: ToolCallClientNote | null,
  existing: Uint8Array | null,
): Uint8Array {
  const before = existing ? decodeToolCallsNote(existing) : null
  const doc: ToolCallsDocument = {
    gittrix: 'tool-calls/1',
    client: client ?? before?.client ?? null,
    calls: [...(before?.calls ?? []), ...calls.map(cleanCall)],
  }
  return new TextEncoder().encode(`${JSON.stringify(doc, null, 1)}\n`)
}

/** Reads a tool-call note; a note that is not one (written by hand) reads as no calls. */
export function decodeToolCallsNote(bytes: Uint8Array): {
  client: ToolCallClientNote | null
  calls: ToolCallNote[]
} {
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ToolCallsDocument>
    if (doc?.gittrix !== 'tool-calls/1' || !Array.isArray(doc.calls)) return { client: null, calls: [] }
    return { client: doc.client ?? null, calls: doc.calls.map(cleanCall) }
  } catch {
    return { client: null, calls: [] }
  }
}

/** Only the documented fields, with the types they must have (a note is data, never trusted shape). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function cleanCall(call: ToolCallNote): ToolCallNote {
  // Well-formed (a lone surrogate half, e.g. from a JSON `\ud83d` escape, becomes U+FFFD), then cut by
  // code point, never inside a surrogate pair.
  const cut = (v: string, max: number) =>
    Array.from(v.replace(LONE_SURROGATE, '\uFFFD')).slice(0, max).join('')
  const str = (v: unknown, max = 200) => (typeof v === 'string' ? cut(v, max) : '')
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  return {
    tool: str(call?.tool),
    argumentsDigest: str(call?.argumentsDigest, 80),
    resultBytes: num(call?.resultBytes),
    durationMs: num(call?.durationMs),
    errorCode: typeof call?.errorCode === 'string' ? cut(call.errorCode, 64) : null,
    startedAt: str(call?.startedAt, 40),
    ...(typeof call?.model === 'string' && call.model ? { model: cut(call.model, 200) } : {}),
    ...(call?.afterCheckpoint === true ? { afterCheckpoint: true as const } : {}),
  }
}

/**
 * Checks a transcript: at most {@link MAX_TRANSCRIPT_BYTES}, UTF-8, every non-empty line one JSON value
 * (JSON Lines, https://jsonlines.org). Resolves its line count. Throws `INVALID_ARGUMENT` naming the
 * first bad line.
 */
export function parseTranscript(bytes: Uint8Array): { lines: number } {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('A transcript must be bytes (JSONL).')
  if (bytes.byteLength > MAX_TRANSCRIPT_BYTES) {
    throw new InvalidArgumentError(
      `The transcript is ${bytes.byteLength} bytes; at most ${MAX_TRANSCRIPT_BYTES} are attached. Trim it first.`,
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new InvalidArgumentError(
      'The transcript is not UTF-8; give a JSONL file (one JSON value per line).',
    )
  }
  let lines = 0
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    try {
      JSON.parse(line)
    } catch {
      throw new InvalidArgumentError(
        `Line ${i + 1} of the transcript is not JSON; give a JSONL file (one JSON value per line).`,
      )
    }
    lines++
  })
  return { lines }
}

/** Lines of a transcript note (non-empty lines; the note was checked when attached). */
export function transcriptLines(bytes: Uint8Array): number {
  let lines = 0
  for (const line of Buffer.from(bytes).toString('utf8').split('\n')) if (line.trim()) lines++
  return lines
}

/** Throws `INVALID_ARGUMENT` unless `at` is a commit id (4 to 64 hex digits). */
export function checkCommitId(at: unknown, what: string): string {
  if (typeof at !== 'string' || !/^[0-9a-f]{4,64}$/.test(at)) {
    throw new InvalidArgumentError(
      `${what} must be a commit id of the session (4 to 64 lowercase hex digits, see gittrix log), not ${JSON.stringify(at)}.`,
    )
  }
  return at
}
