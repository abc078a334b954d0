/**
 * Webhook payloads built from @octokit/webhooks-examples (real GitHub payloads) with the repository,
 * refs and people of a test put in. Shared by the App tests (test/app/harness.ts) and the loopback
 * GitHub (loopback-github.ts). Payloads are plain JSON and deliberately untyped.
 */
import examples from '@octokit/webhooks-examples' with { type: 'json' }

/** A webhook payload: JSON from the examples, adjusted per test. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- example payloads are plain JSON
export type Payload = Record<string, any>

type Example = { name: string; examples: Array<Record<string, unknown>> }

/** Every example payload of `event` (deep copies). */
export function examplePayloads(event: string): Array<Payload> {
  const found = (examples as unknown as Example[]).find((e) => e.name === event)
  if (!found) throw new Error(`no webhook examples for ${event}`)
  return structuredClone(found.examples) as Array<Payload>
}

/** The first example payload of `event` (with `action`, when given). */
export function examplePayload(event: string, action?: string): Payload {
  const all = examplePayloads(event)
  const hit = action ? all.find((p) => p.action === action) : all[0]
  if (!hit) throw new Error(`no ${event}.${action} example`)
  return hit
}

/** Where a repository lives, for payloads. */
export interface PayloadRepo {
  owner: string
  repo: string
  /** GitHub's numeric repository id (default: the example payload's). */
  id?: number
  /** Web root, e.g. https://github.com or http://127.0.0.1:port. */
  webUrl?: string
  defaultBranch?: string
}

/** The `repository` object of a payload. */
export function repositoryPayload(where: PayloadRepo): Payload {
  const base = examplePayload('push').repository as Payload
  const web = where.webUrl ?? 'https://github.com'
  const branch = where.defaultBranch ?? 'main'
  return {
    ...base,
    ...(where.id !== undefined ? { id: where.id } : {}),
    name: where.repo,
    full_name: `${where.owner}/${where.repo}`,
    owner: { ...base.owner, login: where.owner, name: where.owner },
    html_url: `${web}/${where.owner}/${where.repo}`,
    default_branch: branch,
    master_branch: branch,
  }
}

/** The `sender` / `user` object of a payload. */
export function userPayload(login: string, type: 'User' | 'Bot' = 'User'): Payload {
  const base = examplePayload('issue_comment', 'created').sender as Payload
  return { ...base, login, type }
}

/** A `push` of `ref` from `before` to `after` (all zeros = created / deleted). */
export function pushPayload(
  where: PayloadRepo,
  update: { ref: string; before: string; after: string; sender: Payload; installationId: number },
): Payload {
  const zero = (sha: string) => /^0+$/.test(sha)
  return {
    ...examplePayload('push'),
    ref: update.ref,
    before: update.before,
    after: update.after,
    created: zero(update.before),
    deleted: zero(update.after),
    forced: false,
    commits: [],
    head_commit: null,
    repository: repositoryPayload(where),
    installation: { id: update.installationId, node_id: 'I' },
    sender: update.sender,
  }
}

/** A `delete` of branch `ref` (short name). */
export function deletePayload(
  where: PayloadRepo,
  ref: string,
  sender: Payload,
  installationId: number,
): Payload {
  return {
    ...examplePayload('delete'),
    ref,
    ref_type: 'branch',
    repository: repositoryPayload(where),
    installation: { id: installationId, node_id: 'I' },
    sender,
  }
}

/** What a `check_run.requested_action` payload says about the run whose button was clicked. */
export interface ClickedRun {
  id: number
  name: string
  head_sha: string
  external_id?: string | null
  status: string
  conclusion?: string | null
}

/**
 * A `check_run.requested_action`: `sender` clicked the button `identifier` on `run`. `app` names the
 * App owning the run, when the receiver checks it (the example's App otherwise).
 */
export function buttonPayload(
  where: PayloadRepo,
  click: { run: ClickedRun; identifier: string; sender: Payload; installationId: number },
  app?: { id: number; slug: string },
): Payload {
  const example = examplePayload('check_run', 'requested_action')
  const { run } = click
  return {
    ...example,
    check_run: {
      ...example.check_run,
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      external_id: run.external_id,
      status: run.status,
      conclusion: run.conclusion,
      ...(app ? { app: { ...example.check_run.app, ...app } } : {}),
    },
    requested_action: { identifier: click.identifier },
    repository: repositoryPayload(where),
    installation: { id: click.installationId, node_id: 'I' },
    sender: click.sender,
  }
}
