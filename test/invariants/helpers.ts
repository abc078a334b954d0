/**
 * Shared set-up for the invariant tests: a throwaway durable repository, a throwaway session store,
 * GitTrix instances over both, and child processes that promote through the public API (optionally
 * with a fake `git` first on PATH that kills its parent or races it at a chosen git subcommand).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  GitTrix,
  type GitTrixOptions,
  LocalDurableAdapter,
  LocalEphemeralAdapter,
  type SessionMetadata,
  sessionMetadataSchema,
} from '../../src/index.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'

const here = dirname(fileURLToPath(import.meta.url))
/** The child script that promotes sessions (see fixtures/promote-child.ts). */
export const PROMOTE_CHILD = join(here, 'fixtures', 'promote-child.ts')

/** The real git binary, found before any test puts a fake one first on PATH. */
export const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()

/** One test's world: a durable repository on `main` and a session store, both temporary. */
export interface World {
  repo: string
  /** The durable head when the world was made. */
  head: string
  store: string
  /** A new GitTrix over this repository and store (several may coexist, as separate processes would). */
  gittrix(options?: Partial<GitTrixOptions>): GitTrix
  dispose(): void
}

/** Makes a {@link World}. `bare` makes the durable repository bare (no checked-out work tree). */
export function makeWorld(
  files: Record<string, string | Buffer> = { 'README.md': '# Project\n' },
  options: { bare?: boolean } = {},
): World {
  const source = makeRepo(files)
  let repo = source.path
  const extra: string[] = []
  if (options.bare) {
    repo = tempDir('gittrix-bare-')
    git(repo, 'clone', '--quiet', '--bare', source.path, '.')
    extra.push(source.path)
  }
  const store = tempDir('gittrix-store-')
  return {
    repo,
    head: source.head,
    store,
    gittrix: (overrides = {}) =>
      new GitTrix({
        durable: new LocalDurableAdapter({ path: repo, branch: 'main' }),
        ephemeral: new LocalEphemeralAdapter(),
        storeDir: store,
        sweepIntervalMs: 0,
        lock: { staleMs: 2000 },
        ...overrides,
      }),
    dispose: () => cleanup(repo, store, ...extra),
  }
}

/** The head of `main` in `repo`. */
export function headOf(repo: string, branch = 'main'): string {
  return git(repo, 'rev-parse', `refs/heads/${branch}`)
}

/** True when `refs/heads/<branch>` exists in `repo`. */
export function branchExists(repo: string, branch: string): boolean {
  try {
    execFileSync(REAL_GIT, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], {
      cwd: repo,
      stdio: 'ignore',
    })
    return true
  } catch {
    return false
  }
}

/** Commits after `since` on `main`, newest first. */
export function commitsSince(repo: string, since: string, branch = 'main'): string[] {
  const out = git(repo, 'rev-list', `${since}..refs/heads/${branch}`)
  return out ? out.split('\n') : []
}

/** The parents of a commit. */
export function parentsOf(repo: string, sha: string): string[] {
  return git(repo, 'rev-list', '--parents', '-n', '1', sha).split(' ').slice(1)
}

/** `path -> status letter` of what `sha` changed against its first parent. */
export function changedBy(repo: string, sha: string): Record<string, string> {
  const out = git(repo, 'diff-tree', '-r', '--no-renames', '--no-commit-id', '--name-status', `${sha}^`, sha)
  const result: Record<string, string> = {}
  for (const line of out.split('\n').filter(Boolean)) {
    const [status, path] = line.split('\t')
    result[path!] = status!
  }
  return result
}

/** Mode and content of `path` at `rev`, or `null` when absent. */
export function entryAt(repo: string, rev: string, path: string): { mode: string; content: string } | null {
  const line = git(repo, 'ls-tree', rev, '--', path)
  if (!line) return null
  const mode = line.split(' ')[0]!
  return { mode, content: git(repo, 'cat-file', 'blob', `${rev}:${path}`) }
}

/**
 * Commits on `branch` with plumbing only (a temporary index), so neither the index nor the work tree
 * of `repo` changes. `null` deletes a path. Returns the new head.
 */
export function plumbCommit(
  repo: string,
  files: Record<string, string | null>,
  message = 'durable change',
  branch = 'main',
): string {
  const dir = tempDir('gittrix-plumb-')
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(dir, 'index') }
    const run = (args: string[], input?: string) =>
      execFileSync(REAL_GIT, args, { cwd: repo, env, encoding: 'utf8', input }).trim()
    const parent = run(['rev-parse', `refs/heads/${branch}`])
    run(['read-tree', parent])
    for (const [path, content] of Object.entries(files)) {
      if (content === null) run(['update-index', '--force-remove', '--', path])
      else {
        const blob = run(['hash-object', '-w', '--stdin'], content)
        run(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`])
      }
    }
    const tree = run(['write-tree'])
    const sha = run(['commit-tree', tree, '-p', parent, '-m', message])
    run(['update-ref', `refs/heads/${branch}`, sha, parent])
    return sha
  } finally {
    cleanup(dir)
  }
}

/** The session's metadata as on disk, parsed strictly (throws when half-written or invalid). */
export function metadataOnDisk(store: string, id: string): SessionMetadata {
  const text = readFileSync(join(store, id, 'metadata.json'), 'utf8')
  return sessionMetadataSchema.parse(JSON.parse(text)) as SessionMetadata
}

/** Awaits a rejection and returns the error (fails the test when the promise resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected a rejection, but the promise resolved')
}

/** Calls `fn` (sync or async) and returns what it threw or rejected with. */
export async function errorOf(fn: () => unknown): Promise<Record<string, unknown>> {
  return rejectionOf((async () => fn())())
}

/** Settings of a fake git (see {@link makeFakeGitDir}). */
export interface FakeGitSettings {
  /** The git subcommand to act on. */
  FAKE_GIT_ON?: string
  /** Act on the n-th git process started (1-based, counted in the fake's directory) instead. */
  FAKE_GIT_KILL_AT?: string
  FAKE_GIT_ACTION?: 'kill-before' | 'kill-after' | 'lock-and-die' | 'race' | 'hook'
  /** `hook`: the shell script run (once) before the `FAKE_GIT_NTH`-th matching git process. */
  FAKE_GIT_HOOK?: string
  FAKE_GIT_NTH?: string
  FAKE_GIT_MARK?: string
  FAKE_GIT_RACE_REPO?: string
  FAKE_GIT_RACE_PATH?: string
}

/**
 * A directory holding a fake `git` that forwards to {@link REAL_GIT}. Its settings come from
 * `settings` (written next to it, so sealed git processes, whose environment is an allowlist, see them
 * too) or from the environment. When the subcommand equals `FAKE_GIT_ON` (or this is the
 * `FAKE_GIT_KILL_AT`-th git process) it acts per `FAKE_GIT_ACTION`:
 * - `kill-before`: SIGKILL its parent (the node process) without running git;
 * - `kill-after`: run real git, then SIGKILL its parent;
 * - `lock-and-die`: leave the lock file this git process would hold half-way (`add`, `read-tree`,
 *   `update-index`: the index's `.lock`; `update-ref`: the ref's `.lock`), then SIGKILL its parent and
 *   exit: what a git killed mid-operation with its parent leaves behind;
 * - `race`: once (marker file `FAKE_GIT_MARK`), first commit `FAKE_GIT_RACE_PATH` on `main` of
 *   `FAKE_GIT_RACE_REPO` with plumbing, then run real git (so the caller's compare-and-swap loses);
 * - `hook`: run the script `FAKE_GIT_HOOK` before the `FAKE_GIT_NTH`-th matching process, then real git.
 * A child started with {@link startPromoteChild} and `pinGit` pins it as its sealed git.
 */
export function makeFakeGitDir(settings: FakeGitSettings = {}): string {
  const dir = tempDir('gittrix-fakegit-')
  const lines = Object.entries(settings).map(([key, value]) => `: "\${${key}:=${value}}"`)
  writeFileSync(join(dir, 'fake.env'), `${lines.join('\n')}\n`)
  const script = `#!/bin/sh
REAL='${REAL_GIT}'
here=$(dirname "$0")
. "$here/fake.env"
sub=""
skip=0
for a in "$@"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in
    -c|-C) skip=1 ;;
    -*) ;;
    *) sub="$a"; break ;;
  esac
done
if [ -n "$FAKE_GIT_KILL_AT" ]; then
  n=$(( $(cat "$here/count" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "$here/count"
  echo "$sub" >> "$here/subcommands"
  if [ "$n" = "$FAKE_GIT_KILL_AT" ]; then FAKE_GIT_ON="$sub"; fi
fi
if [ -n "$FAKE_GIT_ON" ] && [ "$sub" = "$FAKE_GIT_ON" ]; then
  case "$FAKE_GIT_ACTION" in
    kill-before)
      kill -9 $PPID
      exit 137 ;;
    kill-after)
      "$REAL" "$@"
      rc=$?
      kill -9 $PPID
      exit $rc ;;
    lock-and-die)
      lock=""
      gitdir=""
      for a in "$@"; do case "$a" in --git-dir=*) gitdir="\${a#--git-dir=}" ;; esac; done
      case "$sub" in
        add|read-tree|update-index)
          if [ -n "$GIT_INDEX_FILE" ]; then lock="$GIT_INDEX_FILE.lock"
          else lock="$("$REAL" rev-parse --path-format=absolute --git-path index).lock"; fi ;;
        update-ref)
          ref=""; skip=0; seen=0
          for a in "$@"; do
            if [ "$skip" = 1 ]; then skip=0; continue; fi
            if [ "$seen" = 0 ]; then [ "$a" = update-ref ] && seen=1; continue; fi
            case "$a" in -m) skip=1 ;; -*) ;; *) ref="$a"; break ;; esac
          done
          [ -z "$gitdir" ] && gitdir="$("$REAL" rev-parse --absolute-git-dir)"
          lock="$gitdir/$ref.lock" ;;
      esac
      [ -n "$lock" ] && : > "$lock"
      kill -9 $PPID
      exit 137 ;;
    hook)
      hits=$(( $(cat "$here/hits" 2>/dev/null || echo 0) + 1 ))
      echo "$hits" > "$here/hits"
      if [ "$hits" = "$FAKE_GIT_NTH" ]; then sh "$FAKE_GIT_HOOK"; fi
      exec "$REAL" "$@" ;;
    race)
      if [ ! -e "$FAKE_GIT_MARK" ]; then
        : > "$FAKE_GIT_MARK"
        idx="$FAKE_GIT_MARK.index"
        parent=$("$REAL" --git-dir="$FAKE_GIT_RACE_REPO" rev-parse refs/heads/main)
        GIT_INDEX_FILE="$idx" "$REAL" --git-dir="$FAKE_GIT_RACE_REPO" read-tree "$parent"
        blob=$(printf 'raced in\\n' | "$REAL" --git-dir="$FAKE_GIT_RACE_REPO" hash-object -w --stdin)
        GIT_INDEX_FILE="$idx" "$REAL" --git-dir="$FAKE_GIT_RACE_REPO" update-index --add --cacheinfo "100644,$blob,$FAKE_GIT_RACE_PATH"
        tree=$(GIT_INDEX_FILE="$idx" "$REAL" --git-dir="$FAKE_GIT_RACE_REPO" write-tree)
        racer=$(echo "racing durable commit" | "$REAL" --git-dir="$FAKE_GIT_RACE_REPO" commit-tree "$tree" -p "$parent")
        "$REAL" --git-dir="$FAKE_GIT_RACE_REPO" update-ref refs/heads/main "$racer" "$parent"
      fi
      exec "$REAL" "$@" ;;
  esac
fi
exec "$REAL" "$@"
`
  const path = join(dir, 'git')
  writeFileSync(path, script)
  chmodSync(path, 0o755)
  return dir
}

/** The subcommands of the git processes a fake git made with `FAKE_GIT_KILL_AT` has seen, in order. */
export function fakeGitSubcommands(dir: string): string[] {
  const file = join(dir, 'subcommands')
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
}

/** One promotion request for the child script. */
export interface ChildPromotion {
  id: string
  selector: { mode: 'all' } | { mode: 'files'; files: string[] }
}

/** What the child script reports per promotion. */
export type ChildResult =
  | { ok: true; value: { sha: string; branch: string; files: string[]; alreadyPromoted: boolean } }
  | { ok: false; error: { code?: string; message: string; conflictingFiles?: string[] } }

/** A running child that promotes sessions. */
export interface PromoteChild {
  process: ChildProcess
  /** Resolves once the child has loaded everything and waits for the go file. */
  ready: Promise<void>
  /** Resolves with the exit code / signal and the results printed (none when killed). */
  done: Promise<{
    code: number | null
    signal: NodeJS.Signals | null
    results: ChildResult[]
    stderr: string
  }>
}

/**
 * Starts `node fixtures/promote-child.ts` promoting `promotions` against `world`. With `goFile` it
 * waits until that file exists before promoting (a start barrier for several children).
 * `env` is merged into the child's environment; `fakeGit` (a {@link makeFakeGitDir}) goes first on its
 * PATH and is pinned as the git of its sealed processes too. With `group` it leads its own process
 * group (`process.kill(-pid, 'SIGKILL')` then kills its git processes too, as a crash would).
 */
export function startPromoteChild(
  world: Pick<World, 'repo' | 'store'>,
  promotions: ChildPromotion[],
  options: { goFile?: string; env?: Record<string, string>; fakeGit?: string; group?: boolean } = {},
): PromoteChild {
  const config = JSON.stringify({
    repo: world.repo,
    store: world.store,
    promotions,
    goFile: options.goFile,
    pinGit: options.fakeGit,
  })
  const path = options.fakeGit ? { PATH: `${options.fakeGit}:${process.env.PATH}` } : {}
  const child = spawn(process.execPath, ['--no-warnings', PROMOTE_CHILD, config], {
    env: { ...process.env, ...path, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test can kill it together with the git processes it started.
    detached: options.group === true,
  })
  let stdout = ''
  let stderr = ''
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
    if (stdout.includes('READY\n')) onReady()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  const done = new Promise<{
    code: number | null
    signal: NodeJS.Signals | null
    results: ChildResult[]
    stderr: string
  }>((resolve) => {
    child.on('close', (code, signal) => {
      onReady()
      const line = stdout.split('\n').find((l) => l.startsWith('RESULTS '))
      const results = line ? (JSON.parse(line.slice('RESULTS '.length)) as ChildResult[]) : []
      resolve({ code, signal, results, stderr })
    })
  })
  return { process: child, ready, done }
}

/** Starts several children, releases them at once through a go file, and waits for all. */
export async function runChildrenTogether(
  world: Pick<World, 'repo' | 'store'>,
  batches: ChildPromotion[][],
): Promise<Awaited<PromoteChild['done']>[]> {
  const goFile = join(world.store, `go-${process.pid}-${Date.now()}`)
  const children = batches.map((promotions) => startPromoteChild(world, promotions, { goFile }))
  await Promise.all(children.map((c) => c.ready))
  writeFileSync(goFile, '')
  const outcomes = await Promise.all(children.map((c) => c.done))
  cleanup(goFile)
  return outcomes
}

/** True when `path` exists (without following a final symlink's target). */
export function exists(path: string): boolean {
  return existsSync(path)
}

/**
 * Path → mode and content hash (or link target) of everything under `dir` (or of `dir` itself when it
 * is a file), links not followed: equal manifests mean not one byte changed.
 */
export function manifest(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const entry = (path: Buffer): string => {
    const stat = lstatSync(path)
    if (stat.isSymbolicLink()) return `-> ${readlinkSync(path, 'buffer').toString('hex')}`
    return `${stat.mode.toString(8)} ${createHash('sha1').update(readFileSync(path)).digest('hex')}`
  }
  const root = Buffer.from(dir)
  const walk = (at: Buffer) => {
    for (const name of readdirSync(at, { encoding: 'buffer' })) {
      const path = Buffer.concat([at, Buffer.from('/'), name])
      const stat = lstatSync(path)
      if (!stat.isSymbolicLink() && stat.isDirectory()) walk(path)
      else out[path.subarray(root.length + 1).toString('latin1')] = entry(path)
    }
  }
  if (!existsSync(dir)) return out
  if (lstatSync(dir).isDirectory()) walk(root)
  else out['.'] = entry(root)
  return out
}
