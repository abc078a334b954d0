/**
 * `.github/gittrix.yml`: every key, the defaults, and problems named exactly.
 */
import { describe, expect, it } from 'vitest'
import { parseConfig, renderConfigProblems } from '../../app/config.ts'
import { DEFAULT_EVICTION } from '../../src/index.ts'

describe('App config', () => {
  it('no file means every default', () => {
    expect(parseConfig(null)).toEqual({
      ok: true,
      config: {
        durableBranch: null,
        strategy: 'auto',
        promote: { minimumRole: 'write', users: [] },
        adminPaths: ['.github/workflows/**'],
        eviction: { ...DEFAULT_EVICTION },
      },
    })
  })

  it('reads every key', () => {
    const result = parseConfig({
      durableBranch: 'trunk',
      strategy: 'pr',
      promote: { minimumRole: 'admin', users: ['alice'] },
      adminPaths: [],
      eviction: { ttlIdle: '1d', ttlAbsolute: '7d', untilPromote: false, manual: true },
    })
    expect(result).toEqual({
      ok: true,
      config: {
        durableBranch: 'trunk',
        strategy: 'pr',
        promote: { minimumRole: 'admin', users: ['alice'] },
        adminPaths: [],
        eviction: { ttlIdleMs: 86_400_000, ttlAbsoluteMs: 604_800_000, untilPromote: false, manual: true },
      },
    })
    expect(parseConfig({ eviction: { ttlIdle: 'off' } })).toMatchObject({
      ok: true,
      config: { eviction: { ttlIdleMs: null } },
    })
  })

  it('names every problem by its key', () => {
    const result = parseConfig({
      durableBranch: 'gittrix/x',
      strategy: 'yolo',
      promote: { minimumRole: 'triage', extra: 1 },
      eviction: { ttlIdle: 'soon' },
      typo: true,
    })
    expect(result.ok).toBe(false)
    const problems = (result as { problems: string[] }).problems
    expect(problems).toEqual(
      expect.arrayContaining([
        'durableBranch: a gittrix/ branch cannot be durable',
        expect.stringMatching(/^strategy: Invalid option/),
        expect.stringMatching(/^promote\.minimumRole: Invalid option/),
        expect.stringMatching(/^promote: Unrecognized key: "extra"/),
        'eviction.ttlIdle: expected a duration such as 30m, 4h or 7d, or off',
        expect.stringMatching(/^\(top level\): Unrecognized key: "typo"/),
      ]),
    )
    expect(renderConfigProblems(problems)).toContain('- eviction.ttlIdle: expected a duration')
    expect(parseConfig('just a string')).toMatchObject({ ok: false })
  })
})
