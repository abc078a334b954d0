/**
 * What a session still has to promote. A snapshot lists every path that differs from the baseline;
 * the session's recorded promotions (`SessionMetadata.promotions`) say what some of those paths were
 * promoted as. A path is pending when the workspace differs from the baseline with those promotions
 * applied: never promoted and changed, or changed again since it was promoted (then its change runs
 * from what was promoted to what the workspace holds now).
 */
import type { SessionMetadata } from './metadata.ts'
import type { ChangeStatus, FileMode, PromotionRecord, TreeChange } from './types.ts'

/** One path's promoted state: its newest promotion, that promotion's change, and its baseline side. */
export interface PromotedState {
  promotion: PromotionRecord
  /** The change as that promotion wrote it (`new*`: what the durable side got). */
  change: TreeChange
  /** The path at the baseline (the `old*` side of its first promotion). */
  baseline: { mode: FileMode | null; oid: string | null }
}

/** Every path `meta`'s promotions wrote, with its newest promotion. Empty when there are none. */
export function promotedPaths(meta: Pick<SessionMetadata, 'promotions'>): Map<string, PromotedState> {
  const byPath = new Map<string, PromotedState>()
  for (const promotion of meta.promotions ?? []) {
    for (const change of promotion.changes) {
      const earlier = byPath.get(change.path)
      const baseline = earlier?.baseline ?? { mode: change.oldMode, oid: change.oldOid }
      byPath.set(change.path, { promotion, change, baseline })
    }
  }
  return byPath
}

/**
 * The pending changes of a snapshot's `changes` (every path that differs from the baseline, sorted):
 * paths never promoted as they are; promoted paths only when the workspace differs from what was
 * promoted, as a change from that content (a promoted path the workspace put back to the baseline is
 * pending as a change back to it). Sorted by path.
 */
export function remainingChanges(
  changes: readonly TreeChange[],
  meta: Pick<SessionMetadata, 'promotions'>,
): TreeChange[] {
  const promoted = promotedPaths(meta)
  if (promoted.size === 0) return [...changes]
  const pending: TreeChange[] = []
  const seen = new Set<string>()
  for (const change of changes) {
    seen.add(change.path)
    const done = promoted.get(change.path)
    if (!done) pending.push(change)
    else {
      const from = { mode: done.change.newMode, oid: done.change.newOid }
      const to = { mode: change.newMode, oid: change.newOid }
      if (!same(from, to)) pending.push(between(change.path, from, to))
    }
  }
  for (const [path, done] of promoted) {
    if (seen.has(path)) continue
    // The workspace holds the baseline again.
    const from = { mode: done.change.newMode, oid: done.change.newOid }
    if (!same(from, done.baseline)) pending.push(between(path, from, done.baseline))
  }
  return pending.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * What a selector may name: every path that differs from the baseline, plus every promoted path the
 * workspace put back to the baseline (as its pending change). Sorted by path.
 */
export function selectableChanges(
  changes: readonly TreeChange[],
  remaining: readonly TreeChange[],
): TreeChange[] {
  const byPath = new Map(changes.map((c) => [c.path, c]))
  for (const change of remaining) if (!byPath.has(change.path)) byPath.set(change.path, change)
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

type Side = { mode: FileMode | null; oid: string | null }

function same(a: Side, b: Side): boolean {
  return a.mode === b.mode && a.oid === b.oid
}

function between(path: string, from: Side, to: Side): TreeChange {
  const status: ChangeStatus = from.mode === null ? 'added' : to.mode === null ? 'deleted' : 'modified'
  return { path, status, oldMode: from.mode, newMode: to.mode, oldOid: from.oid, newOid: to.oid }
}
