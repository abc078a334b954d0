/**
 * A wide, deep repository built in seconds with git plumbing (`git fast-import` naming shared blobs)
 * instead of one blob per file: `src/mMM/dDD/fN.txt`, `modules × dirs × files` files, each directory's
 * file names unique (so every directory tree has its own id, as in a real repository) and the contents
 * drawn from `files` shared blobs. For scale tests and `npm run bench` of the GitHub adapters.
 */
import type { GitDataApi } from './git-data-api.ts'

/** Shape of {@link commitWideRepo}'s tree. */
export interface WideRepoShape {
  /** Directories `src/mMM` (default 100). */
  modules?: number
  /** Directories `src/mMM/dDD` per module (default 100). */
  dirs?: number
  /** Files per `src/mMM/dDD` directory (default 20). */
  files?: number
}

/** `src/mMM/dDD`: the directory of module `m`, directory `d`. */
export function wideDir(m: number, d: number): string {
  return `src/m${String(m).padStart(2, '0')}/d${String(d).padStart(2, '0')}`
}

/**
 * Commits a wide tree (plus `README.md`) on `branch` of the stand-in's repository as a root commit and
 * returns the commit id. 100 × 100 × 20 = 200,000 files by default. One `git fast-import` whose file
 * lines name already stored blobs (no content streamed), so the cost is the trees alone.
 */
export function commitWideRepo(api: GitDataApi, branch: string, shape: WideRepoShape = {}): string {
  const modules = shape.modules ?? 100
  const dirs = shape.dirs ?? 100
  const files = shape.files ?? 20
  const blobs = Array.from({ length: files }, (_, i) =>
    api.git(['hash-object', '-w', '--stdin'], `content ${i}\n`),
  )
  const readme = api.git(['hash-object', '-w', '--stdin'], '# wide\n')
  const lines = [
    `commit refs/heads/${branch}`,
    'committer Seed <seed@example.com> 1767225600 +0000',
    'data 5',
    'seed',
    '',
  ]
  lines.push(`M 100644 ${readme} README.md`)
  for (let m = 0; m < modules; m++)
    for (let d = 0; d < dirs; d++)
      for (let i = 0; i < files; i++)
        lines.push(`M 100644 ${blobs[i]} ${wideDir(m, d)}/f${(m * dirs + d) * files + i}.txt`)
  lines.push('', 'done', '')
  api.gitBytes(['fast-import', '--quiet', '--done', '--force'], lines.join('\n'))
  return api.head(branch)!
}
