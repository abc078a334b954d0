/**
 * The one promotion matcher (src/core/promotion-identity.ts) on in-memory histories: what counts as
 * the promotion of session S with baseline B, and the look-alikes that must not. The same rules run
 * against every durable adapter in test/adapters/contract/durable-contract.ts.
 */
import { describe, expect, it } from 'vitest'
import {
  findPromotion,
  type HistoryCommit,
  type PromotionHistory,
  parsePromotionTrailers,
  withTrailers,
} from '../../src/core/promotion-identity.ts'
import { expectCode } from '../adapters/contract/fixtures.ts'

const S = 'sess_abcdefghij23'
const hex = (c: string) => c.repeat(40)
const B = hex('b')
const good = (id = S, base = B) =>
  `gittrix: Fix the parser\n\nGittrix-Session: ${id}\nGittrix-Baseline: ${base}\n`

/** A repository in memory: commits by id and branch heads; `authored` ids pass the authorship check. */
function repo(
  commits: HistoryCommit[],
  heads: Record<string, string>,
  authored?: Set<string>,
): PromotionHistory {
  const byId = new Map(commits.map((c) => [c.sha, c]))
  return {
    async *firstParent(branch, stopAt) {
      let cursor: string | undefined = heads[branch]
      while (cursor && byId.has(cursor)) {
        const commit = byId.get(cursor)!
        yield commit
        if (commit.sha === stopAt) return
        cursor = commit.parents[0]
      }
    },
    ...(authored ? { authored: async (c: HistoryCommit) => authored.has(c.sha) } : {}),
  }
}

const c = (sha: string, parents: string[], message = 'work\n'): HistoryCommit => ({ sha, parents, message })

/** root ← B ← x ← P(promotion) ← y : main */
function line(message: string, extra: HistoryCommit[] = []) {
  return [
    c(hex('0'), []),
    c(B, [hex('0')]),
    c(hex('1'), [B]),
    c(hex('2'), [hex('1')], message),
    c(hex('3'), [hex('2')]),
    ...extra,
  ]
}

const find = (history: PromotionHistory, baselineSha: string | null = B, sessionId = S) =>
  findPromotion(history, { branch: 'main', sessionId, baselineSha })

describe('findPromotion', () => {
  it('finds the promotion on the first-parent history after the baseline', async () => {
    expect(await find(repo(line(good()), { main: hex('3') }))).toBe(hex('2'))
  })

  it.each([
    ['a trailer in the body (another paragraph follows)', `${good()}\nReviewed on GitHub.\n`],
    ['only one trailer in the final block', `x\n\nGittrix-Session: ${S}\n\nGittrix-Baseline: ${B}\n`],
    ['a body line in the final block', `x\n\nsee below\nGittrix-Session: ${S}\nGittrix-Baseline: ${B}\n`],
    [
      'the session trailer twice',
      good().replace('Gittrix-Baseline', `Gittrix-Session: ${S}\nGittrix-Baseline`),
    ],
    [
      'conflicting sessions',
      good().replace('Gittrix-Baseline', `Gittrix-Session: sess_other0000000\nGittrix-Baseline`),
    ],
    ['conflicting baselines', `${good()}Gittrix-Baseline: ${hex('c')}\n`],
    ['a differently spelt key', good().replace('Gittrix-Session', 'gittrix-session')],
    ['the wrong baseline', good(S, hex('c'))],
    ['another session', good('sess_abcdefghij2')],
    ['a folded session value', good().replace(`Gittrix-Session: ${S}`, `Gittrix-Session: ${S}\n  -and-more`)],
    [
      'a lone CR joining two trailers',
      `x\n\nGittrix-Session: nope\rGittrix-Session: ${S}\nGittrix-Baseline: ${B}\n`,
    ],
    [
      'trailers behind the scissors line',
      `x\n\n# ------------------------ >8 ------------------------\n${good()}`,
    ],
    ['no title', `Gittrix-Session: ${S}\nGittrix-Baseline: ${B}\n`],
  ])('refuses %s', async (_name, message) => {
    expect(await find(repo(line(message), { main: hex('3') }))).toBeNull()
  })

  it('reads CRLF messages as git does (their trailers count)', async () => {
    expect(await find(repo(line(good().replace(/\n/g, '\r\n')), { main: hex('3') }))).toBe(hex('2'))
  })

  it('refuses a promotion below the baseline', async () => {
    // root ← P ← B ← y
    const commits = [c(hex('0'), []), c(hex('2'), [hex('0')], good()), c(B, [hex('2')]), c(hex('3'), [B])]
    expect(await find(repo(commits, { main: hex('3') }))).toBeNull()
  })

  it('refuses a promotion on a side branch merged in, and a merge commit with the trailers', async () => {
    // B ← m(merge of side P) : main; P's parent B is on main, but P itself is a second parent.
    const commits = [
      c(hex('0'), []),
      c(B, [hex('0')]),
      c(hex('2'), [B], good()),
      c(hex('4'), [B, hex('2')], 'Merge branch side\n'),
      c(hex('5'), [hex('4'), hex('2')], good()),
    ]
    expect(await find(repo(commits, { main: hex('4') }))).toBeNull()
    expect(await find(repo(commits, { main: hex('5') }))).toBeNull()
  })

  it('refuses when the baseline is not on the first-parent history', async () => {
    // main: 0 ← 1 ← P ; B only on a side branch
    const commits = [
      c(hex('0'), []),
      c(B, [hex('0')]),
      c(hex('1'), [hex('0')]),
      c(hex('2'), [hex('1')], good()),
    ]
    expect(await find(repo(commits, { main: hex('2') }))).toBeNull()
  })

  it('takes the newest authored promotion; an unauthored one is skipped', async () => {
    const commits = line(good(), [c(hex('4'), [hex('3')], good())])
    expect(await find(repo(commits, { main: hex('4') }, new Set([hex('2')])))).toBe(hex('2'))
    expect(await find(repo(commits, { main: hex('4') }, new Set()))).toBeNull()
    expect(await find(repo(commits, { main: hex('4') }))).toBe(hex('4'))
  })

  it('without a known baseline: reads it from an authored commit, which must sit above it', async () => {
    const history = repo(line(good()), { main: hex('3') }, new Set([hex('2')]))
    expect(await find(history, null)).toBe(hex('2'))
    // A baseline that is not below the commit (here: not in the history at all).
    const elsewhere = repo(line(good(S, hex('c'))), { main: hex('3') }, new Set([hex('2')]))
    expect(await find(elsewhere, null)).toBeNull()
    // Without an authorship check the baseline must be given.
    await expectCode(find(repo(line(good()), { main: hex('3') }), null), 'INVALID_ARGUMENT')
  })

  it('on a promotion branch: only its head counts, and its parent must be on the durable branch after B', async () => {
    const base = line('work\n')
    const branch = (sha: string, parent: string, message = good()) => [...base, c(sha, [parent], message)]
    const query = (history: PromotionHistory) =>
      findPromotion(history, { branch: 'p', sessionId: S, baselineSha: B, durableBranch: 'main' })
    expect(await query(repo(branch(hex('9'), hex('3')), { main: hex('3'), p: hex('9') }))).toBe(hex('9'))
    expect(await query(repo(branch(hex('9'), B), { main: hex('3'), p: hex('9') }))).toBe(hex('9'))
    // Extra work below the promotion: its parent is not on main.
    const extra = [...base, c(hex('8'), [B]), c(hex('9'), [hex('8')], good())]
    expect(await query(repo(extra, { main: hex('3'), p: hex('9') }))).toBeNull()
    // Parent below the baseline.
    expect(await query(repo(branch(hex('9'), hex('0')), { main: hex('3'), p: hex('9') }))).toBeNull()
    // The promotion is not the head.
    const buried = [...branch(hex('9'), hex('3')), c(hex('a'), [hex('9')])]
    expect(await query(repo(buried, { main: hex('3'), p: hex('a') }))).toBeNull()
    expect(await query(repo(base, { main: hex('3') }))).toBeNull()
  })
})

describe('withTrailers / parsePromotionTrailers', () => {
  it.each([
    ['a one-line message', 'Fix it'],
    [
      'a body with its own look-alike trailers',
      `Fix it\n\nGittrix-Session: sess_zzzzzzzzzzzz\nGittrix-Baseline: ${hex('d')}`,
    ],
    ['a Signed-off-by block', 'Fix it\n\nSigned-off-by: A <a@example.com>\n'],
    ['comment lines in the body', 'Fix it\n\n# not a comment to the reader\nmore\n'],
    ['trailing blank lines', 'Fix it\n\n\n\n'],
    ['CRLF', 'Fix it\r\n\r\nbody\r\n'],
  ])('writes trailers git reads back: %s', (_name, message) => {
    const full = withTrailers(message, S, B)
    expect(parsePromotionTrailers(full)).toEqual({ ok: true, value: { sessionId: S, baselineSha: B } })
  })

  it('refuses a message that would hide the trailers from git', () => {
    expect(() =>
      withTrailers('Fix\n\n# ------------------------ >8 ------------------------\nx', S, B),
    ).toThrow(/hides its Gittrix-Session/)
  })

  it('says why a message is no promotion', () => {
    expect(parsePromotionTrailers('Fix a bug\n\nSome body\n')).toEqual({
      ok: false,
      reason: 'the final trailer block has no Gittrix-Session',
    })
    expect(parsePromotionTrailers(good(S, 'abc'))).toMatchObject({ ok: false, reason: /not a commit id/ })
    expect(parsePromotionTrailers(`${good()}Gittrix-Session: ${S}\n`)).toMatchObject({
      ok: false,
      reason: /2 times/,
    })
  })
})
