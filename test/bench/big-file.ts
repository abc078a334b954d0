/**
 * Benchmark row "a 500 MB file" (issue 15, target 5): peak RSS of `session.diffDetails()` and then
 * `session.promote()` of a session whose workspace holds one new 500 MiB file of random bytes (put
 * there by `dd`, as an agent's shell would: it never passes through JS). Reported, not asserted: a peak
 * RSS growth near the file's size would mean the file was read into this process.
 *
 * Run on its own, `node --experimental-strip-types test/bench/big-file.ts <dir> <kind>` measures one
 * workspace kind in a fresh process and prints its {@link BigFileRow} as JSON; `npm run bench` runs one
 * such child per kind (test/bench/child.ts).
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter } from '../../src/index.ts'
import { peakRss, runInChild } from './child.ts'
import { BENCH_GIT_ENV, git, gitText } from './fixture.ts'

/** Size of the file, MiB. */
export const BIG_FILE_MIB = 500

/** One kind's measurement. Times in ms, RSS in MiB. */
export interface BigFileRow {
  kind: 'clone' | 'worktree' | 'copy'
  fileMiB: number
  diffMs: number
  promoteMs: number
  /** RSS of the process before the diff. */
  rssBeforeMiB: number
  /** Peak RSS after the diff, and its growth over `rssBeforeMiB`. */
  diffPeakRssMiB: number
  diffPeakRssGrowthMiB: number
  /** Peak RSS after the promotion too, and its growth over `rssBeforeMiB`. */
  peakRssMiB: number
  peakRssGrowthMiB: number
}

/** Measures one kind in this process, under `parent` (a temporary directory is made and removed there). */
export async function measureBigFile(parent: string, kind: BigFileRow['kind']): Promise<BigFileRow> {
  const root = await mkdtemp(join(parent, `big-${kind}-`))
  try {
    const durable = join(root, 'durable.git')
    await git(['init', '--quiet', '--bare', '--initial-branch=main', durable])
    const readme = '# Big file\n'
    await git([`--git-dir=${durable}`, 'fast-import', '--quiet', '--done'], {
      input:
        'commit refs/heads/main\ncommitter Bench <b@bench.invalid> 1767225600 +0000\ndata 5\nbase\n' +
        `M 100644 inline README.md\ndata ${readme.length}\n${readme}\ndone\n`,
    })
    const trix = new GitTrix({
      durable: new LocalDurableAdapter({ path: durable, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind }),
      storeDir: join(root, 'store'),
      sweepIntervalMs: 0,
    })
    const session = await trix.startSession({ task: `bench big file ${kind}` })
    const file = join(session.workspacePath!, 'big.bin')
    execFileSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', `count=${BIG_FILE_MIB}`, 'status=none'])
    const rssBefore = process.memoryUsage().rss
    let start = performance.now()
    const diff = await session.diffDetails()
    const diffMs = performance.now() - start
    if (diff.files.length !== 1 || diff.files[0]!.path !== 'big.bin' || !diff.files[0]!.binary)
      throw new Error(`the diff shows ${JSON.stringify(diff.files)}, expected big.bin as binary`)
    const afterDiff = peakRss(rssBefore)
    start = performance.now()
    const promotion = await session.promote({ selector: { mode: 'all' }, strategy: 'commit' })
    const promoteMs = performance.now() - start
    const after = peakRss(rssBefore)
    const size = Number(await gitText([`--git-dir=${durable}`, 'cat-file', '-s', 'refs/heads/main:big.bin']))
    if (promotion.files.join() !== 'big.bin' || size !== BIG_FILE_MIB * 1024 * 1024)
      throw new Error(`promoted ${promotion.files.join()} (${size} bytes), expected big.bin`)
    return {
      kind,
      fileMiB: BIG_FILE_MIB,
      diffMs: Math.round(diffMs),
      promoteMs: Math.round(promoteMs),
      rssBeforeMiB: Math.round((rssBefore / 1024 / 1024) * 10) / 10,
      diffPeakRssMiB: afterDiff.peakRssMiB,
      diffPeakRssGrowthMiB: afterDiff.peakRssGrowthMiB,
      ...after,
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

/** Runs {@link measureBigFile} for `kind` in a fresh node process and resolves its row. */
export function measureBigFileInChild(parent: string, kind: BigFileRow['kind']): Promise<BigFileRow> {
  return runInChild<BigFileRow>(import.meta.filename, [parent, kind])
}

/** A markdown table of big-file rows. */
export function formatBigFileTable(rows: readonly BigFileRow[]): string {
  return [
    '| kind | diff ms | promote ms | RSS before MiB | peak RSS after diff MiB (growth) | peak RSS after promote MiB (growth) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.kind} | ${r.diffMs} | ${r.promoteMs} | ${r.rssBeforeMiB.toFixed(0)} | ${r.diffPeakRssMiB.toFixed(0)} (+${r.diffPeakRssGrowthMiB.toFixed(0)}) | ${r.peakRssMiB.toFixed(0)} (+${r.peakRssGrowthMiB.toFixed(0)}) |`,
    ),
  ].join('\n')
}

if (process.argv[1] === import.meta.filename) {
  const [parent, kind] = process.argv.slice(2)
  Object.assign(process.env, BENCH_GIT_ENV)
  process.stdout.write(`${JSON.stringify(await measureBigFile(parent!, kind as BigFileRow['kind']))}\n`)
}
