/**
 * Promotion, step by step (DESIGN.md §4): exactly one clean commit whose parent is the durable head of
 * that moment, only the selected paths changed, refused on overlapping drift, moved with
 * compare-and-swap, recorded atomically, and answered from the record when repeated.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { DurableAdapter } from './adapters.ts'
import { decodeBytes } from './bytes.ts'
import { diffChanges } from './diff.ts'
import {
  BaselineConflictError,
  GittrixError,
  InvalidArgumentError,
  isGittrixError,
  PromoteFailedError,
} from './errors.ts'
import type { SessionMetadata } from './metadata.ts'
import { symlinkEscape } from './paths.ts'
import { assertActive, type SessionRuntime, withDurableLock, workspaceHandle } from './runtime.ts'
import { selectChanges } from './select.ts'
import { defaultMessage, withTrailers } from './promotion-identity.ts'
import type {
  PromoteOptions,
  PromoteOutcome,
  PromoteResult,
  PromoteStrategy,
  TreeChange,
  WorkspaceSnapshot,
} from './types.ts'

/** How many times a lost compare-and-swap is retried (drift re-checked each time). */
export const MAX_CAS_ATTEMPTS = 8

const STRATEGIES: readonly PromoteStrategy[] = ['auto', 'commit', 'branch', 'pr', 'patch']

/**
 * Promotes session `id`. Throws `SESSION_NOT_FOUND`, `SESSION_EXPIRED`, `BASELINE_CONFLICT`,
 * `PROMOTE_FAILED` (`staging` | `apply` | `cleanup`), `CAPABILITY_MISSING`, `WRITE_REJECTED`,
 * `WORKTREE_DIRTY`, `WORKTREE_STALE` (a promotion found after a crash whose checked-out work tree
 * could not be finished: the command to run is in the error), `LOCKED`, `EVICTION_RACE`,
 * `INVALID_ARGUMENT`, `BRANCH_PROTECTED` (strategy `commit` only: `auto` opens a pull request instead
 * when the adapter can).
 */
export async function promoteSession(
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
      runtime.ephemeral.snapshot(workspaceHandle(runtime, meta), at === undefined ? undefined : { at }))
  return runtime.store.withLock(id, async () => {
    const meta = await runtime.store.read(id)
    const recorded = recordedOutcome(meta)
    if (recorded) return recorded
    assertActive(meta)
    const branch = meta.durableBranch!

    const head = await runtime.durable.getHead(branch)
    if (strategy === 'commit' && head !== meta.baselineSha) {
      // A promotion that landed before its record was written (crash) is found by the shared matcher
      // (promotion-identity.ts): its final trailer block, its place on the durable history, its author.
      // With the head still at the baseline nothing can have landed, so no lookup is needed.
      const landed = await runtime.durable.findPromotion({
        branch,
        sessionId: id,
        baselineSha: meta.baselineSha,
      })
      if (landed) {
        // Finish what the crash left (a checked-out work tree still at the parent) before answering.
        await runtime.durable.finishPromotion?.(branch, landed)
        return record(runtime, meta, strategy, { sha: landed, branch }, [], true)
      }
    }

    const snapshot = await snapshotOf(meta)
    const selected = selectChanges(snapshot.changes, options.selector)
    await assertPromotable(runtime.durable, head, snapshot, selected, options.allowUnsafeSymlinks === true)
    const files = selected.map((c) => c.path)
    const message = withTrailers(
      options.message?.trim() || defaultMessage(meta.task, id),
      id,
      meta.baselineSha,
    )

    if (strategy === 'patch') {
      await assertNoOverlap(runtime, meta.baselineSha, head, files)
      const diff = await diffChanges(snapshot, selected, runtime.durable, { binary: true })
      await touch(runtime, meta, snapshot)
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
      const target = how === 'commit' ? branch : options.branch || `gittrix/promote/${id}`
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
    const outcome = await record(runtime, meta, applied, result, files, false, snapshot, at !== undefined)
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

/** The recorded result of an earlier promotion, answered as is. */
function recordedOutcome(meta: SessionMetadata): PromoteOutcome | null {
  const result = meta.promote.result
  if (meta.state !== 'promoted' || !result) return null
  const strategy = meta.promote.strategy === 'auto' ? 'commit' : meta.promote.strategy
  return { ...result, strategy, files: [...meta.touchedFiles], alreadyPromoted: true }
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

/** Invariant 4: refuses when any selected path changed on the durable branch since the baseline. */
async function assertNoOverlap(
  runtime: SessionRuntime,
  baseline: string,
  head: string,
  files: readonly string[],
): Promise<void> {
  if (head === baseline) return
  // Only the selected paths matter: adapters that read trees remotely prune the walk to them.
  const changed = new Set(await runtime.durable.changedPaths(baseline, head, files))
  const conflicting = files.filter((path) => changed.has(path))
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
      meta.baselineSha,
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

/** Records the promotion atomically, then evicts the workspace when the policy says so. */
async function record(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  strategy: Exclude<PromoteStrategy, 'auto' | 'patch'>,
  result: PromoteResult,
  files: string[],
  alreadyPromoted: boolean,
  snapshot?: WorkspaceSnapshot,
  pinned = false,
): Promise<PromoteOutcome> {
  const now = new Date(runtime.now()).toISOString()
  const touchedFiles = snapshot ? snapshot.changes.map((c) => c.path) : meta.touchedFiles
  const next: SessionMetadata = {
    ...meta,
    state: 'promoted',
    updatedAt: now,
    lastAccessAt: now,
    touchedFiles,
    promote: { strategy, result },
  }
  try {
    await runtime.store.write(next)
  } catch (error) {
    throw new PromoteFailedError(
      'cleanup',
      `The commit ${result.sha} landed on ${result.branch}, but recording it failed (${(error as Error).message}). ` +
        'Promoting again finds it and records it.',
      { cause: error },
    )
  }
  // A pinned promotion evicts only a workspace that is still what was promoted: work that arrived after
  // the reviewed commit is not lost (it stays in the workspace).
  const movedOn = pinned && snapshot ? await workspaceMovedOn(runtime, meta, snapshot) : false
  if (meta.evictionPolicy.untilPromote && !movedOn) {
    // The promotion is recorded; a failed eviction is retried by the next sweep.
    await runtime.ephemeral.destroy(workspaceHandle(runtime, meta)).catch(() => {})
  }
  return { ...result, strategy, files: files.length ? files : touchedFiles, alreadyPromoted }
}

/**
 * True when the workspace now differs from `pinned` (a snapshot taken at a commit), or cannot be read:
 * the same tree id when both snapshots have one, else the same touched paths with the same modes and
 * blobs.
 */
async function workspaceMovedOn(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  pinned: WorkspaceSnapshot,
): Promise<boolean> {
  try {
    const now = await runtime.ephemeral.snapshot(workspaceHandle(runtime, meta))
    if (now.tree !== undefined && pinned.tree !== undefined) return now.tree !== pinned.tree
    const key = (c: TreeChange) => `${c.path}\0${c.newMode}\0${c.newOid}`
    const before = pinned.changes.map(key)
    const after = now.changes.map(key)
    return before.length !== after.length || before.some((k, i) => k !== after[i])
  } catch {
    return true
  }
}

async function touch(
  runtime: SessionRuntime,
  meta: SessionMetadata,
  snapshot: WorkspaceSnapshot,
): Promise<void> {
  const now = new Date(runtime.now()).toISOString()
  await runtime.store.write({ ...meta, lastAccessAt: now, touchedFiles: snapshot.changes.map((c) => c.path) })
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
