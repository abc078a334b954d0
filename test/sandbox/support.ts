/**
 * Fixtures for `gittrix run`: a durable repository and a session store in a directory OUTSIDE the
 * temporary directories the sandbox replaces with private ones (/tmp, /var/tmp), so that what hides
 * them in a test is the sandbox's own hiding, not the private /tmp by accident.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from '../../src/cli/run.ts'
import { GIT_ENV, git, writeFiles } from '../support/git-fixtures.ts'

/** The CLI entry point, run with `node --experimental-strip-types`. */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

const BASE = fileURLToPath(new URL('../../node_modules/.cache/gittrix-sandbox-tests/', import.meta.url))

/** A durable repository, a store and one active session, under one directory outside /tmp. */
export interface SandboxFixture {
  root: string
  durable: string
  head: string
  store: string
  id: string
  sessionDir: string
  workspace: string
}

/** Creates a {@link SandboxFixture} (`kind`: the workspace kind, default `clone`). */
export async function sandboxFixture(kind: 'clone' | 'copy' | 'worktree' = 'clone'): Promise<SandboxFixture> {
  mkdirSync(BASE, { recursive: true })
  const root = realpathSync(mkdtempSync(BASE))
  const durable = join(root, 'repo')
  mkdirSync(durable)
  git(durable, 'init', '--quiet', '--initial-branch=main')
  writeFiles(durable, {
    'README.md': '# Project\n',
    'src/app.ts': 'export const answer = 41\n',
    'old.txt': 'old\n',
  })
  git(durable, 'add', '-A')
  git(durable, 'commit', '--quiet', '-m', 'initial')
  git(durable, 'gc', '--quiet') // a pack file and loose objects both exist to attack
  writeFiles(durable, { 'loose.txt': 'loose\n' })
  git(durable, 'add', '-A')
  git(durable, 'commit', '--quiet', '-m', 'second')
  const store = join(root, 'store')
  let out = ''
  const code = await runCli(
    ['--store', store, 'start', '--json', '--repo', durable, '--kind', kind, 'sandbox task'],
    {
      stdout: (chunk) =>
        void (out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')),
      stderr: () => {},
      readStdin: async () => new Uint8Array(),
      cwd: durable,
      env: {},
    },
  )
  if (code !== 0) throw new Error(`start failed: ${out}`)
  const data = (JSON.parse(out) as { data: { id: string; ephemeralPath: string } }).data
  return {
    root,
    durable,
    head: git(durable, 'rev-parse', 'HEAD'),
    store,
    id: data.id,
    sessionDir: join(store, data.id),
    workspace: data.ephemeralPath,
  }
}

/** How a `gittrix` child process ended. */
export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs `gittrix --store <store> <args...>` as a child process. `env` is added to this process's
 * environment (with fixed git identities); `onSpawn` gets the child (to signal it).
 */
export function gittrix(
  store: string,
  args: string[],
  options: {
    env?: Record<string, string>
    input?: string
    onSpawn?: (child: ReturnType<typeof spawn>) => void
  } = {},
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', CLI_MAIN, '--store', store, ...args],
      { env: { ...process.env, ...GIT_ENV, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    child.stdin.end(options.input ?? '')
    options.onSpawn?.(child)
  })
}

/**
 * Every entry under `root` (`.git` included): type, mode and a hash of its content or link target.
 * Two equal snapshots mean nothing under `root` changed.
 */
export function treeSnapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      const rel = full.slice(root.length + 1)
      if (entry.isSymbolicLink()) out[rel] = `link ${readlinkSync(full)}`
      else if (entry.isDirectory()) {
        out[`${rel}/`] = 'dir'
        visit(full)
      } else out[rel] = `file ${createHash('sha256').update(readFileSync(full)).digest('hex')}`
    }
  }
  visit(root)
  return out
}

/**
 * What must not change in a store: its session directories, each one's metadata (without the access
 * times and touched files Gittrix itself updates) and the workspace state Gittrix keeps for it.
 */
export function storeSnapshot(store: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of readdirSync(store).sort()) {
    if (name.endsWith('.lock')) continue
    const dir = join(store, name)
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>
    delete meta.lastAccessAt
    delete meta.updatedAt
    delete meta.touchedFiles
    out[name] = {
      entries: readdirSync(dir)
        .filter((entry) => entry !== '.lock')
        .sort(),
      meta,
      gitdir: readFileSync(join(dir, 'ephemeral', 'gitdir'), 'utf8'),
      state: readdirSync(join(dir, 'ephemeral')).sort(),
    }
  }
  return out
}
