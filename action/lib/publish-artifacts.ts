/**
 * `mode: publish` for an Artifacts session of the two-job topology: the agent's job held no Cloudflare
 * credential, so the session repository is created and pushed to here, from the verified bundle, in the
 * layout the same-job flow leaves (action/lib/start.ts, finish-artifacts.ts):
 * - Artifacts `<namespace>/gittrix-<GITHUB_REPOSITORY_ID>-<session id>`, branch `main`: the orphan
 *   commit carrying the baseline's tree (`baselineMessage`: trailers `Gittrix-Session`,
 *   `Gittrix-Baseline`, subject naming `github://<owner>/<repo>#<durable branch>`), then the agent's
 *   commits and finish's snapshot;
 * - GitHub `gittrix/<session id>`: the start commit (parent the baseline, its tree, trailer
 *   `Gittrix-Ephemeral: artifacts://<namespace>/<repo>`), then a pointer commit naming the Artifacts
 *   head (`encodePointerCommit`; same tree), which is what the App reads (app/session.ts).
 *
 * Verified before anything is written (the bundle came from a job the agent controlled; the start
 * commit's own checks are publish.ts's): the start commit names this step's namespace and exactly the
 * repository name the App accepts (app/artifacts.ts `ownArtifactsLocation`); the Artifacts line's
 * oldest commit has no parent, the baseline's tree and exactly the root message above; every later
 * commit descends from it alone; none adds a gitlink or a blob over 100 MiB.
 *
 * Existing state (decided for re-runs, never forced):
 * - the Artifacts repository may exist only when its `main` is absent or a commit of this bundle's
 *   Artifacts line (its root commit names this session and baseline, and its start commit this
 *   workflow run: a re-run of this publish job); `main` is then fast-forwarded. Any other content:
 *   refused, nothing written.
 * - the GitHub branch may exist only when it descends from this session's start commit; the pointer
 *   then goes on top of its head (nothing is written when it already points at this Artifacts head).
 * A repository this call created is deleted again when the GitHub side then fails, so a re-run starts
 * from nothing.
 */
import { GITTRIX_IDENTITY, baselineMessage } from '../../src/adapters/artifacts/baseline.ts'
import { ARTIFACTS_ERROR_CODES, ArtifactsApiError } from '../../src/adapters/artifacts/errors.ts'
import { GittrixError } from '../../src/core/errors.ts'
import type { GitRepo } from '../../src/git/repo.ts'
import { encodePointerCommit, type PointerCommit } from '../../src/github/pointer-commit.ts'
import type { StartCommit } from '../../src/github/start-commit.ts'
import { ARTIFACTS_BUNDLE_REF, type ArtifactsSessions } from './artifacts.ts'
import { publishPointer } from './pointer.ts'
import { checkContent, refuse } from './bundle-checks.ts'
import { type PublishedSession, publishedSession } from './published.ts'
import type { SessionRemote } from './remote.ts'
import { artifactsDurableRef } from './start.ts'
import { join } from 'node:path'

/** What {@link publishArtifactsSession} needs: publish.ts's scratch repository holding the bundle's refs. */
export interface PublishArtifactsOptions {
  /** The scratch repository: the baseline (shallow), the start commit and {@link ARTIFACTS_BUNDLE_REF}. */
  repo: GitRepo
  remote: SessionRemote
  /** The `artifacts-*` inputs; `null` is refused with a message naming them. */
  sessions: ArtifactsSessions | null
  /** `owner/repo`, named by the root commit's durable ref. */
  repository: string | null
  /** The verified start commit and its id. */
  start: StartCommit
  startSha: string
  /** The Artifacts head the bundle names. */
  artifactsHead: string
}

/**
 * Verifies the Artifacts line and publishes both sides (see the module comment). Throws
 * `INVALID_ARGUMENT` (refused; nothing written), an `ArtifactsApiError`, or `GIT_FAILED` when a push is
 * refused.
 */
export async function publishArtifactsSession(options: PublishArtifactsOptions): Promise<PublishedSession> {
  const { repo, remote, sessions, start, startSha, artifactsHead } = options
  const { sessionId, baselineSha } = start
  if (start.ephemeral.kind !== 'artifacts') refuse('its start commit names no Artifacts repository')
  if (!sessions) {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `Session ${sessionId} is an Artifacts session (${start.ephemeral.namespace}/${start.ephemeral.repo}); give the publish step ` +
        'the artifacts-account-id, artifacts-namespace and artifacts-api-token inputs. Nothing was pushed.',
    )
  }
  const name = sessions.sessionRepo(sessionId)
  if (start.ephemeral.namespace !== sessions.namespace || start.ephemeral.repo !== name)
    refuse(
      `its start commit names Artifacts ${start.ephemeral.namespace}/${start.ephemeral.repo}, ` +
        `not this session's own repository ${sessions.namespace}/${name}`,
    )
  if (!options.repository) refuse('GITHUB_REPOSITORY is unknown, so its root commit cannot be checked')
  const line = await artifactsLine(repo, artifactsHead)
  const rootSha = line[0]!
  await checkRoot(repo, rootSha, {
    baselineSha,
    message: baselineMessage(
      sessionId,
      baselineSha,
      artifactsDurableRef(options.repository, start.durableBranch),
    ),
  })
  await checkContent(repo, rootSha, artifactsHead)

  const branch = `gittrix/${sessionId}`
  const objectsDir = join(repo.gitDir, 'objects')
  const ws = { repo, objectsDir }
  const existing = await remote.branchHead(branch)
  if (existing && existing !== startSha) {
    const head = await remote.fetchBranch(objectsDir, branch, [startSha])
    const ancestor = head
      ? await repo.run(['merge-base', '--is-ancestor', startSha, head], { okExitCodes: [1, 128] })
      : null
    if (ancestor?.exitCode !== 0)
      refuse(
        `${branch} already exists on GitHub at ${existing.slice(0, 12)}, which does not descend from this session's start commit: ` +
          'publish only creates or extends the branch it started in this run',
      )
  }

  const created = await ensureRepository(sessions, name, sessionId, line)
  const pointer: PointerCommit = { sessionId, namespace: sessions.namespace, repo: name, artifactsHead }
  let pointerSha: string
  let pushed = true
  try {
    if (created.main !== artifactsHead) await sessions.push(name, created.url, objectsDir, artifactsHead)
    else pushed = false
    if (!existing) {
      // One push creates the branch with the start commit and the pointer: the App never sees the
      // session before its content is in Artifacts.
      pointerSha = await repo.commitTree(
        await repo.treeOf(startSha),
        [startSha],
        encodePointerCommit(pointer),
        GITTRIX_IDENTITY,
      )
      await remote.pushFrom(repo, pointerSha, branch)
      pushed = true
    } else {
      const published = await publishPointer({ ws, remote, branch, haves: [startSha], pointer })
      pointerSha = published.sha
      pushed ||= published.created
    }
  } catch (error) {
    if (created.now) await sessions.delete(name).catch(() => false)
    throw error
  }

  return publishedSession(repo, {
    start,
    startSha,
    headSha: artifactsHead,
    pushed,
    pointerSha,
    laterCommits: line.slice(1),
    artifacts: { kind: 'artifacts', namespace: sessions.namespace, repo: name, rootSha },
  })
}

/**
 * The commits of the Artifacts line, oldest first, after checking that they form one line: the oldest
 * has no parent, every other has only parents among them.
 */
async function artifactsLine(repo: GitRepo, head: string): Promise<string[]> {
  const lines = (await repo.text(['rev-list', '--topo-order', '--reverse', '--parents', head]))
    .split('\n')
    .filter(Boolean)
  const seen = new Set<string>()
  lines.forEach((entry, i) => {
    const [sha, ...parents] = entry.split(' ')
    const ok = i === 0 ? parents.length === 0 : parents.length > 0 && parents.every((p) => seen.has(p))
    if (!ok)
      refuse(
        `commit ${sha!.slice(0, 12)} of ${ARTIFACTS_BUNDLE_REF} does not descend from the session repository's root commit alone`,
      )
    seen.add(sha!)
  })
  return lines.map((entry) => entry.slice(0, 40))
}

/** The root commit carries the baseline's tree, no parent, and exactly `expected.message`. */
async function checkRoot(
  repo: GitRepo,
  rootSha: string,
  expected: { baselineSha: string; message: string },
): Promise<void> {
  const raw = await repo.text(['cat-file', 'commit', rootSha])
  const message = raw.slice(raw.indexOf('\n\n') + 2)
  if ((await repo.treeOf(rootSha)) !== (await repo.treeOf(expected.baselineSha)))
    refuse("the session repository's root commit does not carry the baseline's tree")
  // `text` trims the trailing newline the encoder writes.
  if (message !== expected.message.trimEnd())
    refuse(
      "the session repository's root commit is not the baseline commit of this session and durable branch",
    )
}

/**
 * Creates the session repository, or accepts the existing one when its `main` is absent or a commit of
 * `line` (a re-run); refuses any other content. Resolves its remote URL, its current `main` and whether
 * this call created it.
 */
async function ensureRepository(
  sessions: ArtifactsSessions,
  name: string,
  sessionId: string,
  line: readonly string[],
): Promise<{ url: string; main: string | null; now: boolean }> {
  try {
    const url = await sessions.create(name, `Gittrix session ${sessionId}`)
    return { url, main: null, now: true }
  } catch (error) {
    if (!(
      error instanceof ArtifactsApiError && error.cloudflareCode === ARTIFACTS_ERROR_CODES.ALREADY_EXISTS
    ))
      throw error
  }
  const url = await sessions.remote(name)
  if (!url)
    refuse(`Artifacts ${sessions.namespace}/${name} exists and vanished while it was read; run the job again`)
  const main = await sessions.mainHead(name, url)
  if (main && !line.includes(main))
    refuse(
      `Artifacts ${sessions.namespace}/${name} already exists with other content (main at ${main.slice(0, 12)}, not a commit of this session); ` +
        'publish only creates the repository or fast-forwards the one an earlier attempt of this run created',
    )
  return { url, main, now: false }
}
