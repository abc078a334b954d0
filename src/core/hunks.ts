/**
 * Hunks of one text file and their ids: what `diffDetails()` shows (`FileDiff.hunks`, the `[h:<id>]`
 * annotation on each `@@` line of the patch) and what a `{ mode: 'hunks' }` promotion selects. One
 * computation per workspace serves both, 3 lines of context: git's own diff for a local workspace
 * (the snapshot's `textPatches`, read back by {@link hostTextHunks}; src/adapters/local/text-patches.ts),
 * else {@link textHunks}, `structuredPatch` of the `diff` package (Myers) over the two blobs of the
 * change, so every surface (library, CLI, GitHub App) sees the same hunks.
 *
 * A hunk whose changes are separated by unchanged lines splits into parts ({@link hunkParts}, like
 * `git add -p`'s `s`), each addressable as `<id>.<k>` (k = 1-based index of the run of changes inside
 * hunk `<id>`). Part ids are not stable across promotions: after a part is promoted, the rest of that
 * hunk is re-hunked from the new old side and gets a new id (ids are content-derived, and its body
 * changed), while the file's other hunks keep theirs.
 */
import { hash } from 'node:crypto'
import { structuredPatch } from 'diff'
import { decodeBytes, encodeText } from './bytes.ts'
import { InvalidArgumentError } from './errors.ts'
import type { FileHunk, TreeChange } from './types.ts'

/** Lines of context around each change, as git prints them (`git diff -U3`). */
export const HUNK_CONTEXT = 3

/**
 * The file a hunk belongs to: its path and the blob id of its new side (`TreeChange.newOid`; `null`
 * for a deletion). Both go into the hunk ids (see {@link hunkIds}).
 */
export type HunkFile = Pick<TreeChange, 'path' | 'newOid'>

/** A hunk with its body: `lines` as the patch shows them (` `, `-`, `+` or `\ No newline…`, no newline). */
export interface TextHunk extends FileHunk {
  lines: string[]
}

/**
 * Decodes text losslessly (non-UTF-8 bytes as escaped surrogates, src/core/bytes.ts), or returns
 * `null` for binary content: a NUL in the first 8000 bytes, as git decides (`buffer_is_binary` in
 * git's xdiff-interface.c). `null` bytes (an absent side) are the empty text.
 */
export function asText(bytes: Uint8Array | null): string | null {
  if (bytes === null) return ''
  if (bytes.subarray(0, 8000).includes(0)) return null
  return decodeBytes(bytes)
}

/**
 * True when a change can be promoted hunk by hunk: a regular file (`100644`/`100755`) whose content
 * changed and whose mode did not. Added, deleted, symlink, submodule and mode changes are whole-file
 * only (so are binary files: see {@link textHunks}).
 */
export function hunkSelectable(change: TreeChange): boolean {
  return (
    change.status === 'modified' &&
    change.oldMode === change.newMode &&
    (change.oldMode === '100644' || change.oldMode === '100755') &&
    change.oldOid !== null &&
    change.newOid !== null &&
    change.oldOid !== change.newOid
  )
}

/**
 * The hunks between two texts of `file` (lossless strings, see {@link asText}; `newText` is the
 * content of `file.newOid`), with `context` lines
 * of context (default {@link HUNK_CONTEXT}). Changes closer than `2 × context` unchanged lines share
 * one hunk, as in git: such a hunk is selected as one. Each carries its id (see {@link hunkIds}).
 */
export function textHunks(
  file: HunkFile,
  oldText: string,
  newText: string,
  context = HUNK_CONTEXT,
): TextHunk[] {
  const { hunks } = structuredPatch('', '', oldText, newText, undefined, undefined, { context })
  const ids = hunkIds(file, hunks)
  return hunks.map((h, i) => {
    const id = ids[i]!
    const header = `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@ [h:${id}]`
    const { oldStart, oldLines, newStart, newLines } = h
    return { id, oldStart, oldLines, newStart, newLines, header, lines: h.lines }
  })
}

/**
 * The ids of one file's hunks, in order: the first 8 hex digits of
 * `sha256(path NUL new-blob-id NUL body NUL newStart)`, where `new-blob-id` is `file.newOid` (the file
 * as the person reviewed it), `body` is the hunk's lines as the patch shows them (its removed and
 * added lines and up to 3 unchanged lines of context on each side, `\ No newline at end of file`
 * markers included, line endings such as `\r` kept) and `newStart` its first line in the new blob.
 *
 * Why the new blob goes in: a body alone does not say where it applies. In a file with two sections
 * alike beyond the context lines, the agent could move a reviewed edit to the other section after the
 * review and the id would still match; with the blob id, any later write to the file changes every id
 * of it, and the old id is refused. Why `newStart`: it tells such twins apart by a number that
 * promoting other hunks does not change (the new blob stays the workspace's), so a twin's id, once
 * promoted, is refused, never handed to the other twin (an ordinal among equal bodies was).
 *
 * Why they are stable: the same two blobs always give the same hunks (the diff is deterministic), so
 * every render on every surface gives the same ids. Promoting some hunks of a file changes only the
 * old side and only those hunks' lines on it; another hunk's removed and added lines are untouched,
 * and so are its context and its place in the new blob, because changes within `2 × 3` unchanged
 * lines of each other share one hunk: the hunks left in the session keep their ids.
 */
export function hunkIds(
  file: HunkFile,
  hunks: readonly { lines: readonly string[]; newStart: number }[],
): string[] {
  return hunks.map(({ lines, newStart }) =>
    hash('sha256', `${file.path}\0${file.newOid ?? ''}\0${lines.join('\n')}\0${newStart}`).slice(0, 8),
  )
}

/**
 * `oldText` with exactly `hunks` applied (a subset of {@link textHunks} of `oldText` and of their
 * {@link hunkParts}, no part together with its hunk, any order), as a lossless string. Each must match
 * `oldText` at its place, context included; what is applied is its changed lines (neighbouring parts
 * share context lines without colliding). Line endings and a missing final newline are
 * kept byte for byte. Throws a plain `Error` when a hunk does not match `oldText` at its place (they
 * were computed from other content) or two overlap.
 */
export function applyHunks(oldText: string, hunks: readonly TextHunk[]): string {
  const old = splitLines(oldText)
  const out: string[] = []
  let next = 0
  const cores = hunks.map((hunk) => ({ hunk, ...core(hunk) })).sort((a, b) => a.at - b.at)
  for (const { hunk, at, before, after } of cores) {
    // The whole hunk, context included, must match where it was computed; only its changes apply.
    const whole = entriesOf(hunk.lines)
      .filter((e) => e.kind !== '+')
      .map((e) => e.text)
    const start = hunk.oldStart - 1
    if (
      at < next ||
      old.slice(start, start + whole.length).join('') !== whole.join('') ||
      old.slice(at, at + before.length).join('') !== before.join('')
    ) {
      throw new Error(`hunk ${hunk.id} does not match the content it was computed from`)
    }
    out.push(...old.slice(next, at), ...after)
    next = at + before.length
  }
  out.push(...old.slice(next))
  return out.join('')
}

/**
 * The parts of a hunk, as `git add -p`'s `s`plit makes them: one per run of changed lines (removed
 * and added lines with their `\ No newline…` markers) that unchanged lines separate, in order. Part
 * `k` (1-based) has the id `<hunk id>.<k>` (what a `{ mode: 'hunks' }` selector and `--hunk
 * <path>#<id>.<k>` name), its line ranges and header as a hunk of its own (new-side numbers as in the
 * whole diff), and `lines`: the unchanged lines before it back to the previous run (or the hunk's
 * start), the run, and the unchanged lines after it up to the next run (or the hunk's end), so
 * neighbouring parts share their context lines, as in git. A hunk with one run has one part: it
 * cannot be split. Used by `gittrix promote -p` (src/cli/hunk-prompt.ts) and by {@link pickHunks}.
 */
export function hunkParts(hunk: TextHunk): TextHunk[] {
  const entries = entriesOf(hunk.lines)
  const runs: Array<[number, number]> = []
  entries.forEach((entry, i) => {
    if (entry.kind === ' ') return
    const last = runs.at(-1)
    if (last && last[1] === i) last[1] = i + 1
    else runs.push([i, i + 1])
  })
  return runs.map((_, k) => {
    const from = k === 0 ? 0 : runs[k - 1]![1]
    const to = k === runs.length - 1 ? entries.length : runs[k + 1]![0]
    const before = entries.slice(0, from)
    const mine = entries.slice(from, to)
    const oldStart = hunk.oldStart + before.filter((e) => e.kind !== '+').length
    const newStart = hunk.newStart + before.filter((e) => e.kind !== '-').length
    const oldLines = mine.filter((e) => e.kind !== '+').length
    const newLines = mine.filter((e) => e.kind !== '-').length
    const id = `${hunk.id}.${k + 1}`
    const header = `@@ -${range(oldStart, oldLines)} +${range(newStart, newLines)} @@ [h:${id}]`
    return { id, oldStart, oldLines, newStart, newLines, header, lines: mine.flatMap((e) => e.lines) }
  })
}

/**
 * The hunks and hunk parts of `path` a selection names, resolved: every id is one of `hunks`, or
 * `<id>.<k>` with `k` in range of that hunk's {@link hunkParts}. Throws `INVALID_ARGUMENT` naming the
 * path and the ids otherwise (an unknown hunk, a part out of range, a hunk named whole and by a part,
 * or an id that more than one hunk has: ids are 32 bits, so an agent can search contents until a
 * hostile hunk's id equals a benign one's; neither is applied).
 */
export function pickHunks(
  path: string,
  hunks: readonly TextHunk[],
  ids: readonly string[],
  session: string,
): TextHunk[] {
  const byId = new Map(hunks.map((h) => [h.id, h]))
  const baseOf = (id: string) => id.split('.')[0]!
  const shared = ids.filter((id) => hunks.filter((h) => h.id === baseOf(id)).length > 1)
  if (shared.length) {
    throw new InvalidArgumentError(
      `Hunk ${[...new Set(shared)].join(', ')} of ${path} names more than one hunk of the file, so it cannot say which was reviewed. ` +
        `Nothing was written; promote ${path} as a whole file after reviewing it, or not at all.`,
    )
  }
  const unknown = ids.filter((id) => !byId.has(baseOf(id)))
  if (unknown.length) {
    throw new InvalidArgumentError(
      `No hunk ${unknown.join(', ')} in ${path}: hunk ids follow the file's current diff, and this one is not in it ` +
        `(promoted already, or the file changed). Nothing was written. Run \`gittrix diff ${session}\` to see the current ids.`,
    )
  }
  const both = ids.filter((id) => id.includes('.') && ids.includes(baseOf(id)))
  if (both.length) throw wholeAndPart(path, both)
  const picked: TextHunk[] = []
  const outOfRange: string[] = []
  for (const id of new Set(ids)) {
    const hunk = byId.get(baseOf(id))!
    if (!id.includes('.')) {
      picked.push(hunk)
      continue
    }
    const part = hunkParts(hunk).find((p) => p.id === id)
    if (part) picked.push(part)
    else outOfRange.push(id)
  }
  if (outOfRange.length) {
    throw new InvalidArgumentError(
      `No part ${outOfRange.join(', ')} in ${path}: a hunk's parts are its runs of changes between unchanged lines, ` +
        `numbered from 1 (\`gittrix promote ${session} -p\` shows them with \`s\`). Nothing was written.`,
    )
  }
  return picked
}

/** `INVALID_ARGUMENT` for hunk part `ids` (`<id>.<k>`) of `path` whose hunk is also named whole. */
export function wholeAndPart(path: string, ids: readonly string[]): InvalidArgumentError {
  return new InvalidArgumentError(
    `${path}: ${ids.join(', ')} ${ids.length === 1 ? 'is a part' : 'are parts'} of a hunk also named whole; ` +
      'name the whole hunk or some of its parts, not both. Nothing was written.',
  )
}

/** `bytes` of both sides of a hunk-selectable change as text, or `null` when either side is binary. */
export function textSides(
  oldBytes: Uint8Array,
  newBytes: Uint8Array,
): { oldText: string; newText: string } | null {
  const oldText = asText(oldBytes)
  const newText = asText(newBytes)
  return oldText === null || newText === null ? null : { oldText, newText }
}

/** The bytes of a lossless string (src/core/bytes.ts). */
export function textBytes(text: string): Uint8Array {
  return encodeText(text)
}

/** Lines with their terminators (`\n`; the last may have none). */
function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/)
  return lines.length === 1 && lines[0] === '' ? [] : lines
}

/** One line of a hunk body: its kind, its text with its terminator, its patch lines (with a marker). */
interface Entry {
  kind: ' ' | '-' | '+'
  text: string
  lines: string[]
}

/** The lines of a hunk body as entries; a `\ No newline…` marker belongs to the line before it. */
function entriesOf(lines: readonly string[]): Entry[] {
  const entries: Entry[] = []
  lines.forEach((line, i) => {
    if (line.startsWith('\\')) {
      entries.at(-1)?.lines.push(line)
      return
    }
    const eol = lines[i + 1]?.startsWith('\\') ? '' : '\n'
    const kind = line[0] === '+' || line[0] === '-' ? line[0] : ' '
    entries.push({ kind, text: line.slice(1) + eol, lines: [line] })
  })
  return entries
}

/**
 * What applying a hunk (or part) changes: the index of its first changed old line (for a pure
 * insertion: the line it goes before), and its old and new lines there with their terminators; the
 * leading and trailing unchanged lines are left out.
 */
function core(hunk: TextHunk): { at: number; before: string[]; after: string[] } {
  const entries = entriesOf(hunk.lines)
  let from = 0
  while (from < entries.length && entries[from]!.kind === ' ') from++
  let to = entries.length
  while (to > from && entries[to - 1]!.kind === ' ') to--
  const mine = entries.slice(from, to)
  // `oldStart` is the hunk's first old line (for an empty old range: the line it goes before).
  return {
    at: hunk.oldStart - 1 + from,
    before: mine.filter((e) => e.kind !== '+').map((e) => e.text),
    after: mine.filter((e) => e.kind !== '-').map((e) => e.text),
  }
}

/** A hunk range as git prints it: `start,count`, `start` alone when count is 1, `start-1,0` when empty. */
export function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`
  return count === 1 ? `${start}` : `${start},${count}`
}

/** One hunk of a host's hunks text: its ranges (1-based starts, as ours) and its body lines, joined. */
interface HostHunkSpan {
  oldStart: number
  oldLines: number
  newStart: number
  newLines: number
  /** Its lines as the patch shows them, without their final newline, joined by `\n`. */
  body: string
}

/**
 * The hunks of a host's hunks text (`@@` lines and bodies, each line ending in `\n`), found without
 * splitting it into lines: a body line starts with ` `, `+`, `-` or `\`, so each `\n@@` starts the
 * next hunk. Lines before the first `@@` line are dropped.
 */
function hostHunkSpans(hunks: string): HostHunkSpan[] {
  const spans: HostHunkSpan[] = []
  let at = hunks.startsWith('@@') ? 0 : hunks.indexOf('\n@@') + 1
  while (at > 0 || (at === 0 && hunks.startsWith('@@'))) {
    const lineEnd = hunks.indexOf('\n', at)
    const headerEnd = lineEnd === -1 ? hunks.length : lineEnd
    const next = hunks.indexOf('\n@@', headerEnd)
    const bodyEnd = next === -1 ? (hunks.endsWith('\n') ? hunks.length - 1 : hunks.length) : next
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(hunks.slice(at, headerEnd))
    if (header) {
      const [, a, b, c, d] = header
      const oldLines = b === undefined ? 1 : Number(b)
      const newLines = d === undefined ? 1 : Number(d)
      spans.push({
        // git prints an empty range as `start-1,0`; ours are 1-based starts like the diff package's.
        oldStart: oldLines === 0 ? Number(a) + 1 : Number(a),
        oldLines,
        newStart: newLines === 0 ? Number(c) + 1 : Number(c),
        newLines,
        body: withoutEmptyLines(headerEnd + 1 <= bodyEnd ? hunks.slice(headerEnd + 1, bodyEnd) : ''),
      })
    }
    if (next === -1) break
    at = next + 1
  }
  return spans
}

/** `body` without empty lines: every patch line starts with a space, `+`, `-` or a backslash, so an empty one is noise. */
function withoutEmptyLines(body: string): string {
  if (!body.startsWith('\n') && !body.endsWith('\n') && !body.includes('\n\n')) return body
  return body
    .split('\n')
    .filter((line) => line !== '')
    .join('\n')
}

/**
 * Hunks a host computed (`HostTextPatch.hunks`: `@@` lines and their bodies, e.g. git's diff of a local
 * workspace or GitHub's compare API) of `file` as {@link textHunks} gives them: each with our header
 * (`[h:<id>]`, the host's function-name context dropped) and its id derived from its body by
 * {@link hunkIds}. Lines that are not in a hunk are dropped.
 */
export function hostTextHunks(file: HunkFile, hunks: string): TextHunk[] {
  const spans = hostHunkSpans(hunks)
  const ids = hunkIds(
    file,
    spans.map(({ body, newStart }) => ({ lines: [body], newStart })),
  )
  return spans.map(({ body, ...place }, i) => {
    const { oldStart, oldLines, newStart, newLines } = place
    const header = `@@ -${range(oldStart, oldLines)} +${range(newStart, newLines)} @@ [h:${ids[i]}]`
    const lines = body.split('\n').filter((line) => line !== '')
    return { id: ids[i]!, oldStart, oldLines, newStart, newLines, header, lines }
  })
}

/**
 * A host's hunks of `file` rendered with our `@@` lines and ids (as {@link hostTextHunks}, without
 * splitting the bodies into lines): the text, the hunks, and the added and removed lines counted.
 */
export function renderHostHunks(
  file: HunkFile,
  hunks: string,
): { text: string; hunks: FileHunk[]; additions: number; deletions: number } {
  const spans = hostHunkSpans(hunks)
  const ids = hunkIds(
    file,
    spans.map(({ body, newStart }) => ({ lines: [body], newStart })),
  )
  const parts: string[] = []
  const listed: FileHunk[] = []
  let additions = 0
  let deletions = 0
  spans.forEach(({ body, ...place }, i) => {
    const { oldStart, oldLines, newStart, newLines } = place
    const header = `@@ -${range(oldStart, oldLines)} +${range(newStart, newLines)} @@ [h:${ids[i]}]`
    listed.push({ id: ids[i]!, oldStart, oldLines, newStart, newLines, header })
    parts.push(header, '\n', body, body ? '\n' : '')
    for (let at = 0; at < body.length;) {
      const first = body.charCodeAt(at)
      if (first === 43 /* + */) additions += 1
      else if (first === 45 /* - */) deletions += 1
      const end = body.indexOf('\n', at)
      at = end === -1 ? body.length : end + 1
    }
  })
  return { text: parts.join(''), hunks: listed, additions, deletions }
}

/**
 * {@link hostTextHunks} rendered: the hunks' text with our `@@` lines, and their list. When the host's
 * diff and the promotion's engine split a change the same way, these are the ids a promotion finds;
 * when they do not, the promotion refuses the id (`INVALID_ARGUMENT`), never applies another change.
 */
export function annotateHostHunks(file: HunkFile, hunks: string): { text: string; hunks: FileHunk[] } {
  const parsed = hostTextHunks(file, hunks)
  const text = parsed.map((h) => `${h.header}\n${h.lines.map((l) => `${l}\n`).join('')}`).join('')
  return { text, hunks: parsed.map(({ lines: _lines, ...hunk }) => hunk) }
}
