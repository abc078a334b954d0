/**
 * The request budget per event (issue 11, observation 7): rendering a session of N changed files costs
 * at most 11 + ceil(N/100) GitHub API requests (the tool-call note on the head included: it rides along the tree walk's first GraphQL query, app/history.ts) — no request per file — and a `/gittrix status` from
 * someone without write access is answered from the rendered run, reading none of the session's files.
 */
import { expect, it } from 'vitest'
import { REVIEW_DIFF_BUDGET } from '../../app/operations.ts'
import { renderRequests } from '../bench/render-requests.ts'

it('renders 1, 100 and 3,000 changed files within 11 + ceil(N/100) requests; a reader’s status reads no file', async () => {
  const rows = await renderRequests([1, 100, 3000])
  for (const row of rows) {
    expect(row.requests, `${row.files} files: ${JSON.stringify(row.byRoute)}`).toBeLessThanOrEqual(row.target)
    expect(row.blobReads).toBeLessThanOrEqual(REVIEW_DIFF_BUDGET.blobReads)
    expect(row.readerStatusReads).toBe(0)
  }
  // GitHub's compare covers 300 files; a few more are read within the blob budget; the rest are listed
  // without line counts, and the render says so (its title names the files counted).
  expect(rows.slice(0, 2).map((r) => [r.countedFiles, r.blobReads])).toEqual([
    [1, 0],
    [100, 0],
  ])
  expect(rows[2]!.countedFiles).toBe(300 + rows[2]!.blobReads)
})
