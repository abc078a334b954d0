/**
 * A session's diff: snapshot the workspace, read both sides of every touched path in one batch each,
 * render with `patch.ts`.
 */
import type { DurableAdapter } from './adapters.ts'
import { type PatchInput, type PatchOptions, renderPatch } from './patch.ts'
import type { SessionDiff, TreeChange, WorkspaceSnapshot } from './types.ts'

/** Renders `changes` (a subset of `snapshot.changes`) as a {@link SessionDiff}. */
export async function diffChanges(
  snapshot: WorkspaceSnapshot,
  changes: readonly TreeChange[],
  durable: DurableAdapter,
  options: PatchOptions = {},
): Promise<SessionDiff> {
  const oids = changes.flatMap((c) => [c.oldOid, c.newOid]).filter((oid): oid is string => oid !== null)
  // The workspace usually holds both sides (its baseline objects are shared); ask the durable side for the rest.
  const blobs = await snapshot.blobs.readBlobs(oids)
  const missing = oids.filter((oid) => !blobs.has(oid))
  if (missing.length) for (const [oid, bytes] of await durable.readBlobs(missing)) blobs.set(oid, bytes)
  const inputs: PatchInput[] = changes.map((change) => ({
    change,
    oldBytes: change.oldOid ? blob(blobs, change.oldOid, change.path) : null,
    newBytes: change.newOid ? blob(blobs, change.newOid, change.path) : null,
  }))
  return renderPatch(inputs, options)
}

function blob(blobs: Map<string, Uint8Array>, oid: string, path: string): Uint8Array {
  const bytes = blobs.get(oid)
  if (!bytes)
    throw new Error(`blob ${oid} of ${path} is missing from both the workspace and the durable repository`)
  return bytes
}
