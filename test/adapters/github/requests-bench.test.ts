/**
 * Issue 15's GitHub targets, asserted on the stand-in's own request log (test/bench/github-requests.ts):
 * a promotion from a session branch costs the same requests in a 200,000-file repository as in a
 * 2,000-file one (≤ 10 for one file, ≤ 40 for 1,000 over 50 directories), never lists anything
 * recursively, and uploads no blob. Tree levels are read in batched GraphQL queries, one per depth of
 * the walk (src/adapters/github/tree-levels.ts), both sides together: for edits in `src/mMM/dDD/`
 * that is roots, `src`, modules, directories. Bytes stay within 2× where the session adds
 * directories; for edits they grow with the width of the directories on the way (`src/` and
 * `src/mMM/` hold 100 entries in the large repository, 10 in the small one): measured, not hidden.
 */
import { expect, it } from 'vitest'
import { githubPromotionRequests } from '../../bench/github-requests.ts'
import { ROUTES } from '../../support/git-data-api.ts'

it('promotes from a 200,000-file repository with the requests of a 2,000-file one', async () => {
  const rows = await githubPromotionRequests({ sizes: [1, 1000] })
  const at = (repoFiles: number, kind: string, files: number) =>
    rows.find((r) => r.repoFiles === repoFiles && r.kind === kind && r.files === files)!
  expect(rows).toHaveLength(8)
  for (const row of rows) {
    const what = `${row.repoFiles} files, ${row.kind}, ${row.files} promoted: ${row.sequence.join(', ')}`
    expect(row.blobUploads, what).toBe(0)
    expect(row.evictionRequests, what).toBe(2)
    // No REST tree read at all: every level comes from a GraphQL query.
    expect(row.treeReads, what).toBe(0)
    // The same requests in both repositories, within the targets.
    expect(row.requests, what).toBe(at(2001, row.kind, row.files).requests)
    expect(row.requests, what).toBeLessThanOrEqual(row.target)
  }
  const writes = [ROUTES.createTree, ROUTES.createCommit, ROUTES.updateRef]
  for (const repo of [2001, 200_001]) {
    // New directories: head, roots, `changed/`, `changed/dNN/` (50 trees in one query), then the writes.
    for (const n of [1, 1000]) {
      const row = at(repo, 'new dirs', n)
      expect(row.sequence).toEqual([ROUTES.getRef, ...Array(3).fill(ROUTES.graphql), ...writes])
      expect(row.bytesRatio).toBeLessThanOrEqual(2)
    }
    // Edits: one query per depth (roots, src, modules, directories), whatever the number of directories.
    for (const n of [1, 1000])
      expect(at(repo, 'edits', n).sequence).toEqual([
        ROUTES.getRef,
        ...Array(4).fill(ROUTES.graphql),
        ...writes,
      ])
  }
  expect(at(200_001, 'edits', 1000).bytesRatio).toBeLessThanOrEqual(2)
  // Building the 200,000-file repository and eight promotions take minutes on a loaded 2-core machine.
}, 900_000)
