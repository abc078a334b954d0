/**
 * One end-to-end world: a loopback GitHub (test/support/loopback-github.ts) holding one repository,
 * the Gittrix App running as its real HTTP server (`npm run app`, test/support/app-process.ts) wired to
 * it, and the Action's built bundle run as the runner would (test/action/support.ts) with every
 * `GITHUB_*` variable pointing at the loopback server. People: `mia` (maintain), `ada` (admin),
 * `wes` (write), `rob` (read). The workflow that runs the Action was triggered by a comment on issue
 * {@link ISSUE}, so sessions link to it.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { type BundleRun, ensureBundle, runBundle, runPublishJob } from '../action/support.ts'
import type { CheckRunRecord, CommentRecord } from '../support/app-api.ts'
import { type AppProcess, generateAppKey, startAppProcess, webhookSecret } from '../support/app-process.ts'
import { LoopbackGitHub } from '../support/loopback-github.ts'
import { examplePayload, repositoryPayload } from '../support/webhook-payloads.ts'

const run = promisify(execFile)

/** The issue whose comment triggered the workflow; sessions link to it. */
export const ISSUE = 12

/** A scripted agent: edits three files. */
export const AGENT = [
  `printf 'export const parse = (s: string) => s.trim().toLowerCase()\\n' > src/parser.ts`,
  `printf 'export const format = (s: string) => s.toUpperCase()\\n' > src/format.ts`,
  `printf '# Widget\\n\\nNow with parsing.\\n' > README.md`,
].join('\n')

/** The identity GitHub gives a commit an App creates through the API without author or committer. */
export const APP_BOT = 'gittrix-test[bot] <41898282+gittrix-test[bot]@users.noreply.github.com>'

/** The repository's files on `main` at the start. */
export const FILES = {
  'README.md': '# Widget\n',
  'src/parser.ts': 'export const parse = (s: string) => s.trim()\n',
  'src/format.ts': 'export const format = (s: string) => s\n',
  'docs/guide.md': '# Guide\n\nStart here.\n',
}

/** How a world is started. */
export interface WorldOptions {
  /** How many App servers share the webhook address (default one). */
  replicas?: number
  /** More environment for every App process (e.g. `ARTIFACTS_*`). */
  appEnv?: Record<string, string>
  /** GitHub's numeric id of the repository (default: one the stand-in picks). */
  repositoryId?: number
}

/** A world; see the module comment. */
export class World {
  readonly github: LoopbackGitHub
  /** The App's replicas (one unless asked for more); webhooks go to them in turn. */
  readonly apps: AppProcess[]
  private readonly dirs: string[] = []

  private constructor(github: LoopbackGitHub, apps: AppProcess[]) {
    this.github = github
    this.apps = apps
  }

  /** Starts the loopback GitHub and the App (`replicas` App servers behind one webhook address). */
  static async start(options: WorldOptions = {}): Promise<World> {
    ensureBundle()
    const key = generateAppKey()
    const secret = webhookSecret()
    const token = (name: string) => `ghp_${name}${Math.random().toString(36).slice(2)}`
    const github = await LoopbackGitHub.start({
      owner: 'acme',
      repo: 'widget',
      files: FILES,
      people: {
        mia: { role: 'maintain', token: token('mia') },
        ada: { role: 'admin', token: token('ada') },
        wes: { role: 'write', token: token('wes') },
        rob: { role: 'read', token: token('rob') },
      },
      workflowToken: `ghs_workflow${Math.random().toString(36).slice(2)}`,
      readOnlyToken: `ghs_readonly${Math.random().toString(36).slice(2)}`,
      appPublicKey: key.publicKey,
      webhookSecret: secret,
      ...(options.repositoryId !== undefined ? { repositoryId: options.repositoryId } : {}),
    })
    const apps = await Promise.all(
      Array.from({ length: options.replicas ?? 1 }, () =>
        startAppProcess({
          appId: github.api.appId,
          privateKey: key.privateKey,
          webhookSecret: secret,
          gheHost: github.host,
          ...(options.appEnv ? { env: options.appEnv } : {}),
        }),
      ),
    )
    github.webhooks.setTargets(...apps.map((a) => a.webhookUrl))
    return new World(github, apps)
  }

  /** Runs `body` in a fresh world, then stops it and checks that every request and delivery was sound. */
  static async run(body: (world: World) => Promise<void>, options: WorldOptions = {}): Promise<void> {
    const world = await World.start(options)
    try {
      await body(world)
      await world.github.settle()
    } finally {
      await world.stop()
    }
    if (world.github.violations.length) throw new Error(world.github.violations.join('\n'))
    const failed = world.github.deliveries.filter((d) => d.status !== 200 && d.status !== 202)
    if (failed.length)
      throw new Error(
        `deliveries not accepted: ${failed.map((d) => `${d.event}.${d.action} ${d.status}`).join(', ')}`,
      )
  }

  /** Stops both servers and removes what the world created. */
  async stop(): Promise<void> {
    await this.github.settle()
    await Promise.all(this.apps.map((app) => app.stop()))
    await this.github.close()
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true })
  }

  /** A temporary directory removed when the world stops. */
  tmp(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    this.dirs.push(dir)
    return dir
  }

  /** What actions/checkout leaves: a clone of `main` (over smart HTTP with the workflow token). */
  async checkout(): Promise<string> {
    const dir = join(this.tmp('gittrix-e2e-ws-'), 'widget')
    await run(
      'git',
      [...this.github.gitAuth(), 'clone', '--quiet', '--branch', 'main', this.github.repoUrl, dir],
      {
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
      },
    )
    return dir
  }

  /**
   * Checks out `main`, runs `agent` through the Action (mode `run`) and waits for the App's review of
   * the pushed session. Returns the session id, its head and baseline.
   */
  async agentSession(agent: string): Promise<{ id: string; head: string; baseline: string }> {
    const ws = await this.checkout()
    const { publish: run } = await this.twoJobs(ws, { task: 'Fix the parser', run: agent })
    if (run.code !== 0 || run.errors.length)
      throw new Error(`the Action failed (${run.code}): ${run.errors.join('; ')}\n${run.stderr}`)
    const id = run.outputs['session-id']!
    const head = run.outputs['head-sha']!
    if (this.github.head(`gittrix/${id}`) !== head) throw new Error('the session branch is not at head-sha')
    await this.reviewed(id, head)
    // The session comment on ISSUE follows the check run; after Probot's 202 (a loaded machine) the App
    // may still be writing it when the deliveries have settled.
    await this.until(`the session comment of ${id}`, () =>
      this.github.api.comments.some(
        (c) => c.issue === ISSUE && c.body.startsWith(`<!-- gittrix:session ${id} -->`),
      ),
    )
    await this.github.settle()
    return { id, head, baseline: run.outputs['baseline-sha']! }
  }

  /**
   * `login` commits `files` on `main` in a clone of their own and pushes it over smart HTTP with their
   * token (GitHub then sends `push`). Returns the new head of `main`.
   */
  async pushAs(login: string, files: Record<string, string>, message: string): Promise<string> {
    return this.pushBranchAs(login, 'main', files, message)
  }

  /**
   * `login` commits `files` (none: an empty commit) with `message` on top of `main` (or `from`, any
   * commit the repository has) in a clone of their own and
   * pushes it to `branch` over smart HTTP with their token. The commit's author and committer are
   * `identity` (default `<login> <<login>@example.com>`): anyone can write any name and email into a
   * commit they push. Returns the new head of `branch`.
   */
  async pushBranchAs(
    login: string,
    branch: string,
    files: Record<string, string>,
    message: string,
    options: { identity?: { name: string; email: string }; from?: string } = {},
  ): Promise<string> {
    const dir = join(this.tmp('gittrix-e2e-clone-'), 'widget')
    const who = options.identity ?? { name: login, email: `${login}@example.com` }
    // Not the test identity: each push is authored as the named GitHub user (or a forged `identity`).
    const env = {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
    }
    const auth = this.github.gitAuth(login)
    await run('git', [...auth, 'clone', '--quiet', '--branch', 'main', this.github.repoUrl, dir], { env })
    if (options.from) await run('git', ['-C', dir, 'checkout', '--quiet', '--detach', options.from], { env })
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    const messageFile = join(this.tmp('gittrix-e2e-message-'), 'message')
    writeFileSync(messageFile, message)
    await run('git', ['-C', dir, 'add', '--all'], { env })
    await run(
      'git',
      ['-C', dir, 'commit', '--quiet', '--allow-empty', '--cleanup=verbatim', '-F', messageFile],
      {
        env,
      },
    )
    await run('git', [...auth, '-C', dir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], { env })
    return this.github.head(branch)!
  }

  /** The runner's environment for a job triggered by a comment on issue {@link ISSUE}. */
  runnerEnv(workspace: string): Record<string, string> {
    const event = examplePayload('issue_comment', 'created')
    event.issue.number = ISSUE
    event.repository = repositoryPayload({
      owner: 'acme',
      repo: 'widget',
      id: this.github.api.repoId,
      webUrl: this.github.serverUrl,
    })
    event.comment.body = '/agent please fix the parser'
    const eventPath = join(this.tmp('gittrix-e2e-event-'), 'event.json')
    writeFileSync(eventPath, JSON.stringify(event))
    return {
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: 'acme/widget',
      GITHUB_REPOSITORY_ID: String(this.github.api.repoId),
      GITHUB_REPOSITORY_OWNER: 'acme',
      GITHUB_SERVER_URL: this.github.serverUrl,
      GITHUB_API_URL: this.github.apiUrl,
      GITHUB_GRAPHQL_URL: `${this.github.apiUrl}/graphql`,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_SHA: this.github.head('main')!,
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_ACTOR: 'mia',
      GITHUB_WORKFLOW: 'agent',
      GITHUB_RUN_ID: '1001',
      GITHUB_RUN_NUMBER: '1',
      GITHUB_JOB: 'agent',
    }
  }

  /**
   * Runs the Action's bundle (mode `run` unless `inputs.mode` says otherwise) in `workspace`, in one job
   * holding the write token (`topology: same-job` unless `inputs` say otherwise).
   */
  action(
    workspace: string,
    inputs: Record<string, string>,
    post?: Record<string, string>,
  ): Promise<BundleRun> {
    return runBundle({
      inputs: { token: this.github.workflowToken, topology: 'same-job', ...inputs },
      env: this.runnerEnv(workspace),
      cwd: workspace,
      ...(post ? { post } : {}),
    })
  }

  /**
   * The default topology: the agent's job (`inputs`, mode `run` unless they say otherwise) with the
   * `contents: read` token, then the publish job with the write token and the bundle copied over as
   * upload-artifact / download-artifact would (fresh RUNNER_TEMP, no checkout), with `publishInputs`
   * added to its inputs (e.g. the `artifacts-*` ones).
   */
  async twoJobs(
    workspace: string,
    inputs: Record<string, string>,
    publishInputs: Record<string, string> = {},
  ): Promise<{ agent: BundleRun; publish: BundleRun }> {
    const agent = await runBundle({
      inputs: { token: this.github.readOnlyToken, ...inputs },
      env: this.runnerEnv(workspace),
      cwd: workspace,
    })
    if (agent.code !== 0 || !agent.outputs.bundle) return { agent, publish: agent }
    const publish = await runPublishJob({
      agentJob: agent,
      token: this.github.workflowToken,
      env: { ...this.runnerEnv(this.tmp('gittrix-e2e-publish-')), GITHUB_JOB: 'publish' },
      inputs: publishInputs,
    })
    return { agent, publish }
  }

  /**
   * Waits until `probe` returns something other than undefined/false (polling the loopback server's
   * state, which only the App's requests change), or fails after `timeoutMs` naming `what`.
   */
  async until<T>(what: string, probe: () => T | undefined | false | null, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = probe()
      if (value !== undefined && value !== false && value !== null) return value
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${what}\n--- App log (tail) ---\n${this.apps.map((a) => a.logs().slice(-4000)).join('\n')}`,
        )
      }
      await new Promise((done) => setTimeout(done, 25))
    }
  }

  /** The newest "Gittrix session" check run of session `id`. */
  sessionRun(id: string): CheckRunRecord | undefined {
    return this.github.api.checkRuns
      .filter((r) => r.external_id === id && r.name === 'Gittrix session')
      .at(-1)
  }

  /** Waits for the session run on `head` to be completed, and returns it. */
  reviewed(id: string, head: string): Promise<CheckRunRecord> {
    return this.until(`the session check run of ${id} on ${head}`, () =>
      this.github.api.checkRuns.find(
        (r) => r.external_id === id && r.head_sha === head && r.status === 'completed',
      ),
    )
  }

  /** The App's reply to comment `commentId`, once it exists. */
  replyTo(commentId: number): Promise<CommentRecord> {
    return this.until(`the App's reply to comment ${commentId}`, () =>
      this.github.api.comments.find(
        (c) =>
          c.login === this.github.api.botLogin && c.body.startsWith(`<!-- gittrix:reply ${commentId} -->`),
      ),
    )
  }

  /** `login` comments `body` on {@link ISSUE}; resolves the App's reply once every delivery was answered. */
  async command(login: string, body: string): Promise<{ commentId: number; reply: string }> {
    const commentId = await this.github.comment(login, ISSUE, body)
    const reply = await this.replyTo(commentId)
    await this.github.settle()
    return { commentId, reply: reply.body }
  }

  /** Paths that differ between two commits. */
  changed(from: string, to: string): string[] {
    return this.git('diff-tree', '--no-commit-id', '--name-only', '-r', from, to)
      .split('\n')
      .filter(Boolean)
      .sort()
  }

  /** Requests the App made (with its installation token) after request number `from`, as `METHOD /path`. */
  appWrites(from: number): string[] {
    return this.github.requests
      .slice(from)
      .filter((r) => r.caller === 'installation' && r.method !== 'GET' && r.path !== '/graphql')
      .map((r) => `${r.method} ${r.path}`)
  }

  /** git on the bare repository. */
  git(...args: string[]): string {
    return this.github.git(...args)
  }

  /** `git log --format=%H` of `rev` (newest first), optionally of a range. */
  history(rev: string): string[] {
    return this.git('rev-list', rev).split('\n').filter(Boolean)
  }

  /** Path → blob id of the tree of `rev` (recursive). */
  tree(rev: string): Map<string, string> {
    const out = this.git('ls-tree', '-r', rev)
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [meta, path] = line.split('\t') as [string, string]
          return [path, meta.split(' ')[2]!]
        }),
    )
  }

  /** The file's text at `rev`. */
  show(rev: string, path: string): string {
    return this.git('show', `${rev}:${path}`)
  }
}
