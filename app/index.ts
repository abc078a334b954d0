/**
 * `gittrix/app`: the Gittrix GitHub App (Probot 14), default export. It registers one handler per
 * event (docs/architecture.md#action--app-protocol) and holds no session state: every event rebuilds what it needs from
 * GitHub (session branch, start commit, check runs, comments, the App's own promotion commit), so
 * any replica can serve any event and a restart loses nothing (invariant 9).
 *
 * Per process it keeps only: the App's bot login (`GET /app`, fetched once), a queue per session id
 * so two events for one session on the same replica do not interleave, and the delivery ids being
 * handled or handled successfully (`X-GitHub-Delivery`, the same on a redelivery), so a redelivered
 * event is skipped here; across replicas GitHub state makes repeats harmless (docs/github-app.md#stateless-exactly-once).
 *
 * ```ts
 * import { run } from 'probot'
 * import gittrixApp from 'gittrix/app'
 * await run(gittrixApp)
 * ```
 */
import type { ApplicationFunctionOptions, Probot } from 'probot'
import { readArtifactsSettings } from './artifacts.ts'
import { createGittrixApp } from './gittrix-app.ts'

export { ARTIFACTS_ENV, type ArtifactsSettings, readArtifactsSettings } from './artifacts.ts'
export {
  createGittrixHandler,
  createGittrixServer,
  readServerSettings,
  ServerConfigError,
  type ServerSettings,
  startGittrixServer,
  type WebhookHandler,
} from './server.ts'
export { createGittrixApp, type GittrixAppOptions } from './gittrix-app.ts'

/**
 * The Probot app function. Events: `push`, `delete`, `issue_comment.created`,
 * `check_run.requested_action`, `check_run.rerequested`, `pull_request.closed`. Handler errors propagate to Probot (logged,
 * webhook answered 500) after the delivery id is forgotten, so a manual redelivery retries.
 * Cloudflare Artifacts settings come from `ARTIFACTS_ACCOUNT_ID`, `ARTIFACTS_API_TOKEN`,
 * `ARTIFACTS_NAMESPACE` and `ARTIFACTS_API_URL` (read when the App is loaded; see
 * {@link createGittrixApp} to pass them).
 */
export default function gittrixApp(app: Probot, options?: ApplicationFunctionOptions): void {
  createGittrixApp({ artifacts: readArtifactsSettings(process.env) })(app, options)
}
