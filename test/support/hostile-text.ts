/**
 * Hostile text and the check that it stayed inert. The corpus holds every way a string someone else
 * wrote (a task, a file name, a branch name, a login, an error quoting one of them) could become live
 * on GitHub: mentions, references, links, images, HTML, markers the App looks for, backtick runs that
 * close a code span, bidi controls, line-start block markers. Every entry carries a sentinel word
 * (`evil`, `victim` or `4242`, or a letter run `zq…`), so "inert" is checkable on the rendered HTML:
 * sentinels may only appear inside `<code>`/`<pre>`.
 *
 * Rendering is micromark with its GFM extension (CommonMark + GFM: tables, autolink literals,
 * strikethrough, task lists, tag filter) with raw HTML allowed, as GitHub's pipeline parses before it
 * sanitizes. GitHub's own text filters (mentions, issue references, commit SHAs, emoji shortcodes)
 * are not part of GFM; they skip `<code>` and `<pre>`, which is why sentinels must stay inside them.
 */
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'
import { parseFragment } from 'parse5'
import { expect } from 'vitest'

const ticks = (n: number) => '`'.repeat(n)

/** Backtick runs of every length 1–20: inside, at the start and at the end of a name. */
const BACKTICKS = Array.from({ length: 20 }, (_, i) => i + 1).flatMap((n) => [
  `zq${n}a${ticks(n)}<img src=x onerror=alert(4242)>${ticks(n)}`,
  `${ticks(n)}zq${n}b @victim`,
  `zq${n}c [evil](https://evil.example)${ticks(n)}`,
])

/** One line each: safe as a file name, a task line, a quoted value. */
export const HOSTILE_LINES: readonly string[] = [
  '@victim please look',
  '@evil-org/admins ping',
  'fixes #4242',
  'GH-4242 again',
  'evil/repo#4242',
  'evil-org/evil-repo@c0ffee4242c0ffee4242c0ffee4242c0ffee4242',
  'c0ffee4242c0ffee4242c0ffee4242c0ffee4242',
  '[click evil](https://evil.example/x)',
  '[evil ref][r]\n[r]: https://evil.example/ref',
  '<https://evil.example/auto>',
  'https://evil.example/bare',
  'www.evil.example',
  'victim@evil.example',
  'mailto:victim@evil.example',
  '![evil](https://evil.example/img.png)',
  '<img src="https://evil.example/i.png">',
  '<a href="https://evil.example">evil</a>',
  '<script>alert(4242)</script>',
  '<details open><summary>evil</summary>4242</details>',
  '&lt;img src=x&gt; &#64;victim &amp;evil',
  '<!-- evil comment 4242 -->',
  '<!-- gittrix:session sess_evilevilevil -->',
  '<!-- gittrix:reply 4242 -->',
  ':skull: :+1: evil',
  '- [x] evil task 4242',
  '| evil | 4242 |',
  'a | b | evil',
  '~~evil~~ **evil** _evil_ *evil*',
  '\\`evil4242\\`',
  'rtl\u202eevil\u202cexe',
  'lri\u2066evil\u2069 alm\u061cevil',
  'zero\u200bwidth\u200devil\ufeff',
  'tab\tevil4242',
  '$evil4242$',
  ...BACKTICKS,
]

/** Entries spanning lines: CR, LF, and block markers at the start of a line. */
export const HOSTILE_BLOCKS: readonly string[] = [
  'first\n# evil heading 4242',
  'first\r\n## evil4242',
  'first\rsecond @victim',
  'first\n- evil list 4242',
  'first\n1. evil list 4242',
  'first\n> evil quote 4242',
  'first\n```\nevil fence 4242\n```\nafter @victim',
  'first\n~~~\nevil 4242\n~~~\nafter @victim',
  'see[^evil]\n\n[^evil]: footnote 4242',
  'first\n---\nevil4242',
  'first\n===\nevil4242',
  'first\n    evil indented 4242',
  'first\n<!-- gittrix:session sess_evilevilevil -->',
  'first\n\n<div>evil 4242</div>',
  'first\n| a | b |\n| - | - |\n| evil | 4242 |',
  'first\u2028evil4242\u2029victim\u0085evil',
]

/** Every hostile string. */
export const HOSTILE: readonly string[] = [...HOSTILE_LINES, ...HOSTILE_BLOCKS]

/** Words only hostile text holds; none may appear in rendered text outside code. */
const SENTINELS = /evil|victim|4242|c0ffee|zq\d|skull/i

/**
 * Hostile entries usable as repository paths (no NUL, no leading or trailing slash, no `.`/`..`
 * segment, no `.git`), de-duplicated.
 */
export const HOSTILE_PATHS: readonly string[] = [
  ...new Set(
    HOSTILE.map((text, i) =>
      `h${i}-${text}`.replace(/\/+/g, '／').replace(/\0/g, '').replace(/\.git/gi, '_git'),
    ),
  ),
]

/** GFM HTML of `markdown` (micromark + GFM, raw HTML kept as GitHub's parser keeps it before sanitising). */
export function renderGfm(markdown: string): string {
  return micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  })
}

interface Node {
  nodeName: string
  tagName?: string
  value?: string
  data?: string
  attrs?: Array<{ name: string; value: string }>
  childNodes?: Node[]
}

/** Zero-width and bidi characters: shown to nobody, reorder or hide what a reviewer reads. */
const HIDDEN = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/

/** Elements our own renderers produce; anything else in the HTML came from someone else's text. */
const OUR_ELEMENTS = new Set([
  'p',
  'code',
  'pre',
  'a',
  'strong',
  'em',
  'h3',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'ul',
  'li',
  'blockquote',
  'br',
])

/**
 * Problems with `markdown` as GitHub would render it: an element our renderers never produce, a link
 * or image whose target or text is not ours (`ownUrl`), an HTML comment other than our markers, or a
 * sentinel of hostile text outside `<code>`/`<pre>` (where GitHub's mention, reference, SHA and emoji
 * filters, and the reader, would see it as text). Empty when inert.
 */
export function liveProblems(markdown: string, ownUrl: (url: string) => boolean = () => false): string[] {
  const html = renderGfm(markdown)
  const problems: string[] = []
  const walk = (node: Node, inCode: boolean, first: boolean) => {
    if (node.nodeName === '#text') {
      if (!inCode && SENTINELS.test(node.value ?? ''))
        problems.push(`live text: ${JSON.stringify(node.value)}`)
      if (HIDDEN.test(node.value ?? '')) problems.push(`hidden character in ${JSON.stringify(node.value)}`)
      return
    }
    if (node.nodeName === '#comment') {
      const marker = /^ gittrix:(session sess_[a-z2-7]{12}|reply \d+) $/.test(node.data ?? '')
      if (!marker || !first || SENTINELS.test(node.data ?? ''))
        problems.push(`HTML comment: ${JSON.stringify(node.data)}`)
      return
    }
    const tag = node.tagName
    if (tag && !OUR_ELEMENTS.has(tag)) problems.push(`element <${tag}>`)
    for (const attr of node.attrs ?? []) {
      if (tag === 'a' && attr.name === 'href' && ownUrl(attr.value)) continue
      if ((tag === 'th' || tag === 'td') && attr.name === 'align') continue
      if (tag === 'code' && attr.name === 'class' && /^language-(text|diff)$/.test(attr.value)) continue
      problems.push(`attribute ${tag} ${attr.name}=${JSON.stringify(attr.value)}`)
    }
    const code = inCode || tag === 'code' || tag === 'pre'
    ;(node.childNodes ?? []).forEach((child, i) => walk(child, code, first && i === 0))
  }
  const root = parseFragment(html) as unknown as Node
  ;(root.childNodes ?? []).forEach((child, i) => walk(child, false, i === 0))
  return problems
}

/** Asserts `markdown` renders inert (see {@link liveProblems}); `label` names the output in the failure. */
export function expectInert(label: string, markdown: string, ownUrl?: (url: string) => boolean): void {
  expect(liveProblems(markdown, ownUrl), `${label}:\n${markdown.slice(0, 3000)}`).toEqual([])
}

/**
 * Problems with a plain-text field GitHub does not render as markdown but still scans for
 * references (pull request titles, check run titles): more than one line, invisible or bidi
 * characters, or an `@mention`, `#123`, `GH-123` or `owner/repo#123` reference GitHub would link.
 */
export function plainTextProblems(text: string): string[] {
  const problems: string[] = []
  if (/[\n\r\u0085\u2028\u2029]/.test(text)) problems.push('more than one line')
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text) || HIDDEN.test(text))
    problems.push('invisible or bidi character')
  for (const pattern of [/@[A-Za-z0-9]/, /#\d/, /GH-\d/i]) {
    const match = pattern.exec(text)
    if (match && SENTINELS.test(text.slice(Math.max(0, match.index - 20), match.index + 45)))
      problems.push(`reference ${JSON.stringify(match[0])} in ${JSON.stringify(text)}`)
  }
  return problems
}

/** Asserts a plain-text field is safe (see {@link plainTextProblems}). */
export function expectPlainText(label: string, text: string): void {
  expect(plainTextProblems(text), `${label}: ${JSON.stringify(text)}`).toEqual([])
}
