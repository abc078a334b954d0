/**
 * gittrix/artifacts: Cloudflare Artifacts as Gittrix storage — the REST control-plane client, git over
 * HTTPS with repo tokens, the durable and ephemeral adapters, and the read-only snapshot adapter a
 * reviewing host (the GitHub App) uses. Facts and sources:
 * https://developers.cloudflare.com/artifacts/ (see each module's header).
 */
export {
  ArtifactsClient,
  type ArtifactsClientOptions,
  CLOUDFLARE_API_BASE,
  registerToken,
  TOKEN_TTL_BOUNDS,
} from './client.ts'
export {
  CloudflareArtifactsDurableAdapter,
  type CloudflareArtifactsDurableAdapterOptions,
} from './durable.ts'
export {
  CloudflareArtifactsEphemeralAdapter,
  type CloudflareArtifactsEphemeralAdapterOptions,
  type ForkedWorkspace,
  SESSION_BRANCH,
  SNAPSHOT_BRANCH,
} from './ephemeral.ts'
export {
  artifactsSnapshotRef,
  CloudflareArtifactsSnapshotAdapter,
  type CloudflareArtifactsSnapshotAdapterOptions,
} from './snapshot.ts'
export { type ListedDirectory, listedDirectories } from './tree-hash.ts'
export { ARTIFACTS_ERROR_CODES, ArtifactsApiError, type ArtifactsApiErrorDetail } from './errors.ts'
export {
  githubSessionRepoName,
  MAX_NAME_LENGTH,
  SESSION_REPO_PREFIX,
  sessionRepoName,
  validateArtifactsName,
} from './names.ts'
export { CONTROL_PLANE_RATE } from './pacing.ts'
export { type RepoToken, type RepoTokenOptions, RepoTokens, tokenExpiry } from './tokens.ts'
export { type ArtifactsGitTarget, checkRemote, gitWithToken, isAuthRefusal } from './transport.ts'
export type * from './types.ts'
