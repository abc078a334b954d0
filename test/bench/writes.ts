/**
 * Benchmark row "agent writes" (issue 15, target 1): 1,000 `AgentSession.write` calls of small files
 * and one `commit` in a session of each local workspace kind, against the plain equivalent measured in
 * the same run: `fs.writeFile` × 1,000 in a plain work tree of the same kind ({@link plainWorkspace}),
 * then `git add -A` and `git commit` (`gc.auto=0`, as Gittrix's sealed git runs). Both sides write the same edits one after the other (each awaited, as an agent's tool
 * calls are), into workspaces made and settled before the clock starts.
 *
 * Run on its own, `node --experimental-strip-types test/bench/writes.ts <durable.git> <kind> <reps>`
 * measures one kind in a fresh process and prints its {@link WriteRow} as JSON: `npm run bench` runs
 * one such child per kind, so each row's peak RSS (`maxRSS` of that process) is its own.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter, type UserSession } from '../../src/index.ts'
import { peakRss, runInChild } from './child.ts'
import { BENCH_GIT_ENV, editedContent, filePath, git, gitText, median, touchedIndices } from './fixture.ts'

/** Files written per repetition. */
export const WRITES = 1000
/** Target: Gittrix time ≤ this × the plain time of the same run. */
export const WRITES_TARGET = 1.5

/** One kind's measurement. Times in ms, RSS in MiB. */
export interface WriteRow {
  kind: 'clone' | 'worktree' | 'copy'
  gittrixMs: number
  plainMs: number
  ratio: number
  target: number
  pass: boolean
  /** Median of the per-repetition ratios (both sides of a repetition back to back). */
  pairedRatio: number
  gittrixSamplesMs: number[]
  plainSamplesMs: number[]
  /** Peak resident set of the process that ran this row (Gittrix and the plain driver; git children not included). */
  peakRssMiB: number
  /** Peak RSS growth over the process's RSS before the first repetition. */
  peakRssGrowthMiB: number
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

/**
 * The plain workspace a script would use for `kind`: `git worktree add --detach` of the durable
 * repository for `worktree` (objects written into the durable repository's store, as Gittrix's are),
 * `git clone --shared` for `clone` and `copy` (a copy workspace's private git directory borrows the
 * durable objects the same way).
 */
async function plainWorkspace(durable: string, kind: WriteRow['kind'], dir: string): Promise<string> {
  if (kind === 'worktree')
    await git([`--git-dir=${durable}`, 'worktree', 'add', '--quiet', '--detach', dir, 'refs/heads/main'])
  else await git(['clone', '--quiet', '--shared', durable, dir])
  return dir
}

/** Measures one kind (`reps` timed repetitions after one warm-up) in this process. */
export async function measureWrites(
  durable: string,
  kind: WriteRow['kind'],
  reps: number,
): Promise<WriteRow> {
  const root = await mkdtemp(join(durable, '..', `writes-${kind}-`))
  try {
    const trix = new GitTrix({
      durable: new LocalDurableAdapter({ path: durable, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind }),
      storeDir: join(root, 'store'),
      sweepIntervalMs: 0,
    })
    const runs = reps + 1
    const sessions: UserSession[] = []
    const plain: string[] = []
    for (let i = 0; i < runs; i++) {
      sessions.push(await trix.startSession({ task: `bench writes ${kind} ${i}` }))
      plain.push(await plainWorkspace(durable, kind, join(root, `plain-${i}`)))
    }
    // No racily clean index entries on either side (see settle() in run.ts).
    await sleep(1100)
    for (const s of sessions) await s.touchedFiles()
    for (const dir of plain) await git(['update-index', '-q', '--refresh'], { cwd: dir })

    const indices = touchedIndices(WRITES)
    const g: number[] = []
    const p: number[] = []
    const rssBefore = process.memoryUsage().rss
    for (let i = 0; i < runs; i++) {
      const agent = sessions[i]!.forAgent()
      const tag = `w${i}`
      const gittrixRun = () =>
        timed(async () => {
          for (const k of indices) await agent.write(filePath(k), editedContent(k, tag))
          await agent.commit('bench: 1,000 writes')
        })
      const plainRun = () =>
        timed(async () => {
          for (const k of indices) await writeFile(join(plain[i]!, filePath(k)), editedContent(k, tag))
          await git(['add', '-A'], { cwd: plain[i]! })
          await git(['-c', 'gc.auto=0', 'commit', '--quiet', '-m', 'bench: 1,000 writes'], { cwd: plain[i]! })
        })
      let gm: number
      let pm: number
      if (i % 2 === 0) {
        gm = await gittrixRun()
        pm = await plainRun()
      } else {
        pm = await plainRun()
        gm = await gittrixRun()
      }
      // Both sides committed exactly the 1,000 edits.
      const changed = await gitText(['diff', '--name-only', 'HEAD^', 'HEAD'], { cwd: plain[i]! })
      if (changed.split('\n').length !== WRITES) throw new Error('the plain commit did not hold 1,000 files')
      const theirs = (await sessions[i]!.touchedFiles()).length
      if (theirs !== WRITES) throw new Error(`the session shows ${theirs} touched files, expected ${WRITES}`)
      const last = filePath(indices.at(-1)!)
      if (
        (await readFile(join(sessions[i]!.workspacePath!, last), 'utf8')) !==
        editedContent(indices.at(-1)!, tag)
      )
        throw new Error('the last write is not in the workspace')
      if (i === 0) continue
      g.push(gm)
      p.push(pm)
    }
    const rss = peakRss(rssBefore)
    for (const s of sessions) await s.discard()
    if (kind === 'worktree') {
      for (const dir of plain) await git([`--git-dir=${durable}`, 'worktree', 'remove', '--force', dir])
    }
    const gittrixMs = median(g)
    const plainMs = median(p)
    return {
      kind,
      gittrixMs,
      plainMs,
      ratio: gittrixMs / plainMs,
      target: WRITES_TARGET,
      pass: gittrixMs / plainMs <= WRITES_TARGET,
      pairedRatio: median(g.map((ms, i) => ms / p[i]!)),
      gittrixSamplesMs: g.map((ms) => Math.round(ms)),
      plainSamplesMs: p.map((ms) => Math.round(ms)),
      ...rss,
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

/** Runs {@link measureWrites} for `kind` in a fresh node process (its own peak RSS, test/bench/child.ts) and resolves its row. */
export function measureWritesInChild(
  durable: string,
  kind: WriteRow['kind'],
  reps: number,
): Promise<WriteRow> {
  return runInChild<WriteRow>(import.meta.filename, [durable, kind, String(reps)])
}

/** A markdown table of write rows. */
export function formatWritesTable(rows: readonly WriteRow[]): string {
  return [
    '| kind | gittrix median ms | plain median ms | ratio | target | result | paired ratio | peak RSS MiB (growth) |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.kind} | ${r.gittrixMs.toFixed(0)} | ${r.plainMs.toFixed(0)} | ${r.ratio.toFixed(2)}× | ≤ ${r.target}× | ${r.pass ? 'pass' : '**MISS**'} | ${r.pairedRatio.toFixed(2)}× | ${r.peakRssMiB.toFixed(0)} (+${r.peakRssGrowthMiB.toFixed(0)}) |`,
    ),
  ].join('\n')
}

if (process.argv[1] === import.meta.filename) {
  const [durable, kind, reps] = process.argv.slice(2)
  Object.assign(process.env, BENCH_GIT_ENV)
  const row = await measureWrites(durable!, kind as WriteRow['kind'], Number(reps) || 5)
  process.stdout.write(`${JSON.stringify(row)}\n`)
}
