/**
 * Fixtures for the Code Storage adapters: a {@link CodeStorageStandIn} behind the real `@pierre/storage`
 * SDK (plugged in through its `fetch` option), and the contract fixtures (the stand-in's bare
 * repositories read back with git, never with the adapter under test).
 */
import type { CodeStorage } from '@pierre/storage'
import { type CodeStorageConfig, createCodeStorageClient } from '../../../src/adapters/code-storage/client.ts'
import { CodeStorageDurableAdapter } from '../../../src/adapters/code-storage/durable.ts'
import type { DurableFixture } from '../../contract/durable-contract.ts'
import {
  branchHead,
  commitLocal,
  fastImportCommit,
  readCommit,
  readGitTree,
} from '../../contract/local-fixtures.ts'
import type { SeedFiles } from '../../contract/fixtures.ts'
import { useFixedGitIdentity } from '../../support/git-fixtures.ts'
import { CodeStorageStandIn } from './stand-in.ts'

/** An SDK client for `standIn` (its signing key unless overridden, fast read retries). */
export function codeStorageClient(
  standIn: CodeStorageStandIn,
  overrides: Partial<CodeStorageConfig> = {},
): Promise<CodeStorage> {
  return createCodeStorageClient({
    name: standIn.name,
    key: standIn.key,
    apiBaseUrl: standIn.apiBaseUrl,
    storageBaseUrl: standIn.storageBaseUrl,
    fetch: standIn.fetch,
    retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 4 },
    ...overrides,
  })
}

/** A fresh stand-in and an SDK client for it. */
export async function codeStorageHarness(
  overrides: Partial<CodeStorageConfig> = {},
): Promise<{ standIn: CodeStorageStandIn; storage: CodeStorage }> {
  useFixedGitIdentity()
  const standIn = new CodeStorageStandIn()
  return { standIn, storage: await codeStorageClient(standIn, overrides) }
}

/** The durable contract fixture: repository `durable-repo` of a fresh stand-in, seeded on `main`. */
export async function codeStorageDurableFixture(
  files: SeedFiles,
): Promise<DurableFixture & { standIn: CodeStorageStandIn; adapter: CodeStorageDurableAdapter }> {
  const { standIn, storage } = await codeStorageHarness()
  const gitDir = await standIn.seedRepo('durable-repo')
  const repo = { path: gitDir, gitDir }
  const initial = fastImportCommit(gitDir, { branch: 'main', files, message: 'seed\n' })
  return {
    standIn,
    adapter: new CodeStorageDurableAdapter({ storage, repo: 'durable-repo', branch: 'main' }),
    branch: 'main',
    initial,
    commit: async (changes, options = {}) => commitLocal(repo, changes, options),
    head: async (branch) => branchHead(gitDir, branch),
    files: async (rev) => readGitTree(gitDir, rev),
    commitInfo: async (sha) => readCommit(gitDir, sha),
    cleanup: async () => standIn.stop(),
  }
}
