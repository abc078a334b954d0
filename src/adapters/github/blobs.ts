/**
 * Reading blobs through GitHub's REST API ("Get a blob", base64, up to 100 MB each), a few at a time.
 */
import type { Octokit } from '@octokit/rest'
import pLimit from 'p-limit'
import type { RepoCoordinates } from './trees.ts'

/**
 * Blob transfers run this many at a time: GitHub's secondary rate limits punish bursts ("no more than
 * 100 concurrent requests"; docs/platform-facts.md#rate-limits).
 */
export const BLOB_CONCURRENCY = 8

/** Blobs by id, `BLOB_CONCURRENCY` requests at a time. Duplicate ids are read once. */
export async function readBlobs(
  octokit: Octokit,
  coords: RepoCoordinates,
  oids: readonly string[],
): Promise<Map<string, Uint8Array>> {
  const limit = pLimit(BLOB_CONCURRENCY)
  const blobs = await Promise.all(
    [...new Set(oids)].map((oid) =>
      limit(async () => {
        const { data } = await octokit.rest.git.getBlob({ ...coords, file_sha: oid })
        return [oid, Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8')] as const
      }),
    ),
  )
  return new Map(blobs)
}
