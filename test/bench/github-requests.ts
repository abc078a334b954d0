/**
 * Benchmark of GitHub promotions at scale (issue 15, targets 2 and 3): the API requests and bytes it
 * takes to promote N files from a session branch, in a 2,000-file and a 200,000-file durable repository
 * of the same shape (`src/mMM/dDD/fN.txt`, 20 files per directory, test/support/wide-repo.ts), with two
 * kinds of session:
 * - `new dirs`: N new files in up to 50 new directories `changed/dNN/`;
 * - `edits`: N existing files edited in up to 50 existing directories (`src/m00..m09/d00..d04`, the
 *   same paths in both repositories).
 *
 * Every promotion runs end to end through `GitTrix` with GitHubDurableAdapter +
 * GitHubBranchEphemeralAdapter against the git-data-api stand-in (a real bare repository behind nock,
 * network off, every request checked against GitHub's OpenAPI description); each one in a fresh
 * repository name over the same git directory, so no tree read is served from an earlier run's cache.
 * The agent's work is pushed onto the session branch with git, as the Action does; only the
 * promotion is counted, from the stand-in's own request log.
 *
 * Byte columns:
 * - `apiBytes`: JSON request + answer bodies of the counted requests, GraphQL queries included (no
 *   blob content: a session branch's blobs are reused, `blobUploads` is 0);
 * - `cloneBytes`: `git pack-objects --revs --stdout` of the durable branch at the baseline (what a clone
 *   of that branch downloads);
 * - `pushBytes`: the thin pack of the promotion commit against the baseline (what `git push` uploads).
 *
 * Runs under vitest and under `node --experimental-strip-types` (test/bench/run.ts).
 */

import { githubHarness } from '../adapters/github/harness.ts'
import { GitDataApi, ROUTES } from '../support/git-data-api.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'
import { commitWideRepo, type WideRepoShape, wideDir } from '../support/wide-repo.ts'

/** What the session changed. */
export type SessionKind = 'new dirs' | 'edits'

/** One row of {@link githubPromotionRequests}. */
export interface GitHubRequestsRow {
  /** Files in the durable repository. */
  repoFiles: number
  kind: SessionKind
  /** Files promoted. */
  files: number
  /** Directories they are in. */
  dirs: number
  /** API requests of the promotion (eviction of the session branch not included). */
  requests: number
  /** Issue 15's request target: ≤ 10 for one file, ≤ 40 for more. */
  target: number
  /** `POST /graphql` among them (batched tree reads: one query per depth of the walk). */
  graphqlQueries: number
  /** `GET /git/trees` among them. */
  treeReads: number
  /** `GET /git/trees` with `recursive` among them. */
  recursiveReads: number
  /**
   * Eviction on promotion (`untilPromote`): the `DELETE` of the session branch and the listing of its
   * notes refs (`GET /git/matching-refs`, plus one `DELETE` per notes ref found: none here).
   */
  evictionRequests: number
  /** The requests, in order, as `"METHOD /template"`. */
  sequence: string[]
  /** `POST /git/blobs` among them (0: blobs reused from the session branch). */
  blobUploads: number
  apiBytes: number
  /** `apiBytes` over the same promotion's in the smallest repository measured (target ≤ 2). */
  bytesRatio: number
  cloneBytes: number
  pushBytes: number
}

/** Options of {@link githubPromotionRequests}. */
export interface GitHubRequestsOptions {
  /** Numbers of files to promote (default 1, 100, 1,000). */
  sizes?: number[]
  /** Repository shapes, smallest first (default 10×10×20 = 2,000 and 100×100×20 = 200,000 files). */
  repos?: Required<WideRepoShape>[]
  /** Session kinds (default both). */
  kinds?: SessionKind[]
}

const DEFAULT_REPOS: Required<WideRepoShape>[] = [
  { modules: 10, dirs: 10, files: 20 },
  { modules: 100, dirs: 100, files: 20 },
]
const SPREAD = 50

/** The files session `kind` changes for N: `path → content`, and how many directories they are in. */
function sessionFiles(kind: SessionKind, n: number, shape: Required<WideRepoShape>): Record<string, string> {
  const out: Record<string, string> = {}
  for (let j = 0; j < n; j++) {
    const k = j % SPREAD
    const i = Math.floor(j / SPREAD)
    if (kind === 'new dirs') out[`changed/d${String(k).padStart(2, '0')}/new-${j}.txt`] = `session ${j}\n`
    else {
      const m = k % 10
      const d = Math.floor(k / 10)
      out[`${wideDir(m, d)}/f${(m * shape.dirs + d) * shape.files + (i % shape.files)}.txt`] = `edit ${j}\n`
    }
  }
  return out
}

function packBytes(api: GitDataApi, revs: string[], thin: boolean): number {
  const args = ['pack-objects', '--revs', '--stdout', '-q', ...(thin ? ['--thin'] : [])]
  return api.gitBytes(args, `${revs.join('\n')}\n`).length
}

/**
 * Promotes N files from a session branch for each repository shape, session kind and N, and returns
 * one row each: requests (target ≤ 10 / ≤ 40), tree reads, and the bytes an API promotion and a
 * clone + push move. `bytesRatio` compares each row with the same promotion in the first shape.
 */
export async function githubPromotionRequests(
  options: GitHubRequestsOptions = {},
): Promise<GitHubRequestsRow[]> {
  const rows: GitHubRequestsRow[] = []
  for (const shape of options.repos ?? DEFAULT_REPOS) {
    const gitDir = tempDir('gittrix-bench-wide-')
    const seed = new GitDataApi({ gitDir: `${gitDir}/repo.git` })
    seed.git(['init', '--quiet', '--bare', '--initial-branch=main'])
    const base = commitWideRepo(seed, 'main', shape)
    const cloneBytes = packBytes(seed, [base], false)
    try {
      for (const kind of options.kinds ?? (['new dirs', 'edits'] as const)) {
        for (const n of options.sizes ?? [1, 100, 1000]) {
          seed.setBranch('main', base)
          const h = await githubHarness({}, { gitDir: seed.gitDir })
          try {
            const session = await h.gittrix.startSession({ task: `bench ${n}` })
            const files = sessionFiles(kind, n, shape)
            h.push(session.id, files)
            const mark = h.api.log.length
            const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
            const all = h.since(mark)
            const evicts = (route: string) => route === ROUTES.deleteRef || route === ROUTES.listMatchingRefs
            const eviction = all.filter((r) => evicts(r.route))
            const promotion = all.filter((r) => !evicts(r.route))
            if (outcome.files.length !== n)
              throw new Error(`promoted ${outcome.files.length} files, expected ${n}`)
            const reads = promotion.filter((r) => r.route === ROUTES.getTree)
            const apiBytes = promotion.reduce((sum, r) => sum + r.requestBytes + r.replyBytes, 0)
            const small = rows.find((r) => r.kind === kind && r.files === n)
            rows.push({
              repoFiles: shape.modules * shape.dirs * shape.files + 1,
              kind,
              files: n,
              dirs: new Set(Object.keys(files).map((p) => p.slice(0, p.lastIndexOf('/')))).size,
              requests: promotion.length,
              target: n === 1 ? 10 : 40,
              graphqlQueries: promotion.filter((r) => r.route === ROUTES.graphql).length,
              treeReads: reads.length,
              recursiveReads: reads.filter((r) => r.query?.recursive !== undefined).length,
              evictionRequests: eviction.length,
              sequence: promotion.map((r) => r.route),
              blobUploads: promotion.filter((r) => r.route === ROUTES.createBlob).length,
              apiBytes,
              bytesRatio: small ? apiBytes / small.apiBytes : 1,
              cloneBytes,
              pushBytes: packBytes(h.api, [outcome.sha, `^${h.initial}`], true),
            })
          } finally {
            await h.close()
          }
        }
      }
    } finally {
      cleanup(gitDir)
    }
  }
  return rows
}

/** The rows as a markdown table. */
export function formatGitHubRequestsTable(rows: readonly GitHubRequestsRow[]): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
  return [
    '| repo files | session | files (dirs) | API requests (target) | GraphQL queries | REST tree reads (recursive) | API bytes | × smallest repo (target ≤ 2) | clone | push |',
    '| ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.repoFiles.toLocaleString('en')} | ${r.kind} | ${r.files} (${r.dirs}) | ${r.requests} (≤ ${r.target}) | ${r.graphqlQueries} | ${r.treeReads} (${r.recursiveReads}) | ${kb(r.apiBytes)} | ${r.bytesRatio.toFixed(2)} | ${kb(r.cloneBytes)} | ${kb(r.pushBytes)} |`,
    ),
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await githubPromotionRequests()
  console.log(formatGitHubRequestsTable(rows))
  console.log(`\nsequence (first row): ${rows[0]?.sequence.join(' → ')}`)
}
