/**
 * The one orphan snapshot commit a session repository starts from: the baseline's tree, no history.
 * Built locally in the workspace repository and pushed as a single commit (docs/architecture.md#adapters; the
 * "no full history upload" of issue 6). The objects come from a local durable's object store through
 * `alternates` when there is one, otherwise from the durable adapter (`listTree` + `readBlobs`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DurableAdapter } from '../../core/adapters.ts'
import { parsePromotionTrailers, withTrailers } from '../../core/promotion-identity.ts'
import type { GitRepo } from '../../git/repo.ts'

/** Identity of Gittrix's own commits in session repositories when git has none configured. */
export const GITTRIX_IDENTITY = { name: 'Gittrix', email: 'gittrix@localhost' }

/** How many blobs are read from a remote durable adapter per call. */
const BLOB_BATCH = 256

/**
 * The message of a baseline snapshot commit: subject `gittrix: baseline of <durableRef>` plus the
 * `Gittrix-Session` / `Gittrix-Baseline` trailers, written by the promotion commits' `withTrailers`
 * (src/core/promotion-identity.ts). Throws `INVALID_ARGUMENT` as `withTrailers` does.
 */
export function baselineMessage(sessionId: string, baselineSha: string, durableRef: string): string {
  return withTrailers(`gittrix: baseline of ${durableRef}`, sessionId, baselineSha)
}

/**
 * The durable baseline sha named by a baseline commit message, or `null`: read by the one trailer
 * matcher, `parsePromotionTrailers` (src/core/promotion-identity.ts) — `Gittrix-Session` and
 * `Gittrix-Baseline` once each in the final trailer block, by git's rules.
 */
export function baselineFromMessage(message: string): string | null {
  const read = parsePromotionTrailers(message)
  return read.ok ? read.value.baselineSha : null
}

/**
 * Writes the baseline's tree into `repo` (a fresh repository) and resolves its id. A local durable lends
 * its objects through `objects/info/alternates` (like `git clone --shared`); any other durable is read
 * through the adapter and its blobs are written here, each checked against its id.
 */
export async function importBaselineTree(
  repo: GitRepo,
  durable: DurableAdapter,
  baselineSha: string,
): Promise<string> {
  if (durable.localGitDir) {
    const durableGitDir = await durable.localGitDir()
    await writeFile(join(repo.gitDir, 'objects', 'info', 'alternates'), `${join(durableGitDir, 'objects')}\n`)
    return repo.treeOf(baselineSha)
  }
  const entries = await durable.listTree(baselineSha)
  const oids = [...new Set(entries.filter((e) => e.mode !== '160000').map((e) => e.oid))]
  for (let i = 0; i < oids.length; i += BLOB_BATCH) {
    const batch = oids.slice(i, i + BLOB_BATCH)
    const contents = await durable.readBlobs(batch)
    const written = await repo.writeBlobs(
      batch.map((oid) => {
        const bytes = contents.get(oid)
        if (!bytes) throw new Error(`the durable adapter did not return blob ${oid} of the baseline`)
        return bytes
      }),
    )
    written.forEach((oid, j) => {
      if (oid !== batch[j])
        throw new Error(`baseline blob ${batch[j]} was written as ${oid}; the durable returned other content`)
    })
  }
  const dir = await mkdtemp(join(tmpdir(), 'gittrix-artifacts-index-'))
  try {
    const scratch = repo.with({ indexFile: join(dir, 'index') })
    const lines = entries.map((e) => `${e.mode} ${e.oid}\t${e.path}\0`).join('')
    if (lines) await scratch.run(['update-index', '-z', '--add', '--index-info'], { input: lines })
    return await scratch.text(['write-tree'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
