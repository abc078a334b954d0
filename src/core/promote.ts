/**
 * Promotion, step by step (docs/architecture.md#promotion): exactly one clean commit whose parent is the durable head of
 * that moment, only the selected paths changed, refused on overlapping drift, moved with
 * compare-and-swap, recorded atomically, and answered from the record when repeated.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { DurableAdapter } from './adapters.ts'
import { decodeBytes } from './bytes.ts'
import { diffChanges, readBoth } from './diff.ts'
import {
  BaselineConflictError,
  GittrixError,
  InvalidArgumentError,
  isGittrixError,
  PromoteFailedError,
} from './errors.ts'
import type { SessionMetadata } from './metadata.ts'
import { symlinkEscape } from './paths.ts'
import { promotedPaths, remainingChanges, selectableChanges } from './remaining.ts'
import { assertActive, type SessionRuntime, withDurableLock, workspaceHandle } from './runtime.ts'
import { hunkSelection, selectChanges } from './select.ts'
import { selectHunks } from './promote-hunks.ts'
import { defaultMessage, withTrailers } from './promotion-identity.ts'
import type {
  PromoteOptions,
  PromoteOutcome,
  PromoteResult,
  PromoteSelector,
  PromoteStrategy,
  PromotionRecord,
  TreeChange,
  WorkspaceSnapshot,
} from './types.ts'

/** How many times a lost compare-and-swap is retried (drift re-checked each time). */
export const MAX_CAS_ATTEMPTS = 8

const STRATEGIES: readonly PromoteStrategy[] = ['auto', 'commit', 'branch', 'pr', 'patch']

/**
 * Promotes session `id`: the selected paths that are still pending (src/core/remaining.ts: never
 * promoted, or changed again since this session promoted them). A selection with nothing pending is a
 * replay, answered with the recorded promotion that holds it. Each promotion is appended to
 * `promotions` in the metadata; the session stays `active` while anything un-promoted remains, and
 * becomes `promoted` (its workspace evicted under `untilPromote`) once nothing does.
 * Throws `SESSION_NOT_FOUND`, `SESSION_EXPIRED`, `BASELINE_CONFLICT`,
 * `PROMOTE_FAILED` (`staging` | `apply` | `cleanup`), `CAPABILITY_MISSING`, `WRITE_REJECTED`,
 * `WORKTREE_DIRTY`, `WORKTREE_STALE` (a promotion found after a crash whose checked-out work tree
 * could not be finished: the command to run is in the error), `LOCKED`, `EVICTION_RACE`,
 * `INVALID_ARGUMENT`, `BRANCH_PROTECTED` (strategy `commit` only: `auto` opens a pull request instead
 * when the adapter can).
 */
export async function runPromotion(
  runtime: SessionRuntime,
  id: string,
  options: PromoteOptions,
  takeSnapshot?: (meta: SessionMetadata) => Promise<WorkspaceSnapshot>,
): Promise<PromoteOutcome> {
  const strategy = resolveStrategy(runtime, options)
  if (options.message !== undefined && typeof options.message !== 'string') {
    throw new InvalidArgumentError('message must be a string.')
  }
  if (options.branch !== undefined && !isBranchName(options.branch)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(options.branch)} is not a valid branch name (see git check-ref-format); pass another.`,
    )
  }
  const at = options.at
  if (at !== undefined && (typeof at !== 'string' || !/^[0-9a-f]{4,64}$/.test(at))) {
    throw new InvalidArgumentError(
      `at must be a commit id of the session's workspace (4 to 64 hex digits), not ${JSON.stringify(at)}.`,
    )
  }
  // Invariant 10: with `at`, one snapshot of exactly that commit serves selection, drift check and tree.
  const snapshotOf =
    takeSnapshot ??
    ((meta: SessionMetadata) =>
      runtime.ephemeral.snapshot(workspaceHandle(runtime, meta), {
        ...(at === undefined ? {} : { at }),
        ...(strategy === 'patch' ? {} : { forPromotion: true }),
      }))
  return runtime.store.withLock(id, async () => {
    let meta = await runtime.store.read(id)
    const recorded = recordedOutcome(meta, options.selector)
    if (recorded) return recorded
    assertActive(meta)
    const branch = meta.durableBranch!
    const pinned = at !== undefined

    const head = await runtime.durable.getHead(branch)
    let snapshot: WorkspaceSnapshot | undefined
    let adopted: PromotionRecord | undefined
    if (strategy === 'commit' && head !== meta.baselineSha) {
      // A promotion that landed before its record was written (crash) is found by the shared matcher
      // (promotion-identity.ts): its final trailer block, its place on the durable history, its author.
      // With the head still at the baseline nothing can have landed, so no lookup is needed. The newest
      // one found is this session's newest: recorded already, or the one the crash left unrecorded.
      const landed = await runtime.durable.findPromotion({
        branch,
        sessionId: id,
        baselineSha: meta.baselineSha,
      })
      if (landed && !(meta.promotions ?? []).some((p) => p.sha === landed)) {
        // Finish what the crash left (a checked-out work tree still at the parent) before answering.
        await runtime.durable.finishPromotion?.(branch, landed)
        const read = await snapshotOf(meta).catch(() => null)
        if (!read) {
          // The workspace is gone (evicted after that promotion): nothing left to promote or record.
          return { sha: landed, branch, strategy, files: [...meta.touchedFiles], alreadyPromoted: true }
        }
        // Adopt it into the record (its files: the pending paths it holds exactly as the workspace
        // does), then go on: a repeated selection is a replay of it, other files still promote.
        snapshot = read
        const changes = await landedChanges(runtime.durable, landed, remainingChanges(read.changes, meta))
        adopted = {
          sha: landed,
          branch,
          strategy,
          files: changes.map((c) => c.path),
          at: isoNow(runtime),
          changes,
        }
        meta = { ...meta, promotions: [...(meta.promotions ?? []), adopted] }
      }
    }

    snapshot ??= await snapshotOf(meta)
    const pending = remainingChanges(snapshot.changes, meta)
    const chosen = selectChanges(selectableChanges(snapshot.changes, pending), options.selector)
    const pendingByPath = new Map(pending.map((c) => [c.path, c]))
    let selected = chosen.flatMap((c) => pendingByPath.get(c.path) ?? [])
    if (options.selector.mode === 'hunks' && options.selector.hunks.length) {
      // The paths picked by hunks promote the old side with exactly those hunks applied.
      const read = snapshot
      const hunks = await selectHunks(
        id,
        hunkSelection(options.selector),
        pendingByPath,
        read.blobs,
        (oids) => readBoth(read, runtime.durable, oids),
        read.textPatchesSelectable && read.textPatches ? read.textPatches.bind(read) : undefined,
      )
      selected = selected.map((c) => hunks.changes.get(c.path) ?? c)
      snapshot = { ...snapshot, blobs: hunks.blobs }
    }
    if (selected.length === 0) {
      // Everything selected is in the durable branch as the workspace holds it: a replay.
      const replay = replayOf(
        meta,
        chosen.map((c) => c.path),
      )
      if (replay) {
        if (adopted) await settle(runtime, meta, adopted, snapshot, pinned)
        return replay
      }
      throw new PromoteFailedError('staging', 'Nothing to promote: every selected file is promoted already.')
    }
    await assertPromotable(runtime.durable, head, snapshot, selected, options.allowUnsafeSymlinks === true)
    const files = selected.map((c) => c.path)
    const message = withTrailers(
      options.message?.trim() || defaultMessage(meta.task, id),
      id,
      meta.baselineSha,
    )

    if (strategy === 'patch') {
      await assertNoOverlap(runtime, meta, head, files)
      const diff = await diffChanges(snapshot, selected, runtime.durable, { binary: true })
      await touch(runtime, meta, pending)
      return {
        strategy,
        sha: head,
        branch,
        files,
        alreadyPromoted: false,
        patch: diff.patch,
        ...pinnedAt(snapshot, at),
      }
    }

    const land = (how: 'commit' | 'branch' | 'pr') => {
      const target = how === 'commit' ? branch : options.branch || promotionBranch(meta)
      return withDurableLock(runtime, runtime.durable.ref(branch), async () => {
        const sha = await applyWithRetries(runtime, meta, snapshot, selected, {
          branch,
          target,
          strategy: how,
          message,
          head,
        })
        return { sha, target }
      })
    }
    let applied = strategy
    let landed: { sha: string; target: string }
    try {
      landed = await land(strategy)
    } catch (error) {
      // `auto` on a branch that refuses direct writes (protection, rulesets) becomes a pull request.
      const fallBack =
        (options.strategy ?? 'auto') === 'auto' &&
        isGittrixError(error, 'BRANCH_PROTECTED') &&
        runtime.durable.capabilities().strategies.includes('pr')
      if (!fallBack) throw error
      applied = 'pr'
      landed = await land('pr')
    }
    const result: PromoteResult = { sha: landed.sha, branch: landed.target }
    if (applied === 'pr')
      result.prUrl = await openPullRequest(runtime, meta, {
        head: landed.target,
        base: branch,
        message,
        files,
      })
    const outcome = await record(runtime, meta, applied, result, selected, false, snapshot, pinned)
    return { ...outcome, ...pinnedAt(snapshot, at) }
  })
}

/** `{ at }` for the outcome of a pinned promotion: the full commit id the snapshot was read at. */
function pinnedAt(snapshot: WorkspaceSnapshot, at: string | undefined): { at?: string } {
  if (at === undefined) return {}
  return { at: snapshot.commit ?? at }
}

/** Opens the pull request for a promotion branch. A failure leaves the branch; promoting again retries. */
async function openPullRequest(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  pr: { head: string; base: string; message: string; files: string[] },
): Promise<string> {
  const open = runtime.durable.openPullRequest
  if (!open)
    throw new GittrixError(
      'CAPABILITY_MISSING',
      `The ${runtime.durable.kind} durable adapter cannot open pull requests.`,
    )
  try {
    const { url } = await open.call(runtime.durable, {
      head: pr.head,
      base: pr.base,
      title: pr.message.split('\n')[0]!,
      message: pr.message,
      sessionId: meta.id,
      task: meta.task,
      baselineSha: meta.baselineSha,
      files: pr.files,
    })
    return url
  } catch (error) {
    if (error instanceof GittrixError && error.code !== 'GIT_FAILED') throw error
    throw new PromoteFailedError(
      'apply',
      `The clean commit is on branch ${pr.head}, but opening the pull request failed (${(error as Error).message}). Promote again to retry.`,
      { cause: error },
    )
  }
}

function resolveStrategy(runtime: SessionRuntime, options: PromoteOptions): Exclude<PromoteStrategy, 'auto'> {
  if (!options || typeof options !== 'object') throw new InvalidArgumentError('promote() needs { selector }.')
  const requested = options.strategy ?? 'auto'
  if (!STRATEGIES.includes(requested)) {
    throw new InvalidArgumentError(
      `Unknown strategy ${JSON.stringify(requested)}; use ${STRATEGIES.join(', ')}.`,
    )
  }
  const supported = runtime.durable.capabilities().strategies
  const strategy = requested === 'auto' ? 'commit' : requested
  if (!supported.includes(strategy)) {
    throw new GittrixError(
      'CAPABILITY_MISSING',
      `The ${runtime.durable.kind} durable adapter cannot promote with strategy "${strategy}"; it supports ${supported.join(', ')}.`,
    )
  }
  return strategy
}

/**
 * The default branch of a `branch`/`pr` promotion: `gittrix/promote/<id>` for a session's first
 * promotion, `gittrix/promote/<id>-<n>` for its n-th, so each promotion gets its own branch. `n` is
 * one more than the recorded promotions, and more than the number of any recorded promotion's branch
 * (a host that rebuilds the record, like the GitHub App, may not see every earlier promotion, e.g. a
 * pull request's branch deleted after merging). The same promotion tried again (a crash before it was
 * recorded) gets the same name, where {@link existingTargetProblem} recognises it.
 */
export function promotionBranch(meta: Pick<SessionMetadata, 'id' | 'promotions'>): string {
  const first = `gittrix/promote/${meta.id}`
  let n = (meta.promotions ?? []).length + 1
  for (const { branch } of meta.promotions ?? []) {
    const numbered = branch.startsWith(`${first}-`)
      ? /^[1-9][0-9]{0,5}$/.exec(branch.slice(first.length + 1))
      : null
    const k = branch === first ? 1 : numbered ? Number(numbered[0]) : 0
    if (k >= n) n = k + 1
  }
  return n === 1 ? first : `${first}-${n}`
}

/**
 * The answer of a `promoted` session (nothing un-promoted remained at its last promotion): the
 * recorded promotion holding the selected paths ({@link replayOf}). Throws `PROMOTE_FAILED` (stage
 * `staging`) when the selector names a path the session never promoted. Records written before
 * `promotions` existed answer their one `promote.result` with the touched files they recorded.
 * `null` while the session is not `promoted`.
 */
function recordedOutcome(meta: SessionMetadata, selector: PromoteSelector): PromoteOutcome | null {
  const result = meta.promote.result
  if (meta.state !== 'promoted' || !result) return null
  if (meta.promotions?.length) {
    const promoted = [...promotedPaths(meta).values()].map((p) => p.change)
    return replayOf(
      meta,
      selectChanges(promoted, selector).map((c) => c.path),
    )
  }
  const strategy = meta.promote.strategy === 'auto' ? 'commit' : meta.promote.strategy
  return { ...result, strategy, files: [...meta.touchedFiles], alreadyPromoted: true }
}

/**
 * The recorded promotion a replay of `paths` (promoted, unchanged since) answers with: the newest one
 * holding all of them, else the newest holding any; its own files, `alreadyPromoted: true`. `null`
 * when no promotion of `meta` holds any of them.
 */
export function replayOf(meta: SessionMetadata, paths: readonly string[]): PromoteOutcome | null {
  const newestFirst = [...(meta.promotions ?? [])].reverse()
  const found =
    newestFirst.find((p) => paths.every((path) => p.files.includes(path))) ??
    newestFirst.find((p) => paths.some((path) => p.files.includes(path)))
  if (!found) return null
  const { sha, branch, prUrl, strategy, files } = found
  return { sha, branch, ...(prUrl ? { prUrl } : {}), strategy, files: [...files], alreadyPromoted: true }
}

/**
 * The pending changes promotion `sha` (found after a crash, not recorded) wrote: those whose path at
 * `sha` holds exactly the workspace's content.
 */
async function landedChanges(
  durable: DurableAdapter,
  sha: string,
  pending: readonly TreeChange[],
): Promise<TreeChange[]> {
  if (pending.length === 0) return []
  const tree = new Map((await durable.listTree(sha)).map((e) => [e.path, e]))
  return pending.filter((c) => {
    const entry = tree.get(c.path)
    return c.newMode === null ? entry === undefined : entry?.mode === c.newMode && entry.oid === c.newOid
  })
}

/**
 * Refuses what must never reach a durable tree: submodules, and (unless `allowUnsafeSymlinks`)
 * symlinks whose target, followed through the tree the promotion would make (`head`'s tree with the
 * selection applied, links in it followed in turn), leads outside the repository or into a `.git`.
 * Throws `PROMOTE_FAILED` (stage `staging`, `paths` naming every such entry); nothing is written.
 */
async function assertPromotable(
  durable: DurableAdapter,
  head: string,
  snapshot: WorkspaceSnapshot,
  selected: readonly TreeChange[],
  allowUnsafeSymlinks: boolean,
): Promise<void> {
  const submodules = selected.filter((c) => c.newMode === '160000')
  if (submodules.length) {
    throw new PromoteFailedError(
      'staging',
      `Submodules cannot be promoted: ${submodules.map((c) => c.path).join(', ')}.`,
      {
        paths: submodules.map((c) => c.path),
      },
    )
  }
  const links = selected.filter((c) => c.newMode === '120000' && c.newOid)
  if (links.length === 0 || allowUnsafeSymlinks) return
  const targets = await snapshot.blobs.readBlobs(links.map((c) => c.newOid!))
  const byPath = new Map(selected.map((c) => [c.path, c]))
  let durableLinks: Promise<Map<string, string>> | undefined
  const readLink = async (path: string): Promise<string | null> => {
    const change = byPath.get(path)
    if (change)
      return change.newMode === '120000' ? decodeBytes(targets.get(change.newOid!) ?? new Uint8Array()) : null
    durableLinks ??= symlinksAt(durable, head)
    return (await durableLinks).get(path) ?? null
  }
  const unsafe: { path: string; shown: string }[] = []
  for (const link of links) {
    const target = decodeBytes(targets.get(link.newOid!) ?? new Uint8Array())
    const escape = await symlinkEscape(link.path, target, readLink)
    if (escape) unsafe.push({ path: link.path, shown: `${link.path} -> ${target} (${ESCAPES[escape]})` })
  }
  if (unsafe.length) {
    throw new PromoteFailedError(
      'staging',
      `These symlinks would lead outside the repository or into git internals: ${unsafe.map((u) => u.shown).join(', ')}. ` +
        'Nothing was written. Leave them out of the selection, or opt in with allowUnsafeSymlinks (CLI: --allow-unsafe-symlinks).',
      { paths: unsafe.map((u) => u.path) },
    )
  }
}

const ESCAPES = { outside: 'outside the repository', git: 'into .git', loop: 'a symlink loop' } as const

/** Every symlink of the durable tree at `sha`, with its target. */
async function symlinksAt(durable: DurableAdapter, sha: string): Promise<Map<string, string>> {
  const links = (await durable.listTree(sha)).filter((e) => e.mode === '120000')
  const blobs = links.length ? await durable.readBlobs(links.map((e) => e.oid)) : new Map()
  return new Map(links.map((e) => [e.path, decodeBytes(blobs.get(e.oid) ?? new Uint8Array())]))
}

/**
 * Invariant 4: refuses (`BASELINE_CONFLICT`) when someone else changed a selected path on the durable
 * branch. A path this session never promoted: changed between the baseline and `head`. A path it
 * promoted (newest promotion P): changed between P and `head`, for P written with `commit` (P is on
 * the branch: a change after it, a revert included, is someone else's); for a `branch`/`pr` promotion
 * only when it also changed since the baseline (P's content is not on the branch until merged).
 */
async function assertNoOverlap(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  head: string,
  files: readonly string[],
): Promise<void> {
  const baseline = meta.baselineSha
  const promoted = promotedPaths(meta)
  if (head === baseline && promoted.size === 0) return
  // Only the selected paths matter: adapters that read trees remotely prune the walk to them.
  const changedSince = new Map<string, Promise<Set<string>>>()
  const since = (sha: string): Promise<Set<string>> => {
    let changed = changedSince.get(sha)
    if (!changed) {
      changed =
        sha === head
          ? Promise.resolve(new Set())
          : runtime.durable.changedPaths(sha, head, files).then((p) => new Set(p))
      changedSince.set(sha, changed)
    }
    return changed
  }
  const conflicting: string[] = []
  for (const path of files) {
    const sinceBaseline = (await since(baseline)).has(path)
    const done = promoted.get(path)
    const conflict = !done
      ? sinceBaseline
      : (await since(done.promotion.sha)).has(path) && (done.promotion.strategy === 'commit' || sinceBaseline)
    if (conflict) conflicting.push(path)
  }
  if (conflicting.length) throw new BaselineConflictError(conflicting, head, baseline)
}

async function applyWithRetries(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  snapshot: WorkspaceSnapshot,
  selected: readonly TreeChange[],
  plan: {
    branch: string
    target: string
    strategy: 'commit' | 'branch' | 'pr'
    message: string
    head: string
  },
): Promise<string> {
  const paths = selected.map((c) => ({ path: c.path, mode: c.newMode, oid: c.newOid }))
  for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
    // The first attempt uses the head read at the start; a lost race reads it again.
    const head = attempt === 1 ? plan.head : await runtime.durable.getHead(plan.branch)
    await assertNoOverlap(
      runtime,
      meta,
      head,
      paths.map((p) => p.path),
    )
    let result: Awaited<ReturnType<typeof runtime.durable.applyCommit>>
    try {
      result = await runtime.durable.applyCommit({
        branch: plan.target,
        parent: head,
        expectedOld: plan.strategy === 'commit' ? head : null,
        paths,
        blobs: snapshot.blobs,
        message: plan.message,
      })
    } catch (error) {
      if (error instanceof GittrixError && error.code !== 'GIT_FAILED') throw error
      throw new PromoteFailedError(
        'apply',
        `Writing to the durable branch failed; it is unchanged. ${(error as Error).message}`,
        {
          cause: error,
        },
      )
    }
    if (result.moved) return result.sha
    if (plan.strategy !== 'commit') {
      // The target exists: it is this promotion (an earlier attempt of it) or it is refused.
      const problem = await existingTargetProblem(runtime, meta, plan.branch, plan.target, head, selected)
      if (typeof problem !== 'string') return problem.sha
      throw new PromoteFailedError(
        'apply',
        `Branch ${plan.target} already exists and is not this session's promotion: ${problem}. Nothing was written; delete the branch or pass another branch name.`,
      )
    }
    await sleep(Math.floor(Math.random() * 20 * attempt))
  }
  throw new PromoteFailedError(
    'apply',
    `The durable branch ${plan.branch} kept moving during ${MAX_CAS_ATTEMPTS} attempts; nothing was written. Promote again.`,
  )
}

/**
 * `{ sha }` when the head of the existing branch `target` is this session's promotion (the shared
 * matcher of promotion-identity.ts, its parent on `durable`'s first-parent history after the
 * baseline) AND its tree is exactly the clean tree of this promotion: `head`'s tree with the
 * `selected` paths taken from the session. Otherwise why not, as a sentence fragment.
 */
async function existingTargetProblem(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  durable: string,
  target: string,
  head: string,
  selected: readonly TreeChange[],
): Promise<{ sha: string } | string> {
  const sha = await runtime.durable.findPromotion({
    branch: target,
    sessionId: meta.id,
    baselineSha: meta.baselineSha,
    durableBranch: durable,
  })
  if (!sha) {
    return `its head is not a promotion of session ${meta.id} (its final trailer block, its parent on ${durable} after baseline ${meta.baselineSha.slice(0, 7)}, or its author do not match)`
  }
  const wanted = new Map(selected.map((c) => [c.path, c]))
  const extra = (await runtime.durable.changedPaths(head, sha)).filter((path) => !wanted.has(path))
  if (extra.length > 0) {
    const shown = extra
      .slice(0, 5)
      .map((p) => JSON.stringify(p))
      .join(', ')
    return `its tree differs from this promotion's in ${extra.length} path(s) outside the selection (${shown}${extra.length > 5 ? ', …' : ''}): it holds other changes, or ${durable} moved since it was made`
  }
  const entries = new Map((await runtime.durable.listTree(sha)).map((e) => [e.path, e]))
  for (const change of selected) {
    const entry = entries.get(change.path)
    const same =
      change.newMode === null
        ? entry === undefined
        : entry !== undefined && entry.mode === change.newMode && entry.oid === change.newOid
    if (!same) return `its ${JSON.stringify(change.path)} differs from the session's`
  }
  return { sha }
}

/**
 * Records the promotion atomically (appended to `promotions`, `promote.result` its newest), then
 * decides what is left: what remains of the workspace as it is now (the snapshot promoted, or for a
 * pinned promotion a fresh one) against every promotion. Nothing left: state `promoted`, and the
 * workspace is evicted when the policy says so; otherwise the session stays `active` (also when the
 * workspace cannot be read: nothing is evicted on a guess).
 */
async function record(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  strategy: Exclude<PromoteStrategy, 'auto' | 'patch'>,
  result: PromoteResult,
  changes: readonly TreeChange[],
  alreadyPromoted: boolean,
  snapshot: WorkspaceSnapshot,
  pinned: boolean,
): Promise<PromoteOutcome> {
  const files = changes.map((c) => c.path)
  const promotion: PromotionRecord = {
    ...result,
    strategy,
    files,
    at: isoNow(runtime),
    changes: [...changes],
  }
  await settle(
    runtime,
    { ...meta, promotions: [...(meta.promotions ?? []), promotion] },
    promotion,
    snapshot,
    pinned,
  )
  return { ...result, strategy, files, alreadyPromoted }
}

/**
 * Writes `meta` (whose `promotions` end with `newest`) with `promote.result` set to `newest` and the
 * state that follows from what remains; evicts when nothing does and the policy says so. Throws
 * `PROMOTE_FAILED` (stage `cleanup`) when the record cannot be written.
 */
async function settle(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  newest: PromotionRecord,
  snapshot: WorkspaceSnapshot,
  pinned: boolean,
): Promise<void> {
  const now = isoNow(runtime)
  const current = pinned ? await currentChanges(runtime, meta) : snapshot.changes
  const left = current === null ? null : remainingChanges(current, meta)
  const done = left !== null && left.length === 0
  const { sha, branch, prUrl, strategy } = newest
  const next: SessionMetadata = {
    ...meta,
    state: done ? 'promoted' : 'active',
    updatedAt: now,
    lastAccessAt: now,
    touchedFiles: left ? left.map((c) => c.path) : meta.touchedFiles,
    promote: { strategy, result: { sha, branch, ...(prUrl ? { prUrl } : {}) } },
  }
  try {
    await runtime.store.write(next)
  } catch (error) {
    throw new PromoteFailedError(
      'cleanup',
      `The commit ${sha} landed on ${branch}, but recording it failed (${(error as Error).message}). ` +
        'Promoting again finds it and records it.',
      { cause: error },
    )
  }
  if (done && meta.evictionPolicy.untilPromote) {
    // The promotion is recorded; a failed eviction is retried by the next sweep.
    await runtime.ephemeral.destroy(workspaceHandle(runtime, meta)).catch(() => {})
  }
}

function isoNow(runtime: SessionRuntime): string {
  return new Date(runtime.now()).toISOString()
}

/** Every path of the workspace as it is now that differs from the baseline, or `null` when unreadable. */
async function currentChanges(runtime: SessionRuntime, meta: SessionMetadata): Promise<TreeChange[] | null> {
  try {
    return (await runtime.ephemeral.snapshot(workspaceHandle(runtime, meta))).changes
  } catch {
    return null
  }
}

async function touch(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  pending: readonly TreeChange[],
): Promise<void> {
  const now = new Date(runtime.now()).toISOString()
  await runtime.store.write({ ...meta, lastAccessAt: now, touchedFiles: pending.map((c) => c.path) })
}

/**
 * True for a name git accepts as a branch (git-check-ref-format(1): no `..`, `@{`, control characters,
 * space, `~^:?*[\\`; no component starting with `.` or ending with `.lock`; not `@`, not starting with
 * `-`, not ending with `/` or `.`).
 */
function isBranchName(name: string): boolean {
  if (typeof name !== 'string' || !name || name === '@' || name.startsWith('-')) return false
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|\/$|\.$|^\//.test(name)) return false
  return name.split('/').every((part) => part && !part.startsWith('.') && !part.endsWith('.lock'))
}
