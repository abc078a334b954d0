/**
 * The built Action (action/dist/index.js) run as a child process, as the runner runs it, against a
 * loopback host serving a bare repository over git smart HTTP (Authorization checked) and the REST
 * routes of the Git Data API stand-in. See ./support.ts.
 */
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import examples from '@octokit/webhooks-examples' with { type: 'json' }
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EvictionPolicy } from '../../src/core/types.ts'
import {
  encodeExtendCommit,
  encodeStartCommit,
  inlineCode,
  parseStartCommit,
  sessionNotesRef,
  sessionRestoredPrefix,
} from '../../src/github/index.ts'
import { writeNotesCommit } from '../support/session-notes.ts'
import {
  agentGit,
  basicAuth,
  type BundleRun,
  checkoutRepo,
  ensureBundle,
  type GitHost,
  runBundle,
  runPublishJob,
  startGitHost,
} from './support.ts'

const TOKEN = 'ghs_TestToken0123456789abcdefABCDEF'
const OWNER = 'octo-org'
const REPO = 'octo-repo'
const BINARY = Buffer.from([0, 1, 2, 3, 255, 254, 0, 10, 13, 0])
const BASE_FILES = {
  'README.md': '# Project\n',
  'src/app.js': 'console.log("hi")\n',
  'docs/old.md': 'old\n',
  'bin/tool.sh': 'echo tool\n',
  'assets/logo.bin': BINARY,
}

let host: GitHost
const dirs: string[] = []

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

const git = agentGit

/** What actions/checkout leaves: a clone of `main`; `persist` keeps the token in .git/config. */
const checkout = (persist = false) => checkoutRepo(host, tmp('gittrix-ws-'), persist)

function remoteGit(...args: string[]): string {
  return git(host.gitDir, ...args)
}

/** Git on the remote's bare repository with stdin (for plumbing such as `mktree`), fixed identity. */
function remoteGitInput(args: string[], input?: string | Uint8Array): string {
  return execFileSync('git', ['--git-dir', host.gitDir, ...args], {
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'a',
      GIT_AUTHOR_EMAIL: 'a@b',
      GIT_COMMITTER_NAME: 'a',
      GIT_COMMITTER_EMAIL: 'a@b',
    },
  }).trim()
}

function remoteHead(branch: string): string | null {
  try {
    return remoteGit('rev-parse', '--verify', '--quiet', `refs/heads/${branch}`)
  } catch {
    return null
  }
}

/** An issue_comment.created payload from @octokit/webhooks-examples, pointed at our repository and issue. */
function issueCommentEvent(issue: number): string {
  const group = (examples as unknown as Array<{ name: string; examples: unknown[] }>).find(
    (e) => e.name === 'issue_comment',
  )!
  const payload = structuredClone(
    group.examples.find((e) => (e as { action: string }).action === 'created'),
  ) as {
    issue: { number: number }
    repository: { name: string; full_name: string; default_branch: string; owner: { login: string } }
    comment: { body: string }
  }
  payload.issue.number = issue
  payload.repository.name = REPO
  payload.repository.full_name = `${OWNER}/${REPO}`
  payload.repository.owner.login = OWNER
  payload.repository.default_branch = 'main'
  payload.comment.body = '/agent fix the readme'
  const file = join(tmp('gittrix-event-'), 'event.json')
  writeFileSync(file, JSON.stringify(payload))
  return file
}

function runnerEnv(workspace: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_SERVER_URL: host.serverUrl,
    GITHUB_API_URL: host.apiUrl,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: remoteHead('main')!,
    GITHUB_EVENT_NAME: 'issue_comment',
    GITHUB_EVENT_PATH: issueCommentEvent(42),
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    ...extra,
  }
}

/** Nothing the Action printed, wrote or left in the workspace holds the token or its header form. */
function expectNoToken(run: BundleRun, workspace?: string, masked = true): void {
  const encoded = basicAuth(TOKEN).slice('basic '.length)
  // `::add-mask::<value>` is the runner command that masks a value in all later logs; the runner consumes
  // it. The Action masks the token and its header form that way, and prints them nowhere else.
  const masks = run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'))
  expect(masks).toEqual(masked ? [`::add-mask::${TOKEN}`, `::add-mask::${encoded}`] : [])
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  const texts = [stdout, run.stderr, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.exported)]
  if (workspace) texts.push(readFileSync(join(workspace, '.git', 'config'), 'utf8'))
  for (const text of texts) {
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(encoded)
  }
}

function commitMessage(sha: string): string {
  return remoteGit('cat-file', 'commit', sha).split('\n\n').slice(1).join('\n\n')
}

beforeAll(async () => {
  ensureBundle()
  host = await startGitHost({ owner: OWNER, repo: REPO, token: TOKEN, files: BASE_FILES })
}, 180_000)

afterAll(async () => {
  await host?.close()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('mode run', () => {
  it('two jobs: the agent job pushes nothing and writes a bundle; publish verifies it and pushes the session branch', async () => {
    const ws = await checkout()
    const baseline = git(ws, 'rev-parse', 'HEAD')
    const envDump = join(tmp('gittrix-envdump-'), 'env.txt')
    const script = [
      'env > "$ENV_DUMP"',
      'echo "# Project, improved" > README.md',
      'git commit -q -am "agent: improve readme"',
      'echo new > notes.txt',
      'git rm -q docs/old.md',
      'chmod +x bin/tool.sh',
      'ln -s ../README.md src/link.md',
      'printf "\\000\\001binary\\377" > assets/logo.bin',
    ].join(' && ')
    const run = await runBundle({
      inputs: { task: 'Improve the readme\n\nAnd tidy up.', run: script, token: TOKEN },
      env: { ...runnerEnv(ws), ENV_DUMP: envDump },
    })
    expect(run.errors, run.stderr).toEqual([])
    expect(run.code).toBe(0)
    // The agent's job wrote nothing to GitHub: no push at all, only reads.
    expect(host.requests.filter((r) => r.path.endsWith('git-receive-pack'))).toEqual([])
    expect(remoteHead(`gittrix/${run.outputs['session-id']}`)).toBeNull()
    expect(run.outputs.bundle).toMatch(/\.bundle$/)

    const published = await runPublishJob({ agentJob: run, token: TOKEN, env: runnerEnv(tmpdir()) })
    expect(published.errors, published.stdout).toEqual([])
    expect(published.code).toBe(0)
    expect(published.outputs['head-sha']).toBe(run.outputs['head-sha'])
    expect(published.outputs['touched-files']).toBe(run.outputs['touched-files'])
    expect(published.summary).toContain('| Files | Added | Modified | Deleted | Binary |')

    const { outputs } = published
    expect(outputs['session-id']).toMatch(/^sess_[a-z2-7]{12}$/)
    const branch = `gittrix/${outputs['session-id']}`
    expect(outputs.branch).toBe(branch)
    expect(outputs['baseline-sha']).toBe(baseline)
    expect(remoteHead(branch)).toBe(outputs['head-sha'])
    expect(JSON.parse(outputs['touched-files']!).sort()).toEqual(
      ['README.md', 'assets/logo.bin', 'bin/tool.sh', 'docs/old.md', 'src/link.md', 'notes.txt'].sort(),
    )
    expect(outputs['diff-stat']).toMatch(/^6 files changed, \+\d+ −\d+$/)

    // start commit → agent commit → snapshot, all descending from the baseline.
    const history = remoteGit('rev-list', '--reverse', `${baseline}..${outputs['head-sha']}`).split('\n')
    expect(history).toHaveLength(3)
    const [start, agentCommit, snapshot] = history as [string, string, string]
    expect(remoteGit('rev-parse', `${start}^`)).toBe(baseline)
    expect(remoteGit('rev-parse', `${start}^{tree}`)).toBe(remoteGit('rev-parse', `${baseline}^{tree}`))
    const parsed = parseStartCommit(commitMessage(start), { branch })
    expect(parsed.ok && parsed.value).toMatchObject({
      run: '4242',
      sessionId: outputs['session-id'],
      task: 'Improve the readme\n\nAnd tidy up.',
      durableBranch: 'main',
      baselineSha: baseline,
      ephemeral: { kind: 'branch' },
      link: 42,
      eviction: null,
    })
    expect(commitMessage(agentCommit)).toBe('agent: improve readme')
    expect(commitMessage(snapshot)).toContain(`gittrix: snapshot ${outputs['session-id']}`)

    // The pushed tree holds every kind of change.
    const tree = remoteGit('ls-tree', '-r', outputs['head-sha']!)
    expect(tree).toMatch(/^100755 blob \S+\tbin\/tool\.sh$/m)
    expect(tree).toMatch(/^120000 blob \S+\tsrc\/link\.md$/m)
    expect(tree).not.toContain('docs/old.md')
    expect(remoteGit('show', `${outputs['head-sha']}:notes.txt`)).toBe('new')
    expect(
      execFileSync('git', [
        '--git-dir',
        host.gitDir,
        'cat-file',
        'blob',
        `${outputs['head-sha']}:assets/logo.bin`,
      ]),
    ).toEqual(Buffer.from('\x00\x01binary\xff', 'latin1'))
    expect(remoteHead('main')).toBe(baseline)

    // The agent saw its session, not the token.
    const agentEnv = readFileSync(envDump, 'utf8')
    expect(agentEnv).toContain(`GITTRIX_SESSION_ID=${outputs['session-id']}`)
    expect(agentEnv).toContain(`GITTRIX_BASELINE_SHA=${baseline}`)
    expect(agentEnv).toContain(`GITTRIX_WORKSPACE=${ws}`)
    expect(agentEnv).not.toContain(TOKEN)
    expect(agentEnv).not.toMatch(/^INPUT_/m)

    // The job summary carries the session table and the file stats; the workspace is clean afterwards.
    expect(run.summary).toContain(`| Session | ${inlineCode(outputs['session-id']!)} |`)
    expect(run.summary).toContain('| Files | Added | Modified | Deleted | Binary |')
    expect(run.summary).toContain(inlineCode('assets/logo.bin'))
    expect(git(ws, 'status', '--porcelain')).toBe('')

    // The token went only as one Authorization header per request, and nowhere else.
    expectNoToken(run, ws)
    expectNoToken(published)
    for (const request of host.requests.filter((r) => !r.path.startsWith('/api/'))) {
      expect(request.authorization).toEqual([basicAuth(TOKEN)])
    }
    // A second publish of the same bundle (a re-run of the publish job) pushes nothing and succeeds.
    const again = await runPublishJob({ agentJob: run, token: TOKEN, env: runnerEnv(tmpdir()) })
    expect(again.errors).toEqual([])
    expect(again.stdout).toContain('nothing to push')
    // Another run's publish job refuses it: the start commit names run 4242.
    const other = await runPublishJob({
      agentJob: run,
      token: TOKEN,
      env: runnerEnv(tmpdir(), { GITHUB_RUN_ID: '999' }),
    })
    expect(other.code).toBe(1)
    expect(other.errors.join('\n')).toContain('names workflow run 4242, not this run (999)')
  })

  it('pushes the work of an agent that fails, and fails the step; the post step then has nothing to do', async () => {
    const ws = await checkout()
    const run = await runBundle({
      inputs: {
        task: 'Try something',
        run: 'echo partial > partial.txt; exit 3',
        token: TOKEN,
        topology: 'same-job',
      },
      env: runnerEnv(ws),
    })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain('exited with code 3')
    expect(run.errors[0]).toContain(run.outputs.branch)
    const head = remoteHead(run.outputs.branch!)
    expect(head).toBe(run.outputs['head-sha'])
    expect(remoteGit('show', `${head}:partial.txt`)).toBe('partial')
    expect(JSON.parse(run.outputs['touched-files']!)).toEqual(['partial.txt'])
    expect(run.summary).toContain('exited with code 3')

    const before = host.requests.length
    const post = await runBundle({
      inputs: { task: 'Try something', run: 'x', token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
      post: run.state,
    })
    expect(post.code).toBe(0)
    expect(post.errors).toEqual([])
    expect(post.warnings).toEqual([])
    expect(host.requests.length).toBe(before)
    expectNoToken(run, ws)
  })

  it('a cancelled job (SIGTERM while the agent runs) stops the agent and still pushes its work', async () => {
    const ws = await checkout()
    const run = await runBundle({
      inputs: {
        task: 'Long task',
        run: 'echo started > progress.txt; sleep 30',
        token: TOKEN,
        topology: 'same-job',
      },
      env: runnerEnv(ws),
      interrupt: { after: '::group::Agent', signal: 'SIGTERM' },
    })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([expect.stringContaining('was stopped by SIGTERM')])
    const head = remoteHead(run.outputs.branch!)
    expect(head).toBe(run.outputs['head-sha'])
    expect(remoteGit('show', `${head}:progress.txt`)).toBe('started')
  })

  it('refuses to start on a checkout that persisted its credentials, naming persist-credentials: false', async () => {
    const ws = await checkout(true)
    const main = remoteHead('main')
    const run = await runBundle({
      inputs: { task: 'Push to main', run: 'git push origin HEAD:main', token: TOKEN },
      env: runnerEnv(ws),
    })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([expect.stringContaining('persist-credentials: false')])
    expect(run.errors[0]).toContain('http.<…>.extraheader')
    expect(run.stdout).not.toContain('::group::Agent')
    expect(remoteHead('main')).toBe(main)
    expectNoToken(run)
  })

  it('same-job: refuses an agent push to any ref but its session branch', async () => {
    const ws = await checkout()
    const main = remoteHead('main')
    const header = host.authArgs[1]!
    const script = [
      'echo x > x.txt',
      'git add x.txt',
      'git commit -q -m "agent work"',
      // The agent found a token (in the same-job topology it can): the guard still stops an accident.
      `git -c "${header}" push -q origin HEAD`,
      `git -c "${header}" push origin HEAD:main`,
    ].join(' && ')
    const run = await runBundle({
      inputs: { task: 'Push to main', run: script, token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('gittrix: refusing to push to refs/heads/main')
    expect(remoteHead('main')).toBe(main)
    // The push to its own branch went through; finish then fast-forwarded it.
    expect(remoteHead(run.outputs.branch!)).toBe(run.outputs['head-sha'])
    expect(remoteGit('show', `${run.outputs['head-sha']}:x.txt`)).toBe('x')
    // Finish removed the guard and the branch settings: the checkout pushes as before.
    expect(existsSync(join(ws, '.git', 'hooks', 'pre-push'))).toBe(false)
    expect(settings(ws).filter((line) => line.startsWith('branch.gittrix/'))).toEqual([])
  })

  it('says clearly when the session has no changes', async () => {
    const ws = await checkout()
    const run = await runBundle({
      inputs: { task: 'Look only', run: 'git status --short', token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
    })
    expect(run.code).toBe(0)
    expect(run.outputs['diff-stat']).toBe('No changes')
    expect(run.outputs['touched-files']).toBe('[]')
    expect(run.stdout).toContain('No changes: the workspace is identical to the baseline')
    expect(run.summary).toContain('No changes')
    const start = remoteHead(run.outputs.branch!)!
    expect(run.outputs['head-sha']).toBe(start)
    expect(remoteGit('rev-parse', `${start}^`)).toBe(run.outputs['baseline-sha'])
  })
})

/** The workspace's local git settings, but the committer identity start gives a fresh runner. */
function settings(ws: string): string[] {
  return git(ws, 'config', '--local', '--list')
    .split('\n')
    .filter((line) => !line.startsWith('user.'))
}

describe('modes start and finish', () => {
  it('a start whose push GitHub refuses leaves the checkout as it was, so a retry starts cleanly', async () => {
    const ws = await checkout()
    const before = {
      head: git(ws, 'symbolic-ref', 'HEAD'),
      config: settings(ws),
    }
    const hook = join(host.gitDir, 'hooks', 'pre-receive')
    writeFileSync(hook, '#!/bin/sh\necho "refused by a test ruleset" >&2\nexit 1\n', { mode: 0o755 })
    try {
      const refused = await runBundle({
        inputs: { mode: 'start', task: 't', token: TOKEN, topology: 'same-job' },
        env: runnerEnv(ws),
      })
      expect(refused.code).toBe(1)
      expect(refused.errors.join('\n')).toContain('refused by a test ruleset')
    } finally {
      rmSync(hook)
    }
    expect(git(ws, 'symbolic-ref', 'HEAD')).toBe(before.head)
    expect(settings(ws)).toEqual(before.config)
    expect(existsSync(join(ws, '.git', 'gittrix', 'session.json'))).toBe(false)
    expect(git(ws, 'for-each-ref', '--format=%(refname)', 'refs/heads/gittrix/')).toBe('')

    const retry = await runBundle({
      inputs: { mode: 'start', task: 't', token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
    })
    expect(retry.errors).toEqual([])
    expect(remoteHead(retry.outputs.branch!)).toBe(retry.outputs['head-sha'])
  })

  it('brackets an agent that runs as its own steps; the post step finishes when finish never ran', async () => {
    const ws = await checkout()
    const start = await runBundle({
      inputs: {
        mode: 'start',
        task: 'Two-step task',
        token: TOKEN,
        topology: 'same-job',
        link: '7',
        'ttl-idle': '2h',
        'keep-after-promote': 'true',
      },
      env: runnerEnv(ws),
    })
    expect(start.errors).toEqual([])
    expect(start.code).toBe(0)
    const id = start.outputs['session-id']!
    expect(start.exported).toMatchObject({
      GITTRIX_SESSION_ID: id,
      GITTRIX_BASELINE_SHA: start.outputs['baseline-sha'],
      GITTRIX_WORKSPACE: ws,
    })
    expect(remoteHead(`gittrix/${id}`)).toBe(start.outputs['head-sha'])
    const parsed = parseStartCommit(commitMessage(start.outputs['head-sha']!))
    expect(parsed.ok && parsed.value.link).toBe(7)
    expect(parsed.ok && parsed.value.eviction).toEqual({
      ttlIdleMs: 2 * 3_600_000,
      ttlAbsoluteMs: null,
      untilPromote: false,
      manual: false,
    })
    expect(git(ws, 'symbolic-ref', 'HEAD')).toBe(`refs/heads/gittrix/${id}`)

    // The agent step: edits and one commit of its own, then fails; `finish` is skipped.
    writeFileSync(join(ws, 'README.md'), '# Changed by the agent step\n')
    git(ws, 'commit', '-q', '-am', 'agent step commit')
    unlinkSync(join(ws, 'src/app.js'))

    const post = await runBundle({
      inputs: { mode: 'start', task: 'Two-step task', token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
      post: start.state,
    })
    expect(post.code).toBe(0)
    expect(post.warnings.some((w) => w.includes(`Session ${id} was not finished`))).toBe(true)
    const head = remoteHead(`gittrix/${id}`)!
    expect(remoteGit('show', `${head}:README.md`)).toBe('# Changed by the agent step')
    expect(remoteGit('ls-tree', '-r', '--name-only', head)).not.toContain('src/app.js')
    expect(remoteGit('log', '--format=%s', `${start.outputs['head-sha']}..${head}`).split('\n')).toEqual([
      `gittrix: snapshot ${id}`,
      'agent step commit',
    ])
    expect(post.summary).toContain('finished by the post step')

    // A second post (or a post after finish) does nothing.
    const again = await runBundle({
      inputs: { mode: 'start', task: 'Two-step task', token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
      post: start.state,
    })
    expect(again.warnings).toEqual([])
    expect(remoteHead(`gittrix/${id}`)).toBe(head)
    expectNoToken(start, ws)
    expectNoToken(post, ws)
  })

  it('finish snapshots and pushes, with the session id from the environment start exported', async () => {
    const ws = await checkout()
    const start = await runBundle({
      inputs: { mode: 'start', task: 'Finish me', token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
    })
    expect(start.code).toBe(0)
    writeFileSync(join(ws, 'added.txt'), 'added\n')
    symlinkSync('README.md', join(ws, 'readme-link'))
    chmodSync(join(ws, 'bin/tool.sh'), 0o755)
    const finish = await runBundle({
      inputs: { mode: 'finish', token: TOKEN, topology: 'same-job' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(finish.errors).toEqual([])
    expect(finish.code).toBe(0)
    expect(finish.outputs['session-id']).toBe(start.outputs['session-id'])
    expect(JSON.parse(finish.outputs['touched-files']!).sort()).toEqual([
      'added.txt',
      'bin/tool.sh',
      'readme-link',
    ])
    expect(remoteHead(finish.outputs.branch!)).toBe(finish.outputs['head-sha'])

    // The start step's post sees the session finished and stays quiet.
    const post = await runBundle({
      inputs: { mode: 'start', task: 'Finish me', token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
      post: start.state,
    })
    expect(post.warnings).toEqual([])
    expect(remoteHead(finish.outputs.branch!)).toBe(finish.outputs['head-sha'])
    expectNoToken(finish, ws)
  })

  it('finds a checkout made with actions/checkout `path:` through the path input', async () => {
    const ws = await checkout()
    const parent = join(ws, '..')
    const start = await runBundle({
      inputs: { mode: 'start', task: 'In a subdirectory', token: TOKEN, path: 'repo' },
      env: runnerEnv(parent),
    })
    expect(start.errors, start.stdout).toEqual([])
    expect(start.exported.GITTRIX_WORKSPACE).toBe(ws)
    const escape = await runBundle({
      inputs: { mode: 'start', task: 't', token: TOKEN, path: '../elsewhere' },
      env: runnerEnv(parent),
    })
    expect(escape.errors).toEqual([expect.stringContaining("Input 'path':")])
  })

  it('refuses to start on a dirty workspace or one not on the durable branch, and to finish without a session', async () => {
    const dirty = await checkout()
    writeFileSync(join(dirty, 'stray.txt'), 'x\n')
    const a = await runBundle({ inputs: { mode: 'start', task: 't', token: TOKEN }, env: runnerEnv(dirty) })
    expect(a.code).toBe(1)
    expect(a.errors).toHaveLength(1)
    expect(a.errors[0]).toContain('"stray.txt"')

    const elsewhere = await checkout()
    git(elsewhere, 'commit', '-q', '--allow-empty', '-m', 'local only')
    const b = await runBundle({
      inputs: { mode: 'start', task: 't', token: TOKEN },
      env: runnerEnv(elsewhere),
    })
    expect(b.code).toBe(1)
    expect(b.errors).toHaveLength(1)
    expect(b.errors[0]).toContain('not a commit of the durable branch "main"')

    const none = await checkout()
    const c = await runBundle({ inputs: { mode: 'finish', token: TOKEN }, env: runnerEnv(none) })
    expect(c.code).toBe(1)
    expect(c.errors).toEqual([expect.stringContaining('No Gittrix session was started')])
  })
})

describe('bad inputs', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['mode', { mode: 'deploy', task: 't', run: 'true' }, 'Input \'mode\': "deploy" is not a mode'],
    [
      'ephemeral',
      { ephemeral: 'artifacts', task: 't', run: 'true' },
      "Input 'artifacts-namespace': is required with ephemeral: artifacts",
    ],
    [
      'ephemeral',
      { ephemeral: 'disk', task: 't', run: 'true' },
      'Input \'ephemeral\': "disk" is not a workspace kind',
    ],
    ['task', { run: 'true' }, "Input 'task': is required with mode run"],
    ['task', { task: 'a\u0007b', run: 'true' }, "Input 'task': the task contains a control character"],
    ['run', { task: 't' }, "Input 'run': is required with mode run"],
    ['run', { mode: 'start', task: 't', run: 'true' }, "Input 'run': is only used with mode run"],
    [
      'durable-branch',
      { task: 't', run: 'true', 'durable-branch': 'a..b' },
      'Input \'durable-branch\': "a..b" is not usable',
    ],
    [
      'durable-branch',
      { task: 't', run: 'true', 'durable-branch': 'gittrix/x' },
      'a Gittrix branch cannot be durable',
    ],
    [
      'link',
      { task: 't', run: 'true', link: 'abc' },
      'Input \'link\': "abc" is not an issue or pull request number',
    ],
    [
      'ttl-idle',
      { task: 't', run: 'true', 'ttl-idle': 'soon' },
      'Input \'ttl-idle\': "soon" is not a duration',
    ],
    [
      'ttl-absolute',
      { task: 't', run: 'true', 'ttl-absolute': '-5m' },
      'Input \'ttl-absolute\': "-5m" is not a duration',
    ],
    [
      'keep-after-promote',
      { task: 't', run: 'true', 'keep-after-promote': 'yes' },
      'Input \'keep-after-promote\': "yes" is not a boolean',
    ],
    [
      'transcript',
      { mode: 'start', task: 't', transcript: 't.jsonl' },
      "Input 'transcript': is only used with mode run or finish",
    ],
    [
      'transcript',
      { task: 't', run: 'true', sandbox: 'true', transcript: 't.jsonl' },
      "Input 'transcript': cannot be combined with sandbox",
    ],
  ]
  it.each(cases)(
    '%s: one error annotation naming the input and what it accepts (%#)',
    async (_name, inputs, message) => {
      const ws = join(tmpdir(), 'gittrix-never-used')
      const before = host.requests.length
      const run = await runBundle({ inputs: { token: TOKEN, ...inputs }, env: runnerEnv(ws) })
      expect(run.code).toBe(1)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toContain(message)
      expect(host.requests.length).toBe(before)
      expectNoToken(run, undefined, false)
    },
  )

  it('a missing token is named too', async () => {
    const run = await runBundle({ inputs: { task: 't', run: 'true' }, env: runnerEnv(tmpdir()) })
    expect(run.errors).toEqual([expect.stringContaining("Input 'token':")])
  })
})

describe('session notes', () => {
  it("two jobs: publish pushes the agent's notes on session commits with the branch, nothing else", async () => {
    const ws = await checkout()
    const baseline = git(ws, 'rev-parse', 'HEAD')
    const note = '{"gittrix":"tool-calls/1","client":null,"calls":[{"tool":"write_file"}]}'
    const script = [
      'echo "# Project, noted" > README.md',
      'git commit -q -am "agent: readme"',
      `git notes --ref=gittrix add -m '${note}' HEAD`,
      // A note on a commit that is not the session's (the baseline) is not carried.
      `git notes --ref=gittrix add -m 'not this session' ${baseline}`,
      'git notes --ref=gittrix-transcript add -m \'{"role":"user"}\' HEAD',
    ].join(' && ')
    const run = await runBundle({
      inputs: { task: 'Take notes', run: script, token: TOKEN },
      env: runnerEnv(ws),
    })
    expect(run.errors, run.stderr).toEqual([])
    const agentCommit = git(ws, 'rev-parse', `refs/heads/gittrix/${run.outputs['session-id']}`)
    const published = await runPublishJob({ agentJob: run, token: TOKEN, env: runnerEnv(tmpdir()) })
    expect(published.errors, published.stdout).toEqual([])
    const id = published.outputs['session-id']!
    const toolCalls = sessionNotesRef(id, 'tool-calls')
    const transcript = sessionNotesRef(id, 'transcript')
    // One root commit per kind holding exactly the session commit's note.
    const listed = remoteGitInput(['notes', `--ref=${toolCalls}`, 'list']).split('\n')
    expect(listed.map((l) => l.split(' ')[1])).toEqual([agentCommit])
    expect(remoteGitInput(['notes', `--ref=${toolCalls}`, 'show', agentCommit])).toBe(note)
    expect(remoteGitInput(['rev-list', '--count', toolCalls])).toBe('1')
    expect(remoteGitInput(['notes', `--ref=${transcript}`, 'show', agentCommit])).toBe('{"role":"user"}')
    // Nothing of the notes is in the session's tree.
    expect(remoteGitInput(['ls-tree', '-r', '--name-only', published.outputs['head-sha']!])).not.toMatch(
      /[0-9a-f]{40}/,
    )
  })
})

describe('transcript input', () => {
  it('attaches the JSONL file the agent step wrote as the head transcript note, pushed with the branch, never in the tree', async () => {
    const ws = await checkout()
    const transcriptFile = join(tmp('gittrix-transcript-'), 'transcript.jsonl')
    const transcript =
      '{"role":"user","text":"<img src=x onerror=alert(1)> **fix** it"}\n{"role":"assistant"}\n'
    const script = `echo "# Project, transcribed" > README.md && printf '%s' '${transcript}' > '${transcriptFile}'`
    const run = await runBundle({
      inputs: { task: 'Keep a transcript', run: script, token: TOKEN, transcript: transcriptFile },
      env: runnerEnv(ws),
    })
    expect(run.errors, run.stderr).toEqual([])
    expect(run.warnings).toEqual([])
    expect(run.stdout).toContain('Attached the transcript (2 lines')
    const published = await runPublishJob({ agentJob: run, token: TOKEN, env: runnerEnv(tmpdir()) })
    expect(published.errors, published.stdout).toEqual([])
    const id = published.outputs['session-id']!
    const head = published.outputs['head-sha']!
    const ref = sessionNotesRef(id, 'transcript')
    expect(remoteGitInput(['notes', `--ref=${ref}`, 'list']).split(' ')[1]).toBe(head)
    expect(`${remoteGitInput(['notes', `--ref=${ref}`, 'show', head])}\n`).toBe(transcript)
    const baseline = published.outputs['baseline-sha']!
    expect(remoteGitInput(['diff', '--name-only', baseline, head]).split('\n')).toEqual(['README.md'])
    // Not shown anywhere as markdown: the summary does not carry its text.
    expect(run.summary + published.summary).not.toContain('onerror')
  })

  it('refuses a transcript the agent pointed elsewhere (a symlink to a secret): a warning, nothing attached', async () => {
    const ws = await checkout()
    const dir = tmp('gittrix-transcript-')
    const secret = join(dir, 'secret.jsonl')
    writeFileSync(secret, '{"secret":"s3cr3t-value"}\n')
    const transcriptFile = join(dir, 'transcript.jsonl')
    const run = await runBundle({
      inputs: {
        task: 'Link a secret',
        run: `echo linked > linked.txt && ln -s '${secret}' '${transcriptFile}'`,
        token: TOKEN,
        topology: 'same-job',
        transcript: transcriptFile,
      },
      env: runnerEnv(ws),
    })
    expect(run.errors, run.stderr).toEqual([])
    expect(run.warnings).toEqual([expect.stringMatching(/The transcript was not attached: .*symlink/)])
    const id = run.outputs['session-id']!
    expect(remoteHead(`gittrix/${id}`)).toBe(run.outputs['head-sha'])
    expect(remoteGitInput(['for-each-ref', sessionNotesRef(id, 'transcript')])).toBe('')
    expect(remoteGitInput(['log', '--all', '-p', '--format=%B'])).not.toContain('s3cr3t-value')
  })
})

describe('session notes, same job', () => {
  it('same-job: finish pushes the notes refs and the branch in one atomic push', async () => {
    const ws = await checkout()
    const script = [
      'echo same > same.txt',
      'git add same.txt',
      'git commit -q -m "agent: same job"',
      `git notes --ref=gittrix add -m '{"gittrix":"tool-calls/1","client":null,"calls":[]}' HEAD`,
    ].join(' && ')
    const run = await runBundle({
      inputs: { task: 'Same job notes', run: script, token: TOKEN, topology: 'same-job' },
      env: runnerEnv(ws),
    })
    expect(run.errors, run.stderr).toEqual([])
    const id = run.outputs['session-id']!
    const head = run.outputs['head-sha']!
    expect(remoteHead(`gittrix/${id}`)).toBe(head)
    const ref = sessionNotesRef(id, 'tool-calls')
    expect(remoteGitInput(['notes', `--ref=${ref}`, 'list']).split(' ')[1]).toBe(head)
    // No transcript was written: no empty transcript ref either.
    expect(remoteGitInput(['for-each-ref', sessionNotesRef(id, 'transcript')])).toBe('')
  })
})

describe('mode sweep', () => {
  /** Pushes a session branch whose start commit (and one later commit) have the given committer dates. */
  function sessionBranch(
    id: string,
    dates: { start: string; head?: string },
    eviction: EvictionPolicy | null,
    headMessage = 'agent work\n',
    startParent?: string,
  ): string {
    const base = remoteHead('main')!
    const env = { GIT_COMMITTER_DATE: dates.start, GIT_AUTHOR_DATE: dates.start }
    const message = encodeStartCommit({
      sessionId: id,
      task: `task of ${id}`,
      durableBranch: 'main',
      baselineSha: base,
      ephemeral: { kind: 'branch' },
      link: null,
      eviction,
    })
    const commit = (tree: string, parent: string, msg: string, date: string) =>
      execFileSync('git', ['--git-dir', host.gitDir, 'commit-tree', tree, '-p', parent, '-F', '-'], {
        input: msg,
        encoding: 'utf8',
        env: {
          ...process.env,
          ...env,
          GIT_COMMITTER_DATE: date,
          GIT_AUTHOR_DATE: date,
        },
      }).trim()
    let head = commit(`${base}^{tree}`, startParent ?? base, message, dates.start)
    if (dates.head) head = commit(`${base}^{tree}`, head, headMessage, dates.head)
    remoteGit('update-ref', `refs/heads/gittrix/${id}`, head)
    return head
  }

  it('deletes expired session branches and keeps fresh, manual and unreadable ones', async () => {
    const now = new Date()
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString()
    const policy = { ttlIdleMs: 3_600_000, ttlAbsoluteMs: null, untilPromote: true, manual: false }
    sessionBranch('sess_aaaaaaaaaaaa', { start: hoursAgo(10) }, null) // default 4h idle: expired
    sessionBranch('sess_bbbbbbbbbbbb', { start: hoursAgo(10), head: hoursAgo(0.5) }, policy) // active recently
    sessionBranch('sess_cccccccccccc', { start: hoursAgo(100) }, { ...policy, manual: true }) // manual
    sessionBranch('sess_dddddddddddd', { start: hoursAgo(3), head: hoursAgo(2) }, policy) // idle 2h > 1h
    // Idle 2h > its start commit's 1h, but the App's /gittrix extend raised the idle limit to 4h.
    const extend = encodeExtendCommit({
      sessionId: 'sess_ffffffffffff',
      eviction: { ...policy, ttlIdleMs: 4 * 3_600_000 },
      note: 'Extended by @maintainer for 4h.',
    })
    sessionBranch('sess_ffffffffffff', { start: hoursAgo(3), head: hoursAgo(2) }, policy, extend)
    remoteGit('update-ref', 'refs/heads/gittrix/sess_eeeeeeeeeeee', remoteHead('main')!) // no start commit
    remoteGit('update-ref', 'refs/heads/gittrix/promote/sess_aaaaaaaaaaaa', remoteHead('main')!) // not a session
    // Notes refs: of an expired session (deleted with its branch), of a kept one (kept), of a session
    // whose branch is gone (deleted).
    const notes = (id: string) => {
      const ref = sessionNotesRef(id, 'tool-calls')
      writeNotesCommit((args, input) => remoteGitInput(args, input), ref, [
        { commit: remoteHead('main')!, bytes: '{}\n' },
      ])
      return ref
    }
    const expiredNotes = notes('sess_aaaaaaaaaaaa')
    const keptNotes = notes('sess_bbbbbbbbbbbb')
    const orphanNotes = notes('sess_gggggggggggg')
    // Refs restores kept (src/github/branches.ts sessionRestoredPrefix) go with their session the same way.
    const restored = (id: string) => {
      const ref = `${sessionRestoredPrefix(id)}20261203T120000000Z-${remoteHead('main')!.slice(0, 12)}`
      remoteGit('update-ref', ref, remoteHead('main')!)
      return ref
    }
    const expiredRestored = restored('sess_aaaaaaaaaaaa')
    const keptRestored = restored('sess_bbbbbbbbbbbb')
    const orphanRestored = restored('sess_gggggggggggg')

    const run = await runBundle({
      inputs: { mode: 'sweep', token: TOKEN },
      env: runnerEnv(tmpdir(), { GITHUB_EVENT_NAME: 'schedule' }),
    })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(remoteHead('gittrix/sess_aaaaaaaaaaaa')).toBeNull()
    expect(remoteHead('gittrix/sess_dddddddddddd')).toBeNull()
    expect(remoteHead('gittrix/sess_bbbbbbbbbbbb')).not.toBeNull()
    expect(remoteHead('gittrix/sess_cccccccccccc')).not.toBeNull()
    expect(remoteHead('gittrix/sess_ffffffffffff')).not.toBeNull()
    expect(remoteHead('gittrix/sess_eeeeeeeeeeee')).not.toBeNull()
    expect(remoteHead('gittrix/promote/sess_aaaaaaaaaaaa')).not.toBeNull()
    const refExists = (ref: string) => remoteGitInput(['for-each-ref', ref]) !== ''
    expect(refExists(expiredNotes)).toBe(false)
    expect(refExists(orphanNotes)).toBe(false)
    expect(refExists(keptNotes)).toBe(true)
    expect(refExists(expiredRestored)).toBe(false)
    expect(refExists(orphanRestored)).toBe(false)
    expect(refExists(keptRestored)).toBe(true)
    expect(run.stdout).toContain(
      'gittrix/sess_eeeeeeeeeeee: skipped (No start commit ("gittrix: start sess_eeeeeeeeeeee") was found on the session branch.)',
    )
    expect(run.stdout).toContain('gittrix/sess_cccccccccccc: kept (manual eviction)')
    expect(run.summary).toMatch(/## Gittrix sweep: 2 of \d+ session branches deleted/)
    // The commits were read through the REST API with the token.
    expect(
      host.requests.some((r) => r.path === `/api/v3/repos/${OWNER}/${REPO}/commits` && r.status === 200),
    ).toBe(true)
    expectNoToken(run)
  })

  // The sweep and the App read a session branch with one fold (src/adapters/github/session-history.ts);
  // before, the sweep took any parseable start commit and gave up after 1000 commits.
  it('reads a session branch as the App does: a start commit off its baseline is never swept; a long branch is', async () => {
    const tenHoursAgo = new Date(Date.now() - 10 * 3_600_000).toISOString()
    const base = remoteHead('main')!
    // Work pushed below a start commit: the start commit does not sit on its Gittrix-Baseline.
    const other = execFileSync(
      'git',
      ['--git-dir', host.gitDir, 'commit-tree', `${base}^{tree}`, '-p', base, '-m', 'other work'],
      {
        encoding: 'utf8',
      },
    ).trim()
    sessionBranch('sess_offbaseaaaaa', { start: tenHoursAgo }, null, undefined, other)
    // 1001 commits after an expired start commit: beyond the newest 100, found from the durable end.
    const start = sessionBranch('sess_longaaaaaaaa', { start: tenHoursAgo }, null)
    const seconds = Math.floor(Date.parse(tenHoursAgo) / 1000)
    let stream = `reset refs/heads/gittrix/sess_longaaaaaaaa\nfrom ${start}\n\n`
    for (let i = 0; i < 1001; i++)
      stream += `commit refs/heads/gittrix/sess_longaaaaaaaa\ncommitter a <a@b> ${seconds} +0000\ndata 9\nwork ${String(i).padStart(4, '0')}\n\n`
    execFileSync('git', ['--git-dir', host.gitDir, 'fast-import', '--quiet'], { input: stream })

    const run = await runBundle({
      inputs: { mode: 'sweep', token: TOKEN },
      env: runnerEnv(tmpdir(), { GITHUB_EVENT_NAME: 'schedule' }),
    })
    expect(run.errors).toEqual([])
    expect(remoteHead('gittrix/sess_offbaseaaaaa')).not.toBeNull()
    expect(run.stdout).toMatch(
      /gittrix\/sess_offbaseaaaaa: skipped \(The start commit \w+ does not sit on its Gittrix-Baseline/,
    )
    expect(remoteHead('gittrix/sess_longaaaaaaaa')).toBeNull()
    expect(run.stdout).toContain('gittrix/sess_longaaaaaaaa: deleted (idle too long)')
  })
})
