/**
 * The one way a durable adapter copies the blobs of an `applyCommit` request into the repository it
 * builds the promotion commit in (the local durable repository, or the Artifacts adapter's scratch
 * repository).
 */
import { GitRepo } from '../git/repo.ts'
import type { ApplyCommitRequest } from './adapters.ts'

/**
 * Copies into `repo` the blobs of `request.paths` it lacks: from the workspace's git dir when
 * `request.blobs.gitDir` is set (read sealed: an agent could have configured it), else as bytes from
 * `request.blobs.readBlobs`, each checked against its id. Submodule entries (mode `160000`) name
 * commits of another repository and are skipped. Throws a plain `Error` when the source lacks a blob or
 * returns other content than its id, and whatever git throws (`GIT_FAILED`).
 */
export async function importBlobs(repo: GitRepo, request: ApplyCommitRequest): Promise<void> {
  const wanted = request.paths.flatMap((p) => (p.oid && p.mode !== '160000' ? [p.oid] : []))
  const missing = await repo.missingObjects(wanted)
  if (missing.length === 0) return
  if (request.blobs.gitDir) {
    // The source is a workspace an agent could have configured: read it sealed.
    await repo.copyObjectsFrom(new GitRepo({ gitDir: request.blobs.gitDir, sealed: true }), missing)
    return
  }
  const contents = await request.blobs.readBlobs(missing)
  const written = await repo.writeBlobs(
    missing.map((oid) => {
      const bytes = contents.get(oid)
      if (!bytes) throw new Error(`blob ${oid} is missing from the session's blob source`)
      return bytes
    }),
  )
  written.forEach((oid, i) => {
    if (oid !== missing[i])
      throw new Error(`blob ${missing[i]} was written as ${oid}; the source returned other content`)
  })
}
