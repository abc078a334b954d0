/**
 * The Action's start-up (docs/benchmarks.md: "bundle start to first output < 300 ms"): the size of the
 * committed bundle and the wall time from spawning `node action/dist/index.js` to the first byte it
 * writes to stdout, as the runner would start it for `mode: run`.
 *
 * The run is given valid inputs and a `GITHUB_WORKSPACE` that does not exist, so it parses its inputs,
 * prints its first lines (the token mask, then `Gittrix run: …`) and then stops at "not a git work
 * tree" without touching any network; only the time to the first output is measured, the process is
 * then left to exit. Build the bundle first (`npm run build:action`).
 *
 * `node --experimental-strip-types test/bench/action-start.ts` prints the figures as JSON.
 */
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { median } from './fixture.ts'

/** The figures {@link measureActionStart} reports. */
export interface ActionStartResult {
  /** Bytes of action/dist/index.js (what every mode loads). */
  entryBytes: number
  /** Bytes of everything in action/dist (the entry plus lazily loaded chunks). */
  bundleBytes: number
  /** Median ms from spawn to the first stdout byte. */
  firstOutputMs: number
  /** Every timed sample, ms. */
  samplesMs: number[]
  /** The target in docs/benchmarks.md, ms. */
  targetMs: number
  pass: boolean
  /** Peak RSS of one run from start to exit, MiB (`maxRSS`, read by an exit hook preloaded with `--import`). */
  peakRssMiB: number
}

const DIST = resolve(import.meta.dirname, '../../action/dist')

/** How the runner would start the bundle for `mode: run`, with `nodeArgs` before the entry (stdout and stderr piped). */
function startAction(nodeArgs: readonly string[]) {
  return spawn(process.execPath, [...nodeArgs, join(DIST, 'index.js')], {
    cwd: tmpdir(),
    env: {
      PATH: process.env.PATH,
      INPUT_MODE: 'run',
      INPUT_TASK: 'benchmark',
      INPUT_RUN: 'true',
      INPUT_TOKEN: 'bench-token-not-used',
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_WORKSPACE: join(tmpdir(), 'gittrix-bench-no-such-workspace'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

const RSS_MARK = 'gittrix-bench-max-rss-kib:'
/** An exit hook, preloaded with `--import`, that prints the process's peak RSS (KiB) on stderr. */
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\n${RSS_MARK}'+process.resourceUsage().maxRSS+'\\n'))`

/** One run of the bundle to its exit; resolves its peak RSS in MiB. */
function peakRssMiB(): Promise<number> {
  return new Promise((done, fail) => {
    const child = startAction([`--import=${RSS_HOOK}`])
    const err: Buffer[] = []
    child.stdout.resume()
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', fail)
    child.on('close', () => {
      const kib = new RegExp(`${RSS_MARK}(\\d+)`).exec(Buffer.concat(err).toString('utf8'))?.[1]
      if (kib) done(Math.round((Number(kib) / 1024) * 10) / 10)
      else fail(new Error('the Action exited without the peak-RSS hook printing; is action/dist built?'))
    })
  })
}

function firstOutputMs(): Promise<number> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint()
    const child = startAction([])
    child.stderr.resume()
    let seen = false
    child.stdout.once('data', () => {
      seen = true
      done(Number(process.hrtime.bigint() - started) / 1e6)
    })
    child.stdout.resume()
    child.on('error', fail)
    child.on('close', () => {
      if (!seen) fail(new Error('the Action printed nothing; is action/dist built?'))
    })
  })
}

/** Measures the bundle: sizes, then `reps` timed starts after one warm-up, then one run to exit for its peak RSS. */
export async function measureActionStart(reps = 10): Promise<ActionStartResult> {
  const files = readdirSync(DIST).map((name) => statSync(join(DIST, name)).size)
  const entryBytes = statSync(join(DIST, 'index.js')).size
  await firstOutputMs()
  const samplesMs: number[] = []
  for (let i = 0; i < reps; i++) samplesMs.push(await firstOutputMs())
  const firstOutput = median(samplesMs)
  const targetMs = 300
  return {
    entryBytes,
    bundleBytes: files.reduce((a, b) => a + b, 0),
    firstOutputMs: Math.round(firstOutput * 10) / 10,
    samplesMs: samplesMs.map((ms) => Math.round(ms * 10) / 10),
    targetMs,
    pass: firstOutput < targetMs,
    peakRssMiB: await peakRssMiB(),
  }
}

if (import.meta.filename === process.argv[1]) {
  console.log(JSON.stringify(await measureActionStart(), null, 2))
}
