/**
 * The request-count target of docs/benchmarks.md, asserted: promoting N files from a session branch takes at
 * most 6 GitHub API requests, the same number for N = 1, 100 and 1,000, and uploads no blob.
 */
import { expect, it } from 'vitest'
import { githubPromotionRequests } from '../bench/github-requests.ts'
import { ROUTES } from '../support/git-data-api.ts'

it('promotes 1, 100 and 1,000 files from a session branch in the same ≤ 6 requests', async () => {
  const rows = await githubPromotionRequests({ sizes: [1, 100, 1000], baseFiles: 300 })
  expect(rows.map((r) => r.files)).toEqual([1, 100, 1000])
  for (const row of rows) {
    expect(row.requests, `${row.files} files: ${row.sequence.join(', ')}`).toBeLessThanOrEqual(6)
    expect(row.blobUploads).toBe(0)
    expect(row.evictionRequests).toBe(1)
  }
  expect(new Set(rows.map((r) => r.requests)).size).toBe(1)
  expect(rows[0]!.sequence).toEqual([
    ROUTES.getRef,
    ROUTES.getTree,
    ROUTES.getTree,
    ROUTES.createTree,
    ROUTES.createCommit,
    ROUTES.updateRef,
  ])
  // The push of a git client grows with the content; the API promotion's requests do not.
  expect(rows[2]!.pushBytes).toBeGreaterThan(rows[0]!.pushBytes)
  expect(rows[0]!.cloneBytes).toBeGreaterThan(rows[0]!.pushBytes)
})
