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
 *      bytes ≤ 2×) and the App rendering N changed files (≤ 12 + ⌈N/100⌉), counted on the stand-ins
 *   5. agent writes: 1,000 `AgentSession.write` calls + one `commit`, per workspace kind, vs
 *      `fs.writeFile` × 1,000 + `git add -A && git commit` (target ≤ 1.5×), each kind in its own
 *      process so its peak RSS is its own (test/bench/writes.ts)
 *
 * Then GitHub API requests per promotion, the Action bundle's start, and the App server's peak memory
 * under an unsigned 256 MB webhook POST (test/bench/webhook-memory.ts).
 *
 * Options: `--json`, `--reps <n>` (timed repetitions per operation, default 5; one warm-up run comes
 * first), `--only writes` (just the agent-writes rows, for repeating that noisy row), `--dir <path>` (where the temporary repositories go; also `GITTRIX_BENCH_DIR`). The default is
 * `/dev/shm` when it exists: on tmpfs the kernel's file-system work (journal, discard, writeback) stays
 * out of the ratios, and git's own work is cheapest there, so Gittrix's fixed costs weigh the most.
 */
import { access, constants, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism as availableCores, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter, type UserSession } from '../../src/index.ts'
import { measureActionStart } from './action-start.ts'
import { formatGitHubRequestsTable, githubPromotionRequests } from './github-requests.ts'
import { formatWebhookMemoryTable, measureWebhookMemory } from './webhook-memory.ts'
import { formatRenderRequestsTable, renderRequests } from './render-requests.ts'
import { formatWritesTable, measureWritesInChild, WRITES, WRITES_TARGET, type WriteRow } from './writes.ts'
import {
  BENCH_GIT_ENV,
  cpuMs,
  editFiles,
  FILE_COUNT,
  filePath,
  generateRepository,
  git,
  gitText,
  median,
  touchedIndices,
  transferObjects,
} from './fixture.ts'

/** One measured comparison. */
interface Row {
  id: string
  operation: string
  gittrixMs: number
  plainMs: number
  ratio: number
  target: number
  pass: boolean
  /** Median of the per-repetition ratios (each pair measured back to back). */
  pairedRatio: number
  /** Median CPU ms (this process + git children), when measurable. */
  gittrixCpuMs: number | null
  plainCpuMs: number | null
  gittrixSamplesMs: number[]
  plainSamplesMs: number[]
  plain: string
}

/** One timed call: wall ms and CPU ms (this process + exited children; `null` when not measurable). */
interface Sample {
  wall: number
  cpu: number | null
}

const TOUCHED = 1000
const WARMUP = 1

const argv = process.argv.slice(2)
const asJson = argv.includes('--json')
const repsArg = argv.indexOf('--reps')
const REPS = repsArg >= 0 ? Math.max(1, Number(argv[repsArg + 1]) || 5) : 5
const dirArg = argv.indexOf('--dir')
const onlyArg = argv.indexOf('--only')
const ONLY = onlyArg >= 0 ? argv[onlyArg + 1] : undefined
if (ONLY !== undefined && ONLY !== 'writes') throw new Error(`--only takes "writes", not ${ONLY}`)

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

// Gittrix inherits this environment, so both sides run git with the same fixed identity and no user config.
Object.assign(process.env, BENCH_GIT_ENV)

const log = (message: string) => process.stderr.write(`${message}\n`)

/** Times one async call: wall ms and CPU ms. */
async function time(fn: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = cpuMs()
  const start = performance.now()
  await fn()
  const wall = performance.now() - start
  const cpu1 = cpuMs()
  return { wall, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 }
}

/** Runs the two sides of one repetition back to back, alternating who goes first (page cache, writeback and other load hit both). */
async function pair(
  rep: number,
  g: () => Promise<Sample>,
  p: () => Promise<Sample>,
): Promise<[Sample, Sample]> {
  if (rep % 2 === 0) {
    const a = await g()
    return [a, await p()]
  }
  const b = await p()
  return [await g(), b]
}

function row(id: string, operation: string, target: number, plain: string, g: Sample[], p: Sample[]): Row {
  const gittrixMs = median(g.map((s) => s.wall))
  const plainMs = median(p.map((s) => s.wall))
  const ratio = gittrixMs / plainMs
  const cpu = (samples: Sample[]) =>
    samples.every((s) => s.cpu !== null) ? median(samples.map((s) => s.cpu!)) : null
  return {
    id,
    operation,
    gittrixMs,
    plainMs,
    ratio,
    target,
    pass: ratio <= target,
    pairedRatio: median(g.map((s, i) => s.wall / p[i]!.wall)),
    gittrixCpuMs: cpu(g),
    plainCpuMs: cpu(p),
    gittrixSamplesMs: g.map((s) => Math.round(s.wall * 10) / 10),
    plainSamplesMs: p.map((s) => Math.round(s.wall * 10) / 10),
    plain,
  }
}

/**
 * Lets the workspaces' indexes stop being "racily clean". Files checked out in the same second as an
 * index was written make git re-read every such file on each use until the index is rewritten later
 * (git without nanosecond timestamps). An agent works far longer than a second, so both sides first
 * wait for the clock to move on, then get their index rewritten once: Gittrix through a snapshot
 * (one file rewritten with its own content, then `touchedFiles()`), plain git with `update-index --refresh`.
 */
async function settle(
  sessions: readonly UserSession[],
  plainIndexes: readonly { dir: string; index?: string }[],
) {
  await sleep(1100)
  const untouched = filePath(FILE_COUNT - 1)
  for (const session of sessions) {
    const file = join(session.workspacePath!, untouched)
    await writeFile(file, await readFile(file))
    await session.touchedFiles()
  }
  for (const ws of plainIndexes) {
    await git(['update-index', '-q', '--refresh'], {
      cwd: ws.dir,
      ...(ws.index ? { env: { GIT_INDEX_FILE: ws.index } } : {}),
    })
  }
}

function gittrixFor(durable: string, kind: 'clone' | 'worktree', storeDir: string): GitTrix {
  return new GitTrix({
    durable: new LocalDurableAdapter({ path: durable, branch: 'main' }),
    ephemeral: new LocalEphemeralAdapter({ kind }),
    storeDir,
    sweepIntervalMs: 0,
  })
}

/** 1. Session start: `clone` and `worktree` kinds against their plain git equivalents. */
async function benchStart(root: string, durable: string, baseline: string): Promise<Row[]> {
  const clone = gittrixFor(durable, 'clone', join(root, 'store-start'))
  const worktree = gittrixFor(durable, 'worktree', join(root, 'store-start'))
  const plainRoot = join(root, 'plain-start')
  await mkdir(plainRoot, { recursive: true })
  const samples = {
    gClone: [] as Sample[],
    pClone: [] as Sample[],
    gTree: [] as Sample[],
    pTree: [] as Sample[],
  }

  const startGittrix = async (trix: GitTrix): Promise<Sample> => {
    let session: UserSession | undefined
    const ms = await time(async () => {
      session = await trix.startSession({ task: 'bench start' })
    })
    if ((await session!.read(filePath(FILE_COUNT - 1))).byteLength === 0) throw new Error('empty checkout')
    await session!.discard()
    return ms
  }
  const plainClone = async (rep: number): Promise<Sample> => {
    const dir = join(plainRoot, `clone-${rep}`)
    const ms = await time(() => git(['clone', '--quiet', '--shared', durable, dir]))
    await rm(dir, { recursive: true, force: true })
    return ms
  }
  const plainWorktree = async (rep: number): Promise<Sample> => {
    const dir = join(plainRoot, `worktree-${rep}`)
    const ms = await time(() =>
      git([`--git-dir=${durable}`, 'worktree', 'add', '--quiet', '--detach', dir, baseline]),
    )
    await git([`--git-dir=${durable}`, 'worktree', 'remove', '--force', dir])
    return ms
  }

  for (let rep = 0; rep < WARMUP + REPS; rep++) {
    log(`  start: repetition ${rep + 1}/${WARMUP + REPS}${rep < WARMUP ? ' (warm-up)' : ''}`)
    const [gc, pc] = await pair(
      rep,
      () => startGittrix(clone),
      () => plainClone(rep),
    )
    const [gw, pw] = await pair(
      rep,
      () => startGittrix(worktree),
      () => plainWorktree(rep),
    )
    if (rep < WARMUP) continue
    samples.gClone.push(gc)
    samples.pClone.push(pc)
    samples.gTree.push(gw)
    samples.pTree.push(pw)
  }
  await git([`--git-dir=${durable}`, 'worktree', 'prune'])
  return [
    row(
      'start-clone',
      `session start, clone kind (${FILE_COUNT.toLocaleString('en')} files)`,
      1.2,
      'git clone --shared <repo> <dir> (includes the checkout)',
      samples.gClone,
      samples.pClone,
    ),
    row(
      'start-worktree',
      `session start, worktree kind (${FILE_COUNT.toLocaleString('en')} files)`,
      1.2,
      'git worktree add --detach <dir> <baseline>',
      samples.gTree,
      samples.pTree,
    ),
  ]
}

/** A plain `git clone --shared` workspace with a private index (a copy of its own), as a script would set up. */
async function plainWorkspace(
  durable: string,
  dir: string,
): Promise<{ dir: string; gitDir: string; index: string }> {
  await git(['clone', '--quiet', '--shared', durable, dir])
  const gitDir = join(dir, '.git')
  const index = join(gitDir, 'bench-index')
  // Like Gittrix's private index: a copy of the checkout's index, so stat data is fresh on both sides.
  await copyFile(join(gitDir, 'index'), index)
  return { dir, gitDir, index }
}

/**
 * The plain git plumbing of one promotion, every step a script would need: snapshot the workspace
 * into a temporary index, find the changed entries, move the new blobs, build the tree on the durable
 * head in a temporary index, commit, and move the branch with compare-and-swap.
 */
async function plainPromote(
  durable: string,
  ws: { dir: string; gitDir: string; index: string },
  baseline: string,
  branch: string,
  scratch: string,
): Promise<void> {
  const wsEnv = { GIT_INDEX_FILE: ws.index }
  await git(['add', '-A'], { cwd: ws.dir, env: wsEnv })
  const tree = await gitText(['write-tree'], { cwd: ws.dir, env: wsEnv })
  const raw = (await git(['diff-tree', '-r', '-z', '--no-renames', baseline, tree], { cwd: ws.dir }))
    .toString('utf8')
    .split('\0')
  const lines: string[] = []
  const blobs: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [, newMode, , newOid] = raw[i]!.slice(1).split(' ')
    lines.push(`${newMode} ${newOid}\t${raw[i + 1]}\0`)
    blobs.push(newOid!)
  }
  await transferObjects(ws.gitDir, durable, blobs)
  const ref = `refs/heads/${branch}`
  const head = await gitText([`--git-dir=${durable}`, 'rev-parse', '--verify', ref])
  const env = { GIT_INDEX_FILE: join(scratch, 'index') }
  await git([`--git-dir=${durable}`, 'read-tree', head], { env })
  await git([`--git-dir=${durable}`, 'update-index', '-z', '--index-info'], { env, input: lines.join('') })
  const newTree = await gitText([`--git-dir=${durable}`, 'write-tree'], { env })
  const commit = await gitText([`--git-dir=${durable}`, 'commit-tree', newTree, '-p', head], {
    input: 'plain promotion\n',
  })
  await git([`--git-dir=${durable}`, 'update-ref', '-m', 'plain promote', ref, commit, head])
}

/** 2. Promotion of 1,000 touched files: `session.promote()` vs {@link plainPromote}. */
async function benchPromote(root: string, durable: string, baseline: string): Promise<Row> {
  const runs = WARMUP + REPS
  const creates = Array.from({ length: runs }, (_, i) => [
    `create refs/heads/bench-g${i} ${baseline}`,
    `create refs/heads/bench-p${i} ${baseline}`,
  ]).flat()
  await git([`--git-dir=${durable}`, 'update-ref', '--stdin'], { input: `${creates.join('\n')}\n` })

  log(`  promote: preparing ${runs} Gittrix sessions and ${runs} plain workspaces with ${TOUCHED} edits each`)
  const trix = gittrixFor(durable, 'clone', join(root, 'store-promote'))
  const sessions: UserSession[] = []
  const plain: { dir: string; gitDir: string; index: string }[] = []
  for (let i = 0; i < runs; i++) {
    const session = await trix.startSession({
      task: `bench promote ${i}`,
      durableBranch: `bench-g${i}`,
      // The plain side leaves its workspace in place; so does Gittrix here (eviction is not promotion).
      eviction: { untilPromote: false },
    })
    sessions.push(session)
    plain.push(await plainWorkspace(durable, join(root, 'plain-promote', `ws-${i}`)))
  }
  await settle(sessions, plain)
  for (let i = 0; i < runs; i++) {
    await editFiles(sessions[i]!.workspacePath!, touchedIndices(TOUCHED), `g${i}`)
    await editFiles(plain[i]!.dir, touchedIndices(TOUCHED), `p${i}`)
  }
  const scratch = await mkdtemp(join(root, 'scratch-'))

  const g: Sample[] = []
  const p: Sample[] = []
  for (let i = 0; i < runs; i++) {
    log(`  promote: repetition ${i + 1}/${runs}${i < WARMUP ? ' (warm-up)' : ''}`)
    let files = 0
    const gittrixRun = () =>
      time(async () => {
        files = (await sessions[i]!.promote({ selector: { mode: 'all' }, strategy: 'commit' })).files.length
      })
    const plainRun = () => time(() => plainPromote(durable, plain[i]!, baseline, `bench-p${i}`, scratch))
    const [gm, pm] = await pair(i, gittrixRun, plainRun)
    if (files !== TOUCHED) throw new Error(`Gittrix promoted ${files} files, expected ${TOUCHED}`)
    const changed = await gitText([
      `--git-dir=${durable}`,
      'diff-tree',
      '-r',
      '--name-only',
      `refs/heads/bench-p${i}^`,
      `refs/heads/bench-p${i}`,
    ])
    if (changed.split('\n').length !== TOUCHED)
      throw new Error('the plain promotion did not change 1,000 files')
    if (i < WARMUP) continue
    g.push(gm)
    p.push(pm)
  }
  return row(
    'promote',
    `promote ${TOUCHED.toLocaleString('en')} touched files (commit strategy)`,
    1.5,
    'add -A + write-tree (temp index) + diff-tree, pack-objects | index-pack, read-tree + update-index + write-tree (temp index) + commit-tree + update-ref <new> <old>',
    g,
    p,
  )
}

/**
 * 3. Diff of 1,000 touched files: `session.diff()` vs `git diff <baseline>` in a plain workspace. Every
 * repetition first rewrites the 1,000 files with new content on both sides (untimed), then times the
 * first diff after those edits (Gittrix snapshots them: hashes and stores 1,000 blobs) and a repeated
 * diff (the snapshot is current). `git diff` writes nothing, so its cost is the same both times.
 */
async function benchDiff(root: string, durable: string, baseline: string): Promise<Row[]> {
  const trix = gittrixFor(durable, 'clone', join(root, 'store-diff'))
  const session = await trix.startSession({ task: 'bench diff' })
  const ws = await plainWorkspace(durable, join(root, 'plain-diff'))
  await settle([session], [{ dir: ws.dir }])
  const count = (patch: string) => patch.match(/^diff --git /gm)?.length ?? 0
  const check = (gPatch: string, pPatch: string) => {
    if (count(gPatch) !== TOUCHED || count(pPatch) !== TOUCHED) {
      throw new Error(
        `diff covered ${count(gPatch)} (Gittrix) / ${count(pPatch)} (git) files, expected ${TOUCHED}`,
      )
    }
  }

  const samples = {
    gFirst: [] as Sample[],
    pFirst: [] as Sample[],
    gAgain: [] as Sample[],
    pAgain: [] as Sample[],
  }
  for (let i = 0; i < WARMUP + REPS; i++) {
    log(`  diff: repetition ${i + 1}/${WARMUP + REPS}${i < WARMUP ? ' (warm-up)' : ''}`)
    await editFiles(session.workspacePath!, touchedIndices(TOUCHED), `r${i}`)
    await editFiles(ws.dir, touchedIndices(TOUCHED), `r${i}`)
    let gPatch = ''
    let pPatch = ''
    const gittrixRun = () =>
      time(async () => {
        gPatch = await session.diff()
      })
    const plainRun = () =>
      time(async () => {
        pPatch = (await git(['diff', baseline], { cwd: ws.dir })).toString('utf8')
      })
    const [gf, pf] = await pair(i, gittrixRun, plainRun)
    check(gPatch, pPatch)
    const [ga, pa] = await pair(i + 1, gittrixRun, plainRun)
    check(gPatch, pPatch)
    if (i < WARMUP) continue
    samples.gFirst.push(gf)
    samples.pFirst.push(pf)
    samples.gAgain.push(ga)
    samples.pAgain.push(pa)
  }
  await session.discard()
  const plain = 'git diff <baseline> in a git clone --shared workspace (the same 1,000 edits)'
  return [
    row(
      'diff-first',
      `diff of ${TOUCHED.toLocaleString('en')} touched files, first call after the edits`,
      1.5,
      plain,
      samples.gFirst,
      samples.pFirst,
    ),
    row(
      'diff-again',
      `diff of ${TOUCHED.toLocaleString('en')} touched files, repeated (snapshot current)`,
      1.5,
      plain,
      samples.gAgain,
      samples.pAgain,
    ),
  ]
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
    '| operation | gittrix median ms | plain git median ms | ratio | target | result | paired ratio | CPU ms gittrix / git |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.operation} | ${fmt(r.gittrixMs)} | ${fmt(r.plainMs)} | ${r.ratio.toFixed(2)}× | ≤ ${r.target}× | ${r.pass ? 'pass' : '**MISS**'} | ${r.pairedRatio.toFixed(2)}× | ${r.gittrixCpuMs === null || r.plainCpuMs === null ? 'n/a' : `${r.gittrixCpuMs.toFixed(0)} / ${r.plainCpuMs.toFixed(0)}`} |`,
    ),
    '',
    'ratio = gittrix median / plain median (pass/fail); paired ratio = median of the per-repetition ratios;',
    'CPU = this process plus its git children (information: it hardly moves with other load on the machine).',
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
    const durable = join(root, 'durable.git')
    log(`Generating a ${FILE_COUNT.toLocaleString('en')}-file repository (bare, one commit) in ${root}`)
    const baseline = await generateRepository(durable)
    if (ONLY === 'writes') {
      const loadBefore = loadavg()[0]!.toFixed(2)
      const writes = await benchWrites(durable)
      const load = `load average ${loadBefore} / ${loadavg()[0]!.toFixed(2)} (${availableCores()} cores)`
      if (asJson) process.stdout.write(`${JSON.stringify({ writes, load }, null, 2)}\n`)
      else process.stdout.write(`${writesSection(writes)}\n- ${load}\n`)
      return
    }
    const rows: Row[] = []
    rows.push(...(await benchStart(root, durable, baseline)))
    rows.push(await benchPromote(root, durable, baseline))
    rows.push(...(await benchDiff(root, durable, baseline)))
    const writes = await benchWrites(durable)
    log(
      'Counting GitHub API requests and bytes to promote 1, 100 and 1,000 files from a session branch (2,000- and 200,000-file repositories)',
    )
    const github = await githubPromotionRequests()
    log('Counting GitHub API requests of the App to render sessions of 1, 100 and 3,000 changed files')
    const render = await renderRequests([1, 100, 3000])
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
        'both sides wait a second and rewrite their index once before timing, so no entry is racily clean (see settle())',
      'promote sessions':
        'eviction untilPromote: false (workspace removal is not timed; the plain side keeps its workspace too)',
      git: await gitText(['--version']),
      node: process.version,
      'peak RSS of this process (MiB)': (process.resourceUsage().maxRSS / 1024).toFixed(1),
      'total bench time (s)': ((performance.now() - started) / 1000).toFixed(1),
    }
    const githubMissed = github.filter((r) => r.requests > r.target || r.bytesRatio > 2)
    const renderMissed = render.filter((r) => r.requests > r.target)
    if (asJson)
      process.stdout.write(
        `${JSON.stringify({ rows, writes, github, render, action, webhookMemory, meta }, null, 2)}\n`,
      )
    else {
      process.stdout.write(`${markdown(rows, meta)}\n\n${writesSection(writes)}\n\n`)
      process.stdout.write(
        'GitHub API requests and bytes to promote N files from a session branch (targets: ≤ 10 requests for 1 file, ≤ 40 for more; bytes ≤ 2× the 2,000-file repository):\n\n' +
          `${formatGitHubRequestsTable(github)}\n` +
          (githubMissed.length
            ? `MISSED TARGET: ${githubMissed.map((r) => `${r.repoFiles} files, ${r.kind}, ${r.files} promoted: ${r.requests} requests, ${r.bytesRatio.toFixed(2)}× bytes`).join('; ')}\n`
            : 'Request target met for every N.\n') +
          `\nGitHub API requests of the App per render of a session of N changed files (target ≤ 11 + ⌈N/100⌉):\n\n` +
          `${formatRenderRequestsTable(render)}\n` +
          (renderMissed.length
            ? `MISSED TARGET: ${renderMissed.map((r) => `${r.files} files took ${r.requests} requests`).join(', ')}\n`
            : 'Render request target met for every N.\n') +
          `\nAction bundle: ${(action.entryBytes / 1024).toFixed(0)} KiB entry, ` +
          `${(action.bundleBytes / 1024).toFixed(0)} KiB in all; start to first output ${action.firstOutputMs.toFixed(0)} ms ` +
          `median (target < ${action.targetMs} ms: ${action.pass ? 'met' : 'MISSED'}).\n` +
          `\nApp server under an unsigned webhook flood:\n\n${formatWebhookMemoryTable(webhookMemory)}\n`,
      )
    }
  } finally {
    await removeRoot()
  }
}

await main()
