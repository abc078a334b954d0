/**
 * The App's Cloudflare Artifacts credentials, read from its environment, for sessions whose start
 * commit says `Gittrix-Ephemeral: artifacts://<namespace>/<repo>` (DESIGN.md §6.1, §6.3): the App
 * reads their files through the Artifacts REST read routes and deletes their repository on discard
 * or promotion (storage-apis.md §A.2: an API token with Artifacts > Read for reads, Artifacts > Edit
 * for the delete). The namespace comes from each session's start commit, not from here.
 *
 * Variables: `ARTIFACTS_ACCOUNT_ID`, `ARTIFACTS_API_TOKEN` (both required for Artifacts sessions),
 * `ARTIFACTS_API_URL` (optional; default `https://api.cloudflare.com/client/v4`). The token is
 * registered for redaction as soon as it is read, so no error, reply or check run can show it.
 */
import { ArtifactsClient, CLOUDFLARE_API_BASE } from '../src/adapters/artifacts/index.ts'
import { registerSecret } from '../src/git/redact.ts'
import { inlineCode } from '../src/github/index.ts'

/** The Artifacts credentials of the App (`null` in {@link AppServices} when not configured). */
export interface ArtifactsSettings {
  /** Cloudflare account id. */
  accountId: string
  /** Cloudflare API token (Artifacts > Read and Edit). Never logged. */
  apiToken: string
  /** API root, e.g. `https://api.cloudflare.com/client/v4`. */
  baseUrl: string
}

/** The variables an Artifacts session needs, in the order the messages name them. */
export const ARTIFACTS_ENV = ['ARTIFACTS_ACCOUNT_ID', 'ARTIFACTS_API_TOKEN'] as const

/**
 * Reads the Artifacts settings from `env`; `null` unless both `ARTIFACTS_ACCOUNT_ID` and
 * `ARTIFACTS_API_TOKEN` are set (the App then answers Artifacts sessions with
 * {@link missingArtifactsSettings}). Registers the token for redaction.
 */
export function readArtifactsSettings(env: NodeJS.ProcessEnv = process.env): ArtifactsSettings | null {
  const accountId = env.ARTIFACTS_ACCOUNT_ID?.trim()
  const apiToken = env.ARTIFACTS_API_TOKEN?.trim()
  if (apiToken) registerSecret(apiToken)
  if (!accountId || !apiToken) return null
  return { accountId, apiToken, baseUrl: env.ARTIFACTS_API_URL?.trim() || CLOUDFLARE_API_BASE }
}

/** Markdown saying which variables to set for session `id`'s Artifacts workspace. */
export function missingArtifactsSettings(id: string, location: string): string {
  return (
    `Session ${inlineCode(id)} keeps its files in Cloudflare Artifacts (${inlineCode(location)}), and this App has no Artifacts credentials. ` +
    `Set ${ARTIFACTS_ENV.map((v) => `\`${v}\``).join(' and ')} (and \`ARTIFACTS_API_URL\` for another API root) in the App's environment, ` +
    'with an API token allowed Artifacts > Read and Artifacts > Edit, then re-run this check. Nothing was changed.'
  )
}

/** A client for `namespace` with the App's credentials. The token is redacted from everything it logs or throws. */
export function artifactsClient(settings: ArtifactsSettings, namespace: string): ArtifactsClient {
  return new ArtifactsClient({
    accountId: settings.accountId,
    apiToken: settings.apiToken,
    namespace,
    baseUrl: settings.baseUrl,
    // A webhook should not wait minutes for a repository that is still becoming ready.
    readinessTimeoutMs: 20_000,
  })
}
