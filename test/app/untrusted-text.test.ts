/**
 * Invariant: untrusted text is never live, end to end. The App runs against the stand-in with
 * sessions whose task, file names, file contents, durable branch, start commit, configuration and
 * commands hold the hostile corpus (test/support/hostile-text.ts). Every write the App makes is
 * captured — check run titles, summaries and texts, the session comment, every reply, the conflict
 * report, the promotion pull request's title and body — and rendered as GitHub would: nothing may
 * become a link, an image, HTML, a comment marker, a mention or a reference.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  encodeStartCommit,
  normalizeTaskResult,
  parseCommand,
  sessionNotesRef,
} from '../../src/github/index.ts'
import type { ApiRequest } from '../support/git-data-api.ts'
import {
  expectInert,
  expectPlainText,
  HOSTILE,
  HOSTILE_LINES,
  HOSTILE_PATHS,
} from '../support/hostile-text.ts'
import { toolCallsNote, writeNotesCommit } from '../support/session-notes.ts'
import { AppHarness } from './harness.ts'

/** What the App wrote: markdown fields and plain-text fields, each labelled with where it went. */
interface Written {
  markdown: Array<{ label: string; text: string }>
  plain: Array<{ label: string; text: string }>
}

/** Records every check run, comment and pull request the App writes from now on. */
function capture(h: AppHarness): Written {
  const written: Written = { markdown: [], plain: [] }
  const handle = h.api.handle.bind(h.api)
  h.api.handle = async (request: ApiRequest) => {
    const path = request.path.split('?')[0]!
    const body = (request.body ?? {}) as Record<string, unknown>
    const method = request.method.toUpperCase()
    if (method !== 'GET') {
      if (/\/check-runs(\/\d+)?$/.test(path)) {
        const output = (body.output ?? {}) as Record<string, string | undefined>
        if (output.title)
          written.plain.push({ label: `check run title (${method} ${path})`, text: output.title })
        if (output.summary) written.markdown.push({ label: `check run summary`, text: output.summary })
        if (output.text) written.markdown.push({ label: `check run text`, text: output.text })
      } else if (/\/issues\/(\d+\/)?comments(\/\d+)?$/.test(path) && typeof body.body === 'string') {
        written.markdown.push({ label: `comment (${method} ${path})`, text: body.body })
      } else if (/\/pulls$/.test(path)) {
        written.plain.push({ label: 'pull request title', text: String(body.title) })
        written.markdown.push({ label: 'pull request body', text: String(body.body) })
      }
    }
    return handle(request)
  }
  return written
}

describe('App: untrusted text is never live', () => {
  let h: AppHarness
  let written: Written
  /** Links the App writes: pages of this repository (commits, runs, pull requests, the session branch). */
  const ownUrl = (url: string) => {
    const parsed = new URL(url)
    return parsed.protocol === 'https:' && parsed.pathname.startsWith(`/${h.api.owner}/${h.api.repo}/`)
  }

  beforeEach(async () => {
    h = await AppHarness.create()
    written = capture(h)
  })
  afterEach(() => h.close())

  function expectAllInert(minimum: number): void {
    expect(written.markdown.length + written.plain.length).toBeGreaterThanOrEqual(minimum)
    for (const { label, text } of written.markdown) expectInert(label, text, ownUrl)
    for (const { label, text } of written.plain) expectPlainText(label, text)
  }

  /** The corpus as a task: the start commit refuses control characters other than tab and LF. */
  const TASK = HOSTILE.filter((text) => normalizeTaskResult(text).ok).join('\n')

  const hostileFiles = (paths: readonly string[]) =>
    Object.fromEntries(paths.map((path) => [path, `${HOSTILE.join('\n')}\n`]))

  it('a session whose task, file names and contents are hostile: render, status, diff, refusals, conflict, PR', async () => {
    const { id } = h.startSession({ task: TASK })
    const paths = HOSTILE_PATHS.slice(0, 40)
    h.work(id, hostileFiles(paths))
    await h.push(id)
    const replies: string[] = []
    replies.push(...(await h.comment(`/gittrix status ${id}`)))
    replies.push(...(await h.comment(`/gittrix diff ${id}`)))
    replies.push(...(await h.comment(`/gittrix diff ${id} ${JSON.stringify(paths[3])}`)))
    // An error quoting a path someone typed.
    replies.push(
      ...(await h.comment(`/gittrix promote ${id} "h9-@victim [x](https://evil.example) #4242.md"`)),
    )
    // adminPaths: a writer selecting guarded hostile paths is refused, naming them.
    h.api.contents.set('.github/gittrix.yml', 'adminPaths: ["h*"]\n')
    replies.push(...(await h.comment(`/gittrix promote ${id}`)))
    h.api.contents.delete('.github/gittrix.yml')
    // Conflict: main changed two of the hostile files since the baseline.
    h.api.commit('main', { [paths[0]!]: 'main side\n', [paths[1]!]: 'main side\n' }, { message: 'drift\n' })
    replies.push(...(await h.comment(`/gittrix promote ${id}`, { login: 'adam' })))
    // The rest as a pull request, titled by a hostile -m message.
    const rest = paths
      .slice(2)
      .filter((p) => !/["'\\\s]/.test(p.replace(/ /g, '')))
      .slice(0, 10)
      .map((p) => JSON.stringify(p))
    replies.push(
      ...(await h.comment(`/gittrix promote ${id} ${rest.join(' ')} --pr -m "fixes #4242 @victim GH-4242"`, {
        login: 'adam',
      })),
    )
    expect(h.api.pulls, replies.join('\n----\n')).toHaveLength(1)
    expect(replies).toHaveLength(7)
    expectAllInert(12)
  })

  it('tool calls in the session notes (tool names, error codes) render inert in the check run summary', async () => {
    const { id } = h.startSession()
    const head = h.work(id, { 'a.txt': 'a\n' })
    const calls = HOSTILE.map((text, i) => ({ tool: text, errorCode: HOSTILE[(i + 1) % HOSTILE.length]! }))
    const git = (args: string[], input?: string | Uint8Array) => h.api.git(args, input)
    writeNotesCommit(git, sessionNotesRef(id, 'tool-calls'), [{ commit: head, bytes: toolCallsNote(calls) }])
    await h.push(id)
    const summary = written.markdown.find((w) => w.label === 'check run summary')?.text ?? ''
    expect(summary).toContain('### History')
    expect(summary).toContain(`${calls.length} tool calls recorded at this head`)
    expectAllInert(1)
  })

  it('the promotion pull request titled by a hostile task', async () => {
    const { id } = h.startSession({ task: `${HOSTILE_LINES[0]} #4242 GH-4242 evil/repo#4242\n${TASK}` })
    h.work(id, hostileFiles(HOSTILE_PATHS.slice(40, 60)))
    await h.push(id)
    const replies = await h.comment(`/gittrix promote ${id} --pr`)
    expect(h.api.pulls).toHaveLength(1)
    expect(replies).toHaveLength(1)
    expectAllInert(4)
  })

  it('a forged durable branch: the check run, status and promote replies', async () => {
    const branches = HOSTILE_LINES.map((line) => line.replace(/[\x00-\x20\x7f~^:?*[\\]/g, '-')).filter(
      (b) => !b.includes('..') && !b.includes('@{') && !/^[-/.]|[/.]$|\/\/|\/\.|\.lock/.test(b),
    )
    const picked = [...branches.slice(0, 4), ...branches.filter((b) => b.includes('`')).slice(0, 4)]
    expect(picked).toHaveLength(8)
    for (const durableBranch of picked) {
      const { id } = h.startSession({ durableBranch })
      h.work(id, { 'a.txt': 'a\n' })
      await h.push(id)
      await h.comment(`/gittrix status ${id}`)
      await h.comment(`/gittrix promote ${id}`)
    }
    expectAllInert(8 * 4)
  })

  it('an invalid start commit quoting hostile values', async () => {
    for (const value of HOSTILE_LINES.slice(0, 12)) {
      const id = `sess_${'abcdefghijkl'}`.replace('abcdefghijkl', randomId())
      const message = encodeStartCommit({
        sessionId: id,
        task: 'Fix the parser',
        durableBranch: 'main',
        baselineSha: h.initial,
        ephemeral: { kind: 'branch' },
        link: 7,
        eviction: null,
      }).replace(/^Gittrix-Ephemeral: .*$/m, `Gittrix-Ephemeral: ${value.replace(/\n/g, ' ')}`)
      h.api.commit(`gittrix/${id}`, {}, { from: h.initial, message })
      await h.push(id)
      await h.comment(`/gittrix status ${id}`)
    }
    expectAllInert(12)
  })

  it('a hostile configuration: invalid keys and values, and promote.users', async () => {
    const { id } = h.startSession()
    h.work(id, { 'a.txt': 'a\n' })
    h.api.contents.set(
      '.github/gittrix.yml',
      `${JSON.stringify({ '@victim <img src=x> [x](https://evil.example) #4242': 1, durableBranch: 'evil `<b>` x~' })}\n`,
    )
    await h.push(id)
    await h.comment(`/gittrix promote ${id}`)
    h.api.contents.set(
      '.github/gittrix.yml',
      `promote:\n  users: ${JSON.stringify(['@victim', 'evil-org/admins', 'x <img src=x> `4242`'])}\n`,
    )
    await h.comment(`/gittrix promote ${id}`)
    expectAllInert(3)
  })

  it('usage replies echo hostile command input inertly', async () => {
    const { id } = h.startSession()
    h.work(id, { 'a.txt': 'a\n' })
    await h.push(id)
    let replies = 0
    for (const line of HOSTILE_LINES.slice(0, 30)) {
      const command = `/gittrix promote ${id} --${line.split('\n')[0]}`
      const parsed = parseCommand(command)
      if (parsed.ok || parsed.kind !== 'usage') continue
      replies += (await h.comment(command)).length
    }
    expect(replies).toBeGreaterThan(10)
    expectAllInert(replies)
  })

  it('a promotion that fails with an error quoting a hostile path', async () => {
    h.api.workflowsPermission = false
    const { id } = h.startSession()
    h.work(id, { '.github/workflows/@victim [x](evil.example) `4242`.yml': 'on: push\n' })
    await h.push(id)
    const replies = await h.comment(`/gittrix promote ${id}`, { login: 'adam' })
    expect(replies).toHaveLength(1)
    expectAllInert(4)
  })
})

function randomId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  return Array.from({ length: 12 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('')
}
