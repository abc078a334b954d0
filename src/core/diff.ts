/**
 * A session's diff: snapshot the workspace, take the hunks the host already computed
 * (`WorkspaceSnapshot.textPatches`, e.g. GitHub's compare API), read both sides of every other touched
 * path in one batch each, render with `patch.ts`. A {@link DiffBudget} bounds what a shown (not
 * applied) diff reads.
 */
import type { DurableAdapter } from './adapters.ts'
import { hunkSelectable } from './hunks.ts'
import { type PatchOptions, renderFile, renderHostPatch } from './patch.ts'
import type {
  DiffBudget,
  FileDiff,
  HostTextPatch,
  SessionDiff,
  TreeChange,
  WorkspaceSnapshot,
} from './types.ts'

/** Options of {@link diffChanges}. */
export interface DiffChangesOptions extends PatchOptions {
  /** Bounds the reads of a diff that is shown, not applied; unbounded when absent. */
  budget?: DiffBudget
}

/**
 * Renders `changes` as a {@link SessionDiff}, files sorted by path: a subset of `snapshot.changes`, or
 * what remains of them after promotions (src/core/remaining.ts: a path changed again after it was
 * promoted runs from the promoted content). Host hunks are used unless `binary` (a `git apply`-able
 * binary patch needs the bytes), and only for a change the snapshot itself has (the host compared the
 * baseline with the workspace: its hunks of a path changed again start from the baseline). With a
 * `budget`, rendering stops at the file that would need more blob reads than allowed or once the patch
 * holds `budget.patchBytes`; the files after it are listed with the host's line counts where it gave
 * them and `counted: false` otherwise, and `partial` says how many were patched and counted.
 */
export async function diffChanges(
  snapshot: WorkspaceSnapshot,
  changes: readonly TreeChange[],
  durable: DurableAdapter,
  options: DiffChangesOptions = {},
): Promise<SessionDiff> {
  const sorted = [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const own = new Map(snapshot.changes.map((c) => [c.path, c]))
  const fromBaseline = sorted.filter((c) => {
    const snapped = own.get(c.path)
    return (
      snapped !== undefined &&
      snapped.oldOid === c.oldOid &&
      snapped.oldMode === c.oldMode &&
      snapped.newOid === c.newOid
    )
  })
  // A host whose hunks a promotion selects among diffs any pair; another only the snapshot's own.
  const selectable = snapshot.textPatchesSelectable === true
  const asked = selectable ? sorted : fromBaseline
  const host =
    snapshot.textPatches && !options.binary && asked.length
      ? await snapshot.textPatches(asked)
      : new Map<string, HostTextPatch>()
  // Unbudgeted, text files promotable by hunks render from the hunks a promotion computes: the host's
  // when it is the promotion's engine too (`textPatchesSelectable`), else the `diff` package's from
  // their blobs (hunks.ts). A budgeted (shown) diff takes the host's hunks with ids derived from them:
  // the same ids whenever the host's diff splits the change as ours does.
  const usable = (change: TreeChange) => {
    const given = typeTransition(change) ? undefined : host.get(change.path)
    return given && (given.binary || selectable || options.budget || !hunkSelectable(change))
      ? given
      : undefined
  }
  const counts = (change: TreeChange) => (typeTransition(change) ? undefined : host.get(change.path))
  const read = (oids: string[]) => readBoth(snapshot, durable, oids)
  const rendered: Array<{ text: string; file: FileDiff }> = []
  if (!options.budget) {
    const fromBlobs = sorted.filter((c) => !usable(c))
    const heads = options.binary ? new Map<string, Uint8Array>() : await binaryHeads(snapshot, fromBlobs)
    const blobs = await read(fromBlobs.flatMap(contentOids).filter((oid) => !heads.has(oid)))
    for (const [oid, head] of heads) blobs.set(oid, head)
    for (const change of sorted) rendered.push(renderOne(change, usable(change), blobs, options))
    return assemble(rendered, [])
  }
  const { patchBytes, blobReads } = options.budget
  let bytes = 0
  let reads = 0
  let next = 0
  for (; next < sorted.length && bytes < patchBytes; next++) {
    const change = sorted[next]!
    const hunks = usable(change)
    const oids = hunks ? [] : contentOids(change)
    if (reads + oids.length > blobReads) break
    reads += oids.length
    const one = renderOne(change, hunks, await read(oids), options)
    bytes += Buffer.byteLength(one.text)
    rendered.push(one)
  }
  const rest = sorted.slice(next).map((change): FileDiff => {
    const hunks = counts(change)
    if (hunks) {
      // Counted, not shown: no hunks are listed for a patch the diff does not hold.
      const { hunks: _unshown, ...file } = renderHostPatch(change, hunks).file
      return file
    }
    const { path, status, oldMode, newMode } = change
    return { path, status, oldMode, newMode, binary: false, additions: 0, deletions: 0, counted: false }
  })
  return assemble(rendered, rest)
}

function assemble(rendered: ReadonlyArray<{ text: string; file: FileDiff }>, rest: FileDiff[]): SessionDiff {
  const files = [...rendered.map((r) => r.file), ...rest]
  const counted = files.filter((f) => f.counted !== false)
  const diff: SessionDiff = {
    patch: rendered.map((r) => r.text).join(''),
    files,
    additions: counted.reduce((n, f) => n + f.additions, 0),
    deletions: counted.reduce((n, f) => n + f.deletions, 0),
  }
  if (rest.length > 0) diff.partial = { patchedFiles: rendered.length, countedFiles: counted.length }
  return diff
}

function renderOne(
  change: TreeChange,
  hunks: HostTextPatch | undefined,
  blobs: Map<string, Uint8Array>,
  options: PatchOptions,
): { text: string; file: FileDiff } {
  if (hunks) return renderHostPatch(change, hunks, options)
  const side = (oid: string | null) => (oid === null ? null : blob(blobs, oid, change.path))
  return renderFile({ change, oldBytes: side(change.oldOid), newBytes: side(change.newOid) }, options)
}

/** Blobs over this size (bytes) are probed by their head before being read whole. */
const LARGE_BLOB_BYTES = 1024 * 1024

/** What git reads to decide that content is binary (`buffer_is_binary`: a NUL in the first 8000 bytes). */
const BINARY_PROBE_BYTES = 8000

/**
 * The first {@link BINARY_PROBE_BYTES} bytes of every blob of `changes` over {@link LARGE_BLOB_BYTES}
 * that is binary (a NUL in them, as git decides), by blob id. Any change with such a side renders as
 * `Binary files … differ` (hunks.ts `asText` looks at those bytes only), so a 500 MiB binary file is
 * never read into the process; a large text blob is not in the map (read whole: its patch needs it,
 * wherever it appears). Empty when the blob source cannot give sizes and heads.
 */
async function binaryHeads(
  snapshot: WorkspaceSnapshot,
  changes: readonly TreeChange[],
): Promise<Map<string, Uint8Array>> {
  const { blobSizes, readBlobHead } = snapshot.blobs
  const heads = new Map<string, Uint8Array>()
  if (!blobSizes || !readBlobHead) return heads
  const oids = [...new Set(changes.filter((c) => !typeTransition(c)).flatMap(contentOids))]
  const sizes = await blobSizes.call(snapshot.blobs, oids)
  for (const oid of oids.filter((o) => (sizes.get(o) ?? 0) > LARGE_BLOB_BYTES)) {
    const head = await readBlobHead.call(snapshot.blobs, oid, BINARY_PROBE_BYTES)
    if (head.subarray(0, BINARY_PROBE_BYTES).includes(0)) heads.set(oid, head)
  }
  return heads
}

/** The blob ids a change's patch needs: both present sides (one for a mode-only change). */
function contentOids(change: TreeChange): string[] {
  return [...new Set([change.oldOid, change.newOid])].filter((oid): oid is string => oid !== null)
}

/** A change between a file and a symlink: git prints it as a deletion plus an addition. */
function typeTransition(change: TreeChange): boolean {
  return (
    change.oldMode !== null &&
    change.newMode !== null &&
    (change.oldMode === '120000') !== (change.newMode === '120000')
  )
}

/**
 * The blobs `oids` of a session: read from the workspace (it usually holds both sides, its baseline
 * objects are shared), the rest from the durable side. Throws what either adapter throws.
 */
export async function readBoth(
  snapshot: WorkspaceSnapshot,
  durable: DurableAdapter,
  oids: readonly string[],
): Promise<Map<string, Uint8Array>> {
  if (oids.length === 0) return new Map()
  const blobs = await snapshot.blobs.readBlobs(oids)
  const missing = oids.filter((oid) => !blobs.has(oid))
  if (missing.length) for (const [oid, bytes] of await durable.readBlobs(missing)) blobs.set(oid, bytes)
  return blobs
}

function blob(blobs: Map<string, Uint8Array>, oid: string, path: string): Uint8Array {
  const bytes = blobs.get(oid)
  if (!bytes)
    throw new Error(`blob ${oid} of ${path} is missing from both the workspace and the durable repository`)
  return bytes
}
