/**
 * One repository and one real Probot instance running the Gittrix App: the App stand-in
 * (test/support/app-api.ts, a real bare repository behind the Git Data API plus check runs, comments,
 * reactions, permissions, contents) served through nock with network disabled and every request and
 * reply checked against GitHub's OpenAPI description; a generated RSA key; webhook payloads built
 * from @octokit/webhooks-examples (real GitHub payloads) with the repository, refs and people adjusted.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { Probot, ProbotOctokit } from 'probot'
import { type ArtifactsSettings, createGittrixApp } from '../../app/index.ts'
import { encodeStartCommit, newGitHubSessionId, type StartCommit } from '../../src/github/index.ts'
import { AppApi, type RepoRole } from '../support/app-api.ts'
import { type FileSpec, type MountedGitDataApi, mountGitDataApi } from '../support/git-data-api.ts'
import {
  buttonPayload,
  examplePayload,
  examplePayloads,
  type Payload,
  repositoryPayload,
  userPayload,
} from '../support/webhook-payloads.ts'

const { privateKey: PRIVATE_KEY } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})

export type { Payload }
export { examplePayloads }

/** The installation every built payload names. */
export const INSTALLATION_ID = 4711

const example = examplePayload

let repos = 0

/** A test's repository, App and helpers. */
export class AppHarness {
  readonly api: AppApi
  readonly mount: MountedGitDataApi
  readonly probot: Probot
  readonly initial: string
  private deliveries = 0

  private constructor(api: AppApi, mount: MountedGitDataApi, probot: Probot, initial: string) {
    this.api = api
    this.mount = mount
    this.probot = probot
    this.initial = initial
  }

  /**
   * A fresh repository whose `main` holds `files`; people in `roles` have those repository roles.
   * `options.artifacts`: the App's Cloudflare Artifacts credentials (default none); `options.log`: a
   * pino logger for the App (default: fatal only).
   */
  static async create(
    files: Record<string, FileSpec> = { 'README.md': '# Project\n', 'src/app.ts': 'export const a = 1\n' },
    roles: Record<string, RepoRole> = {
      alice: 'write',
      adam: 'admin',
      rita: 'read',
      tess: 'triage',
      max: 'maintain',
    },
    options: { artifacts?: ArtifactsSettings | null; log?: Probot['log'] } = {},
  ): Promise<AppHarness> {
    const api = new AppApi({ owner: `owner${process.pid}`, repo: `app${++repos}` })
    for (const [login, role] of Object.entries(roles)) api.roles.set(login, role)
    const initial = api.commit('main', files, { message: 'seed\n' })
    const mount = mountGitDataApi(api)
    const probot = new Probot({
      appId: api.appId,
      privateKey: PRIVATE_KEY,
      baseUrl: mount.baseUrl,
      ...(options.log ? { log: options.log } : { logLevel: 'fatal' as const }),
      // The function form: Probot passes its own throttle options per instance, which would override
      // an object given here and space writes 1 s apart (create-probot-app's template does the same).
      Octokit: ProbotOctokit.defaults((defaults: Record<string, unknown>) => ({
        ...defaults,
        retry: { enabled: false },
        throttle: { enabled: false },
      })),
    })
    await probot.load(createGittrixApp({ artifacts: options.artifacts ?? null }))
    return new AppHarness(api, mount, probot, initial)
  }

  /** Another replica: a second Probot instance running the App against the same repository. */
  async replica(): Promise<Probot> {
    const probot = new Probot({
      appId: this.api.appId,
      privateKey: PRIVATE_KEY,
      baseUrl: this.mount.baseUrl,
      logLevel: 'fatal',
      Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: { enabled: false },
      })),
    })
    await probot.load(createGittrixApp())
    return probot
  }

  /** Verifies no OpenAPI violation happened and removes the repository. */
  close(): void {
    try {
      this.mount.done()
    } finally {
      this.api.destroy()
    }
  }

  /**
   * Creates `gittrix/<id>` at a start commit as the Action does (parent = baseline, tree = baseline
   * tree), without telling the App. Returns the session id and the start commit.
   */
  startSession(fields: Partial<StartCommit> = {}): { id: string; start: string } {
    const id = fields.sessionId ?? newGitHubSessionId()
    const baselineSha = fields.baselineSha ?? this.api.head('main')!
    const message = encodeStartCommit({
      sessionId: id,
      task: 'Fix the parser',
      durableBranch: 'main',
      baselineSha,
      ephemeral: { kind: 'branch' },
      link: 7,
      eviction: null,
      ...fields,
    })
    const start = this.api.commit(`gittrix/${id}`, {}, { from: baselineSha, message })
    return { id, start }
  }

  /** Commits `files` on the session branch as the agent's push would. Returns the new head. */
  work(id: string, files: Record<string, FileSpec | null>): string {
    return this.api.commit(`gittrix/${id}`, files, { message: 'agent work\n' })
  }

  /** Delivers an event to the App; `id` defaults to a fresh delivery id. */
  async receive(
    name: string,
    payload: Payload,
    id = `delivery-${++this.deliveries}-${randomUUID()}`,
  ): Promise<void> {
    await this.probot.receive({ id, name, payload } as never)
  }

  private repository(): Record<string, unknown> {
    return repositoryPayload({ owner: this.api.owner, repo: this.api.repo, id: this.api.repoId })
  }

  private user(login: string, type: 'User' | 'Bot' = 'User'): Record<string, unknown> {
    return userPayload(login, type)
  }

  /** A `push` payload for `gittrix/<id>` moving from `before` to `after` (`after` all zeros = deleted). */
  pushPayload(id: string, after: string, before = '0'.repeat(40)): Payload {
    const p = example('push')
    const deleted = /^0+$/.test(after)
    return {
      ...p,
      ref: `refs/heads/gittrix/${id}`,
      before,
      after,
      created: /^0+$/.test(before),
      deleted,
      repository: this.repository(),
      installation: { id: INSTALLATION_ID, node_id: 'I' },
      sender: this.user('gittrix-action[bot]', 'Bot'),
    }
  }

  /** Pushes the branch head of session `id` to the App (a push event with `after` = the head). */
  async push(id: string, delivery?: string): Promise<string> {
    const head = this.api.head(`gittrix/${id}`)!
    await this.receive('push', this.pushPayload(id, head), delivery)
    return head
  }

  /** An `issue_comment.created` payload: `body` by `login` on issue (or PR) `issue`; the comment is added to the stand-in. */
  commentPayload(
    body: string,
    options: { login?: string; type?: 'User' | 'Bot'; issue?: number; pull?: boolean } = {},
  ): Payload {
    const p = example('issue_comment', 'created')
    const login = options.login ?? 'alice'
    const issue = options.issue ?? 7
    const comment = this.api.addComment(issue, body, login, options.type ?? 'User')
    return {
      ...p,
      issue: {
        ...p.issue,
        number: issue,
        ...(options.pull
          ? {
              pull_request: {
                url: 'https://api.github.com/x',
                html_url: 'https://github.com/x',
                diff_url: 'https://github.com/x.diff',
                patch_url: 'https://github.com/x.patch',
                merged_at: null,
              },
            }
          : {}),
      },
      comment: {
        ...p.comment,
        id: comment.id,
        body,
        user: this.user(login, options.type ?? 'User'),
        created_at: comment.createdAt,
        updated_at: comment.createdAt,
      },
      repository: this.repository(),
      installation: { id: INSTALLATION_ID, node_id: 'I' },
      sender: this.user(login, options.type ?? 'User'),
    }
  }

  /** Comments `body` and delivers it; resolves the App's replies on that thread made by this delivery. */
  async comment(
    body: string,
    options: {
      login?: string
      type?: 'User' | 'Bot'
      issue?: number
      pull?: boolean
      delivery?: string
    } = {},
  ): Promise<string[]> {
    const before = this.api.comments.length
    const payload = this.commentPayload(body, options)
    await this.receive('issue_comment', payload, options.delivery)
    return this.api.comments
      .slice(before + 1)
      .filter((c) => c.login === this.api.botLogin && c.body.startsWith('<!-- gittrix:reply'))
      .map((c) => c.body)
  }

  /** A `check_run.requested_action` payload for the session run `runId` clicked by `login`. */
  buttonPayload(runId: number, identifier: string, login = 'alice', type: 'User' | 'Bot' = 'User'): Payload {
    const run = this.api.checkRuns.find((r) => r.id === runId)!
    return buttonPayload(
      { owner: this.api.owner, repo: this.api.repo, id: this.api.repoId },
      { run, identifier, sender: this.user(login, type), installationId: INSTALLATION_ID },
    )
  }

  /** A `pull_request.closed` payload for pull request `number` (from the stand-in). */
  closedPayload(number: number, merged: boolean): Payload {
    const p = example('pull_request', 'closed')
    const pull = this.api.pulls.find((x) => x.number === number)!
    const repository = this.repository()
    return {
      ...p,
      number,
      pull_request: {
        ...p.pull_request,
        number,
        merged,
        head: { ...p.pull_request.head, ref: pull.head, sha: this.api.head(pull.head)!, repo: repository },
        base: { ...p.pull_request.base, ref: pull.base, repo: repository },
      },
      repository,
      installation: { id: INSTALLATION_ID, node_id: 'I' },
    }
  }

  /** The App's session comment(s) on issue `issue`. */
  sessionComments(issue = 7): string[] {
    return this.api.comments
      .filter(
        (c) =>
          c.issue === issue && c.login === this.api.botLogin && c.body.startsWith('<!-- gittrix:session'),
      )
      .map((c) => c.body)
  }
}
