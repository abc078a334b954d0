/**
 * What the Action reads from the triggering event's payload (`GITHUB_EVENT_PATH`): the issue or pull
 * request the run belongs to, and the repository's default branch.
 */
import { readFileSync } from 'node:fs'

/** The parts of an event payload the Action uses; everything else is ignored. */
export interface EventFacts {
  /** The issue or pull request number (issue_comment, issues, pull_request*), or `null`. */
  link: number | null
  /** `repository.default_branch`, when the payload has it. */
  defaultBranch: string | null
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null
}

/**
 * Extracts {@link EventFacts} from a payload: `issue.number` for `issue_comment` and `issues` (an
 * `issue_comment` on a pull request carries the pull request as `issue`), `pull_request.number` for the
 * `pull_request*` events, else nothing.
 */
export function eventFacts(eventName: string, payload: unknown): EventFacts {
  const p = (payload ?? {}) as {
    issue?: { number?: unknown }
    pull_request?: { number?: unknown }
    repository?: { default_branch?: unknown }
  }
  let link: number | null = null
  if (eventName === 'issue_comment' || eventName === 'issues') link = positiveInt(p.issue?.number)
  else if (eventName.startsWith('pull_request')) link = positiveInt(p.pull_request?.number)
  const branch = p.repository?.default_branch
  return { link, defaultBranch: typeof branch === 'string' && branch ? branch : null }
}

/** Reads and parses the payload file; a missing or unreadable file is an empty payload. */
export function readEventPayload(path: string | undefined): unknown {
  if (!path) return {}
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown
  } catch {
    return {}
  }
}
