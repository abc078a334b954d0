/**
 * Benchmark fixtures: a plain git runner for the "plain git" side of each comparison, generated
 * repositories of 20,000 and 100,000 files (one `fast-import` run each), and the file edits an agent
 * would make.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { GIT_ENV } from '../support/git-fixtures.ts'

/**
 * The tests' git identity and dates ({@link GIT_ENV}), so the generated repositories do not depend on
 * the machine's git config; the benchmarks run outside vitest, so they apply it themselves.
 */
export const BENCH_GIT_ENV: Record<string, string> = { ...GIT_ENV, GIT_TERMINAL_PROMPT: '0' }

/** Options for {@link git}. */
export interface PlainGitOptions {
  cwd?: string
  /** Written to stdin: bytes, or chunks streamed as git reads them. */
  input?: string | Uint8Array | AsyncIterable<string>
  env?: Record<string, string>
}

/** Runs `git <args>` (a plain child process, as a script would) and resolves with stdout. Rejects on a non-zero exit. */
export function git(args: string[], options: PlainGitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new Error(`git ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8')}`))
    })
    child.stdin.on('error', () => {})
    const input = options.input ?? ''
    if (typeof input === 'string' || input instanceof Uint8Array) child.stdin.end(input)
    else Readable.from(input).pipe(child.stdin)
  })
}

/** Runs git and returns trimmed UTF-8 stdout. */
export async function gitText(args: string[], options?: PlainGitOptions): Promise<string> {
  return (await git(args, options)).toString('utf8').trim()
}

/**
 * `git pack-objects --stdout` in `fromGitDir` piped straight into `git index-pack --stdin --fix-thin`
 * in `toGitDir`: the usual way to move objects between two local repositories.
 */
export function transferObjects(
  fromGitDir: string,
  toGitDir: string,
  oids: readonly string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const pack = spawn('git', [`--git-dir=${fromGitDir}`, 'pack-objects', '--stdout', '-q'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const index = spawn('git', [`--git-dir=${toGitDir}`, 'index-pack', '--stdin', '--fix-thin'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    })
    pack.stdout.pipe(index.stdin)
    let pending = 2
    const done = (name: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${name} exited ${code}`))
      else if (--pending === 0) resolve()
    }
    pack.on('error', reject)
    index.on('error', reject)
    pack.on('close', done('pack-objects'))
    index.on('close', done('index-pack'))
    pack.stdin.end(`${oids.join('\n')}\n`)
  })
}

/** Shape of a generated repository: `d<a>/s<b>/f<c>.txt`, `top` × `sub` directories of `files` files. */
export interface Layout {
  top: number
  sub: number
  files: number
}

/** The 20,000-file repository of the main rows. */
export const LAYOUT: Layout = { top: 20, sub: 20, files: 50 }

/** The 100,000-file repository of the scale rows (`--only scale`). */
export const SCALE_LAYOUT: Layout = { top: 40, sub: 50, files: 50 }

/** Number of files in a repository of `layout`. */
export function fileCount(layout: Layout = LAYOUT): number {
  return layout.top * layout.sub * layout.files
}

/** Number of files in the 20,000-file repository. */
export const FILE_COUNT = fileCount(LAYOUT)

/** Path of file number `i` (0-based) in a repository of `layout`. */
export function filePath(i: number, layout: Layout = LAYOUT): string {
  const c = i % layout.files
  const b = Math.floor(i / layout.files) % layout.sub
  const a = Math.floor(i / (layout.files * layout.sub))
  const pad = (n: number) => String(n).padStart(2, '0')
  return `d${pad(a)}/s${pad(b)}/f${pad(c)}.txt`
}

const LINES_PER_FILE = 24

/** Baseline content of file `i`: 24 short lines of source-like text (about 1 KB). */
export function fileContent(i: number): string {
  const lines: string[] = []
  for (let line = 0; line < LINES_PER_FILE; line++) {
    lines.push(`export const value_${i}_${line} = ${(i * 31 + line * 7) % 1000} // line ${line} of file ${i}`)
  }
  return `${lines.join('\n')}\n`
}

/** File `i` as an agent changed it: one line in the middle replaced, tagged so every edit is new content. */
export function editedContent(i: number, tag: string): string {
  const lines = fileContent(i).split('\n')
  lines[LINES_PER_FILE / 2] = `export const value_${i}_edited = '${tag}' // changed by the agent`
  return lines.join('\n')
}

/** The indices of `count` files spread evenly over a repository of `layout`. */
export function touchedIndices(count: number, layout: Layout = LAYOUT): number[] {
  const step = Math.floor(fileCount(layout) / count)
  return Array.from({ length: count }, (_, k) => k * step)
}

/**
 * Creates a bare repository at `gitDir` whose branch `main` holds one commit with the
 * {@link fileCount} files of `layout`, written by a single `git fast-import` (its input streamed, a
 * directory at a time) and then fully repacked. Resolves the commit id.
 */
export async function generateRepository(gitDir: string, layout: Layout = LAYOUT): Promise<string> {
  await git(['init', '--quiet', '--bare', '--initial-branch=main', gitDir])
  const count = fileCount(layout)
  const message = `generated: ${count.toLocaleString('en')} files\n`
  async function* input(): AsyncGenerator<string> {
    yield (
      'commit refs/heads/main\n' +
      'author Bench Author <author@bench.invalid> 1767225600 +0000\n' +
      'committer Bench Committer <committer@bench.invalid> 1767225600 +0000\n' +
      `data ${Buffer.byteLength(message)}\n${message}`
    )
    for (let start = 0; start < count; start += layout.files) {
      const chunks: string[] = []
      for (let i = start; i < Math.min(count, start + layout.files); i++) {
        const content = fileContent(i)
        chunks.push(
          `M 100644 inline ${filePath(i, layout)}\ndata ${Buffer.byteLength(content)}\n${content}\n`,
        )
      }
      yield chunks.join('')
    }
    yield 'done\n'
  }
  await git([`--git-dir=${gitDir}`, 'fast-import', '--quiet', '--done'], { input: input() })
  // fast-import deltifies each blob against the one before it (chains 50 deep); a full repack gives the
  // pack a gc'd or freshly cloned repository has (chains about 2 deep), so blob reads cost what they usually do.
  await git([`--git-dir=${gitDir}`, 'repack', '-a', '-d', '-f', '-q'])
  return gitText([`--git-dir=${gitDir}`, 'rev-parse', 'refs/heads/main'])
}

/** Files {@link editFiles} writes at once. */
const EDIT_CONCURRENCY = 64

/**
 * Writes the edited content of `indices` into the work tree `root`, as an agent editing files directly
 * would, {@link EDIT_CONCURRENCY} at a time: starting all 10,000 writes of the scale rows at once took
 * about 170 MiB, which the peak RSS of the row measuring Gittrix would have counted.
 */
export async function editFiles(
  root: string,
  indices: readonly number[],
  tag: string,
  layout: Layout = LAYOUT,
): Promise<void> {
  for (let at = 0; at < indices.length; at += EDIT_CONCURRENCY) {
    await Promise.all(
      indices.slice(at, at + EDIT_CONCURRENCY).map(async (i) => {
        const target = join(root, filePath(i, layout))
        await mkdir(dirname(target), { recursive: true })
        await writeFile(target, editedContent(i, tag))
      }),
    )
  }
}

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * CPU time used so far by this process and by its children that have exited (git), in ms, or `null`
 * where `/proc` is missing. Child time comes from `/proc/self/stat` (`cutime` + `cstime`, in 1/100 s),
 * so it is coarse, but unlike wall time it hardly moves when other work shares the machine.
 */
export function cpuMs(): number | null {
  let stat: string
  try {
    stat = readFileSync('/proc/self/stat', 'utf8')
  } catch {
    return null
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const childTicks = Number(fields[13]) + Number(fields[14])
  const own = process.cpuUsage()
  return (own.user + own.system) / 1000 + childTicks * 10
}
