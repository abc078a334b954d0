/**
 * Benchmark of issue 11's request budget: how many GitHub API requests the App makes to render a
 * session of N changed files (the `push` event: configuration, session, baseline check, diff, check
 * run, session comment), target ≤ 11 + ceil(N/100) (the history note read included: it rides along the tree walk's first GraphQL query, app/history.ts); and that a read-only `/gittrix status` from someone
 * without write access reads nothing of the session's files.
 *
 * A real Probot instance runs the App against the App stand-in (test/app/harness.ts: a bare repository
 * behind nock, every request checked against GitHub's OpenAPI description). One `/gittrix help` comment
 * first, so the installation token and `GET /app` (once per process) are not counted; nothing else is
 * warm (the baseline tree is read by the render). Every request the App makes for the event is
 * counted, from the stand-in's log.
 *
 * Runs under vitest (test/app/request-budget.test.ts) and under node (test/bench/run.ts).
 */
import { AppHarness } from '../app/harness.ts'
import { peakRss, runInChild } from './child.ts'

/** One row of {@link renderRequests}. */
export interface RenderRequestsRow {
  /** Changed files in the session. */
  files: number
  /** Requests of the render (the `push` event). */
  requests: number
  /** 11 + ceil(files / 100) (the head's tool-call note rides along the first GraphQL tree query, app/history.ts `withHistory`): the session's trees are read as a pruned walk, one listing per directory level on the way (trees.ts `diffTrees`). */
  target: number
  /** Requests per route, `"METHOD /path"` with ids and names replaced. */
  byRoute: Record<string, number>
  /** `GET /git/blobs` among them. */
  blobReads: number
  /** Files whose lines the render counted (the rest: `?` in the table). */
  countedFiles: number
  /** Requests of a `/gittrix status` by a reader (no write access), reply included. */
  readerStatusRequests: number
  /** Tree, blob and compare reads of that status (0: answered from the rendered run). */
  readerStatusReads: number
  /** Peak RSS of the process that rendered (the App, Probot and the stand-in; git children not included), MiB, measured before the status comment. */
  peakRssMiB: number
  /** Its growth over the RSS before the harness started, MiB. */
  peakRssGrowthMiB: number
}

/** `count` changed files `changed/NN/file-NNNN.txt`. */
function changedFiles(count: number): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < count; i++)
    out[`changed/${String(i % 50).padStart(2, '0')}/file-${String(i).padStart(4, '0')}.txt`] = `line ${i}\n`
  return out
}

function routeOf(method: string, path: string): string {
  const shape = path
    .replace(/^\/repos\/[^/]+\/[^/]+/, '')
    .replace(/[0-9a-f]{40}/g, '<sha>')
    .replace(/gittrix%2Fsess_[a-z2-7]{12}/g, '<session>')
    .replace(/\/\d+(?=\/|$)/g, '/<n>')
  return `${method} ${shape}`
}

/**
 * Renders one session of `n` changed files and counts its requests. Peak RSS is this process's (the App,
 * Probot and the stand-in; git children not included), its growth over the RSS before the harness
 * started. Throws when the render did not complete with an `action_required` check run.
 */
export async function measureRender(n: number): Promise<RenderRequestsRow> {
  const rssBefore = process.memoryUsage().rss
  const h = await AppHarness.create({ 'README.md': '# bench\n', 'src/app.ts': 'export const a = 1\n' })
  try {
    await h.comment('/gittrix help')
    const { id } = h.startSession()
    const head = h.work(id, changedFiles(n))
    const mark = h.api.requests.length
    await h.push(id)
    const render = h.api.requests.slice(mark)
    const run = h.api.runsOn(head)[0]
    if (run?.conclusion !== 'action_required') throw new Error(`the render of ${n} files did not complete`)
    const counted = /in the ([\d,]+) files? counted/.exec(run.output.title ?? '')
    const byRoute: Record<string, number> = {}
    for (const r of render) byRoute[routeOf(r.method, r.path)] = (byRoute[routeOf(r.method, r.path)] ?? 0) + 1
    const rss = peakRss(rssBefore)
    const statusMark = h.api.requests.length
    await h.comment('/gittrix status', { login: 'rita' })
    const status = h.api.requests.slice(statusMark)
    return {
      files: n,
      requests: render.length,
      target: 11 + Math.ceil(n / 100),
      byRoute,
      blobReads: render.filter((r) => r.method === 'GET' && r.path.includes('/git/blobs/')).length,
      countedFiles: counted ? Number(counted[1]!.replaceAll(',', '')) : n,
      readerStatusRequests: status.length,
      readerStatusReads: status.filter((r) => /\/git\/(trees|blobs)\/|\/compare\//.test(r.path)).length,
      ...rss,
    }
  } finally {
    h.close()
  }
}

/**
 * Renders a session of N changed files for each N of `sizes` and counts the requests. With `inChild`,
 * each render runs in a fresh node process (test/bench/child.ts), so each row's peak RSS is its own;
 * otherwise all run here and the peak RSS is this process's so far.
 */
export async function renderRequests(
  sizes: readonly number[] = [1, 100, 3000],
  { inChild = false }: { inChild?: boolean } = {},
): Promise<RenderRequestsRow[]> {
  const rows: RenderRequestsRow[] = []
  for (const n of sizes)
    rows.push(
      inChild
        ? await runInChild<RenderRequestsRow>(import.meta.filename, [String(n)])
        : await measureRender(n),
    )
  return rows
}

/** The rows as a markdown table. */
export function formatRenderRequestsTable(rows: readonly RenderRequestsRow[]): string {
  return [
    '| changed files | requests per render | target 11 + ⌈N/100⌉ | blob reads | files with line counts | reader `/gittrix status`: requests (file reads) | peak RSS MiB (growth) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.files.toLocaleString('en')} | ${r.requests} | ${r.target} | ${r.blobReads} | ${r.countedFiles.toLocaleString('en')} | ${r.readerStatusRequests} (${r.readerStatusReads}) | ${r.peakRssMiB.toFixed(0)} (+${r.peakRssGrowthMiB.toFixed(0)}) |`,
    ),
  ].join('\n')
}

if (process.argv[1] === import.meta.filename && process.argv[2]) {
  // A child of renderRequests(sizes, { inChild: true }): one render, its row as JSON on stdout.
  process.stdout.write(`${JSON.stringify(await measureRender(Number(process.argv[2])))}\n`)
} else if (process.argv[1] === import.meta.filename) {
  const rows = await renderRequests([1, 100, 3000], { inChild: true })
  console.log(formatRenderRequestsTable(rows))
  for (const row of rows) console.log(`\n${row.files} files:`, row.byRoute)
}
