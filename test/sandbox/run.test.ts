/**
 * `gittrix run`: what the command sees and what comes back — its writes in the workspace and the diff,
 * only the workspace and private temporary directories writable, exit codes and signals handed on,
 * network on by default and cut with `--no-network`, `--json`, and a clear refusal when there is no
 * usable sandbox (unless `--no-sandbox`).
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Bubblewrap, bwrapArguments, probeSandbox } from '../../src/sandbox/bwrap.ts'
import { git } from '../support/git-fixtures.ts'
import { gittrix, type SandboxFixture, sandboxFixture } from './support.ts'

let f: SandboxFixture
const extra: SandboxFixture[] = []

beforeAll(async () => {
  const probe = await probeSandbox()
  if (!probe.ok) throw new Error(`These tests need a usable sandbox: ${probe.reason}. ${probe.remedy}`)
  f = await sandboxFixture()
})

afterAll(() => {
  for (const fixture of [f, ...extra]) if (fixture) rmSync(fixture.root, { recursive: true, force: true })
})

describe('gittrix run in the sandbox', () => {
  it("runs in the workspace; the command's writes land there and show in the diff, its /tmp does not", async () => {
    const script =
      'pwd; echo made > made.txt; mkdir -p deep/dir && echo x > deep/dir/x.txt; echo temp > /tmp/t.txt; ' +
      'echo "$TMPDIR $GITTRIX_SESSION"; git log --oneline | wc -l'
    const run = await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', script])
    expect(run.code).toBe(0)
    expect(run.stdout.split('\n')).toEqual([f.workspace, `/tmp ${f.id}`, '2', ''])
    const diff = await gittrix(f.store, ['diff', f.id, '--stat'])
    expect(diff.stdout).toContain('A deep/dir/x.txt')
    expect(diff.stdout).toContain('A made.txt')
    expect(diff.stdout).not.toContain('t.txt')
    expect(existsSync(join(tmpdir(), 't.txt'))).toBe(false)
  })

  it('lets it write only the workspace and its private temporary directories', async () => {
    const host = join(tmpdir(), `gittrix-host-${process.pid}.txt`)
    writeFileSync(host, 'host\n')
    try {
      const targets = [
        '/',
        '/etc',
        '/usr',
        '/var',
        '/opt',
        f.root,
        f.durable,
        f.store,
        f.sessionDir,
        process.cwd(),
      ]
      const script = [
        ...targets.map(
          (dir) => `if touch '${dir}/.gittrix-probe' 2>/dev/null; then echo "writable ${dir}"; fi`,
        ),
        ...['/tmp', '/var/tmp', '/dev/shm', '.'].map(
          (dir) => `touch '${dir}/.gittrix-probe' && echo "ok ${dir}"`,
        ),
        `test -e '${host}' && echo "sees host tmp"`,
        'exit 0',
      ].join('\n')
      const run = await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', script])
      const lines = run.stdout.split('\n').filter(Boolean)
      expect(lines.filter((line) => line.startsWith('ok '))).toEqual([
        'ok /tmp',
        'ok /var/tmp',
        'ok /dev/shm',
        'ok .',
      ])
      // A target under the host's /tmp (a checkout there) sits inside the sandbox's private /tmp, where
      // a write succeeds but stays in the sandbox: the host check below is what counts for those.
      const privateTmp = (line: string) => line.slice('writable '.length).startsWith(`${tmpdir()}/`)
      expect(lines.filter((line) => !line.startsWith('ok ') && !privateTmp(line))).toEqual([])
      for (const dir of targets) expect(existsSync(join(dir, '.gittrix-probe'))).toBe(false)
    } finally {
      rmSync(host, { force: true })
      rmSync(join(f.workspace, '.gittrix-probe'), { force: true })
    }
  })

  it('does not show it the durable repository or the store: only the object store a clone borrows, read-only', async () => {
    const g = join(f.durable, '.git')
    const script = [
      `ls -A '${f.durable}'`,
      `ls -A '${g}'`,
      `ls -A '${f.store}'`,
      `ls -A '${f.sessionDir}'`,
      ...[
        join(f.durable, 'README.md'),
        join(g, 'config'),
        join(g, 'HEAD'),
        join(f.sessionDir, 'metadata.json'),
      ].map((file) => `cat '${file}' 2>/dev/null && echo "read ${file}"`),
      `git -C '${f.durable}' log 2>/dev/null && echo "git sees the durable repository"`,
      `git cat-file -t ${f.head}`,
      'exit 0',
    ].join('\n')
    const run = await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', script])
    expect(run.stdout.split('\n')).toEqual(['.git', 'objects', f.id, 'workspace', 'commit', ''])
  })

  it("exits with the command's exit code, and 128 + n when signal n ends it", async () => {
    expect((await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', 'exit 42'])).code).toBe(42)
    expect((await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', 'kill -TERM $$'])).code).toBe(143)
    expect((await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', 'kill -KILL $$'])).code).toBe(137)
    expect((await gittrix(f.store, ['run', f.id, '--', 'true'])).code).toBe(0)
  })

  it('hands a signal sent to gittrix on to the command, which can clean up and choose its exit code', async () => {
    const script = "trap 'echo cleaned > trapped.txt; exit 7' TERM; echo ready; while :; do sleep 0.05; done"
    const run = await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', script], {
      onSpawn: (child) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) child.kill('SIGTERM')
        })
      },
    })
    expect(run.code).toBe(7)
    expect(readFileSync(join(f.workspace, 'trapped.txt'), 'utf8')).toBe('cleaned\n')
  })

  it('has the network by default and none with --no-network', async () => {
    const server: Server = createServer((socket) => socket.end('hello from the host\n'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const connect = `require('net').connect(${port}, '127.0.0.1').on('data', (d) => process.stdout.write(d)).on('error', (e) => { console.log(e.code); process.exit(3) })`
    try {
      const online = await gittrix(f.store, ['run', f.id, '--', process.execPath, '-e', connect])
      expect(online.stdout).toBe('hello from the host\n')
      const offline = await gittrix(f.store, [
        'run',
        f.id,
        '--no-network',
        '--',
        process.execPath,
        '-e',
        connect,
      ])
      expect(offline.stdout).toBe('ECONNREFUSED\n')
      expect(offline.code).toBe(3)
      const interfaces = await gittrix(f.store, ['run', f.id, '--no-network', '--', 'cat', '/proc/net/dev'])
      expect(
        interfaces.stdout
          .split('\n')
          .slice(2)
          .filter(Boolean)
          .map((line) => line.trim().split(':')[0]),
      ).toEqual(['lo'])
    } finally {
      server.close()
    }
  })

  it('--json: stdout holds one document, the command’s output goes to stderr', async () => {
    const run = await gittrix(f.store, [
      '--json',
      'run',
      f.id,
      '--',
      'sh',
      '-c',
      'echo from-the-command; exit 5',
    ])
    expect(run.code).toBe(5)
    expect(run.stderr).toBe('from-the-command\n')
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      data: { session: f.id, exitCode: 5, signal: null, sandbox: 'bwrap', network: true },
    })
  })

  it('--hide hides more paths', async () => {
    const secret = join(f.root, 'secret')
    writeFileSync(secret, 'key\n')
    const run = await gittrix(f.store, ['run', f.id, '--hide', secret, '--', 'cat', secret])
    expect(run.code).not.toBe(0)
    expect(run.stdout).toBe('')
  })
})

describe('gittrix run without a usable sandbox', () => {
  it('refuses with what to install, and runs nothing', async () => {
    const run = await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', 'echo ran > ran.txt'], {
      env: { GITTRIX_BWRAP: '/nonexistent/bwrap' },
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/No usable sandbox: GITTRIX_BWRAP names "\/nonexistent\/bwrap"/)
    expect(run.stderr).toMatch(/sudo apt-get install bubblewrap/)
    expect(run.stderr).toMatch(/pass --no-sandbox\. \(CAPABILITY_MISSING\)/)
    expect(existsSync(join(f.workspace, 'ran.txt'))).toBe(false)
  })

  it('names the user-namespace settings when bwrap cannot create the sandbox', async () => {
    const fake = join(f.root, 'fake-bwrap')
    writeFileSync(
      fake,
      '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.9.0"; exit 0; }\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n',
    )
    chmodSync(fake, 0o755)
    const run = await gittrix(f.store, ['--json', 'run', f.id, '--', 'true'], {
      env: { GITTRIX_BWRAP: fake },
    })
    expect(run.code).toBe(1)
    const error = (JSON.parse(run.stdout) as { error: { code: string; message: string } }).error
    expect(error.code).toBe('CAPABILITY_MISSING')
    expect(error.message).toMatch(
      /cannot create the sandbox here \(bwrap: setting up uid map: Permission denied\)/,
    )
    expect(error.message).toMatch(/kernel\.apparmor_restrict_unprivileged_userns=0/)
  })

  it('--no-sandbox runs the command directly, with a warning, and hands on its exit code', async () => {
    const run = await gittrix(f.store, ['run', f.id, '--no-sandbox', '--', 'sh', '-c', 'pwd; exit 9'], {
      env: { GITTRIX_BWRAP: '/nonexistent/bwrap' },
    })
    expect(run.code).toBe(9)
    expect(run.stdout).toBe(`${f.workspace}\n`)
    expect(run.stderr).toMatch(/warning: running without a sandbox/)
  })

  it('--no-sandbox hands a signal sent to gittrix on to the command too', async () => {
    const script =
      "trap 'echo cleaned > trapped-direct.txt; exit 6' TERM; echo ready; while :; do sleep 0.05; done"
    const run = await gittrix(f.store, ['run', f.id, '--no-sandbox', '--', 'sh', '-c', script], {
      onSpawn: (child) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) child.kill('SIGTERM')
        })
      },
    })
    expect(run.code).toBe(6)
    expect(readFileSync(join(f.workspace, 'trapped-direct.txt'), 'utf8')).toBe('cleaned\n')
  })

  it('refuses a worktree session (its git directory lives in the durable repository) and an inactive one', async () => {
    const worktree = await sandboxFixture('worktree')
    extra.push(worktree)
    const run = await gittrix(worktree.store, ['run', worktree.id, '--', 'true'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /worktree workspace: .* Start the session with `--kind clone`.*\(CAPABILITY_MISSING\)/,
    )
    expect((await gittrix(worktree.store, ['discard', worktree.id])).code).toBe(0)
    expect((await gittrix(worktree.store, ['run', worktree.id, '--', 'true'])).stderr).toMatch(
      /SESSION_EXPIRED/,
    )
    expect((await gittrix(f.store, ['run', f.id])).code).toBe(2)
  })

  it('a copy workspace runs sandboxed too (no .git, nothing borrowed from the durable repository)', async () => {
    const copy = await sandboxFixture('copy')
    extra.push(copy)
    const run = await gittrix(copy.store, [
      'run',
      copy.id,
      '--',
      'sh',
      '-c',
      `echo new > new.txt; ls -A; ls -A '${copy.durable}'`,
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('README.md\nloose.txt\nnew.txt\nold.txt\nsrc\n')
    expect(git(copy.durable, 'status', '--porcelain')).toBe('')
  })
})

describe('bwrapArguments', () => {
  const bwrap: Bubblewrap = { path: '/usr/bin/bwrap', version: '0.8.0', disableUserns: true }

  it('builds the documented sandbox, hidden paths before the workspace bind, remounted read-only after', () => {
    const args = bwrapArguments(
      bwrap,
      {
        workspace: f.workspace,
        hide: [f.durable, f.store, join(f.durable, '.git')],
        readOnly: [join(f.durable, '.git', 'objects')],
        network: false,
      },
      { privateDirs: ['/tmp', '/var/tmp', '/run'], resolvConf: null },
    )
    expect(args).toEqual([
      '--unshare-user',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
      '--unshare-net',
      '--disable-userns',
      '--cap-drop',
      'ALL',
      '--new-session',
      '--die-with-parent',
      '--ro-bind',
      '/',
      '/',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--tmpfs',
      '/tmp',
      '--tmpfs',
      '/var/tmp',
      '--tmpfs',
      '/run',
      '--tmpfs',
      f.durable,
      '--tmpfs',
      f.store,
      '--bind',
      f.workspace,
      f.workspace,
      '--ro-bind',
      join(f.durable, '.git', 'objects'),
      join(f.durable, '.git', 'objects'),
      '--remount-ro',
      f.durable,
      '--remount-ro',
      f.store,
      '--chdir',
      f.workspace,
      '--setenv',
      'TMPDIR',
      '/tmp',
      '--json-status-fd',
      '3',
    ])
  })

  it('refuses a hidden path inside the workspace and relative paths', () => {
    expect(() =>
      bwrapArguments(bwrap, { workspace: f.workspace, hide: [join(f.workspace, 'x')], network: true }),
    ).toThrow(/inside the workspace/)
    expect(() => bwrapArguments(bwrap, { workspace: 'relative', hide: [], network: true })).toThrow(
      /absolute/,
    )
  })
})
