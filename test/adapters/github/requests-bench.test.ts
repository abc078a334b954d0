/**
 * Issue 15's GitHub targets, asserted on the stand-in's own request log (test/bench/github-requests.ts):
 * a promotion from a session branch costs the same requests in a 200,000-file repository as in a
 * 2,000-file one (≤ 10 for one file, ≤ 40 for 1,000 over 50 directories), never lists anything
 * recursively, and uploads no blob. Under 300 changed files the session's changes come from GitHub's
 * compare list, proved complete by one tree write (src/adapters/github/compare-diff.ts), so neither
 * requests nor bytes depend on the width or depth of the directories on the way (`src/` and `src/mMM/`
 * hold 100 entries in the large repository, 10 in the small one). From 300 files on, the compare list
 * may be cut and the changes are read as a pruned walk, batched in GraphQL queries, one per depth
 * (src/adapters/github/tree-levels.ts): for edits in `src/mMM/dDD/` that is roots, `src`, modules,
 * directories; bytes then grow with the width of those directories, still within 2× here.
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
  // Both heads (the session branch's read once, by its full ref, and named by commit id after), then
  // proved from the compare list: compare, one GraphQL query for both sides' entries, the proof tree.
  const heads = [ROUTES.getRef, ROUTES.getRef]
  const proved = [...heads, ROUTES.compare, ROUTES.graphql, ROUTES.createTree]
  for (const repo of [2001, 200_001]) {
    for (const kind of ['new dirs', 'edits']) {
      expect(at(repo, kind, 1).sequence).toEqual([...proved, ...writes])
      expect(at(repo, kind, 1).bytesRatio).toBeLessThanOrEqual(2)
    }
    // 1,000 files: the compare list is no proof; a walk of new directories reads the roots, `changed/`
    // and `changed/dNN/` (50 trees in one query); one of edits reads roots, `src`, modules, directories.
    expect(at(repo, 'new dirs', 1000).sequence).toEqual([
      ...heads,
      ROUTES.compare,
      ...Array(3).fill(ROUTES.graphql),
      ...writes,
    ])
    expect(at(repo, 'edits', 1000).sequence).toEqual([
      ...heads,
      ROUTES.compare,
      ...Array(4).fill(ROUTES.graphql),
      ...writes,
    ])
    expect(at(repo, 'new dirs', 1000).bytesRatio).toBeLessThanOrEqual(2)
  }
  expect(at(200_001, 'edits', 1000).bytesRatio).toBeLessThanOrEqual(2)
  // Building the 200,000-file repository and eight promotions take minutes on a loaded 2-core machine.
}, 900_000)
