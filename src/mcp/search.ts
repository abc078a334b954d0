/**
 * `search`: a regular expression over the workspace's files, line by line, with bounded output.
 *
 * Files come from `AgentSession.list` (the workspace as git sees it: ignored files excluded; the
 * directory argument goes through the same path checks), and only regular files are searched:
 * symlinks are not followed. Local workspaces are read from disk under the workspace root (each path
 * resolved inside it, the file opened with `O_NOFOLLOW`); others through `AgentSession.read`.
 *
 * JavaScript regular expressions can take exponential time on some inputs, so matching runs in a
 * worker thread that is stopped after `searchTimeoutMs` (or when the client cancels the call).
 */
import { Worker } from 'node:worker_threads'
import pLimit from 'p-limit'
import picomatch from 'picomatch'
import { InvalidArgumentError } from '../core/errors.ts'
import { resolveWorkspacePath } from '../adapters/local/workspace-fs.ts'
import { normalizeRepoDir } from '../core/paths.ts'
import { readRegularFile } from '../core/regular-file.ts'
import type { AgentSession } from '../core/session.ts'
import type { OutputLimits } from './limits.ts'

/** What `search` looks for. */
export interface SearchRequest {
  /** A JavaScript regular expression, matched against each line (without its line end). */
  pattern: string
  /** Only files under this directory (or this one file). Default: the whole workspace. */
  path?: string
  /** Only files whose path matches this glob (picomatch; a glob without `/` matches file names at any depth). */
  glob?: string
  ignoreCase?: boolean
  /** Matches to show (at most 1,000). */
  maxResults: number
}

/** One matching line. `line` is 1-based; `text` is cut to `maxMatchLineChars` around the match. */
export interface SearchMatch {
  path: string
  line: number
  text: string
}

/** What `search` found, and what it did not look at. */
export interface SearchResult {
  matches: SearchMatch[]
  /** Every matching line in the searched files (may exceed `matches.length`). */
  total: number
  filesSearched: number
  /** Files skipped: larger than `maxSearchFileBytes`, binary (a NUL byte in the first 8 KiB), or past `maxSearchTotalBytes`. */
  skipped: { large: number; binary: number; budget: number }
}

/**
 * Runs a search. Throws `INVALID_ARGUMENT` for a pattern that does not compile or that runs past the
 * time limit, `WRITE_REJECTED` for an unsafe `path`, and whatever `AgentSession.list` throws.
 */
export async function searchWorkspace(
  agent: AgentSession,
  request: SearchRequest,
  limits: OutputLimits,
  signal?: AbortSignal,
): Promise<SearchResult> {
  const flags = request.ignoreCase ? 'i' : ''
  try {
    new RegExp(request.pattern, flags)
  } catch (error) {
    throw new InvalidArgumentError(
      `pattern is not a valid JavaScript regular expression: ${(error as Error).message}.`,
    )
  }
  const prefix = normalizeRepoDir(request.path)
  const globMatch = request.glob
    ? picomatch(request.glob, { dot: true, basename: !request.glob.includes('/') })
    : null
  const entries = await agent.list('', { recursive: true })
  const paths = entries
    .filter((entry) => entry.type === 'file')
    .map((entry) => entry.path)
    .filter((path) => !prefix || path === prefix || path.startsWith(`${prefix}/`))
    .filter((path) => !globMatch || globMatch(path))
  const { files, skipped } = await readFiles(agent, paths, limits)
  const found = await matchInWorker(request, flags, files, limits, signal)
  return { ...found, filesSearched: files.length, skipped }
}

interface TextFile {
  path: string
  text: string
}

async function readFiles(
  agent: AgentSession,
  paths: readonly string[],
  limits: OutputLimits,
): Promise<{ files: TextFile[]; skipped: SearchResult['skipped'] }> {
  const skipped = { large: 0, binary: 0, budget: 0 }
  const read = agent.workspacePath ? diskReader(agent.workspacePath, limits) : sessionReader(agent, limits)
  const limit = pLimit(16)
  let budget = limits.maxSearchTotalBytes
  const results = await Promise.all(
    paths.map((path) =>
      limit(async (): Promise<TextFile | null> => {
        if (budget <= 0) {
          skipped.budget += 1
          return null
        }
        const bytes = await read(path)
        if (bytes === null) return null
        if (bytes === 'large') {
          skipped.large += 1
          return null
        }
        budget -= bytes.length
        if (bytes.subarray(0, 8192).includes(0)) {
          skipped.binary += 1
          return null
        }
        return { path, text: Buffer.from(bytes).toString('utf8') }
      }),
    ),
  )
  return { files: results.filter((file): file is TextFile => file !== null), skipped }
}

type Reader = (path: string) => Promise<Uint8Array | 'large' | null>

/**
 * Reads regular files under `root`, resolved as `AgentSession.read` resolves them (never through a
 * `.git`, never outside the workspace) and without following a symlink at the last step; others are `null`.
 */
function diskReader(root: string, limits: OutputLimits): Reader {
  return async (path) => {
    const target = await resolveWorkspacePath(root, path, { followFinal: false }).catch(() => null)
    if (target === null || !target.stat?.isFile()) return null
    const read = await readRegularFile(target.path, {
      maxBytes: limits.maxSearchFileBytes,
      overMax: 'none',
    }).catch(() => null)
    if (read?.kind !== 'file') return null
    return read.size > limits.maxSearchFileBytes ? 'large' : read.bytes
  }
}

function sessionReader(agent: AgentSession, limits: OutputLimits): Reader {
  return async (path) => {
    const bytes = await agent.read(path).catch(() => null)
    if (bytes !== null && bytes.length > limits.maxSearchFileBytes) return 'large'
    return bytes
  }
}

/** The matcher run in the worker: plain JavaScript, CommonJS or ESM alike (dynamic import). */
const WORKER_SOURCE = `
import('node:worker_threads').then(({ parentPort, workerData }) => {
  const { pattern, flags, files, maxResults, maxLineChars } = workerData
  const re = new RegExp(pattern, flags)
  const matches = []
  let total = 0
  for (const file of files) {
    const lines = file.text.split('\\n')
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]
      if (line.endsWith('\\r')) line = line.slice(0, -1)
      const m = re.exec(line)
      if (!m) continue
      total++
      if (matches.length >= maxResults) continue
      let text = line
      if (line.length > maxLineChars) {
        const start = Math.max(0, Math.min(m.index - 40, line.length - maxLineChars))
        text = (start > 0 ? '…' : '') + line.slice(start, start + maxLineChars) + (start + maxLineChars < line.length ? '…' : '')
      }
      matches.push({ path: file.path, line: i + 1, text })
    }
  }
  parentPort.postMessage({ matches, total })
})
`

function matchInWorker(
  request: SearchRequest,
  flags: string,
  files: TextFile[],
  limits: OutputLimits,
  signal: AbortSignal | undefined,
): Promise<{ matches: SearchMatch[]; total: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        pattern: request.pattern,
        flags,
        files,
        maxResults: request.maxResults,
        maxLineChars: limits.maxMatchLineChars,
      },
    })
    const stop = (error: Error) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      void worker.terminate()
      reject(error)
    }
    const timer = setTimeout(
      () =>
        stop(
          new InvalidArgumentError(
            `The search took longer than ${limits.searchTimeoutMs} ms and was stopped; the pattern may backtrack ` +
              'without end (e.g. nested quantifiers like (a+)+). Simplify it, or narrow the search with path or glob.',
          ),
        ),
      limits.searchTimeoutMs,
    )
    const onAbort = () => stop(new InvalidArgumentError('The search was cancelled.'))
    signal?.addEventListener('abort', onAbort, { once: true })
    worker.once('message', (result: { matches: SearchMatch[]; total: number }) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      void worker.terminate()
      resolve(result)
    })
    worker.once('error', (error) => stop(error))
  })
}
