/**
 * Benchmark of issue 3 (docs/benchmarks.md): how many GitHub API requests it takes to promote N files from
 * a session branch (target ≤ 6, the same for every N), beside what a `git clone` + `git push` of the
 * same repository would transfer.
 *
 * Every promotion runs end to end through `GitTrix` with GitHubDurableAdapter +
 * GitHubBranchEphemeralAdapter against the git-data-api stand-in (a real bare repository behind nock,
 * network off, every request checked against GitHub's OpenAPI description). The agent's work is pushed
 * onto the session branch with git, as the Action does; only the promotion is counted.
 *
 * Byte columns, all measured with git on the same bare repository:
 * - `apiBytes`: JSON request + answer bodies of the counted requests;
 * - `cloneBytes`: `git pack-objects --revs --stdout` of the durable branch at the baseline (what a clone
 *   of that branch downloads);
 * - `fetchSessionBytes`: the thin pack of the session branch against the baseline (what a clone would
 *   fetch next to get the agent's work);
 * - `pushBytes`: the thin pack of the promotion commit against the baseline (what `git push` uploads).
 *
 * Runs under vitest and under `node --experimental-strip-types` (test/bench/run.ts).
 */

import { githubHarness, manyFiles } from '../github-adapters/harness.ts'
import { ROUTES } from '../support/git-data-api.ts'

/** One row of {@link githubPromotionRequests}. */
export interface GitHubRequestsRow {
  /** Files promoted. */
  files: number
  /** API requests of the promotion (eviction of the session branch not included). */
  requests: number
  /** `DELETE` of the session branch when the session is evicted on promotion (`untilPromote`). */
  evictionRequests: number
  /** The requests, in order, as `"METHOD /template"`. */
  sequence: string[]
  /** `POST /git/blobs` among them (0: blobs reused from the session branch). */
  blobUploads: number
  apiBytes: number
  cloneBytes: number
  fetchSessionBytes: number
  pushBytes: number
}

/** Options of {@link githubPromotionRequests}. */
export interface GitHubRequestsOptions {
  /** Numbers of files to promote (default 1, 100, 1,000). */
  sizes?: number[]
  /** Files already on the durable branch (default 2,000). */
  baseFiles?: number
}

function packBytes(
  api: { gitBytes(args: string[], input?: string): Buffer },
  revs: string[],
  thin: boolean,
): number {
  const args = ['pack-objects', '--revs', '--stdout', '-q', ...(thin ? ['--thin'] : [])]
  return api.gitBytes(args, `${revs.join('\n')}\n`).length
}

/**
 * Promotes N files from a session branch for each N of `sizes` and returns one row per N: the request
 * count (target ≤ 6), the requests themselves, and the bytes an API promotion and a clone + push move.
 */
export async function githubPromotionRequests(
  options: GitHubRequestsOptions = {},
): Promise<GitHubRequestsRow[]> {
  const rows: GitHubRequestsRow[] = []
  for (const n of options.sizes ?? [1, 100, 1000]) {
    const h = await githubHarness({
      'README.md': '# bench\n',
      ...manyFiles(options.baseFiles ?? 2000, 'base', 'src'),
    })
    try {
      const session = await h.gittrix.startSession({ task: `bench ${n}` })
      const sessionHead = h.push(session.id, manyFiles(n, `session ${n}`, 'changed'))
      const mark = h.api.log.length
      const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
      const all = h.since(mark)
      const eviction = all.filter((r) => r.route === ROUTES.deleteRef)
      const promotion = all.filter((r) => r.route !== ROUTES.deleteRef)
      if (outcome.files.length !== n) throw new Error(`promoted ${outcome.files.length} files, expected ${n}`)
      rows.push({
        files: n,
        requests: promotion.length,
        evictionRequests: eviction.length,
        sequence: promotion.map((r) => r.route),
        blobUploads: promotion.filter((r) => r.route === ROUTES.createBlob).length,
        apiBytes: promotion.reduce((sum, r) => sum + r.requestBytes + r.replyBytes, 0),
        cloneBytes: packBytes(h.api, [h.initial], false),
        fetchSessionBytes: packBytes(h.api, [sessionHead, `^${h.initial}`], true),
        pushBytes: packBytes(h.api, [outcome.sha, `^${h.initial}`], true),
      })
    } finally {
      await h.close()
    }
  }
  return rows
}

/** The rows as a markdown table. */
export function formatGitHubRequestsTable(rows: readonly GitHubRequestsRow[]): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
  return [
    '| files | API requests (target ≤ 6) | + eviction | blob uploads | API bytes | clone | fetch session | push |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.files} | ${r.requests} | ${r.evictionRequests} | ${r.blobUploads} | ${kb(r.apiBytes)} | ${kb(r.cloneBytes)} | ${kb(r.fetchSessionBytes)} | ${kb(r.pushBytes)} |`,
    ),
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await githubPromotionRequests()
  console.log(formatGitHubRequestsTable(rows))
  console.log(`\nsequence: ${rows[0]?.sequence.join(' → ')}`)
}
