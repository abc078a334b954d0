/**
 * The built Action with `ephemeral: artifacts`, run as a child process against two loopback hosts:
 * the "GitHub" of ./support.ts (git smart HTTP + REST) and the Cloudflare Artifacts stand-in of
 * test/support/artifacts-stand-in.ts (REST control plane + git smart HTTP checking the Bearer repo token).
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baselineMessage } from '../../src/adapters/artifacts/baseline.ts'
import {
  encodeExtendCommit,
  encodeStartCommit,
  inlineCode,
  parsePointerCommit,
  parseStartCommit,
} from '../../src/github/index.ts'
import { prePushGuard } from '../../action/lib/workspace.ts'
import { ArtifactsStandIn } from '../support/artifacts-stand-in.ts'
import {
  agentGit,
  type BundleRun,
  checkoutRepo,
  ensureBundle,
  type GitHost,
  runBundle,
  startGitHost,
} from './support.ts'

const TOKEN = 'ghs_ArtifactsTestToken0123456789abcdef'
const OWNER = 'octo-org'
const REPO = 'octo-repo'
/** GITHUB_REPOSITORY_ID of the runner: session repositories are named gittrix-<it>-<session id>. */
const REPOSITORY_ID = 424242
const NAMESPACE = 'gittrix-ci'

let host: GitHost
let standIn: ArtifactsStandIn
const dirs: string[] = []

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

const git = agentGit

/** A fresh clone of `main`, as actions/checkout leaves it. */
const checkout = (persist = false) => checkoutRepo(host, tmp('gittrix-aws-'), persist)

const github = (...args: string[]) => git(host.gitDir, ...args)
const artifacts = (repo: string, ...args: string[]) => git(standIn.gitDir(repo), ...args)

function ref(gitDir: string, name: string): string | null {
  try {
    return git(gitDir, 'rev-parse', '--verify', '--quiet', name)
  } catch {
    return null
  }
}

function message(gitDir: string, sha: string): string {
  const raw = git(gitDir, 'cat-file', 'commit', sha)
  return raw.slice(raw.indexOf('\n\n') + 2)
}

function runnerEnv(workspace: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_REPOSITORY_ID: String(REPOSITORY_ID),
    GITHUB_SERVER_URL: host.serverUrl,
    GITHUB_API_URL: host.apiUrl,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: ref(host.gitDir, 'refs/heads/main')!,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    ...extra,
  }
}

function artifactsInputs(): Record<string, string> {
  return {
    ephemeral: 'artifacts',
    'artifacts-account-id': standIn.accountId,
    'artifacts-namespace': NAMESPACE,
    'artifacts-api-token': standIn.apiToken,
    'artifacts-api-url': standIn.baseUrl,
    token: TOKEN,
    topology: 'same-job',
  }
}

/**
 * Neither the Cloudflare API token nor any repo token the stand-in minted appears in what the Action
 * printed, wrote or left behind (`::add-mask::` lines are runner commands, consumed by the runner).
 */
function expectNoSecrets(run: BundleRun, extra: string[] = []): void {
  const secrets = [standIn.apiToken, ...standIn.tokens.keys(), ...[...standIn.tokens.keys()].map(secretOf)]
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  const texts = [
    stdout,
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    JSON.stringify(run.exported),
    JSON.stringify(run.state),
    ...run.errors,
    ...extra,
  ]
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret)
}

/** The token's secret part (what Basic auth would carry). */
function secretOf(token: string): string {
  return token.split('?')[0]!
}

beforeAll(async () => {
  ensureBundle()
  host = await startGitHost({
    owner: OWNER,
    repo: REPO,
    token: TOKEN,
    files: { 'README.md': '# Project\n', 'docs/old.md': 'old\n', 'bin/tool.sh': 'echo tool\n' },
  })
  standIn = await new ArtifactsStandIn({ namespace: NAMESPACE }).start()
}, 180_000)

afterAll(async () => {
  await host?.close()
  await standIn?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('ephemeral: artifacts, mode run', () => {
  it('works in a clone of the session repository; finish pushes there and points the session branch at it', async () => {
    const ws = await checkout()
    const baseline = git(ws, 'rev-parse', 'HEAD')
    const dumps = tmp('gittrix-adump-')
    const script = [
      'env > "$DUMPS/env.txt"',
      'git config --list --show-origin > "$DUMPS/config.txt"',
      'git rev-parse HEAD > "$DUMPS/head.txt"',
      'echo "# Project, improved" > README.md',
      'git commit -q -am "agent: improve readme"',
      'echo new > notes.txt',
      'git rm -q docs/old.md',
      'chmod +x bin/tool.sh',
      // The agent has no GitHub credential (start refuses a checkout that persisted one) …
      'if git push --force origin HEAD:refs/heads/main 2> "$DUMPS/push-origin.txt"; then exit 9; fi',
      'if git push --force origin "HEAD:refs/heads/$GITTRIX_BRANCH" 2>> "$DUMPS/push-origin.txt"; then exit 9; fi',
      // … and the agent has no credential for its session repository.
      'if GIT_TERMINAL_PROMPT=0 git push 2> "$DUMPS/push-own.txt"; then exit 9; fi',
    ].join(' && ')
    const run = await runBundle({
      inputs: { ...artifactsInputs(), task: 'Improve the readme', run: script },
      env: { ...runnerEnv(ws), DUMPS: dumps },
    })
    expect(run.errors, run.stdout + run.stderr).toEqual([])
    expect(run.code).toBe(0)

    const id = run.outputs['session-id']!
    const repo = `gittrix-${REPOSITORY_ID}-${id}`
    const branch = `gittrix/${id}`
    const head = run.outputs['head-sha']!
    expect(run.outputs).toMatchObject({ branch, 'baseline-sha': baseline })
    expect(JSON.parse(run.outputs['touched-files']!).sort()).toEqual(
      ['README.md', 'bin/tool.sh', 'docs/old.md', 'notes.txt'].sort(),
    )
    expect(run.outputs['diff-stat']).toMatch(/^4 files changed, /)

    // Artifacts: main = one orphan baseline commit → the agent's commit → the snapshot. No GitHub history.
    expect(standIn.hasRepo(repo)).toBe(true)
    expect(ref(standIn.gitDir(repo), 'refs/heads/main')).toBe(head)
    const lineage = artifacts(repo, 'rev-list', '--reverse', 'main').split('\n')
    expect(lineage).toHaveLength(3)
    expect(artifacts(repo, 'rev-list', '--all').split('\n')).toHaveLength(3)
    const [root, agentCommit] = lineage as [string, string, string]
    expect(artifacts(repo, 'rev-list', '--parents', '-n1', root)).toBe(root)
    expect(artifacts(repo, 'rev-parse', `${root}^{tree}`)).toBe(github('rev-parse', `${baseline}^{tree}`))
    expect(message(standIn.gitDir(repo), root)).toBe(
      baselineMessage(id, baseline, `github://${OWNER}/${REPO}#main`).trimEnd(),
    )
    expect(message(standIn.gitDir(repo), agentCommit)).toBe('agent: improve readme')
    expect(message(standIn.gitDir(repo), head)).toContain(`gittrix: snapshot ${id}`)
    expect(artifacts(repo, 'show', `${head}:notes.txt`)).toBe('new')
    expect(artifacts(repo, 'ls-tree', head, 'bin/tool.sh')).toMatch(/^100755 /)
    expect(artifacts(repo, 'ls-tree', '-r', '--name-only', head)).not.toContain('docs/old.md')

    // GitHub: baseline → start commit → pointer commit, both with the baseline's tree.
    const pointer = ref(host.gitDir, `refs/heads/${branch}`)!
    const start = github('rev-parse', `${pointer}^`)
    expect(github('rev-parse', `${start}^`)).toBe(baseline)
    for (const sha of [start, pointer])
      expect(github('rev-parse', `${sha}^{tree}`)).toBe(github('rev-parse', `${baseline}^{tree}`))
    const parsedStart = parseStartCommit(message(host.gitDir, start), { branch })
    expect(parsedStart.ok && parsedStart.value.ephemeral).toEqual({
      kind: 'artifacts',
      namespace: NAMESPACE,
      repo,
    })
    const parsedPointer = parsePointerCommit(message(host.gitDir, pointer), { branch })
    expect(parsedPointer.ok && parsedPointer.value).toEqual({
      sessionId: id,
      namespace: NAMESPACE,
      repo,
      artifactsHead: head,
    })
    // The session's content stayed in Artifacts; GitHub holds only the start and pointer commits.
    expect(() => github('cat-file', '-e', head)).toThrow()
    expect(ref(host.gitDir, 'refs/heads/main')).toBe(baseline)

    // The workspace: its session branch is the Artifacts lineage, tracking the session repository.
    expect(git(ws, 'symbolic-ref', 'HEAD')).toBe(`refs/heads/${branch}`)
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(head)
    expect(readFileSync(join(dumps, 'head.txt'), 'utf8').trim()).toBe(root)
    expect(git(ws, 'status', '--porcelain')).toBe('')
    const url = `${standIn.baseUrl.replace('/client/v4', '')}/git/${NAMESPACE}/${repo}.git`
    // Finish removed what start added to the checkout (a self-hosted runner's next job pushes as before).
    expect(() => git(ws, 'config', 'remote.artifacts.url')).toThrow()
    expect(existsSync(join(ws, '.git', 'hooks', 'pre-push'))).toBe(false)
    expect(git(ws, 'rev-parse', 'refs/remotes/artifacts/main')).toBe(head)
    // The checkout holds no credential for GitHub (start refuses persisted ones): both pushes fail.
    expect(readFileSync(join(dumps, 'push-origin.txt'), 'utf8')).toMatch(/could not read Username/)
    expect(readFileSync(join(dumps, 'push-own.txt'), 'utf8')).not.toContain('refusing')
    expect(ref(host.gitDir, 'refs/heads/main')).toBe(baseline)
    // The guard itself (as start installed it): only main of the session repository passes.
    const hook = join(dumps, 'pre-push')
    writeFileSync(hook, prePushGuard({ ref: 'refs/heads/main', url }, null), { mode: 0o755 })
    const guard = (remote: string, remoteRef: string) => {
      try {
        execFileSync(hook, ['x', remote], {
          input: `refs/heads/${branch} ${head} ${remoteRef} ${'0'.repeat(40)}\n`,
          stdio: ['pipe', 'ignore', 'ignore'],
        })
        return true
      } catch {
        return false
      }
    }
    expect(guard(url, 'refs/heads/main')).toBe(true)
    expect(guard(url, 'refs/heads/other')).toBe(false)
    expect(guard(host.repoUrl, 'refs/heads/main')).toBe(false)
    expect(guard(`${url}x`, 'refs/heads/main')).toBe(false)

    // Summary and logs.
    expect(run.summary).toContain(
      `| Artifacts repository | ${inlineCode(`artifacts://${NAMESPACE}/${repo}`)} |`,
    )
    expect(run.stdout).toContain(`Pushed ${head} to Artifacts ${NAMESPACE}/${repo}`)

    // Secrets: masked, sent only as headers, never printed, stored or handed to the agent.
    expect(run.stdout).toContain(`::add-mask::${standIn.apiToken}`)
    const agentEnv = readFileSync(join(dumps, 'env.txt'), 'utf8')
    expect(agentEnv).not.toMatch(/^INPUT_/m)
    expectNoSecrets(run, [
      agentEnv,
      readFileSync(join(dumps, 'config.txt'), 'utf8'),
      readFileSync(join(ws, '.git', 'config'), 'utf8'),
      readFileSync(join(ws, '.git', 'gittrix', 'session.json'), 'utf8'),
    ])
    for (const text of [agentEnv, readFileSync(join(ws, '.git', 'config'), 'utf8')])
      expect(text).not.toContain(TOKEN)
    const gitRequests = standIn.requests.filter((r) => r.kind === 'git' && r.path.includes(repo))
    expect(gitRequests.filter((r) => r.status === 200).length).toBeGreaterThan(0)
    for (const request of gitRequests.filter((r) => r.status !== 401)) expect(request.auth).toBe('bearer')
  })

  it('pushes the work of a failing agent and fails the step', async () => {
    const ws = await checkout()
    const run = await runBundle({
      inputs: { ...artifactsInputs(), task: 'Try something', run: 'echo partial > partial.txt; exit 3' },
      env: runnerEnv(ws),
    })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([expect.stringContaining('exited with code 3')])
    const repo = `gittrix-${REPOSITORY_ID}-${run.outputs['session-id']}`
    expect(artifacts(repo, 'show', 'main:partial.txt')).toBe('partial')
    expect(run.outputs['head-sha']).toBe(ref(standIn.gitDir(repo), 'refs/heads/main'))
    expectNoSecrets(run)
  })
})

describe('ephemeral: artifacts, modes start and finish', () => {
  it('the post step finishes a session whose agent step failed; a repeated finish adds no second pointer', async () => {
    const ws = await checkout()
    const start = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'start', task: 'Two-step task' },
      env: runnerEnv(ws),
    })
    expect(start.errors, start.stdout).toEqual([])
    const id = start.outputs['session-id']!
    const repo = `gittrix-${REPOSITORY_ID}-${id}`
    const branch = `gittrix/${id}`
    const root = ref(standIn.gitDir(repo), 'refs/heads/main')!
    expect(start.outputs['head-sha']).toBe(root)
    const startSha = ref(host.gitDir, `refs/heads/${branch}`)!
    expect(parseStartCommit(message(host.gitDir, startSha)).ok).toBe(true)

    // The agent step edits, commits once, deletes a file, then fails: `finish` never runs.
    writeFileSync(join(ws, 'README.md'), '# Changed by the agent step\n')
    git(ws, 'commit', '-q', '-am', 'agent step commit')
    unlinkSync(join(ws, 'docs/old.md'))
    chmodSync(join(ws, 'bin/tool.sh'), 0o755)

    const post = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'start', task: 'Two-step task' },
      env: runnerEnv(ws),
      post: start.state,
    })
    expect(post.errors, post.stdout).toEqual([])
    expect(post.warnings.some((w) => w.includes(`Session ${id} was not finished`))).toBe(true)
    const head = ref(standIn.gitDir(repo), 'refs/heads/main')!
    expect(artifacts(repo, 'log', '--format=%s', `${root}..${head}`).split('\n')).toEqual([
      `gittrix: snapshot ${id}`,
      'agent step commit',
    ])
    expect(artifacts(repo, 'show', `${head}:README.md`)).toBe('# Changed by the agent step')
    const pointer = ref(host.gitDir, `refs/heads/${branch}`)!
    expect(github('rev-parse', `${pointer}^`)).toBe(startSha)
    const parsed = parsePointerCommit(message(host.gitDir, pointer))
    expect(parsed.ok && parsed.value.artifactsHead).toBe(head)
    expect(post.summary).toContain('finished by the post step')

    // `mode: finish` again, nothing changed: same head, no second pointer.
    const again = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'finish' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(again.errors, again.stdout).toEqual([])
    expect(again.outputs['head-sha']).toBe(head)
    expect(ref(host.gitDir, `refs/heads/${branch}`)).toBe(pointer)

    // More work, another finish: a new pointer on top of the previous one.
    writeFileSync(join(ws, 'later.txt'), 'later\n')
    const later = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'finish' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(later.errors, later.stdout).toEqual([])
    const next = ref(host.gitDir, `refs/heads/${branch}`)!
    expect(github('rev-parse', `${next}^`)).toBe(pointer)
    const nextParsed = parsePointerCommit(message(host.gitDir, next))
    expect(nextParsed.ok && nextParsed.value.artifactsHead).toBe(later.outputs['head-sha'])
    expect(ref(standIn.gitDir(repo), 'refs/heads/main')).toBe(later.outputs['head-sha'])
    for (const run of [start, post, again, later]) expectNoSecrets(run)

    // A same-job finish without the artifacts inputs says what it needs.
    const bare = await runBundle({
      inputs: { mode: 'finish', token: TOKEN, topology: 'same-job' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(bare.code).toBe(1)
    expect(bare.errors).toEqual([expect.stringContaining('lives in Cloudflare Artifacts')])
  })
})

describe('ephemeral: artifacts, a session branch the App wrote to', () => {
  it('the pointer goes on top of a commit the workspace never saw (an extend commit), with its tree', async () => {
    const ws = await checkout()
    const start = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'start', task: 'Extended' },
      env: runnerEnv(ws),
    })
    expect(start.errors, start.stdout).toEqual([])
    const id = start.outputs['session-id']!
    const branch = `gittrix/${id}`
    const startSha = ref(host.gitDir, `refs/heads/${branch}`)!
    const extend = execFileSync(
      'git',
      ['--git-dir', host.gitDir, 'commit-tree', `${startSha}^{tree}`, '-p', startSha, '-F', '-'],
      {
        input: encodeExtendCommit({
          sessionId: id,
          eviction: { ttlIdleMs: 86_400_000, ttlAbsoluteMs: null, untilPromote: true, manual: false },
          note: 'Extended by @maintainer for 24h.',
        }),
        encoding: 'utf8',
        env: process.env,
      },
    ).trim()
    github('update-ref', `refs/heads/${branch}`, extend, startSha)
    writeFileSync(join(ws, 'more.txt'), 'more\n')
    const finish = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'finish' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(finish.errors, finish.stdout).toEqual([])
    const pointer = ref(host.gitDir, `refs/heads/${branch}`)!
    expect(github('rev-parse', `${pointer}^`)).toBe(extend)
    expect(github('rev-parse', `${pointer}^{tree}`)).toBe(github('rev-parse', `${extend}^{tree}`))
    const parsed = parsePointerCommit(message(host.gitDir, pointer), { branch })
    expect(parsed.ok && parsed.value.artifactsHead).toBe(finish.outputs['head-sha'])
    expectNoSecrets(finish)
  })
})

describe('ephemeral: artifacts, a start that cannot push', () => {
  it('deletes the repository it created, publishes no session and leaves the workspace as it was', async () => {
    const ws = await checkout()
    const names = new Set(standIn.repoNames())
    const branches = github('for-each-ref', '--format=%(refname)', 'refs/heads/gittrix/')
    standIn.refuseGit = true
    try {
      const run = await runBundle({
        inputs: { ...artifactsInputs(), mode: 'start', task: 'Never starts' },
        env: runnerEnv(ws),
      })
      expect(run.code).toBe(1)
      expect(run.errors).toEqual([expect.stringContaining('refused a freshly minted write token')])
      expectNoSecrets(run)
    } finally {
      standIn.refuseGit = false
    }
    expect(new Set(standIn.repoNames())).toEqual(names)
    expect(github('for-each-ref', '--format=%(refname)', 'refs/heads/gittrix/')).toBe(branches)
    expect(git(ws, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main')
    expect(
      git(ws, 'config', '--get-regexp', '^remote\\.')
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).not.toContain('remote.artifacts.url')
  })
})

describe('ephemeral: artifacts, a tampered session record', () => {
  it('finish pushes only to the session’s own repository and branch, whatever the agent wrote into the record', async () => {
    const ws = await checkout()
    const start = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'start', task: 'Tamper' },
      env: runnerEnv(ws),
    })
    expect(start.errors, start.stdout).toEqual([])
    const id = start.outputs['session-id']!
    const recordFile = join(ws, '.git', 'gittrix', 'session.json')
    const original = readFileSync(recordFile, 'utf8')
    const record = JSON.parse(original) as { ephemeral: { repo: string }; branch: string }
    const before = new Map(
      standIn.repoNames().map((name) => [name, ref(standIn.gitDir(name), 'refs/heads/main')]),
    )
    writeFileSync(join(ws, 'work.txt'), 'work\n')

    // Another session's repository …
    writeFileSync(
      recordFile,
      JSON.stringify({ ...record, ephemeral: { ...record.ephemeral, repo: 'gittrix-sess_otherotherot' } }),
    )
    const other = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'finish' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(other.code).toBe(1)
    expect(other.errors).toEqual([
      expect.stringContaining('its Artifacts repository is not the one its start commit names'),
    ])
    // … or the durable branch as the session branch: refused before anything is pushed.
    writeFileSync(recordFile, JSON.stringify({ ...record, branch: 'main' }))
    const durable = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'finish' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(durable.code).toBe(1)
    expect(durable.errors).toEqual([expect.stringContaining('is not a Gittrix session record')])
    for (const [name, head] of before) expect(ref(standIn.gitDir(name), 'refs/heads/main')).toBe(head)
    // Nothing was snapshotted either: the work is still uncommitted.
    expect(git(ws, 'status', '--porcelain')).toBe('?? work.txt')
    expect(parseStartCommit(message(host.gitDir, ref(host.gitDir, `refs/heads/gittrix/${id}`)!)).ok).toBe(
      true,
    )
    expect(ref(host.gitDir, 'refs/heads/main')).toBe(start.outputs['baseline-sha'])

    // Restored, the same finish goes through.
    writeFileSync(recordFile, original)
    const finish = await runBundle({
      inputs: { ...artifactsInputs(), mode: 'finish' },
      env: { ...runnerEnv(ws), ...start.exported },
    })
    expect(finish.errors, finish.stdout).toEqual([])
    expect(artifacts(`gittrix-${REPOSITORY_ID}-${id}`, 'show', 'main:work.txt')).toBe('work')
  })
})

describe('ephemeral: artifacts, bad inputs', () => {
  const cases: Array<[string, Record<string, string>, string[]]> = [
    [
      'two jobs, namespace missing, API token given to the agent job',
      { ephemeral: 'artifacts', 'artifacts-api-token': 'cf-api-secret-never-shown-0123456789' },
      [
        "Input 'artifacts-namespace': is required with ephemeral: artifacts",
        "Input 'artifacts-api-token': must not be given to the agent's job (mode run) in the two-job topology",
      ],
    ],
    [
      'all three missing (same-job)',
      { ephemeral: 'artifacts', topology: 'same-job' },
      [
        "Input 'artifacts-account-id': is required with ephemeral: artifacts",
        "Input 'artifacts-namespace': is required with ephemeral: artifacts",
        "Input 'artifacts-api-token': is required with ephemeral: artifacts: pass a Cloudflare API token with Artifacts Edit permission from a secret",
      ],
    ],
    [
      'token missing (same-job)',
      {
        ephemeral: 'artifacts',
        topology: 'same-job',
        'artifacts-account-id': 'acct',
        'artifacts-namespace': 'ns',
      },
      ["Input 'artifacts-api-token': is required with ephemeral: artifacts"],
    ],
    [
      'given without ephemeral: artifacts',
      { 'artifacts-namespace': 'ns' },
      ["Input 'artifacts-account-id': is required once any artifacts-* input is given"],
    ],
    [
      'bad namespace',
      { ephemeral: 'artifacts', 'artifacts-account-id': 'acct', 'artifacts-namespace': '-bad/ns' },
      ['Input \'artifacts-namespace\': "-bad/ns" is not an Artifacts namespace name'],
    ],
    [
      'plain http API URL',
      { ephemeral: 'artifacts', 'artifacts-api-url': 'http://api.example.com/client/v4' },
      ["Input 'artifacts-api-url': must be an https:// URL"],
    ],
  ]
  it.each(cases)('%s: one error naming the inputs and what to do', async (_name, inputs, messages) => {
    const before = { host: host.requests.length, standIn: standIn.requests.length }
    const apiToken = 'cf-api-secret-never-shown-0123456789'
    const run = await runBundle({
      inputs: {
        task: 't',
        run: 'true',
        token: TOKEN,
        ...inputs,
        ...(messages.some((m) => m.includes("'artifacts-api-token'"))
          ? {}
          : { 'artifacts-api-token': apiToken }),
      },
      env: runnerEnv(join(tmpdir(), 'gittrix-never-used')),
    })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    for (const text of messages) expect(run.errors[0]).toContain(text)
    expect(host.requests.length).toBe(before.host)
    expect(standIn.requests.length).toBe(before.standIn)
    const printed = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    for (const text of [printed, run.stderr, ...run.errors]) expect(text).not.toContain(apiToken)
  })
})

describe('ephemeral: artifacts, mode sweep', () => {
  function expiredArtifactsSession(id: string, repo = `gittrix-${REPOSITORY_ID}-${id}`): void {
    const base = ref(host.gitDir, 'refs/heads/main')!
    const date = new Date(Date.now() - 10 * 3_600_000).toISOString()
    const startMessage = encodeStartCommit({
      sessionId: id,
      task: `task of ${id}`,
      durableBranch: 'main',
      baselineSha: base,
      ephemeral: { kind: 'artifacts', namespace: NAMESPACE, repo },
      link: null,
      eviction: null,
    })
    const sha = execFileSync(
      'git',
      ['--git-dir', host.gitDir, 'commit-tree', `${base}^{tree}`, '-p', base, '-F', '-'],
      {
        input: startMessage,
        encoding: 'utf8',
        env: { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date },
      },
    ).trim()
    github('update-ref', `refs/heads/gittrix/${id}`, sha)
  }

  it('deletes an expired session’s Artifacts repository with its branch; a repository already gone is fine', async () => {
    expiredArtifactsSession('sess_sweepartifac')
    expiredArtifactsSession('sess_sweepgoneaaa')
    standIn.seedRepo(`gittrix-${REPOSITORY_ID}-sess_sweepartifac`)
    const run = await runBundle({
      inputs: {
        mode: 'sweep',
        token: TOKEN,
        'artifacts-account-id': standIn.accountId,
        'artifacts-namespace': NAMESPACE,
        'artifacts-api-token': standIn.apiToken,
        'artifacts-api-url': standIn.baseUrl,
      },
      env: runnerEnv(tmpdir(), { GITHUB_EVENT_NAME: 'schedule' }),
    })
    expect(run.errors, run.stdout).toEqual([])
    expect(run.code).toBe(0)
    expect(ref(host.gitDir, 'refs/heads/gittrix/sess_sweepartifac')).toBeNull()
    expect(ref(host.gitDir, 'refs/heads/gittrix/sess_sweepgoneaaa')).toBeNull()
    expect(standIn.hasRepo(`gittrix-${REPOSITORY_ID}-sess_sweepartifac`)).toBe(false)
    expect(run.stdout).toContain(
      `Artifacts repository artifacts://${NAMESPACE}/gittrix-${REPOSITORY_ID}-sess_sweepartifac deleted`,
    )
    expect(run.stdout).toContain(
      `Artifacts repository artifacts://${NAMESPACE}/gittrix-${REPOSITORY_ID}-sess_sweepgoneaaa was already gone`,
    )
    expectNoSecrets(run)
  })

  it("keeps another GitHub repository's Artifacts repository that an expired session branch names", async () => {
    // A branch in this repository whose start commit names repository 777's session repository.
    const foreign = 'gittrix-777-sess_sweepforeign'
    expiredArtifactsSession('sess_sweepforeign', foreign)
    standIn.seedRepo(foreign)
    const run = await runBundle({
      inputs: {
        mode: 'sweep',
        token: TOKEN,
        'artifacts-account-id': standIn.accountId,
        'artifacts-namespace': NAMESPACE,
        'artifacts-api-token': standIn.apiToken,
        'artifacts-api-url': standIn.baseUrl,
      },
      env: runnerEnv(tmpdir(), { GITHUB_EVENT_NAME: 'schedule' }),
    })
    expect(run.errors, run.stdout).toEqual([])
    expect(standIn.hasRepo(foreign)).toBe(true)
    expect(standIn.requests.filter((r) => r.path.includes(foreign))).toEqual([])
    expect(run.stdout).toContain(
      `Artifacts repository artifacts://${NAMESPACE}/${foreign} kept (not this repository's session repository gittrix-${REPOSITORY_ID}-sess_sweepforeign)`,
    )
  })

  it('without the artifacts inputs, deletes the branch and says the repository was kept', async () => {
    expiredArtifactsSession('sess_sweepkeptaaa')
    standIn.seedRepo(`gittrix-${REPOSITORY_ID}-sess_sweepkeptaaa`)
    const run = await runBundle({
      inputs: { mode: 'sweep', token: TOKEN },
      env: runnerEnv(tmpdir(), { GITHUB_EVENT_NAME: 'schedule' }),
    })
    expect(run.errors, run.stdout).toEqual([])
    expect(ref(host.gitDir, 'refs/heads/gittrix/sess_sweepkeptaaa')).toBeNull()
    expect(standIn.hasRepo(`gittrix-${REPOSITORY_ID}-sess_sweepkeptaaa`)).toBe(true)
    expect(run.stdout).toContain(
      `Artifacts repository artifacts://${NAMESPACE}/gittrix-${REPOSITORY_ID}-sess_sweepkeptaaa kept (no artifacts inputs given)`,
    )
  })
})
