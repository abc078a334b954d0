/**
 * A stand-in for exactly the GitHub REST routes the GitHub adapters use, backed by a REAL bare git
 * repository: refs, commits, trees and blobs are git objects written and read with git plumbing
 * (`execFileSync('git', [...args])`, never a shell string), so what the adapters build can be checked
 * with git itself.
 *
 * ```ts
 * const api = new GitDataApi({ owner: 'o', repo: 'r' })          // a fresh bare repo, branch `main`
 * const base = api.commit('main', { 'README.md': '# hi\n' })      // seed it like a `git push` would
 * const mount = mountGitDataApi(api)                              // nock + OpenAPI checks, network off
 * const octokit = createGitHubClient({ token: 't', baseUrl: mount.baseUrl, … })
 * …
 * mount.done(); api.destroy()
 * ```
 *
 * The core is a plain async handler, {@link GitDataApi.handle} `({ method, path, query, body }) →
 * { status, body, headers? }`, so a loopback HTTP server can reuse it unchanged; {@link mountGitDataApi}
 * wires it into nock next to `githubMock` (test/support/github-nock.ts) and checks every request and
 * reply against GitHub's OpenAPI description.
 *
 * Behaviour copied from GitHub (sources: docs/platform-facts.md#git-data-api-one-commit-for-many-files and the OpenAPI
 * description's operation texts):
 * - `PATCH /git/refs/{ref}` with `force: false` (or omitted) answers `422 Update is not a fast forward`
 *   unless the new commit descends from the ref's current value (compare-and-swap through
 *   `git update-ref <ref> <new> <old>`); a missing ref is `422 Reference does not exist`.
 * - `POST /git/refs` for an existing ref answers `422 Reference already exists`.
 * - `POST /git/commits` without `author`/`committer`/`signature` is authored and committed by the caller
 *   ("By default, the author will be the authenticated user", REST "Create a commit"): the App's bot
 *   (or the workflow's `github-actions[bot]`), answered `verification.verified: true, reason: valid`
 *   (GitHub signs what a bot creates through the API without custom author, committer or signature:
 *   "About commit signature verification", "Signature verification for bots"); a person's token gets
 *   that person, unsigned. With any of `author`/`committer`/`signature` it is `verified: false, reason:
 *   unsigned`.
 * - `GET /commits/{ref}` and `GET /commits` report `author` / `committer` as the GitHub account linked to
 *   the commit's author / committer email (or `null`), whoever pushed it: a pushed commit naming the
 *   bot's noreply address is linked to the bot, but is unsigned. `GET /user` answers the person behind
 *   a person's token and `403 Resource not accessible by integration` for an installation token.
 * - `GET /git/trees/{tree_sha}` accepts a tree id, a commit id or a ref name (slashes encoded or not),
 *   resolved like `git rev-parse <x>^{tree}`; `recursive` lists subtrees too, and more than
 *   `truncateAbove` entries (default 100,000) or `truncateBytesAbove` JSON bytes (default 7,000,000)
 *   answers `truncated: true` with a partial list, as GitHub does.
 * - `POST /git/trees` with `base_tree`: `sha: null` deletes a path, and deleting a path that does not
 *   exist is a 422 ("Returns an error if you try to delete a file that does not exist"). The wording of
 *   that 422 and of invalid-object answers is this stand-in's own; GitHub does not document it.
 * - `POST /pulls` answers `422 Validation Failed` with `A pull request already exists for <owner>:<head>.`
 *   for a second open pull request with the same head and base.
 * - `GET /compare/{base}...{head}` ("Compare two commits"): `status`, `ahead_by`, `behind_by` and the
 *   merge base from git; commits of `base..head` oldest first, without `page`/`per_page` at most the
 *   newest 250 ("the last commit in the list is the most recent of the entire comparison"), with them a
 *   page of at most 100 and `files` on page 1 only; `files` from `git diff -M` of the merge base and
 *   `head`, at most 300 and cut silently ("up to 300 changed files for the entire comparison"),
 *   `renamed` with `previous_filename`, `changed` for a mode-only change, and no `patch` for binary
 *   content ("Diffs with binary data will have no patch property"). No common ancestor answers 404.
 *
 * Fault injection ({@link GitDataApi.inject}) fails the Nth request to a route with a 5xx, a secondary
 * rate limit (403 or 429 + `retry-after`), a protected-branch or a workflow-permission refusal, in the
 * exact words src/adapters/github/request-errors.ts recognises; {@link GitDataApi.before} runs a hook
 * before the Nth request to a route (e.g. to move a branch between two requests: a lost race).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import nock from 'nock'
import { GIT_ENV } from './git-fixtures.ts'
import { githubMock } from './github-nock.ts'
import {
  answerGraphql,
  type GraphqlRepository,
  type RefUpdateInput,
  RefUpdateRejected,
} from './graphql-stand-in.ts'
import { loadGitHubOpenApi } from './github-openapi.ts'
import { validatedAnswer } from './openapi-validate.ts'

/** One request as the handler sees it. `path` is relative to the API root, query string optional. */
export interface ApiRequest {
  method: string
  path: string
  query?: Record<string, string | string[] | undefined>
  /** Parsed JSON body (or `undefined`). */
  body?: unknown
  /** Who is asking, when not the App itself (a person's token): comments are written as them. */
  actor?: { login: string; type: 'User' | 'Bot' }
}

/** The handler's answer. `body` is JSON-serialisable (or `undefined` for 204). */
export interface ApiReply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** The route templates served, in GitHub's OpenAPI spelling (`"METHOD /template"`). */
export const ROUTES = {
  getRepo: 'GET /repos/{owner}/{repo}',
  getRef: 'GET /repos/{owner}/{repo}/git/ref/{ref}',
  listMatchingRefs: 'GET /repos/{owner}/{repo}/git/matching-refs/{ref}',
  createRef: 'POST /repos/{owner}/{repo}/git/refs',
  updateRef: 'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
  deleteRef: 'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
  getCommit: 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
  createCommit: 'POST /repos/{owner}/{repo}/git/commits',
  getTree: 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
  createTree: 'POST /repos/{owner}/{repo}/git/trees',
  getBlob: 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}',
  createBlob: 'POST /repos/{owner}/{repo}/git/blobs',
  listCommits: 'GET /repos/{owner}/{repo}/commits',
  getCommitDetail: 'GET /repos/{owner}/{repo}/commits/{ref}',
  getAuthenticatedUser: 'GET /user',
  compare: 'GET /repos/{owner}/{repo}/compare/{basehead}',
  createPull: 'POST /repos/{owner}/{repo}/pulls',
  listPulls: 'GET /repos/{owner}/{repo}/pulls',
  /** GitHub's GraphQL endpoint (`/graphql`; GHES: `/api/graphql`), see graphql-stand-in.ts. */
  graphql: 'POST /graphql',
} as const

/** One of {@link ROUTES}. */
export type RouteName = (typeof ROUTES)[keyof typeof ROUTES]

/** A request the stand-in answered, in order. */
export interface LoggedRequest extends ApiRequest {
  route: RouteName | 'unknown'
  status: number
  /** True when the answer came from an injected fault. */
  injected: boolean
  /** Size of the JSON request body and of the JSON answer, in bytes (what travelled, give or take headers). */
  requestBytes: number
  replyBytes: number
}

/** A GitHub account commits can be linked to (by email). */
export interface Account {
  login: string
  id: number
  type: 'User' | 'Bot'
}

/** A file as tests describe it: text or bytes (100644), executable, symlink; `null` deletes. */
export type FileSpec =
  string | Uint8Array | { content: string | Uint8Array; executable?: boolean } | { symlink: string }

/** A file read back from the bare repository. */
export interface StoredFile {
  mode: string
  oid: string
  bytes: Buffer
}

/** The kinds of fault {@link GitDataApi.inject} can answer with. */
export type FaultKind =
  /** `502 Server Error` (retried by @octokit/plugin-retry). */
  | 'server-error'
  /** `403` "You have exceeded a secondary rate limit…" with `retry-after: 1` (retried by plugin-throttling). */
  | 'secondary-rate-limit'
  /** The same as a `429`. */
  | 'secondary-rate-limit-429'
  /** `422 Repository rule violations found\n\nChanges must be made through a pull request.` */
  | 'protected-branch'
  /** `422` "refusing to allow a GitHub App to create or update workflow `<path>` without `workflows` permission". */
  | 'workflow-permission'

/** A fault: which requests fail and how. */
export interface FaultRule {
  route: RouteName
  /** First matching request (1-based, counted from when the rule was added) that fails. Default 1. */
  nth?: number
  /** How many consecutive matching requests fail from the `nth` on. Default 1; `Infinity` for always. */
  times?: number
  /** Only requests for which this returns true count (e.g. one ref). */
  where?: (request: ApiRequest) => boolean
  fault: FaultKind | ApiReply
  /**
   * Handle the request first, then answer with the fault (the write happened, the answer was lost).
   * Default false: the request is refused and nothing changes.
   */
  afterHandling?: boolean
}

/** Options of {@link GitDataApi}. */
export interface GitDataApiOptions {
  owner?: string
  repo?: string
  /** An existing bare repository; default: a fresh one in a temporary directory (removed by `destroy`). */
  gitDir?: string
  /** Default branch reported by `GET /repos/{o}/{r}` (default `main`). */
  defaultBranch?: string
  /** API root used in `url` fields (default https://api.github.com). */
  baseUrl?: string
  /**
   * A recursive tree read with more entries than this answers `truncated: true` and this many entries
   * (default 100,000, GitHub's limit: https://docs.github.com/rest/git/trees#get-a-tree).
   */
  truncateAbove?: number
  /**
   * A recursive tree read whose entries take more JSON bytes than this answers `truncated: true` with
   * the entries that fit (default 7,000,000: GitHub's "maximum size of 7 MB", same source).
   */
  truncateBytesAbove?: number
  /** GitHub's numeric id of the repository (default: a fresh one per instance in this process). */
  repoId?: number
  /** The identity commits created without author/committer get (default a GitHub App bot). */
  bot?: { name: string; email: string }
  /**
   * Serve `POST /graphql` (default true). False answers it `404 Not Found`, as a GitHub Enterprise
   * Server without GraphQL would: the adapters must then read over REST.
   */
  graphql?: boolean
}

const DOCS = 'https://docs.github.com/rest'
let repositories = 0
/** The noreply address GitHub gives `github-actions[bot]` (its account id is 41898282). */
const ACTIONS_BOT_EMAIL = '41898282+github-actions[bot]@users.noreply.github.com'
const EPOCH = Date.UTC(2026, 0, 1) / 1000
const SCRUBBED = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR']
const HEX = /^[0-9a-f]{40}$/

/** A reply GitHub would give; thrown inside handlers to answer early. */
class Reply extends Error {
  readonly status: number
  readonly payload: unknown
  readonly headers: Record<string, string> | undefined
  constructor(status: number, payload: unknown, headers?: Record<string, string>) {
    super(`${status}`)
    this.status = status
    this.payload = payload
    this.headers = headers
  }
}

function fail(status: number, message: string, docs = ''): never {
  throw new Reply(status, { message, documentation_url: `${DOCS}${docs}`, status: String(status) })
}

function notFound(): never {
  fail(404, 'Not Found')
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV, ...extra }
  for (const name of SCRUBBED) if (!(name in extra)) delete out[name]
  return out
}

function quoteFastImport(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

function resolveSpec(file: FileSpec): { mode: string; bytes: Buffer } {
  if (typeof file === 'string') return { mode: '100644', bytes: Buffer.from(file, 'utf8') }
  if (file instanceof Uint8Array) return { mode: '100644', bytes: Buffer.from(file) }
  if ('symlink' in file) return { mode: '120000', bytes: Buffer.from(file.symlink, 'utf8') }
  const bytes =
    typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content)
  return { mode: file.executable ? '100755' : '100644', bytes }
}

function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

interface ParsedCommit {
  tree: string
  parents: string[]
  author: { name: string; email: string; date: string }
  committer: { name: string; email: string; date: string }
  message: string
  raw: string
}

interface PullRecord {
  number: number
  title: string
  body: string | null
  head: string
  base: string
  state: 'open' | 'closed'
  /** When it was merged (ISO 8601); `null` while open or when closed without merging. */
  mergedAt?: string | null
}

interface HookRule {
  route: RouteName
  nth: number
  seen: number
  hook: (request: ApiRequest) => void | Promise<void>
}

interface ActiveFault extends FaultRule {
  seen: number
}

/**
 * The stand-in: a bare git repository plus the handler. Everything it answers is read from, or
 * written to, that repository (pull requests are kept in memory).
 */
export class GitDataApi {
  readonly owner: string
  readonly repo: string
  /** GitHub's numeric repository id (`repository.id` in payloads and `GET /repos/{o}/{r}`). */
  readonly repoId: number
  readonly gitDir: string
  readonly baseUrl: string
  readonly defaultBranch: string
  /** Truncation threshold of recursive tree reads, in entries (mutable: tests may change it mid-test). */
  truncateAbove: number
  /** Truncation threshold of recursive tree reads, in JSON bytes of the entries (mutable). */
  truncateBytesAbove: number
  /** Whether `POST /graphql` is served (mutable; see {@link GitDataApiOptions.graphql}). */
  graphqlEnabled: boolean
  /** Every request answered, in order. */
  readonly log: LoggedRequest[] = []
  /** Pull requests opened, in order. */
  readonly pulls: PullRecord[] = []
  /** Branches whose ref updates are refused as protected (short names) and the refusal message. */
  readonly protectedBranches = new Map<string, string>()
  /** When false, ref writes introducing changes under `.github/workflows/` are refused (GitHub App without `workflows`). */
  workflowsPermission = true
  /**
   * The person behind the token of requests that name no actor (nock mounts), as `GET /user` reports
   * them and as the author of the commits they create; `null` (default) = the App's installation token.
   */
  tokenUser: Account | null = null
  /** GitHub accounts by commit email (lowercase): how GitHub links a commit to `author` / `committer`. */
  readonly accounts = new Map<string, Account>()
  private readonly ownsDir: boolean
  private readonly bot: { name: string; email: string }
  private readonly verified = new Set<string>()
  private readonly faults: ActiveFault[] = []
  private readonly hooks: HookRule[] = []
  private clock = 0

  constructor(options: GitDataApiOptions = {}) {
    this.owner = options.owner ?? 'octo-org'
    this.repo = options.repo ?? 'octo-repo'
    this.repoId = options.repoId ?? 700_000 + ++repositories
    this.baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '')
    this.defaultBranch = options.defaultBranch ?? 'main'
    this.truncateAbove = options.truncateAbove ?? 100_000
    this.truncateBytesAbove = options.truncateBytesAbove ?? 7_000_000
    this.graphqlEnabled = options.graphql ?? true
    this.bot = options.bot ?? {
      name: 'gittrix-test[bot]',
      email: '41898282+gittrix-test[bot]@users.noreply.github.com',
    }
    this.linkAccount(this.bot.email, { login: this.bot.name, id: botId(this.bot.email), type: 'Bot' })
    this.linkAccount(ACTIONS_BOT_EMAIL, { login: 'github-actions[bot]', id: 41898282, type: 'Bot' })
    this.ownsDir = !options.gitDir
    this.gitDir = options.gitDir ?? mkdtempSync(join(tmpdir(), 'gittrix-git-data-api-'))
    if (this.ownsDir) this.git(['init', '--quiet', '--bare', `--initial-branch=${this.defaultBranch}`])
  }

  /** Links commits whose author or committer email is `email` to `account`, as GitHub does. */
  linkAccount(email: string, account: Account): void {
    this.accounts.set(email.toLowerCase(), account)
  }

  /** The commit identity of a person's account (their noreply address), linked to it. */
  personIdentity(login: string): { name: string; email: string } {
    const existing = [...this.accounts.entries()].find(([, a]) => a.login === login)
    if (existing) return { name: login, email: existing[0] }
    const id = 5_000_000 + this.accounts.size
    const email = `${id}+${login}@users.noreply.github.com`
    this.linkAccount(email, { login, id, type: 'User' })
    return { name: login, email }
  }

  /** Removes the bare repository when this object created it. */
  destroy(): void {
    if (this.ownsDir) rmSync(this.gitDir, { recursive: true, force: true })
  }

  // ---------------------------------------------------------------- git plumbing

  /** Runs git on the bare repository; returns stdout as a Buffer. Throws on a non-zero exit. */
  gitBytes(args: string[], input?: string | Uint8Array, extraEnv: Record<string, string> = {}): Buffer {
    return execFileSync('git', [`--git-dir=${this.gitDir}`, ...args], {
      env: env(extraEnv),
      input,
      maxBuffer: 1 << 30,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
  }

  /** Runs git on the bare repository; returns trimmed stdout. Throws on a non-zero exit. */
  git(args: string[], input?: string | Uint8Array, extraEnv: Record<string, string> = {}): string {
    return this.gitBytes(args, input, extraEnv).toString('utf8').trim()
  }

  /** Runs git and reports its exit status instead of throwing. */
  private gitTry(args: string[], input?: string | Uint8Array): { ok: boolean; out: string; err: string } {
    const r = spawnSync('git', [`--git-dir=${this.gitDir}`, ...args], {
      env: env(),
      input,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    })
    return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() }
  }

  /** Resolves `rev` to an object id (optionally peeled, e.g. `^{tree}`), or `null`. */
  resolve(rev: string, peel = ''): string | null {
    if (!rev || rev.startsWith('-') || /[\0\s]/.test(rev)) return null
    const r = this.gitTry(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}${peel}`])
    return r.ok && HEX.test(r.out) ? r.out : null
  }

  private typeOf(oid: string): string | null {
    if (!HEX.test(oid)) return null
    const r = this.gitTry(['cat-file', '-t', oid])
    return r.ok ? r.out : null
  }

  /** The commit `branch` points at, or `null`. */
  head(branch: string): string | null {
    return this.resolve(`refs/heads/${branch}`, '^{commit}')
  }

  /** Commit ids of `rev`'s first-parent history, newest first (at most `max`). */
  history(rev: string, max = 50): string[] {
    const out = this.git(['rev-list', '--first-parent', `--max-count=${max}`, rev])
    return out ? out.split('\n') : []
  }

  /** Every file of `rev` (recursive) with mode, blob id and bytes. */
  files(rev: string): Map<string, StoredFile> {
    const listing = this.gitBytes(['ls-tree', '-r', '-z', '--full-tree', rev])
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const tab = record.indexOf('\t')
        const [mode, , oid] = record.slice(0, tab).split(' ')
        return { path: record.slice(tab + 1), mode: mode!, oid: oid! }
      })
    const blobs = this.readBlobs(listing.filter((e) => e.mode !== '160000').map((e) => e.oid))
    return new Map(
      listing.map((e) => [e.path, { mode: e.mode, oid: e.oid, bytes: blobs.get(e.oid) ?? Buffer.alloc(0) }]),
    )
  }

  /** Blob contents by id (one `cat-file --batch`). */
  readBlobs(oids: readonly string[]): Map<string, Buffer> {
    const unique = [...new Set(oids)]
    const blobs = new Map<string, Buffer>()
    if (!unique.length) return blobs
    const out = this.gitBytes(['cat-file', '--batch'], `${unique.join('\n')}\n`)
    let offset = 0
    while (offset < out.length) {
      const newline = out.indexOf(10, offset)
      const [oid, type, size] = out.subarray(offset, newline).toString('utf8').split(' ')
      offset = newline + 1
      if (type === 'missing') continue
      blobs.set(oid!, out.subarray(offset, offset + Number(size)))
      offset += Number(size) + 1
    }
    return blobs
  }

  /** A commit's tree, parents, identities and exact message. */
  commitInfo(sha: string): ParsedCommit {
    return parseCommitObject(this.gitBytes(['cat-file', 'commit', sha]).toString('utf8'))
  }

  /**
   * Commits `files` (`null` deletes) on `branch` the way a `git push` would, bypassing the API (and its
   * faults and log): parent `from` (default the branch head; `null` for a root commit). Returns the commit.
   */
  commit(
    branch: string,
    files: Record<string, FileSpec | null>,
    options: {
      from?: string | null
      /** A second parent: the commit is a merge of `merge` into `from`. */
      merge?: string
      message?: string
      /** Author and committer of the commit (default the fixed test identities); any name and email can be pushed. */
      identity?: { name: string; email: string }
    } = {},
  ): string {
    const from = options.from === undefined ? this.head(branch) : options.from
    const message = Buffer.from(options.message ?? 'pushed commit\n', 'utf8')
    const time = EPOCH + this.clock++
    const author = options.identity ?? { name: GIT_ENV.GIT_AUTHOR_NAME, email: GIT_ENV.GIT_AUTHOR_EMAIL }
    const committer = options.identity ?? {
      name: GIT_ENV.GIT_COMMITTER_NAME,
      email: GIT_ENV.GIT_COMMITTER_EMAIL,
    }
    const chunks: Buffer[] = [
      Buffer.from(
        `commit refs/heads/${branch}\n` +
          `author ${author.name} <${author.email}> ${time} +0000\n` +
          `committer ${committer.name} <${committer.email}> ${time} +0000\n` +
          `data ${message.length}\n`,
      ),
      message,
      Buffer.from(from ? `\nfrom ${from}\n` : '\n'),
      Buffer.from(options.merge ? `merge ${options.merge}\n` : ''),
    ]
    if (!from && this.head(branch)) chunks.push(Buffer.from('deleteall\n'))
    const entries = Object.entries(files)
    for (const [path, file] of entries)
      if (file === null) chunks.push(Buffer.from(`D ${quoteFastImport(path)}\n`))
    for (const [path, file] of entries) {
      if (file === null) continue
      const { mode, bytes } = resolveSpec(file)
      chunks.push(
        Buffer.from(`M ${mode} inline ${quoteFastImport(path)}\ndata ${bytes.length}\n`),
        bytes,
        Buffer.from('\n'),
      )
    }
    chunks.push(Buffer.from('\ndone\n'))
    this.gitBytes(['fast-import', '--quiet', '--done', '--force'], Buffer.concat(chunks))
    return this.head(branch)!
  }

  /**
   * Commits on `branch` (its head's tree, the head as parent) as the App's installation token does
   * through `POST /git/commits` — authored by its bot, signed by GitHub — and moves the branch there,
   * bypassing the API (and its log): what another replica of the App left behind, e.g. its claim.
   * Returns the commit.
   */
  appCommit(branch: string, message: string): string {
    const head = this.head(branch)!
    const tree = this.resolve(head, '^{tree}')!
    const saved = this.tokenUser
    this.tokenUser = null
    try {
      const { sha } = this.createCommit({ message, tree, parents: [head] }) as { sha: string }
      this.setBranch(branch, sha)
      return sha
    } finally {
      this.tokenUser = saved
    }
  }

  /** Points `branch` at `sha` (or deletes it with `null`), bypassing the API. */
  setBranch(branch: string, sha: string | null): void {
    if (sha === null) this.git(['update-ref', '-d', `refs/heads/${branch}`])
    else this.git(['update-ref', `refs/heads/${branch}`, sha])
  }

  // ---------------------------------------------------------------- faults and hooks

  /** Adds a fault (see {@link FaultRule}). Returns a function removing it. */
  inject(rule: FaultRule): () => void {
    const active: ActiveFault = { ...rule, seen: 0 }
    this.faults.push(active)
    return () => {
      const i = this.faults.indexOf(active)
      if (i >= 0) this.faults.splice(i, 1)
    }
  }

  /** Runs `hook` right before the `nth` request (1-based, counted from now) to `route` is handled. */
  before(route: RouteName, nth: number, hook: (request: ApiRequest) => void | Promise<void>): void {
    this.hooks.push({ route, nth, seen: 0, hook })
  }

  /** Refuses every update of `branch` as GitHub does for a protected branch or a pull-request ruleset. */
  protectBranch(
    branch: string,
    message = 'Repository rule violations found\n\nChanges must be made through a pull request.\n\n',
  ): void {
    this.protectedBranches.set(branch, message)
  }

  /** Removes all faults and hooks. */
  clearFaults(): void {
    this.faults.length = 0
    this.hooks.length = 0
  }

  /** Requests answered so far to `route` (all routes when omitted). */
  count(route?: RouteName): number {
    return route ? this.log.filter((r) => r.route === route).length : this.log.length
  }

  private faultReply(kind: FaultKind | ApiReply, request: ApiRequest): ApiReply {
    if (typeof kind !== 'string') return kind
    switch (kind) {
      case 'server-error':
        return { status: 502, body: { message: 'Server Error' } }
      case 'secondary-rate-limit':
      case 'secondary-rate-limit-429':
        return {
          status: kind === 'secondary-rate-limit' ? 403 : 429,
          body: {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.',
            documentation_url:
              'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          },
          headers: { 'retry-after': '1' },
        }
      case 'protected-branch':
        return {
          status: 422,
          body: {
            message: 'Repository rule violations found\n\nChanges must be made through a pull request.\n\n',
            documentation_url: `${DOCS}/git/refs#update-a-reference`,
            status: '422',
          },
        }
      case 'workflow-permission': {
        const body = request.body as { tree?: Array<{ path?: string }> } | undefined
        const path = body?.tree?.find((e) => e.path?.startsWith('.github/workflows/'))?.path
        return workflowRefusal(path ?? '.github/workflows/ci.yml')
      }
    }
  }

  // ---------------------------------------------------------------- the handler

  /**
   * Answers one request. `path` may carry percent-encoded slashes in ref-like parameters (as Octokit
   * sends them) or plain ones. Never throws: unknown routes answer 404 like GitHub.
   */
  async handle(request: ApiRequest): Promise<ApiReply> {
    const method = request.method.toUpperCase()
    const [pathOnly, search] = request.path.split('?') as [string, string | undefined]
    const query: Record<string, string | string[] | undefined> = { ...(request.query ?? {}) }
    if (search && !request.query) for (const [k, v] of new URLSearchParams(search)) query[k] = v
    const normalized: ApiRequest = {
      method,
      path: pathOnly,
      query,
      body: request.body,
      ...(request.actor ? { actor: request.actor } : {}),
    }
    const route = this.route(method, pathOnly)
    const routeName = route?.name ?? 'unknown'

    for (const hook of this.hooks) {
      if (hook.route !== routeName) continue
      hook.seen++
      if (hook.seen === hook.nth) await hook.hook(normalized)
    }
    let fault: ActiveFault | undefined
    for (const rule of this.faults) {
      if (rule.route !== routeName || (rule.where && !rule.where(normalized))) continue
      rule.seen++
      const first = rule.nth ?? 1
      if (!fault && rule.seen >= first && rule.seen < first + (rule.times ?? 1)) fault = rule
    }

    let reply: ApiReply
    if (fault && !fault.afterHandling) {
      reply = this.faultReply(fault.fault, normalized)
    } else {
      try {
        if (!route) notFound()
        reply = route.run(normalized)
      } catch (error) {
        if (!(error instanceof Reply)) throw error
        reply = {
          status: error.status,
          body: error.payload,
          ...(error.headers ? { headers: error.headers } : {}),
        }
      }
      if (fault) reply = this.faultReply(fault.fault, normalized)
    }
    this.log.push({
      ...normalized,
      route: routeName,
      status: reply.status,
      injected: Boolean(fault),
      requestBytes: jsonBytes(normalized.body),
      replyBytes: jsonBytes(reply.body),
    })
    return reply
  }

  private route(
    method: string,
    path: string,
  ): { name: RouteName; run: (request: ApiRequest) => ApiReply } | undefined {
    const segments = path.split('/').slice(1)
    if (method === 'GET' && path === '/user')
      return {
        name: ROUTES.getAuthenticatedUser,
        run: (r) => ({ status: 200, body: this.authenticatedUser(r) }),
      }
    if (method === 'POST' && path === '/graphql')
      return {
        name: ROUTES.graphql,
        run: (r) =>
          this.graphqlEnabled ? ok200(answerGraphql(this.graphqlRepository(), r.body)) : notFound(),
      }
    if (segments[0] !== 'repos' || segments.length < 3) return undefined
    const [, owner, repo, ...rest] = segments.map((s, i) => (i < 3 ? decode(s) : s))
    if (owner !== this.owner || repo !== this.repo) {
      return { name: 'unknown' as RouteName, run: () => notFound() }
    }
    const tail = (from: number) => decode(rest.slice(from).join('/'))
    const key = `${method} ${rest.slice(0, 2).join('/')}`
    const ok = (status: number, body?: unknown): ApiReply => ({ status, body })
    if (rest.length === 0 && method === 'GET')
      return { name: ROUTES.getRepo, run: () => ok(200, this.repository()) }
    if (key === 'GET git/ref' && rest.length > 2)
      return { name: ROUTES.getRef, run: () => ok(200, this.getRef(tail(2))) }
    if (key === 'GET git/matching-refs' && rest.length > 2)
      return { name: ROUTES.listMatchingRefs, run: () => ok(200, this.matchingRefs(tail(2))) }
    if (key === 'POST git/refs' && rest.length === 2)
      return { name: ROUTES.createRef, run: (r) => ok(201, this.createRef(r.body)) }
    if (key === 'PATCH git/refs' && rest.length > 2)
      return { name: ROUTES.updateRef, run: (r) => ok(200, this.updateRef(tail(2), r.body)) }
    if (key === 'DELETE git/refs' && rest.length > 2)
      return {
        name: ROUTES.deleteRef,
        run: () => {
          this.deleteRef(tail(2))
          return ok(204)
        },
      }
    if (key === 'GET git/commits' && rest.length === 3)
      return { name: ROUTES.getCommit, run: () => ok(200, this.commitJson(this.mustBe(tail(2), 'commit'))) }
    if (key === 'POST git/commits' && rest.length === 2)
      return { name: ROUTES.createCommit, run: (r) => ok(201, this.createCommit(r.body, r.actor)) }
    if (key === 'GET git/trees' && rest.length > 2)
      return { name: ROUTES.getTree, run: (r) => ok(200, this.getTree(tail(2), r.query?.recursive)) }
    if (key === 'POST git/trees' && rest.length === 2)
      return { name: ROUTES.createTree, run: (r) => ok(201, this.createTree(r.body)) }
    if (key === 'GET git/blobs' && rest.length === 3)
      return { name: ROUTES.getBlob, run: () => ok(200, this.getBlob(tail(2))) }
    if (key === 'POST git/blobs' && rest.length === 2)
      return { name: ROUTES.createBlob, run: (r) => ok(201, this.createBlob(r.body)) }
    if (key === 'GET commits' && rest.length === 1)
      return { name: ROUTES.listCommits, run: (r) => ok(200, this.listCommits(r.query ?? {})) }
    if (method === 'GET' && rest[0] === 'commits' && rest.length === 2)
      return { name: ROUTES.getCommitDetail, run: () => ok(200, this.commitDetail(tail(1))) }
    if (method === 'GET' && rest[0] === 'compare' && rest.length >= 2)
      return { name: ROUTES.compare, run: (r) => ok(200, this.compare(tail(1), r.query ?? {})) }
    if (key === 'POST pulls' && rest.length === 1)
      return { name: ROUTES.createPull, run: (r) => ok(201, this.createPull(r.body)) }
    if (key === 'GET pulls' && rest.length === 1)
      return { name: ROUTES.listPulls, run: (r) => ok(200, this.listPulls(r.query ?? {})) }
    return undefined
  }

  // ---------------------------------------------------------------- answers

  /** The repository as graphql-stand-in.ts reads it. */
  private graphqlRepository(): GraphqlRepository {
    return {
      owner: this.owner,
      name: this.repo,
      resolve: (rev) => this.resolve(rev) ?? this.resolve(`refs/heads/${rev}`),
      typeOf: (oid) => this.typeOf(oid),
      commitTree: (oid) => this.commitInfo(oid).tree,
      treeEntries: (oid) =>
        this.treeItems(oid, false).map((item) => ({
          mode: String(item.mode),
          type: String(item.type),
          oid: String(item.sha),
          name: String(item.path),
          size: typeof item.size === 'number' ? item.size : null,
        })),
      blobSize: (oid) => Number(this.git(['cat-file', '-s', oid])),
      blobBytes: (oid) => this.gitBytes(['cat-file', 'blob', oid]),
      updateRefs: (updates) => this.updateRefsAtomically(updates),
    }
  }

  /** GraphQL `updateRefs`: one `git update-ref --stdin` transaction (see graphql-stand-in.ts). */
  private updateRefsAtomically(updates: ReadonlyArray<RefUpdateInput>): void {
    const ZERO = '0'.repeat(40)
    const lines = ['start']
    for (const u of updates) {
      if (!this.validRefName(u.name) || !u.name.startsWith('refs/'))
        throw new Error(`Invalid ref name ${u.name}`)
      const current = this.gitTry(['show-ref', '--verify', '--quiet', u.name]).ok
        ? this.resolve(u.name)
        : null
      if (u.beforeOid && u.beforeOid !== (current ?? ZERO))
        throw new RefUpdateRejected(
          `A ref update for ${u.name} was rejected: it does not point to ${u.beforeOid}`,
        )
      if (u.afterOid === ZERO) {
        lines.push(`delete ${u.name} ${current ?? ''}`)
        continue
      }
      if (this.typeOf(u.afterOid) !== 'commit') throw new Error(`Object ${u.afterOid} does not exist`)
      if (current && !u.force && !this.gitTry(['merge-base', '--is-ancestor', current, u.afterOid]).ok)
        throw new RefUpdateRejected(`A ref update for ${u.name} was rejected: not a fast-forward`)
      this.guardWrite(u.name, current, u.afterOid)
      lines.push(`update ${u.name} ${u.afterOid} ${current ?? ZERO}`)
    }
    lines.push('prepare', 'commit', '')
    const r = this.gitTry(['update-ref', '--stdin'], lines.join('\n'))
    if (!r.ok) throw new RefUpdateRejected(`The ref updates were rejected: ${r.err}`)
  }

  private get api(): string {
    return `${this.baseUrl}/repos/${this.owner}/${this.repo}`
  }

  private get web(): string {
    const root =
      this.baseUrl === 'https://api.github.com'
        ? 'https://github.com'
        : this.baseUrl.replace(/\/api\/v3$/, '')
    return `${root}/${this.owner}/${this.repo}`
  }

  private repository(): unknown {
    const example = loadGitHubOpenApi().example(
      loadGitHubOpenApi().operation('GET', '/repos/{owner}/{repo}'),
      200,
    ) as Record<string, unknown>
    // The description's example lacks `language` (required) and carries optional fork relations.
    const { source: _source, parent: _parent, template_repository: _template, ...rest } = example
    return {
      ...rest,
      language: null,
      id: this.repoId,
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      default_branch: this.defaultBranch,
      url: this.api,
      html_url: this.web,
    }
  }

  private refJson(full: string, sha: string): unknown {
    return {
      ref: full,
      node_id: `REF_${Buffer.from(full).toString('base64url')}`,
      url: `${this.api}/git/${full}`,
      object: { type: 'commit', sha, url: `${this.api}/git/commits/${sha}` },
    }
  }

  private getRef(ref: string): unknown {
    const full = `refs/${ref}`
    if (!/^(heads|tags|notes)\/./.test(ref)) notFound()
    const sha = this.resolve(full)
    if (!sha || !this.gitTry(['show-ref', '--verify', '--quiet', full]).ok) notFound()
    return this.refJson(full, sha)
  }

  /** "List matching references": every branch or tag whose full name starts with `refs/<prefix>`, sorted. */
  private matchingRefs(prefix: string): unknown[] {
    if (!/^(heads|tags|notes)\/./.test(prefix)) return []
    const out = this.git([
      'for-each-ref',
      '--format=%(refname) %(objectname)',
      `refs/${prefix.split('/')[0]}/`,
    ])
    return (out ? out.split('\n') : [])
      .map((line) => line.split(' ') as [string, string])
      .filter(([name]) => name.startsWith(`refs/${prefix}`))
      .map(([name, sha]) => this.refJson(name, sha))
  }

  private createRef(body: unknown): unknown {
    const { ref, sha } = (body ?? {}) as { ref?: string; sha?: string }
    if (typeof ref !== 'string' || !/^refs\/.+\/.+/.test(ref) || !this.validRefName(ref))
      fail(422, 'Reference name is invalid', '/git/refs#create-a-reference')
    if (typeof sha !== 'string' || this.typeOf(sha) !== 'commit')
      fail(422, 'Object does not exist', '/git/refs#create-a-reference')
    this.guardWrite(ref, null, sha)
    const r = this.gitTry(['update-ref', ref, sha, ''])
    if (!r.ok) fail(422, 'Reference already exists', '/git/refs#create-a-reference')
    return this.refJson(ref, sha)
  }

  private updateRef(ref: string, body: unknown): unknown {
    const { sha, force } = (body ?? {}) as { sha?: string; force?: boolean }
    const full = `refs/${ref}`
    const current = this.gitTry(['show-ref', '--verify', '--quiet', full]).ok ? this.resolve(full) : null
    if (!current) fail(422, 'Reference does not exist', '/git/refs#update-a-reference')
    if (typeof sha !== 'string' || this.typeOf(sha) !== 'commit')
      fail(422, 'Object does not exist', '/git/refs#update-a-reference')
    if (!force && current !== sha && !this.gitTry(['merge-base', '--is-ancestor', current, sha]).ok)
      fail(422, 'Update is not a fast forward', '/git/refs#update-a-reference')
    this.guardWrite(full, current, sha)
    // Compare-and-swap: refused when the ref moved since it was read above.
    if (!this.gitTry(['update-ref', full, sha, current]).ok)
      fail(422, 'Update is not a fast forward', '/git/refs#update-a-reference')
    return this.refJson(full, sha)
  }

  private deleteRef(ref: string): void {
    const full = `refs/${ref}`
    // GitHub's description declares this 422 without a body (GitHub itself says "Reference does not exist").
    if (!this.gitTry(['show-ref', '--verify', '--quiet', full]).ok) throw new Reply(422, undefined)
    this.git(['update-ref', '-d', full])
  }

  private validRefName(ref: string): boolean {
    return spawnSync('git', ['check-ref-format', ref]).status === 0
  }

  /** Protection and the workflows permission, checked on every ref write. */
  private guardWrite(full: string, oldSha: string | null, newSha: string): void {
    const branch = full.startsWith('refs/heads/') ? full.slice('refs/heads/'.length) : null
    const protection = branch ? this.protectedBranches.get(branch) : undefined
    if (protection !== undefined) fail(422, protection, '/git/refs#update-a-reference')
    if (this.workflowsPermission) return
    const base = oldSha ?? this.resolve(`refs/heads/${this.defaultBranch}`)
    const changed = base
      ? this.git(['diff', '--name-only', '-z', base, newSha, '--', '.github/workflows/'])
      : this.git(['ls-tree', '-r', '--name-only', '-z', newSha, '--', '.github/workflows/'])
    const first = changed.split('\0').filter(Boolean)[0]
    if (first) {
      const reply = workflowRefusal(first)
      throw new Reply(reply.status, reply.body)
    }
  }

  private mustBe(oid: string, type: 'commit' | 'tree' | 'blob'): string {
    if (this.typeOf(oid) !== type) notFound()
    return oid
  }

  private commitJson(sha: string): unknown {
    const info = this.commitInfo(sha)
    return {
      sha,
      node_id: `C_${sha}`,
      url: `${this.api}/git/commits/${sha}`,
      html_url: `${this.web}/commit/${sha}`,
      author: info.author,
      committer: info.committer,
      message: info.message,
      tree: { sha: info.tree, url: `${this.api}/git/trees/${info.tree}` },
      parents: info.parents.map((p) => ({
        sha: p,
        url: `${this.api}/git/commits/${p}`,
        html_url: `${this.web}/commit/${p}`,
      })),
      verification: this.verification(sha),
    }
  }

  /** The `verification` object GitHub reports for commit `sha`. */
  private verification(sha: string): unknown {
    if (!this.verified.has(sha))
      return { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null }
    const info = this.commitInfo(sha)
    return {
      verified: true,
      reason: 'valid',
      signature: '-----BEGIN PGP SIGNATURE-----\n\nstand-in\n-----END PGP SIGNATURE-----\n',
      payload: info.raw,
      verified_at: info.committer.date,
    }
  }

  /** True when GitHub would report `sha` as signed and verified (a bot's API commit without custom identity). */
  isSigned(sha: string): boolean {
    return this.verified.has(sha)
  }

  /** The GitHub account linked to `email` as a `simple-user`, or `null`. */
  private linkedUser(email: string): unknown {
    const account = this.accounts.get(email.toLowerCase())
    if (!account) return null
    const api = loadGitHubOpenApi()
    const example = (
      api.example(api.operation('GET', '/repos/{owner}/{repo}/commits/{ref}'), 200) as {
        author: Record<string, unknown>
      }
    ).author
    const root = this.baseUrl
    return {
      ...example,
      login: account.login,
      id: account.id,
      node_id: `U_${account.id}`,
      type: account.type,
      url: `${root}/users/${encodeURIComponent(account.login)}`,
      html_url: `${this.web.replace(/\/[^/]+\/[^/]+$/, '')}/${encodeURIComponent(account.login)}`,
    }
  }

  /** `GET /user`: the person behind the token; an installation token has none (403). */
  private authenticatedUser(request: ApiRequest): unknown {
    const person =
      request.actor !== undefined
        ? ([...this.accounts.values()].find((a) => a.login === request.actor!.login) ?? {
            login: request.actor.login,
            id: 6_000_000,
            type: request.actor.type,
          })
        : this.tokenUser
    if (!person)
      fail(403, 'Resource not accessible by integration', '/users/users#get-the-authenticated-user')
    const api = loadGitHubOpenApi()
    const example = api.example(api.operation('GET', '/user'), 200) as Record<string, unknown>
    return { ...example, login: person.login, id: person.id, type: person.type }
  }

  /** `GET /commits/{ref}`: the commit with its linked accounts and verification (no file list). */
  private commitDetail(ref: string): unknown {
    const sha = this.resolve(ref, '^{commit}') ?? this.resolve(`refs/heads/${ref}`, '^{commit}')
    if (!sha) fail(422, `No commit found for SHA: ${ref}`, '/commits/commits#get-a-commit')
    return { ...this.listedCommit(sha), files: [] }
  }

  /** One commit as `GET /commits` lists it. */
  private listedCommit(commitSha: string, info = this.commitInfo(commitSha)): Record<string, unknown> {
    return {
      url: `${this.api}/commits/${commitSha}`,
      sha: commitSha,
      node_id: `C_${commitSha}`,
      html_url: `${this.web}/commit/${commitSha}`,
      comments_url: `${this.api}/commits/${commitSha}/comments`,
      commit: {
        url: `${this.api}/git/commits/${commitSha}`,
        author: info.author,
        committer: info.committer,
        message: info.message,
        comment_count: 0,
        tree: { sha: info.tree, url: `${this.api}/git/trees/${info.tree}` },
        verification: this.verification(commitSha),
      },
      author: this.linkedUser(info.author.email),
      committer: this.linkedUser(info.committer.email),
      parents: info.parents.map((p) => ({
        sha: p,
        url: `${this.api}/commits/${p}`,
        html_url: `${this.web}/commit/${p}`,
      })),
    }
  }

  private createCommit(body: unknown, actor?: ApiRequest['actor']): unknown {
    const b = (body ?? {}) as {
      message?: string
      tree?: string
      parents?: string[]
      author?: { name: string; email: string; date?: string }
      committer?: { name: string; email: string; date?: string }
      signature?: string
    }
    if (typeof b.message !== 'string' || typeof b.tree !== 'string')
      fail(422, 'Invalid request.\n\n"message" and "tree" are required.', '/git/commits#create-a-commit')
    if (this.typeOf(b.tree) !== 'tree') fail(422, 'Tree SHA does not exist', '/git/commits#create-a-commit')
    for (const parent of b.parents ?? [])
      if (this.typeOf(parent) !== 'commit')
        fail(422, 'Parent SHA does not exist or is not a commit object', '/git/commits#create-a-commit')
    const time = EPOCH + this.clock++
    const custom = Boolean(b.author || b.committer || b.signature)
    // The authenticated caller: a person's (or the workflow's) token, else the App's installation token.
    const caller =
      actor ?? (this.tokenUser ? { login: this.tokenUser.login, type: this.tokenUser.type } : null)
    const self =
      caller === null
        ? this.bot
        : caller.login === 'github-actions[bot]'
          ? { name: 'github-actions[bot]', email: ACTIONS_BOT_EMAIL }
          : this.personIdentity(caller.login)
    const who = (p: { name: string; email: string; date?: string } | undefined) => {
      const person = p ?? b.author ?? self
      const seconds = p?.date ? Math.floor(Date.parse(p.date) / 1000) : time
      return `${person.name} <${person.email}> ${seconds} +0000`
    }
    const raw =
      `tree ${b.tree}\n` +
      (b.parents ?? []).map((p) => `parent ${p}\n`).join('') +
      `author ${who(b.author)}\n` +
      `committer ${who(b.committer)}\n` +
      `\n${b.message}`
    const sha = this.git(['hash-object', '-t', 'commit', '-w', '--stdin'], raw)
    // GitHub signs what a bot creates without custom author, committer or signature; never a person's.
    if (!custom && (caller === null || caller.type === 'Bot')) this.verified.add(sha)
    return this.commitJson(sha)
  }

  private treeItems(treeOid: string, recursive: boolean): Array<Record<string, unknown>> {
    const args = recursive ? ['ls-tree', '-r', '-t', '-l', '-z', treeOid] : ['ls-tree', '-l', '-z', treeOid]
    return this.gitBytes(args)
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const tab = record.indexOf('\t')
        const [mode, type, sha, size] = record.slice(0, tab).split(/ +/)
        const path = record.slice(tab + 1)
        return {
          path,
          mode,
          type,
          sha,
          ...(type === 'blob' ? { size: Number(size) } : {}),
          url: `${this.api}/git/${type === 'tree' ? 'trees' : type === 'blob' ? 'blobs' : 'commits'}/${sha}`,
        }
      })
  }

  private getTree(treeish: string, recursive: unknown): unknown {
    const sha = this.resolve(treeish, '^{tree}')
    if (!sha) notFound()
    let tree = this.treeItems(sha, recursive !== undefined)
    let truncated = false
    if (recursive !== undefined) {
      // GitHub's limits apply to recursive listings only: entries first, then the bytes of those kept.
      let bytes = 0
      let kept = 0
      for (const item of tree) {
        bytes += jsonBytes(item) + 1
        if (kept === this.truncateAbove || bytes > this.truncateBytesAbove) break
        kept++
      }
      truncated = kept < tree.length
      if (truncated) tree = tree.slice(0, kept)
    }
    return { sha, url: `${this.api}/git/trees/${sha}`, tree, truncated }
  }

  private createTree(body: unknown): unknown {
    const b = (body ?? {}) as {
      base_tree?: string
      tree?: Array<{ path?: string; mode?: string; type?: string; sha?: string | null; content?: string }>
    }
    if (!Array.isArray(b.tree)) fail(422, 'Invalid tree info', '/git/trees#create-a-tree')
    if (b.base_tree !== undefined && this.typeOf(b.base_tree) !== 'tree')
      fail(404, 'Not Found', '/git/trees#create-a-tree')
    const dir = mkdtempSync(join(tmpdir(), 'gittrix-git-data-api-index-'))
    const index = { GIT_INDEX_FILE: join(dir, 'index') }
    try {
      if (b.base_tree) this.gitBytes(['read-tree', b.base_tree], undefined, index)
      else this.gitBytes(['read-tree', '--empty'], undefined, index)
      const present = new Set(
        this.gitBytes(['ls-files', '-z', '--cached'], undefined, index)
          .toString('utf8')
          .split('\0')
          .filter(Boolean),
      )
      const records: string[] = []
      const wanted: string[] = []
      for (const entry of b.tree) {
        const path = entry.path ?? ''
        if (
          !path ||
          path.startsWith('/') ||
          path.endsWith('/') ||
          path.split('/').some((s) => s === '' || s === '.' || s === '..' || s === '.git')
        )
          fail(422, `tree.path "${path}" is invalid`, '/git/trees#create-a-tree')
        if (entry.sha === null) {
          const under = [...present].filter((p) => p === path || p.startsWith(`${path}/`))
          if (!under.length)
            fail(
              422,
              `tree.path "${path}" does not exist in base_tree, so it cannot be deleted`,
              '/git/trees#create-a-tree',
            )
          for (const p of under) {
            records.push(`0 ${'0'.repeat(40)}\t${p}`)
            present.delete(p)
          }
          continue
        }
        let oid = entry.sha
        if (oid === undefined) {
          if (typeof entry.content !== 'string')
            fail(422, 'tree.sha or tree.content is required', '/git/trees#create-a-tree')
          oid = this.git(['hash-object', '-w', '--stdin'], entry.content)
        }
        const mode = entry.mode ?? ''
        if (!['100644', '100755', '120000', '160000'].includes(mode))
          fail(422, `tree.mode "${mode}" is not supported by this stand-in`, '/git/trees#create-a-tree')
        if (mode !== '160000') wanted.push(oid)
        records.push(`${mode} ${oid}\t${path}`)
        present.add(path)
      }
      if (wanted.length) {
        const check = this.gitBytes(['cat-file', '--batch-check'], `${wanted.join('\n')}\n`).toString('utf8')
        const bad = check.split('\n').find((line) => line && !/ blob \d+$/.test(line))
        if (bad) fail(422, `tree.sha ${bad.split(' ')[0]} is not a valid blob`, '/git/trees#create-a-tree')
      }
      const r = spawnSync('git', [`--git-dir=${this.gitDir}`, 'update-index', '-z', '--index-info'], {
        env: env(index),
        input: records.map((rec) => `${rec}\0`).join(''),
        encoding: 'utf8',
      })
      if (r.status !== 0) fail(422, `Invalid tree info: ${r.stderr.trim()}`, '/git/trees#create-a-tree')
      const sha = this.git(['write-tree'], undefined, index)
      return { sha, url: `${this.api}/git/trees/${sha}`, tree: this.treeItems(sha, false), truncated: false }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  private getBlob(oid: string): unknown {
    this.mustBe(oid, 'blob')
    const bytes = this.readBlobs([oid]).get(oid)!
    const content = (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n')
    return {
      sha: oid,
      node_id: `B_${oid}`,
      size: bytes.length,
      url: `${this.api}/git/blobs/${oid}`,
      content: content ? `${content}\n` : '',
      encoding: 'base64',
    }
  }

  private createBlob(body: unknown): unknown {
    const { content, encoding } = (body ?? {}) as { content?: string; encoding?: string }
    if (typeof content !== 'string')
      fail(422, 'Invalid request.\n\n"content" wasn\'t supplied.', '/git/blobs#create-a-blob')
    const bytes = encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8')
    const sha = this.git(['hash-object', '-w', '--stdin'], bytes)
    return { sha, url: `${this.api}/git/blobs/${sha}` }
  }

  private listCommits(query: Record<string, string | string[] | undefined>): unknown {
    const rev = String(query.sha ?? this.defaultBranch)
    const sha = this.resolve(rev, '^{commit}') ?? this.resolve(`refs/heads/${rev}`, '^{commit}')
    if (!sha) fail(404, `No commit found for SHA: ${rev}`, '/commits/commits#list-commits')
    const perPage = Math.min(Number(query.per_page ?? 30) || 30, 100)
    const page = Math.max(Number(query.page ?? 1) || 1, 1)
    const out = this.git([
      'rev-list',
      '--topo-order',
      `--max-count=${perPage}`,
      `--skip=${(page - 1) * perPage}`,
      sha,
    ])
    return (out ? out.split('\n') : []).map((commitSha) => this.listedCommit(commitSha))
  }

  /** `GET /commits` and compare list items ("commit" in GitHub's description) for `shas`, in one git read. */
  private commitItems(shas: readonly string[]): unknown[] {
    const raws = this.readBlobs(shas)
    return shas.map((sha) => this.listedCommit(sha, parseCommitObject(raws.get(sha)!.toString('utf8'))))
  }

  private compare(basehead: string, query: Record<string, string | string[] | undefined>): unknown {
    const [base, head, extra] = basehead.split('...')
    const commitOf = (rev: string | undefined) =>
      rev ? (this.resolve(rev, '^{commit}') ?? this.resolve(`refs/heads/${rev}`, '^{commit}')) : null
    const baseSha = commitOf(base)
    const headSha = commitOf(head)
    if (extra !== undefined || !baseSha || !headSha) notFound()
    const mergeBase = this.gitTry(['merge-base', baseSha, headSha])
    if (!mergeBase.ok || !HEX.test(mergeBase.out)) notFound()
    const count = (range: string) => Number(this.git(['rev-list', '--count', range]))
    const ahead = count(`${baseSha}..${headSha}`)
    const behind = count(`${headSha}..${baseSha}`)
    const status =
      ahead === 0 && behind === 0 ? 'identical' : behind === 0 ? 'ahead' : ahead === 0 ? 'behind' : 'diverged'
    const listed = this.git(['rev-list', '--reverse', `${baseSha}..${headSha}`])
    let shas = listed ? listed.split('\n') : []
    const paged = query.page !== undefined || query.per_page !== undefined
    const page = Math.max(Number(query.page ?? 1) || 1, 1)
    if (paged) {
      const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100)
      shas = shas.slice((page - 1) * perPage, page * perPage)
    } else shas = shas.slice(-250)
    const [baseItem, mergeBaseItem] = this.commitItems([baseSha, mergeBase.out])
    return {
      url: `${this.api}/compare/${basehead}`,
      html_url: `${this.web}/compare/${basehead}`,
      permalink_url: `${this.web}/compare/${this.owner}:${baseSha}...${this.owner}:${headSha}`,
      diff_url: `${this.web}/compare/${basehead}.diff`,
      patch_url: `${this.web}/compare/${basehead}.patch`,
      base_commit: baseItem,
      merge_base_commit: mergeBaseItem,
      status,
      ahead_by: ahead,
      behind_by: behind,
      total_commits: ahead,
      commits: this.commitItems(shas),
      ...(page === 1 ? { files: this.comparedFiles(mergeBase.out, headSha) } : {}),
    }
  }

  /** The compare API's `files` of `from..to`: `git diff -M`, at most 300, binary files without `patch`. */
  private comparedFiles(from: string, to: string): unknown[] {
    const out = this.gitBytes([
      'diff',
      '--no-color',
      '--no-ext-diff',
      '--no-textconv',
      '--no-abbrev',
      '-M',
      '--raw',
      '-z',
      '-p',
      from,
      to,
      '--',
    ])
    if (out.length === 0) return []
    const split = out.indexOf('\0\0')
    const raw = (split === -1 ? out : out.subarray(0, split)).toString('utf8').split('\0')
    const sections = splitPatchSections(split === -1 ? '' : out.subarray(split + 2).toString('utf8'))
    const files: unknown[] = []
    for (let i = 0, n = 0; i < raw.length && raw[i]!.startsWith(':');) {
      const [oldMode, newMode, oldOid, newOid, code] = raw[i]!.slice(1).split(' ') as [
        string,
        string,
        string,
        string,
        string,
      ]
      const letter = code[0]!
      const paths = letter === 'R' || letter === 'C' ? [raw[i + 1]!, raw[i + 2]!] : [raw[i + 1]!]
      i += 1 + paths.length
      const filename = paths.at(-1)!
      // git prints a change between a file and a symlink as two sections (a deletion and an addition).
      const section = sections.slice(n, (n += letter === 'T' ? 2 : 1)).join('')
      const hunkStart = section.search(/^@@ /m)
      const binary = /^Binary files .* differ$/m.test(section)
      const patch = hunkStart === -1 ? '' : section.slice(hunkStart).replace(/\n$/, '')
      let additions = 0
      let deletions = 0
      for (const line of patch.split('\n')) {
        if (line.startsWith('+')) additions++
        else if (line.startsWith('-')) deletions++
      }
      const status =
        letter === 'A'
          ? 'added'
          : letter === 'D'
            ? 'removed'
            : letter === 'R'
              ? 'renamed'
              : letter === 'C'
                ? 'copied'
                : letter === 'T' || (oldOid === newOid && oldMode !== newMode)
                  ? 'changed'
                  : 'modified'
      const sha = letter === 'D' ? oldOid : newOid
      const ref = letter === 'D' ? from : to
      files.push({
        sha,
        filename,
        status,
        additions,
        deletions,
        changes: additions + deletions,
        blob_url: `${this.web}/blob/${ref}/${encodeURI(filename)}`,
        raw_url: `${this.web}/raw/${ref}/${encodeURI(filename)}`,
        contents_url: `${this.api}/contents/${encodeURI(filename)}?ref=${ref}`,
        ...(binary || !patch ? {} : { patch }),
        ...(paths.length === 2 ? { previous_filename: paths[0] } : {}),
      })
      if (files.length === 300) break
    }
    return files
  }

  private pullJson(pull: PullRecord, simple: boolean): unknown {
    const api = loadGitHubOpenApi()
    const example = simple
      ? (api.example(api.operation('GET', '/repos/{owner}/{repo}/pulls'), 200) as unknown[])[0]
      : api.example(api.operation('POST', '/repos/{owner}/{repo}/pulls'), 201)
    const base = example as Record<string, Record<string, unknown>>
    const side = (branch: string) => ({
      ...base.head,
      label: `${this.owner}:${branch}`,
      ref: branch,
      sha: this.head(branch) ?? '0'.repeat(40),
    })
    return {
      ...base,
      // The description's examples list reviewers and teams whose shapes lag the schema; none here.
      requested_reviewers: [],
      requested_teams: [],
      url: `${this.api}/pulls/${pull.number}`,
      html_url: `${this.web}/pull/${pull.number}`,
      number: pull.number,
      state: pull.state,
      merged_at: pull.mergedAt ?? null,
      title: pull.title,
      body: pull.body,
      head: side(pull.head),
      base: side(pull.base),
    }
  }

  private createPull(body: unknown): unknown {
    const b = (body ?? {}) as { title?: string; head?: string; base?: string; body?: string }
    const head = (b.head ?? '').replace(new RegExp(`^${this.owner}:`), '')
    const base = b.base ?? ''
    const invalid = (field: string) => {
      throw new Reply(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', field, code: 'invalid' }],
        documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request`,
      })
    }
    if (!this.head(head)) invalid('head')
    if (!this.head(base)) invalid('base')
    if (this.pulls.some((p) => p.state === 'open' && p.head === head && p.base === base)) {
      throw new Reply(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${this.owner}:${head}.`,
          },
        ],
        documentation_url: `${DOCS}/pulls/pulls#create-a-pull-request`,
      })
    }
    const pull: PullRecord = {
      number: this.pulls.length + 1,
      title: b.title ?? '',
      body: b.body ?? null,
      head,
      base,
      state: 'open',
    }
    this.pulls.push(pull)
    return this.pullJson(pull, false)
  }

  private listPulls(query: Record<string, string | string[] | undefined>): unknown {
    const state = String(query.state ?? 'open')
    const head =
      query.head === undefined ? undefined : String(query.head).replace(new RegExp(`^${this.owner}:`), '')
    return this.pulls
      .filter(
        (p) =>
          (state === 'all' || p.state === state) &&
          (head === undefined || p.head === head) &&
          (query.base === undefined || p.base === query.base),
      )
      .map((p) => this.pullJson(p, true))
  }
}

/** GitHub's refusal of a workflow-file change by a GitHub App without the `workflows` permission. */
export function workflowRefusal(path: string): ApiReply {
  return {
    status: 422,
    body: {
      message: `refusing to allow a GitHub App to create or update workflow \`${path}\` without \`workflows\` permission`,
      documentation_url: `${DOCS}/git/refs#update-a-reference`,
      status: '422',
    },
  }
}

/** A bot's account id from its noreply address `<id>+<login>@users.noreply.github.com` (1 when absent). */
function botId(email: string): number {
  return Number(/^(\d+)\+/.exec(email)?.[1] ?? 1)
}

/** A raw commit object's tree, parents, identities and message. */
function parseCommitObject(raw: string): ParsedCommit {
  const split = raw.indexOf('\n\n')
  const headers = raw.slice(0, split).split('\n')
  const person = (key: string) => {
    const line = headers.find((h) => h.startsWith(`${key} `))!.slice(key.length + 1)
    const m = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(line)!
    return { name: m[1]!, email: m[2]!, date: isoDate(Number(m[3])) }
  }
  return {
    tree: headers.find((h) => h.startsWith('tree '))!.slice(5),
    parents: headers.filter((h) => h.startsWith('parent ')).map((h) => h.slice(7)),
    author: person('author'),
    committer: person('committer'),
    message: raw.slice(split + 2),
    raw,
  }
}

/** A `git diff -p` output cut into its `diff --git` sections, in order. */
function splitPatchSections(patch: string): string[] {
  const sections: string[] = []
  for (const part of patch.split(/^(?=diff --git )/m)) if (part.startsWith('diff --git ')) sections.push(part)
  return sections
}

function ok200(body: unknown): ApiReply {
  return { status: 200, body }
}

function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value))
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** What {@link mountGitDataApi} returns. */
export interface MountedGitDataApi {
  /** The API root to give `createGitHubClient({ baseUrl })`. */
  readonly baseUrl: string
  /** Requests that did not match GitHub's OpenAPI description (request or reply), plus unmatched ones. */
  readonly violations: readonly string[]
  /** Throws when there were violations; removes the interceptors (also when it throws). */
  done(): void
}

let mounts = 0

/**
 * Serves `api` through nock at `baseUrl` (default `https://<owner>.<repo>.<n>.api.test/api/v3`, unique
 * per mount so parallel fixtures never share interceptors or tree caches), with network connections
 * disabled via `githubMock` (test/support/github-nock.ts). Every request's path, query and body, and
 * every reply, is checked against GitHub's OpenAPI description (`@octokit/openapi`); a request that
 * does not fit is answered `400 github-openapi stand-in: …` and recorded as a violation, so the code
 * under test fails there and then.
 */
export function mountGitDataApi(api: GitDataApi, options: { baseUrl?: string } = {}): MountedGitDataApi {
  const baseUrl = (options.baseUrl ?? `https://${api.owner}.${api.repo}.${++mounts}.api.test/api/v3`).replace(
    /\/+$/,
    '',
  )
  const gh = githubMock({ baseUrl })
  const base = new URL(baseUrl)
  const prefix = base.pathname.replace(/\/+$/, '')
  const violations = gh.violations as string[]
  const interceptors: nock.Interceptor[] = []
  // Octokit's GraphQL client posts to `<root>/graphql`, or `/api/graphql` beside a GHES `/api/v3`.
  const graphqlPath = /\/api\/v3$/.test(prefix) ? prefix.replace(/\/v3$/, '/graphql') : `${prefix}/graphql`
  const scope = nock(base.origin)
  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
    const interceptor = scope.intercept(
      (uri: string) => uri.startsWith(`${prefix}/`) || (method === 'POST' && uri === graphqlPath),
      method,
    )
    interceptors.push(interceptor)
    interceptor
      .query(true)
      .reply(
        (
          uri: string,
          rawBody: unknown,
          callback: (err: Error | null, result: nock.ReplyFnResult) => void,
        ) => {
          const url = new URL(uri, base.origin)
          const path = url.pathname === graphqlPath ? '/graphql' : url.pathname.slice(prefix.length)
          const query: Record<string, string> = Object.fromEntries(url.searchParams)
          let body: unknown = rawBody
          if (typeof rawBody === 'string') {
            try {
              body = rawBody === '' ? undefined : JSON.parse(rawBody)
            } catch {
              body = rawBody
            }
          }
          void validatedAnswer(api, { method, path, query, body }, violations).then((reply) =>
            callback(null, [
              reply.status,
              reply.body === undefined ? '' : (reply.body as nock.Body),
              reply.headers ?? {},
            ]),
          )
        },
      )
      .persist()
  }
  let finished = false
  return {
    baseUrl,
    violations,
    done() {
      if (!finished) {
        finished = true
        for (const interceptor of interceptors) nock.removeInterceptor(interceptor)
      }
      gh.done()
    },
  }
}
