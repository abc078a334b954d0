/**
 * `npm run bench`: Gittrix against the plain git it stands in for, measured in one run on one machine
 * (targets: docs/benchmarks.md). Prints a markdown table of medians and ratios; `--json` prints the results as JSON
 * instead. Always exits 0 when the measurement itself worked: a missed target is reported, not thrown.
 *
 *   1. session start on a generated 20,000-file repository, `clone` kind vs `git clone --shared`,
 *      `worktree` kind vs `git worktree add --detach`            (target ≤ 1.2×)
 *   2. promotion of 1,000 touched files vs the same plumbing by hand (target ≤ 1.5×)
 *   3. `session.diff()` of 1,000 touched files vs `git diff <baseline>` (target ≤ 1.5×)
 *   4. GitHub API requests: promoting N files in 2,000- and 200,000-file repositories (≤ 10 / ≤ 40,
 *      bytes ≤ 2×) and the App rendering N changed files (≤ 11 + ⌈N/100⌉), counted on the stand-ins
 *   5. agent writes: 1,000 `AgentSession.write` calls + one `commit`, per workspace kind, vs
 *      `fs.writeFile` × 1,000 + `git add -A && git commit` (target ≤ 1.5×) (test/bench/writes.ts)
 *   6. scale: rows 1–3 on a generated 100,000-file repository with 10,000 touched files
 *      (test/bench/local-rows.ts; targets as rows 1–3)
 *   7. a 500 MiB file: peak RSS of diff + promote of a session holding it, per workspace kind
 *      (test/bench/big-file.ts; reported, not asserted)
 *
 * Every row of 1–7 is measured in its own node process (test/bench/child.ts), so the peak RSS printed
 * beside it is its own. Then the Action bundle's start (its peak RSS read by an exit hook), and the App
 * server's peak memory under an unsigned 256 MB webhook POST (test/bench/webhook-memory.ts).
 *
 * Options: `--json`, `--reps <n>` (timed repetitions per operation, default 5; one warm-up run comes
 * first), `--only writes|scale|big|diff` (just the agent-writes rows, the 100,000-file rows, the 500 MiB
 * file or the 20,000-file diff rows, to run or repeat them alone), `--dir <path>` (where the temporary repositories go; also
 * `GITTRIX_BENCH_DIR`). The default is `/dev/shm` when it exists: on tmpfs the kernel's file-system
 * work (journal, discard, writeback) stays out of the ratios, and git's own work is cheapest there, so
 * Gittrix's fixed costs weigh the most.
 */
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism as availableCores, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { measureActionStart } from './action-start.ts'
import { type BigFileRow, formatBigFileTable, measureBigFileInChild, BIG_FILE_MIB } from './big-file.ts'
import { formatGitHubRequestsTable, githubPromotionRequests } from './github-requests.ts'
import { measureRowGroupInChild, type Row, type RowGroupSpec, WARMUP } from './local-rows.ts'
import { formatWebhookMemoryTable, measureWebhookMemory } from './webhook-memory.ts'
import { formatRenderRequestsTable, renderRequests } from './render-requests.ts'
import { formatWritesTable, measureWritesInChild, WRITES, WRITES_TARGET, type WriteRow } from './writes.ts'
import {
  BENCH_GIT_ENV,
  FILE_COUNT,
  fileCount,
  generateRepository,
  gitText,
  LAYOUT,
  type Layout,
  SCALE_LAYOUT,
} from './fixture.ts'

/** Files touched by the promote and diff rows: 1,000 of 20,000, and 10,000 of 100,000 (`--only scale`). */
const TOUCHED = 1000
const SCALE_TOUCHED = 10_000

const argv = process.argv.slice(2)
const asJson = argv.includes('--json')
const repsArg = argv.indexOf('--reps')
const REPS = repsArg >= 0 ? Math.max(1, Number(argv[repsArg + 1]) || 5) : 5
const dirArg = argv.indexOf('--dir')
const onlyArg = argv.indexOf('--only')
const ONLY = onlyArg >= 0 ? argv[onlyArg + 1] : undefined
const ONLY_CHOICES = ['writes', 'scale', 'big', 'diff'] as const
if (ONLY !== undefined && !(ONLY_CHOICES as readonly string[]).includes(ONLY))
  throw new Error(`--only takes one of ${ONLY_CHOICES.join(', ')}, not ${ONLY}`)

/** Where the temporary repositories go: `--dir`, `GITTRIX_BENCH_DIR`, `/dev/shm` (tmpfs) or the OS temp dir. */
async function benchParent(): Promise<string> {
  const chosen = dirArg >= 0 ? argv[dirArg + 1] : process.env.GITTRIX_BENCH_DIR
  if (chosen) return chosen
  const shm = '/dev/shm'
  const usable = await access(shm, constants.W_OK).then(
    () => true,
    () => false,
  )
  return usable ? shm : tmpdir()
}

// Every child inherits this environment, so both sides run git with the same fixed identity and no user config.
Object.assign(process.env, BENCH_GIT_ENV)

const log = (message: string) => process.stderr.write(`${message}\n`)

/** Rows 1–3 (or 6) on the repository `durable`: start per kind, promote, diff, each group in its own process. */
async function localRows(
  root: string,
  durable: string,
  baseline: string,
  layout: Layout,
  touched: number,
  idPrefix: string,
  groups: readonly RowGroupSpec['group'][] = ['start-clone', 'start-worktree', 'promote', 'diff'],
): Promise<Row[]> {
  const rows: Row[] = []
  for (const group of groups) {
    log(`  ${idPrefix}${group}: ${REPS} repetitions after one warm-up, in a child process`)
    const spec: RowGroupSpec = { group, durable, baseline, root, layout, touched, reps: REPS, idPrefix }
    rows.push(...(await measureRowGroupInChild(spec)))
  }
  return rows
}

/** Row 7, one child process per workspace kind (see test/bench/big-file.ts). */
async function bigFileRows(root: string): Promise<BigFileRow[]> {
  const rows: BigFileRow[] = []
  for (const kind of ['clone', 'worktree', 'copy'] as const) {
    log(`  ${BIG_FILE_MIB} MiB file: ${kind} kind, diff + promote in a child process`)
    rows.push(await measureBigFileInChild(root, kind))
  }
  return rows
}

/** The 500 MiB file table with its caption. */
function bigFileSection(rows: readonly BigFileRow[]): string {
  return [
    `A ${BIG_FILE_MIB} MiB file of random bytes (written by dd) in a session on a one-file repository: session.diffDetails(), then session.promote() (commit strategy), in one process per kind:`,
    '',
    formatBigFileTable(rows),
    '',
    'growth = peak RSS over the RSS before the diff; a growth near the file size would mean it was read into this process (git children not included).',
  ].join('\n')
}

/** 5. Agent writes, one child process per workspace kind (see test/bench/writes.ts). */
async function benchWrites(durable: string): Promise<WriteRow[]> {
  const rows: WriteRow[] = []
  for (const kind of ['clone', 'worktree', 'copy'] as const) {
    log(`  writes: ${kind} kind, ${REPS} repetitions after one warm-up, in a child process`)
    rows.push(await measureWritesInChild(durable, kind, REPS))
  }
  return rows
}

/** The agent-writes table with its caption. */
function writesSection(rows: readonly WriteRow[]): string {
  const missed = rows.filter((r) => !r.pass)
  return [
    `Agent writes: ${WRITES.toLocaleString('en')} AgentSession.write calls of ~1 KB files + one commit on the ${FILE_COUNT.toLocaleString('en')}-file repository, vs fs.writeFile × ${WRITES.toLocaleString('en')} + git add -A && git commit in a plain work tree of the same kind (worktree: git worktree add; clone, copy: git clone --shared), median of ${REPS} (target ≤ ${WRITES_TARGET}×):`,
    '',
    formatWritesTable(rows),
    '',
    'peak RSS = maxRSS of the child process that measured the row (git children not included); growth = over its RSS before the first repetition.',
    missed.length
      ? `MISSED TARGET: ${missed.map((r) => `${r.kind} (${r.ratio.toFixed(2)}×)`).join(', ')}`
      : 'Agent-writes target met for every kind.',
  ].join('\n')
}

function markdown(rows: readonly Row[], meta: Record<string, string | number>): string {
  const fmt = (ms: number) => ms.toFixed(1)
  const lines = [
    '| operation | gittrix median ms | plain git median ms | ratio | target | result | paired ratio | CPU ms gittrix / git | peak RSS MiB (growth) |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.operation} | ${fmt(r.gittrixMs)} | ${fmt(r.plainMs)} | ${r.ratio.toFixed(2)}× | ≤ ${r.target}× | ${r.pass ? 'pass' : '**MISS**'} | ${r.pairedRatio.toFixed(2)}× | ${r.gittrixCpuMs === null || r.plainCpuMs === null ? 'n/a' : `${r.gittrixCpuMs.toFixed(0)} / ${r.plainCpuMs.toFixed(0)}`} | ${r.peakRssMiB.toFixed(0)} (+${r.peakRssGrowthMiB.toFixed(0)}) |`,
    ),
    '',
    'ratio = gittrix median / plain median (pass/fail); paired ratio = median of the per-repetition ratios;',
    'CPU = the measuring process plus its git children (information: it hardly moves with other load on the machine);',
    'peak RSS = maxRSS of the process that measured the row (Gittrix and the plain driver, git children not included; both diff rows share one), growth = over its RSS before the first repetition.',
    '',
    'Plain git side:',
    ...rows.map((r) => `- ${r.id}: ${r.plain}`),
    '',
    ...Object.entries(meta).map(([key, value]) => `- ${key}: ${value}`),
  ]
  const missed = rows.filter((r) => !r.pass)
  lines.push(
    '',
    missed.length
      ? `MISSED TARGETS: ${missed.map((r) => `${r.id} (${r.ratio.toFixed(2)}× > ${r.target}×)`).join(', ')}`
      : 'All targets met.',
  )
  return lines.join('\n')
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(await benchParent(), 'gittrix-bench-'))
  const removeRoot = () => rm(root, { recursive: true, force: true })
  const onSignal = () => {
    void removeRoot().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const started = performance.now()
  const loadStart = loadavg()[0]!.toFixed(2)
  try {
    const generate = async (layout: Layout) => {
      const durable = join(root, `durable-${fileCount(layout)}.git`)
      log(
        `Generating a ${fileCount(layout).toLocaleString('en')}-file repository (bare, one commit) in ${root}`,
      )
      const at = performance.now()
      const baseline = await generateRepository(durable, layout)
      log(`  generated in ${((performance.now() - at) / 1000).toFixed(1)} s`)
      return { durable, baseline }
    }
    const load = () => `load average ${loadStart} / ${loadavg()[0]!.toFixed(2)} (${availableCores()} cores)`
    if (ONLY === 'big') {
      const big = await bigFileRows(root)
      if (asJson) process.stdout.write(`${JSON.stringify({ big, load: load() }, null, 2)}\n`)
      else process.stdout.write(`${bigFileSection(big)}\n- ${load()}\n`)
      return
    }
    if (ONLY === 'scale') {
      const { durable, baseline } = await generate(SCALE_LAYOUT)
      const rows = await localRows(root, durable, baseline, SCALE_LAYOUT, SCALE_TOUCHED, 'scale-')
      const meta = { 'load average at start / end': load(), 'repetitions (median of)': REPS }
      if (asJson) process.stdout.write(`${JSON.stringify({ rows, meta }, null, 2)}\n`)
      else process.stdout.write(`${markdown(rows, meta)}\n`)
      return
    }
    const { durable, baseline } = await generate(LAYOUT)
    if (ONLY === 'diff') {
      const rows = await localRows(root, durable, baseline, LAYOUT, TOUCHED, '', ['diff'])
      const meta = { 'load average at start / end': load(), 'repetitions (median of)': REPS }
      if (asJson) process.stdout.write(`${JSON.stringify({ rows, meta }, null, 2)}\n`)
      else process.stdout.write(`${markdown(rows, meta)}\n`)
      return
    }
    if (ONLY === 'writes') {
      const loadBefore = loadavg()[0]!.toFixed(2)
      const writes = await benchWrites(durable)
      const load = `load average ${loadBefore} / ${loadavg()[0]!.toFixed(2)} (${availableCores()} cores)`
      if (asJson) process.stdout.write(`${JSON.stringify({ writes, load }, null, 2)}\n`)
      else process.stdout.write(`${writesSection(writes)}\n- ${load}\n`)
      return
    }
    const rows = await localRows(root, durable, baseline, LAYOUT, TOUCHED, '')
    const writes = await benchWrites(durable)
    await rm(durable, { recursive: true, force: true })
    const scale = await generate(SCALE_LAYOUT)
    rows.push(
      ...(await localRows(root, scale.durable, scale.baseline, SCALE_LAYOUT, SCALE_TOUCHED, 'scale-')),
    )
    await rm(scale.durable, { recursive: true, force: true })
    const big = await bigFileRows(root)
    log(
      'Counting GitHub API requests and bytes to promote 1, 100 and 1,000 files from a session branch (2,000- and 200,000-file repositories)',
    )
    const github = await githubPromotionRequests({ inChild: true })
    log('Counting GitHub API requests of the App to render sessions of 1, 100 and 3,000 changed files')
    const render = await renderRequests([1, 100, 3000], { inChild: true })
    log('Timing the Action bundle: node action/dist/index.js to its first output')
    const action = await measureActionStart()
    log('Peak memory of the App server under an unsigned 256 MB webhook POST')
    const webhookMemory = await measureWebhookMemory()
    const meta = {
      'temporary repositories under': root,
      'load average at start / end': `${loadStart} / ${loadavg()[0]!.toFixed(2)} (${availableCores()} cores)`,
      'repetitions (median of)': REPS,
      'warm-up runs per operation': WARMUP,
      'durable repository': 'bare (no checked-out branch), so both sides do the same work on promote',
      indexes:
        'both sides wait a second and rewrite their index once before timing, so no entry is racily clean (see settle() in test/bench/local-rows.ts)',
      'promote sessions':
        'eviction untilPromote: false (workspace removal is not timed; the plain side keeps its workspace too)',
      git: await gitText(['--version']),
      node: process.version,
      'peak RSS of the driving process (MiB)': (process.resourceUsage().maxRSS / 1024).toFixed(1),
      'total bench time (s)': ((performance.now() - started) / 1000).toFixed(1),
    }
    const githubMissed = github.filter((r) => r.requests > r.target || r.bytesRatio > 2)
    const renderMissed = render.filter((r) => r.requests > r.target)
    if (asJson)
      process.stdout.write(
        `${JSON.stringify({ rows, writes, big, github, render, action, webhookMemory, meta }, null, 2)}\n`,
      )
    else {
      process.stdout.write(
        `${markdown(rows, meta)}\n\n${writesSection(writes)}\n\n${bigFileSection(big)}\n\n`,
      )
      process.stdout.write(
        'GitHub API requests and bytes to promote N files from a session branch (targets: ≤ 10 requests for 1 file, ≤ 40 for more; bytes ≤ 2× the 2,000-file repository):\n\n' +
          `${formatGitHubRequestsTable(github)}\n` +
          'peak RSS = maxRSS of the child process that ran the promotion (Gittrix, nock and the stand-in with its OpenAPI checks; git children not included), growth = over its RSS before the harness started.\n' +
          (githubMissed.length
            ? `MISSED TARGET: ${githubMissed.map((r) => `${r.repoFiles} files, ${r.kind}, ${r.files} promoted: ${r.requests} requests, ${r.bytesRatio.toFixed(2)}× bytes`).join('; ')}\n`
            : 'Request target met for every N.\n') +
          `\nGitHub API requests of the App per render of a session of N changed files (target ≤ 11 + ⌈N/100⌉):\n\n` +
          `${formatRenderRequestsTable(render)}\n` +
          'peak RSS = maxRSS of the child process that rendered (Probot, the App, nock and the stand-in; git children not included), before the status comment; growth = over its RSS before the harness started.\n' +
          (renderMissed.length
            ? `MISSED TARGET: ${renderMissed.map((r) => `${r.files} files took ${r.requests} requests`).join(', ')}\n`
            : 'Render request target met for every N.\n') +
          `\nAction bundle: ${(action.entryBytes / 1024).toFixed(0)} KiB entry, ` +
          `${(action.bundleBytes / 1024).toFixed(0)} KiB in all; start to first output ${action.firstOutputMs.toFixed(0)} ms ` +
          `median (target < ${action.targetMs} ms: ${action.pass ? 'met' : 'MISSED'}); peak RSS of a run to its exit ${action.peakRssMiB.toFixed(0)} MiB.\n` +
          `\nApp server under an unsigned webhook flood:\n\n${formatWebhookMemoryTable(webhookMemory)}\n`,
      )
    }
  } finally {
    await removeRoot()
  }
}

await main()
