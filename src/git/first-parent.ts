/**
 * A branch's first-parent history read with git plumbing: `rev-list --first-parent` for the chain,
 * then the commit objects in batches (`cat-file --batch`) for their exact parents and messages (the
 * parents come from the object: with `--first-parent`, `rev-list --parents` would show the first only).
 */
import type { GitRepo } from './repo.ts'

/** One commit of a first-parent walk: id, parents (first parent first), the exact message (UTF-8). */
export interface ChainCommit {
  sha: string
  parents: string[]
  message: string
}

/** Commits whose objects are read per `cat-file --batch` call. */
const BATCH = 200

/**
 * The first-parent chain from `head` (a commit id), newest first. With `stopAt` (a commit id), the
 * walk ends with that commit when the chain reaches it, and never goes below it; a `stopAt` the
 * repository does not have yields nothing (no chain can reach it).
 */
export async function* firstParentChain(
  repo: GitRepo,
  head: string,
  stopAt: string | null,
): AsyncGenerator<ChainCommit> {
  const args = ['rev-list', '--first-parent', head]
  if (stopAt !== null) {
    const stop = await repo.resolve(`${stopAt}^{commit}`)
    if (!stop) return
    // Everything reachable from the stop commit's parents is below it; the stop commit itself is listed.
    args.push('--not', `${stop}^@`)
  }
  const listing = (await repo.text([...args, '--'])).split('\n').filter(Boolean)
  for (let from = 0; from < listing.length; from += BATCH) {
    const chunk = listing.slice(from, from + BATCH)
    const objects = await repo.readObjects(chunk)
    for (const sha of chunk) {
      const raw = objects.get(sha)
      if (!raw) return
      const split = raw.indexOf('\n\n')
      const header = raw
        .subarray(0, split < 0 ? raw.length : split)
        .toString('utf8')
        .split('\n')
      const parents = header.filter((line) => line.startsWith('parent ')).map((line) => line.slice(7))
      yield { sha, parents, message: split < 0 ? '' : raw.subarray(split + 2).toString('utf8') }
    }
  }
}
