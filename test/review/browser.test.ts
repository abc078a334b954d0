/**
 * The review page in a real headless browser (Debian's Chromium driven by playwright-core): a session
 * with a three-hunk file and two other files, one of them named like an HTML tag; the page must show
 * that name as text (no element, no script run), load under its CSP without a single violation, and
 * a selection made with the page's checkboxes must land on the durable branch byte for byte.
 *
 * Skipped, saying so, only when no Chromium is installed and `CI` is not `true`; under CI it always
 * runs (.ci/run installs Debian's `chromium`). `GITTRIX_UPDATE_SCREENSHOT=1` writes the screenshot the
 * docs show (docs/images/review-page.png); otherwise it goes to a temporary directory.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { GitTrix } from '../../src/index.ts'
import { type ReviewServer, startReviewServer } from '../../src/review/server.ts'
import { cleanup, commitFiles, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { blob, findChromium, openGitTrix } from './support.ts'

const CHROMIUM = findChromium()
const IN_CI = process.env.CI === 'true'
if (!CHROMIUM && !IN_CI)
  console.warn(
    'test/review/browser.test.ts: SKIPPED: no chromium on PATH (install it: apt-get install -y chromium, or set CHROMIUM_PATH).',
  )

const SCREENSHOT = fileURLToPath(new URL('../../docs/images/review-page.png', import.meta.url))
const HOSTILE = '<img src=x onerror=alert(1)>.md'

/** 30 numbered lines; the agent changes lines 2, 15 and 28: three hunks far enough apart. */
const lines = (changed: Record<number, string> = {}) =>
  Array.from({ length: 30 }, (_, i) => `${changed[i + 1] ?? `line ${i + 1}`}\n`).join('')
const BASE = lines()
const AGENT = lines({ 2: 'line 2: first hunk', 15: 'line 15: second hunk', 28: 'line 28: third hunk' })
// The comment hides a bidi override (Trojan Source): the page must show it.
const UTIL = 'export function add(a, b) {\n  return a + b // \u202Eb - a\n}\n'

describe.skipIf(!CHROMIUM && !IN_CI)('gittrix review in a browser', () => {
  let browser: Browser
  let repo: { path: string; head: string }
  let store: string
  let shots: string
  let gittrix: GitTrix
  let server: ReviewServer
  let page: Page
  let sessionId: string
  const problems: string[] = []
  const dialogs: string[] = []

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error('CI=true but no chromium is installed: .ci/run should have installed it.')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  })
  afterAll(async () => {
    await browser?.close()
  })

  beforeEach(async () => {
    repo = makeRepo({ 'three.txt': BASE, 'README.md': '# Project\n' })
    store = tempDir()
    shots = tempDir()
    gittrix = openGitTrix(repo.path, store)
    const session = await gittrix.startSession({ task: 'tidy <b>three</b> & add util' })
    await session.write('three.txt', AGENT)
    await session.write('lib/util.js', UTIL)
    await session.write(HOSTILE, '# <script>alert(2)</script>\n')
    sessionId = session.id
    server = await startReviewServer({ gittrix, sessionId })
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    await page.goto(server.url)
    await page.waitForSelector('body[data-review="ready"]')
  })

  afterEach(async () => {
    await page?.close()
    await server?.close()
    await gittrix?.close()
    cleanup(repo.path, store, shots)
    problems.length = 0
    dialogs.length = 0
  })

  it('renders every file name and the task as text, under its CSP, with no script run', async () => {
    const paths = await page.locator('#gx-files .gx-path').allTextContents()
    expect(paths).toEqual([HOSTILE, 'lib/util.js', 'three.txt'])
    expect(await page.locator('#gx-task').textContent()).toBe('tidy <b>three</b> & add util')
    // diff2html's own rendering of the name and of the content is text too.
    // (git ends a ---/+++ name that holds a space with a tab, which diff2html keeps.)
    const names = await page.locator('.d2h-file-name').allTextContents()
    expect(names.map((name) => name.trim())).toEqual([HOSTILE, 'lib/util.js', 'three.txt'])
    expect(await page.locator('#gx-diff').textContent()).toContain('<script>alert(2)</script>')
    expect(await page.locator('img, script:not([src]), b').count()).toBe(0)
    expect(await page.locator('.d2h-file-wrapper').count()).toBe(3)
    expect(await page.locator('#gx-stat').textContent()).toBe('3 files changed, +7 −3')
    // The bidi override is shown as a marker, never left to reorder the line, and the page warns.
    const diffText = (await page.locator('#gx-diff').textContent()) ?? ''
    expect(diffText).not.toContain('\u202E')
    expect(diffText).toContain('return a + b // ⟨U+202E⟩b - a')
    await expect.poll(() => page.locator('#gx-hidden').isVisible()).toBe(true)
    expect(await page.locator('#gx-hidden').textContent()).toMatch(
      /holds 1 invisible or direction-changing character /,
    )
    // Syntax highlighting ran (highlight.js classes inside the diff).
    expect(await page.locator('#gx-diff .hljs-keyword').count()).toBeGreaterThan(0)
    expect(dialogs).toEqual([])
    expect(problems).toEqual([])
  })

  it('follows the workspace: a change reloads the page onto a new commit and keeps the selection', async () => {
    await page.check('input.gx-file-pick[data-where="summary"][data-path="lib/util.js"]')
    const before = await page.locator('body').getAttribute('data-at')
    const session = await gittrix.getSession(sessionId)
    await session.write('later.txt', 'written while the page was open\n')
    await page.waitForSelector('#gx-files .gx-path:text-is("later.txt")')
    expect(await page.locator('body').getAttribute('data-at')).not.toBe(before)
    expect(await page.locator('#gx-notice').textContent()).toMatch(
      /^The workspace changed: the page now shows commit [0-9a-f]{12}\.$/,
    )
    expect(await page.isChecked('input.gx-file-pick[data-where="summary"][data-path="lib/util.js"]')).toBe(
      true,
    )
    expect(problems).toEqual([])
  })

  it('drops the selection of a file the agent rewrote after it was selected', async () => {
    const box = 'input.gx-file-pick[data-where="summary"][data-path="lib/util.js"]'
    await page.check(box)
    const session = await gittrix.getSession(sessionId)
    await session.write('lib/util.js', 'export function add(a, b) {\n  return a - b\n}\n')
    await page.waitForSelector('#gx-notice:not([hidden])')
    // The box was ticked for the bytes shown before; the page must not promote the new ones with it.
    expect(await page.isChecked(box)).toBe(false)
    expect(problems).toEqual([])
  })

  it('promotes two hunks of one file and another file whole: the durable tree holds exactly those bytes', async () => {
    const hunks = page.locator('input.gx-hunk-pick[data-path="three.txt"]')
    expect(await hunks.count()).toBe(3)
    // Only files with content changes have hunks; the added files are whole-file only.
    expect(await page.locator('input.gx-hunk-pick').count()).toBe(3)
    const middle = await hunks.nth(1).getAttribute('data-hunk')
    expect(middle).toMatch(/^[0-9a-f]{8}$/)
    await hunks.nth(0).check()
    await hunks.nth(2).check()
    const three = 'input.gx-file-pick[data-where="summary"][data-path="three.txt"]'
    expect(
      await page
        .locator(three)
        .evaluate((box) => (box as unknown as { indeterminate: boolean }).indeterminate),
    ).toBe(true)
    await page.check('input.gx-file-pick[data-where="diff"][data-path="lib/util.js"]')
    expect(await page.isChecked('input.gx-file-pick[data-where="summary"][data-path="lib/util.js"]')).toBe(
      true,
    )
    await page.fill('#gx-message', 'review page: util and two hunks')
    await page.screenshot({
      path: process.env.GITTRIX_UPDATE_SCREENSHOT === '1' ? SCREENSHOT : join(shots, 'review-page.png'),
      fullPage: true,
    })
    await page.click('#gx-promote')
    await page.waitForSelector('body[data-promoted]')
    const sha = await page.locator('body').getAttribute('data-promoted')
    expect(git(repo.path, 'rev-parse', 'main')).toBe(sha)
    expect(git(repo.path, 'log', '-1', '--format=%s', 'main')).toBe('review page: util and two hunks')
    expect(git(repo.path, 'ls-tree', '-r', '--name-only', 'main')).toBe('README.md\nlib/util.js\nthree.txt')
    expect(blob(repo.path, 'main:lib/util.js')).toEqual(Buffer.from(UTIL))
    expect(blob(repo.path, 'main:three.txt')).toEqual(
      Buffer.from(lines({ 2: 'line 2: first hunk', 28: 'line 28: third hunk' })),
    )
    // The page reloaded with what is left: the hostile file, and the middle hunk under its same id.
    await page.waitForSelector('#gx-files tr:nth-child(3)', { state: 'detached' })
    expect(await page.locator('#gx-files .gx-path').allTextContents()).toEqual([HOSTILE, 'three.txt'])
    expect(await page.locator('input.gx-hunk-pick').getAttribute('data-hunk')).toBe(middle)
    expect(problems).toEqual([])
  })

  it('shows the conflicting files when the durable branch changed them, and discards after asking', async () => {
    commitFiles(repo.path, { 'three.txt': lines({ 15: 'changed on main' }) })
    await page.check('input.gx-file-pick[data-where="summary"][data-path="three.txt"]')
    await page.click('#gx-promote')
    await page.waitForSelector('#gx-result.gx-error .gx-conflicts li')
    expect(await page.locator('#gx-result .gx-conflicts li').allTextContents()).toEqual(['three.txt'])
    expect(await page.locator('#gx-result').textContent()).toContain('(BASELINE_CONFLICT)')
    // Discard asks first: dismissed, nothing happens; accepted, the session is discarded.
    await page.click('#gx-discard')
    expect(dialogs).toEqual([expect.stringMatching(/^Discard session sess_/)])
    expect((await (await gittrix.getSession(sessionId)).info()).state).toBe('active')
    page.removeAllListeners('dialog')
    page.once('dialog', (dialog) => void dialog.accept())
    await page.click('#gx-discard')
    await page.locator('#gx-point', { hasText: 'discarded' }).waitFor()
    expect(await page.locator('#gx-result').textContent()).toBe(`Session ${sessionId} discarded.`)
    expect((await (await gittrix.getSession(sessionId)).info()).state).toBe('discarded')
    expect(await page.locator('#gx-point').textContent()).toBe(
      'This session is discarded: nothing left to review.',
    )
    expect(await page.isDisabled('#gx-promote')).toBe(true)
    expect(problems.filter((p) => !/status of 409/.test(p))).toEqual([])
  })
})
