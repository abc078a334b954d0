/**
 * Sealed git (src/git/sealed.ts) against a repository an agent has shaped: every program a repository's
 * configuration can name, every environment variable that steers git, and every object substitution
 * is tried. Each case first shows the trap springs for plain git (so the test can fail), then that the
 * sealed run does not spring it.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GitRepo } from '../../src/git/repo.ts'
import { runGit } from '../../src/git/run-git.ts'
import {
  NETWORK_ENV,
  pinGitBinary,
  resolveGitBinary,
  SEALED_CONFIG,
  sealedGitEnv,
  SYSTEM_GIT_PATH,
} from '../../src/git/sealed.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'

let repo: string
let traps: string
const dirs: string[] = []

/** A script that records that it ran (the trap) and then behaves like `cat`. */
function trap(name: string): string {
  const script = join(traps, name)
  writeFileSync(script, `#!/bin/sh\necho ran >> "${join(traps, `${name}.ran`)}"\ncat\n`)
  chmodSync(script, 0o755)
  return script
}

function sprung(name: string): boolean {
  return existsSync(join(traps, `${name}.ran`))
}

beforeEach(() => {
  repo = makeRepo({ 'README.md': '# Project\n', 'a.txt': 'alpha\n' }).path
  traps = tempDir('gittrix-traps-')
  dirs.push(repo, traps)
})

afterEach(() => cleanup(...dirs.splice(0)))

describe('work-tree commands through a private git directory', () => {
  it('never runs a clean filter the agent configured, and stores the bytes on disk', async () => {
    const filter = trap('clean')
    git(repo, 'config', 'filter.evil.clean', filter)
    writeFileSync(join(repo, '.git', 'info', 'attributes'), '* filter=evil\n')
    writeFileSync(join(repo, '.gitattributes'), '*.txt filter=evil\n')
    writeFileSync(join(repo, 'b.txt'), 'bravo\n')

    // The trap is real: plain git in the agent's repository runs it.
    execFileSync('git', ['add', 'b.txt'], {
      cwd: repo,
      env: { ...process.env, GIT_INDEX_FILE: join(traps, 'i') },
    })
    expect(sprung('clean')).toBe(true)
    execFileSync('rm', ['-f', join(traps, 'clean.ran')])

    const sealed = await GitRepo.initPrivate(join(traps, 'private.git'), {
      workTree: repo,
      indexFile: join(traps, 'index'),
      objectDir: join(repo, '.git', 'objects'),
    })
    await sealed.run(['add', '-A'])
    const tree = await sealed.text(['write-tree'])
    expect(sprung('clean')).toBe(false)
    expect(git(repo, 'cat-file', 'blob', `${tree}:b.txt`)).toBe('bravo')
    // The blob landed in the agent's object store, where the workspace's own commands find it.
    expect(git(repo, 'cat-file', '-t', `${tree}:b.txt`)).toBe('blob')
  })

  it('never runs fsmonitor, textconv or an external diff the agent configured', async () => {
    git(repo, 'config', 'core.fsmonitor', trap('fsmonitor'))
    git(repo, 'config', 'diff.evil.textconv', trap('textconv'))
    git(repo, 'config', 'diff.external', trap('external'))
    writeFileSync(join(repo, '.gitattributes'), '*.txt diff=evil\n')
    writeFileSync(join(repo, 'a.txt'), 'changed\n')
    execFileSync('git', ['diff', 'HEAD'], { cwd: repo, stdio: 'ignore' })
    expect(sprung('external') || sprung('textconv') || sprung('fsmonitor')).toBe(true)
    for (const name of ['fsmonitor', 'textconv', 'external'])
      execFileSync('rm', ['-f', join(traps, `${name}.ran`)])

    const sealed = await GitRepo.initPrivate(join(traps, 'private.git'), {
      workTree: repo,
      indexFile: join(traps, 'index'),
      objectDir: join(repo, '.git', 'objects'),
    })
    const head = git(repo, 'rev-parse', 'HEAD')
    await sealed.run(['read-tree', head])
    const { stdout } = await sealed.run(['diff', head, '--', 'a.txt'])
    await sealed.run(['status', '--porcelain'])
    expect(stdout.toString()).toContain('+changed')
    expect(['fsmonitor', 'textconv', 'external'].filter(sprung)).toEqual([])
  })
})

describe('object and ref commands in the agent repository', () => {
  it('never runs the reference-transaction hook or a hooksPath the agent set', async () => {
    const hook = join(repo, '.git', 'hooks', 'reference-transaction')
    writeFileSync(hook, `#!/bin/sh\necho ran >> "${join(traps, 'hook.ran')}"\n`)
    chmodSync(hook, 0o755)
    const head = git(repo, 'rev-parse', 'HEAD')
    git(repo, 'update-ref', 'refs/heads/plain', head)
    expect(sprung('hook')).toBe(true)
    execFileSync('rm', ['-f', join(traps, 'hook.ran')])

    const sealed = new GitRepo({ gitDir: join(repo, '.git'), sealed: true })
    await sealed.run(['update-ref', 'refs/heads/sealed', head])
    expect(git(repo, 'rev-parse', 'refs/heads/sealed')).toBe(head)
    expect(sprung('hook')).toBe(false)
  })

  it('never runs a signing program the agent configured', async () => {
    git(repo, 'config', 'commit.gpgSign', 'true')
    git(repo, 'config', 'gpg.program', trap('gpg'))
    expect(() => git(repo, 'commit', '--allow-empty', '-m', 'plain')).toThrow()
    expect(sprung('gpg')).toBe(true)
    execFileSync('rm', ['-f', join(traps, 'gpg.ran')])

    const sealed = new GitRepo({ gitDir: join(repo, '.git'), workTree: repo, sealed: true })
    await sealed.run(['commit', '--allow-empty', '-q', '-F', '-'], { input: 'sealed\n' })
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('sealed')
    expect(sprung('gpg')).toBe(false)
  })

  it('reads the objects ids name: replace refs and grafts are ignored', async () => {
    const original = git(repo, 'rev-parse', 'HEAD:a.txt')
    const forged = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: repo,
      input: 'forged\n',
      encoding: 'utf8',
    }).trim()
    git(repo, 'replace', original, forged)
    expect(git(repo, 'cat-file', 'blob', original)).toBe('forged')

    const sealed = new GitRepo({ gitDir: join(repo, '.git'), sealed: true })
    expect(await sealed.text(['cat-file', 'blob', original])).toBe('alpha')
  })
})

describe('the sealed environment', () => {
  it('a network command keeps the proxy variables, and still nothing that steers git or TLS', () => {
    const from = {
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      SSL_CERT_FILE: '/tmp/agent-ca.pem',
      GIT_SSL_CAINFO: '/tmp/agent-ca.pem',
      GIT_PROXY_COMMAND: '/tmp/evil',
    }
    const plain = sealedGitEnv({ from })
    expect(plain.HTTPS_PROXY).toBeUndefined()
    const network = sealedGitEnv({ from, keep: NETWORK_ENV })
    expect(network.HTTPS_PROXY).toBe('http://proxy:3128')
    expect(network.no_proxy).toBe('localhost')
    for (const name of ['SSL_CERT_FILE', 'GIT_SSL_CAINFO', 'GIT_PROXY_COMMAND'])
      expect(network[name], name).toBeUndefined()
  })

  it('keeps only allowlisted variables: tracing, exec path, ssh and TLS overrides never reach git', async () => {
    const trace = join(traps, 'trace')
    const saved = { ...process.env }
    try {
      Object.assign(process.env, {
        GIT_TRACE: trace,
        GIT_TRACE_CURL: trace,
        GIT_TRACE_REDACT: '0',
        GIT_EXEC_PATH: traps,
        GIT_SSH_COMMAND: trap('ssh'),
        GIT_CONFIG_PARAMETERS: `'core.hookspath'='${traps}'`,
        SSL_CERT_FILE: join(traps, 'ca.pem'),
        LD_PRELOAD: join(traps, 'evil.so'),
      })
      const env = sealedGitEnv()
      for (const name of [
        'GIT_TRACE',
        'GIT_TRACE_CURL',
        'GIT_EXEC_PATH',
        'GIT_SSH_COMMAND',
        'GIT_CONFIG_PARAMETERS',
        'SSL_CERT_FILE',
        'LD_PRELOAD',
      ]) {
        expect(env[name], name).toBeUndefined()
      }
      const { stdout } = await runGit(['config', '--list', '--show-origin'], { cwd: traps, sealed: true })
      const origins = stdout
        .toString()
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[0])
      expect(new Set(origins)).toEqual(new Set(['command line:']))
      expect(existsSync(trace)).toBe(false)
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
  })

  it("never reads the user's global attributes file (~/.config/git/attributes)", async () => {
    const home = join(traps, 'home')
    mkdirSync(join(home, '.config', 'git'), { recursive: true })
    writeFileSync(join(home, '.config', 'git', 'attributes'), '*.txt -diff text eol=crlf\n')
    const attributes = (env: NodeJS.ProcessEnv) =>
      execFileSync('git', ['check-attr', '-a', 'a.txt'], { cwd: repo, env, encoding: 'utf8' })
    // The trap: plain git with that HOME reads it.
    expect(attributes({ ...process.env, HOME: home, XDG_CONFIG_HOME: '' })).toContain('a.txt: diff: unset')
    const sealed = sealedGitEnv({ from: { ...process.env, HOME: home } })
    expect(attributes(sealed)).toBe('')
  })

  it("merges a caller's GIT_CONFIG_* settings after the sealed ones instead of replacing them", async () => {
    const { stdout } = await runGit(['config', '--get-all', 'credential.helper'], {
      cwd: traps,
      sealed: true,
      env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'credential.helper', GIT_CONFIG_VALUE_0: 'mine' },
    })
    // The sealed empty value resets the list; the caller's helper follows it.
    expect(stdout.toString()).toBe('\nmine\n')
    const hooks = await runGit(['config', '--get', 'core.hooksPath'], {
      cwd: traps,
      sealed: true,
      env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'user.name', GIT_CONFIG_VALUE_0: 'x' },
    })
    expect(hooks.stdout.toString().trim()).toBe('/dev/null')
    expect(SEALED_CONFIG.map(([key]) => key)).toContain('core.hooksPath')
  })

  it('keeps the proxy variables for a network command (network: true), and never a GIT_* variable', async () => {
    const saved = { ...process.env }
    try {
      Object.assign(process.env, { HTTPS_PROXY: 'http://proxy.invalid:3128', NO_PROXY: 'localhost' })
      // A command-line alias is the sealed process's own configuration: it prints what git sees.
      const env = async (network: boolean) =>
        (
          await runGit(['-c', 'alias.env=!env', 'env'], { cwd: traps, sealed: true, network })
        ).stdout.toString()
      expect(await env(false)).not.toContain('HTTPS_PROXY')
      const kept = await env(true)
      expect(kept).toContain('HTTPS_PROXY=http://proxy.invalid:3128')
      expect(kept).toContain('NO_PROXY=localhost')
      expect(() => sealedGitEnv({ keep: ['GIT_SSH_COMMAND'] })).toThrow(/cannot keep GIT_SSH_COMMAND/)
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
  })

  it('keeps identity and date variables, which only say who and when', () => {
    const env = sealedGitEnv({
      from: { GIT_AUTHOR_NAME: 'A', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z', HOME: '/h' },
    })
    expect(env).toMatchObject({
      GIT_AUTHOR_NAME: 'A',
      GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
      HOME: '/h',
    })
    expect(() => sealedGitEnv({ keep: ['GIT_DIR'] })).toThrow(/cannot keep GIT_DIR/)
  })
})

describe('resolveGitBinary', () => {
  it('skips relative and empty PATH entries and resolves symlinks to the real file', () => {
    const bin = join(traps, 'bin')
    mkdirSync(bin)
    const real = resolveGitBinary(SYSTEM_GIT_PATH)
    symlinkSync(real, join(bin, 'git'))
    const relative = 'bin'
    const found = resolveGitBinary(['', relative, bin].join(':'))
    expect(found).toBe(real)
  })

  it('does not take a git planted earlier on PATH once pinned', async () => {
    const bin = join(traps, 'planted')
    mkdirSync(bin)
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho ran >> "${join(traps, 'planted.ran')}"\n`)
    chmodSync(join(bin, 'git'), 0o755)
    const pinned = pinGitBinary(SYSTEM_GIT_PATH)
    const saved = process.env.PATH
    process.env.PATH = `${bin}:${saved}`
    try {
      await runGit(['--version'], { sealed: true })
      expect(sprung('planted')).toBe(false)
      expect(resolveGitBinary()).toBe(pinned)
      expect(readFileSync(pinned).length).toBeGreaterThan(0)
    } finally {
      process.env.PATH = saved
    }
  })

  it('names the directories it searched when there is no git', () => {
    expect(() => resolveGitBinary(traps)).toThrow(new RegExp(`No git executable was found in ${traps}`))
  })
})
