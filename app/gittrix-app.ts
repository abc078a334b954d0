/**
 * The Gittrix App's Probot app function with explicit settings: one handler per event, a queue per
 * session id, and the delivery ids handled on this replica (see app/index.ts for what is kept per
 * process and why). app/index.ts (the `gittrix/app` default export) and app/server.ts both build on it.
 */
import type { ApplicationFunctionOptions, Context, Probot } from 'probot'
import type { ArtifactsSettings } from './artifacts.ts'
import { type AppServices, keyedQueue } from './context.ts'
import { onRequestedAction, onRerequested } from './handlers/check-run.ts'
import { onIssueComment } from './handlers/issue-comment.ts'
import { onDelete } from './handlers/delete.ts'
import { onPullRequestClosed } from './handlers/pull-request.ts'
import { onPush } from './handlers/push.ts'

/** Most delivery ids remembered per process. */
const DELIVERIES_REMEMBERED = 5000

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
