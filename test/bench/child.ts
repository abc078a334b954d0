/**
 * Runs one benchmark measurement in a fresh node process, so the peak RSS it reports (`maxRSS` of that
 * process: Gittrix and the plain driver, git children not included) is that measurement's own and not
 * what earlier rows left behind. The child script prints one JSON document on stdout.
 */
import { spawn } from 'node:child_process'
import { BENCH_GIT_ENV } from './fixture.ts'

/** Runs `node --experimental-strip-types <script> <args…>` and resolves its stdout parsed as JSON. */
export function runInChild<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...BENCH_GIT_ENV },
    })
    const out: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${script} ${args.join(' ')} exited ${code}`))
      else resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as T)
    })
  })
}

/** Peak RSS of this process so far and its growth over `rssBefore` (bytes), both in MiB to 0.1. */
export function peakRss(rssBefore: number): { peakRssMiB: number; peakRssGrowthMiB: number } {
  const peak = process.resourceUsage().maxRSS * 1024
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10
  return { peakRssMiB: mib(peak), peakRssGrowthMiB: mib(peak - rssBefore) }
}
