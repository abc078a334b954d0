/**
 * Session finish on GitHub (DESIGN.md §6.3), run by the Action after the agent (and by its post step
 * when the agent failed or the job was cancelled): snapshot every change against the baseline and push
 * the session branch.
 *
 * The session branch ends as: start commit → the agent's own commits (kept as they are) → at most one
 * snapshot commit holding everything left uncommitted in the work tree (modified, added, untracked,
 * deleted files, executable bits, symlinks; `.gitignore`d files stay out, as with `git add -A`).
 * Everything descends from the start commit (for an Artifacts session: from the session repository's root
 * commit, and the push goes there, see finish-artifacts.ts). When the agent moved `HEAD` off that line (another branch,
 * a reset below the start commit), its commits cannot be kept; the snapshot then goes on top of the
 * session branch and carries the work tree as it is, with a warning.
 *
 * The snapshot is built in a temporary index, so the agent's index is not touched until the session
 * branch has moved; then the index is replaced by the snapshot's, so `git status` is clean afterwards.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GittrixError } from '../core/errors.ts'
import type { SessionDiff } from '../core/types.ts'
import { gitDiffArgs, parseGitDiffOutput } from '../git/diff-output.ts'
import type { ArtifactsSessions } from './artifacts.ts'
import { checkArtifactsLocation, pushArtifactsSession } from './finish-artifacts.ts'
import type { SessionRemote } from './remote.ts'
import {
  lineageRoot,
  openWorkspace,
  readSessionRecord,
  SAFE,
  type SessionRecord,
  type Workspace,
  writeSessionRecord,
} from './workspace.ts'

/** What {@link finishSession} needs. */
export interface FinishSessionOptions {
  /** A directory inside the workspace the session was started in. */
  workspace: string
  /** The GitHub repository. */
  remote: SessionRemote
  /** The session expected in the workspace (e.g. `GITTRIX_SESSION_ID`); a different one is an error. */
  sessionId?: string
  /** The Artifacts namespace's session repositories: required when the session is an Artifacts session. */
  artifacts?: ArtifactsSessions | null
}

/** A finished session. */
export interface FinishedSession {
  record: SessionRecord
  /**
   * The session's new head (the start commit when nothing changed); for an Artifacts session, the head
   * of the session repository's `main` (its root commit when nothing changed).
   */
  headSha: string
  /** Artifacts sessions: the pointer commit heading the GitHub session branch. `null` for branch sessions. */
  pointerSha: string | null
  /** The snapshot commit, or `null` when nothing was left uncommitted. */
  snapshotSha: string | null
  /** How many commits the agent made itself (kept on the branch). */
  agentCommits: number
  /** Every change against the baseline. Empty files list = an empty session. */
  diff: SessionDiff
  /** Things the user should know (e.g. the agent left the session branch). */
  warnings: string[]
}

/** Reads the session of a workspace, or `null` when none was started there. */
export async function workspaceSession(dir: string): Promise<SessionRecord | null> {
  return readSessionRecord(await openWorkspace(dir))
}

/** Snapshots and pushes the session (see the module comment). Throws a `GittrixError` saying what to do. */
export async function finishSession(options: FinishSessionOptions): Promise<FinishedSession> {
  const ws = await openWorkspace(options.workspace)
  const record = await readSessionRecord(ws)
  if (!record) {
    throw new GittrixError(
      'SESSION_NOT_FOUND',
      `No Gittrix session was started in ${ws.root}; run the Action with mode: start (in this job, on this checkout) first.`,
    )
  }
  if (options.sessionId && options.sessionId !== record.sessionId) {
    throw new GittrixError(
      'SESSION_NOT_FOUND',
      `The workspace ${ws.root} holds session ${record.sessionId}, not ${options.sessionId}.`,
    )
  }
  if (record.ephemeral && !options.artifacts) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `Session ${record.sessionId} lives in Cloudflare Artifacts (${record.ephemeral.namespace}/${record.ephemeral.repo}); ` +
        'give this step the same artifacts-account-id, artifacts-namespace and artifacts-api-token inputs as the step that started it.',
    )
  }
  if (record.ephemeral) checkArtifactsLocation(record, record.ephemeral, options.artifacts!)
  const root = lineageRoot(record)
  const warnings: string[] = []
  const branchRef = `refs/heads/${record.branch}`
  const branchRefSha = await ws.repo.resolve(branchRef)
  const branchTip = branchRefSha ?? root
  const head = await ws.repo.resolve('HEAD^{commit}')
  const headRef = await ws.repo.run(['symbolic-ref', '-q', 'HEAD'], { okExitCodes: [1] })
  const onBranch = headRef.stdout.toString('utf8').trim() === branchRef
  let parent: string
  if (head && (await descends(ws, root, head))) {
    parent = head
  } else {
    parent = (await descends(ws, root, branchTip)) ? branchTip : root
    warnings.push(
      `The workspace's HEAD (${head?.slice(0, 12) ?? 'none'}) is not on the session branch ${record.branch}; ` +
        'the snapshot records the work tree as it is on top of the session branch, without those commits.',
    )
  }

  const snapshot = await snapshotTree(ws, parent, onBranch && head === parent)
  let headSha = parent
  let snapshotSha: string | null = null
  if (snapshot.tree !== (await ws.repo.treeOf(parent))) {
    const message =
      `gittrix: snapshot ${record.sessionId}\n\n` +
      'Uncommitted changes in the workspace when the session finished.\n\n' +
      `Gittrix-Session: ${record.sessionId}\n`
    snapshotSha = await ws.repo.text([...SAFE, 'commit-tree', snapshot.tree, '-p', parent, '-F', '-'], {
      input: message,
    })
    headSha = snapshotSha
  }
  try {
    if (headSha !== branchRefSha) {
      await ws.repo.run([
        'update-ref',
        '-m',
        'gittrix: finish session',
        branchRef,
        headSha,
        branchRefSha ?? '',
      ])
    }
    if (onBranch && snapshotSha) {
      // HEAD follows the branch to the snapshot; give the work tree the matching index.
      await copyFile(snapshot.index, join(ws.gitDir, 'index'))
    }
  } finally {
    await rm(snapshot.dir, { recursive: true, force: true })
  }

  let pointerSha: string | null = null
  if (record.ephemeral) {
    pointerSha = await pushArtifactsSession({
      ws,
      remote: options.remote,
      sessions: options.artifacts!,
      record,
      location: record.ephemeral,
      headSha,
    })
  } else {
    await options.remote.pushCommit(ws.objectsDir, headSha, record.branch).catch((error: unknown) => {
      throw new GittrixError(
        'GIT_FAILED',
        `Could not push ${record.branch} (${headSha.slice(0, 12)}): ${(error as Error).message}. ` +
          'If the session branch was changed on GitHub meanwhile, the workspace still holds the work; push it by hand.',
        { cause: error },
      )
    })
  }
  const agentCommits = Number(await ws.repo.text(['rev-list', '--count', `${root}..${parent}`]))
  const diff = await sessionDiff(ws, record.baselineSha, headSha)
  const finished: SessionRecord = { ...record, finished: { headSha } }
  await writeSessionRecord(ws, finished)
  return { record: finished, headSha, pointerSha, snapshotSha, agentCommits, diff, warnings }
}

async function descends(ws: Workspace, ancestor: string, commit: string): Promise<boolean> {
  const result = await ws.repo.run(['merge-base', '--is-ancestor', ancestor, commit], {
    okExitCodes: [1, 128],
  })
  return result.exitCode === 0
}

/**
 * Writes the tree of the whole work tree (as `git add -A` sees it) from a temporary index: a copy of the
 * workspace's index when HEAD is `parent` (its stat cache avoids rehashing every file), else `parent`'s tree.
 */
async function snapshotTree(
  ws: Workspace,
  parent: string,
  reuseIndex: boolean,
): Promise<{ tree: string; index: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gittrix-snapshot-'))
  const index = join(dir, 'index')
  const repo = ws.repo.with({ indexFile: index })
  const copied = reuseIndex
    ? await copyFile(join(ws.gitDir, 'index'), index).then(
        () => true,
        () => false,
      )
    : false
  if (!copied) await repo.run([...SAFE, 'read-tree', parent])
  await repo.run([...SAFE, 'add', '-A', '--', '.'], { env: { GIT_LITERAL_PATHSPECS: '1' } })
  const tree = await repo.text([...SAFE, 'write-tree'])
  return { tree, index, dir }
}

/** The session's diff against its baseline, per file (status, modes, binary, line counts) and as a patch. */
export async function sessionDiff(ws: Workspace, baselineSha: string, headSha: string): Promise<SessionDiff> {
  const { stdout } = await ws.repo.run([...SAFE, ...gitDiffArgs([baselineSha, headSha])])
  return parseGitDiffOutput(stdout)
}
