/**
 * What every handler gets besides the Probot context: the App's bot login (from `GET /app`, fetched
 * once per process — identity, not session state), a per-process queue so two events for one session
 * on the same replica run one after the other, the App's Cloudflare Artifacts credentials (from its
 * environment), and a way to turn a payload into a {@link RepoContext}.
 */
import type { Octokit } from '@octokit/rest'
import type { ArtifactsSettings } from './artifacts.ts'
import type { RepoContext } from './repo-context.ts'

/** Services shared by the handlers of one loaded App. */
export interface AppServices {
  /** `<slug>[bot]` of this App. */
  botLogin(): Promise<string>
  /** Runs `fn` after every earlier `fn` for the same key on this replica (exactly-once across replicas comes from GitHub). */
  serialize<T>(key: string, fn: () => Promise<T>): Promise<T>
  /** Cloudflare Artifacts credentials for Artifacts sessions, or `null` when not configured. */
  artifacts: ArtifactsSettings | null
}

/** The repository fields every webhook payload the App handles carries. */
export interface PayloadRepository {
  /** GitHub's numeric repository id. */
  id: number
  name: string
  owner: { login: string }
  html_url: string
  default_branch: string
}

/** Builds the {@link RepoContext} of an event. */
export async function repoContext(
  octokit: unknown,
  repository: PayloadRepository,
  services: AppServices,
): Promise<RepoContext> {
  return {
    octokit: octokit as Octokit,
    owner: repository.owner.login,
    repo: repository.name,
    repoId: repository.id,
    webUrl: repository.html_url,
    defaultBranch: repository.default_branch,
    botLogin: await services.botLogin(),
    artifacts: services.artifacts,
  }
}

/** A promise queue per key (session id). */
export function keyedQueue(): AppServices['serialize'] {
  const tails = new Map<string, Promise<unknown>>()
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.catch(() => {})
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return run
  }
}
