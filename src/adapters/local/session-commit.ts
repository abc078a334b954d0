/**
 * Which commits belong to a local workspace's session: the one check every history, pin and fork
 * argument passes before git reads anything at it.
 */
import type { WorkspaceHandle } from '../../core/adapters.ts'
import { InvalidArgumentError } from '../../core/errors.ts'
import type { GitRepo } from '../../git/repo.ts'

/**
 * Where a restore keeps the head it moved away from, in the workspace's own repository:
 * `refs/gittrix/restored/` — or `refs/worktree/gittrix/restored/` in a `worktree` workspace, whose
 * other refs are the durable repository's (per-worktree refs, git-worktree(1) "REFS").
 */
export function restoredRefs(handle: WorkspaceHandle): string {
  return handle.ephemeralRef.startsWith('local-worktree:')
    ? 'refs/worktree/gittrix/restored/'
    : 'refs/gittrix/restored/'
}

/**
 * The commit whose id is `at` (hex, full or abbreviated), read as an object id only: never as a ref
 * name, which git would prefer (a tag the agent names after the reviewed id's first digits would
 * otherwise stand in for it). An abbreviation that more than one commit shares, or none, is `null`.
 */
async function commitById(repo: GitRepo, at: string): Promise<string | null> {
  if (/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(at)) return repo.resolve(`${at}^{commit}`)
  const { stdout } = await repo.run(['rev-parse', `--disambiguate=${at}`], { okExitCodes: [1, 128] })
  const commits: string[] = []
  for (const oid of stdout.toString('utf8').split('\n').filter(Boolean))
    if ((await repo.resolve(`${oid}^{commit}`)) === oid) commits.push(oid)
  return commits.length === 1 ? commits[0]! : null
}

/**
 * Resolves `at` (default `HEAD`) in a workspace to a full commit id of the session: on the history of
 * its `HEAD` (or, with `restored`, of a head a restore moved away from, {@link restoredRefs}) and at
 * or after its baseline. `at` must be hex (4 to 64 digits): no ref names, no revision syntax. Throws
 * `INVALID_ARGUMENT` otherwise (nothing else happens).
 */
export async function sessionCommit(
  repo: GitRepo,
  source: WorkspaceHandle,
  at: string | undefined,
  options: { restored?: boolean } = {},
): Promise<string> {
  if (at !== undefined && (typeof at !== 'string' || !/^[0-9a-f]{4,64}$/.test(at))) {
    throw new InvalidArgumentError(
      `${JSON.stringify(at)} is not a commit id: give a commit id of session ${source.sessionId} (see gittrix log).`,
    )
  }
  const sha = at === undefined ? await repo.resolve('HEAD^{commit}') : await commitById(repo, at)
  const isAncestor = async (ancestor: string, commit: string) =>
    (await repo.run(['merge-base', '--is-ancestor', ancestor, commit], { okExitCodes: [1, 128] }))
      .exitCode === 0
  const onHistory = async (commit: string) => {
    if (await isAncestor(commit, 'HEAD')) return true
    if (!options.restored) return false
    const { stdout } = await repo.run([
      'for-each-ref',
      '--format=%(refname)',
      '--contains',
      commit,
      restoredRefs(source),
    ])
    return stdout.toString('utf8').trim() !== ''
  }
  if (!sha || !(await isAncestor(source.baselineSha, sha)) || !(await onHistory(sha))) {
    throw new InvalidArgumentError(
      `${at ?? 'HEAD'} is not a commit of session ${source.sessionId} (or an abbreviation more than one commit shares): give one on its workspace's history (gittrix log) at or after the baseline ${source.baselineSha.slice(0, 12)}.`,
    )
  }
  return sha
}
