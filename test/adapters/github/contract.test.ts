/**
 * The shared adapter contracts (test/adapters/contract) run against both GitHub adapters on the git-data-api
 * stand-in: nock with network connections disabled, every request and reply checked against GitHub's
 * OpenAPI description, and the repository read back with git, never with the adapter under test.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GitHubBranchEphemeralAdapter } from '../../../src/adapters/github/branch-ephemeral.ts'
import { GitHubDurableAdapter } from '../../../src/adapters/github/durable.ts'
import { newGitHubSessionId } from '../../../src/github/session-id.ts'
import { type DurableFixture, describeDurableContract } from '../contract/durable-contract.ts'
import { describeEphemeralContract, type EphemeralFixture } from '../contract/ephemeral-contract.ts'
import type { SeedFiles, TreeFile } from '../contract/fixtures.ts'
import { GitDataApi, mountGitDataApi } from '../../support/git-data-api.ts'
import { cleanup, tempDir } from '../../support/git-fixtures.ts'
import { testOctokit } from './harness.ts'

let repos = 0

function standIn() {
  const api = new GitDataApi({ owner: `contract${process.pid}`, repo: `repo${++repos}` })
  const mount = mountGitDataApi(api)
  const octokit = testOctokit(mount.baseUrl)
  const close = () => {
    try {
      mount.done()
    } finally {
      api.destroy()
    }
  }
  return { api, octokit, close }
}

describeDurableContract('GitHubDurableAdapter (git-data-api stand-in)', async (files: SeedFiles) => {
  const { api, octokit, close } = standIn()
  const initial = api.commit('main', files, { from: null, message: 'seed\n' })
  const fixture: DurableFixture = {
    adapter: new GitHubDurableAdapter({
      owner: api.owner,
      repo: api.repo,
      branch: 'main',
      octokit,
      promotionAuthor: { login: 'gittrix-test[bot]', verified: true },
    }),
    branch: 'main',
    initial,
    commit: async (changes, options = {}) =>
      api.commit(options.branch ?? 'main', changes, {
        ...(options.from ? { from: options.from } : {}),
        ...(options.merge ? { merge: options.merge } : {}),
        ...(options.message ? { message: options.message } : {}),
      }),
    head: async (branch) => api.head(branch),
    files: async (rev) => api.files(rev) as Map<string, TreeFile>,
    commitInfo: async (sha) => {
      const { tree, parents, message } = api.commitInfo(sha)
      return { tree, parents, message }
    },
    cleanup: async () => close(),
  }
  return fixture
})

describeEphemeralContract('GitHubBranchEphemeralAdapter (git-data-api stand-in)', async () => {
  const { api, octokit, close } = standIn()
  const coords = { owner: api.owner, repo: api.repo, octokit }
  const outsideDir = tempDir('gittrix-gh-contract-outside-')
  const store = tempDir('gittrix-gh-contract-store-')
  writeFileSync(join(outsideDir, 'secret.txt'), 'top secret\n')
  let baselines = 0
  const branchOf = (ephemeralRef: string) => ephemeralRef.slice(ephemeralRef.indexOf('#') + 1)
  const fixture: EphemeralFixture = {
    adapter: new GitHubBranchEphemeralAdapter(coords),
    durable: new GitHubDurableAdapter({ ...coords, branch: 'main' }),
    baseline: async (files) => {
      const branch = baselines++ === 0 ? 'main' : `baseline/${baselines}`
      return api.commit(branch, files, { from: null, message: 'baseline\n' })
    },
    sessionDir: (sessionId) => {
      mkdirSync(join(store, sessionId), { recursive: true })
      return join(store, sessionId)
    },
    newSessionId: newGitHubSessionId,
    outsideDir,
    outsideEntries: async () => {
      const out: Record<string, string> = {}
      for (const name of readdirSync(outsideDir)) out[name] = readFileSync(join(outsideDir, name), 'utf8')
      return out
    },
    // An agent with a shell pushes its symlink onto the session branch.
    symlink: async (info, path, target) => {
      api.commit(branchOf(info.ephemeralRef), { [path]: { symlink: target } }, { message: 'agent symlink\n' })
    },
    workspaceExists: async (info) => api.head(branchOf(info.ephemeralRef)) !== null,
    capabilities: { ignoreRules: false },
    cleanup: async () => {
      try {
        close()
      } finally {
        cleanup(outsideDir, store)
      }
    },
  }
  return fixture
})
