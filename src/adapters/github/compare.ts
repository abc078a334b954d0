/**
 * GitHub's "Compare two commits" (`GET /repos/{owner}/{repo}/compare/{base}...{head}`), read once per
 * comparison: the status (is `head` at or after `base`), the commits, and the per-file hunks GitHub
 * already computed, so that rendering a session's diff needs no blob read for the files it covers.
 *
 * Limits, from the operation's description in GitHub's OpenAPI document (@octokit/openapi,
 * "Compare two commits"; https://docs.github.com/rest/commits/commits#compare-two-commits):
 * - without `page`/`per_page` the commit list holds at most 250 commits and "the last commit in the
 *   list is the most recent of the entire comparison";
 * - the `files` list "includes up to 300 changed files for the entire comparison", and nothing in the
 *   answer says when it was cut (docs/platform-facts.md#trees-compare-and-commit-limits), so a path missing from it means
 *   "not covered", never "unchanged": the changed paths always come from tree reads;
 * - "Diffs with binary data will have no `patch` property"; files renamed or copied are reported once
 *   with `previous_filename` (Gittrix, where a rename is a deletion plus an addition, reads both names
 *   as changed paths: compare-diff.ts).
 */
import type { Octokit } from '@octokit/rest'
import type { HostTextPatch, TreeChange } from '../../core/types.ts'
import { isNotFound } from './request-errors.ts'
import { type RepoCoordinates, unavailable } from './trees.ts'

/** The id of the empty blob (SHA-1): an empty file. */
const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'

/** One changed file as the compare API reports it (the fields Gittrix reads). */
export interface ComparedFile {
  filename: string
  status: string
  /** The file's blob at `head` (GitHub's `sha`); `null` or unreliable for removed files. */
  sha: string | null
  changes: number
  patch?: string
  /** The name before a rename or copy (GitHub's `previous_filename`). */
  previousFilename?: string
}

/** One commit of a comparison (oldest first). */
export interface ComparedCommit {
  sha: string
  parents: string[]
  message: string
  tree: string
}

/** What {@link compareCommits} reads. */
export interface Comparison {
  /** `identical`, `ahead` (head descends from base), `behind` or `diverged`. */
  status: string
  mergeBase: string
  aheadBy: number
  /** At most 250, the newest last (only the oldest with `oldestOnly`). */
  commits: ComparedCommit[]
  /** At most 300. */
  files: ComparedFile[]
}

/**
 * One comparison of `base...head` (commit ids or branch names), or `null` when either does not exist
 * (404). `oldestOnly`: list only the oldest commit (`per_page=1`, page 1, which still carries `files`),
 * for callers that need no commit but the answer's size should not grow with the commits. A 5xx or
 * rate limit that outlasts the client's retries is `ADAPTER_UNAVAILABLE`.
 */
export async function compareCommits(
  octokit: Octokit,
  coords: RepoCoordinates,
  base: string,
  head: string,
  options: { oldestOnly?: boolean } = {},
): Promise<Comparison | null> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      ...coords,
      basehead: `${base}...${head}`,
      ...(options.oldestOnly ? { per_page: 1, page: 1 } : {}),
    })
    return {
      status: data.status,
      mergeBase: data.merge_base_commit.sha,
      aheadBy: data.ahead_by,
      commits: data.commits.map((c) => ({
        sha: c.sha,
        parents: c.parents.map((p) => p.sha),
        message: c.commit.message,
        tree: c.commit.tree.sha,
      })),
      files: (data.files ?? []).map((f) => ({
        filename: f.filename,
        status: f.status,
        sha: f.sha ?? null,
        changes: f.changes,
        ...(f.patch !== undefined ? { patch: f.patch } : {}),
        ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}),
      })),
    }
  } catch (error) {
    if (isNotFound(error)) return null
    throw unavailable(error, `comparing ${base} with ${head}`, coords)
  }
}

/**
 * The hunks of `files` for those of `changes` they describe exactly: same path, the same kind of
 * change (`added`, `removed`, `modified`/`changed`; never `renamed` or `copied`), the same new blob,
 * and a patch — or, without one, no changed lines (binary content, or an empty file, or a mode
 * change). Changes between a file and a symlink, and files GitHub left out, are not returned.
 * `files` must come from a comparison of exactly the baseline and the snapshot's commit.
 */
export function hostPatches(
  files: readonly ComparedFile[],
  changes: readonly TreeChange[],
): Map<string, HostTextPatch> {
  const byName = new Map(files.map((f) => [f.filename, f]))
  const out = new Map<string, HostTextPatch>()
  for (const change of changes) {
    const entry = byName.get(change.path)
    if (!entry) continue
    const symlinks = [change.oldMode, change.newMode].filter((m) => m !== null).map((m) => m === '120000')
    if (symlinks.length === 2 && symlinks[0] !== symlinks[1]) continue
    const kind =
      change.status === 'added'
        ? ['added']
        : change.status === 'deleted'
          ? ['removed']
          : ['modified', 'changed']
    if (!kind.includes(entry.status)) continue
    if (change.newOid !== null && entry.sha !== change.newOid) continue
    if (change.oldOid !== null && change.oldOid === change.newOid) {
      out.set(change.path, { hunks: '', binary: false })
      continue
    }
    if (entry.patch !== undefined && entry.patch !== '') {
      out.set(change.path, {
        hunks: entry.patch.endsWith('\n') ? entry.patch : `${entry.patch}\n`,
        binary: false,
      })
      continue
    }
    if (entry.changes !== 0) continue // text GitHub did not give the hunks of (too large): read it
    const empty = (oid: string | null) => oid === null || oid === EMPTY_BLOB
    out.set(change.path, { hunks: '', binary: !(empty(change.oldOid) && empty(change.newOid)) })
  }
  return out
}
