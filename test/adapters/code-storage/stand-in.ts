/**
 * A Code Storage (Pierre) stand-in, plugged into `@pierre/storage` through its `fetch` option: every
 * request the SDK makes is answered here from real bare git repositories (real git for git), in the
 * shapes the SDK's zod schemas parse (node_modules/@pierre/storage/src/schemas.ts), so the SDK itself
 * checks each answer. Requests carry the SDK's ES256 JWT: the stand-in verifies signature, expiry,
 * repository claim and scope on every call (a pre-minted token is checked the same way).
 *
 * Server behaviour the SDK does not pin down and this stand-in infers (documented in docs/code-storage.md):
 * - the repository is the JWT's `repo` claim (API paths carry none);
 * - `ref` parameters take a branch name or a commit id; the ephemeral namespace is a separate set of
 *   branches over the same objects (here `refs/ephemeral/<name>`);
 * - a lost `expected_head_sha` (or one naming a missing branch) is HTTP 409 with a commit-pack result
 *   `{ success: false, status: "precondition_failed" }`; creating an existing branch is HTTP 409;
 * - commit messages are stored as sent (the SDK trims them) plus one final newline;
 * - diffs list renames (`R` with `old_path`); `raw` patch text is left empty here.
 */
import { spawn } from 'node:child_process'
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
  verify,
} from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GIT_ENV } from '../../support/git-fixtures.ts'

/** One injected failure: the next `count` requests matching `method` and `route` get `status`. */
export interface InjectedFailure {
  method?: string
  /** The API route after `/api/v1/`, e.g. `repos/commit-pack`. */
  route: string
  status: number
  count?: number
}

/** A request as the stand-in saw it (no credentials). */
export interface SeenRequest {
  method: string
  route: string
  params: Record<string, string>
  status: number
}

interface Claims {
  iss: string
  repo: string
  scopes: string[]
  exp: number
}

interface LsEntry {
  mode: string
  type: string
  oid: string
  path: string
}

const ZERO = '0'.repeat(40)

type ResponseBody = ConstructorParameters<typeof Response>[0]

/** The Code Storage stand-in. Call {@link CodeStorageStandIn.stop} to remove its repositories. */
export class CodeStorageStandIn {
  readonly name = 'acme'
  readonly apiBaseUrl = 'https://api.code-storage.invalid'
  readonly storageBaseUrl = 'git.code-storage.invalid'
  /** PKCS#8 PEM signing key for the SDK's `key` option. */
  readonly key: string
  readonly requests: SeenRequest[] = []
  readonly failures: InjectedFailure[] = []
  /** Seconds since the epoch as the stand-in's clock sees it (tests move it to expire tokens). */
  now: () => number = () => Math.floor(Date.now() / 1000)
  /** Runs before a request is handled (after injected failures): lets a test race a write. */
  beforeRoute: ((method: string, route: string) => void | Promise<void>) | undefined
  private readonly publicKey: KeyObject
  private readonly root = mkdtempSync(join(tmpdir(), 'gittrix-code-storage-'))
  private readonly repos = new Map<string, { gitDir: string; defaultBranch: string }>()
  private readonly trees = new Map<string, LsEntry[]>()

  constructor() {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.key = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    this.publicKey = createPublicKey(privateKey)
  }

  /** The `fetch` to hand to the SDK. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = (init?.method ?? 'GET').toUpperCase()
    const route = url.pathname.replace(/^\/api\/v1\//, '')
    const params = Object.fromEntries(url.searchParams)
    const response = await this.answer(method, route, url.searchParams, init)
    this.requests.push({ method, route, params, status: response.status })
    return response
  }

  /** Makes an empty bare repository `id` (default branch `main`) and resolves its git directory. */
  async seedRepo(id: string, defaultBranch = 'main'): Promise<string> {
    const gitDir = join(this.root, `${id}.git`)
    await this.git(this.root, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, gitDir])
    this.repos.set(id, { gitDir, defaultBranch })
    return gitDir
  }

  /** The git directory of repository `id`. */
  gitDir(id: string): string {
    const repo = this.repos.get(id)
    if (!repo) throw new Error(`stand-in has no repository ${id}`)
    return repo.gitDir
  }

  /** The head of an ephemeral branch, or `null`. */
  async ephemeralHead(id: string, branch: string): Promise<string | null> {
    return this.resolve(this.gitDir(id), `refs/ephemeral/${branch}`)
  }

  /** Names of every ephemeral branch of repository `id`. */
  async ephemeralBranches(id: string): Promise<string[]> {
    const out = await this.git(this.gitDir(id), ['for-each-ref', '--format=%(refname)', 'refs/ephemeral/'])
    return out
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((r) => r.slice('refs/ephemeral/'.length))
  }

  /** Whether repository `id` exists. */
  hasRepo(id: string): boolean {
    return this.repos.has(id)
  }

  /** Removes every repository. */
  stop(): void {
    rmSync(this.root, { recursive: true, force: true })
  }

  private async answer(
    method: string,
    route: string,
    query: URLSearchParams,
    init: RequestInit | undefined,
  ): Promise<Response> {
    const failure = this.failures.find((f) => f.route === route && (!f.method || f.method === method))
    if (failure) {
      failure.count = (failure.count ?? 1) - 1
      if (failure.count <= 0) this.failures.splice(this.failures.indexOf(failure), 1)
      if (init?.body && typeof init.body !== 'string') await drain(init.body)
      return json({ error: `injected ${failure.status}` }, failure.status)
    }
    await this.beforeRoute?.(method, route)
    const claims = this.verifyToken(init)
    if (claims instanceof Response) return claims
    const write = method !== 'GET' && method !== 'HEAD'
    const scope = route === 'repos' && method === 'POST' ? 'repo:write' : write ? 'git:write' : 'git:read'
    if (!claims.scopes.includes(scope)) return json({ error: `token lacks ${scope}` }, 403)
    if (route === 'repos' && method === 'POST') return this.createRepo(claims.repo, await bodyJson(init))
    const repo = this.repos.get(claims.repo)
    if (!repo) return json({ error: 'repository not found' }, 404)
    const dir = repo.gitDir
    switch (`${method} ${route}`) {
      case 'GET repo':
        return json({ default_branch: repo.defaultBranch, created_at: '2026-01-01T00:00:00Z' })
      case 'GET repos/commits':
        return this.listCommits(dir, query)
      case 'GET repos/commit':
        return this.getCommit(dir, query.get('sha') ?? '')
      case 'GET repos/files':
        return this.listFiles(dir, query)
      case 'GET repos/file':
      case 'HEAD repos/file':
        return this.file(dir, query, method === 'HEAD')
      case 'GET repos/diff':
        return this.diff(dir, query.get('baseSha'), query.get('sha') ?? '', false)
      case 'GET repos/branches/diff':
        return this.branchDiff(dir, query)
      case 'POST repos/commit-pack':
        return this.commitPack(dir, init)
      case 'POST repos/branches/create':
        return this.createBranch(dir, await bodyJson(init))
      case 'DELETE repos/branches':
        return this.deleteBranch(dir, await bodyJson(init))
      default:
        return json({ error: `stand-in has no route ${method} ${route}` }, 404)
    }
  }

  private verifyToken(init: RequestInit | undefined): Claims | Response {
    const header = new Headers(init?.headers).get('authorization') ?? ''
    const token = header.startsWith('Bearer ') ? header.slice(7) : ''
    const [h, p, s] = token.split('.')
    if (!h || !p || !s) return json({ error: 'missing bearer token' }, 401)
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: this.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s, 'base64url'),
    )
    if (!ok) return json({ error: 'invalid token signature' }, 401)
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Claims
    if (claims.iss !== this.name) return json({ error: 'token for another organisation' }, 401)
    if (typeof claims.exp !== 'number' || claims.exp <= this.now())
      return json({ error: 'token expired' }, 401)
    return claims
  }

  /** A JWT signed with this stand-in's key, as a pre-minted `token`. */
  mintToken(claims: { repo: string; scopes: string[]; ttlSeconds: number }): string {
    const now = this.now()
    const payload = {
      iss: this.name,
      sub: 'test',
      repo: claims.repo,
      scopes: claims.scopes,
      iat: now,
      exp: now + claims.ttlSeconds,
    }
    const head = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT' })).toString('base64url')
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), {
      key: createPrivateKey(this.key),
      dsaEncoding: 'ieee-p1363',
    })
    return `${head}.${body}.${sig.toString('base64url')}`
  }

  private async createRepo(id: string, body: Record<string, unknown>): Promise<Response> {
    if (this.repos.has(id)) return json({ error: 'repository already exists' }, 409)
    const base = body.base_repo as { name?: string; sha?: string; ref?: string } | undefined
    const defaultBranch = (body.default_branch as string | undefined) ?? 'main'
    const gitDir = await this.seedRepo(id, defaultBranch)
    if (base?.name) {
      const source = this.repos.get(base.name)
      if (!source) return json({ error: 'base repository not found' }, 404)
      const at =
        base.sha ?? (await this.resolve(source.gitDir, `refs/heads/${base.ref ?? source.defaultBranch}`))
      if (at) {
        await this.git(gitDir, ['fetch', '--quiet', source.gitDir, `${at}:refs/heads/${defaultBranch}`])
      }
    }
    return json({ repo_id: id, url: `https://${this.storageBaseUrl}/${id}.git` }, 201)
  }

  private async listCommits(dir: string, query: URLSearchParams): Promise<Response> {
    const branch = query.get('branch') ?? 'main'
    const ephemeral = query.get('ephemeral') === 'true'
    const head = await this.resolve(dir, `${ephemeral ? 'refs/ephemeral' : 'refs/heads'}/${branch}`)
    if (!head) return json({ error: `branch ${branch} not found` }, 404)
    const limit = Number(query.get('limit') ?? '20')
    const offset = Number(query.get('cursor') ?? '0')
    const commits = await this.log(dir, [`--skip=${offset}`, `--max-count=${limit + 1}`, head])
    const more = commits.length > limit
    return json({
      commits: commits.slice(0, limit),
      next_cursor: more ? String(offset + limit) : null,
      has_more: more,
    })
  }

  private async getCommit(dir: string, sha: string): Promise<Response> {
    if (!/^[0-9a-f]{40}$/.test(sha) || !(await this.resolve(dir, `${sha}^{commit}`)))
      return json({ error: 'commit not found' }, 404)
    const [commit] = await this.log(dir, ['--no-walk', sha])
    return json({ commit })
  }

  private async log(dir: string, args: string[]) {
    const out = await this.git(dir, ['log', '-z', '--format=%H%n%P%n%an%n%ae%n%cn%n%ce%n%cI%n%B', ...args])
    return out
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const lines = record.split('\n')
        return {
          sha: lines[0]!,
          parent_shas: lines[1] ? lines[1].split(' ') : [],
          author_name: lines[2]!,
          author_email: lines[3]!,
          committer_name: lines[4]!,
          committer_email: lines[5]!,
          date: lines[6]!,
          message: lines.slice(7).join('\n'),
        }
      })
  }

  /** A branch name or commit id in one namespace → commit id, or `null`. */
  private async rev(dir: string, ref: string, ephemeral: boolean): Promise<string | null> {
    const named = await this.resolve(dir, `${ephemeral ? 'refs/ephemeral' : 'refs/heads'}/${ref}`)
    if (named) return named
    return /^[0-9a-f]{40}$/.test(ref) ? this.resolve(dir, `${ref}^{commit}`) : null
  }

  private async tree(dir: string, commit: string): Promise<LsEntry[]> {
    const cached = this.trees.get(`${dir}\0${commit}`)
    if (cached) return cached
    const out = await this.git(dir, ['ls-tree', '-r', '-t', '-z', '--full-tree', commit])
    const entries = out
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const tab = record.indexOf('\t')
        const [mode, type, oid] = record.slice(0, tab).split(' ')
        return { mode: mode!, type: type!, oid: oid!, path: record.slice(tab + 1) }
      })
    this.trees.set(`${dir}\0${commit}`, entries)
    return entries
  }

  private async listFiles(dir: string, query: URLSearchParams): Promise<Response> {
    const ref = query.get('ref') ?? 'main'
    const commit = await this.rev(dir, ref, query.get('ephemeral') === 'true')
    if (!commit) return json({ error: `ref ${ref} not found` }, 404)
    const base = (query.get('path') ?? '').replace(/\/+$/, '')
    const recursive = query.get('recursive') === 'true'
    const all = (await this.tree(dir, commit)).filter((e) =>
      recursive
        ? e.type !== 'tree' && (base === '' || e.path.startsWith(`${base}/`))
        : parentOf(e.path) === base,
    )
    const limit = Number(query.get('limit') ?? '1000')
    const offset = Number(query.get('cursor') ?? '0')
    const page = all.slice(offset, offset + limit)
    const more = offset + limit < all.length
    return json({
      paths: page.filter((e) => e.type !== 'tree').map((e) => e.path),
      ref,
      entries: page.map((e) => ({ path: e.path, type: entryType(e), mode: e.mode })),
      next_cursor: more ? String(offset + limit) : null,
      has_more: more,
    })
  }

  private async file(dir: string, query: URLSearchParams, head: boolean): Promise<Response> {
    const ref = query.get('ref') ?? 'main'
    const commit = await this.rev(dir, ref, query.get('ephemeral') === 'true')
    if (!commit) return json({ error: `ref ${ref} not found` }, 404)
    const path = query.get('path') ?? ''
    const entry = (await this.tree(dir, commit)).find((e) => e.path === path && e.type === 'blob')
    if (!entry) return json({ error: `file ${path} not found` }, 404)
    const bytes = await this.git(dir, ['cat-file', 'blob', entry.oid])
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'x-blob-sha': entry.oid,
      'x-last-commit-sha': commit,
      etag: `"${entry.oid}"`,
    }
    return new Response(head ? null : new Uint8Array(bytes), { status: 200, headers })
  }

  private async branchDiff(dir: string, query: URLSearchParams): Promise<Response> {
    const branch = query.get('branch') ?? ''
    const tip = await this.rev(dir, branch, query.get('ephemeral') === 'true')
    if (!tip) return json({ error: `branch ${branch} not found` }, 404)
    const baseRef = query.get('base') ?? 'main'
    const base = await this.rev(dir, baseRef, query.get('ephemeral_base') === 'true')
    if (!base) return json({ error: `base ${baseRef} not found` }, 404)
    return this.diff(dir, base, tip, true, { branch, base: baseRef })
  }

  private async diff(
    dir: string,
    from: string | null,
    to: string,
    isBranch: boolean,
    names?: { branch: string; base: string },
  ): Promise<Response> {
    if (!(await this.resolve(dir, `${to}^{commit}`))) return json({ error: 'commit not found' }, 404)
    const base = from ?? `${to}^`
    if (!(await this.resolve(dir, `${base}^{commit}`))) return json({ error: 'base not found' }, 404)
    const out = await this.git(dir, ['diff-tree', '-r', '-z', '-M', '--raw', '--no-commit-id', base, to])
    const fields = out.toString('utf8').split('\0')
    const files: Array<Record<string, unknown>> = []
    for (let i = 0; i + 1 < fields.length;) {
      const meta = fields[i++]!
      const state = meta.split(' ')[4] ?? 'M'
      const renamed = state.startsWith('R') || state.startsWith('C')
      const first = fields[i++]!
      const path = renamed ? fields[i++]! : first
      files.push({
        path,
        state,
        old_path: renamed ? first : null,
        raw: '',
        bytes: 0,
        is_eof: true,
        additions: 0,
        deletions: 0,
      })
    }
    const stats = { files: files.length, additions: 0, deletions: 0, changes: 0 }
    return json(
      isBranch
        ? { branch: names!.branch, base: names!.base, stats, files, filtered_files: [] }
        : { sha: to, base_sha: base, stats, files, filtered_files: [] },
    )
  }

  private async commitPack(dir: string, init: RequestInit | undefined): Promise<Response> {
    const text = Buffer.from(await new Response(init?.body as ResponseBody).arrayBuffer()).toString('utf8')
    const lines = text.split('\n').filter(Boolean)
    const { metadata } = JSON.parse(lines[0]!) as { metadata: Record<string, unknown> }
    const blobs = new Map<string, Buffer[]>()
    for (const line of lines.slice(1)) {
      const { blob_chunk: chunk } = JSON.parse(line) as { blob_chunk: { content_id: string; data: string } }
      blobs.set(chunk.content_id, [...(blobs.get(chunk.content_id) ?? []), Buffer.from(chunk.data, 'base64')])
    }
    const branch = metadata.target_branch as string
    const ref = `${metadata.ephemeral ? 'refs/ephemeral' : 'refs/heads'}/${branch}`
    const current = await this.resolve(dir, ref)
    const expected = metadata.expected_head_sha as string | undefined
    const refused = (message: string) =>
      json(
        {
          commit: null,
          result: {
            branch,
            old_sha: current ?? ZERO,
            new_sha: ZERO,
            success: false,
            status: 'precondition_failed',
            message,
          },
        },
        409,
      )
    if (expected && current !== expected)
      return refused(`expected head ${expected}, branch is at ${current ?? 'nothing'}`)
    let parent = current
    if (!parent && metadata.base_branch) {
      parent = await this.resolve(
        dir,
        `${metadata.ephemeral_base ? 'refs/ephemeral' : 'refs/heads'}/${metadata.base_branch as string}`,
      )
      if (!parent) return json({ error: 'base branch not found' }, 404)
    }
    const index = join(this.root, `index-${randomUUID()}`)
    const env = { GIT_INDEX_FILE: index }
    try {
      if (parent) await this.git(dir, ['read-tree', parent], undefined, env)
      else await this.git(dir, ['read-tree', '--empty'], undefined, env)
      const files = metadata.files as Array<{
        path: string
        content_id: string
        operation?: string
        mode?: string
      }>
      let info = ''
      for (const file of files) {
        if (file.operation === 'delete') {
          info += `0 ${ZERO}\t${file.path}\0`
          continue
        }
        const bytes = Buffer.concat(blobs.get(file.content_id) ?? [])
        const oid = (await this.git(dir, ['hash-object', '-w', '--stdin'], bytes)).toString().trim()
        info += `${file.mode ?? '100644'} ${oid}\t${file.path}\0`
      }
      await this.git(dir, ['update-index', '-z', '--index-info'], Buffer.from(info), env)
      const tree = (await this.git(dir, ['write-tree'], undefined, env)).toString().trim()
      const author = metadata.author as { name: string; email: string }
      const committer = (metadata.committer as { name: string; email: string } | undefined) ?? author
      const message = `${metadata.commit_message as string}\n`
      const sha = (
        await this.git(
          dir,
          ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'],
          Buffer.from(message),
          {
            GIT_AUTHOR_NAME: author.name,
            GIT_AUTHOR_EMAIL: author.email,
            GIT_COMMITTER_NAME: committer.name,
            GIT_COMMITTER_EMAIL: committer.email,
          },
        )
      )
        .toString()
        .trim()
      // The compare-and-swap itself: git moves the ref only from the value read above.
      const moved = await this.gitStatus(dir, ['update-ref', ref, sha, current ?? ZERO])
      if (!moved) return refused('branch moved during the commit')
      return json({
        commit: {
          commit_sha: sha,
          tree_sha: tree,
          target_branch: branch,
          pack_bytes: text.length,
          blob_count: blobs.size,
        },
        result: { branch, old_sha: current ?? ZERO, new_sha: sha, success: true, status: 'ok' },
      })
    } finally {
      rmSync(index, { force: true })
    }
  }

  private async createBranch(dir: string, body: Record<string, unknown>): Promise<Response> {
    const target = body.target_branch as string
    const baseName = (body.base_ref ?? body.base_branch) as string
    const base = await this.rev(dir, baseName, body.base_is_ephemeral === true)
    if (!base) return json({ error: `base ${baseName} not found` }, 404)
    const ephemeral = body.target_is_ephemeral === true
    const ref = `${ephemeral ? 'refs/ephemeral' : 'refs/heads'}/${target}`
    if (!(await this.gitStatus(dir, ['update-ref', ref, base, ZERO])))
      return json({ error: `branch ${target} already exists` }, 409)
    return json({
      message: 'branch created',
      target_branch: target,
      target_is_ephemeral: ephemeral,
      commit_sha: base,
    })
  }

  private async deleteBranch(dir: string, body: Record<string, unknown>): Promise<Response> {
    const name = body.name as string
    const ephemeral = body.ephemeral === true
    const ref = `${ephemeral ? 'refs/ephemeral' : 'refs/heads'}/${name}`
    if (!(await this.resolve(dir, ref))) return json({ error: `branch ${name} not found` }, 404)
    await this.git(dir, ['update-ref', '-d', ref])
    return json({ name, message: 'branch deleted', ephemeral })
  }

  private async resolve(dir: string, rev: string): Promise<string | null> {
    try {
      const out = await this.git(dir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])
      return out.toString().trim() || null
    } catch {
      return null
    }
  }

  private async gitStatus(dir: string, args: string[]): Promise<boolean> {
    try {
      await this.git(dir, args)
      return true
    } catch {
      return false
    }
  }

  private git(
    dir: string,
    args: string[],
    input?: Buffer,
    env: Record<string, string> = {},
  ): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', [`--git-dir=${dir}`, ...args], {
        env: { ...process.env, ...GIT_ENV, ...env },
        stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      })
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout!.on('data', (c: Buffer) => out.push(c))
      child.stderr!.on('data', (c: Buffer) => err.push(c))
      child.on('error', reject)
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out))
        else reject(new Error(`git ${args[0]} failed: ${Buffer.concat(err).toString()}`))
      })
      if (input) {
        child.stdin!.on('error', () => undefined)
        child.stdin!.end(input)
      }
    })
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash === -1 ? '' : path.slice(0, slash)
}

function entryType(e: LsEntry): string {
  if (e.type === 'tree') return 'tree'
  if (e.type === 'commit') return 'submodule'
  return e.mode === '120000' ? 'symlink' : 'blob'
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

async function bodyJson(init: RequestInit | undefined): Promise<Record<string, unknown>> {
  return typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {}
}

async function drain(body: unknown): Promise<void> {
  await new Response(body as ResponseBody).arrayBuffer()
}
