/**
 * A handle on one git repository (git dir, optional work tree and private index) and the
 * plumbing Gittrix needs from it. Every call goes through {@link runGit}.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeText, hasEscapedBytes } from '../core/bytes.ts'
import { LockedError } from '../core/errors.ts'
import type { FileMode, TreeChange, TreeEntry } from '../core/types.ts'
import {
  GitCommandError,
  type GitInvocation,
  type GitResult,
  type GitRunOptions,
  gitOutputHead,
  pipeGit,
  runGit,
  splitNul,
} from './run-git.ts'

/** The empty tree's id in SHA-1 repositories. */
export const EMPTY_TREE_SHA1 = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
const ZERO = /^0+$/

/** Where a {@link GitRepo} points. */
export interface GitRepoLocation {
  /** Absolute path of the git directory (`.git`, a bare repository, or a linked worktree's git dir). */
  gitDir: string
  /** Work tree to run commands in; omitted for pure object and ref plumbing. */
  workTree?: string
  /** A private index file (`GIT_INDEX_FILE`), so the repository's own index is never touched. */
  indexFile?: string
  /**
   * The object store to read and write (`GIT_OBJECT_DIRECTORY`) instead of the git directory's own;
   * its `info/alternates` still apply. With a private `gitDir` this is how Gittrix works on an agent's
   * objects without reading the agent's configuration.
   */
  objectDir?: string
  /** More object stores to read from (`GIT_ALTERNATE_OBJECT_DIRECTORIES`). */
  alternates?: readonly string[]
  /**
   * Every command runs sealed (src/git/sealed.ts): set it for any repository an agent can write.
   * Work-tree commands on an agent's repository also need a private `gitDir` ({@link GitRepo.initPrivate}).
   */
  sealed?: boolean
}

/** One repository: runs git with `--git-dir` / `--work-tree` set, and offers typed plumbing. */
export class GitRepo {
  readonly gitDir: string
  readonly workTree: string | undefined
  readonly indexFile: string | undefined
  readonly objectDir: string | undefined
  readonly alternates: readonly string[]
  readonly sealed: boolean

  constructor(location: GitRepoLocation) {
    this.gitDir = location.gitDir
    this.workTree = location.workTree
    this.indexFile = location.indexFile
    this.objectDir = location.objectDir
    this.alternates = location.alternates ?? []
    this.sealed = location.sealed ?? false
  }

  /**
   * Creates (when missing) a bare git directory at `dir` that holds only what `git init` writes with
   * an empty template (no hooks, no `info/` files), and resolves a sealed {@link GitRepo} on it with
   * `location`'s work tree, index and object stores. Its configuration is Gittrix's, so commands that
   * read an agent's work tree through it never see the agent's `.git/config`, `info/attributes`,
   * `info/exclude` or hooks (see src/git/sealed.ts).
   */
  static async initPrivate(
    dir: string,
    location: Omit<GitRepoLocation, 'gitDir' | 'sealed'> = {},
  ): Promise<GitRepo> {
    await runGit(['init', '--quiet', '--bare', '--template=', dir], { sealed: true })
    return new GitRepo({ ...location, gitDir: dir, sealed: true })
  }

  /** The same repository with some location fields replaced. */
  with(location: Partial<GitRepoLocation>): GitRepo {
    return new GitRepo({
      gitDir: this.gitDir,
      ...(this.workTree ? { workTree: this.workTree } : {}),
      ...(this.indexFile ? { indexFile: this.indexFile } : {}),
      ...(this.objectDir ? { objectDir: this.objectDir } : {}),
      alternates: this.alternates,
      sealed: this.sealed,
      ...Object.fromEntries(Object.entries(location).filter(([, v]) => v !== undefined)),
    })
  }

  /** Runs `git <args>` against this repository. Rejects with `GIT_FAILED` (see {@link runGit}). */
  run(args: string[], options: GitRunOptions = {}): Promise<GitResult> {
    const { args: full, options: resolved } = this.invocation(args, options)
    return runGit(full, resolved)
  }

  /** `git <args>` against this repository, as {@link runGit} or {@link pipeGit} takes it. */
  private invocation(args: string[], options: GitRunOptions = {}): Required<GitInvocation> {
    const prefix = [`--git-dir=${this.gitDir}`]
    if (this.workTree) prefix.push(`--work-tree=${this.workTree}`)
    const env = {
      ...(this.indexFile ? { GIT_INDEX_FILE: this.indexFile } : {}),
      ...(this.objectDir ? { GIT_OBJECT_DIRECTORY: this.objectDir } : {}),
      ...(this.alternates.length
        ? { GIT_ALTERNATE_OBJECT_DIRECTORIES: this.alternates.join(delimiter) }
        : {}),
      ...options.env,
    }
    return {
      args: [...prefix, ...args],
      options: {
        cwd: this.workTree ?? this.gitDir,
        ...options,
        env,
        sealed: this.sealed || options.sealed === true,
      },
    }
  }

  /** Runs git and returns trimmed UTF-8 stdout. */
  async text(args: string[], options?: GitRunOptions): Promise<string> {
    const { stdout } = await this.run(args, options)
    return stdout.toString('utf8').trim()
  }

  /** Resolves `rev` to an object id, or `null` when it does not exist. */
  async resolve(rev: string): Promise<string | null> {
    const { stdout, exitCode } = await this.run(
      ['rev-parse', '--verify', '--quiet', '--end-of-options', rev],
      {
        okExitCodes: [1, 128],
      },
    )
    return exitCode === 0 ? stdout.toString('utf8').trim() : null
  }

  /** The tree id of a commit (or tree). */
  async treeOf(rev: string): Promise<string> {
    return this.text(['rev-parse', '--verify', '--end-of-options', `${rev}^{tree}`])
  }

  /**
   * Every blob and symlink under `rev` (recursive), optionally limited to `prefix` (a directory path,
   * or one file's path). Submodule entries (mode 160000) are reported too; callers decide what to do
   * with them. Paths may hold non-UTF-8 bytes (src/core/bytes.ts), `prefix` too.
   */
  async listTree(rev: string, prefix?: string): Promise<TreeEntry[]> {
    const entries = await this.lsTree(rev, { ...(prefix ? { prefix } : {}), recursive: true })
    return entries.map(({ path, mode, oid }) => ({ path, mode: mode as FileMode, oid }))
  }

  /**
   * The entries of `rev`'s tree under directory `prefix` (default the root): its direct children, or
   * with `recursive` every blob below it. A `prefix` naming a file lists that file alone. Exact for
   * any bytes in names: a prefix that git's argument vector cannot carry (non-UTF-8) is found by
   * walking the trees.
   */
  async lsTree(
    rev: string,
    options: { prefix?: string; recursive?: boolean } = {},
  ): Promise<{ path: string; mode: string; type: string; oid: string }[]> {
    const prefix = options.prefix ?? ''
    let base = rev
    let shown = ''
    const args = ['ls-tree', '-z', ...(options.recursive ? ['-r'] : []), '--full-tree']
    if (prefix && hasEscapedBytes(prefix)) {
      const entry = await this.entryAt(rev, prefix)
      if (!entry) return []
      if (entry.type !== 'tree') return [{ path: prefix, ...entry }]
      base = entry.oid
      shown = `${prefix}/`
    }
    args.push(base)
    if (prefix && !shown) args.push('--', prefix, `${prefix}/`)
    // Literal: a path such as `:x` or `:(exclude)x` names a file, not pathspec magic.
    const { stdout } = await this.run(args, { env: { GIT_LITERAL_PATHSPECS: '1' } })
    const entries: { path: string; mode: string; type: string; oid: string }[] = []
    for (const record of splitNul(stdout)) {
      const tab = record.indexOf('\t')
      const [mode, type, oid] = record.slice(0, tab).split(' ')
      const path = shown + record.slice(tab + 1)
      // A directory pathspec also matches the directory itself in a non-recursive listing.
      if (!options.recursive && path === prefix && type === 'tree') continue
      entries.push({ path, mode: mode!, type: type!, oid: oid! })
    }
    return entries
  }

  /**
   * The entry at `path` in `rev`'s tree (`mode`, `type`, `oid`), or `null`: found by reading tree
   * objects one level at a time, so names are compared as bytes and no pathspec is involved.
   */
  async entryAt(rev: string, path: string): Promise<{ mode: string; type: string; oid: string } | null> {
    let tree = await this.resolve(`${rev}^{tree}`)
    let found: { mode: string; type: string; oid: string } | null = null
    for (const name of path.split('/')) {
      if (!tree) return null
      const raw = (await this.readObjects([tree])).get(tree)
      if (!raw) return null
      found = findTreeEntry(raw, encodeText(name))
      tree = found?.type === 'tree' ? found.oid : null
      if (!found) return null
    }
    return found
  }

  /**
   * Every path whose blob, mode or existence differs between two trees (or commits), with both sides.
   * Exact at any size: `diff-tree -r --no-renames`, so a rename is a deletion plus an addition.
   */
  async diffTrees(from: string, to: string): Promise<TreeChange[]> {
    const { stdout } = await this.run(['diff-tree', '-r', '-z', '--no-renames', '--raw', from, to])
    return parseRawDiff(splitNul(stdout)).changes
  }

  /**
   * Like {@link diffTrees}, from `base` to this repository's index (`diff-index --cached`): the same
   * answer as writing the index as a tree first, without writing any tree object.
   */
  async diffIndex(base: string): Promise<TreeChange[]> {
    const { stdout } = await this.run(['diff-index', '--cached', '-r', '-z', '--no-renames', '--raw', base])
    return parseRawDiff(splitNul(stdout)).changes
  }

  /** The paths (only) that differ between two trees or commits; exact at any size. */
  async changedPaths(from: string, to: string): Promise<string[]> {
    const { stdout } = await this.run(['diff-tree', '-r', '-z', '--no-renames', '--name-only', from, to])
    return splitNul(stdout)
  }

  /** Reads many objects in one `cat-file --batch` process. Missing ids are absent from the map. */
  async readObjects(oids: readonly string[]): Promise<Map<string, Buffer>> {
    const result = new Map<string, Buffer>()
    const unique = [...new Set(oids)]
    if (unique.length === 0) return result
    const { stdout } = await this.run(['cat-file', '--batch'], { input: `${unique.join('\n')}\n` })
    let offset = 0
    while (offset < stdout.length) {
      const newline = stdout.indexOf(10, offset)
      const header = stdout.subarray(offset, newline).toString('utf8')
      offset = newline + 1
      const [oid, type, size] = header.split(' ')
      if (type === 'missing' || size === undefined) continue
      const length = Number(size)
      result.set(oid!, stdout.subarray(offset, offset + length))
      offset += length + 1
    }
    return result
  }

  /** The sizes (bytes) of `oids` in one `cat-file --batch-check` process; missing ids are absent. */
  async objectSizes(oids: readonly string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>()
    const unique = [...new Set(oids)]
    if (unique.length === 0) return sizes
    const { stdout } = await this.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], {
      input: `${unique.join('\n')}\n`,
    })
    for (const line of stdout.toString('utf8').split('\n')) {
      const [oid, size] = line.split(' ')
      if (oid && size && size !== 'missing') sizes.set(oid, Number(size))
    }
    return sizes
  }

  /**
   * The first `maxBytes` bytes of blob `oid` (all of it when smaller): one `cat-file blob`, stopped
   * once they have come, so a large blob is never read whole.
   */
  async readBlobHead(oid: string, maxBytes: number): Promise<Buffer> {
    const { args, options } = this.invocation(['cat-file', 'blob', oid])
    return gitOutputHead(args, maxBytes, options)
  }

  /** The subset of `oids` that this repository (with its alternates) does not have. */
  async missingObjects(oids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(oids)]
    if (unique.length === 0) return []
    const { stdout } = await this.run(['cat-file', '--batch-check=%(objectname)'], {
      input: `${unique.join('\n')}\n`,
    })
    return stdout
      .toString('utf8')
      .split('\n')
      .filter((line) => line.endsWith(' missing'))
      .map((line) => line.slice(0, -' missing'.length))
  }

  /**
   * Copies objects from `source` into this repository: `pack-objects` there piped into `index-pack`
   * here (which checks every object against its id), git process to git process, so a large blob is
   * never held in this process's memory.
   */
  async copyObjectsFrom(source: GitRepo, oids: readonly string[]): Promise<void> {
    if (oids.length === 0) return
    await pipeGit(
      source.invocation(['pack-objects', '--stdout', '-q'], { input: `${oids.join('\n')}\n` }),
      this.invocation(['index-pack', '--stdin', '--fix-thin']),
    )
  }

  /**
   * Writes blobs with one `fast-import` process and returns their ids in input order.
   * Used when content comes as bytes rather than from another local repository.
   */
  async writeBlobs(contents: readonly Uint8Array[]): Promise<string[]> {
    if (contents.length === 0) return []
    const dir = await mkdtemp(join(tmpdir(), 'gittrix-marks-'))
    try {
      const marks = join(dir, 'marks')
      const chunks: Buffer[] = []
      contents.forEach((bytes, i) => {
        chunks.push(
          Buffer.from(`blob\nmark :${i + 1}\ndata ${bytes.byteLength}\n`),
          Buffer.from(bytes),
          Buffer.from('\n'),
        )
      })
      chunks.push(Buffer.from('done\n'))
      await this.run(['fast-import', '--quiet', '--done', `--export-marks=${marks}`], {
        input: Buffer.concat(chunks),
      })
      const ids = new Map<number, string>()
      for (const line of (await readFile(marks, 'utf8')).split('\n')) {
        const [mark, oid] = line.split(' ')
        if (mark && oid) ids.set(Number(mark.slice(1)), oid)
      }
      return contents.map((_, i) => ids.get(i + 1)!)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  /**
   * Builds a tree: `base`'s tree with `changes` applied (a temporary index; the repository's own
   * index is untouched). Deletions are entries with `mode: null`.
   */
  async buildTree(base: string, changes: readonly TreeEntryUpdate[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gittrix-index-'))
    try {
      const scratch = this.with({ indexFile: join(dir, 'index') })
      await scratch.run(['read-tree', base])
      const zero = '0'.repeat(40)
      // Paths go to git as their exact bytes (a Latin-1 name stays Latin-1).
      const lines = changes.flatMap((c) => [
        Buffer.from(c.mode === null ? `0 ${zero}\t` : `${c.mode} ${c.oid}\t`),
        encodeText(c.path),
        Buffer.of(0),
      ])
      if (lines.length)
        await scratch.run(['update-index', '-z', '--index-info'], { input: Buffer.concat(lines) })
      return await scratch.text(['write-tree'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  /**
   * Creates a commit object (no ref moves). Author and committer come from git's configuration
   * and `GIT_AUTHOR_*` / `GIT_COMMITTER_*`, falling back to `identity` when none is configured.
   * `options.unconfigured`: the repository's configuration is known to name no identity (a private
   * git directory Gittrix wrote, run sealed), so it is not asked (two git processes fewer).
   */
  async commitTree(
    tree: string,
    parents: readonly string[],
    message: string,
    identity?: GitIdentity,
    options: { unconfigured?: boolean } = {},
  ): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])]
    const env = identity ? await this.identityEnv(identity, options.unconfigured === true) : {}
    return this.text(args, { input: message, env })
  }

  /** Environment that supplies `fallback` only for the identity parts git has no configuration for. */
  private async identityEnv(fallback: GitIdentity, unconfigured: boolean): Promise<Record<string, string>> {
    const env: Record<string, string> = {}
    const configured = async (key: string): Promise<boolean> => {
      if (unconfigured) return false
      const { exitCode } = await this.run(['config', '--get', key], { okExitCodes: [1] })
      return exitCode === 0
    }
    const [hasName, hasEmail] = await Promise.all([configured('user.name'), configured('user.email')])
    for (const role of ['AUTHOR', 'COMMITTER'] as const) {
      if (!hasName && !process.env[`GIT_${role}_NAME`]) env[`GIT_${role}_NAME`] = fallback.name
      if (!hasEmail && !process.env[`GIT_${role}_EMAIL`]) env[`GIT_${role}_EMAIL`] = fallback.email
    }
    return env
  }

  /**
   * Compare-and-swap: moves `ref` to `next` only if it currently is `expected` (`null`: must not exist).
   * Resolves `true` on success and `false` when the ref had another value. Another process holding the
   * ref's lock file is waited for (about `lockWaitMs`, default 5 000 ms) and then `LOCKED` naming the
   * file; other failures reject with `GIT_FAILED`.
   */
  async compareAndSwapRef(
    ref: string,
    next: string,
    expected: string | null,
    reason: string,
    lockWaitMs = 5000,
  ): Promise<boolean> {
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const { exitCode, stderr } = await this.run(['update-ref', '-m', reason, ref, next, expected ?? ''], {
        okExitCodes: [1, 128],
      })
      if (exitCode === 0) return true
      const current = await this.resolve(ref)
      if (current !== expected) return false
      const lock = lockFileIn(stderr)
      if (!lock) throw new GitCommandError(['update-ref', ref], exitCode, stderr)
      if (Date.now() - started >= lockWaitMs)
        throw new LockedError(
          lock,
          `another git process holds it (waited ${Date.now() - started} ms to update ${ref}). If no git process is running, remove it.`,
        )
      await sleep(Math.min(200, 10 * attempt))
    }
  }
}

/**
 * The lock file named by a git failure ("Unable to create '<path>.lock': File exists."), or `null`.
 * Needs git's messages in English (`LC_ALL=C`, which runGit sets).
 */
export function lockFileIn(stderr: string): string | null {
  const match = /Unable to create '([^']+\.lock)': File exists/.exec(stderr)
  return match ? match[1]! : null
}

/** Finds `name` (bytes) in a raw tree object: entries `<mode> <name>\0<binary id>`, ids of 20 or 32 bytes. */
function findTreeEntry(raw: Uint8Array, name: Buffer): { mode: string; type: string; oid: string } | null {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  const idLength = guessIdLength(bytes)
  let offset = 0
  while (offset < bytes.length) {
    const space = bytes.indexOf(0x20, offset)
    const nul = bytes.indexOf(0, space)
    if (space === -1 || nul === -1) return null
    const mode = bytes.toString('latin1', offset, space)
    const entryName = bytes.subarray(space + 1, nul)
    const oid = bytes.toString('hex', nul + 1, nul + 1 + idLength)
    offset = nul + 1 + idLength
    if (entryName.equals(name)) {
      const normalized = mode.padStart(6, '0')
      const type = normalized === '040000' ? 'tree' : normalized === '160000' ? 'commit' : 'blob'
      return { mode: normalized, type, oid }
    }
  }
  return null
}

/** 20 (SHA-1) unless the tree only parses with 32-byte (SHA-256) ids. */
function guessIdLength(bytes: Buffer): number {
  const parses = (length: number) => {
    let offset = 0
    while (offset < bytes.length) {
      const nul = bytes.indexOf(0, offset)
      if (nul === -1 || !/^[0-7]{5,6} /.test(bytes.toString('latin1', offset, Math.min(nul, offset + 7))))
        return false
      offset = nul + 1 + length
    }
    return offset === bytes.length
  }
  return parses(20) ? 20 : 32
}

/**
 * Parses `--raw -z` diff records (`:<old mode> <new mode> <old id> <new id> <status>`, then the path)
 * into {@link TreeChange}s. Stops at the first field that is not a raw record (e.g. `--numstat` output);
 * `next` is the index of that field.
 */
export function parseRawDiff(fields: readonly string[]): { changes: TreeChange[]; next: number } {
  const changes: TreeChange[] = []
  let i = 0
  for (; i + 1 < fields.length && fields[i]!.startsWith(':'); i += 2) {
    const [oldMode, newMode, oldOid, newOid] = fields[i]!.slice(1).split(' ')
    const path = fields[i + 1]!
    const deleted = ZERO.test(newMode!)
    const added = ZERO.test(oldMode!)
    changes.push({
      path,
      status: added ? 'added' : deleted ? 'deleted' : 'modified',
      oldMode: added ? null : (oldMode as FileMode),
      newMode: deleted ? null : (newMode as FileMode),
      oldOid: added ? null : oldOid!,
      newOid: deleted ? null : newOid!,
    })
  }
  return { changes, next: i }
}

/** One path to set (mode + blob id) or delete (`mode: null`) when building a tree. */
export interface TreeEntryUpdate {
  path: string
  mode: FileMode | null
  oid: string | null
}

/** A fallback author/committer identity. */
export interface GitIdentity {
  name: string
  email: string
}
