/**
 * The GitHub-durable + Artifacts-ephemeral combination (docs/architecture.md#pointer-commit-artifacts-sessions, #eviction): the session's files
 * live in a Cloudflare Artifacts repository (the loopback stand-in, filled with a real `git push` as
 * the Action does: an orphan commit holding the baseline's tree, then the agent's work), the GitHub
 * session branch holds the start commit and a pointer commit naming the Artifacts head. The App reads
 * the files through the REST read routes only, renders the same check run, promotes to GitHub
 * uploading only content GitHub lacks, and deletes the Artifacts repository with the branch.
 * GitHub stays under nock (OpenAPI-checked); only loopback connections reach the stand-in.
 */
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import nock from 'nock'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ArtifactsClient, githubSessionRepoName } from '../../src/adapters/artifacts/index.ts'
import { encodePointerCommit, newGitHubSessionId } from '../../src/github/index.ts'
import { ArtifactsStandIn } from '../support/artifacts-stand-in.ts'
import { cleanup, GIT_ENV, git, tempDir } from '../support/git-fixtures.ts'
import { AppHarness } from './harness.ts'

const run = promisify(execFile)
const BLOBS = /^\/repos\/[^/]+\/[^/]+\/git\/blobs$/

interface Fixture {
  h: AppHarness
  standIn: ArtifactsStandIn
  client: ArtifactsClient
  logs: string[]
}

const open: Array<{ fx: Fixture; dirs: string[] }> = []
afterEach(async () => {
  for (const { fx, dirs } of open.splice(0)) {
    fx.h.close()
    await fx.standIn.stop()
    cleanup(...dirs)
  }
})

async function setup(
  options: { credentials?: boolean; standIn?: ArtifactsStandIn } = {},
): Promise<Fixture & { dirs: string[] }> {
  const standIn = options.standIn ?? (await new ArtifactsStandIn().start())
  const logs: string[] = []
  const log = pino(
    { level: 'trace' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'))
        done()
      },
    }),
  )
  const h = await AppHarness.create(
    {
      'README.md': '# Project\n',
      'src/app.ts': 'export const a = 1\n',
      'src/util/strings.ts': 'export const s = "x"\n',
      'docs/guide.md': 'guide\n',
    },
    undefined,
    {
      log: log as never,
      artifacts:
        options.credentials === false
          ? null
          : {
              accountId: standIn.accountId,
              apiToken: standIn.apiToken,
              baseUrl: standIn.baseUrl,
              namespace: standIn.namespace,
            },
    },
  )
  // GitHub stays mocked; the Artifacts stand-in listens on loopback.
  nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/)
  const client = new ArtifactsClient({
    accountId: standIn.accountId,
    apiToken: standIn.apiToken,
    namespace: standIn.namespace,
    baseUrl: standIn.baseUrl,
  })
  const fx = { h, standIn, client, logs, dirs: [] as string[] }
  open.push({ fx, dirs: fx.dirs })
  return fx
}

/** Markdown without the `<code>` tags and numeric entities `inlineCode` writes. */
function decoded(text: string | null): string {
  return (text ?? '')
    .replace(/<\/?code>/g, '')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
}

/** `git push` to the stand-in with a repo token (async: the stand-in answers on this event loop). */
async function push(dir: string, remote: string, token: string): Promise<void> {
  await run(
    'git',
    ['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', '--quiet', remote, 'main'],
    {
      cwd: dir,
      env: { ...process.env, ...GIT_ENV, GIT_TERMINAL_PROMPT: '0' },
    },
  )
}

type Work = Record<string, string | { content: string; executable: boolean } | null>

/**
 * Starts an Artifacts session the way the Action does: the start commit on GitHub, the session
 * repository in Artifacts with an orphan commit holding the baseline's tree, then (with `work`) the
 * agent's commit pushed over git smart HTTP with a repo token, and the pointer commit on GitHub.
 */
async function artifactsSession(
  fx: Fixture & { dirs: string[] },
  work: Work | null,
  options: {
    pointerRepo?: string
    startRepo?: string
    startNamespace?: string
    pointerFiles?: Record<string, string>
  } = {},
): Promise<{
  id: string
  start: string
  repo: string
  artifactsHead: string | null
  pointer: string | null
}> {
  const { h, standIn, client } = fx
  const id = newGitHubSessionId()
  const repo = githubSessionRepoName(h.api.repoId, id)
  const { start } = h.startSession({
    sessionId: id,
    ephemeral: {
      kind: 'artifacts',
      namespace: options.startNamespace ?? standIn.namespace,
      repo: options.startRepo ?? repo,
    },
  })
  const created = await client.createRepo({ name: repo })
  const dir = tempDir('gittrix-artifacts-agent-')
  fx.dirs.push(dir)
  git(dir, 'init', '--quiet', '--initial-branch=main')
  git(dir, 'fetch', '--quiet', h.api.gitDir, 'main')
  const orphan = git(dir, 'commit-tree', `${h.initial}^{tree}`, '-m', `gittrix: baseline ${h.initial}`)
  git(dir, 'checkout', '--quiet', '-B', 'main', orphan)
  if (work === null) {
    await push(dir, created.remote, created.token)
    return { id, start, repo, artifactsHead: null, pointer: null }
  }
  for (const [path, file] of Object.entries(work)) {
    const full = join(dir, path)
    if (file === null) rmSync(full)
    else {
      mkdirSync(dirname(full), { recursive: true })
      writeFileSync(full, typeof file === 'string' ? file : file.content)
      if (typeof file !== 'string') chmodSync(full, file.executable ? 0o755 : 0o644)
    }
  }
  git(dir, 'add', '--all')
  git(dir, 'commit', '--quiet', '-m', 'agent work')
  const artifactsHead = git(dir, 'rev-parse', 'HEAD')
  await push(dir, created.remote, created.token)
  const pointer = h.api.commit(`gittrix/${id}`, options.pointerFiles ?? {}, {
    message: encodePointerCommit({
      sessionId: id,
      namespace: options.startNamespace ?? standIn.namespace,
      repo: options.pointerRepo ?? options.startRepo ?? repo,
      artifactsHead,
    }),
  })
  return { id, start, repo, artifactsHead, pointer }
}

const WORK: Work = {
  'src/app.ts': 'export const a = 2\n',
  'NEW.md': 'brand new\n',
  // Content GitHub already has (README.md's blob), at a new path: nothing to upload.
  'COPY.md': '# Project\n',
  // A mode change only: the blob is the baseline's.
  'docs/guide.md': { content: 'guide\n', executable: true },
  'src/util/strings.ts': null,
  'notes.txt': 'not promoted\n',
}

describe('App: GitHub durable + Cloudflare Artifacts ephemeral', () => {
  it('renders the check run from the Artifacts content: in progress before the pointer, the diff after', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, null)
    await fx.h.push(s.id)
    const early = fx.h.api.runsOn(s.start)[0]!
    expect(early).toMatchObject({ conclusion: 'neutral', output: { title: 'No changes' } })

    const done = await artifactsSession(fx, WORK)
    const mark = fx.standIn.requests.length
    const head = await fx.h.push(done.id)
    expect(head).toBe(done.pointer)
    const run = fx.h.api.runsOn(head)[0]!
    expect(run.conclusion).toBe('action_required')
    expect(run.output.title).toMatch(/^6 files changed/)
    expect(decoded(run.output.summary)).toContain(`artifacts://${fx.standIn.namespace}/${done.repo}`)
    expect(run.output.text).toContain('diff --git a/src/app.ts b/src/app.ts')
    expect(run.output.text).toContain('+export const a = 2')
    expect(run.output.text).toContain('old mode 100644\nnew mode 100755')
    expect(run.actions.map((a) => a.identifier)).toEqual(['promote_all', 'open_pr', 'discard'])
    expect(fx.h.sessionComments().some((c) => c.includes('6 files changed'))).toBe(true)
    // Only REST reads: no git transport, no token minted, nothing written.
    const used = fx.standIn.requests.slice(mark)
    expect(used.every((r) => r.kind === 'rest' && r.method === 'GET')).toBe(true)
  })

  it('/gittrix promote <files>: one commit with exactly those files, blobs uploaded only for content GitHub lacked; branch and Artifacts repo kept until the rest is promoted', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, WORK)
    await fx.h.push(s.id)
    const mark = fx.h.api.requests.length
    const [reply] = await fx.h.comment(
      `/gittrix promote ${s.id} src/app.ts NEW.md COPY.md docs/guide.md src/util/strings.ts`,
    )
    expect(reply).toContain('Promoted as')
    const main = fx.h.api.head('main')!
    const info = fx.h.api.commitInfo(main)
    expect(info.parents).toEqual([fx.h.initial])
    expect(info.message).toContain(`Gittrix-Session: ${s.id}`)
    expect(info.message).toContain(`Gittrix-Baseline: ${fx.h.initial}`)
    const before = fx.h.api.files(fx.h.initial)
    const after = fx.h.api.files(main)
    expect([...after.keys()].sort()).toEqual([
      'COPY.md',
      'NEW.md',
      'README.md',
      'docs/guide.md',
      'src/app.ts',
    ])
    expect(after.get('src/app.ts')!.bytes.toString()).toBe('export const a = 2\n')
    expect(after.get('COPY.md')!.oid).toBe(before.get('README.md')!.oid)
    expect(after.get('docs/guide.md')).toMatchObject({
      mode: '100755',
      oid: before.get('docs/guide.md')!.oid,
    })
    expect(after.has('notes.txt')).toBe(false)
    // Two new contents (src/app.ts, NEW.md); COPY.md and docs/guide.md reuse ids GitHub has.
    const uploads = fx.h.api.requests.slice(mark).filter((r) => r.method === 'POST' && BLOBS.test(r.path))
    expect(uploads).toHaveLength(2)
    // The Git Data writes of the claim (claim.ts), the promotion and the eviction, nothing else.
    const gitWrites = fx.h.api.requests
      .slice(mark)
      .filter((r) => r.method !== 'GET' && r.path.includes('/git/'))
      .map((r) => `${r.method} ${decodeURIComponent(r.path.replace(/^\/repos\/[^/]+\/[^/]+/, ''))}`)
    expect(gitWrites).toEqual([
      'POST /git/commits',
      `PATCH /git/refs/heads/gittrix/${s.id}`,
      'POST /git/blobs',
      'POST /git/blobs',
      'POST /git/trees',
      'POST /git/commits',
      `PATCH /git/refs/heads/main`,
      `PATCH /git/refs/heads/gittrix/${s.id}`,
    ])
    // notes.txt remains: the session branch and the Artifacts repository are kept, the run shows it.
    expect(fx.h.api.head(`gittrix/${s.id}`)).toBe(s.pointer)
    expect(fx.standIn.hasRepo(s.repo)).toBe(true)
    const partial = fx.h.api.runsOn(s.pointer!)[0]!
    expect(partial).toMatchObject({ conclusion: 'action_required' })
    expect(partial.output.text).toContain('+++ b/notes.txt')
    expect(partial.output.text).not.toContain('src/app.ts')
    expect(reply).toContain('1 file(s) remain to promote')

    // The rest: then untilPromote removes the session branch and the Artifacts repository.
    const [rest] = await fx.h.comment(`/gittrix promote ${s.id} notes.txt`)
    expect(rest).toContain('Promoted as')
    const last = fx.h.api.head('main')!
    expect(fx.h.api.commitInfo(last).parents).toEqual([main])
    expect(fx.h.api.files(last).get('notes.txt')!.bytes.toString()).toBe('not promoted\n')
    expect(fx.h.api.head(`gittrix/${s.id}`)).toBeNull()
    expect(fx.standIn.hasRepo(s.repo)).toBe(false)
    expect(fx.h.api.runsOn(s.pointer!)[0]!).toMatchObject({ conclusion: 'success' })
    // Promoting again answers with the recorded result.
    const [again] = await fx.h.comment(`/gittrix promote ${s.id}`)
    expect(again).toContain('already promoted')
    expect(fx.h.api.head('main')).toBe(last)
  })

  it('the Promote all button promotes every touched file', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, { 'src/app.ts': 'export const a = 3\n' })
    await fx.h.push(s.id)
    const run = fx.h.api.runsOn(s.pointer!)[0]!
    await fx.h.receive('check_run', fx.h.buttonPayload(run.id, 'promote_all'))
    const main = fx.h.api.head('main')!
    expect(main).not.toBe(fx.h.initial)
    expect(fx.h.api.files(main).get('src/app.ts')!.bytes.toString()).toBe('export const a = 3\n')
    expect(fx.standIn.hasRepo(s.repo)).toBe(false)
  })

  it('diff, status and extend work; extend records on the GitHub branch and the pointer still names the content', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, WORK)
    await fx.h.push(s.id)
    const [diff] = await fx.h.comment(`/gittrix diff ${s.id} NEW.md`)
    expect(diff).toContain('+brand new')
    const [status] = await fx.h.comment(`/gittrix status ${s.id}`)
    expect(status).toContain('6 files changed')
    const [extended] = await fx.h.comment(`/gittrix extend ${s.id} 24h`)
    expect(extended).toContain('Extended session')
    const head = fx.h.api.head(`gittrix/${s.id}`)!
    expect(head).not.toBe(s.pointer)
    await fx.h.push(s.id)
    expect(fx.h.api.runsOn(head)[0]!.output.title).toMatch(/^6 files changed/)
  })

  it('discard deletes the session branch and the Artifacts repository', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, WORK)
    await fx.h.push(s.id)
    const [reply] = await fx.h.comment(`/gittrix discard ${s.id}`)
    expect(reply).toContain('Artifacts repository were deleted')
    expect(fx.h.api.head(`gittrix/${s.id}`)).toBeNull()
    expect(fx.standIn.hasRepo(s.repo)).toBe(false)
    expect(fx.h.api.head('main')).toBe(fx.h.initial)
  })

  it('without credentials: a neutral run naming the variables, and commands change nothing', async () => {
    const fx = await setup({ credentials: false })
    const s = await artifactsSession(fx, WORK)
    await fx.h.push(s.id)
    const run = fx.h.api.runsOn(s.pointer!)[0]!
    expect(run.conclusion).toBe('neutral')
    expect(run.output.title).toBe('Cloudflare Artifacts credentials missing')
    expect(run.output.summary).toContain('ARTIFACTS_ACCOUNT_ID')
    expect(run.output.summary).toContain('ARTIFACTS_API_TOKEN')
    expect(run.output.summary).toContain('ARTIFACTS_NAMESPACE')
    const [reply] = await fx.h.comment(`/gittrix promote ${s.id}`)
    expect(reply).toContain('ARTIFACTS_API_TOKEN')
    expect(fx.h.api.head('main')).toBe(fx.h.initial)
    expect(fx.standIn.hasRepo(s.repo)).toBe(true)
  })

  it('a pointer naming another repository is refused: neutral run, nothing promoted', async () => {
    const fx = await setup()
    await fx.client.createRepo({ name: 'someone-elses-repo' })
    const s = await artifactsSession(fx, WORK, { pointerRepo: 'someone-elses-repo' })
    await fx.h.push(s.id)
    const run = fx.h.api.runsOn(s.pointer!)[0]!
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'Not a valid Gittrix session' } })
    expect(decoded(run.output.summary)).toContain('someone-elses-repo')
    const [reply] = await fx.h.comment(`/gittrix promote ${s.id}`)
    // An invalid session proves no link to this thread, so the command is refused before anything runs.
    expect(reply).toMatch(/cannot be used|Nothing was changed/)
    expect(fx.h.api.head('main')).toBe(fx.h.initial)
  })

  it('a start commit naming another repository than its own is refused: discard cannot delete it', async () => {
    const fx = await setup()
    await fx.client.createRepo({ name: 'durable-app' })
    const s = await artifactsSession(fx, WORK, { startRepo: 'durable-app' })
    await fx.h.push(s.id)
    const run = fx.h.api.runsOn(s.pointer!)[0]!
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'Not a valid Gittrix session' } })
    expect(decoded(run.output.summary)).toContain(
      `can only use artifacts://${fx.standIn.namespace}/gittrix-${fx.h.api.repoId}-${s.id}`,
    )
    const [reply] = await fx.h.comment(`/gittrix discard ${s.id}`, { login: 'adam' })
    expect(reply).toMatch(/cannot be used|Nothing was changed/)
    expect(fx.standIn.hasRepo('durable-app')).toBe(true)
    expect(fx.h.api.head(`gittrix/${s.id}`)).not.toBeNull()
  })

  it('a pointer commit that changes files on the branch is refused', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, WORK, { pointerFiles: { 'sneaky.txt': 'x\n' } })
    await fx.h.push(s.id)
    const run = fx.h.api.runsOn(s.pointer!)[0]!
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'Not a valid Gittrix session' } })
    expect(run.output.summary).toContain('The session branch changes files')
  })

  it('the Cloudflare API token appears in no log line, reply, comment or check run', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, WORK)
    await fx.h.push(s.id)
    // A refused token: the failure is reported without the token.
    fx.standIn.inject({ path: '/commit/', status: 403, times: 10 })
    const other = await artifactsSession(fx, { 'x.txt': 'x\n' })
    await fx.h.push(other.id)
    const refused = fx.h.api.runsOn(other.pointer!)[0]!
    expect(refused).toMatchObject({
      conclusion: 'failure',
      output: { title: 'Cannot read the session workspace' },
    })
    expect(refused.output.summary).toContain('AUTH_FAILED')
    await fx.h.comment(`/gittrix promote ${s.id}`)
    const token = fx.standIn.apiToken
    const everything = [
      ...fx.logs,
      ...fx.h.api.comments.map((c) => c.body),
      ...fx.h.api.checkRuns.map((r) => JSON.stringify(r)),
    ].join('\n')
    expect(fx.logs.length).toBeGreaterThan(0)
    expect(everything).not.toContain(token)
  })
})

/**
 * One App (the same Artifacts credentials and namespace) installed on two repositories A and B, one
 * Artifacts stand-in. A writer on B forges sessions that point at A's Artifacts repository. The App on
 * B must read nothing and delete nothing there: asserted on the stand-in's request log.
 */
describe('App: Artifacts sessions are bound to their GitHub repository', () => {
  const PRIVATE = 'export const key = "only-in-A"\n'

  /** A's genuine session with a private file, reviewed on A; then B as a second installation. */
  async function twoRepositories() {
    const a = await setup()
    const b = await setup({ standIn: a.standIn })
    expect(b.h.api.repoId).not.toBe(a.h.api.repoId)
    const secret = await artifactsSession(a, { 'src/secret.ts': PRIVATE })
    await a.h.push(secret.id)
    expect(a.h.api.runsOn(secret.pointer!)[0]!.output.text).toContain('only-in-A')
    return { a, b, secret }
  }

  /** Requests to the stand-in after `mark` that name repository `repo` (REST or git), as `METHOD path`. */
  const touching = (fx: Fixture, mark: number, repo: string) =>
    fx.standIn.requests
      .slice(mark)
      .filter(
        (r) => r.path.includes(`/${repo}/`) || r.path.endsWith(`/${repo}`) || r.path.includes(`/${repo}.git`),
      )
      .map((r) => `${r.method} ${r.path}`)

  /** Everything B's App wrote: comments and check runs. */
  const writtenOnB = (fx: Fixture) =>
    [...fx.h.api.comments.map((c) => c.body), ...fx.h.api.checkRuns.map((r) => JSON.stringify(r))].join('\n')

  it("a session branch on B naming A's Artifacts repository: neutral run, no diff, no discard — 0 reads or deletes of A", async () => {
    const { a, b, secret } = await twoRepositories()
    const mark = a.standIn.requests.length
    // A writer on B: gittrix/<A's session id>, start and pointer commits naming A's repository.
    b.h.startSession({
      sessionId: secret.id,
      ephemeral: { kind: 'artifacts', namespace: a.standIn.namespace, repo: secret.repo },
    })
    const pointer = b.h.api.commit(
      `gittrix/${secret.id}`,
      {},
      {
        message: encodePointerCommit({
          sessionId: secret.id,
          namespace: a.standIn.namespace,
          repo: secret.repo,
          artifactsHead: secret.artifactsHead!,
        }),
      },
    )
    await b.h.push(secret.id)
    const run = b.h.api.runsOn(pointer)[0]!
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'Not a valid Gittrix session' } })
    expect(decoded(run.output.summary)).toContain(
      `can only use artifacts://${a.standIn.namespace}/gittrix-${b.h.api.repoId}-${secret.id}`,
    )
    await b.h.comment(`/gittrix diff ${secret.id}`)
    await b.h.comment(`/gittrix status ${secret.id}`)
    await b.h.comment(`/gittrix discard ${secret.id}`, { login: 'adam' })
    await b.h.comment(`/gittrix promote ${secret.id}`, { login: 'adam' })
    expect(touching(a, mark, secret.repo)).toEqual([])
    expect(a.standIn.hasRepo(secret.repo)).toBe(true)
    expect(writtenOnB(b)).not.toContain('only-in-A')
    expect(b.h.api.head('main')).toBe(b.h.initial)
  })

  it("B's own name for A's session id holds nothing of A: the App reads only gittrix-<B's id>-<id>", async () => {
    const { a, b, secret } = await twoRepositories()
    const own = githubSessionRepoName(b.h.api.repoId, secret.id)
    const mark = a.standIn.requests.length
    b.h.startSession({
      sessionId: secret.id,
      ephemeral: { kind: 'artifacts', namespace: a.standIn.namespace, repo: own },
    })
    const pointer = b.h.api.commit(
      `gittrix/${secret.id}`,
      {},
      {
        message: encodePointerCommit({
          sessionId: secret.id,
          namespace: a.standIn.namespace,
          repo: own,
          artifactsHead: secret.artifactsHead!,
        }),
      },
    )
    await b.h.push(secret.id)
    expect(b.h.api.runsOn(pointer)[0]).toMatchObject({
      conclusion: 'failure',
      output: { title: 'Cannot read the session workspace' },
    })
    await b.h.comment(`/gittrix diff ${secret.id}`)
    // status and discard of an unreadable Artifacts workspace fail the delivery (app/operations.ts
    // reads the workspace first); nothing is read from A or deleted either way.
    await b.h.comment(`/gittrix status ${secret.id}`).catch(() => [])
    await b.h.comment(`/gittrix discard ${secret.id}`, { login: 'adam' }).catch(() => [])
    expect(touching(a, mark, secret.repo)).toEqual([])
    expect(a.standIn.hasRepo(secret.repo)).toBe(true)
    expect(writtenOnB(b)).not.toContain('only-in-A')
  })

  it('a start commit naming another namespace is refused before anything is read', async () => {
    const fx = await setup()
    const s = await artifactsSession(fx, WORK, { startNamespace: 'someone-elses' })
    const mark = fx.standIn.requests.length
    await fx.h.push(s.id)
    const run = fx.h.api.runsOn(s.pointer!)[0]!
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'Not a valid Gittrix session' } })
    expect(decoded(run.output.summary)).toContain(`artifacts://someone-elses/${s.repo}`)
    await fx.h.comment(`/gittrix discard ${s.id}`, { login: 'adam' })
    expect(fx.standIn.requests.slice(mark)).toEqual([])
    expect(fx.standIn.hasRepo(s.repo)).toBe(true)
  })
})
