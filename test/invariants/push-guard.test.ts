/**
 * Issue 13, observation 3: the clone workspace's push guard against every local spelling of the
 * durable repository an agent with a shell can type with ordinary git commands. Each spelling is first
 * shown to name the durable repository (its real path resolves to the same device and inode as the
 * durable git directory or work tree), then pushed, with and without hooks, by `git push` and `git
 * send-pack`; the durable refs and objects must not change. What the guard cannot stop (an agent that
 * deliberately disables both layers, or runs git on the durable repository directly) is stated in
 * docs/security.md#local-workspaces; only an OS boundary stops that.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { linkSync, mkdirSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cleanup, GIT_ENV, git } from '../support/git-fixtures.ts'
import { makeWorld, type World } from './helpers.ts'

let world: World
let ws: string
let count = 0
const refused: string[] = []

afterAll(() => {
  console.log(`push spellings refused: ${refused.length}`)
})

beforeEach(async () => {
  world = makeWorld({ 'README.md': '# Project\n' })
  const session = await world.gittrix().startSession({ task: 'push guard' })
  ws = session.workspacePath!
  writeFileSync(join(ws, 'README.md'), '# pushed by the agent\n')
  agentGit([], 'commit', '-qam', 'agent work')
})
afterEach(() => world.dispose())

/** Git as the agent's shell runs it in `cwd`: the user's PATH git, the test identity. */
function shellGit(cwd: string, env: string[], ...args: string[]): { status: number | null; stderr: string } {
  const extra = Object.fromEntries(env.map((e) => e.split('=') as [string, string]))
  const result = spawnSync('git', args, {
    cwd,
    env: { ...process.env, ...GIT_ENV, ...extra },
    encoding: 'utf8',
  })
  return { status: result.status, stderr: result.stderr }
}

function agentGit(env: string[], ...args: string[]): { status: number | null; stderr: string } {
  return shellGit(ws, env, ...args)
}

/** A repository's refs and object files: what a push would change. */
function repoState(repo: string): string {
  const refs = git(repo, 'for-each-ref', '--format=%(refname) %(objectname)')
  const objects = readdirSync(join(repo, '.git/objects'), { recursive: true }).sort().join('\n')
  return `${refs}\n${objects}`
}

/** `dev:ino` of what a local URL or path names from `cwd`, resolved like git's enter_repo (`path`, `path/.git`). */
function identity(cwd: string, url: string): string {
  let path = url.replace(/^file:\/\/(localhost)?/, '')
  if (!isAbsolute(path)) path = resolve(cwd, path)
  let real = realpathSync(path)
  try {
    real = realpathSync(join(real, '.git'))
  } catch {
    // a git directory itself
  }
  const stat = statSync(real)
  return `${stat.dev}:${stat.ino}`
}

/** A fresh branch name per attempt: git itself refuses a push to the checked-out main. */
function target(): string {
  count += 1
  return `HEAD:refs/heads/sneaky-${count}`
}

/**
 * Every spelling of `repo` from `cwd`, and aliases an agent can make without privileges next to `cwd`:
 * a symlink to the repository, one to its .git, and a directory of hard links to its files (HEAD,
 * config, packed refs) with its object store linked in.
 */
function spellingsOf(repo: string, cwd: string): { spellings: string[]; hard: string } {
  const parent = dirname(repo)
  const alias = join(cwd, '..', `alias-${basename(cwd)}`)
  symlinkSync(repo, alias)
  symlinkSync(join(repo, '.git'), `${alias}-dotgit`)
  const hard = join(cwd, '..', `hard-${basename(cwd)}.git`)
  mkdirSync(join(hard, 'refs/heads'), { recursive: true })
  for (const file of ['HEAD', 'config']) linkSync(join(repo, '.git', file), join(hard, file))
  symlinkSync(join(repo, '.git/objects'), join(hard, 'objects'))
  git(repo, 'pack-refs', '--all')
  linkSync(join(repo, '.git/packed-refs'), join(hard, 'packed-refs'))
  const spellings = [
    repo,
    `${repo}/`,
    `${repo}/.git`,
    `${repo}/.git/`,
    `${repo}/./`,
    `${repo}/.git/.`,
    repo.replace(/\//g, '//'),
    `${parent}/../${basename(parent)}/${basename(repo)}`,
    `${repo}/../${basename(repo)}`,
    relative(cwd, repo),
    `./${relative(cwd, repo)}`,
    relative(cwd, join(repo, '.git')),
    alias,
    `${alias}-dotgit`,
    `file://${repo}`,
    `file://${repo}/.git`,
    `file://localhost${repo}`,
    `file://${repo.replace(/\//g, '//')}`,
  ]
  return { spellings, hard }
}

/** Every way to push to `repo` from `cwd` (name, extra environment, git arguments). */
function attemptsOn(repo: string, cwd: string): [string, string[], string[]][] {
  const { spellings, hard } = spellingsOf(repo, cwd)
  const durable = identity(cwd, repo)
  for (const url of spellings) expect(identity(cwd, url), url).toBe(durable)
  const attempts: [string, string[], string[]][] = []
  for (const url of spellings) {
    attempts.push([`push ${url}`, [], ['push', url, target()]])
    attempts.push([`push --no-verify ${url}`, [], ['push', '--no-verify', url, target()]])
    attempts.push([`send-pack ${url}`, [], ['send-pack', url, target()]])
  }
  attempts.push(
    ['hard-linked alias', [], ['push', '--no-verify', hard, target()]],
    [
      '-c remote.x.pushurl',
      [],
      [
        '-c',
        'remote.x.url=https://example.invalid/x',
        '-c',
        `remote.x.pushurl=${repo}`,
        'push',
        '--no-verify',
        'x',
        target(),
      ],
    ],
    [
      '-c url.*.insteadOf',
      [],
      ['-c', `url.${repo}.insteadOf=elsewhere:`, 'push', '--no-verify', 'elsewhere:', target()],
    ],
    [
      '-c url.*.pushInsteadOf',
      [],
      ['-c', `url.${repo}.pushInsteadOf=elsewhere:`, 'push', '--no-verify', 'elsewhere:', target()],
    ],
    [
      '-c url./.insteadOf=/ (a longer match)',
      [],
      ['-c', 'url./.insteadOf=/', 'push', '--no-verify', repo, target()],
    ],
    ['-c core.hooksPath', [], ['-c', 'core.hooksPath=/dev/null', 'push', repo, target()]],
    ['-c protocol.allow=always', [], ['-c', 'protocol.allow=always', 'push', '--no-verify', repo, target()]],
    ['--receive-pack', [], ['push', '--no-verify', '--receive-pack=git receive-pack', repo, target()]],
    ['send-pack --receive-pack', [], ['send-pack', '--receive-pack=git-receive-pack', repo, target()]],
    ['--force', [], ['push', '--no-verify', '--force', repo, `+${target()}`]],
    [
      'a remote named origin',
      [],
      ['-c', `remote.origin.url=${repo}`, 'push', '--no-verify', 'origin', target()],
    ],
    // One layer switched off: the other still refuses.
    [
      '-c protocol.file.allow=always (hooks on)',
      [],
      ['-c', 'protocol.file.allow=always', 'push', repo, target()],
    ],
    ['GIT_ALLOW_PROTOCOL=file (hooks on)', ['GIT_ALLOW_PROTOCOL=file'], ['push', repo, target()]],
    ['GIT_PROTOCOL_FROM_USER=1', ['GIT_PROTOCOL_FROM_USER=1'], ['push', '--no-verify', repo, target()]],
  )
  return attempts
}

describe('the clone workspace refuses every local push spelling', () => {
  it('by path, URL, rewrite or alias, through push, push --no-verify and send-pack: the durable repository is untouched', () => {
    // The control: from a plain clone of a copy of the durable repository, every attempt works.
    const controlRepo = join(dirname(world.repo), `${basename(world.repo)}-control`)
    git(dirname(world.repo), 'clone', '-q', world.repo, controlRepo)
    const control = join(dirname(ws), 'control-ws')
    git(dirname(ws), 'clone', '-q', '--shared', controlRepo, control)
    writeFileSync(join(control, 'README.md'), '# pushed by the agent\n')
    shellGit(control, [], 'commit', '-qam', 'agent work')
    for (const [name, env, args] of attemptsOn(controlRepo, control)) {
      const result = shellGit(control, env, ...args)
      expect(result.status, `control ${name}: ${result.stderr}`).toBe(0)
    }

    const before = repoState(world.repo)
    for (const [name, env, args] of attemptsOn(world.repo, ws)) {
      const result = agentGit(env, ...args)
      expect(result.status, `${name}: ${result.stderr}`).not.toBe(0)
      expect(repoState(world.repo), name).toBe(before)
      refused.push(name)
    }

    // Removing Gittrix's settings from the workspace config leaves the pre-push hook: still refused.
    agentGit([], 'config', '--unset-all', 'protocol.file.allow')
    for (const url of [
      world.repo,
      `file://${world.repo}`,
      `file://localhost${world.repo}`,
      relative(ws, world.repo),
    ]) {
      const result = agentGit([], 'push', url, target())
      expect(result.status, url).not.toBe(0)
      expect(result.stderr).toContain('gittrix: pushing from a Gittrix workspace is disabled')
      refused.push(`config removed, push ${url}`)
    }
    expect(repoState(world.repo)).toBe(before)
    expect(refused.length).toBeGreaterThanOrEqual(60)
    cleanup(controlRepo)
  })

  it('the workspace has no remote and no route by name to the durable repository', () => {
    expect(execFileSync('git', ['remote'], { cwd: ws, encoding: 'utf8' }).trim()).toBe('')
    expect(agentGit([], 'push', '--no-verify').status).not.toBe(0)
  })
})
