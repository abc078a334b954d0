/**
 * Git-style unified patches: `diff --git a/p b/p` headers, new/deleted file modes, mode changes,
 * `index` lines, hunks from the `diff` package, `\ No newline at end of file`, and for binary files
 * either `Binary files a/p and b/p differ` (review) or a `GIT binary patch` (`binary: true`).
 * `git apply` of a `binary: true` patch onto the baseline reproduces every file of the session; a
 * review patch reproduces every text file.
 */
import { binaryPatchBody } from './binary-patch.ts'
import { decodeBytes, encodeText } from './bytes.ts'
import { asText, HUNK_CONTEXT, hunkSelectable, renderHostHunks, textHunks } from './hunks.ts'
import type { FileDiff, FileHunk, FileMode, HostTextPatch, SessionDiff, TreeChange } from './types.ts'

/** One touched path with the bytes on each side (`null` where the path is absent). */
export interface PatchInput {
  change: TreeChange
  oldBytes: Uint8Array | null
  newBytes: Uint8Array | null
}

/** Rendering options. */
export interface PatchOptions {
  /** Emit `GIT binary patch` hunks (and full object ids) so binary files apply too. Default false. */
  binary?: boolean
  /** Lines of context around each change. Default 3. */
  context?: number
  /**
   * Annotate the hunks of files promotable by hunk with their ids (`[h:<id>]`, `FileDiff.hunks`).
   * Default true; false for a diff that does not end at what a promotion selects from (between two
   * checkpoints), whose hunks no promotion would recognise.
   */
  hunkIds?: boolean
}

/**
 * Renders every input (sorted by path) into one patch plus per-file stats. The patch is a string in
 * the lossless form of src/core/bytes.ts: `encodeText(patch)` is the byte-exact patch for `git apply`.
 */
export function renderPatch(inputs: readonly PatchInput[], options: PatchOptions = {}): SessionDiff {
  const sorted = [...inputs].sort((a, b) =>
    a.change.path < b.change.path ? -1 : a.change.path > b.change.path ? 1 : 0,
  )
  const parts: string[] = []
  const files: FileDiff[] = []
  let additions = 0
  let deletions = 0
  for (const input of sorted) {
    const { text, file } = renderFile(input, options)
    parts.push(text)
    files.push(file)
    additions += file.additions
    deletions += file.deletions
  }
  return { patch: parts.join(''), files, additions, deletions }
}

/**
 * Renders one path. A change between a file and a symlink is a deletion plus an addition, as git
 * prints it.
 */
export function renderFile(input: PatchInput, options: PatchOptions = {}): { text: string; file: FileDiff } {
  const { change } = input
  if (change.oldMode && change.newMode && isSymlink(change.oldMode) !== isSymlink(change.newMode)) {
    const removed = renderFile(
      {
        change: { ...change, status: 'deleted', newMode: null, newOid: null },
        oldBytes: input.oldBytes,
        newBytes: null,
      },
      options,
    )
    const added = renderFile(
      {
        change: { ...change, status: 'added', oldMode: null, oldOid: null },
        oldBytes: null,
        newBytes: input.newBytes,
      },
      options,
    )
    return {
      text: removed.text + added.text,
      file: {
        ...added.file,
        status: 'modified',
        oldMode: change.oldMode,
        deletions: removed.file.deletions,
        binary: removed.file.binary || added.file.binary,
      },
    }
  }

  const oldText = asText(input.oldBytes)
  const newText = asText(input.newBytes)
  const binary = oldText === null || newText === null
  const base = { path: change.path, status: change.status, oldMode: change.oldMode, newMode: change.newMode }
  const header = gitHeader(change, binary && options.binary === true)

  if (binary) {
    const from = change.status === 'added' ? '/dev/null' : quoteGitPath(`a/${change.path}`)
    const to = change.status === 'deleted' ? '/dev/null' : quoteGitPath(`b/${change.path}`)
    const contentChanged = change.oldOid !== change.newOid
    const body = !contentChanged
      ? ''
      : options.binary
        ? binaryPatchBody(input.oldBytes, input.newBytes)
        : `Binary files ${from} and ${to} differ\n`
    return { text: header + body, file: { ...base, binary: true, additions: 0, deletions: 0 } }
  }

  // Hunk-selectable files carry their ids (src/core/hunks.ts); `git apply` ignores text after `@@`.
  const hunks = textHunks(change, oldText, newText, options.context ?? HUNK_CONTEXT)
  const selectable = options.hunkIds !== false && hunkSelectable(change)
  const listed: FileHunk[] = []
  let additions = 0
  let deletions = 0
  let body = ''
  if (hunks.length) {
    body += `--- ${change.status === 'added' ? '/dev/null' : quoteGitPath(`a/${change.path}`)}\n`
    body += `+++ ${change.status === 'deleted' ? '/dev/null' : quoteGitPath(`b/${change.path}`)}\n`
    for (const { lines, ...hunk } of hunks) {
      const header = selectable ? hunk.header : hunk.header.slice(0, hunk.header.lastIndexOf(' ['))
      if (selectable) listed.push({ ...hunk, header })
      body += `${header}\n`
      for (const line of lines) {
        if (line.startsWith('+')) additions += 1
        else if (line.startsWith('-')) deletions += 1
        body += `${line}\n`
      }
    }
  }
  const file: FileDiff = { ...base, binary: false, additions, deletions }
  if (selectable) file.hunks = listed
  return { text: header + body, file }
}

/**
 * Renders one path from hunks its host computed (`WorkspaceSnapshot.textPatches`): the same git
 * headers as {@link renderFile}, then `---`/`+++` and the hunks, or `Binary files … differ`. Line
 * counts are counted from the hunks. A file promotable by hunks gets our ids (hunks.ts `renderHostHunks`). Not for changes between a file and a symlink (render those from
 * blobs).
 */
export function renderHostPatch(
  change: TreeChange,
  host: HostTextPatch,
  options: Pick<PatchOptions, 'hunkIds'> = {},
): { text: string; file: FileDiff } {
  const base = { path: change.path, status: change.status, oldMode: change.oldMode, newMode: change.newMode }
  const from = change.status === 'added' ? '/dev/null' : quoteGitPath(`a/${change.path}`)
  const to = change.status === 'deleted' ? '/dev/null' : quoteGitPath(`b/${change.path}`)
  const header = gitHeader(change, false)
  if (host.binary) {
    const body = change.oldOid !== change.newOid ? `Binary files ${from} and ${to} differ\n` : ''
    return { text: header + body, file: { ...base, binary: true, additions: 0, deletions: 0 } }
  }
  let additions = 0
  let deletions = 0
  let hunks = host.hunks && !host.hunks.endsWith('\n') ? `${host.hunks}\n` : host.hunks
  let listed: FileHunk[] | undefined
  if (options.hunkIds !== false && hunkSelectable(change)) {
    ;({ text: hunks, hunks: listed, additions, deletions } = renderHostHunks(change, hunks))
  } else {
    for (const line of hunks.split('\n')) {
      if (line.startsWith('+')) additions += 1
      else if (line.startsWith('-')) deletions += 1
    }
  }
  const body = hunks ? `--- ${from}\n+++ ${to}\n${hunks}` : ''
  const file: FileDiff = { ...base, binary: false, additions, deletions }
  if (listed) file.hunks = listed
  return { text: header + body, file }
}

/** `diff --git` line plus git's extended headers (modes, `index`). */
function gitHeader(change: TreeChange, fullIndex: boolean): string {
  const a = quoteGitPath(`a/${change.path}`)
  const b = quoteGitPath(`b/${change.path}`)
  let out = `diff --git ${a} ${b}\n`
  if (change.status === 'added') out += `new file mode ${change.newMode}\n`
  else if (change.status === 'deleted') out += `deleted file mode ${change.oldMode}\n`
  else if (change.oldMode !== change.newMode)
    out += `old mode ${change.oldMode}\nnew mode ${change.newMode}\n`
  if (change.oldOid !== change.newOid) {
    const length = (change.oldOid ?? change.newOid ?? '').length
    const id = (oid: string | null) => {
      const full = oid ?? '0'.repeat(length)
      return fullIndex ? full : full.slice(0, 7)
    }
    const mode = change.status === 'modified' && change.oldMode === change.newMode ? ` ${change.newMode}` : ''
    out += `index ${id(change.oldOid)}..${id(change.newOid)}${mode}\n`
  }
  return out
}

function isSymlink(mode: FileMode): boolean {
  return mode === '120000'
}

/** A path git prints as it is: printable ASCII without `"` and `\\`. */
const UNQUOTED_PATH = /^[ !#-[\]-~]*$/

/**
 * Quotes a path the way git does (core.quotePath): C escapes, octal for control and non-ASCII bytes
 * (the path's exact bytes, escaped surrogates included).
 */
export function quoteGitPath(path: string): string {
  if (UNQUOTED_PATH.test(path)) return path
  const escapes: Record<number, string> = {
    7: '\\a',
    8: '\\b',
    9: '\\t',
    10: '\\n',
    11: '\\v',
    12: '\\f',
    13: '\\r',
    34: '\\"',
    92: '\\\\',
  }
  let out = '"'
  for (const byte of encodeText(path)) {
    out +=
      escapes[byte] ??
      (byte < 0x20 || byte >= 0x7f ? `\\${byte.toString(8).padStart(3, '0')}` : String.fromCharCode(byte))
  }
  return `${out}"`
}

const UNESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 }

/**
 * The path a git-quoted string names (`"caf\351.txt"`, as {@link quoteGitPath} and git print it), in
 * the lossless string form of src/core/bytes.ts, or `null` when `text` is not such a quoted string.
 * How a command line, which cannot carry non-UTF-8 bytes, names such a path.
 */
export function unquoteGitPath(text: string): string | null {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return null
  const body = text.slice(1, -1)
  const parts: Buffer[] = []
  let run = 0
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!
    if (ch === '"') return null
    if (ch !== '\\') continue
    parts.push(encodeText(body.slice(run, i)))
    const next = body[i + 1]
    if (next !== undefined && /^[0-3][0-7]{2}$/.test(body.slice(i + 1, i + 4))) {
      parts.push(Buffer.of(parseInt(body.slice(i + 1, i + 4), 8)))
      i += 3
    } else if (next !== undefined && next in UNESCAPES) {
      parts.push(Buffer.of(UNESCAPES[next]!))
      i += 1
    } else return null
    run = i + 1
  }
  parts.push(encodeText(body.slice(run)))
  return decodeBytes(Buffer.concat(parts))
}
