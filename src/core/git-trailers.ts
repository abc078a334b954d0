/**
 * A commit message's trailers, read exactly as git reads them: what `git interpret-trailers --parse
 * --no-divider` prints for the message (the same list `git log --format=%(trailers:only,unfold)` shows
 * for a commit; commit messages carry no `---` patch divider), with git's defaults — comment lines
 * start with `#`, the only separator is `:`, no `trailer.*` configuration.
 *
 * git's rules (https://git-scm.com/docs/git-interpret-trailers, "the trailers are ... the last
 * paragraph"; implementation: git's trailer.c `trailer_info_get`, `find_trailer_start`, commit.c
 * `ignore_non_trailer`):
 * 1. Trailing comment lines, empty lines, an old-style `Conflicts:` block and everything from the
 *    scissors line `# ------------------------ >8 ------------------------` on are not part of it.
 * 2. The first paragraph is the title and never holds trailers.
 * 3. The trailer block is the last paragraph (after the last blank line) if every line in it is a
 *    trailer (`<token><optional blanks>:<value>`, token = letters, digits and `-`) or a continuation
 *    line (starting with whitespace), or if it holds a git-generated line (`Signed-off-by: `,
 *    `(cherry picked from commit `) and at least 25% trailers. Otherwise there are no trailers.
 * 4. A continuation line is folded into the trailer above it; values are trimmed and unfolded
 *    (line breaks with their surrounding whitespace become one space). git's whitespace is space,
 *    tab, LF and CR only; its letters and digits are ASCII only.
 *
 * Tested against the real `git interpret-trailers` in test/core/git-trailers.test.ts.
 */

/** One trailer as git parses it: the token as written (trimmed) and the unfolded, trimmed value. */
export interface GitTrailer {
  key: string
  value: string
}

const COMMENT = '#'
const SCISSORS = `${COMMENT} ------------------------ >8 ------------------------\n`
const GIT_GENERATED_PREFIXES = ['Signed-off-by: ', '(cherry picked from commit ']

/**
 * The trailers of `message` in order (see the module comment). A message containing a NUL character
 * has none (git stops reading a message at NUL; what follows would be invisible to it).
 */
export function parseGitTrailers(message: string): GitTrailer[] {
  if (message.includes('\0')) return []
  const end = message.length - ignoredTail(message, message.length)
  const start = trailerBlockStart(message, end)
  const lines = splitKeepingNewlines(message.slice(start, end))
  const folded: string[] = []
  let foldInto = -1
  for (const line of lines) {
    if (foldInto >= 0 && isSpace(line[0])) {
      folded[foldInto] += line
      continue
    }
    folded.push(line)
    foldInto = separatorAt(line, 0) >= 1 ? folded.length - 1 : -1
  }
  const trailers: GitTrailer[] = []
  for (const line of folded) {
    if (line.startsWith(COMMENT)) continue
    const separator = separatorAt(line, 0)
    if (separator < 1) continue
    trailers.push({
      key: trim(line.slice(0, separator)),
      value: unfold(trim(line.slice(separator + 1))),
    })
  }
  return trailers
}

/** git's `isspace`: space, tab, LF, CR (not VT or FF). */
function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r'
}

function isAlnum(ch: string): boolean {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
}

function trim(text: string): string {
  let from = 0
  let to = text.length
  while (from < to && isSpace(text[from])) from++
  while (to > from && isSpace(text[to - 1])) to--
  return text.slice(from, to)
}

function unfold(value: string): string {
  let out = ''
  for (let i = 0; i < value.length;) {
    const ch = value[i++]!
    if (ch !== '\n') {
      out += ch
      continue
    }
    while (i < value.length && isSpace(value[i])) i++
    out += ' '
  }
  return trim(out)
}

function splitKeepingNewlines(text: string): string[] {
  const lines: string[] = []
  let from = 0
  while (from < text.length) {
    const newline = text.indexOf('\n', from)
    const to = newline < 0 ? text.length : newline + 1
    lines.push(text.slice(from, to))
    from = to
  }
  return lines
}

/** Start of the line after the one starting at `pos` (or the end of `text`). */
function nextLine(text: string, pos: number): number {
  const newline = text.indexOf('\n', pos)
  return newline < 0 ? text.length : newline + 1
}

/** Start of the last line of `text[0, len)`, or -1 when `len` is 0 (a final LF belongs to its line). */
function lastLine(text: string, len: number): number {
  if (len === 0) return -1
  if (len === 1) return 0
  for (let i = len - 2; i >= 0; i--) if (text[i] === '\n') return i + 1
  return 0
}

function isBlankLine(text: string, pos: number): boolean {
  let i = pos
  while (i < text.length && text[i] !== '\n' && isSpace(text[i])) i++
  return i >= text.length || text[i] === '\n'
}

/**
 * Offset of the `:` of `<token><optional blanks>:` at the start of the line at `pos`, relative to
 * `pos`; -1 when the line does not start that way (git's `find_separator`; 0 = a line starting with `:`).
 */
function separatorAt(text: string, pos: number): number {
  let blanks = false
  for (let i = pos; i < text.length; i++) {
    const ch = text[i]!
    if (ch === ':') return i - pos
    if (!blanks && (isAlnum(ch) || ch === '-')) continue
    if (i !== pos && (ch === ' ' || ch === '\t')) {
      blanks = true
      continue
    }
    break
  }
  return -1
}

/** How many characters at the end of `text[0, len)` are not the message: git's `ignore_non_trailer`. */
function ignoredTail(text: string, len: number): number {
  let cutoff = len
  if (text.startsWith(SCISSORS)) cutoff = 0
  else {
    const at = text.indexOf(`\n${SCISSORS}`)
    if (at >= 0) cutoff = at + 1
  }
  let commentsFrom = 0
  let inConflicts = false
  for (let bol = 0; bol < cutoff;) {
    const newline = text.indexOf('\n', bol)
    const next = newline < 0 || newline >= len ? len : newline + 1
    if (text[bol] === COMMENT || text[bol] === '\n') {
      if (!commentsFrom) commentsFrom = bol
    } else if (text.startsWith('Conflicts:\n', bol)) {
      inConflicts = true
      if (!commentsFrom) commentsFrom = bol
    } else if (inConflicts && text[bol] === '\t') {
      // a path of the old-style conflicts block
    } else if (commentsFrom) {
      commentsFrom = 0
      inConflicts = false
    }
    bol = next
  }
  return commentsFrom ? len - commentsFrom : len - cutoff
}

/** Start of the trailer block in `text[0, len)`, or `len` when there is none: git's `find_trailer_start`. */
function trailerBlockStart(text: string, len: number): number {
  let titleEnd = 0
  while (titleEnd < len) {
    if (text[titleEnd] !== COMMENT && isBlankLine(text, titleEnd)) break
    titleEnd = nextLine(text, titleEnd)
  }
  let onlySpaces = true
  let recognizedPrefix = false
  let trailerLines = 0
  let nonTrailerLines = 0
  let possibleContinuations = 0
  for (let bol = lastLine(text, len); bol >= titleEnd; bol = lastLine(text, bol)) {
    if (text.startsWith(COMMENT, bol)) {
      nonTrailerLines += possibleContinuations
      possibleContinuations = 0
      continue
    }
    if (isBlankLine(text, bol)) {
      if (onlySpaces) continue
      nonTrailerLines += possibleContinuations
      if (recognizedPrefix && trailerLines * 3 >= nonTrailerLines) return nextLine(text, bol)
      if (trailerLines && !nonTrailerLines) return nextLine(text, bol)
      return len
    }
    onlySpaces = false
    if (GIT_GENERATED_PREFIXES.some((prefix) => text.startsWith(prefix, bol))) {
      trailerLines++
      possibleContinuations = 0
      recognizedPrefix = true
      continue
    }
    if (separatorAt(text, bol) >= 1 && !isSpace(text[bol])) {
      trailerLines++
      possibleContinuations = 0
    } else if (isSpace(text[bol])) {
      possibleContinuations++
    } else {
      nonTrailerLines += 1 + possibleContinuations
      possibleContinuations = 0
    }
  }
  return len
}
