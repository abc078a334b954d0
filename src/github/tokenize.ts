/**
 * Quote-aware splitting of a slash-command line into words, as a shell user would expect:
 * words are separated by spaces or tabs; `"..."` and `'...'` group words; inside double quotes `\"`
 * and `\\` are escapes, inside single quotes `\'` and `\\`; outside quotes `\"`, `\'`, `\\` and
 * `\ ` (space) are escapes. Any other backslash is kept as is. Adjacent parts join: `a"b c"` is `ab c`.
 */
import { fail, ok, type ParseResult } from './result.ts'

/**
 * One word of a command line. `quoted`: some part of it was quoted or escaped (so `"all"` is a path,
 * not the keyword). `startsQuoted`: its first character was quoted or escaped (so `"--pr"` is text,
 * not a flag, while `--message="two words"` is still an option).
 */
export interface Token {
  text: string
  quoted: boolean
  startsQuoted: boolean
}

/** Splits `line` into tokens. Fails (never throws) on an unterminated quote, naming the quote character. */
export function tokenize(line: string): ParseResult<Token[]> {
  const tokens: Token[] = []
  let current: Token | null = null
  let i = 0
  const push = (text: string, quoted: boolean) => {
    if (current === null) current = { text: '', quoted: false, startsQuoted: quoted }
    current.text += text
    if (quoted) current.quoted = true
  }
  while (i < line.length) {
    const ch = line[i]!
    if (ch === ' ' || ch === '\t') {
      if (current !== null) tokens.push(current)
      current = null
      i += 1
      continue
    }
    if (ch === '"' || ch === "'") {
      const quote = ch
      let text = ''
      let j = i + 1
      let closed = false
      while (j < line.length) {
        const c = line[j]!
        if (c === '\\' && (line[j + 1] === quote || line[j + 1] === '\\')) {
          text += line[j + 1]
          j += 2
          continue
        }
        if (c === quote) {
          closed = true
          break
        }
        text += c
        j += 1
      }
      if (!closed) {
        return fail(
          `unterminated ${quote === '"' ? 'double' : 'single'} quote (${quote}): close it, or escape it as \\${quote}`,
        )
      }
      push(text, true)
      i = j + 1
      continue
    }
    if (ch === '\\' && i + 1 < line.length && `"'\\ `.includes(line[i + 1]!)) {
      push(line[i + 1]!, true)
      i += 2
      continue
    }
    push(ch, false)
    i += 1
  }
  if (current !== null) tokens.push(current)
  return ok(tokens)
}
