/**
 * Session start on GitHub, run by the Action before the agent: refuse a checkout that holds a
 * credential, record the baseline, write the start commit and move the workspace onto the session
 * branch. In the `same-job` topology it also pushes the start commit and installs the pre-push guard;
 * in the default `two-jobs` topology nothing is written anywhere but the checkout (the agent's job
 * holds no write token: `mode: publish` in another job creates the branch from finish's bundle).
 *
 * The baseline is the commit the workspace has checked out (`HEAD`) when the session starts, accepted
 * only when it is a commit of the durable branch, i.e. one of:
 * 1. `HEAD` is the durable branch's current head on the remote;
 * 2. `HEAD` is the commit the workflow run was triggered for on that branch (`GITHUB_SHA` with
 *    `GITHUB_REF` = `refs/heads/<durable branch>`; the branch may have moved on since, the App checks
 *    that the baseline is still an ancestor of it before promoting);
 * 3. `HEAD` is an ancestor of the remote head, as far as the workspace's own objects can tell.
 * Otherwise the start fails and says which branch to check out. The workspace must also be clean
 * (no uncommitted or untracked changes): whatever is in it when the agent finishes is the agent's work.
 */
import { baselineMessage, GITTRIX_IDENTITY } from '../../src/adapters/artifacts/baseline.ts'
import { GittrixError } from '../../src/core/errors.ts'
import type { EvictionPolicy } from '../../src/core/types.ts'
import { branchNameProblem, sessionBranch } from '../../src/github/branches.ts'
import { newGitHubSessionId } from '../../src/github/session-id.ts'
import { encodeStartCommit } from '../../src/github/start-commit.ts'
import {
  ARTIFACTS_REMOTE_NAME,
  ARTIFACTS_SESSION_BRANCH,
  type ArtifactsSessions,
  artifactsSessionRepo,
} from './artifacts.ts'
import type { SessionRemote } from './remote.ts'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { GitIdentity } from '../../src/git/repo.ts'
import { RUN_ID_PATTERN } from '../../src/github/start-commit.ts'
import { persistedCredentials } from './credentials.ts'
import {
  type ArtifactsRecord,
  dirtyPaths,
  installPushGuard,
  openWorkspace,
  readSessionRecord,
  removeSessionSetup,
  type WorkspaceSessionRecord,
  type Workspace,
  writeSessionRecord,
} from './workspace.ts'

/** The identity of commits Gittrix writes when the workspace has none configured. */
export const ACTIONS_BOT = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
}

/** What {@link startSession} needs. */
export interface ActionStartOptions {
  /** A directory inside the checked-out repository. */
  workspace: string
  /** The agent's task (normalised and validated by the start commit encoder). */
  task: string
  /** The durable branch, or `null` for the remote's default branch. */
  durableBranch: string | null
  /** Issue or pull request number the session belongs to, or `null`. */
  link: number | null
  /** Eviction policy recorded in the start commit, or `null` for the repository's defaults. */
  eviction: EvictionPolicy | null
  /** The GitHub repository. */
  remote: SessionRemote
  /** The ref and commit the workflow run was triggered for (`GITHUB_REF`, `GITHUB_SHA`). */
  trigger?: { ref?: string; sha?: string }
  /** A fixed session id (tests); default a new random one. */
  sessionId?: string
  /**
   * Set for an Artifacts session (`ephemeral: artifacts`); default a branch session. `namespace` and
   * `repositoryId` (`GITHUB_REPOSITORY_ID`) name the session repository, `repository` (`owner/repo`) is
   * named in the baseline commit's durable ref. `sessions` (with the Cloudflare credentials) is needed
   * only by `same-job`, which creates the repository here; `two-jobs` leaves that to `mode: publish`.
   */
  artifacts?: StartArtifacts | null
  /** Where the session goes from the agent's job: see the module comment. Default `two-jobs`. */
  topology?: Topology
  /** The workflow run (`GITHUB_RUN_ID`, `GITHUB_RUN_ATTEMPT`), recorded in the start commit and the record. */
  run?: { id: string | null; attempt: string | null }
}

/** What an Artifacts session's start needs (see {@link ActionStartOptions.artifacts}). */
export interface StartArtifacts {
  namespace: string
  repositoryId: number | null
  repository: string
  sessions?: ArtifactsSessions | null
}

/** `two-jobs` (default: the agent's job writes nothing remote) or `same-job` (it pushes the session itself). */
export type Topology = 'two-jobs' | 'same-job'

/** A started session. */
export interface StartedSession {
  workspace: Workspace
  record: WorkspaceSessionRecord
  /** Things the user should know (e.g. an earlier run's session was abandoned). */
  notes: string[]
  /**
   * The identity the agent's own commits need when the checkout configures none (a fresh runner):
   * pass it as `GIT_AUTHOR_*` / `GIT_COMMITTER_*`; nothing is written to the checkout's configuration.
   */
  identity: GitIdentity | null
}

/** `<run id>-<attempt>` of a run, or `null` outside a workflow run. */
function runKey(run: ActionStartOptions['run']): string | null {
  return run?.id ? `${run.id}-${run.attempt ?? '1'}` : null
}

/** Starts a session in the workspace (see the module comment). Throws a `GittrixError` saying what to do. */
export async function startSession(options: ActionStartOptions): Promise<StartedSession> {
  const ws = await openWorkspace(options.workspace)
  const topology = options.topology ?? 'two-jobs'
  const notes: string[] = []
  const credentials = await persistedCredentials(ws)
  if (credentials.length) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `The checkout ${ws.root} holds a git credential (${credentials.join(', ')}), which would let the agent push with it. ` +
        'Check out with `persist-credentials: false` (actions/checkout) and remove stored credentials from the runner; Gittrix pushes with its own token.',
    )
  }
  const key = runKey(options.run)
  const previous = await readSessionRecord(ws).catch(() => null)
  if (previous && !previous.finished) {
    if (key === null || previous.run === key) {
      throw new GittrixError(
        'INVALID_ARGUMENT',
        `Session ${previous.sessionId} is still open in ${ws.root}; finish it (mode: finish) before starting another.`,
      )
    }
    // A job that died before finish (a self-hosted runner keeps the checkout): start afresh.
    await removeSessionSetup(ws, previous.branch)
    await rm(join(ws.gitDir, 'gittrix', 'session.json'), { force: true })
    notes.push(
      `Session ${previous.sessionId} of an earlier run (${previous.run ?? 'unknown run'}) was never finished in this checkout; ` +
        `it is abandoned and its work was not published (a ${previous.branch} branch it pushed stays until swept).`,
    )
  }
  const dirty = await dirtyPaths(ws)
  if (dirty.length) {
    throw new GittrixError(
      'WORKTREE_DIRTY',
      `The workspace ${ws.root} has changes before the session started (${dirty.map((p) => JSON.stringify(p)).join(', ')}); ` +
        'start the session right after checking out the durable branch, so the baseline is exactly what the agent saw.',
    )
  }
  const durableBranch = options.durableBranch ?? (await options.remote.defaultBranch())
  if (!durableBranch) {
    throw new GittrixError(
      'REF_NOT_FOUND',
      'The repository has no default branch; set the `durable-branch` input.',
    )
  }
  const problem = branchNameProblem(durableBranch)
  if (problem || durableBranch.startsWith('gittrix/')) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `durable branch ${JSON.stringify(durableBranch)} is not usable: ${problem ?? 'a Gittrix branch cannot be durable'}.`,
    )
  }
  const baselineSha = await ws.repo.resolve('HEAD^{commit}')
  if (!baselineSha) {
    throw new GittrixError('REF_NOT_FOUND', `The workspace ${ws.root} has no commit checked out.`)
  }
  await checkBaseline(ws, baselineSha, durableBranch, options)

  const sessionId = options.sessionId ?? newGitHubSessionId()
  const branch = sessionBranch(sessionId)
  const artifacts = options.artifacts ?? null
  if (artifacts && topology === 'same-job' && !artifacts.sessions) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      'An Artifacts session with topology: same-job creates its repository at start; give this step the artifacts-account-id and artifacts-api-token inputs.',
    )
  }
  const repo = artifacts ? artifactsSessionRepo(artifacts.repositoryId, sessionId) : null
  const runId = options.run?.id && RUN_ID_PATTERN.test(options.run.id) ? options.run.id : undefined
  const message = encodeStartCommit({
    sessionId,
    task: options.task,
    durableBranch,
    baselineSha,
    ephemeral: artifacts
      ? { kind: 'artifacts', namespace: artifacts.namespace, repo: repo! }
      : { kind: 'branch' },
    link: options.link,
    eviction: options.eviction,
    ...(runId ? { run: runId } : {}),
  })
  const startSha = await ws.repo.commitTree(
    await ws.repo.treeOf(baselineSha),
    [baselineSha],
    message,
    ACTIONS_BOT,
  )
  const record: WorkspaceSessionRecord = {
    version: 1,
    sessionId,
    branch,
    durableBranch,
    baselineSha,
    startSha,
    task: options.task,
    finished: null,
    run: key,
    topology,
  }
  if (artifacts && topology === 'two-jobs') {
    // Nothing is created or pushed from the agent's job: the workspace gets the session repository's
    // first commit locally, and `mode: publish` creates the repository from finish's bundle.
    const rootSha = await artifactsRootCommit(ws, {
      sessionId,
      baselineSha,
      durableRef: artifactsDurableRef(artifacts.repository, durableBranch),
    })
    await checkoutSessionBranch(ws, branch, rootSha)
    record.ephemeral = { kind: 'artifacts', namespace: artifacts.namespace, repo: repo!, rootSha }
  } else if (artifacts) {
    record.ephemeral = await startArtifactsWorkspace(ws, artifacts.sessions!, {
      sessionId,
      repo: repo!,
      branch,
      baselineSha,
      durableRef: artifactsDurableRef(artifacts.repository, durableBranch),
      publish: () => options.remote.pushCommit(ws.objectsDir, startSha, branch),
    })
  } else if (topology === 'same-job') {
    // Published first: when the push fails, the checkout is left as it was and a retry starts cleanly.
    await options.remote.pushCommit(ws.objectsDir, startSha, branch)
    // The start commit's tree is the baseline's and the work tree is clean, so moving HEAD is all a checkout would do.
    await checkoutSessionBranch(ws, branch, startSha)
    const origin = await ws.repo.run(['config', '--get', 'remote.origin.url'], { okExitCodes: [1] })
    if (origin.exitCode === 0) {
      // A plain `git push` from the agent goes to its own session branch.
      await ws.repo.run(['config', `branch.${branch}.remote`, 'origin'])
      await ws.repo.run(['config', `branch.${branch}.merge`, `refs/heads/${branch}`])
    }
    await installPushGuard(ws, branch)
  } else {
    await checkoutSessionBranch(ws, branch, startSha)
  }
  await writeSessionRecord(ws, record)
  return { workspace: ws, record, notes, identity: (await hasIdentity(ws)) ? null : ACTIONS_BOT }
}

/** Points `HEAD` at a new local branch `branch` at `sha` (a commit with the checked-out tree). */
async function checkoutSessionBranch(ws: Workspace, branch: string, sha: string): Promise<void> {
  await ws.repo.run(['update-ref', '-m', 'gittrix: start session', `refs/heads/${branch}`, sha, ''])
  await ws.repo.run(['symbolic-ref', '-m', 'gittrix: start session', 'HEAD', `refs/heads/${branch}`])
}

/**
 * The Artifacts half of a start: create the session repository, push ONE orphan commit carrying the
 * baseline's tree to its `main`, then publish the GitHub start commit (`publish`), so the App never
 * sees a session whose repository is not ready; a failure in between deletes the repository again and
 * leaves the workspace as it was. Then the workspace's local session branch is moved to the orphan
 * commit (same tree: the work tree stays as checked out) and pushes, without a credential, to `main`
 * of the session repository (remote {@link ARTIFACTS_REMOTE_NAME}); the pre-push guard refuses every
 * other target.
 */
async function startArtifactsWorkspace(
  ws: Workspace,
  sessions: ArtifactsSessions,
  session: {
    sessionId: string
    repo: string
    branch: string
    baselineSha: string
    durableRef: string
    publish: () => Promise<void>
  },
): Promise<ArtifactsRecord> {
  const { sessionId, repo, branch } = session
  const rootSha = await artifactsRootCommit(ws, session)
  const url = await sessions.create(repo, `Gittrix session ${sessionId}`)
  try {
    await sessions.push(repo, url, ws.objectsDir, rootSha)
    await session.publish()
  } catch (error) {
    await sessions.delete(repo).catch(() => false)
    throw error
  }
  // Only once both sides hold the session does the workspace move onto it.
  await checkoutSessionBranch(ws, branch, rootSha)
  const name = ARTIFACTS_REMOTE_NAME
  const settings: Array<[string, string]> = [
    [`remote.${name}.url`, url],
    [
      `remote.${name}.fetch`,
      `+refs/heads/${ARTIFACTS_SESSION_BRANCH}:refs/remotes/${name}/${ARTIFACTS_SESSION_BRANCH}`,
    ],
    // `git push` (no arguments) sends the session branch to the repository's main.
    [`remote.${name}.push`, `refs/heads/${branch}:refs/heads/${ARTIFACTS_SESSION_BRANCH}`],
    [`branch.${branch}.remote`, name],
    [`branch.${branch}.merge`, `refs/heads/${ARTIFACTS_SESSION_BRANCH}`],
  ]
  for (const [key, value] of settings) await ws.repo.run(['config', '--replace-all', key, value])
  await ws.repo.run(['update-ref', `refs/remotes/${name}/${ARTIFACTS_SESSION_BRANCH}`, rootSha])
  await installPushGuard(ws, { ref: `refs/heads/${ARTIFACTS_SESSION_BRANCH}`, url })
  return { kind: 'artifacts', namespace: sessions.namespace, repo, rootSha }
}

/**
 * The durable ref an Artifacts session's root commit names (`baselineMessage`):
 * `github://<owner>/<repo>#<durable branch>`. `mode: publish` expects exactly this.
 */
export function artifactsDurableRef(repository: string, durableBranch: string): string {
  return `github://${repository}#${durableBranch}`
}

/**
 * Writes the session repository's first commit into the workspace's object store: no parent, the
 * baseline's tree, the `baselineMessage` (trailers `Gittrix-Session`, `Gittrix-Baseline`), Gittrix's
 * identity. Resolves its id.
 */
async function artifactsRootCommit(
  ws: Workspace,
  session: { sessionId: string; baselineSha: string; durableRef: string },
): Promise<string> {
  return ws.repo.commitTree(
    await ws.repo.treeOf(session.baselineSha),
    [],
    baselineMessage(session.sessionId, session.baselineSha, session.durableRef),
    GITTRIX_IDENTITY,
  )
}

async function checkBaseline(
  ws: Workspace,
  baselineSha: string,
  durableBranch: string,
  options: ActionStartOptions,
): Promise<void> {
  const remoteHead = await options.remote.branchHead(durableBranch)
  if (!remoteHead) {
    throw new GittrixError(
      'REF_NOT_FOUND',
      `The durable branch ${JSON.stringify(durableBranch)} does not exist in the repository; set \`durable-branch\` to an existing branch.`,
    )
  }
  if (remoteHead === baselineSha) return
  if (options.trigger?.ref === `refs/heads/${durableBranch}` && options.trigger.sha === baselineSha) return
  const known = await ws.repo.run(['cat-file', '-e', `${remoteHead}^{commit}`], { okExitCodes: [1, 128] })
  if (known.exitCode === 0) {
    const ancestor = await ws.repo.run(['merge-base', '--is-ancestor', baselineSha, remoteHead], {
      okExitCodes: [1],
    })
    if (ancestor.exitCode === 0) return
  }
  throw new GittrixError(
    'INVALID_ARGUMENT',
    `The workspace has ${baselineSha.slice(0, 12)} checked out, which is not a commit of the durable branch ` +
      `${JSON.stringify(durableBranch)} (at ${remoteHead.slice(0, 12)}). Check out that branch before the session ` +
      `starts (actions/checkout with \`ref: ${durableBranch}\`), or set \`durable-branch\` to the branch you checked out.`,
  )
}

/** True when the workspace's configuration names a committer (`user.name` and `user.email`). */
async function hasIdentity(ws: Workspace): Promise<boolean> {
  const checks = await Promise.all(
    ['user.name', 'user.email'].map((key) => ws.repo.run(['config', '--get', key], { okExitCodes: [1] })),
  )
  return checks.every((c) => c.exitCode === 0)
}
