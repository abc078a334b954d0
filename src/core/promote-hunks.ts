/**
 * Hunk promotion: turns the paths a `{ mode: 'hunks' }` selector picks hunks of into changes whose new
 * blob is the old side of the pending change (the baseline, or what an earlier promotion of the
 * session wrote) with exactly the selected hunks applied, plus a blob source that serves those new
 * blobs, which no workspace holds, from memory.
 */
import { blobIdLike } from './blob-id.ts'
import { InvalidArgumentError } from './errors.ts'
import {
  applyHunks,
  hostTextHunks,
  hunkSelectable,
  pickHunks,
  textBytes,
  textHunks,
  textSides,
} from './hunks.ts'
import type { BlobSource, HostTextPatch, TreeChange } from './types.ts'

/** What {@link selectHunks} resolves to: the changed changes by path and the blob source to promote from. */
export interface HunkPromotion {
  /** Per path selected by hunks: its pending change with `newOid` the blob of the selected hunks. */
  changes: Map<string, TreeChange>
  /** `blobs` plus the new blobs (no `gitDir`/`location`: those hold only the workspace's blobs). */
  blobs: BlobSource
}

/**
 * Resolves `wanted` (hunk ids by path, from `hunkSelection`) against the `pending` changes by path.
 * `read` reads blobs of either side (`readBoth` of src/core/diff.ts). `hostHunks`, when given, is the
 * snapshot's `textPatches` whose hunks its diffs show (`WorkspaceSnapshot.textPatchesSelectable`): ids
 * resolve against those hunks, and against the `diff` package's for a path it leaves out, as the diff
 * rendered them. Throws `INVALID_ARGUMENT`
 * naming the path when it has nothing pending, is not hunk-selectable (added, deleted, binary,
 * symlink, submodule or mode change: whole-file only), or an id is not one of its current hunks.
 * Nothing is written either way.
 */
export async function selectHunks(
  sessionId: string,
  wanted: ReadonlyMap<string, readonly string[]>,
  pending: ReadonlyMap<string, TreeChange>,
  blobs: BlobSource,
  read: (oids: string[]) => Promise<Map<string, Uint8Array>>,
  hostHunks?: (changes: readonly TreeChange[]) => Promise<Map<string, HostTextPatch>>,
): Promise<HunkPromotion> {
  const picked = [...wanted].map(([path, ids]) => {
    const change = pending.get(path)
    if (!change) {
      throw new InvalidArgumentError(
        `No hunk ${ids.join(', ')} in ${path}: it has nothing left to promote. Nothing was written. Run \`gittrix diff ${sessionId}\` to see the current ids.`,
      )
    }
    if (!hunkSelectable(change)) throw wholeFileOnly(change)
    return { change, ids }
  })
  const contents = await read([...new Set(picked.flatMap(({ change }) => [change.oldOid!, change.newOid!]))])
  const host = hostHunks
    ? await hostHunks(picked.map(({ change }) => change))
    : new Map<string, HostTextPatch>()
  const made = new Map<string, Uint8Array>()
  const changes = new Map<string, TreeChange>()
  for (const { change, ids } of picked) {
    const sides = textSides(blobOf(contents, change.oldOid!), blobOf(contents, change.newOid!))
    const given = host.get(change.path)
    if (!sides || given?.binary) throw wholeFileOnly(change, 'binary')
    const hunks = given ? hostTextHunks(change, given.hunks) : textHunks(change, sides.oldText, sides.newText)
    const bytes = textBytes(applyHunks(sides.oldText, pickHunks(change.path, hunks, ids, sessionId)))
    const oid = blobIdLike(change.oldOid!, bytes)
    if (oid !== change.newOid) made.set(oid, bytes)
    changes.set(change.path, { ...change, newOid: oid })
  }
  return { changes, blobs: made.size ? withBlobs(blobs, made) : blobs }
}

/** `source` serving `made` too. Drops `gitDir` and `location`: they do not hold `made`. */
function withBlobs(source: BlobSource, made: ReadonlyMap<string, Uint8Array>): BlobSource {
  return {
    async readBlobs(oids) {
      const rest = oids.filter((oid) => !made.has(oid))
      const found = rest.length ? await source.readBlobs(rest) : new Map<string, Uint8Array>()
      for (const oid of oids) if (made.has(oid)) found.set(oid, made.get(oid)!)
      return found
    },
  }
}

function blobOf(contents: Map<string, Uint8Array>, oid: string): Uint8Array {
  const bytes = contents.get(oid)
  if (!bytes) throw new Error(`blob ${oid} is missing from both the workspace and the durable repository`)
  return bytes
}

function wholeFileOnly(change: TreeChange, why?: 'binary'): InvalidArgumentError {
  const kind =
    why ??
    (change.status !== 'modified'
      ? change.status
      : change.oldMode !== change.newMode
        ? 'a mode change'
        : change.newMode === '120000'
          ? 'a symlink'
          : change.newMode === '160000'
            ? 'a submodule'
            : 'unchanged in content')
  return new InvalidArgumentError(
    `${change.path} is ${kind}: hunk selection is whole-file only for added, deleted, binary, symlink, submodule and mode changes. ` +
      `Nothing was written; promote it as a whole file (selector files, or \`gittrix promote <id> ${change.path}\`).`,
  )
}
