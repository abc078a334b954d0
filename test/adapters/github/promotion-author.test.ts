/**
 * GitHubDurableAdapter.findPromotion on GitHub: besides the trailers and the history (the shared
 * matcher), the commit must be authored by the adapter's promotion author as GitHub reports it
 * (`GET /repos/{o}/{r}/commits/{sha}`: `author.login`, and `commit.verification` for an App). The
 * stand-in answers those fields as GitHub does: API commits of a bot without custom identity are
 * signed, pushed commits are linked to an account by email only, a person's API commits are unsigned.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { GitHubDurableAdapter } from '../../../src/adapters/github/durable.ts'
import { expectCode } from '../contract/fixtures.ts'
import { ROUTES } from '../../support/git-data-api.ts'
import { type GitHubHarness, githubHarness } from './harness.ts'

const BOT = { name: 'gittrix-test[bot]', email: '41898282+gittrix-test[bot]@users.noreply.github.com' }

describe('GitHubDurableAdapter.findPromotion: who wrote it', () => {
  let gh: GitHubHarness
  afterEach(async () => gh.close())

  const message = (id: string, base: string) =>
    `gittrix: x\n\nGittrix-Session: ${id}\nGittrix-Baseline: ${base}\n`

  /** Promotes one file through the adapter (a commit created through the API without author). */
  async function promoteThrough(adapter: GitHubDurableAdapter, id: string): Promise<string> {
    const head = gh.api.head('main')!
    const blob = gh.api.git(['hash-object', '-w', '--stdin'], `${id}\n`)
    const result = await adapter.applyCommit({
      branch: 'main',
      parent: head,
      expectedOld: head,
      paths: [{ path: `${id}.txt`, mode: '100644', oid: blob }],
      blobs: {
        location: `github://${gh.api.owner}/${gh.api.repo}`,
        readBlobs: async () => new Map(),
      },
      message: message(id, gh.initial),
    })
    if (!result.moved) throw new Error('did not land')
    return result.sha
  }

  it("an App's promotion counts; a pushed copy under the bot's name and email does not (unsigned)", async () => {
    gh = await githubHarness({ 'a.txt': 'a\n' })
    const real = await promoteThrough(gh.durable, 'sess-a')
    const forged = gh.api.commit(
      'main',
      { 'x.txt': 'x\n' },
      { message: message('sess-b', gh.initial), identity: BOT },
    )
    const find = (sessionId: string) =>
      gh.durable.findPromotion({ branch: 'main', sessionId, baselineSha: gh.initial })
    expect(await find('sess-a')).toBe(real)
    expect(await find('sess-b')).toBeNull()
    // GitHub links the pushed copy to the bot by its email, but does not sign it.
    const detail = await gh.octokit.rest.repos.getCommit({
      owner: gh.api.owner,
      repo: gh.api.repo,
      ref: forged,
    })
    expect(detail.data.author).toMatchObject({ login: 'gittrix-test[bot]', type: 'Bot' })
    expect(detail.data.commit.verification).toMatchObject({ verified: false, reason: 'unsigned' })
    const genuine = await gh.octokit.rest.repos.getCommit({
      owner: gh.api.owner,
      repo: gh.api.repo,
      ref: real,
    })
    expect(genuine.data.commit.verification).toMatchObject({ verified: true, reason: 'valid' })
  })

  it('a commit created through the API with an explicit author is unsigned, so it is no App promotion', async () => {
    gh = await githubHarness({ 'a.txt': 'a\n' })
    const { data: tree } = await gh.octokit.rest.git.getCommit({
      owner: gh.api.owner,
      repo: gh.api.repo,
      commit_sha: gh.initial,
    })
    const { data: commit } = await gh.octokit.rest.git.createCommit({
      owner: gh.api.owner,
      repo: gh.api.repo,
      message: message('sess-c', gh.initial),
      tree: tree.tree.sha,
      parents: [gh.initial],
      author: BOT,
    })
    expect(commit.verification).toMatchObject({ verified: false, reason: 'unsigned' })
    gh.api.setBranch('main', commit.sha)
    expect(
      await gh.durable.findPromotion({ branch: 'main', sessionId: 'sess-c', baselineSha: gh.initial }),
    ).toBeNull()
  })

  it("with a person's token and no option: that person's promotions count (GET /user), nobody else's", async () => {
    gh = await githubHarness({ 'a.txt': 'a\n' })
    gh.api.tokenUser = { login: 'octo-dev', id: 77, type: 'User' }
    const adapter = new GitHubDurableAdapter({
      owner: gh.api.owner,
      repo: gh.api.repo,
      branch: 'main',
      octokit: gh.octokit,
    })
    const mine = await promoteThrough(adapter, 'sess-d')
    gh.api.commit('main', { 'y.txt': 'y\n' }, { message: message('sess-e', gh.initial) })
    expect(
      await adapter.findPromotion({ branch: 'main', sessionId: 'sess-d', baselineSha: gh.initial }),
    ).toBe(mine)
    expect(
      await adapter.findPromotion({ branch: 'main', sessionId: 'sess-e', baselineSha: gh.initial }),
    ).toBeNull()
    expect(gh.api.count(ROUTES.getAuthenticatedUser)).toBe(1)
  })

  it('with an installation token and no option: CAPABILITY_MISSING once a candidate needs checking', async () => {
    gh = await githubHarness({ 'a.txt': 'a\n' })
    const adapter = new GitHubDurableAdapter({
      owner: gh.api.owner,
      repo: gh.api.repo,
      branch: 'main',
      octokit: gh.octokit,
    })
    // Nothing that looks like a promotion: no question asked.
    expect(
      await adapter.findPromotion({ branch: 'main', sessionId: 'sess-f', baselineSha: gh.initial }),
    ).toBeNull()
    expect(gh.api.count(ROUTES.getAuthenticatedUser)).toBe(0)
    await promoteThrough(gh.durable, 'sess-f')
    const error = await expectCode(
      adapter.findPromotion({ branch: 'main', sessionId: 'sess-f', baselineSha: gh.initial }),
      'CAPABILITY_MISSING',
    )
    expect(error.message).toContain('promotionAuthor')
  })
})
