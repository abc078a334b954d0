/**
 * Local sessions for diff and hunk tests: a repository made from files, a session of one workspace
 * kind on it, the handle its adapter is given, and the diff a stored snapshot renders. Sessions and
 * directories are closed and removed after each test.
 */
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { diffChanges } from '../../../src/core/diff.ts'
import {
  GitTrix,
  LocalDurableAdapter,
  LocalEphemeralAdapter,
  type SessionDiff,
  type UserSession,
  type WorkspaceHandle,
} from '../../../src/index.ts'
import { cleanup, makeRepo, tempDir } from '../../support/git-fixtures.ts'

/** `n` lines `line 1` … `line n`, each ended by `eol`, with the numbered lines in `edit` replaced. */
export const lines = (n: number, edit: Record<number, string> = {}, eol = '\n') =>
  Array.from({ length: n }, (_, i) => (edit[i + 1] ?? `line ${i + 1}`) + eol).join('')

const dirs: string[] = []
const open: GitTrix[] = []
afterEach(async () => {
  for (const trix of open.splice(0)) await trix.close()
  cleanup(...dirs.splice(0))
})

/** A local session, with what made it. */
export type LocalSession = Awaited<ReturnType<typeof startLocalSession>>

/**
 * A session of `kind` on a new repository holding `files` (`prepare` runs on the repository before the
 * session starts), with its adapters, store and workspace path.
 */
export async function startLocalSession(
  files: Record<string, string | Buffer>,
  kind: 'clone' | 'worktree' = 'clone',
  prepare?: (repo: string) => void,
) {
  const repo = makeRepo(files)
  prepare?.(repo.path)
  const store = tempDir()
  dirs.push(repo.path, store)
  const ephemeral = new LocalEphemeralAdapter({ kind })
  const durable = new LocalDurableAdapter({ path: repo.path, branch: 'main' })
  const trix = new GitTrix({ durable, ephemeral, storeDir: store, sweepIntervalMs: 0 })
  open.push(trix)
  const session = await trix.startSession({ task: 'local session' })
  return { repo, store, ephemeral, durable, session, ws: session.workspacePath! }
}

/** The handle the adapter is given for `session` (what src/core/runtime.ts `workspaceHandle` builds). */
export async function handleOf(session: UserSession, store: string): Promise<WorkspaceHandle> {
  const meta = await session.info()
  return {
    sessionId: meta.id,
    sessionDir: join(store, meta.id),
    baselineSha: meta.baselineSha,
    ephemeralRef: meta.ephemeralRef,
    ephemeralPath: meta.ephemeralPath!,
  }
}

/** The diff rendered from a stored snapshot (`git add -A`, `diff-index`), as a promotion reads it. */
export async function storedDiff(s: LocalSession): Promise<SessionDiff> {
  const snapshot = await s.ephemeral.snapshot(await handleOf(s.session, s.store))
  return diffChanges(snapshot, snapshot.changes, s.durable)
}
