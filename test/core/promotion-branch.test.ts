/**
 * The default branch of a `branch`/`pr` promotion (src/core/promote.ts `promotionBranch`): one per
 * promotion, numbered past every recorded promotion's branch, so a host that rebuilds the record and
 * misses an earlier promotion (the GitHub App after a pull request's branch was deleted) never picks
 * a branch that another promotion of the session still holds.
 */
import { describe, expect, it } from 'vitest'
import { promotionBranch } from '../../src/core/promote.ts'
import type { PromotionRecord } from '../../src/core/types.ts'

const record = (branch: string): PromotionRecord => ({
  sha: 'a'.repeat(40),
  branch,
  strategy: branch === 'main' ? 'commit' : 'pr',
  files: ['a.txt'],
  at: '2026-01-01T00:00:00.000Z',
  changes: [],
})

describe('promotionBranch', () => {
  it('names the first promotion gittrix/promote/<id> and the n-th gittrix/promote/<id>-<n>', () => {
    expect(promotionBranch({ id: 's1' })).toBe('gittrix/promote/s1')
    expect(promotionBranch({ id: 's1', promotions: [record('main')] })).toBe('gittrix/promote/s1-2')
    expect(promotionBranch({ id: 's1', promotions: [record('gittrix/promote/s1'), record('main')] })).toBe(
      'gittrix/promote/s1-3',
    )
  })

  it('numbers past the highest recorded promotion branch when earlier ones are not in the record', () => {
    expect(promotionBranch({ id: 's1', promotions: [record('gittrix/promote/s1-2')] })).toBe(
      'gittrix/promote/s1-3',
    )
    expect(promotionBranch({ id: 's1', promotions: [record('gittrix/promote/s1-7'), record('main')] })).toBe(
      'gittrix/promote/s1-8',
    )
  })

  it('ignores branches that only look numbered: another session, a chosen --branch, a leading zero', () => {
    const others = ['gittrix/promote/s1-2x', 'gittrix/promote/s10-9', 'gittrix/promote/s1-09', 'release-9']
    expect(promotionBranch({ id: 's1', promotions: others.map(record) })).toBe('gittrix/promote/s1-5')
  })
})
