/**
 * The App's Cloudflare Artifacts settings, read from its environment, for sessions whose start commit
 * says `Gittrix-Ephemeral: artifacts://<namespace>/<repo>` (docs/architecture.md#start-commit, #pointer-commit-artifacts-sessions): the App reads their
 * files through the Artifacts REST read routes and deletes their repository on discard or promotion
 * (docs/platform-facts.md#credentials-and-git: an API token with Artifacts > Read for reads, Artifacts > Edit for the delete).
 *
 * The namespace is the App's (`ARTIFACTS_NAMESPACE`), never a start commit's, and not chosen per
 * repository either: `.github/gittrix.yml` is written by whoever can push to a repository, so a
 * per-repository choice would let one repository name another's namespace. The App only ever opens
 * `<ARTIFACTS_NAMESPACE>/gittrix-<repository id>-<session id>` (`githubSessionRepoName`, bound to the
 * GitHub repository of the event); a start commit naming anything else is not a valid session.
 *
 * Variables: `ARTIFACTS_ACCOUNT_ID`, `ARTIFACTS_API_TOKEN`, `ARTIFACTS_NAMESPACE` (all three required
 * for Artifacts sessions), `ARTIFACTS_API_URL` (optional; default `https://api.cloudflare.com/client/v4`).
 * The token is registered for redaction as soon as it is read, so no error, reply or check run can show it.
 */
import {
  ArtifactsClient,
  CLOUDFLARE_API_BASE,
  githubSessionRepoName,
  validateArtifactsName,
} from '../src/adapters/artifacts/index.ts'
import { registerSecret } from '../src/git/redact.ts'
import { inlineCode } from '../src/github/index.ts'
import type { RepoContext } from './repo-context.ts'

/** The Artifacts credentials of the App (`null` in {@link AppServices} when not configured). */
export interface ArtifactsSettings {
  /** Cloudflare account id. */
  accountId: string
  /** Cloudflare API token (Artifacts > Read and Edit). Never logged. */
  apiToken: string
  /** API root, e.g. `https://api.cloudflare.com/client/v4`. */
  baseUrl: string
  /** The one Artifacts namespace the App's session repositories live in (`ARTIFACTS_NAMESPACE`). */
  namespace: string
}

/** The variables an Artifacts session needs, in the order the messages name them. */
export const ARTIFACTS_ENV = ['ARTIFACTS_ACCOUNT_ID', 'ARTIFACTS_API_TOKEN', 'ARTIFACTS_NAMESPACE'] as const

/**
 * Reads the Artifacts settings from `env`; `null` unless `ARTIFACTS_ACCOUNT_ID`, `ARTIFACTS_API_TOKEN`
 * and `ARTIFACTS_NAMESPACE` are all set (the App then answers Artifacts sessions with
 * {@link missingArtifactsSettings}). Registers the token for redaction. Throws `INVALID_ARGUMENT` for
 * a namespace Artifacts would refuse (letters, digits, `.`, `_`, `-`, at most 63 characters).
 */
export function readArtifactsSettings(env: NodeJS.ProcessEnv = process.env): ArtifactsSettings | null {
  const accountId = env.ARTIFACTS_ACCOUNT_ID?.trim()
  const apiToken = env.ARTIFACTS_API_TOKEN?.trim()
  const namespace = env.ARTIFACTS_NAMESPACE?.trim()
  if (apiToken) registerSecret(apiToken)
  if (!accountId || !apiToken || !namespace) return null
  return {
    accountId,
    apiToken,
    baseUrl: env.ARTIFACTS_API_URL?.trim() || CLOUDFLARE_API_BASE,
    namespace: validateArtifactsName(namespace, 'namespace'),
  }
}

/** Markdown saying which variables to set for session `id`'s Artifacts workspace. */
export function missingArtifactsSettings(id: string, location: string): string {
  return (
    `Session ${inlineCode(id)} keeps its files in Cloudflare Artifacts (${inlineCode(location)}), and this App has no Artifacts credentials. ` +
    `Set ${ARTIFACTS_ENV.map((v) => `\`${v}\``).join(', ')} (and \`ARTIFACTS_API_URL\` for another API root) in the App's environment, ` +
    'with an API token allowed Artifacts > Read and Artifacts > Edit, then re-run this check. Nothing was changed.'
  )
}

/**
 * A client for the App's configured namespace with its credentials. The token is redacted from
 * everything it logs or throws.
 */
export function artifactsClient(settings: ArtifactsSettings): ArtifactsClient {
  return new ArtifactsClient({
    accountId: settings.accountId,
    apiToken: settings.apiToken,
    namespace: settings.namespace,
    baseUrl: settings.baseUrl,
    // A webhook should not wait minutes for a repository that is still becoming ready.
    readinessTimeoutMs: 20_000,
  })
}

/**
 * Where an Artifacts session of `repo` must keep its files: the App's configured namespace and the
 * repository name bound to this GitHub repository and session (`githubSessionRepoName`), as an
 * `artifacts://<namespace>/<repo>` URI. `namespace` is `null` when the App has no Artifacts settings.
 */
export function ownArtifactsLocation(
  repo: RepoContext,
  sessionId: string,
): { namespace: string | null; repo: string; uri: string } {
  const name = githubSessionRepoName(repo.repoId, sessionId)
  const namespace = repo.artifacts?.namespace ?? null
  return { namespace, repo: name, uri: `artifacts://${namespace ?? '<ARTIFACTS_NAMESPACE>'}/${name}` }
}
