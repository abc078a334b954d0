/**
 * The Action's workspace: the repository the workflow checked out (usually `GITHUB_WORKSPACE`), where
 * the agent works on the session branch. This module locates its git directories, keeps the session
 * record beside them, and installs the pre-push guard.
 *
 * Git commands Gittrix runs in the workspace pass {@link SAFE}: the agent may have edited the
 * repository's configuration, and `core.fsmonitor` or hooks would otherwise run its code inside
 * Gittrix's own commands. No token is in the environment of these commands (see remote.ts).
 */
import { mkdir, readFile, rename, symlink, readdir, writeFile, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { z } from 'zod'
import { GittrixError } from '../core/errors.ts'
import { GitRepo } from '../git/repo.ts'
import { gitText } from '../git/run-git.ts'
import { sessionBranch } from '../github/branches.ts'
import { ARTIFACTS_NAME_PATTERN } from '../github/ephemeral-location.ts'
import { sha1Schema } from '../github/hex.ts'
import { sessionIdSchema } from '../github/session-id.ts'
import { AGENT_REPO_SAFETY } from '../git/safe-config.ts'

/** Settings that keep an agent-edited repository from running code inside Gittrix's git commands. */
export const SAFE = AGENT_REPO_SAFETY

/** A located workspace. */
export interface Workspace {
  /** The work tree's top directory. */
  root: string
  /** This work tree's git directory (`.git`, or a linked worktree's). */
  gitDir: string
  /** The object store, shared by all worktrees (what a push reads from). */
  objectsDir: string
  /** Runs git in the work tree with the work tree's own index. */
  repo: GitRepo
}

/** Locates the git repository containing `dir`. Throws `INVALID_ARGUMENT` when there is none. */
export async function openWorkspace(dir: string): Promise<Workspace> {
  let lines: string[]
  try {
    lines = (
      await gitText(
        [...SAFE, 'rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-path', 'objects'],
        {
          cwd: dir,
        },
      )
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
  return { root, gitDir, objectsDir, repo: new GitRepo({ gitDir, workTree: root }) }
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
  })
  .strict()
  .refine((record) => record.branch === sessionBranch(record.sessionId), {
    message: 'branch is not the session branch of sessionId',
    path: ['branch'],
  })

/** The commit a session's workspace lineage starts from: the Artifacts root, else the start commit. */
export function lineageRoot(record: SessionRecord): string {
  return record.ephemeral?.rootSha ?? record.startSha
}

/** The session record of a workspace (see {@link sessionRecordSchema}). */
export type SessionRecord = z.infer<typeof sessionRecordSchema>

function recordPath(ws: Workspace): string {
  return join(ws.gitDir, 'gittrix', 'session.json')
}

/** The workspace's session record, or `null` when no session was started in it. Throws on a corrupt record. */
export async function readSessionRecord(ws: Workspace): Promise<SessionRecord | null> {
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
export async function writeSessionRecord(ws: Workspace, record: SessionRecord): Promise<void> {
  const file = recordPath(ws)
  await mkdir(join(ws.gitDir, 'gittrix'), { recursive: true })
  await writeFile(`${file}.tmp`, `${JSON.stringify(sessionRecordSchema.parse(record), null, 2)}\n`)
  await rename(`${file}.tmp`, file)
}

/** Paths with uncommitted changes (untracked included, ignored excluded), at most `limit` of them. */
export async function dirtyPaths(ws: Workspace, limit = 10): Promise<string[]> {
  const { stdout } = await ws.repo.run([...SAFE, 'status', '--porcelain=v1', '-z', '--untracked-files=all'])
  const paths: string[] = []
  const fields = stdout.toString('utf8').split('\0')
  for (let i = 0; i < fields.length && paths.length < limit; i++) {
    const field = fields[i]!
    if (field.length < 4) continue
    paths.push(field.slice(3))
    // A rename record is followed by its source path.
    if (field[0] === 'R' || field[0] === 'C') i++
  }
  return paths
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
# Installed by Gittrix: this workspace belongs to one session and may push only to ${where}.
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

/**
 * Installs the pre-push guard for `target` (a session branch name, or a {@link PushTarget}) in the workspace's hooks directory (honouring
 * `core.hooksPath`). An existing `pre-push` hook keeps working: it is renamed and called after the
 * check. When the hooks directory lies inside the work tree (e.g. a tracked `.husky/`), the guard goes
 * to a private directory under the git directory instead (`core.hooksPath` is pointed there and the
 * other hooks are linked into it), so the session never records the guard as a change.
 */
export async function installPushGuard(ws: Workspace, target: string | PushTarget): Promise<string> {
  const hooksRel = await ws.repo.text(['rev-parse', '--git-path', 'hooks'])
  let hooks = isAbsolute(hooksRel) ? hooksRel : resolve(ws.root, hooksRel)
  const inside = (dir: string) => !relative(dir, hooks).startsWith('..') && !isAbsolute(relative(dir, hooks))
  const inWorkTree = inside(ws.root) && !inside(ws.gitDir)
  if (inWorkTree) {
    const original = hooks
    hooks = join(ws.gitDir, 'gittrix', 'hooks')
    await mkdir(hooks, { recursive: true })
    for (const name of await readdir(original).catch(() => [] as string[])) {
      if (name === 'pre-push') continue
      await symlink(join(original, name), join(hooks, name)).catch(() => {})
    }
    if (await exists(join(original, 'pre-push'))) {
      await symlink(join(original, 'pre-push'), join(hooks, 'pre-push.gittrix-chained')).catch(() => {})
    }
    await ws.repo.run(['config', 'core.hooksPath', hooks])
  }
  await mkdir(hooks, { recursive: true })
  const hook = join(hooks, 'pre-push')
  const chained = join(hooks, 'pre-push.gittrix-chained')
  const existing = await readFile(hook, 'utf8').catch(() => null)
  if (existing !== null && !existing.includes('Installed by Gittrix')) await rename(hook, chained)
  const hasChained = await exists(chained)
  await writeFile(hook, prePushGuard(target, hasChained ? chained : null), { mode: 0o755 })
  return hook
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
