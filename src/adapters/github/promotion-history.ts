/**
 * What the promotion matcher (src/core/promotion-identity.ts) needs from GitHub: a branch's
 * first-parent history, and who wrote a commit.
 *
 * Who wrote a commit, as GitHub reports it on `GET /repos/{o}/{r}/commits/{ref}`
 * (https://docs.github.com/en/rest/commits/commits#get-a-commit):
 * - `author.login` is the GitHub account GitHub links to the commit's author email. A commit created
 *   through the Git Data API without `author` is authored by "the authenticated user"
 *   (https://docs.github.com/en/rest/git/commits#create-a-commit: "By default, the author will be the
 *   authenticated user and the current date", and the committer "will use the information set in
 *   author"): for an App's installation token, its bot `<slug>[bot]`.
 * - The email link alone proves nothing: anyone can push a commit naming the bot's noreply address.
 *   What they cannot make is GitHub's signature: "If a commit or tag has a bot signature that is
 *   cryptographically verifiable, GitHub marks the commit or tag as verified. Signature verification
 *   for bots will only work if the request is verified and authenticated as the GitHub App or bot and
 *   contains no custom author information, custom committer information, and no custom signature
 *   information, such as Commits API."
 *   (https://docs.github.com/en/authentication/managing-commit-signature-verification/about-commit-signature-verification#signature-verification-for-bots).
 *   So an App's promotion carries `commit.verification.verified: true` with `reason: "valid"`, and a
 *   commit pushed under its name, or created with an explicit author, does not.
 * - Author and committer are the same identity (the committer defaults to the author); a commit that
 *   GitHub re-wrote on someone's behalf (a rebase merge: committer `GitHub`) is not the App's.
 * - Commits created through the API with a person's token are authored by that person and are not
 *   signed by GitHub (the signature section covers bots only; e.g.
 *   https://github.com/release-plz/release-plz/issues/1487): for such a token only the login is
 *   checked, which is weaker (a push can name that person's email) and said so in docs/library.md#github-gittrixgithub.
 */
import type { Octokit } from '@octokit/rest'
import { GittrixError } from '../../core/errors.ts'
import type { HistoryCommit, PromotionHistory } from '../../core/promotion-identity.ts'
import { isNotFound } from './request-errors.ts'
import type { RepoCoordinates } from './trees.ts'

/** Who writes the promotion commits of a {@link GitHubDurableAdapter}, as GitHub reports a commit's author. */
export interface PromotionAuthor {
  /** GitHub login: `<app-slug>[bot]` for an App's installation token, the user's login for a personal token. */
  login: string
  /**
   * Require GitHub's signature verification (`verification.verified` with reason `valid`). True for a
   * GitHub App (GitHub signs what an App creates through the API); false for a person's token
   * (GitHub does not sign those).
   */
  verified: boolean
}

/** First-parent history reads stop after this many pages of 100 commits (`GET /commits`). */
export const HISTORY_PAGES = 10

/**
 * The promotion author of a token that did not say: `GET /user` for a person's token (login, no
 * signature required). An installation token has no user (GitHub answers 403): then this throws
 * `CAPABILITY_MISSING` saying to pass `promotionAuthor`.
 */
export async function authenticatedAuthor(octokit: Octokit): Promise<PromotionAuthor> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated()
    return { login: data.login, verified: false }
  } catch (error) {
    throw new GittrixError(
      'CAPABILITY_MISSING',
      'GitHubDurableAdapter cannot tell who writes its promotion commits with this token (an App installation ' +
        "token has no user). Pass promotionAuthor: { login: '<app-slug>[bot]', verified: true } " +
        "(for a workflow's GITHUB_TOKEN: 'github-actions[bot]').",
      { cause: error },
    )
  }
}

/**
 * A {@link PromotionHistory} of one repository: first-parent walks over `GET /repos/{o}/{r}/commits`
 * (pages of 100, at most {@link HISTORY_PAGES}; each commit's first parent is followed through what
 * the pages returned, whatever their order), and authorship through `GET /repos/{o}/{r}/commits/{sha}`
 * (one request per candidate commit; see the module comment).
 */
export function gitHubPromotionHistory(
  octokit: Octokit,
  coords: RepoCoordinates,
  author: () => Promise<PromotionAuthor>,
): PromotionHistory {
  return {
    firstParent: (branch, stopAt) => firstParentChain(octokit, coords, branch, stopAt),
    authored: async (commit) => isWrittenBy(octokit, coords, commit.sha, await author()),
  }
}

async function* firstParentChain(
  octokit: Octokit,
  coords: RepoCoordinates,
  branch: string,
  stopAt: string | null,
): AsyncGenerator<HistoryCommit> {
  const seen = new Map<string, HistoryCommit>()
  let page = 0
  let exhausted = false
  let cursor: string | undefined
  const more = async (): Promise<boolean> => {
    if (exhausted || page >= HISTORY_PAGES) return false
    page++
    let commits: Array<{
      sha: string
      parents: Array<{ sha: string }>
      commit: { message: string; committer?: { date?: string } | null }
    }>
    try {
      ;({ data: commits } = await octokit.rest.repos.listCommits({
        ...coords,
        sha: branch,
        per_page: 100,
        page,
      }))
    } catch (error) {
      if (isNotFound(error)) {
        exhausted = true
        return false
      }
      throw error
    }
    for (const c of commits) {
      const date = c.commit.committer?.date
      const parents = c.parents.map((p) => p.sha)
      seen.set(c.sha, { sha: c.sha, parents, message: c.commit.message, ...(date ? { date } : {}) })
    }
    cursor ??= commits[0]?.sha
    if (commits.length < 100) exhausted = true
    return commits.length > 0
  }
  await more()
  while (cursor) {
    while (!seen.has(cursor)) if (!(await more())) return
    const commit = seen.get(cursor)!
    yield commit
    if (commit.sha === stopAt) return
    cursor = commit.parents[0]
  }
}

/**
 * True when GitHub reports commit `sha` (a full commit id) as written by `expected` (see the module
 * comment): `author.login` is `expected.login` (a `Bot` account for a `[bot]` login), author and
 * committer are one identity, and — when `expected.verified` — GitHub verified its signature (reason
 * `valid`). One request: `GET /repos/{o}/{r}/commits/{sha}`. Used for promotion commits and for the
 * GitHub App's claim commits (app/claim.ts). Throws what Octokit throws (e.g. 422 for an unknown sha).
 */
export async function isWrittenBy(
  octokit: Octokit,
  coords: RepoCoordinates,
  sha: string,
  expected: PromotionAuthor,
): Promise<boolean> {
  // per_page only pages the file list, which is not needed here.
  const { data } = await octokit.rest.repos.getCommit({ ...coords, ref: sha, per_page: 1 })
  const account = data.author && 'login' in data.author ? data.author : null
  if (!account || account.login.toLowerCase() !== expected.login.toLowerCase()) return false
  // `[` and `]` cannot appear in a person's login: a `[bot]` login is an App's bot account.
  if (expected.login.endsWith('[bot]') && account.type !== 'Bot') return false
  const { author, committer, verification } = data.commit
  if (!author || !committer || author.name !== committer.name || author.email !== committer.email)
    return false
  if (!expected.verified) return true
  return verification?.verified === true && verification.reason === 'valid'
}
