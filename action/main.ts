/**
 * The Action's entry (action.yml runs the bundle of this file as `main` and as `post`). Thin on
 * purpose: it tells main from post by the step state, parses the inputs once into the settings
 * object (settings.ts), calls the library (action/lib/), and turns results into logs, outputs and
 * the job summary. It holds the only `setFailed` calls.
 *
 * - main: `run` (start → agent command → finish), `start`, `finish`, `publish` or `sweep`.
 * - post (`post-if: always()`): when this step started a session that nothing finished (the agent
 *   failed before `mode: finish`, or the job was cancelled), it finishes it, so no work is lost.
 *   Otherwise it does nothing. The saved state only names the session; the workspace's record is
 *   checked against its start commit before anything is written.
 */
import * as core from '@actions/core'
import { agentEnvironment, type AgentExit, type AgentSandbox, runAgentCommand } from './lib/agent.ts'
import { prepareAgentSandbox } from './lib/agent-sandbox.ts'
import { ArtifactsSessions } from './lib/artifacts.ts'
import { stopAgentProcesses } from './lib/contain.ts'
import { finishSession, type FinishedSession, workspaceSession } from './lib/finish.ts'
import { cappedJsonArray, TOUCHED_FILES_BUDGET_BYTES } from './lib/summary.ts'
import type { WorkspaceSessionRecord } from './lib/workspace.ts'
import { SessionRemote } from './lib/remote.ts'
import { startSession } from './lib/start.ts'
import { lineageRoot } from './lib/workspace.ts'
import {
  EMPTY_SESSION_NOTE,
  renderFinishSummary,
  renderStartSummary,
  renderSweepSummary,
  sessionOutputs,
  type SessionOutputs,
} from './lib/summary.ts'
import { DEFAULT_EVICTION } from '../src/core/eviction.ts'
import { redact } from '../src/git/redact.ts'
import { InputError, type InputName, readSettings, type Settings } from './settings.ts'

/** Step state keys (GITHUB_STATE), read back by the post step. */
const STATE = {
  phase: 'gittrix-phase',
  sessionId: 'gittrix-session-id',
  workspace: 'gittrix-workspace',
} as const

async function main(): Promise<void> {
  // Masked before anything else can print it, even when other inputs turn out to be invalid.
  const artifactsToken = core.getInput('artifacts-api-token')
  if (artifactsToken) core.setSecret(artifactsToken)
  const isPost = core.getState(STATE.phase) === 'main'
  if (!isPost) core.saveState(STATE.phase, 'main')
  let settings: Settings
  try {
    settings = readSettings((name: InputName) => core.getInput(name), process.env)
  } catch (error) {
    // The post step stays quiet: main already reported the inputs.
    if (!isPost)
      core.setFailed(error instanceof InputError ? error.message : redact(String((error as Error).message)))
    return
  }
  core.setSecret(settings.token)
  core.setSecret(Buffer.from(`x-access-token:${settings.token}`, 'utf8').toString('base64'))
  // Nothing started from here on (git, the agent) needs to see the token in its environment.
  delete process.env.INPUT_TOKEN
  delete process.env['INPUT_ARTIFACTS-API-TOKEN']
  try {
    if (isPost) await post(settings)
    else await runMode(settings)
  } catch (error) {
    core.setFailed(redact((error as Error).message))
  }
}

function remoteOf(settings: Settings): SessionRemote {
  return new SessionRemote({
    serverUrl: settings.serverUrl,
    repository: settings.repository,
    token: settings.token,
  })
}

/** The Artifacts namespace's session repositories, when the artifacts-* inputs are given (one per process). */
let artifactsSessions: ArtifactsSessions | null | undefined
function artifactsOf(settings: Settings): ArtifactsSessions | null {
  if (artifactsSessions === undefined) {
    artifactsSessions = settings.artifacts
      ? new ArtifactsSessions({
          ...settings.artifacts,
          repositoryId: settings.repositoryId,
          log: (line) => core.debug(line),
        })
      : null
  }
  return artifactsSessions
}

async function runMode(settings: Settings): Promise<void> {
  core.info(`Gittrix ${settings.mode}: ${settings.repository}`)
  switch (settings.mode) {
    case 'start':
      await start(settings)
      return
    case 'run': {
      // Checked before the session starts: a runner that cannot sandbox starts nothing.
      const sandbox = settings.sandbox ? await prepareAgentSandbox(process.env) : undefined
      const started = await start(settings)
      const exit = await runAgent(settings, started, sandbox)
      const finished = await finish(settings, started.record.sessionId, exit, false, started.record)
      if (exit.code !== 0 || exit.timedOut) {
        const how = exit.timedOut
          ? 'ran out of time (timeout) and was stopped'
          : exit.signal
            ? `was stopped by ${exit.signal}`
            : `exited with code ${exit.code}`
        core.setFailed(`The agent command ${how}; its work so far was ${delivered(finished, settings)}.`)
      }
      return
    }
    case 'finish': {
      const root = settings.workspace
      const record = await workspaceSession(root)
      if (record) await stopLeftovers(record.sessionId)
      await finish(settings, process.env.GITTRIX_SESSION_ID || undefined, null, false)
      return
    }
    case 'publish':
      await publish(settings)
      return
    case 'sweep':
      await sweep(settings)
      return
  }
}

/** Where a finished session's work went, for messages. */
function delivered(finished: FinishedSession, settings: Settings): string {
  if (finished.bundle && settings.topology === 'two-jobs')
    return `written to the bundle ${finished.bundle} for the publish job`
  return `pushed to ${finished.record.branch} for review`
}

interface Started {
  record: WorkspaceSessionRecord
  root: string
  identity: { name: string; email: string } | null
}

async function start(settings: Settings): Promise<Started> {
  const { workspace, record, notes, identity } = await startSession({
    workspace: settings.workspace,
    task: settings.task!,
    durableBranch: settings.durableBranch ?? settings.defaultBranch,
    link: settings.link,
    eviction: settings.eviction,
    remote: remoteOf(settings),
    trigger: settings.trigger,
    topology: settings.topology,
    run: settings.workflowRun,
    artifacts:
      settings.ephemeral === 'artifacts'
        ? {
            namespace: settings.artifactsNamespace!,
            repositoryId: settings.repositoryId,
            repository: settings.repository,
            sessions: settings.topology === 'same-job' ? artifactsOf(settings) : null,
          }
        : null,
  })
  for (const note of notes) core.warning(note)
  core.saveState(STATE.sessionId, record.sessionId)
  core.saveState(STATE.workspace, workspace.root)
  core.info(
    `Started session ${record.sessionId} on ${record.branch}: baseline ${record.baselineSha} of ${record.durableBranch}` +
      (record.topology === 'two-jobs' ? ' (two jobs: nothing is pushed from this job).' : '.'),
  )
  if (record.ephemeral)
    core.info(
      record.topology === 'two-jobs'
        ? `The agent works in the checkout; the publish job creates Artifacts repository ${record.ephemeral.namespace}/${record.ephemeral.repo} from the bundle.`
        : `The agent works in a clone of Artifacts repository ${record.ephemeral.namespace}/${record.ephemeral.repo}.`,
    )
  setOutputs(sessionOutputs(record, lineageRoot(record), { files: [] }))
  core.exportVariable('GITTRIX_SESSION_ID', record.sessionId)
  core.exportVariable('GITTRIX_BASELINE_SHA', record.baselineSha)
  core.exportVariable('GITTRIX_WORKSPACE', workspace.root)
  core.exportVariable('GITTRIX_BRANCH', record.branch)
  if (settings.mode === 'start') {
    if (identity) {
      // The agent's own `git commit` needs an identity; nothing is written to the checkout's configuration.
      for (const role of ['AUTHOR', 'COMMITTER'])
        if (!process.env[`GIT_${role}_NAME`]) {
          core.exportVariable(`GIT_${role}_NAME`, identity.name)
          core.exportVariable(`GIT_${role}_EMAIL`, identity.email)
        }
    }
    await core.summary.addRaw(renderStartSummary(record), true).write()
  }
  return { record, root: workspace.root, identity }
}

async function runAgent(settings: Settings, started: Started, sandbox?: AgentSandbox): Promise<AgentExit> {
  core.startGroup(sandbox ? 'Agent (in a bubblewrap sandbox)' : 'Agent')
  try {
    const { record } = started
    const exit = await runAgentCommand(settings.run!, {
      cwd: started.root,
      env: agentEnvironment(
        process.env,
        {
          sessionId: record.sessionId,
          baselineSha: record.baselineSha,
          workspace: started.root,
          branch: record.branch,
        },
        { fileCommands: settings.agentFileCommands, identity: started.identity },
      ),
      timeoutMs: settings.timeoutMs,
      marker: `GITTRIX_SESSION_ID=${record.sessionId}`,
      ...(sandbox ? { sandbox } : {}),
    })
    reportSurvivors(exit.survivors ?? [])
    return exit
  } finally {
    core.endGroup()
  }
}

/** Stops processes an earlier agent step left running (they carry the session id start exported). */
async function stopLeftovers(sessionId: string): Promise<void> {
  reportSurvivors(await stopAgentProcesses({ marker: `GITTRIX_SESSION_ID=${sessionId}` }))
}

function reportSurvivors(survivors: ReadonlyArray<{ pid: number; command: string }>): void {
  if (survivors.length === 0) return
  core.warning(
    `${survivors.length} process(es) the agent left running were stopped before the snapshot: ` +
      survivors
        .slice(0, 10)
        .map((p) => `${p.pid} (${p.command})`)
        .join(', '),
  )
}

async function finish(
  settings: Settings,
  sessionId: string | undefined,
  agent: AgentExit | null,
  byPostStep: boolean,
  record?: WorkspaceSessionRecord,
): Promise<FinishedSession> {
  const finished = await finishSession({
    workspace: settings.workspace,
    remote: remoteOf(settings),
    ...(sessionId ? { sessionId } : {}),
    ...(record ? { record } : {}),
    artifacts: artifactsOf(settings),
    topology: settings.topology,
    ...(settings.transcript ? { transcript: settings.transcript } : {}),
  })
  for (const warning of finished.warnings) core.warning(warning)
  if (finished.transcript)
    core.info(
      `Attached the transcript (${finished.transcript.lines} lines, ${finished.transcript.bytes} bytes) to ${finished.headSha.slice(0, 12)}.`,
    )
  const outputs = sessionOutputs(finished.record, finished.headSha, finished.diff)
  if (finished.diff.files.length === 0) core.info(EMPTY_SESSION_NOTE)
  const { ephemeral } = finished.record
  const twoJobs = settings.topology === 'two-jobs'
  core.info(
    ephemeral && !twoJobs
      ? `Pushed ${finished.headSha} to Artifacts ${ephemeral.namespace}/${ephemeral.repo}; ${finished.record.branch} points at it (${finished.pointerSha}): ${outputs['diff-stat']}.`
      : twoJobs
        ? `Wrote ${finished.record.branch} at ${finished.headSha} to ${finished.bundle} for the publish job: ${outputs['diff-stat']}.`
        : finished.pushError
          ? `Did not push ${finished.record.branch}: ${finished.pushError}`
          : `Pushed ${finished.record.branch} at ${finished.headSha}: ${outputs['diff-stat']}.`,
  )
  setOutputs(outputs)
  if (finished.bundle) core.setOutput('bundle', finished.bundle)
  core.setOutput(
    'skipped-files',
    cappedJsonArray(
      finished.skipped.map((s) => s.path),
      TOUCHED_FILES_BUDGET_BYTES,
    ),
  )
  await core.summary
    .addRaw(
      renderFinishSummary({
        record: finished.record,
        headSha: finished.headSha,
        diff: finished.diff,
        agentCommits: finished.agentCommits,
        warnings: finished.pushError ? [...finished.warnings, finished.pushError] : finished.warnings,
        agent,
        byPostStep,
        skipped: finished.skipped,
        delivery: finished.pushError ? 'push-refused' : twoJobs ? 'bundle' : 'pushed',
      }),
      true,
    )
    .write()
  if (finished.pushError) core.setFailed(finished.pushError)
  return finished
}

async function publish(settings: Settings): Promise<void> {
  const { publishSession } = await import('./lib/publish.ts')
  const remote = remoteOf(settings)
  const durableBranch = settings.durableBranch ?? settings.defaultBranch ?? (await remote.defaultBranch())
  if (!durableBranch) throw new Error('The repository has no default branch; set the `durable-branch` input.')
  const published = await publishSession({
    bundle: settings.bundle!,
    remote,
    runId: settings.workflowRun.id,
    durableBranch,
    link: settings.link,
    artifacts: artifactsOf(settings),
    repository: settings.repository,
  })
  const outputs = sessionOutputs(published.record, published.headSha, published.diff)
  const { ephemeral } = published.record
  core.info(
    !published.pushed
      ? `${published.record.branch} already was at ${published.pointerSha ?? published.headSha}; nothing to push.`
      : ephemeral
        ? `Published ${published.headSha} to Artifacts ${ephemeral.namespace}/${ephemeral.repo}; ${published.record.branch} points at it (${published.pointerSha}): ${outputs['diff-stat']}.`
        : `Published ${published.record.branch} at ${published.headSha}: ${outputs['diff-stat']}.`,
  )
  setOutputs(outputs)
  await core.summary
    .addRaw(
      renderFinishSummary({
        record: published.record,
        headSha: published.headSha,
        diff: published.diff,
        agentCommits: published.agentCommits,
        warnings: [],
        agent: null,
        byPostStep: false,
        delivery: 'published',
      }),
      true,
    )
    .write()
}

async function sweep(settings: Settings): Promise<void> {
  // Loaded here: the REST client is only needed by this mode, and the other modes start faster without it.
  const { createGitHubClient } = await import('../src/adapters/github/client.ts')
  const { sweepSessions } = await import('./lib/sweep.ts')
  const octokit = createGitHubClient({ token: settings.token, baseUrl: settings.apiUrl })
  const entries = await sweepSessions({
    remote: remoteOf(settings),
    octokit,
    owner: settings.owner,
    repo: settings.repo,
    defaults: settings.eviction ?? DEFAULT_EVICTION,
    durableBranch: settings.durableBranch ?? settings.defaultBranch,
    artifacts: artifactsOf(settings),
  })
  for (const entry of entries) core.info(`${entry.branch}: ${entry.outcome} (${entry.reason})`)
  const deleted = entries.filter((e) => e.outcome === 'deleted').length
  core.info(`Swept ${entries.length} session branches, deleted ${deleted}.`)
  await core.summary.addRaw(renderSweepSummary(entries), true).write()
}

async function post(settings: Settings): Promise<void> {
  // The state file was writable by the agent (it ran inside this step): it only says whether to look.
  // The workspace comes from the inputs, the session from its record, checked against its start commit.
  const sessionId = core.getState(STATE.sessionId)
  if (!sessionId) return
  const record = await workspaceSession(settings.workspace).catch(() => null)
  if (!record || record.sessionId !== sessionId || record.finished) return
  core.warning(
    `Session ${sessionId} was not finished (the agent step failed or the job was cancelled); finishing it now so its work is not lost.`,
  )
  await stopLeftovers(sessionId)
  await finish(settings, sessionId, null, true)
}

function setOutputs(outputs: SessionOutputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
}

await main()
