/**
 * Fixtures for the Artifacts adapters: a started {@link ArtifactsStandIn}, a client pointed at it with
 * short backoffs, and the contract fixtures (the stand-in's bare repositories read back with git,
 * never with the adapter under test).
 */
import { existsSync } from 'node:fs'
import { ArtifactsClient, type ArtifactsClientOptions } from '../../../src/adapters/artifacts/client.ts'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import { CloudflareArtifactsEphemeralAdapter } from '../../../src/adapters/artifacts/ephemeral.ts'
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
import { ArtifactsStandIn, type ArtifactsStandInVariant } from '../../support/artifacts-stand-in.ts'

/** A started stand-in and a client for it; `lines` collects everything the client logged. */
export async function artifactsHarness(
  options: Partial<ArtifactsClientOptions> = {},
  variant: ArtifactsStandInVariant = {},
) {
  const standIn = await new ArtifactsStandIn({ variant }).start()
  const lines: string[] = []
  const client = new ArtifactsClient({
    accountId: standIn.accountId,
    apiToken: standIn.apiToken,
    namespace: standIn.namespace,
    baseUrl: standIn.baseUrl,
    backoff: { baseMs: 5, maxMs: 40 },
    readinessTimeoutMs: 5_000,
    log: (line) => lines.push(line),
    ...options,
  })
  return { standIn, client, lines }
}

/** The durable contract fixture: repository `durable-repo` of a fresh stand-in, seeded on `main`. */
export async function artifactsDurableFixture(
  files: SeedFiles,
  variant: ArtifactsStandInVariant = {},
): Promise<DurableFixture & { standIn: ArtifactsStandIn }> {
  const { standIn, client } = await artifactsHarness({}, variant)
  const gitDir = standIn.seedRepo('durable-repo')
  const repo = { path: gitDir, gitDir }
  const initial = fastImportCommit(gitDir, { branch: 'main', files, message: 'seed\n' })
  return {
    standIn,
    adapter: new CloudflareArtifactsDurableAdapter({ client, repo: 'durable-repo', branch: 'main' }),
    branch: 'main',
    initial,
    commit: async (changes, options = {}) => commitLocal(repo, changes, options),
    head: async (branch) => branchHead(gitDir, branch),
    files: async (rev) => readGitTree(gitDir, rev),
    commitInfo: async (sha) => readCommit(gitDir, sha),
    cleanup: async () => standIn.stop(),
  }
}

/** The ephemeral contract fixture: session repositories on a fresh stand-in, a local durable repository. */
export async function artifactsEphemeralFixture(variant: ArtifactsStandInVariant = {}): Promise<
  EphemeralFixture & {
    standIn: ArtifactsStandIn
    adapter: CloudflareArtifactsEphemeralAdapter
    lines: string[]
  }
> {
  const { standIn, client, lines } = await artifactsHarness({}, variant)
  const { removeDirs, repo: _repo, store: _store, ...hooks } = localWorkspaceHooks('gittrix-artifacts')
  return {
    ...hooks,
    standIn,
    lines,
    adapter: new CloudflareArtifactsEphemeralAdapter({ client, workingRoot: hooks.sessionsRoot }),
    workspaceExists: async (info) =>
      existsSync(info.ephemeralPath!) ||
      standIn.hasRepo(info.ephemeralRef.slice(info.ephemeralRef.lastIndexOf('/') + 1)),
    cleanup: async () => {
      await standIn.stop()
      removeDirs()
    },
  }
}
