/**
 * Contract fixtures for the local adapters: real git repositories in throwaway directories with fixed
 * identities and dates. Commits are written with one `git fast-import` each (5,000 files is one spawn),
 * and everything is read back with git itself, never with the adapter under test.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { LocalDurableAdapter } from '../../../src/adapters/local/durable.ts'
import { LocalEphemeralAdapter, type LocalWorkspaceKind } from '../../../src/adapters/local/ephemeral.ts'
import type { FileMode } from '../../../src/core/types.ts'
import { cleanup, GIT_ENV, git, tempDir } from '../../support/git-fixtures.ts'
import type { DurableFixture } from '../contract/durable-contract.ts'
import type { EphemeralFixture } from '../contract/ephemeral-contract.ts'
import { resolveSeed, type SeedFiles, type TreeFile } from '../contract/fixtures.ts'

const INHERITED = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR']

function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV }
  for (const name of INHERITED) delete out[name]
  return out
}

/** Runs git in `cwd` and returns raw stdout (nothing trimmed). */
export function gitBytes(cwd: string, args: string[], input?: Uint8Array | string): Buffer {
  return execFileSync('git', args, { cwd, env: env(), input, maxBuffer: 1 << 30 })
}

/** Runs git in `cwd` and reports how it went, without throwing. */
export function gitTry(
  cwd: string,
  args: string[],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd, env: env(), encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** C-style quoting for fast-import paths (spaces, quotes and non-ASCII bytes are safe inside). */
function quote(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

let clock = 0

/**
 * Writes one commit on `refs/heads/<branch>` with `git fast-import`: `from` as parent (none for a root
 * commit), `merge` as second parent (a merge commit), `files` applied to the parent's tree (`null`
 * deletes). Resolves the commit id.
 */
export function fastImportCommit(
  gitDir: string,
  options: {
    branch: string
    from?: string | undefined
    merge?: string | undefined
    files: SeedFiles
    message?: string | undefined
  },
): string {
  const message = Buffer.from(options.message ?? 'fixture commit\n', 'utf8')
  const time = 1_767_225_600 + clock++
  const chunks: Buffer[] = [
    Buffer.from(
      `commit refs/heads/${options.branch}\n` +
        `author ${GIT_ENV.GIT_AUTHOR_NAME} <${GIT_ENV.GIT_AUTHOR_EMAIL}> ${time} +0000\n` +
        `committer ${GIT_ENV.GIT_COMMITTER_NAME} <${GIT_ENV.GIT_COMMITTER_EMAIL}> ${time} +0000\n` +
        `data ${message.length}\n`,
    ),
    message,
    Buffer.from(options.from ? `\nfrom ${options.from}\n` : '\n'),
    Buffer.from(options.merge ? `merge ${options.merge}\n` : ''),
  ]
  const entries = Object.entries(options.files)
  // Deletions first, so replacing a directory by a file of the same name works.
  for (const [path, file] of entries) if (file === null) chunks.push(Buffer.from(`D ${quote(path)}\n`))
  for (const [path, file] of entries) {
    if (file === null) continue
    const { mode, bytes } = resolveSeed(file)
    chunks.push(
      Buffer.from(`M ${mode} inline ${quote(path)}\ndata ${bytes.length}\n`),
      bytes,
      Buffer.from('\n'),
    )
  }
  chunks.push(Buffer.from('\ndone\n'))
  gitBytes(gitDir, [`--git-dir=${gitDir}`, 'fast-import', '--quiet', '--done'], Buffer.concat(chunks))
  return git(gitDir, `--git-dir=${gitDir}`, 'rev-parse', `refs/heads/${options.branch}`)
}

/** The head of `branch` or `null`. */
export function branchHead(gitDir: string, branch: string): string | null {
  const result = gitTry(gitDir, [
    `--git-dir=${gitDir}`,
    'rev-parse',
    '--verify',
    '--quiet',
    `refs/heads/${branch}^{commit}`,
  ])
  return result.status === 0 ? result.stdout.trim() : null
}

/** Every file of `rev` with mode, id and bytes (one `ls-tree`, one `cat-file --batch`). */
export function readGitTree(gitDir: string, rev: string): Map<string, TreeFile> {
  const listing = gitBytes(gitDir, [`--git-dir=${gitDir}`, 'ls-tree', '-r', '-z', '--full-tree', rev])
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
  const entries = listing.map((record) => {
    const tab = record.indexOf('\t')
    const [mode, , oid] = record.slice(0, tab).split(' ')
    return { path: record.slice(tab + 1), mode: mode as FileMode, oid: oid! }
  })
  const blobs = new Map<string, Buffer>()
  if (entries.length) {
    const out = gitBytes(
      gitDir,
      [`--git-dir=${gitDir}`, 'cat-file', '--batch'],
      `${[...new Set(entries.map((e) => e.oid))].join('\n')}\n`,
    )
    let offset = 0
    while (offset < out.length) {
      const newline = out.indexOf(10, offset)
      const [oid, , size] = out.subarray(offset, newline).toString('utf8').split(' ')
      offset = newline + 1
      blobs.set(oid!, out.subarray(offset, offset + Number(size)))
      offset += Number(size) + 1
    }
  }
  return new Map(entries.map((e) => [e.path, { mode: e.mode, oid: e.oid, bytes: blobs.get(e.oid)! }]))
}

/** A commit's tree, parents and exact message. */
export function readCommit(
  gitDir: string,
  sha: string,
): { tree: string; parents: string[]; message: string } {
  const raw = gitBytes(gitDir, [`--git-dir=${gitDir}`, 'cat-file', 'commit', sha]).toString('utf8')
  const split = raw.indexOf('\n\n')
  const headers = raw.slice(0, split).split('\n')
  return {
    tree: headers.find((h) => h.startsWith('tree '))!.slice(5),
    parents: headers.filter((h) => h.startsWith('parent ')).map((h) => h.slice(7)),
    message: raw.slice(split + 2),
  }
}

/** The layouts a local durable repository comes in. */
export type LocalDurableLayout = 'checked-out' | 'bare'

/** A repository on branch `main`; `checked-out` is a non-bare repository whose `main` is checked out. */
export function makeLocalRepo(layout: LocalDurableLayout): { path: string; gitDir: string } {
  const path = tempDir(`gittrix-contract-${layout}-`)
  if (layout === 'bare') {
    git(path, 'init', '--quiet', '--bare', '--initial-branch=main')
    return { path, gitDir: path }
  }
  git(path, 'init', '--quiet', '--initial-branch=main')
  return { path, gitDir: join(path, '.git') }
}

/** Commits on `branch` of a local repository; a checked-out branch's work tree and index follow. */
export function commitLocal(
  repo: { path: string; gitDir: string },
  files: SeedFiles,
  options: {
    branch?: string
    from?: string | undefined
    merge?: string | undefined
    message?: string | undefined
  } = {},
): string {
  const branch = options.branch ?? 'main'
  const from = options.from ?? branchHead(repo.gitDir, branch) ?? undefined
  const sha = fastImportCommit(repo.gitDir, {
    branch,
    from,
    merge: options.merge,
    files,
    message: options.message,
  })
  if (repo.path !== repo.gitDir && git(repo.path, 'symbolic-ref', 'HEAD') === `refs/heads/${branch}`) {
    git(repo.path, 'reset', '--quiet', '--hard')
  }
  return sha
}

/** A local durable fixture: the contract hooks plus the repository itself. */
export interface LocalDurableFixture extends DurableFixture {
  adapter: LocalDurableAdapter
  repo: { path: string; gitDir: string }
}

/** The durable fixture for {@link LocalDurableAdapter} on a repository of the given layout. */
export function localDurableFixture(
  layout: LocalDurableLayout,
): (files: SeedFiles) => Promise<LocalDurableFixture> {
  return async (files) => {
    const repo = makeLocalRepo(layout)
    const initial = commitLocal(repo, files, { message: 'seed\n' })
    const fixture: LocalDurableFixture = {
      repo,
      adapter: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      branch: 'main',
      initial,
      commit: async (changes, options = {}) => commitLocal(repo, changes, options),
      head: async (branch) => branchHead(repo.gitDir, branch),
      files: async (rev) => readGitTree(repo.gitDir, rev),
      commitInfo: async (sha) => readCommit(repo.gitDir, sha),
      cleanup: async () => cleanup(repo.path),
    }
    return fixture
  }
}

/** A local ephemeral fixture: the contract hooks plus the directories behind them. */
export interface LocalEphemeralFixture extends EphemeralFixture {
  adapter: LocalEphemeralAdapter
  durable: LocalDurableAdapter
  repo: { path: string; gitDir: string }
  sessionsRoot: string
  store: string
}

/** The parts of an ephemeral fixture that only need a local durable repository and some directories. */
export interface LocalWorkspaceHooks extends Pick<
  EphemeralFixture,
  'outsideDir' | 'baseline' | 'sessionDir' | 'outsideEntries' | 'symlink'
> {
  durable: LocalDurableAdapter
  repo: { path: string; gitDir: string }
  sessionsRoot: string
  store: string
  /** Removes the repository and every directory made here. */
  removeDirs(): void
}

/**
 * A checked-out durable repository, a workspaces root, a store and an "outside" directory holding a
 * secret, plus the contract hooks over them: each `baseline` is a root commit holding exactly `files`
 * (the first on `main`, checked out), symlinks are made in the workspace, outside entries are read back.
 * `prefix` names the temporary directories.
 */
export function localWorkspaceHooks(prefix: string): LocalWorkspaceHooks {
  const repo = makeLocalRepo('checked-out')
  const sessionsRoot = tempDir(`${prefix}-ws-`)
  const store = tempDir(`${prefix}-store-`)
  const outsideDir = tempDir(`${prefix}-outside-`)
  execFileSync('sh', ['-c', 'printf "top secret\\n" > secret.txt'], { cwd: outsideDir })
  let baselines = 0
  return {
    repo,
    sessionsRoot,
    store,
    durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
    outsideDir,
    baseline: async (files) => {
      const branch = baselines++ === 0 ? 'main' : `baseline/${baselines}`
      const sha = fastImportCommit(repo.gitDir, { branch, files, message: 'baseline\n' })
      if (branch === 'main') git(repo.path, 'reset', '--quiet', '--hard')
      return sha
    },
    sessionDir: (sessionId) => join(store, sessionId),
    outsideEntries: async () => {
      const out: Record<string, string> = {}
      for (const name of await readdir(outsideDir)) out[name] = await readFile(join(outsideDir, name), 'utf8')
      return out
    },
    symlink: async (info, path, target) => {
      const full = join(info.ephemeralPath!, path)
      await mkdir(dirname(full), { recursive: true })
      await symlink(target, full)
    },
    removeDirs: () => cleanup(repo.path, sessionsRoot, store, outsideDir),
  }
}

/** The ephemeral fixture for {@link LocalEphemeralAdapter} of `kind`, over a checked-out durable repository. */
export function localEphemeralFixture(kind: LocalWorkspaceKind): () => Promise<LocalEphemeralFixture> {
  return async () => {
    const { removeDirs, ...hooks } = localWorkspaceHooks('gittrix-contract')
    const fixture: LocalEphemeralFixture = {
      ...hooks,
      adapter: new LocalEphemeralAdapter({ sessionsRootDir: hooks.sessionsRoot, kind }),
      workspaceExists: async (info) => existsSync(info.ephemeralPath!),
      cleanup: async () => removeDirs(),
    }
    return fixture
  }
}
