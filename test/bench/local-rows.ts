/**
 * The local rows of `npm run bench` (test/bench/run.ts): session start per workspace kind, promotion
 * and diff of touched files, each against the plain git it stands in for, on a generated repository
 * of a given {@link Layout} (20,000 files for the main rows, 100,000 for `--only scale`). Each group
 * of rows runs in its own process (test/bench/child.ts), so its peak RSS is its own:
 * `node --experimental-strip-types test/bench/local-rows.ts '<RowGroupSpec as JSON>'` prints its rows.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter, type UserSession } from '../../src/index.ts'
import { peakRss, runInChild } from './child.ts'
import { removeTree } from '../../src/core/remove-tree.ts'
import {
  BENCH_GIT_ENV,
  cpuMs,
  editFiles,
  fileCount,
  filePath,
  git,
  gitText,
  type Layout,
  median,
  touchedIndices,
  transferObjects,
} from './fixture.ts'

/** One measured comparison. Times in ms, RSS in MiB. */
export interface Row {
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
  /** Peak RSS of the process that measured this row's group (Gittrix and the plain driver; git children not included). */
  peakRssMiB: number
  /** Its growth over the process's RSS before the group's first repetition. */
  peakRssGrowthMiB: number
}

/** One timed call: wall ms and CPU ms (this process + exited children; `null` when not measurable). */
interface Sample {
  wall: number
  cpu: number | null
}

/** What one child process measures: a group of rows on the repository `durable` at `baseline`. */
export interface RowGroupSpec {
  group: 'start-clone' | 'start-worktree' | 'promote' | 'diff'
  durable: string
  baseline: string
  /** A directory for workspaces and session stores. */
  root: string
  layout: Layout
  /** Files touched by the promote and diff groups. */
  touched: number
  reps: number
  /** Prefix of the row ids (`scale-` for the 100,000-file rows). */
  idPrefix: string
}

/** Untimed runs before the timed repetitions of every row. */
export const WARMUP = 1

/** A row before its peak RSS is known. */
type RowOf = Omit<Row, 'peakRssMiB' | 'peakRssGrowthMiB'>

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

function row(id: string, operation: string, target: number, plain: string, g: Sample[], p: Sample[]): RowOf {
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
  layout: Layout,
  sessions: readonly UserSession[],
  plainIndexes: readonly { dir: string; index?: string }[],
) {
  await sleep(1100)
  const untouched = filePath(fileCount(layout) - 1, layout)
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

/** Session start of one workspace kind against its plain git equivalent. */
async function benchStart(spec: RowGroupSpec, kind: 'clone' | 'worktree'): Promise<RowOf> {
  const { root, durable, baseline, layout } = spec
  const count = fileCount(layout)
  const trix = gittrixFor(durable, kind, join(root, `store-start-${kind}`))
  const plainRoot = join(root, `plain-start-${kind}`)
  await mkdir(plainRoot, { recursive: true })
  const g: Sample[] = []
  const p: Sample[] = []
  const startGittrix = async (): Promise<Sample> => {
    let session: UserSession | undefined
    const ms = await time(async () => {
      session = await trix.startSession({ task: 'bench start' })
    })
    if ((await session!.read(filePath(count - 1, layout))).byteLength === 0) throw new Error('empty checkout')
    await session!.discard()
    return ms
  }
  const plainStart = async (rep: number): Promise<Sample> => {
    const dir = join(plainRoot, `${kind}-${rep}`)
    if (kind === 'clone') {
      const ms = await time(() => git(['clone', '--quiet', '--shared', durable, dir]))
      await removeTree(dir)
      return ms
    }
    const ms = await time(() =>
      git([`--git-dir=${durable}`, 'worktree', 'add', '--quiet', '--detach', dir, baseline]),
    )
    await git([`--git-dir=${durable}`, 'worktree', 'remove', '--force', dir])
    return ms
  }
  for (let rep = 0; rep < WARMUP + spec.reps; rep++) {
    log(`  start (${kind}): repetition ${rep + 1}/${WARMUP + spec.reps}${rep < WARMUP ? ' (warm-up)' : ''}`)
    const [gs, ps] = await pair(rep, startGittrix, () => plainStart(rep))
    if (rep < WARMUP) continue
    g.push(gs)
    p.push(ps)
  }
  if (kind === 'worktree') await git([`--git-dir=${durable}`, 'worktree', 'prune'])
  return row(
    `${spec.idPrefix}start-${kind}`,
    `session start, ${kind} kind (${count.toLocaleString('en')} files)`,
    1.2,
    kind === 'clone'
      ? 'git clone --shared <repo> <dir> (includes the checkout)'
      : 'git worktree add --detach <dir> <baseline>',
    g,
    p,
  )
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

/** Promotion of `spec.touched` files: `session.promote()` vs {@link plainPromote}. */
async function benchPromote(spec: RowGroupSpec): Promise<RowOf> {
  const { root, durable, baseline, layout, touched } = spec
  const runs = WARMUP + spec.reps
  const creates = Array.from({ length: runs }, (_, i) => [
    `create refs/heads/bench-g${i} ${baseline}`,
    `create refs/heads/bench-p${i} ${baseline}`,
  ]).flat()
  await git([`--git-dir=${durable}`, 'update-ref', '--stdin'], { input: `${creates.join('\n')}\n` })

  log(`  promote: preparing ${runs} Gittrix sessions and ${runs} plain workspaces with ${touched} edits each`)
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
  await settle(layout, sessions, plain)
  const indices = touchedIndices(touched, layout)
  for (let i = 0; i < runs; i++) {
    await editFiles(sessions[i]!.workspacePath!, indices, `g${i}`, layout)
    await editFiles(plain[i]!.dir, indices, `p${i}`, layout)
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
    if (files !== touched) throw new Error(`Gittrix promoted ${files} files, expected ${touched}`)
    const changed = await gitText([
      `--git-dir=${durable}`,
      'diff-tree',
      '-r',
      '--name-only',
      `refs/heads/bench-p${i}^`,
      `refs/heads/bench-p${i}`,
    ])
    if (changed.split('\n').length !== touched)
      throw new Error(`the plain promotion did not change ${touched} files`)
    if (i < WARMUP) continue
    g.push(gm)
    p.push(pm)
  }
  return row(
    `${spec.idPrefix}promote`,
    `promote ${touched.toLocaleString('en')} touched files of ${fileCount(layout).toLocaleString('en')} (commit strategy)`,
    1.5,
    'add -A + write-tree (temp index) + diff-tree, pack-objects | index-pack, read-tree + update-index + write-tree (temp index) + commit-tree + update-ref <new> <old>',
    g,
    p,
  )
}

/**
 * Diff of `spec.touched` files: `session.diff()` vs `git diff <baseline>` in a plain workspace. Every
 * repetition first rewrites the touched files with new content on both sides (untimed), then times the
 * first diff after those edits and a repeated
 * diff (the snapshot is current). `git diff` writes nothing, so its cost is the same both times.
 */
async function benchDiff(spec: RowGroupSpec): Promise<RowOf[]> {
  const { root, durable, baseline, layout, touched } = spec
  const trix = gittrixFor(durable, 'clone', join(root, 'store-diff'))
  const session = await trix.startSession({ task: 'bench diff' })
  const ws = await plainWorkspace(durable, join(root, 'plain-diff'))
  await settle(layout, [session], [{ dir: ws.dir }])
  const count = (patch: string) => patch.match(/^diff --git /gm)?.length ?? 0
  const check = (gPatch: string, pPatch: string) => {
    if (count(gPatch) !== touched || count(pPatch) !== touched) {
      throw new Error(
        `diff covered ${count(gPatch)} (Gittrix) / ${count(pPatch)} (git) files, expected ${touched}`,
      )
    }
  }

  const samples = {
    gFirst: [] as Sample[],
    pFirst: [] as Sample[],
    gAgain: [] as Sample[],
    pAgain: [] as Sample[],
  }
  const indices = touchedIndices(touched, layout)
  for (let i = 0; i < WARMUP + spec.reps; i++) {
    log(`  diff: repetition ${i + 1}/${WARMUP + spec.reps}${i < WARMUP ? ' (warm-up)' : ''}`)
    await editFiles(session.workspacePath!, indices, `r${i}`, layout)
    await editFiles(ws.dir, indices, `r${i}`, layout)
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
  const plain = `git diff <baseline> in a git clone --shared workspace (the same ${touched.toLocaleString('en')} edits)`
  const of = `${touched.toLocaleString('en')} touched files of ${fileCount(layout).toLocaleString('en')}`
  return [
    row(
      `${spec.idPrefix}diff-first`,
      `diff of ${of}, first call after the edits`,
      1.5,
      plain,
      samples.gFirst,
      samples.pFirst,
    ),
    row(`${spec.idPrefix}diff-again`, `diff of ${of}, repeated`, 1.5, plain, samples.gAgain, samples.pAgain),
  ]
}

/** Measures one group in this process and adds its peak RSS to each of its rows. */
export async function measureRowGroup(spec: RowGroupSpec): Promise<Row[]> {
  // Its own directory under `spec.root`, removed afterwards (a 100,000-file promote group leaves 12 work trees).
  const root = await mkdtemp(join(spec.root, `${spec.idPrefix}${spec.group}-`))
  try {
    const own = { ...spec, root }
    const rssBefore = process.memoryUsage().rss
    const rows =
      spec.group === 'start-clone'
        ? [await benchStart(own, 'clone')]
        : spec.group === 'start-worktree'
          ? [await benchStart(own, 'worktree')]
          : spec.group === 'promote'
            ? [await benchPromote(own)]
            : await benchDiff(own)
    const rss = peakRss(rssBefore)
    return rows.map((r) => ({ ...r, ...rss }))
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

/** Runs {@link measureRowGroup} in a fresh node process (test/bench/child.ts). */
export function measureRowGroupInChild(spec: RowGroupSpec): Promise<Row[]> {
  return runInChild<Row[]>(import.meta.filename, [JSON.stringify(spec)])
}

if (process.argv[1] === import.meta.filename) {
  Object.assign(process.env, BENCH_GIT_ENV)
  const rows = await measureRowGroup(JSON.parse(process.argv[2]!) as RowGroupSpec)
  process.stdout.write(`${JSON.stringify(rows)}\n`)
}
