/**
 * Session finish, run by the Action after the agent (and by its post step when the agent failed or
 * the job was cancelled): snapshot every change against the baseline, then either write the session
 * as a git bundle for `mode: publish` in another job (`two-jobs`, the default: this job holds no write
 * token) or push the session branch itself (`same-job`).
 *
 * The session branch ends as: start commit → the agent's own commits (kept as they are) → at most one
 * snapshot commit holding everything left uncommitted in the work tree (modified, added, untracked,
 * deleted files, executable bits, symlinks; `.gitignore`d files stay out, as with `git add -A`; paths
 * git cannot take are skipped and reported, nested repositories' files are captured as plain files: see
 * snapshot.ts). Everything descends from the start commit (for an Artifacts session: from the session
 * repository's root commit; `same-job` pushes there, see finish-artifacts.ts, `two-jobs` writes the
 * start commit and that line into the bundle, see bundle.ts). When the agent moved
 * `HEAD` off that line (another branch, a reset below the start commit, a merge of other history), its
 * commits cannot be kept; the snapshot then goes on top of the session branch and carries the work tree
 * as it is, with a warning.
 *
 * The agent checkout's notes (`refs/notes/gittrix`, `refs/notes/gittrix-transcript`) on the session's
 * commits travel with the branch as `refs/notes/gittrix-sessions/<id>/<kind>` (session-notes.ts): in
 * the bundle, or in the same atomic push. With the `transcript` option, the JSONL file the agent step
 * wrote joins them as the transcript note of the session's head (checked as untrusted content first).
 *
 * Nothing the agent could write is trusted: the record is checked against the start commit (parsed
 * strictly, its parent the baseline), the session id against the one the caller expects, and every git
 * command is sealed (the snapshot reads the work tree through a private git directory).
 */
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { GittrixError } from '../../src/core/errors.ts'
import type { SessionDiff } from '../../src/core/types.ts'
import { gitDiffArgs, parseGitDiffOutput } from '../../src/git/diff-output.ts'
import type { GitRepo } from '../../src/git/repo.ts'
import { parseStartCommit, type StartCommit } from '../../src/github/start-commit.ts'
import { baselineFromMessage } from '../../src/adapters/artifacts/baseline.ts'
import { ARTIFACTS_BUNDLE_REF, type ArtifactsSessions } from './artifacts.ts'
import { writeSessionBundle } from './bundle.ts'
import { checkArtifactsLocation, pushArtifactsSession } from './finish-artifacts.ts'
import type { SessionRemote } from './remote.ts'
import { agentNotesRefs, copySessionNotes, readAgentTranscript, withTranscriptNote } from './session-notes.ts'
import { type SkippedPath, snapshotWorkTree } from './snapshot.ts'
import {
  lineageRoot,
  openWorkspace,
  readSessionRecord,
  removePlantedSymlinks,
  removeSessionSetup,
  type WorkspaceSessionRecord,
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
  /**
   * The session as start returned it (mode `run`: kept in memory, so an edited record file changes
   * nothing). Default: read from the workspace and checked against its start commit.
   */
  record?: WorkspaceSessionRecord
  /** The topology of this step's inputs; overrides the record's (which the agent can edit). */
  topology?: 'two-jobs' | 'same-job'
  /** Where a `two-jobs` session's bundle is written (a directory; default `RUNNER_TEMP/gittrix`, else the git dir). */
  bundleDir?: string
  /**
   * The JSONL transcript file the agent step wrote (the `transcript` input, an absolute path outside
   * the checkout): attached as the transcript note of the session's head (session-notes.ts
   * `readAgentTranscript`: untrusted, checked and capped); a file that does not pass is a warning.
   */
  transcript?: string
}

/** A finished session. */
export interface FinishedSession {
  record: WorkspaceSessionRecord
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
  /** Paths of the work tree the session does not hold (git cannot store them, or too large). */
  skipped: SkippedPath[]
  /** Nested repositories whose files were captured as plain files. */
  flattened: string[]
  /** The session as a bundle file (`two-jobs`: for `mode: publish`; `same-job`: a copy of what was pushed). */
  bundle: string | null
  /**
   * `same-job`: why GitHub refused the push (e.g. a ruleset), or `null`. The session is marked finished
   * all the same (a post step does not repeat the refused push); the bundle holds the work.
   */
  pushError: string | null
  /** The transcript attached to the head (the `transcript` option), or `null`. */
  transcript: { bytes: number; lines: number } | null
}

/** Reads the session of a workspace, or `null` when none was started there. */
export async function workspaceSession(dir: string): Promise<WorkspaceSessionRecord | null> {
  return readSessionRecord(await openWorkspace(dir))
}

/** Snapshots and publishes the session (see the module comment). Throws a `GittrixError` saying what to do. */
export async function finishSession(options: FinishSessionOptions): Promise<FinishedSession> {
  const ws = await openWorkspace(options.workspace)
  const given = options.record ?? (await readSessionRecord(ws))
  if (!given) {
    throw new GittrixError(
      'SESSION_NOT_FOUND',
      `No Gittrix session was started in ${ws.root}; run the Action with mode: start (in this job, on this checkout) first.`,
    )
  }
  if (options.sessionId && options.sessionId !== given.sessionId) {
    throw new GittrixError(
      'SESSION_NOT_FOUND',
      `The workspace ${ws.root} holds session ${given.sessionId}, not ${options.sessionId}.`,
    )
  }
  const warnings: string[] = []
  const record = await verifiedRecord(ws, given, warnings)
  // The agent's turn is over; before writing into its .git, cut the links it may have left there.
  const removed = await removePlantedSymlinks(ws, record.branch)
  if (removed.length)
    warnings.push(
      `The agent left ${removed.length} symlink(s) in .git where Gittrix writes (${removed
        .slice(0, 5)
        .map((p) => JSON.stringify(p))
        .join(', ')}${removed.length > 5 ? ', …' : ''}); they were removed, their targets left untouched.`,
    )
  const topology = options.topology ?? record.topology ?? 'same-job'
  const pushesArtifacts = record.ephemeral !== undefined && topology === 'same-job'
  if (pushesArtifacts && !options.artifacts) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `Session ${record.sessionId} lives in Cloudflare Artifacts (${record.ephemeral!.namespace}/${record.ephemeral!.repo}); ` +
        'give this step the same artifacts-account-id, artifacts-namespace and artifacts-api-token inputs as the step that started it ' +
        '(or, in the default two-job topology, none of them: the publish job pushes the session).',
    )
  }
  if (pushesArtifacts) checkArtifactsLocation(record, record.ephemeral!, options.artifacts!)
  const root = lineageRoot(record)
  const branchRef = `refs/heads/${record.branch}`
  const branchRefSha = await ws.repo.resolve(branchRef)
  const branchTip = branchRefSha && (await lineage(ws.repo, root, branchRefSha)) ? branchRefSha : root
  const head = await ws.repo.resolve('HEAD^{commit}')
  const headRef = await ws.repo.run(['symbolic-ref', '-q', 'HEAD'], { okExitCodes: [1] })
  const onBranch = headRef.stdout.toString('utf8').trim() === branchRef
  let parent: string
  if (head && (await lineage(ws.repo, root, head))) {
    parent = head
  } else {
    parent = branchTip
    warnings.push(
      `The workspace's HEAD (${head?.slice(0, 12) ?? 'none'}) is not on the session branch ${record.branch} ` +
        '(another branch, a reset below the start commit, or a merge of other history); ' +
        'the snapshot records the work tree as it is on top of the session branch, without those commits.',
    )
  }

  const snapshot = await snapshotWorkTree({ workTree: ws.root, objectsDir: ws.objectsDir, base: parent })
  let headSha = parent
  let snapshotSha: string | null = null
  try {
    if (snapshot.tree !== (await ws.repo.treeOf(parent))) {
      const message =
        `gittrix: snapshot ${record.sessionId}\n\n` +
        'Uncommitted changes in the workspace when the session finished.\n\n' +
        `Gittrix-Session: ${record.sessionId}\n`
      snapshotSha = await ws.repo.commitTree(snapshot.tree, [parent], message, ACTIONS_IDENTITY)
      headSha = snapshotSha
    }
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
    if (onBranch && head === parent && snapshotSha && snapshot.flattened.length === 0) {
      // HEAD follows the branch to the snapshot; give the work tree the matching index.
      await copyFile(snapshot.index, join(ws.gitDir, 'index'))
    }
  } finally {
    await snapshot.dispose()
  }
  for (const path of snapshot.flattened)
    warnings.push(
      `${path}/ is a git repository of its own; its files were captured as plain files of the session (its history was not).`,
    )
  if (snapshot.skipped.length)
    warnings.push(
      `${snapshot.skipped.length} path(s) could not be recorded and were left out (see the summary): ` +
        snapshot.skipped
          .slice(0, 5)
          .map((s) => JSON.stringify(s.path))
          .join(', ') +
        (snapshot.skipped.length > 5 ? ', …' : '') +
        '. Everything else was recorded.',
    )

  // The agent's notes on the session's commits, rebuilt for GitHub's per-session notes refs
  // (session-notes.ts); an Artifacts session keeps no notes on GitHub.
  let notes = record.ephemeral
    ? {}
    : await copySessionNotes(
        ws.repo,
        record.sessionId,
        agentNotesRefs(),
        (await ws.repo.text(['rev-list', headSha, `^${record.baselineSha}`])).split('\n').filter(Boolean),
      )
  let transcript: { bytes: number; lines: number } | null = null
  if (options.transcript !== undefined) {
    const read = record.ephemeral
      ? { problem: 'an Artifacts session keeps no notes on GitHub.' }
      : await readAgentTranscript(options.transcript, ws.root)
    if ('problem' in read) warnings.push(`The transcript was not attached: ${read.problem}`)
    else {
      notes = await withTranscriptNote(ws.repo, record.sessionId, notes, headSha, read.bytes)
      transcript = { bytes: read.bytes.byteLength, lines: read.lines }
    }
  }
  let pointerSha: string | null = null
  let bundle: string | null = null
  if (pushesArtifacts) {
    pointerSha = await pushArtifactsSession({
      ws,
      remote: options.remote,
      sessions: options.artifacts!,
      record,
      location: record.ephemeral!,
      headSha,
    })
  } else {
    const dir = options.bundleDir ?? join(process.env.RUNNER_TEMP || ws.gitDir, 'gittrix')
    await mkdir(dir, { recursive: true })
    bundle = join(dir, `${record.sessionId}.bundle`)
    // An Artifacts session's bundle carries the GitHub start commit and the session repository's head.
    const refs: Record<string, string> = record.ephemeral
      ? { [branchRef]: record.startSha, [ARTIFACTS_BUNDLE_REF]: headSha }
      : { [branchRef]: headSha, ...notes }
    await writeSessionBundle({
      objectsDir: ws.objectsDir,
      refs,
      baselineSha: record.baselineSha,
      file: bundle,
    })
  }
  let pushError: string | null = null
  if (!record.ephemeral && topology === 'same-job') {
    await options.remote.pushCommit(ws.objectsDir, headSha, record.branch, notes).catch((error: unknown) => {
      pushError =
        `Could not push ${record.branch} (${headSha.slice(0, 12)}): ${(error as Error).message}. ` +
        `The work is kept in the bundle ${bundle} and on the checkout's ${record.branch}; it was not pushed again.`
    })
  }
  const agentCommits = Number(await ws.repo.text(['rev-list', '--count', `${root}..${parent}`]))
  const diff = await sessionDiff(ws.repo, record.baselineSha, headSha)
  const finished: WorkspaceSessionRecord = { ...record, finished: { headSha } }
  await writeSessionRecord(ws, finished)
  await removeSessionSetup(ws, record.branch)
  return {
    record: finished,
    headSha,
    pointerSha,
    snapshotSha,
    agentCommits,
    diff,
    warnings,
    skipped: snapshot.skipped,
    flattened: snapshot.flattened,
    bundle,
    pushError,
    transcript,
  }
}

/** The identity of Gittrix's own commits where the checkout configures none. */
const ACTIONS_IDENTITY = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
}

/**
 * The session record made trustworthy: the record (which the agent can edit) names a start commit,
 * which must parse strictly as the start commit of the record's session on its branch with the
 * baseline as its only parent; the baseline, durable branch and task are then taken from that commit,
 * whatever the record says (a difference is reported, not fatal, so no work is lost). Throws
 * `METADATA_INVALID` when there is no such start commit.
 */
async function verifiedRecord(
  ws: Workspace,
  record: WorkspaceSessionRecord,
  warnings: string[],
): Promise<WorkspaceSessionRecord> {
  const raw = await ws.repo.run(['cat-file', 'commit', record.startSha], { okExitCodes: [128] })
  let problem: string | null = null
  if (raw.exitCode !== 0) problem = `its start commit ${record.startSha.slice(0, 12)} is not in the checkout`
  const text = raw.stdout.toString('utf8')
  const headers = text.slice(0, Math.max(0, text.indexOf('\n\n'))).split('\n')
  const parents = headers.filter((h) => h.startsWith('parent ')).map((h) => h.slice(7))
  const parsed = parseStartCommit(text.slice(text.indexOf('\n\n') + 2), {
    branch: record.branch,
    sessionId: record.sessionId,
  })
  if (!problem && !parsed.ok) problem = `its start commit does not parse: ${parsed.reason}`
  if (!problem && parsed.ok && (parents.length !== 1 || parents[0] !== parsed.value.baselineSha))
    problem = "the start commit's parent is not its baseline"
  if (problem || !parsed.ok) throw recordChanged(ws, record, problem)
  const start = parsed.value
  const location = await artifactsLocationProblem(ws, record, start)
  if (location) throw recordChanged(ws, record, location)
  if (
    start.baselineSha !== record.baselineSha ||
    start.durableBranch !== record.durableBranch ||
    start.task !== record.task
  ) {
    warnings.push(
      `The session record in ${ws.root} was edited after the session started; its start commit's baseline, durable branch and task were used instead.`,
    )
  }
  return { ...record, baselineSha: start.baselineSha, durableBranch: start.durableBranch, task: start.task }
}

/** `METADATA_INVALID`: `record` was changed after its session started (`problem` says how); nothing was published. */
function recordChanged(ws: Workspace, record: WorkspaceSessionRecord, problem: string | null): GittrixError {
  return new GittrixError(
    'METADATA_INVALID',
    `The session record of ${record.sessionId} in ${ws.root} was changed after the session started (${problem}); ` +
      'nothing was published. Start a new session.',
  )
}

/**
 * Why the record's Artifacts location does not match the start commit, or `null`: a branch session's
 * record names none and its start commit says `branch`; an Artifacts session's record names the start
 * commit's namespace and repository, and its `rootSha` is a commit with no parent, the baseline's tree
 * and a `Gittrix-Baseline` trailer naming the baseline (the session repository's first commit).
 */
async function artifactsLocationProblem(
  ws: Workspace,
  record: WorkspaceSessionRecord,
  start: StartCommit,
): Promise<string | null> {
  const ephemeral = start.ephemeral
  if (!record.ephemeral)
    return ephemeral.kind === 'branch' ? null : 'it names no Artifacts repository, its start commit does'
  if (ephemeral.kind !== 'artifacts') return 'it names an Artifacts repository, its start commit does not'
  if (ephemeral.namespace !== record.ephemeral.namespace || ephemeral.repo !== record.ephemeral.repo)
    return 'its Artifacts repository is not the one its start commit names'
  const raw = await ws.repo.run(['cat-file', 'commit', record.ephemeral.rootSha], { okExitCodes: [128] })
  const text = raw.stdout.toString('utf8')
  const headers = text.slice(0, Math.max(0, text.indexOf('\n\n'))).split('\n')
  const root =
    raw.exitCode === 0 &&
    !headers.some((h) => h.startsWith('parent ')) &&
    headers[0] === `tree ${await ws.repo.treeOf(start.baselineSha)}` &&
    baselineFromMessage(text.slice(text.indexOf('\n\n') + 2)) === start.baselineSha
  return root ? null : "its Artifacts root commit is not the baseline's tree without history"
}

/**
 * True when `commit` is `root` or descends from it along the session's own line: every commit between
 * them has only parents that are themselves on that line (no merge of other history, whose objects a
 * bundle or a push would have to carry without review).
 */
async function lineage(repo: GitRepo, root: string, commit: string): Promise<boolean> {
  if (commit === root) return true
  const ancestor = await repo.run(['merge-base', '--is-ancestor', root, commit], { okExitCodes: [1, 128] })
  if (ancestor.exitCode !== 0) return false
  const lines = (await repo.text(['rev-list', '--parents', `${root}..${commit}`])).split('\n').filter(Boolean)
  const line = new Set([root, ...lines.map((l) => l.slice(0, 40))])
  return lines.every((l) =>
    l
      .split(' ')
      .slice(1)
      .every((p) => line.has(p)),
  )
}

/** The session's diff against its baseline, per file (status, modes, binary, line counts) and as a patch. */
export async function sessionDiff(repo: GitRepo, baselineSha: string, headSha: string): Promise<SessionDiff> {
  const { stdout } = await repo.run(gitDiffArgs([baselineSha, headSha]))
  return parseGitDiffOutput(stdout)
}
