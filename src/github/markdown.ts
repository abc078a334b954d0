/**
 * Safe markdown building blocks for GitHub-flavoured markdown. Untrusted text (file names, branch
 * names, tasks) goes through {@link inlineCode} or {@link fencedBlock}, never straight into markdown:
 * a file name can hold `|`, backticks, `<`, `@`, newlines or bidi controls.
 */
import { isInvisible } from './result.ts'

/**
 * Untrusted text as a `<code>` span that is safe in a table cell, a heading or a list item. Every
 * ASCII character other than letters, digits and space becomes a numeric entity (so `|` cannot split
 * a table cell, `<` cannot open a tag, `*`/`_`/`[`/backtick cannot start markdown, `@` and `#`
 * cannot mention or link; GitHub skips `<code>` when linking mentions, issues and emoji), and every
 * control, zero-width or bidi character is shown as `\u{XXXX}`.
 */
export function inlineCode(text: string): string {
  return `<code>${escapeEntities(text, false)}</code>`
}

/**
 * {@link inlineCode}'s escaping without the `<code>` tags: plain, inert text. `@` is followed by a
 * WORD JOINER (U+2060, invisible) so `@someone` in untrusted text cannot notify anyone.
 */
export function escapeText(text: string): string {
  return escapeEntities(text, true)
}

function escapeEntities(text: string, breakMentions: boolean): string {
  let out = ''
  for (const ch of text) {
    if (isInvisible(ch)) {
      out += `&#92;u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`
    } else if (ch === '@' && breakMentions) {
      out += '&#64;&#8288;'
    } else if (/^[A-Za-z0-9 ]$/.test(ch) || ch.codePointAt(0)! > 0x7f) {
      out += ch
    } else {
      out += `&#${ch.codePointAt(0)};`
    }
  }
  return out
}

/** Length of the longest run of `` ` `` characters in `text`. */
export function longestBacktickRun(text: string): number {
  let longest = 0
  let run = 0
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 96) {
      run += 1
      if (run > longest) longest = run
    } else run = 0
  }
  return longest
}

/** A backtick fence long enough that no line of `content` can close it (at least 3). */
export function fenceFor(content: string): string {
  return '`'.repeat(Math.max(3, longestBacktickRun(content) + 1))
}

/**
 * `content` in a fenced code block with info string `info` (e.g. `diff`, `text`): nothing inside is
 * read as markdown or HTML. NUL characters become U+FFFD (GitHub refuses NUL).
 */
export function fencedBlock(content: string, info = ''): string {
  const body = content.replaceAll('\0', '\uFFFD')
  const fence = fenceFor(body)
  return `${fence}${info}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}${fence}`
}

/** A GitHub table row from cells that are already safe markdown (see {@link inlineCode}). */
export function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`
}

/** `n` with thousands separators, as GitHub prints counts: `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

/** `word` or its plural: `plural(1, 'file')` → `1 file`, `plural(2, 'file')` → `2 files`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`
}

/**
 * An `https:` URL safe to put in a markdown link target, or `null` for anything else (other schemes,
 * spaces, quotes, angle brackets, parentheses, control characters).
 */
export function safeUrl(url: string | undefined): string | null {
  if (typeof url !== 'string' || url.length > 2000) return null
  if (!/^https:\/\/[^\s"'<>()\\`]+$/.test(url)) return null
  try {
    return new URL(url).protocol === 'https:' ? url : null
  } catch {
    return null
  }
}
