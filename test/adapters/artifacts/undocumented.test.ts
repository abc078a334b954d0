/**
 * What Cloudflare's Artifacts REST reference leaves open (docs/artifacts.md#what-rests-on-the-documentation):
 * result bodies of log/commit/tree, date formats, ref forms, the status "not found" travels with, token
 * list pages. Each plausible answer is read right, and anything else fails with `ADAPTER_UNAVAILABLE`
 * naming the route and the field, never `NaN`, an empty list or a silent `null`.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import { toCommit, toCommitList, toTreeEntries } from '../../../src/adapters/artifacts/normalize.ts'
import { isGittrixError } from '../../../src/core/errors.ts'
import type { ArtifactsStandIn, ArtifactsStandInVariant } from '../../support/artifacts-stand-in.ts'
import { expectCode } from '../contract/fixtures.ts'
import { fastImportCommit } from '../local/fixtures.ts'
import { artifactsHarness } from './harness.ts'

const A = 'a'.repeat(40)
const T = 'b'.repeat(40)
const P = 'c'.repeat(40)
const SECONDS = 1_780_000_000

function unreadable(read: () => unknown): string {
  try {
    read()
  } catch (error) {
    if (isGittrixError(error) && error.code === 'ADAPTER_UNAVAILABLE') return error.message
    throw error
  }
  throw new Error('read an unreadable body without failing')
}

describe('commit bodies', () => {
  it.each([
    [
      'binding camelCase, seconds',
      { hash: A, treeHash: T, parents: [P], authoredAt: SECONDS, committedAt: SECONDS },
    ],
    [
      'milliseconds',
      { hash: A, treeHash: T, parents: [P], authoredAt: SECONDS * 1000, committedAt: SECONDS * 1000 },
    ],
    [
      'snake_case, ISO 8601',
      {
        sha: A,
        tree_hash: T,
        parent_hashes: [P],
        authored_at: new Date(SECONDS * 1000).toISOString(),
        committed_at: new Date(SECONDS * 1000).toISOString(),
      },
    ],
    [
      'numeric strings, parents as objects',
      { hash: A, tree: T, parents: [{ hash: P }], authoredAt: `${SECONDS}`, committedAt: `${SECONDS}` },
    ],
    [
      'wrapped in { commit }',
      { commit: { hash: A, treeHash: T, parents: [P], authoredAt: SECONDS, committedAt: SECONDS } },
    ],
  ])('%s', (_name, body) => {
    expect(toCommit(body)).toMatchObject({
      hash: A,
      treeHash: T,
      parents: [P],
      authoredAt: SECONDS,
      committedAt: SECONDS,
    })
  })

  it.each([
    [
      'a date that is no date',
      { hash: A, treeHash: T, authoredAt: 'yesterday', committedAt: SECONDS },
      'authoredAt',
    ],
    ['no tree', { hash: A, authoredAt: SECONDS, committedAt: SECONDS }, 'treeHash'],
    ['a short id', { hash: 'abc', treeHash: T, authoredAt: SECONDS, committedAt: SECONDS }, 'hash'],
    ['no dates at all', { hash: A, treeHash: T }, 'authoredAt'],
  ])('%s fails naming the field, never NaN', (_name, body, field) => {
    const message = unreadable(() => toCommit(body, 'GET /repos/r/commit/x'))
    expect(message).toContain('GET /repos/r/commit/x')
    expect(message).toContain(`field ${field}`)
  })

  it('lists: bare, { commits }, { log }, { result: { commits } }; an object without a list fails', () => {
    const one = { hash: A, treeHash: T, authoredAt: SECONDS, committedAt: SECONDS }
    for (const body of [[one], { commits: [one] }, { log: [one] }, { result: { commits: [one] } }])
      expect(toCommitList(body).map((c) => c.hash)).toEqual([A])
    expect(unreadable(() => toCommitList({ total: 1 }, 'GET /repos/r/log'))).toContain('GET /repos/r/log')
    expect(unreadable(() => toCommitList(null))).toContain('commit list')
  })
})

describe('tree bodies', () => {
  it('bare or wrapped; string or numeric modes; the kind follows the mode', () => {
    const entries = [
      { name: 'a.txt', mode: '100644', hash: A },
      { path: 'run.sh', mode: 0o100755, sha: A },
      { name: 'd', mode: '040000', oid: T, type: 'whatever' },
      { name: 'link', mode: '120000', hash: A },
    ]
    for (const body of [entries, { entries }, { tree: entries }])
      expect(toTreeEntries(body).map((e) => [e.name, e.mode, e.type])).toEqual([
        ['a.txt', '100644', 'blob'],
        ['run.sh', '100755', 'exec'],
        ['d', '40000', 'tree'],
        ['link', '120000', 'symlink'],
      ])
  })

  it('an entry without a mode git knows, or without a name, fails naming it', () => {
    expect(unreadable(() => toTreeEntries([{ name: 'x', mode: '100600', hash: A }], 'GET t'))).toContain(
      'field 0.mode',
    )
    expect(unreadable(() => toTreeEntries([{ mode: '100644', hash: A }]))).toContain('field 0.name')
  })
})

describe('the client against a varying stand-in', () => {
  let standIn: ArtifactsStandIn | undefined
  afterEach(async () => {
    await standIn?.stop()
    standIn = undefined
  })

  async function seeded(variant: ArtifactsStandInVariant, options: { tag?: boolean } = {}) {
    const harness = await artifactsHarness({}, variant)
    standIn = harness.standIn
    const gitDir = harness.standIn.seedRepo('reads')
    const head = fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n' } })
    // A tag named like the branch, on another commit: a short name resolves to it first (git's rules).
    const decoy = fastImportCommit(gitDir, { branch: 'decoy', files: { 'evil.txt': 'x\n' } })
    if (options.tag) execFileSync('git', [`--git-dir=${gitDir}`, 'tag', 'main', decoy])
    return { ...harness, head, decoy, gitDir }
  }

  it('ISO dates become seconds (lastChangeAt is a number, not NaN)', async () => {
    const { client, head, gitDir } = await seeded({ timestamps: 'iso', fields: 'snake', bodies: 'wrapped' })
    const [commit] = await client.log('reads', { ref: 'refs/heads/main' })
    expect(commit!.hash).toBe(head)
    const committed = execFileSync('git', [`--git-dir=${gitDir}`, 'log', '-1', '--format=%ct', head], {
      encoding: 'utf8',
    })
    expect(commit!.committedAt).toBe(Number(committed.trim()))
  })

  it('a branch is read by its full ref, never as a tag of the same name', async () => {
    const { client, head, decoy } = await seeded({}, { tag: true })
    expect((await client.log('reads', { ref: 'main' })).map((c) => c.hash)).toEqual([decoy])
    expect((await client.log('reads', { ref: 'refs/heads/main' })).map((c) => c.hash)).toEqual([head])
  })

  it('on a service that resolves short refs only, a branch head is read over git, never by its short name', async () => {
    const { client, head } = await seeded({ refs: 'short-only' }, { tag: true })
    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'reads', branch: 'main' })
    expect(await durable.getHead('main')).toBe(head)
    const asked = standIn!.requests
      .filter((r) => r.path.includes('/log'))
      .map((r) => new URL(`http://x${r.path}`).searchParams.get('ref'))
    expect(asked).toEqual(['refs/heads/main'])
    expect(standIn!.requests.some((r) => r.kind === 'git')).toBe(true)
  })

  it('not found as code 10200 under another status still reads as absent', async () => {
    const { client } = await seeded({ notFoundStatus: 400 })
    expect(await client.getCommit('reads', '1'.repeat(40))).toBeNull()
    expect(await client.getRepo('nope')).toBeNull()
    expect(await client.log('reads', { ref: 'refs/heads/none' })).toEqual([])
  })

  it('token lists are read page by page', async () => {
    const { client } = await seeded({})
    const minted = new Set<string>()
    for (let i = 0; i < 7; i++)
      minted.add((await client.mintToken({ repo: 'reads', scope: 'read', ttl: 120 })).id)
    const listed = await client.listTokens('reads', { per_page: 3 })
    expect(new Set(listed.map((t) => t.id))).toEqual(minted)
    const pages = standIn!.requests.filter((r) => r.path.includes('/tokens') && r.method === 'GET')
    expect(pages).toHaveLength(3)
  })

  it('imports refuse plain http to the network and credentials in the URL, before any request', async () => {
    const { client } = await seeded({})
    const before = standIn!.requests.length
    await expectCode(client.importRepo('imp', { url: 'http://example.com/x.git' }), 'INVALID_ARGUMENT')
    await expectCode(
      client.importRepo('imp', { url: 'https://user:secret@example.com/x.git' }),
      'INVALID_ARGUMENT',
    )
    expect(standIn!.requests.length).toBe(before)
  })
})
