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
import type { ApplicationFunctionOptions, Context, Probot } from 'probot'
import { type ArtifactsSettings, readArtifactsSettings } from './artifacts.ts'
import { type AppServices, keyedQueue } from './context.ts'
import { onRequestedAction, onRerequested } from './handlers/check-run.ts'
import { onIssueComment } from './handlers/comment.ts'
import { onDelete } from './handlers/delete.ts'
import { onPullRequestClosed } from './handlers/pull-request.ts'
import { onPush } from './handlers/push.ts'

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

/** Most delivery ids remembered per process. */
const DELIVERIES_REMEMBERED = 5000

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

/** Options of {@link createGittrixApp}. */
export interface GittrixAppOptions {
  /**
   * Cloudflare Artifacts credentials for Artifacts sessions (see app/artifacts.ts); `null` or absent:
   * such sessions get a neutral check run naming the variables to set. The default export reads them
   * from `ARTIFACTS_ACCOUNT_ID`, `ARTIFACTS_API_TOKEN`, `ARTIFACTS_NAMESPACE` and `ARTIFACTS_API_URL`.
   */
  artifacts?: ArtifactsSettings | null
}

/** The Probot app function with explicit settings instead of the environment (servers, tests). */
export function createGittrixApp(
  settings: GittrixAppOptions = {},
): (app: Probot, options?: ApplicationFunctionOptions) => void {
  return (app) => registerHandlers(app, settings.artifacts ?? null)
}

function registerHandlers(app: Probot, artifacts: ArtifactsSettings | null): void {
  let login: Promise<string> | undefined
  const services: AppServices = {
    botLogin() {
      login ??= app
        .auth()
        .then((octokit) => octokit.rest.apps.getAuthenticated())
        .then(({ data }) => `${data?.slug}[bot]`)
      login.catch(() => {
        login = undefined
      })
      return login
    },
    serialize: keyedQueue(),
    artifacts,
  }
  const deliveries = new DeliveryLog(DELIVERIES_REMEMBERED)
  const once =
    <C extends Context>(handler: (context: C) => Promise<void> | void) =>
    async (context: C): Promise<void> => {
      if (!deliveries.begin(context.id)) {
        context.log.info({ delivery: context.id, event: context.name }, 'delivery already handled; skipped')
        return
      }
      try {
        await handler(context)
        deliveries.succeed(context.id)
      } catch (error) {
        deliveries.fail(context.id)
        throw error
      }
    }

  app.on(
    'push',
    once((context) => onPush(context, services)),
  )
  app.on(
    'delete',
    once((context) => onDelete(context)),
  )
  app.on(
    'issue_comment.created',
    once((context) => onIssueComment(context, services)),
  )
  app.on(
    'check_run.requested_action',
    once((context) => onRequestedAction(context, services)),
  )
  app.on(
    'check_run.rerequested',
    once((context) => onRerequested(context, services)),
  )
  app.on(
    'pull_request.closed',
    once((context) => onPullRequestClosed(context, services)),
  )
}

/** Delivery ids in flight or handled, oldest forgotten first. */
class DeliveryLog {
  private readonly done = new Set<string>()
  private readonly inFlight = new Set<string>()
  private readonly limit: number

  constructor(limit: number) {
    this.limit = limit
  }

  /** False when `id` is being handled or was handled successfully. */
  begin(id: string): boolean {
    if (this.done.has(id) || this.inFlight.has(id)) return false
    this.inFlight.add(id)
    return true
  }

  succeed(id: string): void {
    this.inFlight.delete(id)
    this.done.add(id)
    if (this.done.size > this.limit) this.done.delete(this.done.values().next().value!)
  }

  fail(id: string): void {
    this.inFlight.delete(id)
  }
}
