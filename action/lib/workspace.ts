/**
 * The Action's workspace: the repository the workflow checked out (usually `GITHUB_WORKSPACE`), where
 * the agent works on the session branch. This module locates its git directories, keeps the session
 * record beside them, and installs (and removes) the pre-push guard.
 *
 * Every git command Gittrix runs on the workspace is sealed (src/git/sealed.ts): an agent (or, on a
 * self-hosted runner, an earlier job's agent) may have edited the repository's configuration, and
 * `core.fsmonitor`, hooks or a `$GITHUB_PATH` git would otherwise run its code inside Gittrix's own
 * commands. Commands that read the work tree go through a private git directory (snapshot.ts,
 * {@link dirtyPaths}). No token is in the environment of these commands (see src/git/network.ts).
 */
import {
  lstat,
  mkdir,
  readFile,
  readdir,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { z } from 'zod'
import { GittrixError } from '../../src/core/errors.ts'
import { EMPTY_TREE_SHA1, GitRepo } from '../../src/git/repo.ts'
import { gitText, splitNul } from '../../src/git/run-git.ts'
import { checkpointWritePaths, symlinksOnPaths } from '../../src/git/written-paths.ts'
import { sessionBranch } from '../../src/github/branches.ts'
import { ARTIFACTS_NAME_PATTERN } from '../../src/github/ephemeral-location.ts'
import { sha1Schema } from '../../src/github/commit-sha.ts'
import { sessionIdSchema } from '../../src/github/session-id.ts'
import { snapshotWorkTree } from './snapshot.ts'

/** A located workspace. */
export interface Workspace {
  /** The work tree's top directory. */
  root: string
  /** This work tree's git directory (`.git`, or a linked worktree's). */
  gitDir: string
  /** The object store, shared by all worktrees (what a push reads from). */
  objectsDir: string
  /** Runs sealed git on the workspace's refs and objects (work-tree commands: see snapshot.ts). */
  repo: GitRepo
}

/** Locates the git repository containing `dir`. Throws `INVALID_ARGUMENT` when there is none. */
export async function openWorkspace(dir: string): Promise<Workspace> {
  let lines: string[]
  try {
    lines = (
      await gitText(['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-path', 'objects'], {
        cwd: dir,
        sealed: true,
      })
    ).split('\n')
  } catch (error) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `${dir} is not inside a git work tree; check out the repository (actions/checkout) before this step.`,
      { cause: error },
    )
  }
  const [root, gitDir, objects] = lines as [string, string, string]
  const objectsDir = isAbsolute(objects) ? objects : resolve(dir, objects)
  return { root, gitDir, objectsDir, repo: new GitRepo({ gitDir, sealed: true }) }
}

/**
 * Where an Artifacts session's work lives: repository `repo` of Artifacts namespace `namespace`, whose
 * branch `main` starts at `rootSha` (the orphan commit carrying the baseline's tree). The workspace's
 * local session branch descends from `rootSha`, not from the GitHub start commit.
 */
export const artifactsRecordSchema = z
  .object({
    kind: z.literal('artifacts'),
    namespace: z.string().regex(ARTIFACTS_NAME_PATTERN),
    repo: z.string().regex(ARTIFACTS_NAME_PATTERN),
    rootSha: sha1Schema,
  })
  .strict()

/** An Artifacts session's location (see {@link artifactsRecordSchema}). */
export type ArtifactsRecord = z.infer<typeof artifactsRecordSchema>

/**
 * What the Action remembers about the session of a workspace, in `<git dir>/gittrix/session.json`.
 * `ephemeral` is absent for branch sessions (records written before Artifacts sessions existed read
 * the same). The agent can edit this file, so `branch` must be the session id's own branch.
 */
export const sessionRecordSchema = z
  .object({
    version: z.literal(1),
    sessionId: sessionIdSchema,
    branch: z.string(),
    durableBranch: z.string(),
    baselineSha: sha1Schema,
    /** The start commit on GitHub's session branch. */
    startSha: sha1Schema,
    task: z.string(),
    /** Set for an Artifacts session; absent for a branch session. */
    ephemeral: artifactsRecordSchema.optional(),
    /** Set once the session was snapshotted and pushed. `headSha` is the session's head (for Artifacts: there). */
    finished: z.object({ headSha: sha1Schema }).nullable(),
    /** The workflow run and attempt that started it (`<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>`), when known. */
    run: z.string().max(64).nullable().optional(),
    /**
     * `two-jobs`: nothing was pushed at start, finish writes a bundle for `mode: publish`; `same-job`:
     * start pushed the start commit and finish pushes the session. Absent in older records: `same-job`.
     */
    topology: z.enum(['two-jobs', 'same-job']).optional(),
  })
  .strict()
  .refine((record) => record.branch === sessionBranch(record.sessionId), {
    message: 'branch is not the session branch of sessionId',
    path: ['branch'],
  })

/** The commit a session's workspace lineage starts from: the Artifacts root, else the start commit. */
export function lineageRoot(record: WorkspaceSessionRecord): string {
  return record.ephemeral?.rootSha ?? record.startSha
}

/** The session record of a workspace (see {@link sessionRecordSchema}). */
export type WorkspaceSessionRecord = z.infer<typeof sessionRecordSchema>

function recordPath(ws: Workspace): string {
  return join(ws.gitDir, 'gittrix', 'session.json')
}

/** The workspace's session record, or `null` when no session was started in it. Throws on a corrupt record. */
export async function readSessionRecord(ws: Workspace): Promise<WorkspaceSessionRecord | null> {
  const file = recordPath(ws)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return null
  }
  const parsed = sessionRecordSchema.safeParse(JSON.parse(text))
  if (!parsed.success) {
    throw new GittrixError(
      'METADATA_INVALID',
      `${file} is not a Gittrix session record: ${parsed.error.message}`,
    )
  }
  return parsed.data
}

/** Writes the session record atomically (temporary file + rename). */
export async function writeSessionRecord(ws: Workspace, record: WorkspaceSessionRecord): Promise<void> {
  const file = recordPath(ws)
  await mkdir(join(ws.gitDir, 'gittrix'), { recursive: true })
  await writeFile(`${file}.tmp`, `${JSON.stringify(sessionRecordSchema.parse(record), null, 2)}\n`)
  await rename(`${file}.tmp`, file)
}

/**
 * Paths of the work tree that differ from `HEAD` (modified, deleted, untracked; ignored files and paths
 * git cannot store excluded), at most `limit` of them. Read through a private git directory, so nothing
 * the repository's configuration names runs.
 */
export async function dirtyPaths(ws: Workspace, limit = 10): Promise<string[]> {
  const head = await ws.repo.resolve('HEAD^{commit}')
  const snapshot = await snapshotWorkTree({
    workTree: ws.root,
    objectsDir: ws.objectsDir,
    base: head ?? EMPTY_TREE_SHA1,
  })
  try {
    const changed = splitNul(
      (
        await ws.repo.run([
          'diff-tree',
          '-r',
          '-z',
          '--name-only',
          '--no-renames',
          head ?? EMPTY_TREE_SHA1,
          snapshot.tree,
        ])
      ).stdout,
    )
    return [
      ...changed,
      ...snapshot.flattened.map((p) => `${p}/`),
      ...snapshot.skipped.map((s) => s.path),
    ].slice(0, limit)
  } finally {
    await snapshot.dispose()
  }
}

/**
 * Where a workspace may push: branch `ref` (e.g. `refs/heads/gittrix/<id>`), and when `url` is set,
 * only to that repository URL (an Artifacts session pushes only to `main` of its session repository).
 */
export interface PushTarget {
  ref: string
  url?: string
}

/** The text of the pre-push hook that lets the workspace push only to `target` (a branch name: its ref). */
export function prePushGuard(target: string | PushTarget, chained: string | null): string {
  const { ref: allowed, url } = typeof target === 'string' ? { ref: `refs/heads/${target}` } : target
  const where = url ? `${allowed} of ${url}` : allowed
  const chain = chained ? `printf '%s\\n' "$input" | exec ${shellQuote(chained)} "$@"\n` : 'exit 0\n'
  const refused = url
    ? `[ "$remote_ref" != ${shellQuote(allowed)} ] || [ "$url" != ${shellQuote(url)} ]`
    : `[ "$remote_ref" != ${shellQuote(allowed)} ]`
  return `#!/bin/sh
# ${GUARD_MARK}: this workspace belongs to one session and may push only to ${where}.
# Pushes to any other ref are refused; a human promotes the session's changes after review.
url=$2
input=$(cat)
status=0
while read -r local_ref local_sha remote_ref remote_sha; do
  [ -z "$remote_ref" ] && continue
  if ${refused}; then
    echo "gittrix: refusing to push to $remote_ref of $url: this workspace may push only to ${where}. A human promotes the session's changes after review." >&2
    status=1
  fi
done <<EOF
$input
EOF
[ "$status" -eq 0 ] || exit 1
${chain}`
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/** The workspace's hooks directory: `core.hooksPath` of its own configuration, else `<common git dir>/hooks`. */
async function hooksDir(ws: Workspace): Promise<string> {
  const configured = await ws.repo.run(['config', '--local', '--get', 'core.hooksPath'], { okExitCodes: [1] })
  const value = configured.stdout.toString('utf8').trim()
  if (configured.exitCode === 0 && value) return isAbsolute(value) ? value : resolve(ws.root, value)
  const common = await ws.repo.text(['rev-parse', '--path-format=absolute', '--git-common-dir'])
  return join(common, 'hooks')
}

/** Where the guard goes when the hooks directory lies in the work tree (a tracked `.husky/`). */
function privateHooks(ws: Workspace): string {
  return join(ws.gitDir, 'gittrix', 'hooks')
}

/**
 * Installs the pre-push guard for `target` (a session branch name, or a {@link PushTarget}) in the workspace's hooks directory (honouring
 * `core.hooksPath`). An existing `pre-push` hook keeps working: it is renamed and called after the
 * check. When the hooks directory lies inside the work tree (e.g. a tracked `.husky/`), the guard goes
 * to a private directory under the git directory instead (`core.hooksPath` is pointed there and the
 * other hooks are linked into it), so the session never records the guard as a change.
 * {@link removeSessionSetup} undoes all of it.
 */
export async function installPushGuard(ws: Workspace, target: string | PushTarget): Promise<string> {
  let hooks = await hooksDir(ws)
  const inside = (dir: string) => !relative(dir, hooks).startsWith('..') && !isAbsolute(relative(dir, hooks))
  const inWorkTree = inside(ws.root) && !inside(ws.gitDir)
  if (inWorkTree) {
    const original = hooks
    hooks = privateHooks(ws)
    await mkdir(hooks, { recursive: true })
    for (const name of await readdir(original).catch(() => [] as string[])) {
      if (name === 'pre-push') continue
      await symlink(join(original, name), join(hooks, name)).catch(() => {})
    }
    if (await exists(join(original, 'pre-push'))) {
      await symlink(join(original, 'pre-push'), join(hooks, 'pre-push.gittrix-chained')).catch(() => {})
    }
    await ws.repo.run(['config', 'gittrix.originalHooksPath', original])
    await ws.repo.run(['config', 'core.hooksPath', hooks])
  }
  await mkdir(hooks, { recursive: true })
  const hook = join(hooks, 'pre-push')
  const chained = join(hooks, 'pre-push.gittrix-chained')
  const existing = await readFile(hook, 'utf8').catch(() => null)
  if (existing !== null && !existing.includes(GUARD_MARK)) await rename(hook, chained)
  const hasChained = await exists(chained)
  await writeFile(hook, prePushGuard(target, hasChained ? chained : null), { mode: 0o755 })
  return hook
}

/** The line that marks a pre-push hook as Gittrix's guard. */
const GUARD_MARK = 'Installed by Gittrix'

/**
 * Removes what a session start added to the checkout, so later jobs on a self-hosted runner push and
 * commit as before: the pre-push guard (an earlier `pre-push` hook is put back), the private hooks
 * directory and `core.hooksPath` pointing at it, the session branch's `branch.<name>.*` settings, and the
 * `artifacts` remote. Idempotent; never throws for something already gone.
 */
export async function removeSessionSetup(ws: Workspace, branch: string): Promise<void> {
  const config = (args: string[]) => ws.repo.run(['config', ...args], { okExitCodes: [1, 5, 128] })
  const original = (await config(['--local', '--get', 'gittrix.originalHooksPath'])).stdout
    .toString('utf8')
    .trim()
  const priv = privateHooks(ws)
  if (original) {
    await config(['--local', 'core.hooksPath', original])
    await config(['--local', '--unset', 'gittrix.originalHooksPath'])
    await rm(priv, { recursive: true, force: true })
  }
  const current = (await config(['--local', '--get', 'core.hooksPath'])).stdout.toString('utf8').trim()
  if (current === priv) await config(['--local', '--unset', 'core.hooksPath'])
  const hooks = await hooksDir(ws)
  const hook = join(hooks, 'pre-push')
  const text = await readFile(hook, 'utf8').catch(() => null)
  if (text?.includes(GUARD_MARK)) {
    await rm(hook, { force: true })
    const chained = join(hooks, 'pre-push.gittrix-chained')
    if (await exists(chained)) await rename(chained, hook)
  }
  await config(['--local', '--remove-section', `branch.${branch}`])
  await config(['--local', '--remove-section', 'remote.artifacts'])
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** What the Action itself writes under the git directory, besides git's own checkpoint writes. */
const ACTION_GIT_WRITES = [
  'gittrix/session.json',
  'gittrix/session.json.tmp',
  'gittrix/hooks/pre-push',
  'hooks/pre-push',
  'hooks/pre-push.gittrix-chained',
]

/**
 * Makes the checkout's git directory safe for the writes finish makes after the agent's turn (outside
 * any sandbox the agent ran in): a symlink the agent left on one of those paths
 * (src/git/written-paths.ts, plus the Action's own record and hooks) is removed — the link, never its
 * target — so git and the Action write a fresh file in `.git` instead of the host file it names.
 * Resolves the removed paths (relative to `.git`), for a warning. Throws `WORKSPACE_INVALID` when `.git`
 * itself is no longer the checkout's own directory (a symlink, or a file naming another git directory):
 * nothing was written then.
 */
export async function removePlantedSymlinks(ws: Workspace, branch: string): Promise<string[]> {
  const dotGit = join(ws.root, '.git')
  const entry = await lstat(dotGit).catch(() => null)
  const own =
    entry?.isDirectory() && (await realpath(dotGit).catch(() => null)) === (await realpath(ws.gitDir))
  if (!own)
    throw new GittrixError(
      'WORKSPACE_INVALID',
      `${dotGit} is no longer the checkout's own git directory (a symlink, or a file naming another one): the agent replaced it, and the Action writes nowhere else. Nothing was recorded; the work is still in ${ws.root}.`,
    )
  const links = await symlinksOnPaths(
    ws.gitDir,
    checkpointWritePaths(`refs/heads/${branch}`, ACTION_GIT_WRITES),
  )
  for (const link of links) {
    if (link.split('/').includes('..')) continue
    await unlink(join(ws.gitDir, link))
  }
  return links
}
