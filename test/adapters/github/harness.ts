/**
 * One GitHub repository for a test: the git-data-api stand-in over a real bare repository, served
 * through nock (network off, OpenAPI-checked), an Octokit from `createGitHubClient` that never sleeps,
 * both GitHub adapters, and a `GitTrix` over them with a throwaway session store.
 */
import type { Octokit } from '@octokit/rest'
import { GitHubBranchEphemeralAdapter } from '../../../src/adapters/github/branch-ephemeral.ts'
import { createGitHubClient } from '../../../src/adapters/github/client.ts'
import { GitHubDurableAdapter } from '../../../src/adapters/github/durable.ts'
import { GitTrix } from '../../../src/core/gittrix.ts'
import {
  type FileSpec,
  GitDataApi,
  type GitDataApiOptions,
  type LoggedRequest,
  type MountedGitDataApi,
  mountGitDataApi,
} from '../../support/git-data-api.ts'
import { cleanup, tempDir } from '../../support/git-fixtures.ts'

let repos = 0

/** Everything a GitHub adapter test needs. */
export interface GitHubHarness {
  api: GitDataApi
  mount: MountedGitDataApi
  octokit: Octokit
  durable: GitHubDurableAdapter
  ephemeral: GitHubBranchEphemeralAdapter
  gittrix: GitTrix
  /** The seed commit on `main`. */
  initial: string
  /** Warnings Octokit logged (rate limits, retries), for assertions. */
  warnings: string[]
  /** Requests answered since `mark` (an index into `api.log`). */
  since(mark: number): LoggedRequest[]
  /** Pushes `files` onto a session's branch, as the Action's `git push` would. Returns the new head. */
  push(sessionId: string, files: Record<string, FileSpec | null>): string
  /** Verifies no OpenAPI violation happened, removes the interceptors and the directories. */
  close(): Promise<void>
}

/** An Octokit for the stand-in at `baseUrl`: retry and throttling on, no sleeping, warnings collected. */
export function testOctokit(baseUrl: string, warnings: string[] = []): Octokit {
  return createGitHubClient({
    token: 'test-token',
    baseUrl,
    retry: { retryAfterBaseMs: 0 },
    throttle: { retryAfterBaseMs: 0, writeIntervalMs: 0 },
    log: { warn: (message: string) => warnings.push(message), error: () => {} },
  })
}

/**
 * A fresh repository (unique owner/repo per call, so the adapters' tree caches never mix) whose `main`
 * holds `files` in one commit, with everything wired up.
 */
export async function githubHarness(
  files: Record<string, FileSpec>,
  options: Omit<GitDataApiOptions, 'owner' | 'repo'> = {},
): Promise<GitHubHarness> {
  const n = ++repos
  const api = new GitDataApi({ owner: `owner${process.pid}`, repo: `repo${n}`, ...options })
  const initial = api.commit('main', files, { message: 'seed\n' })
  const mount = mountGitDataApi(api)
  const warnings: string[] = []
  const octokit = testOctokit(mount.baseUrl, warnings)
  const coords = { owner: api.owner, repo: api.repo, octokit }
  const durable = new GitHubDurableAdapter({
    ...coords,
    branch: 'main',
    promotionAuthor: { login: 'gittrix-test[bot]', verified: true },
  })
  const ephemeral = new GitHubBranchEphemeralAdapter(coords)
  const storeDir = tempDir('gittrix-gh-store-')
  const gittrix = new GitTrix({ durable, ephemeral, storeDir, sweepIntervalMs: 0 })
  return {
    api,
    mount,
    octokit,
    durable,
    ephemeral,
    gittrix,
    initial,
    warnings,
    since: (mark) => api.log.slice(mark),
    push: (sessionId, changes) => api.commit(`gittrix/${sessionId}`, changes, { message: 'agent work\n' }),
    async close() {
      await gittrix.close()
      try {
        mount.done()
      } finally {
        api.destroy()
        cleanup(storeDir)
      }
    },
  }
}

/** `count` files `dir/NN/file-NNNN.txt` with content derived from `tag`. */
export function manyFiles(count: number, tag: string, dir = 'many'): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < count; i++) {
    out[`${dir}/${String(i % 20).padStart(2, '0')}/file-${String(i).padStart(4, '0')}.txt`] = `${tag} ${i}\n`
  }
  return out
}
