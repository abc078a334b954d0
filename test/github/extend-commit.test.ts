import { describe, expect, it } from 'vitest'
import { encodeExtendCommit, parseExtendCommit } from '../../src/github/index.ts'
import { isGittrixError } from '../../src/index.ts'

const ID = 'sess_abcdefghijkl'
const POLICY = { ttlIdleMs: 86_400_000, ttlAbsoluteMs: null, untilPromote: true, manual: false }

describe('extend commit', () => {
  it('round-trips the session and its new eviction policy', () => {
    const message = encodeExtendCommit({
      sessionId: ID,
      eviction: POLICY,
      note: 'Extended by @octocat for 24h.',
    })
    expect(message).toBe(
      `gittrix: extend ${ID}\n\nExtended by @octocat for 24h.\n\nGittrix-Session: ${ID}\nGittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false\n`,
    )
    expect(parseExtendCommit(message, { branch: `gittrix/${ID}` })).toEqual({
      ok: true,
      value: { sessionId: ID, eviction: POLICY, note: 'Extended by @octocat for 24h.' },
    })
    const bare = encodeExtendCommit({ sessionId: ID, eviction: { ...POLICY, manual: true } })
    expect(parseExtendCommit(bare)).toEqual({
      ok: true,
      value: { sessionId: ID, eviction: { ...POLICY, manual: true } },
    })
  })

  it.each([
    [
      'another subject',
      `gittrix: start ${ID}\n\nGittrix-Session: ${ID}\nGittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false\n`,
    ],
    [
      'a subject naming another session',
      `gittrix: extend sess_zzzzzzzzzzzz\n\nGittrix-Session: ${ID}\nGittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false\n`,
    ],
    ['a missing policy', `gittrix: extend ${ID}\n\nGittrix-Session: ${ID}\n`],
    [
      'a policy that does not parse',
      `gittrix: extend ${ID}\n\nGittrix-Session: ${ID}\nGittrix-Eviction: forever\n`,
    ],
    [
      'a duplicated trailer',
      `gittrix: extend ${ID}\n\nGittrix-Session: ${ID}\nGittrix-Session: ${ID}\nGittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false\n`,
    ],
    [
      'an unknown Gittrix trailer',
      `gittrix: extend ${ID}\n\nGittrix-Session: ${ID}\nGittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false\nGittrix-Baseline: ${'a'.repeat(40)}\n`,
    ],
    [
      'a CRLF message',
      `gittrix: extend ${ID}\r\n\r\nGittrix-Session: ${ID}\r\nGittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false\r\n`,
    ],
  ])('refuses %s', (_name, message) => {
    expect(parseExtendCommit(message).ok).toBe(false)
  })

  it('refuses a commit of another branch or session', () => {
    const message = encodeExtendCommit({ sessionId: ID, eviction: POLICY })
    expect(parseExtendCommit(message, { branch: 'gittrix/sess_zzzzzzzzzzzz' }).ok).toBe(false)
    expect(parseExtendCommit(message, { sessionId: 'sess_zzzzzzzzzzzz' }).ok).toBe(false)
  })

  it('refuses to encode a bad id or a multi-line note', () => {
    const attempt = (fn: () => unknown) => {
      try {
        fn()
        return null
      } catch (error) {
        return error
      }
    }
    expect(
      isGittrixError(
        attempt(() => encodeExtendCommit({ sessionId: 'nope', eviction: POLICY })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true)
    expect(
      isGittrixError(
        attempt(() =>
          encodeExtendCommit({ sessionId: ID, eviction: POLICY, note: 'a\n\nGittrix-Session: x' }),
        ),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true)
  })
})
