/**
 * Invariant: untrusted text is never live. The hostile corpus (test/support/hostile-text.ts) goes
 * through every renderer of `src/github` and the promotion pull request (title and body), as the
 * task, file names, branch names, conflicting paths, diff content and echoed command input; the
 * rendered GFM must hold no link, image, HTML, comment or mention/reference text of its making.
 */
import { describe, expect, it } from 'vitest'
import type { FileDiff, SessionDiff } from '../../src/core/types.ts'
import {
  branchNameProblem,
  closeOpenFence,
  fencedBlock,
  link,
  mention,
  parseCommand,
  plainTitle,
  pullRequestTitle,
  renderConflictOutput,
  renderDiffText,
  renderPullRequestBody,
  renderSessionCheckRun,
  renderSessionComment,
  renderUsageReply,
  type SessionCommentStatus,
  type SessionFacts,
} from '../../src/github.ts'
import {
  expectInert,
  expectPlainText,
  HOSTILE,
  HOSTILE_LINES,
  HOSTILE_PATHS,
  liveProblems,
} from '../support/hostile-text.ts'

const ID = 'sess_abcdefghij23'
const BASE = '0123456789abcdef0123456789abcdef01234567'
const OTHER = 'fedcba9876543210fedcba9876543210fedcba98'
const OWN = (url: string) => url.startsWith('https://github.com/o/r/')

/** Hostile lines turned into valid branch names (refs forbid spaces, `~^:?*[\` and controls). */
const HOSTILE_BRANCHES = HOSTILE_LINES.map((line) =>
  line
    .replace(/[\x00-\x20\x7f~^:?*[\\]/g, '-')
    .replace(/\.\.+/g, '.')
    .replace(/\/\/+/g, '/')
    .replace(/@\{/g, '@')
    .replace(/^[-/.]+|[/.]+$/g, '')
    .replace(/\.lock\b/g, 'lock'),
).filter((name) => branchNameProblem(name) === null)

function file(path: string): FileDiff {
  return {
    path,
    status: 'added',
    binary: false,
    additions: 1,
    deletions: 0,
    oldMode: null,
    newMode: '100644',
  }
}

/** A diff adding every hostile path, each holding every hostile line. */
function hostileDiff(paths: readonly string[] = HOSTILE_PATHS): SessionDiff {
  const content = HOSTILE.join('\n').split(/\r\n|\n/)
  let patch = ''
  for (const path of paths) {
    patch += `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${content.length} @@\n`
    for (const line of content) patch += `+${line}\n`
  }
  return { files: paths.map(file), patch, additions: paths.length * content.length, deletions: 0 }
}

function facts(task: string, durableBranch = 'main'): SessionFacts {
  return { sessionId: ID, task, baselineSha: BASE, durableBranch }
}

describe('the corpus and the checker', () => {
  it('finds live markdown in every hostile entry rendered raw, so a passing render means something', () => {
    const dead = HOSTILE.filter((text) => liveProblems(text).length === 0)
    expect(dead).toEqual([])
  })

  it('has a valid branch name for most entries', () => {
    expect(HOSTILE_BRANCHES.length).toBeGreaterThan(HOSTILE_LINES.length * 0.8)
  })
})

describe('untrusted text renders inert', () => {
  const task = HOSTILE.join('\n')

  it('in the check run: title, summary (task, facts, file table, commands) and diff text', () => {
    const full = renderSessionCheckRun(facts(task), hostileDiff())
    expectPlainText('check run title', full.output.title)
    expectInert('summary', full.output.summary)
    expectInert('text', full.output.text!)
    for (const branch of HOSTILE_BRANCHES) {
      const run = renderSessionCheckRun(facts('Fix it', branch), hostileDiff(HOSTILE_PATHS.slice(0, 2)))
      expectInert(`summary (durable branch ${branch})`, run.output.summary)
      expectInert(`text (durable branch ${branch})`, run.output.text!)
    }
  })

  it('in the check run history: tool names and error codes from the session notes', () => {
    for (const [i, text] of HOSTILE.entries()) {
      const call = {
        tool: text,
        argumentsDigest: text,
        resultBytes: 1,
        durationMs: i * 37,
        errorCode: HOSTILE[(i + 1) % HOSTILE.length]!,
        startedAt: text,
      }
      const run = renderSessionCheckRun(facts('Fix it'), hostileDiff(HOSTILE_PATHS.slice(0, 1)), {
        checkpoints: 3,
        more: false,
        toolCalls: [call, { ...call, errorCode: null }],
      })
      expect(run.output.summary).toContain('### History')
      expectInert(`summary (tool call ${JSON.stringify(text).slice(0, 40)})`, run.output.summary)
    }
  })

  it('in the check run of an Artifacts session', () => {
    const run = renderSessionCheckRun(
      { ...facts(task), ephemeral: { kind: 'artifacts', namespace: 'evil-ns', repo: 'evil.4242' } },
      hostileDiff(HOSTILE_PATHS.slice(0, 5)),
    )
    expectInert('summary', run.output.summary)
  })

  it('in a diff cut to fit, with its note', () => {
    for (const branch of ['main', HOSTILE_BRANCHES[0]!]) {
      const cut = renderDiffText(facts(task, branch), hostileDiff().patch, 4000)
      expect(cut.cut).toBe(true)
      expectInert('cut diff', cut.text)
    }
  })

  it('in the session comment, in every state', () => {
    const statuses: SessionCommentStatus[] = [
      { state: 'active' },
      { state: 'promoted', sha: OTHER, branch: HOSTILE_BRANCHES[1]!, prUrl: 'javascript:alert(4242)' },
      { state: 'promoted', sha: OTHER, branch: 'main', prUrl: 'https://github.com/o/r/pull/1' },
      { state: 'discarded' },
      { state: 'expired' },
    ]
    for (const [i, line] of [task, ...HOSTILE].entries()) {
      const conflict: SessionCommentStatus = {
        state: 'conflict',
        conflictingFiles: i === 0 ? [...HOSTILE_PATHS] : HOSTILE_PATHS.slice(i, i + 2),
        durableSha: OTHER,
      }
      for (const status of [...statuses, conflict]) {
        const body = renderSessionComment({
          facts: facts(line, HOSTILE_BRANCHES[i % HOSTILE_BRANCHES.length]!),
          diff: hostileDiff(i === 0 ? HOSTILE_PATHS : HOSTILE_PATHS.slice(i, i + 2)),
          status,
          checkRunUrl: 'https://github.com/o/r/runs/1',
        })
        expectInert(`comment (${status.state}, task ${JSON.stringify(line)})`, body, OWN)
      }
    }
  })

  it('in the conflict output', () => {
    for (const branch of HOSTILE_BRANCHES.slice(0, 12)) {
      const output = renderConflictOutput({
        sessionId: ID,
        durableBranch: branch,
        conflictingFiles: [...HOSTILE_PATHS],
        durableSha: OTHER,
        baselineSha: BASE,
      })
      expectPlainText('conflict title', output.title)
      expectInert('conflict summary', output.summary)
    }
  })

  it('in usage replies that echo the command', () => {
    for (const line of HOSTILE_LINES) {
      for (const command of [
        `/gittrix ${line}`,
        `/gittrix promote --${line}`,
        `/gittrix promote ${JSON.stringify(line)} -m x --branch ${line}`,
        `/gittrix extend ${line}`,
        `/gittrix help ${line}`,
      ]) {
        const parsed = parseCommand(command)
        if (parsed.ok || parsed.kind !== 'usage') continue
        expectInert(`usage reply to ${command}`, renderUsageReply(parsed.usage))
      }
    }
  })

  it('in the promotion pull request: title and body', () => {
    HOSTILE.forEach((line, i) => {
      const request = {
        head: `gittrix/promote/${ID}`,
        base: 'main',
        title: `gittrix: ${line}`,
        message: `gittrix: ${line}\n\nGittrix-Session: ${ID}\nGittrix-Baseline: ${BASE}\n`,
        sessionId: ID,
        task: `${line}\n${task}`,
        baselineSha: BASE,
        files: i === 0 ? [...HOSTILE_PATHS] : HOSTILE_PATHS.slice(i, i + 3),
      }
      expectPlainText('pull request title', pullRequestTitle(request))
      expectInert(
        `pull request body (${JSON.stringify(line)})`,
        renderPullRequestBody(request, `https://github.com/o/r/tree/gittrix/${ID}`),
        OWN,
      )
    })
  })
})

describe('link and closeOpenFence', () => {
  it('links only plain http(s) URLs', () => {
    expect(link('run', 'https://github.com/o/r/runs/1')).toBe('[run](https://github.com/o/r/runs/1)')
    for (const url of ['javascript:alert(1)', 'https://x/a b', 'https://x/(y)', 'data:text/html,x', null]) {
      expect(link('run', url)).toBe('run')
    }
  })

  it('closes a fence left open by a cut, with a fence as long as the one that opened it', () => {
    expect(closeOpenFence('a\n`````text\nx\n```\ny')).toBe('a\n`````text\nx\n```\ny\n`````')
    expect(closeOpenFence('```text\nx\n```\nafter')).toBe('```text\nx\n```\nafter')
    const cut = `${fencedBlock('evil ``` @victim\n```\n', 'text').slice(0, 20)}`
    expectInert('cut then closed', `${closeOpenFence(cut)}\n\n_cut to fit_`)
  })
})

describe('mention', () => {
  it('mentions a GitHub login and renders anything else as code', () => {
    expect(mention('alice')).toBe('@alice')
    expect(mention('gittrix-action[bot]')).toBe('@gittrix-action[bot]')
    for (const login of ['evil-org/admins', 'a b', '@victim', 'x'.repeat(40), '-x', 'victim`<img>`']) {
      expect(mention(login)).not.toMatch(/^@/)
      expectInert('mention', `hi ${mention(login)}`)
    }
  })
})

describe('plainTitle', () => {
  it('keeps one line, makes hidden characters visible, breaks references and cuts long text', () => {
    expect(plainTitle('Fix the parser')).toBe('Fix the parser')
    expect(plainTitle('a\nb\r\nc')).toBe('a b c')
    for (const line of HOSTILE) expectPlainText(JSON.stringify(line), plainTitle(line))
    const long = plainTitle('x'.repeat(1000))
    expect(Array.from(long).length).toBeLessThanOrEqual(256)
    expect(long.endsWith('…')).toBe(true)
  })
})
