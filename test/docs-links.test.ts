/**
 * Every relative link in README.md, CONTRIBUTING.md and docs/*.md points at a file of the repository,
 * and every `#anchor` at a heading of the file it names, as GitHub renders them: the markdown is
 * rendered with a GFM parser (so links inside code are not links), and anchors are GitHub's heading
 * ids (lower case, punctuation dropped, spaces as `-`, `-1`, `-2` … for repeats). Source comments
 * that cite a docs page (`docs/architecture.md#invariants`) must name a page and heading that exist,
 * and none may cite a file outside the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
const FILES = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** `markdown` as GitHub's HTML (GFM), raw HTML kept so `<a href>` in the source counts too. */
function render(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] })
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

/** GitHub's id for a heading's text (github-slugger's rules). */
export function headingId(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** The anchors a markdown file's headings get on GitHub. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const [, inner] of render(markdown).matchAll(/<h[1-6][^>]*>([\s\S]*?)<\/h[1-6]>/g)) {
    const base = headingId(decodeEntities(inner!.replace(/<[^>]+>/g, '')))
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

/** The link targets of a markdown file (`href` of every rendered link), external ones left out. */
export function relativeLinks(markdown: string): string[] {
  return [...render(markdown).matchAll(/<a [^>]*href="([^"]*)"/g)]
    .map(([, href]) => decodeEntities(href!))
    .filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href))
}

/** What is wrong with each relative link of `file` (a path relative to the repository root). */
export function brokenLinks(file: string): string[] {
  const source = join(ROOT, file)
  const problems: string[] = []
  for (const href of relativeLinks(readFileSync(source, 'utf8'))) {
    const [pathPart, anchor] = href.split('#', 2) as [string, string | undefined]
    const target = pathPart === '' ? source : resolve(dirname(source), decodeURIComponent(pathPart))
    const shown = relative(ROOT, target)
    if (shown.startsWith('..')) {
      problems.push(`${href}: leaves the repository`)
      continue
    }
    if (!existsSync(target)) {
      problems.push(`${href}: ${shown} does not exist`)
      continue
    }
    if (anchor === undefined || anchor === '' || !target.endsWith('.md') || statSync(target).isDirectory())
      continue
    if (!anchorsOf(readFileSync(target, 'utf8')).has(decodeURIComponent(anchor))) {
      problems.push(`${href}: ${shown} has no heading with the id "${anchor}"`)
    }
  }
  return problems
}

/** Source files whose comments cite docs: everything but dependencies and built output. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory())
      return ['node_modules', 'dist', 'fixtures'].includes(entry.name) ? [] : sourceFiles(path)
    return /\.(ts|js|sh|yml)$/.test(entry.name) ? [path] : []
  })
}

const SOURCES = ['src', 'app', 'action', 'test', 'scripts', '.ci']
  .flatMap((dir) => sourceFiles(dir))
  .filter((file) => file !== 'test/docs-links.test.ts') // its examples cite pages that do not exist

/** `docs/<page>.md#a, #b and #c` citations in `text`, as `[page, anchors]`. */
export function docCitations(text: string): Array<[page: string, anchors: string[]]> {
  return [
    ...text.matchAll(/\b(docs\/[\w-]+\.md|CONTRIBUTING\.md)((?:#[\w-]+)(?:(?:,\s*|\s+and\s+)#[\w-]+)*)?/g),
  ].map(([, page, anchors]) => [page!, [...(anchors ?? '').matchAll(/#([\w-]+)/g)].map((m) => m[1]!)])
}

describe('links in the docs', () => {
  it('headings get GitHub ids', () => {
    expect(headingId('Action ↔ App protocol')).toBe('action--app-protocol')
    expect(headingId('gittrix run <id> -- <command>: a shell')).toBe('gittrix-run-id----command-a-shell')
    expect([...anchorsOf('# A\n\n## Errors\n\n### Errors\n\n```md\n# not a heading\n```\n')]).toEqual([
      'a',
      'errors',
      'errors-1',
    ])
  })

  it('finds a broken link, a missing anchor and a link out of the repository, and not links in code', () => {
    const links = relativeLinks(
      '[a](docs/x.md#y) [b](https://example.com) `[c](z.md)`\n\n```\n[d](w.md)\n```\n',
    )
    expect(links).toEqual(['docs/x.md#y'])
  })

  it.each(FILES)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(file)).toEqual([])
  })

  it('source comments cite only docs pages and headings that exist', () => {
    expect(docCitations('see docs/platform-facts.md#check-runs, #webhooks and #probot.')).toEqual([
      ['docs/platform-facts.md', ['check-runs', 'webhooks', 'probot']],
    ])
    const problems: string[] = []
    let citations = 0
    for (const file of SOURCES) {
      // Anchored citations anywhere; bare ones in the product's sources (tests and the demo write
      // files such as docs/x.md).
      let text = readFileSync(join(ROOT, file), 'utf8')
      if (/^(test|scripts)\//.test(file)) text = text.replace(/\bdocs\/[\w-]+\.md(?!#)/g, '')
      for (const [page, anchors] of docCitations(text)) {
        citations++
        if (!existsSync(join(ROOT, page))) {
          problems.push(`${file}: ${page} does not exist`)
          continue
        }
        const headings = anchorsOf(readFileSync(join(ROOT, page), 'utf8'))
        for (const anchor of anchors)
          if (!headings.has(anchor)) problems.push(`${file}: ${page} has no heading "${anchor}"`)
      }
    }
    expect(problems).toEqual([])
    expect(citations).toBeGreaterThan(50)
  })

  it('no source file cites a document outside the repository', () => {
    const outside =
      /DESIGN\.md|\.\.\/shared\/|shared\/reference|storage-apis\.md|github-platform\.md|github-limits\.md|style-anchors\.md|\bseed 0\d\d\b/
    const offenders = [...SOURCES, ...FILES].flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (outside.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    )
    expect(offenders).toEqual([])
  })

  it('README.md links to every page in docs/', () => {
    const linked = new Set(
      relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((h) => h.split('#')[0]),
    )
    for (const file of FILES.filter((f) => f.startsWith('docs/'))) expect(linked).toContain(file)
  })
})
