/**
 * Attacks on the Code Storage adapters, through the real SDK on the stand-in: a hostile agent that can
 * write the session branch behind Gittrix's back (it holds the workspace, and may hold the token), and
 * a host whose answers parse but are odd (pagination cursors that loop, dates that are not dates).
 */
import { createHash } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { CodeStorageDurableAdapter } from '../../../src/adapters/code-storage/durable.ts'
import { CodeStorageEphemeralAdapter } from '../../../src/adapters/code-storage/ephemeral.ts'
import { GitTrix } from '../../../src/core/gittrix.ts'
import { expectCode, gitBlobId, memoryBlobSource, utf8 } from '../contract/fixtures.ts'
import { branchHead, commitLocal, fastImportCommit, gitBytes, readGitTree } from '../local/fixtures.ts'
import { cleanup, tempDir } from '../../support/git-fixtures.ts'
import { codeStorageClient, codeStorageEphemeralFixture, codeStorageHarness } from './harness.ts'
import type { CodeStorageStandIn } from './stand-in.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A session fully on Code Storage (durable `main` and the workspace in repository `app`). */
async function session(fetchOverride?: (standIn: CodeStorageStandIn) => typeof fetch) {
  const { standIn } = await codeStorageHarness()
  cleanups.push(() => standIn.stop())
  const storage = await codeStorageClient(standIn, fetchOverride ? { fetch: fetchOverride(standIn) } : {})
  const gitDir = await standIn.seedRepo('app')
  const repo = { path: gitDir, gitDir }
  const baseline = commitLocal(repo, { 'a.txt': 'a\n', 'b.txt': 'b\n' }, { message: 'seed\n' })
  const storeDir = tempDir('gittrix-cs-attack-store-')
  cleanups.push(() => cleanup(storeDir))
  const durable = new CodeStorageDurableAdapter({ storage, repo: 'app', branch: 'main' })
  const ephemeral = new CodeStorageEphemeralAdapter({ storage, repo: 'app' })
  const gittrix = new GitTrix({ durable, ephemeral, storeDir, sweepIntervalMs: 0 })
  cleanups.push(() => gittrix.close())
  const user = await gittrix.startSession({ task: 'attack' })
  return { standIn, gitDir, baseline, durable, ephemeral, gittrix, user, storeDir }
}

/**
 * Writes a commit on `ref` by hand, as an agent holding the workspace could: parent `parent`, its tree
 * plus `files` (built with `git mktree`, which takes names `git update-index` refuses), and with
 * `prefix` a nonce in the message until the commit id starts with it (65,536 tries on average for 4
 * hex digits).
 */
function forgeCommit(
  gitDir: string,
  ref: string,
  parent: string,
  files: Record<string, string>,
  prefix?: string,
): string {
  const git = (args: string[], input?: string) =>
    gitBytes(gitDir, [`--git-dir=${gitDir}`, ...args], input)
      .toString('utf8')
      .trim()
  const top = new Map<string, string>()
  for (const line of git(['ls-tree', parent]).split('\n').filter(Boolean))
    top.set(line.slice(line.indexOf('\t') + 1), line)
  for (const [path, text] of Object.entries(files)) {
    const segments = path.split('/')
    let entry = `100644 blob ${git(['hash-object', '-w', '--stdin'], text)}\t${segments.pop()!}`
    while (segments.length > 0) {
      const tree = git(['mktree'], `${entry}\n`)
      entry = `040000 tree ${tree}\t${segments.pop()!}`
    }
    top.set(entry.slice(entry.indexOf('\t') + 1), entry)
  }
  const tree = git(['mktree'], `${[...top.values()].join('\n')}\n`)
  const head = `tree ${tree}\nparent ${parent}\nauthor Agent <a@x> 1700000000 +0000\ncommitter Agent <a@x> 1700000000 +0000\n\nforged `
  for (let nonce = 0; ; nonce++) {
    const body = `${head}${nonce}\n`
    const sha = createHash('sha1')
      .update(`commit ${Buffer.byteLength(body)}\0${body}`)
      .digest('hex')
    if (prefix && !sha.startsWith(prefix)) continue
    expect(git(['hash-object', '-t', 'commit', '-w', '--stdin'], body)).toBe(sha)
    git(['update-ref', ref, sha])
    return sha
  }
}

describe('Code Storage review gate', () => {
  it('an abbreviated `at` that a later forged commit also matches is refused, not resolved to the newest', async () => {
    const { standIn, gitDir, user } = await session()
    await user.write('a.txt', 'reviewed\n')
    const reviewed = await user.commit('reviewed')
    const short = reviewed.slice(0, 4)
    const forged = forgeCommit(
      gitDir,
      `refs/ephemeral/gittrix/${user.id}`,
      reviewed,
      { 'a.txt': 'evil\n' },
      short,
    )
    expect(forged.startsWith(short)).toBe(true)
    expect(await standIn.ephemeralHead('app', `gittrix/${user.id}`)).toBe(forged)
    const before = branchHead(gitDir, 'main')
    await expectCode(user.promote({ selector: { mode: 'all' }, at: short }), 'INVALID_ARGUMENT')
    expect(branchHead(gitDir, 'main')).toBe(before)
    // The full id still promotes exactly the reviewed content.
    const promoted = await user.promote({ selector: { mode: 'all' }, at: reviewed })
    expect(readGitTree(gitDir, promoted.sha).get('a.txt')!.bytes.toString()).toBe('reviewed\n')
  })

  for (const path of ['.GIT/config', 'src/.git/hooks/pre-commit', 'git~1/config', '.g\u200cit/config']) {
    it(`a workspace path naming git internals (${JSON.stringify(path)}) written behind Gittrix's back is refused at snapshot`, async () => {
      const { gitDir, user } = await session()
      await user.write('a.txt', 'ok\n')
      const head = await user.commit('checkpoint')
      forgeCommit(gitDir, `refs/ephemeral/gittrix/${user.id}`, head, {
        [path]: '[core]\n\thooksPath = /tmp/evil\n',
      })
      const before = branchHead(gitDir, 'main')
      await expectCode(user.diff(), 'WRITE_REJECTED')
      await expectCode(user.promote({ selector: { mode: 'all' } }), 'WRITE_REJECTED')
      expect(branchHead(gitDir, 'main')).toBe(before)
    })
  }
})

describe('CodeStorageDurableAdapter.applyCommit refuses unsafe paths before sending anything', () => {
  for (const path of ['.git/config', 'a/../b.txt', '/etc/passwd', 'd/.GIT/x', 'a//b.txt', './a.txt']) {
    it(JSON.stringify(path), async () => {
      const { standIn, gitDir, durable } = await session()
      const base = branchHead(gitDir, 'main')!
      const bytes = utf8('x\n')
      const sent = standIn.requests.length
      await expectCode(
        durable.applyCommit({
          branch: 'main',
          parent: base,
          expectedOld: base,
          paths: [{ path, mode: '100644', oid: gitBlobId(bytes) }],
          blobs: memoryBlobSource([bytes]),
          message: 'x\n',
        }),
        'WRITE_REJECTED',
      )
      expect(standIn.requests.slice(sent).filter((r) => r.method === 'POST')).toEqual([])
      expect(branchHead(gitDir, 'main')).toBe(base)
    })
  }
})

/** A `fetch` that rewrites the JSON answers of `route` with `edit` (the first `times` of them). */
function rewriting(
  route: string,
  edit: (body: Record<string, unknown>) => Record<string, unknown>,
  times = 1_000,
): (standIn: CodeStorageStandIn) => typeof fetch {
  return (standIn) => {
    let left = times
    return async (input, init) => {
      const response = await standIn.fetch(input, init)
      const url = new URL(String(input))
      if (!url.pathname.endsWith(`/api/v1/${route}`) || !response.ok || left <= 0) return response
      left--
      const body = edit((await response.json()) as Record<string, unknown>)
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      })
    }
  }
}

describe('odd answers from the host', () => {
  it('a file listing whose cursor loops is ADAPTER_UNAVAILABLE, not an endless walk or a silent result', async () => {
    const loop = rewriting('repos/files', (body) => ({ ...body, has_more: true, next_cursor: '0' }), 200)
    const { standIn, durable, baseline } = await session(loop)
    const sent = standIn.requests.length
    await expectCode(durable.listTree(baseline), 'ADAPTER_UNAVAILABLE')
    expect(standIn.requests.slice(sent).filter((r) => r.route === 'repos/files').length).toBeLessThan(5)
  })

  it('a listing that says there is more but gives no cursor is ADAPTER_UNAVAILABLE, not a truncated tree', async () => {
    const cut = rewriting('repos/files', (body) => ({ ...body, has_more: true, next_cursor: null }))
    const { durable, baseline } = await session(cut)
    await expectCode(durable.listTree(baseline), 'ADAPTER_UNAVAILABLE')
  })

  it('a commit listing whose cursor loops is ADAPTER_UNAVAILABLE in findPromotion, not an endless walk', async () => {
    const { standIn, gitDir, baseline } = await session()
    for (let i = 0; i < 3; i++) commitLocal({ path: gitDir, gitDir }, { [`f${i}`]: `${i}\n` })
    const loop = rewriting(
      'repos/commits',
      (body) => ({
        ...body,
        commits: (body.commits as unknown[]).slice(0, 1),
        has_more: true,
        next_cursor: '0',
      }),
      200,
    )
    const storage = await codeStorageClient(standIn, { fetch: loop(standIn) })
    const durable = new CodeStorageDurableAdapter({ storage, repo: 'app', branch: 'main' })
    const sent = standIn.requests.length
    await expectCode(
      durable.findPromotion({ branch: 'main', sessionId: 'nobody', baselineSha: baseline }),
      'ADAPTER_UNAVAILABLE',
    )
    expect(standIn.requests.slice(sent).filter((r) => r.route === 'repos/commits').length).toBeLessThan(5)
  })

  it('a commit date that is not a date makes lastChangeAt null, never NaN', async () => {
    const { standIn, user, gittrix, storeDir } = await session()
    const odd = rewriting('repos/commits', (body) => ({
      ...body,
      commits: (body.commits as Array<Record<string, unknown>>).map((c) => ({ ...c, date: 'yesterday' })),
    }))
    const storage = await codeStorageClient(standIn, { fetch: odd(standIn) })
    const ephemeral = new CodeStorageEphemeralAdapter({ storage, repo: 'app' })
    const meta = await (await gittrix.getSession(user.id)).info()
    const changed = await ephemeral.lastChangeAt({
      sessionId: meta.id,
      sessionDir: join(storeDir, meta.id),
      baselineSha: meta.baselineSha,
      ephemeralRef: meta.ephemeralRef,
    })
    expect(changed).toBeNull()
  })
})

describe('namespaces and secrets', () => {
  it('a session branch that already exists in the ephemeral namespace is never adopted (baseline uploaded from another durable)', async () => {
    const fx = await codeStorageEphemeralFixture('local')()
    cleanups.push(() => fx.cleanup())
    const baseline = await fx.baseline({ 'a.txt': 'a\n' })
    const gitDir = fx.standIn.gitDir('workspaces')
    const foreign = fastImportCommit(gitDir, { branch: 'someone', files: { 'planted.txt': 'planted\n' } })
    gitBytes(gitDir, [`--git-dir=${gitDir}`, 'update-ref', 'refs/ephemeral/gittrix/s-taken', foreign])
    await expectCode(
      fx.adapter.create({
        sessionId: 's-taken',
        sessionDir: fx.sessionDir('s-taken'),
        baselineSha: baseline,
        durable: fx.durable,
      }),
      'INVALID_ARGUMENT',
    )
    await expect(readFile(join(fx.sessionDir('s-taken'), 'code-storage.json'))).rejects.toThrow()
    // The foreign branch is left to its owner, never rewritten or deleted.
    expect(await fx.standIn.ephemeralHead('workspaces', 'gittrix/s-taken')).toBe(foreign)
  })

  it('a host error that echoes the request headers never carries the token, in the message or the cause chain', async () => {
    let token = ''
    const echo =
      (standIn: CodeStorageStandIn): typeof fetch =>
      async (input, init) => {
        if (!String(input).includes('/repos/commits')) return standIn.fetch(input, init)
        token = new Headers(init?.headers).get('authorization')!.slice('Bearer '.length)
        return new Response(
          JSON.stringify({ error: `bad request; you sent Authorization: Bearer ${token}` }),
          {
            status: 400,
            headers: { 'content-type': 'application/json' },
          },
        )
      }
    const { standIn } = await codeStorageHarness()
    cleanups.push(() => standIn.stop())
    await standIn.seedRepo('app')
    const storage = await codeStorageClient(standIn, { fetch: echo(standIn) })
    const durable = new CodeStorageDurableAdapter({ storage, repo: 'app', branch: 'main' })
    const error = await expectCode(durable.getHead('main'), 'INVALID_ARGUMENT')
    expect(token.length).toBeGreaterThan(100)
    const everything = inspect(error, { depth: 10, showHidden: true }) + JSON.stringify(error)
    expect(everything).not.toContain(token)
    expect(everything).not.toContain(token.split('.')[2])
    expect(error.message).toContain('[redacted]')
  })
})

describe('the local session state cannot redirect a session', () => {
  it("a session's writes and destroy go to its own branch even when its state file names another session's", async () => {
    const { standIn, gittrix, user, storeDir } = await session()
    const other = await gittrix.startSession({ task: 'victim' })
    const victimHead = await standIn.ephemeralHead('app', `gittrix/${other.id}`)
    const stateFile = join(storeDir, user.id, 'code-storage.json')
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, string>
    await writeFile(stateFile, JSON.stringify({ ...state, branch: `gittrix/${other.id}` }))
    await user.write('a.txt', 'mine\n')
    expect(await standIn.ephemeralHead('app', `gittrix/${other.id}`)).toBe(victimHead)
    expect(await user.diff()).toContain('+mine')
    await user.discard()
    expect(await standIn.ephemeralBranches('app')).toEqual([`gittrix/${other.id}`])
  })

  it('destroy deletes the session branch even when the state file is gone', async () => {
    const { standIn, user, storeDir } = await session()
    await rm(join(storeDir, user.id, 'code-storage.json'))
    await user.discard()
    expect(await standIn.ephemeralBranches('app')).toEqual([])
  })
})

describe('names reach the host as data', () => {
  for (const name of ['feat?branch=main', 'x#frag', 'a%2Fb', '../../repos/commit-pack', 'sp ace&limit=1'])
    it(`branch ${JSON.stringify(name)} is one query value, never a path or another parameter`, async () => {
      const { standIn, durable } = await session()
      await expectCode(durable.getHead(name), 'REF_NOT_FOUND')
      const seen = standIn.requests.at(-1)!
      expect(seen.route).toBe('repos/commits')
      expect(seen.params.branch).toBe(name)
      expect(Object.keys(seen.params).sort()).toEqual(['branch', 'limit'])
    })
})

describe('the recorded start commit', () => {
  it('a state file whose root is moved (to hide changes from the diff) is WORKSPACE_INVALID, not an empty diff', async () => {
    const { gitDir, user, storeDir } = await session()
    await user.write('a.txt', 'hidden\n')
    const head = await user.commit('checkpoint')
    const stateFile = join(storeDir, user.id, 'code-storage.json')
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, string>
    await writeFile(stateFile, JSON.stringify({ ...state, root: head }))
    await expectCode(user.diff(), 'WORKSPACE_INVALID')
    const before = branchHead(gitDir, 'main')
    await expectCode(user.promote({ selector: { mode: 'all' } }), 'WORKSPACE_INVALID')
    expect(branchHead(gitDir, 'main')).toBe(before)
  })
})
