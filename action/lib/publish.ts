/**
 * `mode: publish`: in a job of its own (`contents: write`, no agent code ever runs there), take the
 * bundle the agent's job wrote and create or fast-forward the session branch `gittrix/<id>` from it,
 * and nothing else.
 *
 * The bundle came from a job an agent controlled, so it is verified in a scratch bare repository of
 * Gittrix's own (sealed git: no system, global or repository configuration, hooks, filters, fsmonitor
 * or includes; objects checked with `fetch.fsckObjects`):
 * - it names exactly one ref, `refs/heads/gittrix/<session-id>` (besides, optionally, that session's
 *   notes refs), and one prerequisite, the baseline, which is fetched from GitHub (so it is a commit
 *   GitHub has);
 * - the oldest commit on top of the baseline is a start commit that parses strictly for that session
 *   and branch, whose only parent and tree are the baseline's, and which names THIS workflow run
 *   (`Gittrix-Run`), this job's durable branch and (when this job knows one) its link; every later
 *   commit descends from it alone (no other history);
 * - the baseline is the durable branch's head on GitHub or one of its ancestors;
 * - no commit adds a gitlink, and no blob is over GitHub's 100 MiB limit;
 * - the branch on GitHub does not exist yet, or holds a commit of this very session (a re-run).
 * Then the head is pushed to `refs/heads/gittrix/<id>` without force, together (`--atomic`) with the
 * session's notes refs `refs/notes/gittrix-sessions/<id>/<kind>` when the bundle names them: rebuilt
 * from the notes on this session's commits only (session-notes.ts), never pushed as the agent wrote
 * them. The outputs and summary are
 * computed from the verified commits, never from anything the agent's job reported.
 *
 * An Artifacts session (start commit `Gittrix-Ephemeral: artifacts://…`, two-job topology) is published
 * by publish-artifacts.ts: its bundle also names `refs/gittrix/artifacts-main`, the session
 * repository's content, which is verified the same way and pushed to Cloudflare Artifacts; GitHub's
 * branch gets the start commit and a pointer commit.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { GittrixError } from '../../src/core/errors.ts'
import { withScratchRepo } from '../../src/git/network.ts'
import type { GitRepo } from '../../src/git/repo.ts'
import { parseSessionNotesRef, sessionIdFromRef } from '../../src/github/branches.ts'
import { parseStartCommit, type StartCommit } from '../../src/github/start-commit.ts'
import { ARTIFACTS_BUNDLE_REF, type ArtifactsSessions } from './artifacts.ts'
import { publishArtifactsSession } from './publish-artifacts.ts'
import { readBundleHeader } from './bundle.ts'
import { checkContent, refuse, sessionCommits } from './bundle-checks.ts'
import { type PublishedSession, publishedSession } from './published.ts'
import { copySessionNotes } from './session-notes.ts'
import type { SessionRemote } from './remote.ts'

/** What {@link publishSession} needs. */
export interface PublishSessionOptions {
  /** The bundle file, or a directory holding exactly one `*.bundle` (what `actions/download-artifact` leaves). */
  bundle: string
  /** The GitHub repository, with a token that may push. */
  remote: SessionRemote
  /** This job's `GITHUB_RUN_ID`: the start commit must name it. `null` skips the check (outside Actions). */
  runId: string | null
  /** The durable branch this job expects (input, else the repository's default branch). */
  durableBranch: string
  /** The issue or pull request this job links sessions to; checked when not `null`. */
  link: number | null
  /**
   * The `artifacts-*` inputs' session repositories: required to publish an Artifacts session, whose
   * start commit must name `<their namespace>/gittrix-<GITHUB_REPOSITORY_ID>-<session id>`.
   */
  artifacts?: ArtifactsSessions | null
  /** `owner/repo` (`GITHUB_REPOSITORY`): an Artifacts session's root commit names it. */
  repository?: string
}

/** Verifies and publishes (see the module comment). Throws `INVALID_ARGUMENT` naming what the bundle fails. */
export async function publishSession(options: PublishSessionOptions): Promise<PublishedSession> {
  const file = await bundleFile(options.bundle)
  const header = await readBundleHeader(file)
  const artifactsHead = header.refs.get(ARTIFACTS_BUNDLE_REF) ?? null
  const notesRefs = [...header.refs.keys()].filter((name) => parseSessionNotesRef(name) !== null)
  const refs = [...header.refs.entries()].filter(
    ([name]) => name !== ARTIFACTS_BUNDLE_REF && !notesRefs.includes(name),
  )
  const sessionId = refs.length === 1 ? sessionIdFromRef(refs[0]![0]) : null
  if (!sessionId || refs[0]![0] !== `refs/heads/gittrix/${sessionId}`)
    refuse(
      `it must name exactly one ref, refs/heads/gittrix/<session-id> (and ${ARTIFACTS_BUNDLE_REF} for an Artifacts session), ` +
        `not ${refs.length} (${describeRefs(refs)})`,
    )
  if (header.prerequisites.length !== 1)
    refuse(`it must require exactly one commit (the baseline), not ${header.prerequisites.length}`)
  const other = notesRefs.find((name) => parseSessionNotesRef(name)!.sessionId !== sessionId)
  if (other) refuse(`its notes ref ${JSON.stringify(other)} belongs to another session than ${sessionId}`)
  if (artifactsHead && notesRefs.length)
    refuse('an Artifacts session keeps no notes on GitHub, yet it names notes refs')
  const [ref, headSha] = refs[0]!
  const baselineSha = header.prerequisites[0]!
  const branch = `gittrix/${sessionId}`
  return withScratchRepo({}, async (repo) => {
    await options.remote.fetchInto(repo, [baselineSha], ['--depth=1']).catch((error: unknown) => {
      refuse(
        `its baseline ${baselineSha.slice(0, 12)} is not a commit of the repository (${(error as Error).message})`,
      )
    })
    const wanted = artifactsHead ? [ref, ARTIFACTS_BUNDLE_REF] : [ref, ...notesRefs]
    await repo.run(
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        file,
        ...wanted.map((name) => `${name}:${name}`),
      ],
      {
        config: [
          // A sealed git allows no local transport by default; this one command reads the bundle file.
          ['protocol.file.allow', 'always'],
          ['fetch.fsckObjects', 'true'],
          ['transfer.fsckObjects', 'true'],
        ],
      },
    )
    const commits = await sessionCommits(repo, baselineSha, headSha)
    const startSha = commits[0]!
    const start = await checkStartCommit(repo, startSha, { sessionId, branch, baselineSha, options })
    if ((start.ephemeral.kind === 'artifacts') !== (artifactsHead !== null))
      refuse(
        artifactsHead
          ? `its start commit is a branch session's, yet it names ${ARTIFACTS_BUNDLE_REF}`
          : `its start commit names an Artifacts repository, yet it does not name ${ARTIFACTS_BUNDLE_REF}`,
      )
    if (artifactsHead) {
      if (commits.length !== 1)
        refuse(`an Artifacts session's ${ref} holds its start commit only, not ${commits.length} commits`)
      await checkBaseline(repo, options, baselineSha, start.durableBranch)
      return publishArtifactsSession({
        repo,
        remote: options.remote,
        sessions: options.artifacts ?? null,
        repository: options.repository ?? null,
        start,
        startSha,
        artifactsHead,
      })
    }
    await checkContent(repo, baselineSha, headSha)
    await checkBaseline(repo, options, baselineSha, start.durableBranch)
    const existing = await options.remote.branchHead(branch)
    if (existing && !commits.includes(existing)) {
      refuse(
        `${branch} already exists on GitHub at ${existing.slice(0, 12)}, which is not a commit of this session: ` +
          'publish only creates or fast-forwards the branch it started in this run',
      )
    }
    // The agent's notes, rebuilt from the notes on this session's commits only (session-notes.ts).
    const sources = Object.fromEntries(notesRefs.map((name) => [parseSessionNotesRef(name)!.kind, name]))
    const notes = await copySessionNotes(repo, sessionId, sources, commits)
    const pushed = existing !== headSha
    if (pushed || Object.keys(notes).length) await options.remote.pushFrom(repo, headSha, branch, notes)
    return publishedSession(repo, {
      start,
      startSha,
      headSha,
      pushed,
      pointerSha: null,
      laterCommits: commits.slice(1),
    })
  })
}

/** The bundle file: `path` itself, or the only `*.bundle` in directory `path`. */
async function bundleFile(path: string): Promise<string> {
  const info = await stat(path).catch(() => null)
  if (!info) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `No session bundle at ${path}; download the agent job's artifact (actions/download-artifact) and pass its path as \`bundle\`.`,
    )
  }
  if (info.isFile()) return path
  const bundles = (await readdir(path)).filter((name) => name.endsWith('.bundle'))
  if (bundles.length !== 1) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `${path} holds ${bundles.length} *.bundle files; publish takes exactly one session (one artifact per session).`,
    )
  }
  return join(path, bundles[0]!)
}

async function checkStartCommit(
  repo: GitRepo,
  startSha: string,
  expected: { sessionId: string; branch: string; baselineSha: string; options: PublishSessionOptions },
): Promise<StartCommit> {
  const raw = await repo.text(['cat-file', 'commit', startSha])
  const parsed = parseStartCommit(raw.slice(raw.indexOf('\n\n') + 2), {
    branch: expected.branch,
    sessionId: expected.sessionId,
  })
  if (!parsed.ok) refuse(`its first commit is not the session's start commit: ${parsed.reason}`)
  const start = parsed.value
  if (start.baselineSha !== expected.baselineSha)
    refuse('the start commit names another baseline than its parent')
  if ((await repo.treeOf(startSha)) !== (await repo.treeOf(expected.baselineSha)))
    refuse("the start commit's tree is not the baseline's")
  const { runId, durableBranch, link } = expected.options
  if (runId !== null && start.run !== runId)
    refuse(`its start commit names workflow run ${start.run ?? '(none)'}, not this run (${runId})`)
  if (start.durableBranch !== durableBranch)
    refuse(
      `it is based on ${JSON.stringify(start.durableBranch)}, but this job publishes sessions of ${JSON.stringify(durableBranch)}`,
    )
  if (link !== null && start.link !== link) refuse(`it links to #${start.link ?? '(none)'}, not #${link}`)
  return start
}

/** The baseline is the durable branch's head on GitHub or one of its ancestors. Refuses otherwise. */
export async function checkBaseline(
  repo: GitRepo,
  options: PublishSessionOptions,
  baselineSha: string,
  durableBranch: string,
): Promise<void> {
  const head = await options.remote.branchHead(durableBranch)
  if (!head) refuse(`its durable branch ${JSON.stringify(durableBranch)} does not exist on GitHub`)
  if (head === baselineSha) return
  await options.remote.fetchInto(repo, [`+refs/heads/${durableBranch}:refs/gittrix/durable`])
  const ancestor = await repo.run(['merge-base', '--is-ancestor', baselineSha, 'refs/gittrix/durable'], {
    okExitCodes: [1, 128],
  })
  if (ancestor.exitCode !== 0)
    refuse(
      `its baseline ${baselineSha.slice(0, 12)} is not a commit of ${JSON.stringify(durableBranch)} on GitHub`,
    )
}

function describeRefs(refs: ReadonlyArray<[string, string]>): string {
  return refs
    .slice(0, 3)
    .map(([name]) => JSON.stringify(name.slice(0, 80)))
    .join(', ')
}
