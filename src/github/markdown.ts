/**
 * The one way untrusted text reaches GitHub (docs/architecture.md#invariants, 13: "untrusted text is never live").
 * Untrusted = anything the App did not write itself: the task, file names, branch names, commit
 * messages, logins, session ids typed by people, configuration values, and error messages that may
 * quote any of them. It goes into check run output, comments, replies and pull request bodies only
 * through {@link inlineCode} (inside a sentence, a table cell or a list item) or {@link fencedBlock}
 * (whole paragraphs), and into plain-text fields (pull request titles, check run titles) only through
 * {@link plainTitle}. {@link mention} is the only live `@mention`, of a login GitHub vouches for.
 *
 * Why code and not escaped text: GitHub renders GFM (https://github.github.com/gfm/), then runs its
 * own filters over the text of the HTML — `@mentions` and team mentions, `#123` / `GH-123` /
 * `owner/repo#123` references, commit SHAs, emoji shortcodes — and those filters skip `<code>` and
 * `<pre>` ("Autolinked references and URLs" and "Basic writing and formatting syntax" in GitHub's
 * docs). No escaping of plain text stops all of them; code does. test/github/untrusted-text.test.ts
 * and test/app/untrusted-text.test.ts render a hostile corpus through every output to prove it.
 */
import { isInvisible } from './result.ts'

/**
 * Untrusted text as a `<code>` span that is safe in a sentence, a table cell, a heading or a list
 * item. Every ASCII character other than letters, digits and space becomes a numeric entity (so `|`
 * cannot split a table cell, `<` cannot open a tag, `*`/`_`/`[`/backtick cannot start markdown, `:`
 * `/` `.` cannot form a URL or an autolink); `<code>` keeps GitHub's mention, reference and emoji
 * filters out; every control, zero-width or bidi character (line breaks included) is shown as
 * `\u{XXXX}`.
 */
export function inlineCode(text: string): string {
  let out = ''
  for (const ch of text) {
    if (isInvisible(ch)) out += `&#92;u{${hex(ch)}}`
    else if (/^[A-Za-z0-9 ]$/.test(ch) || ch.codePointAt(0)! > 0x7f) out += ch
    else out += `&#${ch.codePointAt(0)};`
  }
  return `<code>${out}</code>`
}

/** A GitHub login: 1–39 letters, digits or inner single hyphens, optionally `[bot]` (an App's bot user). */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/

/**
 * A live `@login` mention, for the person who acted (a payload's `sender` or comment author: GitHub
 * wrote that login). Anything that is not a plain login (a team, spaces, markup) renders as
 * {@link inlineCode} and notifies nobody.
 */
export function mention(login: string): string {
  return typeof login === 'string' && GITHUB_LOGIN.test(login) ? `@${login}` : inlineCode(String(login))
}

/** Longest {@link plainTitle}, in code points: GitHub's limit for issue and pull request titles is 256. */
export const PLAIN_TITLE_MAX = 256

/**
 * Untrusted text for a field GitHub shows as plain text but still scans for references: a pull
 * request title (GitHub links `#123`, `GH-123` and `owner/repo#123` in titles) or a check run title.
 * One line: line breaks, controls, zero-width and bidi characters become spaces, runs of spaces one;
 * a WORD JOINER (U+2060, invisible) after every `@` and `#` and inside `GH-` so no mention or
 * reference forms; cut to `max` code points (default {@link PLAIN_TITLE_MAX}) ending in `…`.
 */
export function plainTitle(text: string, max = PLAIN_TITLE_MAX): string {
  const line = Array.from(String(text), (ch) => (isInvisible(ch) ? ' ' : ch))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[@#＠＃]/g, '$&\u2060')
    .replace(/(G)(H-)/gi, '$1\u2060$2')
  const chars = Array.from(line)
  if (chars.length <= max) return line
  return `${chars
    .slice(0, max - 1)
    .join('')
    .trimEnd()}…`
}

function hex(ch: string): string {
  return ch.codePointAt(0)!.toString(16).toUpperCase()
}

/**
 * `text` with every control, zero-width and bidi character except tab and line feed (and a carriage
 * return before a line feed) shown as `\u{XXXX}`, so a code block shows what a file really holds
 * (no "Trojan Source" reordering, no hidden characters). NUL included.
 */
export function visibleText(text: string): string {
  let out = ''
  const chars = Array.from(text)
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!
    const keep = ch === '\n' || ch === '\t' || (ch === '\r' && chars[i + 1] === '\n')
    out += keep || !isInvisible(ch) ? ch : `\\u{${hex(ch)}}`
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
 * `content` in a fenced code block with info string `info` (ours, e.g. `diff`, `text`): nothing
 * inside is read as markdown or HTML, the fence is longer than any backtick run in `content`, and
 * hidden characters are shown ({@link visibleText}). A block: the caller puts it after a blank line
 * (a fence that does not start a line is no fence).
 */
export function fencedBlock(content: string, info = ''): string {
  const body = visibleText(content)
  const fence = fenceFor(body)
  return `${fence}${info}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}${fence}`
}

/**
 * `label` (markdown the App wrote, e.g. an {@link inlineCode} span) linked to `url`, a page URL the
 * App took from GitHub's API or built from the repository's `html_url` (`http:` is accepted for
 * GitHub Enterprise Server without TLS). Anything else — other schemes, spaces, quotes, brackets,
 * parentheses — leaves `label` unlinked.
 */
export function link(label: string, url: string | null | undefined): string {
  if (typeof url !== 'string' || url.length > 2000 || !/^https?:\/\/[^\s"'<>()\\`]+$/.test(url)) return label
  try {
    return ['https:', 'http:'].includes(new URL(url).protocol) ? `[${label}](${url})` : label
  } catch {
    return label
  }
}

/**
 * `markdown` (cut from a longer text) with a still-open backtick fence closed by a fence of the same
 * length, so a note appended after it is not swallowed by the code block. Only fences at the start
 * of a line (up to three spaces) count, as in CommonMark.
 */
export function closeOpenFence(markdown: string): string {
  let open = 0
  for (const line of markdown.split('\n')) {
    const run = /^ {0,3}(`{3,})(.*)$/.exec(line)
    if (!run) continue
    if (open === 0) {
      if (!run[2]!.includes('`')) open = run[1]!.length
    } else if (run[1]!.length >= open && run[2]!.trim() === '') open = 0
  }
  return open === 0 ? markdown : `${markdown}\n${'`'.repeat(open)}`
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
