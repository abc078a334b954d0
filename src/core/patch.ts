/**
 * Git-style unified patches made with the `diff` package: `diff --git a/p b/p` headers, new/deleted
 * file modes, mode changes, `\ No newline at end of file`, and `Binary files a/p and b/p differ`.
 * `git apply` of the result onto the baseline reproduces every text file of the session.
 */
import { formatPatch, type StructuredPatch, structuredPatch } from 'diff'
import type { FileDiff, FileMode, SessionDiff, TreeChange } from './types.ts'

/** One touched path with the bytes on each side (`null` where the path is absent). */
export interface PatchInput {
  change: TreeChange
  oldBytes: Uint8Array | null
  newBytes: Uint8Array | null
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes text, or returns `null` for binary content (a NUL in the first 8000 bytes, as git decides, or invalid UTF-8). */
function asText(bytes: Uint8Array | null): string | null {
  if (bytes === null) return ''
  if (bytes.subarray(0, 8000).includes(0)) return null
  try {
    return utf8.decode(bytes)
  } catch {
    return null
  }
}

/** Renders every input (sorted by path) into one patch plus per-file stats. */
export function renderPatch(inputs: readonly PatchInput[]): SessionDiff {
  const sorted = [...inputs].sort((a, b) =>
    a.change.path < b.change.path ? -1 : a.change.path > b.change.path ? 1 : 0,
  )
  const parts: string[] = []
  const files: FileDiff[] = []
  let additions = 0
  let deletions = 0
  for (const input of sorted) {
    const { text, file } = renderFile(input)
    parts.push(text)
    files.push(file)
    additions += file.additions
    deletions += file.deletions
  }
  return { patch: parts.join(''), files, additions, deletions }
}

/**
 * Renders one path. A change between a file and a symlink (or submodule) is a deletion plus an
 * addition, as git prints it.
 */
export function renderFile(input: PatchInput): { text: string; file: FileDiff } {
  const { change } = input
  if (change.oldMode && change.newMode && isSymlink(change.oldMode) !== isSymlink(change.newMode)) {
    const removed = renderFile({
      change: { ...change, status: 'deleted', newMode: null, newOid: null },
      oldBytes: input.oldBytes,
      newBytes: null,
    })
    const added = renderFile({
      change: { ...change, status: 'added', oldMode: null, oldOid: null },
      oldBytes: null,
      newBytes: input.newBytes,
    })
    return {
      text: removed.text + added.text,
      file: {
        ...added.file,
        status: 'modified',
        oldMode: change.oldMode,
        additions: added.file.additions,
        deletions: removed.file.deletions,
        binary: removed.file.binary || added.file.binary,
      },
    }
  }

  const path = change.path
  const header: StructuredPatch = {
    oldFileName: change.status === 'added' ? '/dev/null' : `a/${path}`,
    newFileName: change.status === 'deleted' ? '/dev/null' : `b/${path}`,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: [],
    isGit: true,
    isCreate: change.status === 'added',
    isDelete: change.status === 'deleted',
    ...(change.oldMode && (change.status === 'deleted' || change.oldMode !== change.newMode)
      ? { oldMode: change.oldMode }
      : {}),
    ...(change.newMode && (change.status === 'added' || change.oldMode !== change.newMode)
      ? { newMode: change.newMode }
      : {}),
  }
  const oldText = asText(input.oldBytes)
  const newText = asText(input.newBytes)
  const base = { path, status: change.status, oldMode: change.oldMode, newMode: change.newMode }

  if (oldText === null || newText === null) {
    const from = change.status === 'added' ? '/dev/null' : quoteGitPath(`a/${path}`)
    const to = change.status === 'deleted' ? '/dev/null' : quoteGitPath(`b/${path}`)
    const sameContent = change.oldOid !== null && change.oldOid === change.newOid
    const body = sameContent ? '' : `Binary files ${from} and ${to} differ\n`
    return { text: formatPatch(header) + body, file: { ...base, binary: true, additions: 0, deletions: 0 } }
  }

  const { hunks } = structuredPatch(
    header.oldFileName!,
    header.newFileName!,
    oldText,
    newText,
    undefined,
    undefined,
    {
      context: 3,
    },
  )
  let additions = 0
  let deletions = 0
  for (const hunk of hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) additions += 1
      else if (line.startsWith('-')) deletions += 1
    }
  }
  return {
    text: formatPatch({ ...header, hunks }),
    file: { ...base, binary: false, additions, deletions },
  }
}

function isSymlink(mode: FileMode): boolean {
  return mode === '120000'
}

/** Quotes a path the way git does (core.quotePath): C escapes, octal for control and non-ASCII bytes. */
export function quoteGitPath(path: string): string {
  const plain = [...path].every((ch) => ch >= ' ' && ch <= '~' && ch !== '"' && ch !== '\\')
  if (plain) return path
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
  for (const byte of new TextEncoder().encode(path)) {
    out +=
      escapes[byte] ??
      (byte < 0x20 || byte >= 0x7f ? `\\${byte.toString(8).padStart(3, '0')}` : String.fromCharCode(byte))
  }
  return `${out}"`
}
