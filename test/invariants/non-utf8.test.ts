/**
 * Issue 13, observation 5: names and contents that are not UTF-8 (Latin-1, Shift-JIS, invalid UTF-8)
 * go through Gittrix as their exact bytes: touched files, read, list, the git-rendered diff, the core
 * renderer (`diff({ paths })`, strategy `patch`), the CLI's `diff` and `files`, and the promotion
 * commit. Every patch is applied with `git apply` onto the baseline and must give the promotion's tree.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/run.ts'
import { decodeBytes, encodeText } from '../../src/core/bytes.ts'
import { LocalEphemeralAdapter, type LocalWorkspaceKind } from '../../src/index.ts'
import { cleanup, GIT_ENV, git, tempDir } from '../support/git-fixtures.ts'
import { commitsSince, makeWorld, type World } from './helpers.ts'

const b = (text: string) => Buffer.from(text, 'latin1')
/** Names as bytes. */
const LATIN1 = b('caf\xe9.txt')
const SJIS = b('\x95\x5c.txt') // 表.txt in Shift-JIS: the trail byte is "\"
const INVALID = b('bad\xff\xfe.dat')
const LATIN1_DIR = b('d\xe9j\xe0')
/** Contents as bytes. */
const LATIN1_TEXT = b('na\xefve caf\xe9\nsecond line\n')
const SJIS_TEXT = b('\x93\xfa\x96\x7b\x8c\xea\n\x95\x5c\n')
const INVALID_TEXT = b('\xc0\xaf overlong, \xed\xa0\x80 surrogate\n')

/** A path (bytes) under `root`, for fs calls that must not re-encode. */
function at(root: string, ...parts: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(root), ...parts.flatMap((p) => [Buffer.from('/'), p])])
}

function gitBytes(cwd: string, args: string[], input?: Buffer): Buffer {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, input, maxBuffer: 1 << 28 })
}

/** The blob at `path` (bytes) of `rev`, read with `cat-file --batch` (argv cannot carry such bytes), or `null`. */
function blobAt(repo: string, rev: string, path: Buffer): Buffer | null {
  const out = gitBytes(
    repo,
    ['cat-file', '--batch'],
    Buffer.concat([Buffer.from(`${rev}:`), path, Buffer.from('\n')]),
  )
  const newline = out.indexOf(10)
  const header = out.subarray(0, newline).toString()
  if (header.endsWith(' missing')) return null
  const size = Number(header.split(' ')[2])
  return out.subarray(newline + 1, newline + 1 + size)
}

/** `path (bytes, hex) -> mode blob` of a tree, recursively. */
function treeOf(repo: string, rev: string): Record<string, string> {
  const out: Record<string, string> = {}
  const raw = gitBytes(repo, ['ls-tree', '-r', '-z', rev])
  for (const record of raw.toString('latin1').split('\0').filter(Boolean)) {
    const tab = record.indexOf('\t')
    const [mode, , oid] = record.slice(0, tab).split(' ')
    out[Buffer.from(record.slice(tab + 1), 'latin1').toString('hex')] = `${mode} ${oid}`
  }
  return out
}

/** Applies `patch` (bytes) with `git apply --index` onto a fresh checkout of `base`; resolves the tree. */
function applyOnto(repo: string, base: string, patch: Buffer): Record<string, string> {
  const scratch = tempDir('gittrix-apply-')
  try {
    git(scratch, 'clone', '-q', repo, '.')
    git(scratch, 'checkout', '-q', '--detach', base)
    gitBytes(scratch, ['apply', '--index', '--binary', '-'], patch)
    const tree = gitBytes(scratch, ['write-tree']).toString().trim()
    return treeOf(scratch, tree)
  } finally {
    cleanup(scratch)
  }
}

let world: World
let base: string
beforeEach(() => {
  world = makeWorld({ 'README.md': '# Project\n' })
  writeFileSync(at(world.repo, LATIN1), LATIN1_TEXT)
  writeFileSync(at(world.repo, SJIS), SJIS_TEXT)
  writeFileSync(at(world.repo, INVALID), INVALID_TEXT)
  mkdirSync(at(world.repo, LATIN1_DIR))
  writeFileSync(at(world.repo, LATIN1_DIR, b('inner.txt')), 'inner\n')
  writeFileSync(at(world.repo, b('gone-\xe9.txt')), 'to delete\n')
  git(world.repo, 'add', '-A')
  git(world.repo, 'commit', '-qm', 'non-UTF-8 names')
  base = git(world.repo, 'rev-parse', 'HEAD')
})
afterEach(() => world.dispose())

describe.each(['clone', 'copy'] as LocalWorkspaceKind[])('non-UTF-8 bytes end to end (%s)', (kind) => {
  it('touched files, read, list, every diff and the promotion keep the exact bytes', async () => {
    const gittrix = world.gittrix({ ephemeral: new LocalEphemeralAdapter({ kind }) })
    const session = await gittrix.startSession({ task: 'bytes' })
    const ws = session.workspacePath!
    const name = (bytes: Buffer) => decodeBytes(bytes)

    // Through the API: names in their lossless string form, contents as bytes.
    expect(Buffer.from(await session.read(name(LATIN1))).equals(LATIN1_TEXT)).toBe(true)
    await session.write(name(LATIN1), b('na\xefve caf\xe9\nchanged \xe0 la ligne\n'))
    await session.write(name(SJIS), b('\x93\xfa\x96\x7b\n\x83\x5c\x83\x74\x83\x67\n'))
    await session.write(`${name(LATIN1_DIR)}/${name(b('n\xe9w.txt'))}`, b('\xe9t\xe9\n'))
    await session.write(name(b('new-\xff.bin')), b('\xff\xfe\x00\x01binary'))
    await session.delete(name(b('gone-\xe9.txt')))
    // Through a shell.
    writeFileSync(at(ws, INVALID), b('\xc0\xaf changed by the shell\n'))

    const touched = (await session.touchedFiles()).map((c) => encodeText(c.path).toString('latin1')).sort()
    expect(touched).toEqual(
      [
        '\x95\x5c.txt',
        'bad\xff\xfe.dat',
        'caf\xe9.txt',
        'd\xe9j\xe0/n\xe9w.txt',
        'gone-\xe9.txt',
        'new-\xff.bin',
      ].sort(),
    )
    const listed = (await session.list(name(LATIN1_DIR))).map((e) => encodeText(e.path).toString('latin1'))
    expect(listed.sort()).toEqual(['d\xe9j\xe0/inner.txt', 'd\xe9j\xe0/n\xe9w.txt'])

    const gitDiff = await session.diff({ binary: true })
    const coreDiff = await session.diff({ binary: true, paths: ['**'] })
    const patch = await session.promote({ selector: { mode: 'all' }, strategy: 'patch' })
    expect(gitDiff).toContain('caf\udce9') // Latin-1 lines are text, not "Binary files differ"
    const outcome = await session.promote({ selector: { mode: 'all' } })
    expect(commitsSince(world.repo, base)).toEqual([outcome.sha])
    const promoted = treeOf(world.repo, outcome.sha)
    for (const rendered of [gitDiff, coreDiff, patch.patch!]) {
      expect(applyOnto(world.repo, base, encodeText(rendered))).toEqual(promoted)
    }
    // The promoted blobs are the bytes written, under the exact names.
    expect(blobAt(world.repo, outcome.sha, LATIN1)).toEqual(b('na\xefve caf\xe9\nchanged \xe0 la ligne\n'))
    expect(blobAt(world.repo, outcome.sha, b('d\xe9j\xe0/n\xe9w.txt'))).toEqual(b('\xe9t\xe9\n'))
    expect(blobAt(world.repo, outcome.sha, INVALID)).toEqual(b('\xc0\xaf changed by the shell\n'))
    expect(blobAt(world.repo, outcome.sha, b('new-\xff.bin'))).toEqual(b('\xff\xfe\x00\x01binary'))
    expect(blobAt(world.repo, outcome.sha, b('gone-\xe9.txt'))).toBeNull()
  })
})

/** Runs the CLI in-process against this world's store; stdout as bytes. */
async function cli(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const out: Buffer[] = []
  const err: string[] = []
  const io: CliIo = {
    stdout: (chunk) => void out.push(Buffer.from(chunk)),
    stderr: (chunk) => void err.push(chunk),
    readStdin: async () => Buffer.alloc(0),
    cwd: world.repo,
    env: {},
  }
  const code = await runCli(['--store', world.store, ...args], io)
  return { code, stdout: Buffer.concat(out), stderr: err.join('') }
}

describe('non-UTF-8 names on the command line', () => {
  it('diff prints the exact bytes, files prints git-quoted names, and a quoted name selects exactly that file', async () => {
    const session = await world.gittrix().startSession({ task: 'cli bytes' })
    const ws = session.workspacePath!
    writeFileSync(at(ws, LATIN1), b('caf\xe9 cr\xe8me\n'))
    writeFileSync(at(ws, SJIS), b('\x83\x5c\n'))
    rmSync(at(ws, INVALID))

    const diff = await cli(['diff', session.id])
    expect(diff.code, diff.stderr).toBe(0)
    expect(diff.stdout.includes(b('+caf\xe9 cr\xe8me'))).toBe(true)
    const promoted = (await session.promote({ selector: { mode: 'all' }, strategy: 'patch' })).patch!
    expect(diff.stdout.equals(encodeText(await session.diff()))).toBe(true)
    const scratch = applyOnto(world.repo, base, diff.stdout)
    expect(scratch).toEqual(applyOnto(world.repo, base, encodeText(promoted)))

    const files = await cli(['files', session.id])
    expect(files.stdout.toString()).toBe('D\t"bad\\377\\376.dat"\nM\t"caf\\351.txt"\nM\t"\\225\\\\.txt"\n')
    const one = await cli(['promote', session.id, '-f', '"caf\\351.txt"', '--json'])
    expect(one.code, one.stdout.toString()).toBe(0)
    const data = JSON.parse(one.stdout.toString()).data as { sha: string; files: string[] }
    expect(data.files).toEqual(['caf\udce9.txt'])
    expect(Object.keys(treeOf(world.repo, data.sha)).sort()).toEqual(
      Object.keys(treeOf(world.repo, base)).sort(),
    )
    expect(blobAt(world.repo, data.sha, LATIN1)).toEqual(b('caf\xe9 cr\xe8me\n'))
    expect(blobAt(world.repo, data.sha, SJIS)).toEqual(SJIS_TEXT)
    expect(readFileSync(at(world.repo, LATIN1))).toEqual(b('caf\xe9 cr\xe8me\n'))
  })
})
