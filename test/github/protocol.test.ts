import { describe, expect, it } from 'vitest'
import {
  assertGitHubSessionId,
  branchNameProblem,
  encodeEviction,
  encodePointerCommit,
  encodeStartCommit,
  isGitHubSessionId,
  newGitHubSessionId,
  parseEviction,
  parseGittrixRef,
  parsePointerCommit,
  parseStartCommit,
  promoteBranch,
  type StartCommit,
  sessionBranch,
  sessionIdFromRef,
  TASK_SUMMARY_MAX,
  taskSummary,
} from '../../src/github/index.ts'
import { int, nastyString, pick, rng, sessionId, sha } from './random.ts'

const ID = 'sess_abcdefghij23'
const BASE = '0123456789abcdef0123456789abcdef01234567'

function start(overrides: Partial<StartCommit> = {}): StartCommit {
  return {
    sessionId: ID,
    task: 'Fix the parser',
    durableBranch: 'main',
    baselineSha: BASE,
    ephemeral: { kind: 'branch' },
    link: null,
    eviction: null,
    ...overrides,
  }
}

describe('session ids and branches', () => {
  it('generates ids the protocol accepts, and rejects near misses', () => {
    for (let i = 0; i < 200; i++) expect(isGitHubSessionId(newGitHubSessionId())).toBe(true)
    for (const bad of [
      'sess_ABCDEFGHIJKL',
      'sess_abcdefghijk',
      'sess_abcdefghijklm',
      'sess_abcdefghij01',
      ' sess_abcdefghij23',
      'sess-abcdefghij23',
      '',
    ]) {
      expect(isGitHubSessionId(bad), bad).toBe(false)
      expect(() => assertGitHubSessionId(bad)).toThrow(/not a Gittrix session id/)
    }
  })

  it('names and parses session and promote branches', () => {
    expect(sessionBranch(ID)).toBe(`gittrix/${ID}`)
    expect(promoteBranch(ID)).toBe(`gittrix/promote/${ID}`)
    expect(parseGittrixRef(`refs/heads/gittrix/${ID}`)).toEqual({ kind: 'session', sessionId: ID })
    expect(parseGittrixRef(`gittrix/${ID}`)).toEqual({ kind: 'session', sessionId: ID })
    expect(parseGittrixRef(`refs/heads/gittrix/promote/${ID}`)).toEqual({ kind: 'promote', sessionId: ID })
    expect(sessionIdFromRef(`refs/heads/gittrix/promote/${ID}`)).toBeNull()
    // A session's later promotion branches (src/core/promote.ts promotionBranch) name the same session.
    expect(parseGittrixRef(`refs/heads/gittrix/promote/${ID}-2`)).toEqual({ kind: 'promote', sessionId: ID })
    expect(parseGittrixRef(`gittrix/promote/${ID}-13`)).toEqual({ kind: 'promote', sessionId: ID })
    expect(() => sessionBranch('../main')).toThrow()
  })

  it.each([
    ['a tag', `refs/tags/gittrix/${ID}`],
    ['a remote ref', `refs/remotes/origin/gittrix/${ID}`],
    ['a suffix', `refs/heads/gittrix/${ID}/x`],
    ['a prefix', `refs/heads/x/gittrix/${ID}`],
    ['upper case', `refs/heads/gittrix/${ID.toUpperCase()}`],
    ['trailing newline', `refs/heads/gittrix/${ID}\n`],
    ['a bad id', 'refs/heads/gittrix/sess_1'],
    ['another branch', 'refs/heads/main'],
    ['the bare prefix', 'refs/heads/gittrix/'],
    ['a session branch with a number', `refs/heads/gittrix/${ID}-2`],
    ['a promotion number 0', `refs/heads/gittrix/promote/${ID}-0`],
    ['a promotion number with a sign', `refs/heads/gittrix/promote/${ID}--2`],
  ])('rejects %s', (_name, ref) => {
    expect(parseGittrixRef(ref)).toBeNull()
  })

  it('validates branch names like git check-ref-format', () => {
    for (const good of ['main', 'release/1.2', 'feature_x-y', 'gittrix/promote/sess_abcdefghij23']) {
      expect(branchNameProblem(good), good).toBeNull()
    }
    for (const bad of [
      '',
      '-rf',
      'a b',
      'a..b',
      'a/',
      '/a',
      'a//b',
      'a.lock',
      '.hidden',
      'a/.b',
      'x@{1}',
      '@',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[',
      'a\\b',
      'a\u0001',
      'refs/heads/main',
      'a.',
      'x'.repeat(201),
    ]) {
      expect(branchNameProblem(bad), JSON.stringify(bad)).not.toBeNull()
    }
  })
})

describe('eviction trailer', () => {
  it('encodes compactly and exactly', () => {
    expect(
      encodeEviction({ ttlIdleMs: 4 * 3_600_000, ttlAbsoluteMs: null, untilPromote: true, manual: false }),
    ).toBe('ttlIdle=4h; ttlAbsolute=off; untilPromote=true; manual=false')
    expect(
      encodeEviction({ ttlIdleMs: 90 * 60_000, ttlAbsoluteMs: 1500, untilPromote: false, manual: true }),
    ).toBe('ttlIdle=90m; ttlAbsolute=1500ms; untilPromote=false; manual=true')
  })

  it('round-trips many generated policies', () => {
    const r = rng(7)
    for (let i = 0; i < 2000; i++) {
      const duration = () =>
        r() < 0.2 ? null : pick(r, [1, 1000, 60_000, 3_600_000, 86_400_000]) * int(r, 1, 100_000)
      const policy = {
        ttlIdleMs: duration(),
        ttlAbsoluteMs: duration(),
        untilPromote: r() < 0.5,
        manual: r() < 0.5,
      }
      expect(parseEviction(encodeEviction(policy))).toEqual({ ok: true, value: policy })
    }
  })

  it.each([
    ['non-canonical unit', 'ttlIdle=240m; ttlAbsolute=off; untilPromote=true; manual=false'],
    ['reordered keys', 'ttlAbsolute=off; ttlIdle=4h; untilPromote=true; manual=false'],
    ['missing key', 'ttlIdle=4h; ttlAbsolute=off; untilPromote=true'],
    ['zero duration', 'ttlIdle=0h; ttlAbsolute=off; untilPromote=true; manual=false'],
    ['negative duration', 'ttlIdle=-4h; ttlAbsolute=off; untilPromote=true; manual=false'],
    ['fraction', 'ttlIdle=1.5h; ttlAbsolute=off; untilPromote=true; manual=false'],
    ['leading zero', 'ttlIdle=04h; ttlAbsolute=off; untilPromote=true; manual=false'],
    ['bad boolean', 'ttlIdle=4h; ttlAbsolute=off; untilPromote=yes; manual=false'],
    ['no spaces', 'ttlIdle=4h;ttlAbsolute=off;untilPromote=true;manual=false'],
    ['unsafe integer', 'ttlIdle=9999999999999999d; ttlAbsolute=off; untilPromote=true; manual=false'],
  ])('rejects %s', (_name, text) => {
    expect(parseEviction(text).ok).toBe(false)
  })
})

describe('start commit', () => {
  it('writes the documented layout', () => {
    const message = encodeStartCommit(
      start({
        task: 'Fix the parser\nand add tests',
        ephemeral: { kind: 'artifacts', namespace: 'agents', repo: 'repo-1' },
        link: 42,
        eviction: { ttlIdleMs: 14_400_000, ttlAbsoluteMs: null, untilPromote: true, manual: false },
      }),
    )
    expect(message).toBe(
      [
        `gittrix: start ${ID}`,
        '',
        'Fix the parser',
        'and add tests',
        '',
        `Gittrix-Session: ${ID}`,
        'Gittrix-Task: Fix the parser',
        'Gittrix-Durable-Branch: main',
        `Gittrix-Baseline: ${BASE}`,
        'Gittrix-Ephemeral: artifacts://agents/repo-1',
        'Gittrix-Link: 42',
        'Gittrix-Eviction: ttlIdle=4h; ttlAbsolute=off; untilPromote=true; manual=false',
        '',
      ].join('\n'),
    )
  })

  it('round-trips many generated sessions, hostile tasks included', () => {
    const r = rng(42)
    let checked = 0
    for (let i = 0; i < 3000; i++) {
      const task = `${pick(r, ['x', 'Fix', '漢字', '😀'])}${nastyString(r, 30)}`
      const value: StartCommit = {
        sessionId: sessionId(r),
        task,
        durableBranch: pick(r, ['main', 'develop', 'release/2.0', 'team/a_b-c']),
        baselineSha: sha(r),
        ephemeral:
          r() < 0.5
            ? { kind: 'branch' }
            : { kind: 'artifacts', namespace: pick(r, ['ns', 'a.b_c-1']), repo: pick(r, ['r', 'Repo.9']) },
        link: r() < 0.5 ? null : int(r, 1, 2_000_000),
        eviction:
          r() < 0.5
            ? null
            : {
                ttlIdleMs: int(r, 1, 1e9),
                ttlAbsoluteMs: r() < 0.5 ? null : int(r, 1, 1e12),
                untilPromote: r() < 0.5,
                manual: r() < 0.5,
              },
      }
      // The generator's tasks start with a visible character and hold no C0 control but tab/CR/LF: always encodable.
      const message = encodeStartCommit(value)
      const parsed = parseStartCommit(message, { branch: `refs/heads/gittrix/${value.sessionId}` })
      expect(parsed).toEqual({ ok: true, value: { ...value, task: task.replace(/\r\n?/g, '\n').trim() } })
      // Without the trailing newline too (some APIs strip it).
      expect(parseStartCommit(message.slice(0, -1)).ok).toBe(true)
      checked += 1
    }
    expect(checked).toBe(3000)
  })

  it('records the workflow run last, as an optional trailer; sessions without it still parse', () => {
    const withRun = encodeStartCommit(start({ link: 7, run: '9876543210' }))
    expect(withRun.endsWith('Gittrix-Link: 7\nGittrix-Run: 9876543210\n')).toBe(true)
    const parsed = parseStartCommit(withRun, { branch: `gittrix/${ID}` })
    expect(parsed.ok && parsed.value.run).toBe('9876543210')
    const without = parseStartCommit(encodeStartCommit(start({ link: 7 })))
    expect(without.ok && 'run' in without.value).toBe(false)
    expect(parseStartCommit(withRun.replace('Gittrix-Run: 9876543210', 'Gittrix-Run: 12x')).ok).toBe(false)
    // Out of order (before the link) is not canonical.
    const moved = withRun.replace(
      'Gittrix-Link: 7\nGittrix-Run: 9876543210',
      'Gittrix-Run: 9876543210\nGittrix-Link: 7',
    )
    expect(parseStartCommit(moved).ok).toBe(false)
    expect(() => encodeStartCommit(start({ run: 'abc' }))).toThrow(/Invalid start commit field run/)
  })

  it('carries a multi-line task in the body and only its summary in the trailer', () => {
    const smuggle = `Do it\nGittrix-Baseline: ${'f'.repeat(40)}\n\nGittrix-Session: sess_zzzzzzzzzzzz\nGittrix-Link: 9`
    const message = encodeStartCommit(start({ task: smuggle }))
    const parsed = parseStartCommit(message)
    expect(parsed.ok && parsed.value).toMatchObject({
      task: smuggle,
      sessionId: ID,
      baselineSha: BASE,
      link: null,
    })
    expect(message).toContain('\nGittrix-Task: Do it\n')
  })

  it('cuts a long first line to the summary limit, keeping the full task in the body', () => {
    const long = 'word '.repeat(100).trim()
    const summary = taskSummary(long)
    expect(Array.from(summary)).toHaveLength(TASK_SUMMARY_MAX)
    expect(summary.endsWith('…')).toBe(true)
    const parsed = parseStartCommit(encodeStartCommit(start({ task: long })))
    expect(parsed.ok && parsed.value.task).toBe(long)
  })

  it.each([
    ['an empty task', { task: '  \n ' }],
    ['a NUL in the task', { task: 'a\0b' }],
    ['a bad session id', { sessionId: 'sess_BAD' }],
    ['a short baseline', { baselineSha: 'abc123' }],
    ['an upper-case baseline', { baselineSha: BASE.toUpperCase() }],
    ['a durable branch with a space', { durableBranch: 'my branch' }],
    ['a Gittrix branch as durable', { durableBranch: `gittrix/${ID}` }],
    ['a bad Artifacts name', { ephemeral: { kind: 'artifacts', namespace: '../x', repo: 'r' } as const }],
    ['a zero link', { link: 0 }],
    [
      'a negative ttl',
      { eviction: { ttlIdleMs: -1, ttlAbsoluteMs: null, untilPromote: true, manual: false } },
    ],
  ])('refuses to encode %s', (_name, overrides) => {
    expect(() => encodeStartCommit(start(overrides as Partial<StartCommit>))).toThrow(
      /Invalid start commit field/,
    )
  })

  const good = encodeStartCommit(start({ link: 7 }))
  const replace = (from: string, to: string) => {
    expect(good).toContain(from)
    return good.replace(from, to)
  }

  it('accepts the good message used by the forgery cases', () => {
    expect(parseStartCommit(good, { branch: `gittrix/${ID}`, sessionId: ID }).ok).toBe(true)
  })

  it.each([
    ['duplicate key', () => `${good}Gittrix-Link: 8\n`, /more than once/],
    ['duplicate key in another case', () => `${good}gittrix-link: 8\n`, /more than once/],
    ['unknown Gittrix key', () => `${good}Gittrix-Admin: yes\n`, /unknown Gittrix trailer/],
    ['foreign trailer', () => `${good}Signed-off-by: Mallory <m@x>\n`, /only Gittrix trailers/],
    ['non-canonical key case', () => replace('Gittrix-Link:', 'GITTRIX-LINK:'), /unknown Gittrix trailer/],
    [
      'baseline not 40 hex',
      () => replace(`Gittrix-Baseline: ${BASE}`, 'Gittrix-Baseline: HEAD'),
      /not a 40-hex/,
    ],
    [
      'baseline abbreviated',
      () => replace(`Gittrix-Baseline: ${BASE}`, `Gittrix-Baseline: ${BASE.slice(0, 12)}`),
      /not a 40-hex/,
    ],
    [
      'baseline sha-256 length',
      () => replace(`Gittrix-Baseline: ${BASE}`, `Gittrix-Baseline: ${BASE}${BASE.slice(0, 24)}`),
      /not a 40-hex/,
    ],
    ['missing baseline', () => replace(`Gittrix-Baseline: ${BASE}\n`, ''), /Gittrix-Baseline is missing/],
    [
      'session trailer differs from subject',
      () => replace(`Gittrix-Session: ${ID}`, 'Gittrix-Session: sess_zzzzzzzzzzzz'),
      /subject must be/,
    ],
    [
      'session id not an id',
      () => replace(`Gittrix-Session: ${ID}`, 'Gittrix-Session: ../../etc'),
      /not a session id/,
    ],
    ['CRLF line ends', () => good.replaceAll('\n', '\r\n'), /carriage return/],
    [
      'a lone CR hiding a trailer',
      () => replace('Gittrix-Link: 7', 'Gittrix-Link: 7\rGittrix-Link: 8'),
      /carriage return/,
    ],
    [
      'trailers not in the final paragraph',
      () => `${good}\nApproved by the agent\n`,
      /not a trailer block|not "Key: value"/,
    ],
    ['trailing blank line', () => `${good}\n`, /ends with a blank line/],
    [
      'trailers split over two paragraphs',
      () => replace('Gittrix-Baseline:', '\nGittrix-Baseline:'),
      /missing|canonical|not match/,
    ],
    [
      'folded continuation line',
      () => replace('Gittrix-Link: 7', 'Gittrix-Link: 7\n  8'),
      /not "Key: value"/,
    ],
    ['value with trailing space', () => replace('Gittrix-Link: 7', 'Gittrix-Link: 7 '), /not "Key: value"/],
    ['no space after colon', () => replace('Gittrix-Link: 7', 'Gittrix-Link:7'), /not "Key: value"/],
    [
      'bidi control in a value',
      () => replace('Gittrix-Durable-Branch: main', 'Gittrix-Durable-Branch: ma\u202ein'),
      /invisible/,
    ],
    [
      'task trailer disagreeing with the body',
      () => replace('Gittrix-Task: Fix the parser', 'Gittrix-Task: Delete everything'),
      /does not match the first line/,
    ],
    ['body missing', () => replace('\n\nFix the parser\n', '\n'), /task must be the body|subject must be/],
    ['wrong subject', () => replace(`gittrix: start ${ID}`, `gittrix: begin ${ID}`), /subject must be/],
    [
      'reordered trailers',
      () =>
        replace(
          `Gittrix-Durable-Branch: main\nGittrix-Baseline: ${BASE}`,
          `Gittrix-Baseline: ${BASE}\nGittrix-Durable-Branch: main`,
        ),
      /canonical/,
    ],
    ['link with leading zero', () => replace('Gittrix-Link: 7', 'Gittrix-Link: 07'), /not an issue number/],
    [
      'link as a URL',
      () => replace('Gittrix-Link: 7', 'Gittrix-Link: https://evil.example/7'),
      /not an issue number/,
    ],
    [
      'ephemeral with extra segment',
      () => replace('Gittrix-Ephemeral: branch', 'Gittrix-Ephemeral: artifacts://a/b/c'),
      /not "branch"/,
    ],
    [
      'ephemeral unknown kind',
      () => replace('Gittrix-Ephemeral: branch', 'Gittrix-Ephemeral: s3://bucket'),
      /not "branch"/,
    ],
    [
      'malformed eviction',
      () => replace('Gittrix-Link: 7', 'Gittrix-Link: 7\nGittrix-Eviction: forever'),
      /Gittrix-Eviction/,
    ],
    [
      'durable branch injection',
      () => replace('Gittrix-Durable-Branch: main', 'Gittrix-Durable-Branch: main --force'),
      /not valid/,
    ],
    ['NUL byte', () => replace('Fix the parser', 'Fix\0 the parser'), /NUL/],
    [
      'control character in body',
      () => replace('Fix the parser', 'Fix\u0007 the parser'),
      /control character/,
    ],
    ['not a string', () => 42 as unknown as string, /not a string/],
    ['huge message', () => `${'x'.repeat(300_000)}${good}`, /longer than/],
  ])('rejects a forged or malformed message: %s', (_name, make, reason) => {
    const result = parseStartCommit(make())
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toMatch(reason)
  })

  it('rejects a session id that does not match the branch', () => {
    const result = parseStartCommit(good, { branch: 'refs/heads/gittrix/sess_zzzzzzzzzzzz' })
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/sits on the branch of sess_zzzzzzzzzzzz/),
    })
    expect(parseStartCommit(good, { branch: 'refs/heads/main' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a Gittrix session branch/),
    })
    expect(parseStartCommit(good, { sessionId: 'sess_zzzzzzzzzzzz' }).ok).toBe(false)
  })

  it('never throws on generated garbage, and accepts none of it', () => {
    const r = rng(99)
    for (let i = 0; i < 3000; i++) {
      const garbage =
        r() < 0.5
          ? nastyString(r, 40)
          : good.slice(0, int(r, 0, good.length)) + nastyString(r, 3) + good.slice(int(r, 0, good.length))
      const result = parseStartCommit(garbage)
      if (result.ok)
        expect(encodeStartCommit(result.value)).toMatch(garbage.endsWith('\n') ? garbage : `${garbage}\n`)
    }
  })
})

describe('pointer commit', () => {
  const pointer = { sessionId: ID, namespace: 'agents', repo: 'repo-1', artifactsHead: BASE }

  it('round-trips and names the Artifacts repo and head', () => {
    const message = encodePointerCommit(pointer)
    expect(message).toBe(
      `gittrix: artifacts head of ${ID}\n\nGittrix-Session: ${ID}\nGittrix-Artifacts-Repo: artifacts://agents/repo-1\nGittrix-Artifacts-Head: ${BASE}\n`,
    )
    expect(parsePointerCommit(message, { branch: `refs/heads/gittrix/${ID}` })).toEqual({
      ok: true,
      value: pointer,
    })
    const r = rng(3)
    for (let i = 0; i < 500; i++) {
      const p = {
        sessionId: sessionId(r),
        namespace: pick(r, ['a', 'N.s_1']),
        repo: pick(r, ['r', 'x-y.z']),
        artifactsHead: sha(r),
      }
      expect(parsePointerCommit(encodePointerCommit(p))).toEqual({ ok: true, value: p })
    }
  })

  it('refuses invalid fields when encoding', () => {
    expect(() => encodePointerCommit({ ...pointer, artifactsHead: 'main' })).toThrow(
      /Invalid pointer commit field artifactsHead/,
    )
    expect(() => encodePointerCommit({ ...pointer, repo: '../x' })).toThrow(
      /Invalid pointer commit field repo/,
    )
  })

  const good = encodePointerCommit(pointer)
  it.each([
    ['head not 40 hex', good.replace(`Head: ${BASE}`, 'Head: main'), /not a 40-hex/],
    [
      'repo with a path',
      good.replace('artifacts://agents/repo-1', 'artifacts://agents/repo-1/x'),
      /not "artifacts/,
    ],
    ['repo as a branch', good.replace('artifacts://agents/repo-1', 'branch'), /not "artifacts/],
    ['duplicate head', `${good}Gittrix-Artifacts-Head: ${BASE}\n`, /more than once/],
    ['unknown key', `${good}Gittrix-Baseline: ${BASE}\n`, /unknown Gittrix trailer/],
    ['a body', good.replace('\n\n', '\n\nextra\n\n'), /nothing else/],
    ['CRLF', good.replaceAll('\n', '\r\n'), /carriage return/],
  ])('rejects %s', (_name, message, reason) => {
    expect(parsePointerCommit(message)).toEqual({ ok: false, reason: expect.stringMatching(reason) })
  })

  it('rejects a pointer on another session branch', () => {
    expect(parsePointerCommit(good, { branch: 'gittrix/sess_zzzzzzzzzzzz' }).ok).toBe(false)
  })
})
