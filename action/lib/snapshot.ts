/**
 * The tree of a work tree an agent left, as `git add -A` would record it, built without running any of
 * the agent's code and without losing its work to one path git cannot take.
 *
 * - Every command runs sealed through a PRIVATE git directory (src/git/sealed.ts, `GitRepo.initPrivate`)
 *   whose configuration Gittrix wrote, with its own index file, reading and writing the workspace's
 *   object store: the workspace's `.git/config` (filters, fsmonitor, hooks, includes), `info/attributes`
 *   and `info/exclude` are never read. `.gitignore` files in the work tree still apply.
 * - `add --ignore-errors` adds everything it can; what it could not add (paths git refuses such as
 *   `.GIT/x` or `a/.git/b` with another case, files that vanished or cannot be read) is found afterwards
 *   by comparing the work tree with the index, and reported as skipped, never fatal.
 * - A nested repository (a directory holding its own `.git`) would be recorded as a gitlink, a pointer
 *   to a commit nobody else has, or refused when it has no commit. Its files are captured instead, as
 *   plain files of the session (recursively, with that repository's own `.gitignore`), and reported.
 * - Blobs over {@link MAX_FILE_BYTES} are left out (the path keeps its previous version) and reported:
 *   GitHub refuses a push holding one, which would lose everything else.
 *
 * Sources: git-add(1) `--ignore-errors`; gitrepository-layout(5) (gitlinks); GitHub's file size limit
 * (https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github:
 * "GitHub blocks files larger than 100 MiB").
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GitRepo } from '../../src/git/repo.ts'
import { EMPTY_TREE_SHA1, GitRepo as Repo, parseRawDiff } from '../../src/git/repo.ts'
import { splitNul } from '../../src/git/run-git.ts'

/** The largest file a session may hold, bytes: GitHub refuses pushes with a larger blob (100 MiB). */
export const MAX_FILE_BYTES = 100 * 1024 * 1024

/** How deep nested repositories are followed before their content is reported as skipped. */
const MAX_NESTING = 8

/** A path of the work tree the snapshot does not hold, and why. */
export interface SkippedPath {
  path: string
  reason: 'invalid-path' | 'too-large' | 'too-deep'
}

/** What {@link snapshotWorkTree} made. */
export interface WorkTreeSnapshot {
  /** The tree id (its objects are in the workspace's object store). */
  tree: string
  /** Paths left out (see {@link SkippedPath}), in git's order. */
  skipped: SkippedPath[]
  /** Nested repositories whose files were captured as plain files (their directories). */
  flattened: string[]
  /** The private index holding `tree` with fresh stat data (valid until `dispose`). */
  index: string
  /** Removes the temporary files. */
  dispose(): Promise<void>
}

/**
 * Snapshots the work tree `workTree` on top of commit (or tree) `base`, writing objects to
 * `objectsDir` (see the module comment). Never runs configured programs; throws `GIT_FAILED` only
 * when git itself fails (not for paths it cannot take).
 */
export async function snapshotWorkTree(options: {
  workTree: string
  objectsDir: string
  base: string
}): Promise<WorkTreeSnapshot> {
  const dir = await mkdtemp(join(tmpdir(), 'gittrix-snapshot-'))
  const dispose = () => rm(dir, { recursive: true, force: true })
  try {
    const priv = await Repo.initPrivate(join(dir, 'private.git'), { objectDir: options.objectsDir })
    const result = { skipped: [] as SkippedPath[], flattened: [] as string[], counter: 0 }
    const index = join(dir, 'index')
    const tree = await snapshotDir(priv, dir, options.workTree, options.base, '', index, 0, result)
    return { tree, skipped: result.skipped, flattened: result.flattened, index, dispose }
  } catch (error) {
    await dispose()
    throw error
  }
}

async function snapshotDir(
  priv: GitRepo,
  scratch: string,
  workTree: string,
  base: string | null,
  prefix: string,
  index: string,
  depth: number,
  out: { skipped: SkippedPath[]; flattened: string[]; counter: number },
): Promise<string> {
  const repo = priv.with({ workTree, indexFile: index })
  const literal = { env: { GIT_LITERAL_PATHSPECS: '1' } }
  await repo.run(base ? ['read-tree', base] : ['read-tree', '--empty'])
  await repo.run(['add', '-A', '--ignore-errors', '--', '.'], { ...literal, okExitCodes: [1] })
  // What add could not take: untracked leftovers (a trailing "/" marks a nested repository) and files
  // whose work-tree content still differs from the index.
  const others = splitNul((await repo.run(['ls-files', '-z', '--others', '--exclude-standard'])).stdout)
  const unstaged = splitNul((await repo.run(['diff-files', '-z', '--name-only'])).stdout)
  const nested: string[] = []
  for (const path of others) {
    if (path.endsWith('/')) nested.push(path.slice(0, -1))
    else out.skipped.push({ path: prefix + path, reason: 'invalid-path' })
  }
  for (const path of unstaged) out.skipped.push({ path: prefix + path, reason: 'invalid-path' })

  const { changes } = parseRawDiff(
    splitNul(
      (
        await repo.run([
          'diff-index',
          '--cached',
          '-r',
          '-z',
          '--no-renames',
          '--raw',
          base ?? EMPTY_TREE_SHA1,
        ])
      ).stdout,
    ),
  )
  const blobs = changes.filter((c) => c.newOid && c.newMode !== '160000')
  const sizes = await blobSizes(
    repo,
    blobs.map((c) => c.newOid!),
  )
  const restore: string[] = []
  const zero = '0'.repeat(40)
  for (const change of blobs) {
    if ((sizes.get(change.newOid!) ?? 0) <= MAX_FILE_BYTES) continue
    out.skipped.push({ path: prefix + change.path, reason: 'too-large' })
    restore.push(
      change.oldOid && change.oldMode
        ? `${change.oldMode} ${change.oldOid}\t${change.path}\0`
        : `0 ${zero}\t${change.path}\0`,
    )
  }
  for (const change of changes) {
    if (change.newMode !== '160000') continue
    // A gitlink the agent added or moved: a nested repository with commits.
    nested.push(change.path)
    restore.push(`0 ${zero}\t${change.path}\0`)
  }
  if (restore.length) await repo.run(['update-index', '-z', '--index-info'], { input: restore.join('') })

  for (const path of nested) {
    if (depth >= MAX_NESTING) {
      out.skipped.push({ path: `${prefix + path}/`, reason: 'too-deep' })
      continue
    }
    out.flattened.push(prefix + path)
    const inner = join(scratch, `index-${++out.counter}`)
    const subtree = await snapshotDir(
      priv,
      scratch,
      join(workTree, path),
      null,
      `${prefix}${path}/`,
      inner,
      depth + 1,
      out,
    )
    if (subtree !== EMPTY_TREE_SHA1) await repo.run(['read-tree', `--prefix=${path}/`, subtree])
  }
  return repo.text(['write-tree'])
}

/** Sizes in bytes of the objects `oids`, from one `cat-file --batch-check`. */
async function blobSizes(repo: GitRepo, oids: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  const unique = [...new Set(oids)]
  if (unique.length === 0) return sizes
  const { stdout } = await repo.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], {
    input: `${unique.join('\n')}\n`,
  })
  for (const line of stdout.toString('utf8').split('\n')) {
    const [oid, size] = line.split(' ')
    if (oid && size && /^\d+$/.test(size)) sizes.set(oid, Number(size))
  }
  return sizes
}
