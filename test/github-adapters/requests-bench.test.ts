/**
 * Issue 15's GitHub targets, asserted on the stand-in's own request log (test/bench/github-requests.ts):
 * a promotion from a session branch costs the same requests in a 200,000-file repository as in a
 * 2,000-file one, never lists either repository whole, and uploads no blob; its bytes stay within 2×
 * where the session adds directories. Edits spread over 50 existing directories cost 2 level reads
 * per directory on the way (GitHub's REST API has no batched tree read): counted exactly here.
 */
import { expect, it } from 'vitest'
import { githubPromotionRequests } from '../bench/github-requests.ts'
import { ROUTES } from '../support/git-data-api.ts'

it('promotes from a 200,000-file repository with the requests of a 2,000-file one', async () => {
  const rows = await githubPromotionRequests({ sizes: [1, 1000] })
  const at = (repoFiles: number, kind: string, files: number) =>
    rows.find((r) => r.repoFiles === repoFiles && r.kind === kind && r.files === files)!
  expect(rows).toHaveLength(8)
  for (const row of rows) {
    const what = `${row.repoFiles} files, ${row.kind}, ${row.files} promoted: ${row.sequence.join(', ')}`
    expect(row.blobUploads, what).toBe(0)
    expect(row.evictionRequests, what).toBe(1)
    // Never a recursive listing of anything but a directory the session added.
    expect(row.recursiveReads, what).toBe(row.kind === 'new dirs' ? 1 : 0)
    // The same requests in both repositories.
    expect(row.requests, what).toBe(at(2001, row.kind, row.files).requests)
  }
  for (const repo of [2001, 200_001]) {
    // New directories: head, two roots, one listing of `changed/`, tree, commit, ref.
    for (const n of [1, 1000]) {
      const row = at(repo, 'new dirs', n)
      expect(row.sequence).toEqual([
        ROUTES.getRef,
        ROUTES.getTree,
        ROUTES.getTree,
        ROUTES.getTree,
        ROUTES.createTree,
        ROUTES.createCommit,
        ROUTES.updateRef,
      ])
      expect(row.requests).toBeLessThanOrEqual(row.target)
      expect(row.bytesRatio).toBeLessThanOrEqual(2)
    }
    // Edits: 2 level reads per directory on the way: root, src, the modules, the directories.
    expect(at(repo, 'edits', 1).treeReads).toBe(2 * 4)
    expect(at(repo, 'edits', 1000).treeReads).toBe(2 * (2 + 10 + 50))
  }
  // Building the 200,000-file repository and eight promotions take minutes on a loaded 2-core machine.
}, 900_000)
