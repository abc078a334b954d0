/**
 * Session history of a local workspace: its checkpoints, the notes Gittrix keeps on them, a checkpoint's
 * files, and restoring the workspace to a checkpoint. Every git process is sealed (src/git/sealed.ts)
 * and goes through the handles of `openWorkspaceGit` (workspace-git.ts).
 *
 * Notes live in `<session>/ephemeral/history.git`: a private bare repository (Gittrix's configuration,
 * empty template) that reads the workspace's objects through `objects/info/alternates` and writes its
 * own objects and refs (`refs/notes/gittrix`, `refs/notes/gittrix-transcript`) only there. So notes
 * are never in the workspace tree (nothing to promote), never in the agent's repository (the agent
 * cannot rewrite them) and never in the durable repository (not even as loose objects, which a
 * `worktree` workspace would otherwise write into it).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { WorkspaceHandle } from '../../core/adapters.ts'
import { FileNotFoundError, GittrixError } from '../../core/errors.ts'
import {
  type CheckpointCommit,
  type NoteKind,
  notesRef,
  type RestoreResult,
  type ShowResult,
} from '../../core/history.ts'
import { normalizeRepoDir } from '../../core/paths.ts'
import { GitRepo } from '../../git/repo.ts'
import { restoredRefs, sessionCommit } from './session-commit.ts'
import { openWorkspaceGit, stateDir, type WorkspaceGit } from './workspace-git.ts'

/** Author and committer of the notes commits Gittrix writes (in the private history repository only). */
const NOTES_IDENTITY = {
  GIT_AUTHOR_NAME: 'Gittrix',
  GIT_AUTHOR_EMAIL: 'history@gittrix.invalid',
  GIT_COMMITTER_NAME: 'Gittrix',
  GIT_COMMITTER_EMAIL: 'history@gittrix.invalid',
}

/** Commits, newest first, from `HEAD` back to the baseline (which comes last). */
export async function listCheckpoints(
  handle: WorkspaceHandle,
  options: { limit?: number } = {},
): Promise<CheckpointCommit[]> {
  const git = await openWorkspaceGit(handle)
  const owner = git.agent ?? git.repo
  const limit = options.limit
  const head = await sessionCommit(owner, handle, undefined)
  const { stdout } = await owner.run([
    'rev-list',
    '--topo-order',
    ...(limit !== undefined ? [`--max-count=${limit}`] : []),
    head,
    `^${handle.baselineSha}`,
  ])
  const shas = stdout.toString('utf8').split('\n').filter(Boolean)
  if (limit === undefined || shas.length < limit) shas.push(handle.baselineSha)
  const objects = await owner.readObjects(shas)
  return shas.map((sha) => parseCommit(sha, objects.get(sha), sha === handle.baselineSha))
}

/** The full id of commit `at` of the session (see `sessionCommit` with restored heads). */
export async function checkpointId(handle: WorkspaceHandle, at: string): Promise<string> {
  const git = await openWorkspaceGit(handle)
  return sessionCommit(git.agent ?? git.repo, handle, at, { restored: true })
}

/** The notes of `kind` on `commits` (full ids); commits without one are absent. */
export async function readNotes(
  handle: WorkspaceHandle,
  kind: NoteKind,
  commits: readonly string[],
): Promise<Map<string, Uint8Array>> {
  const history = await openHistoryRepo(await openWorkspaceGit(handle), handle)
  const { stdout, exitCode } = await history.run(['notes', `--ref=${notesRef(kind)}`, 'list'], {
    okExitCodes: [1],
  })
  const notes = new Map<string, string>()
  if (exitCode === 0) {
    for (const line of stdout.toString('utf8').split('\n')) {
      const [blob, commit] = line.split(' ')
      if (blob && commit) notes.set(commit, blob)
    }
  }
  const wanted = commits.filter((c) => notes.has(c))
  const blobs = await history.readObjects(wanted.map((c) => notes.get(c)!))
  const out = new Map<string, Uint8Array>()
  for (const commit of wanted) {
    const bytes = blobs.get(notes.get(commit)!)
    if (bytes) out.set(commit, bytes)
  }
  return out
}

/** Sets the note of `kind` on checkpoint `at` (checked), replacing any; resolves the full id. */
export async function writeNote(
  handle: WorkspaceHandle,
  kind: NoteKind,
  at: string,
  bytes: Uint8Array,
): Promise<string> {
  const git = await openWorkspaceGit(handle)
  const sha = await sessionCommit(git.agent ?? git.repo, handle, at, { restored: true })
  const history = await openHistoryRepo(git, handle)
  // The bytes as a blob first, then `notes add -C`: the note is that blob unchanged (no stripspace).
  const [blob] = await history.writeBlobs([bytes])
  await history.run(['notes', `--ref=${notesRef(kind)}`, 'add', '--force', '-C', blob!, sha], {
    env: NOTES_IDENTITY,
  })
  return sha
}

/** The files below `path` (default the root) at checkpoint `at`, or the file `path` names. */
export async function showAt(handle: WorkspaceHandle, at: string, path?: string): Promise<ShowResult> {
  const git = await openWorkspaceGit(handle)
  const sha = await sessionCommit(git.agent ?? git.repo, handle, at, { restored: true })
  const rel = normalizeRepoDir(path)
  if (rel) {
    const entry = await git.repo.entryAt(sha, rel)
    if (!entry)
      throw new FileNotFoundError(rel, `checkpoint ${sha.slice(0, 12)} of session ${handle.sessionId}`)
    if (entry.type === 'blob') {
      const bytes = (await git.repo.readObjects([entry.oid])).get(entry.oid)
      if (!bytes)
        throw new FileNotFoundError(rel, `checkpoint ${sha.slice(0, 12)} of session ${handle.sessionId}`)
      return { type: 'file', at: sha, path: rel, mode: entry.mode, bytes: new Uint8Array(bytes) }
    }
  }
  const entries = await git.repo.lsTree(sha, { ...(rel ? { prefix: rel } : {}), recursive: true })
  return {
    type: 'tree',
    at: sha,
    path: rel,
    entries: entries.map(({ path: p, mode, oid }) => ({ path: p, mode, oid })),
  }
}

/**
 * Moves the workspace to checkpoint `at`: uncommitted work is committed first (on `HEAD`), the head
 * is kept as `refs/gittrix/restored/<UTC timestamp>` in the workspace's repository (per-worktree
 * `refs/worktree/gittrix/restored/…` in a `worktree` workspace; reachable for `git gc`), then `HEAD` moves to `at` with a reflog entry
 * (`gittrix: restore to <at>`) and the files, the private index and the agent's index follow.
 */
export async function restoreTo(
  handle: WorkspaceHandle,
  at: string,
  message: (target: string) => string,
  identity: { name: string; email: string },
  now: Date,
): Promise<RestoreResult> {
  const git = await openWorkspaceGit(handle)
  const owner = git.agent ?? git.repo
  const target = await sessionCommit(owner, handle, at, { restored: true })
  const head = await sessionCommit(owner, handle, undefined)
  await git.repo.run(['add', '-A'])
  const tree = await git.repo.text(['write-tree'])
  let from = head
  let savedUncommitted: string | null = null
  if (tree !== (await git.repo.treeOf(head))) {
    savedUncommitted = await git.repo.commitTree(tree, [head], message(target), identity)
    await moveHead(owner, handle, savedUncommitted, head, 'gittrix: work saved before restore')
    from = savedUncommitted
  }
  const savedRef = await keepReachable(owner, restoredRefs(handle), from, now)
  await moveHead(owner, handle, target, from, `gittrix: restore to ${target}`)
  await git.repo.run(['read-tree', '--reset', '-u', target])
  if (git.agentIndex)
    await git.repo.run(['read-tree', '--reset', target], { env: { GIT_INDEX_FILE: git.agentIndex } })
  return { from, to: target, savedRef, savedUncommitted }
}

async function moveHead(
  owner: GitRepo,
  handle: WorkspaceHandle,
  next: string,
  expected: string,
  reason: string,
): Promise<void> {
  if (!(await owner.compareAndSwapRef('HEAD', next, expected, reason))) {
    throw new GittrixError(
      'EVICTION_RACE',
      `HEAD of session ${handle.sessionId} moved during the restore; run the restore again.`,
    )
  }
}

/** Creates `<prefix><timestamp>` at `sha` (a new name when one is taken). */
async function keepReachable(owner: GitRepo, prefix: string, sha: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '')
  for (let n = 0; ; n++) {
    const ref = `${prefix}${stamp}${n ? `-${n}` : ''}`
    const { exitCode } = await owner.run(
      ['update-ref', '--create-reflog', '-m', 'gittrix: restore', ref, sha, ''],
      {
        okExitCodes: [1, 128],
      },
    )
    if (exitCode === 0) return ref
    if (n >= 100) throw new Error(`could not create ${ref}`)
  }
}

/**
 * `<state>/history.git`, made on first use, reading the workspace's objects through its alternates.
 * Its own objects directory holds what Gittrix writes (note blobs, notes trees and commits).
 */
async function openHistoryRepo(git: WorkspaceGit, handle: WorkspaceHandle): Promise<GitRepo> {
  const dir = join(stateDir(handle.sessionDir), 'history.git')
  const objects = git.repo.objectDir ?? join(git.repo.gitDir, 'objects')
  const alternates = join(dir, 'objects', 'info', 'alternates')
  if ((await readFile(alternates, 'utf8').catch(() => null)) !== `${objects}\n`) {
    // Callers hold the session lock; two reads of one call (log) may still get here together.
    let made = making.get(dir)
    if (!made) {
      made = (async () => {
        await GitRepo.initPrivate(dir)
        await mkdir(dirname(alternates), { recursive: true })
        await writeFile(alternates, `${objects}\n`)
      })().finally(() => making.delete(dir))
      making.set(dir, made)
    }
    await made
  }
  return new GitRepo({ gitDir: dir, sealed: true })
}

/** History repositories being made in this process, by directory. */
const making = new Map<string, Promise<void>>()

/** A commit object's parents, author, date and subject. */
function parseCommit(sha: string, raw: Uint8Array | undefined, baseline: boolean): CheckpointCommit {
  const text = raw ? Buffer.from(raw).toString('utf8') : ''
  const split = text.indexOf('\n\n')
  const headers = (split === -1 ? text : text.slice(0, split)).split('\n')
  const message = split === -1 ? '' : text.slice(split + 2)
  const parents = headers.filter((h) => h.startsWith('parent ')).map((h) => h.slice(7))
  const authorLine = headers.find((h) => h.startsWith('author '))?.slice(7) ?? ''
  const match = /^(.*) (\d+) ([+-]\d{4})$/.exec(authorLine)
  const seconds = match ? Number(match[2]) : 0
  return {
    sha,
    parents,
    subject: message.split('\n')[0] ?? '',
    author: match ? match[1]! : authorLine,
    date: new Date(seconds * 1000).toISOString(),
    baseline,
  }
}
