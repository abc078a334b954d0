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
import { peakRss, runInChild } from './child.ts'
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
  /** Peak RSS of the process that ran the promotion (Gittrix and the stand-in; git children not included), MiB. */
  peakRssMiB: number
  /** Its growth over the RSS before the harness started, MiB. */
  peakRssGrowthMiB: number
}

/** Options of {@link githubPromotionRequests}. */
export interface GitHubRequestsOptions {
  /** Numbers of files to promote (default 1, 100, 1,000). */
  sizes?: number[]
  /** Repository shapes, smallest first (default 10×10×20 = 2,000 and 100×100×20 = 200,000 files). */
  repos?: Required<WideRepoShape>[]
  /** Session kinds (default both). */
  kinds?: SessionKind[]
  /** Run each promotion in its own node process, for a peak RSS per row (default false). */
  inChild?: boolean
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

/** One promotion to measure: the seeded git directory, its baseline commit, the shape and the session. */
export interface PromotionSpec {
  /** The stand-in's bare repository, seeded with {@link commitWideRepo}. */
  gitDir: string
  /** The seeded commit, which `main` is reset to before the promotion. */
  base: string
  shape: Required<WideRepoShape>
  kind: SessionKind
  /** Files to promote. */
  n: number
  /** `cloneBytes` of the seeded commit (measured once per shape). */
  cloneBytes: number
}

/** A row before its bytes are compared with the smallest repository's. */
type MeasuredPromotion = Omit<GitHubRequestsRow, 'bytesRatio'>

/**
 * Promotes `spec.n` files of `spec.kind` from a session branch over `spec.gitDir` and counts the
 * promotion's requests and bytes from the stand-in's log. Peak RSS is this process's (Gittrix and the
 * stand-in), its growth over the RSS before the harness started. Throws when fewer files were promoted.
 */
export async function measurePromotion(spec: PromotionSpec): Promise<MeasuredPromotion> {
  const rssBefore = process.memoryUsage().rss
  new GitDataApi({ gitDir: spec.gitDir }).setBranch('main', spec.base)
  const h = await githubHarness({}, { gitDir: spec.gitDir })
  try {
    const session = await h.gittrix.startSession({ task: `bench ${spec.n}` })
    const files = sessionFiles(spec.kind, spec.n, spec.shape)
    h.push(session.id, files)
    const mark = h.api.log.length
    const outcome = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    const all = h.since(mark)
    const evicts = (route: string) => route === ROUTES.deleteRef || route === ROUTES.listMatchingRefs
    const eviction = all.filter((r) => evicts(r.route))
    const promotion = all.filter((r) => !evicts(r.route))
    if (outcome.files.length !== spec.n)
      throw new Error(`promoted ${outcome.files.length} files, expected ${spec.n}`)
    const reads = promotion.filter((r) => r.route === ROUTES.getTree)
    const { shape } = spec
    return {
      repoFiles: shape.modules * shape.dirs * shape.files + 1,
      kind: spec.kind,
      files: spec.n,
      dirs: new Set(Object.keys(files).map((p) => p.slice(0, p.lastIndexOf('/')))).size,
      requests: promotion.length,
      target: spec.n === 1 ? 10 : 40,
      graphqlQueries: promotion.filter((r) => r.route === ROUTES.graphql).length,
      treeReads: reads.length,
      recursiveReads: reads.filter((r) => r.query?.recursive !== undefined).length,
      evictionRequests: eviction.length,
      sequence: promotion.map((r) => r.route),
      blobUploads: promotion.filter((r) => r.route === ROUTES.createBlob).length,
      apiBytes: promotion.reduce((sum, r) => sum + r.requestBytes + r.replyBytes, 0),
      cloneBytes: spec.cloneBytes,
      pushBytes: packBytes(h.api, [outcome.sha, `^${h.initial}`], true),
      ...peakRss(rssBefore),
    }
  } finally {
    await h.close()
  }
}

/**
 * Promotes N files from a session branch for each repository shape, session kind and N, and returns
 * one row each: requests (target ≤ 10 / ≤ 40), tree reads, and the bytes an API promotion and a
 * clone + push move. `bytesRatio` compares each row with the same promotion in the first shape.
 * With `inChild`, each promotion runs in a fresh node process (test/bench/child.ts), so each row's peak
 * RSS is its own; otherwise all run here and the peak RSS is this process's so far.
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
          const spec: PromotionSpec = { gitDir: seed.gitDir, base, shape, kind, n, cloneBytes }
          const row = options.inChild
            ? await runInChild<MeasuredPromotion>(import.meta.filename, [JSON.stringify(spec)])
            : await measurePromotion(spec)
          const small = rows.find((r) => r.kind === kind && r.files === n)
          rows.push({ ...row, bytesRatio: small ? row.apiBytes / small.apiBytes : 1 })
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
    '| repo files | session | files (dirs) | API requests (target) | GraphQL queries | REST tree reads (recursive) | API bytes | × smallest repo (target ≤ 2) | clone | push | peak RSS MiB (growth) |',
    '| ---: | :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.repoFiles.toLocaleString('en')} | ${r.kind} | ${r.files} (${r.dirs}) | ${r.requests} (≤ ${r.target}) | ${r.graphqlQueries} | ${r.treeReads} (${r.recursiveReads}) | ${kb(r.apiBytes)} | ${r.bytesRatio.toFixed(2)} | ${kb(r.cloneBytes)} | ${kb(r.pushBytes)} | ${r.peakRssMiB.toFixed(0)} (+${r.peakRssGrowthMiB.toFixed(0)}) |`,
    ),
  ].join('\n')
}

if (process.argv[1] === import.meta.filename && process.argv[2]) {
  // A child of githubPromotionRequests({ inChild: true }): one promotion, its row as JSON on stdout.
  const row = await measurePromotion(JSON.parse(process.argv[2]) as PromotionSpec)
  process.stdout.write(`${JSON.stringify(row)}\n`)
} else if (process.argv[1] === import.meta.filename) {
  const rows = await githubPromotionRequests({ inChild: true })
  console.log(formatGitHubRequestsTable(rows))
  console.log(`\nsequence (first row): ${rows[0]?.sequence.join(' → ')}`)
}
