/**
 * The checks a session bundle's commits must pass before `mode: publish` pushes anything, shared by the
 * branch (publish.ts) and Cloudflare Artifacts (publish-artifacts.ts) paths: one session line on top of
 * the baseline, no gitlinks, no blob over GitHub's file limit, and the count of the agent's own commits.
 * Every refusal is {@link refuse}'s `INVALID_ARGUMENT`, and nothing has been pushed when it is thrown.
 */
import { GittrixError } from '../../src/core/errors.ts'
import type { GitRepo } from '../../src/git/repo.ts'
import { MAX_FILE_BYTES } from './snapshot.ts'

/**
 * The commits of `baseline..head`, oldest first, after checking that they form one session: the oldest
 * has the baseline as its only parent, every other has only parents among them.
 */
export async function sessionCommits(repo: GitRepo, baselineSha: string, headSha: string): Promise<string[]> {
  const lines = (await repo.text(['rev-list', '--reverse', '--parents', `${baselineSha}..${headSha}`]))
    .split('\n')
    .filter(Boolean)
  if (lines.length === 0) refuse('its head adds no commit to the baseline')
  const seen = new Set<string>()
  lines.forEach((line, i) => {
    const [sha, ...parents] = line.split(' ')
    const ok =
      i === 0 ? parents.length === 1 && parents[0] === baselineSha : parents.every((p) => seen.has(p))
    if (!ok) refuse(`commit ${sha!.slice(0, 12)} does not descend from the start commit alone`)
    seen.add(sha!)
  })
  return lines.map((line) => line.slice(0, 40))
}

/**
 * No commit of `base..head` adds or changes a gitlink; no blob they add exceeds {@link MAX_FILE_BYTES}.
 * Refuses (`INVALID_ARGUMENT`) otherwise.
 */
export async function checkContent(repo: GitRepo, baselineSha: string, headSha: string): Promise<void> {
  const raw = await repo.text([
    'log',
    '--format=',
    '--raw',
    '--no-renames',
    '-r',
    `${baselineSha}..${headSha}`,
  ])
  for (const line of raw.split('\n')) {
    const fields = line.split(' ')
    if (line.startsWith(':') && fields[1] === '160000')
      refuse(
        `it adds a gitlink (${line.slice(line.indexOf('\t') + 1)}): a pointer to a repository nobody can fetch`,
      )
  }
  const objects = (
    await repo.text(['rev-list', '--objects', '--no-object-names', `${baselineSha}..${headSha}`])
  )
    .split('\n')
    .filter(Boolean)
  if (objects.length === 0) return
  const { stdout } = await repo.run(['cat-file', '--batch-check=%(objecttype) %(objectsize) %(objectname)'], {
    input: `${objects.join('\n')}\n`,
  })
  for (const line of stdout.toString('utf8').split('\n')) {
    const [type, size, oid] = line.split(' ')
    if (type === 'blob' && Number(size) > MAX_FILE_BYTES)
      refuse(`blob ${oid?.slice(0, 12)} has ${size} bytes, over GitHub's 100 MiB file limit`)
  }
}

/** Throws the `INVALID_ARGUMENT` error of a refused bundle, saying `why` and that nothing was pushed. */
export function refuse(why: string): never {
  throw new GittrixError('INVALID_ARGUMENT', `The session bundle was refused: ${why}. Nothing was pushed.`)
}

/** How many of `commits` (ids in `repo`) are the agent's own, not Gittrix's `gittrix: snapshot` commits. */
export async function countAgentCommits(repo: GitRepo, commits: readonly string[]): Promise<number> {
  const subjects = await Promise.all(commits.map((sha) => repo.text(['log', '-1', '--format=%s', sha])))
  return subjects.filter((subject) => !subject.startsWith('gittrix: snapshot ')).length
}
