/**
 * Fixtures for the Code Storage adapters: a {@link CodeStorageStandIn} behind the real `@pierre/storage`
 * SDK (plugged in through its `fetch` option), and the contract fixtures (the stand-in's bare
 * repositories read back with git, never with the adapter under test).
 */
import type { CodeStorage } from '@pierre/storage'
import { type CodeStorageConfig, createCodeStorageClient } from '../../../src/adapters/code-storage/client.ts'
import { CodeStorageDurableAdapter } from '../../../src/adapters/code-storage/durable.ts'
import { CodeStorageEphemeralAdapter } from '../../../src/adapters/code-storage/ephemeral.ts'
import type { WorkspaceInfo } from '../../../src/core/adapters.ts'
import type { DurableFixture } from '../contract/durable-contract.ts'
import type { EphemeralFixture } from '../contract/ephemeral-contract.ts'
import {
  branchHead,
  commitLocal,
  fastImportCommit,
  localWorkspaceHooks,
  readCommit,
  readGitTree,
} from '../local/fixtures.ts'
import type { SeedFiles } from '../contract/fixtures.ts'
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

/**
 * The ephemeral contract fixture. `durable: 'code-storage'`: workspaces are ephemeral branches of the
 * durable repository itself; `'local'`: a local durable repository, its baselines uploaded as root
 * commits into the stand-in's `workspaces` repository.
 */
export function codeStorageEphemeralFixture(durable: 'code-storage' | 'local') {
  return async (): Promise<
    EphemeralFixture & { standIn: CodeStorageStandIn; adapter: CodeStorageEphemeralAdapter }
  > => {
    const { standIn, storage } = await codeStorageHarness()
    const hooks = localWorkspaceHooks('gittrix-code-storage')
    const repoId = durable === 'code-storage' ? 'durable-repo' : 'workspaces'
    const gitDir = await standIn.seedRepo(repoId)
    let baselines = 0
    const adapter = new CodeStorageEphemeralAdapter({ storage, repo: repoId })
    const common = {
      standIn,
      adapter,
      sessionDir: hooks.sessionDir,
      outsideDir: hooks.outsideDir,
      outsideEntries: hooks.outsideEntries,
      workspaceExists: async (info: WorkspaceInfo) =>
        (await standIn.ephemeralHead(repoId, info.ephemeralRef.slice(info.ephemeralRef.indexOf('#') + 1))) !==
        null,
      capabilities: { ignoreRules: false },
      cleanup: async () => {
        standIn.stop()
        hooks.removeDirs()
      },
    }
    if (durable === 'local') return { ...common, durable: hooks.durable, baseline: hooks.baseline }
    return {
      ...common,
      durable: new CodeStorageDurableAdapter({ storage, repo: repoId, branch: 'main' }),
      baseline: async (files: SeedFiles) => {
        const branch = baselines++ === 0 ? 'main' : `baseline/${baselines}`
        return fastImportCommit(gitDir, { branch, files, message: 'baseline\n' })
      },
    }
  }
}
