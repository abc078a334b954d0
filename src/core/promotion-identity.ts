/**
 * What a promotion commit is, written and recognised in one place (every durable adapter and the
 * GitHub App use this module; nothing else reads promotion trailers).
 *
 * Writing ({@link withTrailers}): the promotion message ends with its own paragraph
 * `Gittrix-Session: <id>` / `Gittrix-Baseline: <sha>`, checked to read back through git's trailer rules.
 *
 * Recognising ({@link findPromotion}): a commit is the promotion of session S with baseline B only when
 * 1. its FINAL trailer block, read by git's rules (src/core/git-trailers.ts), carries exactly one
 *    `Gittrix-Session: S` and exactly one `Gittrix-Baseline: B` (B = the session's real baseline);
 *    a trailer in the body, a copy above another paragraph, a repeated or conflicting key do not count;
 * 2. it has exactly one parent, and that parent is on the durable branch's first-parent history at or
 *    after B (walking first parents from the durable head reaches the commit's parent, then B): a
 *    commit below the baseline, on a side branch merged in, or on a branch that never touched the
 *    durable history does not count;
 * 3. where the host can tell, it was written by whoever promotes ({@link PromotionHistory.authored}:
 *    on GitHub, this App, checked through GitHub's author login and signature verification).
 *
 * A message is free text anyone with push access can write; these three together are what a forged
 * or copied message cannot meet.
 */
import { InvalidArgumentError } from './errors.ts'
import { parseGitTrailers } from './git-trailers.ts'

/** The trailer naming the session a promotion commit promotes. */
export const SESSION_TRAILER = 'Gittrix-Session'
/** The trailer naming the baseline of that session. */
export const BASELINE_TRAILER = 'Gittrix-Baseline'

/** Longest commit message read as a possible promotion (characters): 256 KiB. Longer is no promotion. */
export const MAX_PROMOTION_MESSAGE = 256 * 1024

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/

/** `gittrix: <first line of task>`, or `gittrix: promote session <id>` when the task is blank. */
export function defaultMessage(task: string, sessionId: string): string {
  const subject = task.split('\n')[0]?.trim()
  return subject ? `gittrix: ${subject}` : `gittrix: promote session ${sessionId}`
}

/**
 * `message` with the session trailers appended as its final paragraph. Throws `INVALID_ARGUMENT` when
 * git would not read them back as that message's trailers (e.g. the message holds git's scissors line
 * `# ---- >8 ----`, after which git reads nothing), so every promotion written is recognisable.
 */
export function withTrailers(message: string, sessionId: string, baselineSha: string): string {
  const body = message.replace(/\s+$/, '')
  const full = `${body}\n\n${SESSION_TRAILER}: ${sessionId}\n${BASELINE_TRAILER}: ${baselineSha}\n`
  const read = parsePromotionTrailers(full)
  if (!read.ok || read.value.sessionId !== sessionId || read.value.baselineSha !== baselineSha) {
    throw new InvalidArgumentError(
      `The promotion message hides its ${SESSION_TRAILER} and ${BASELINE_TRAILER} trailers from git ` +
        `(${read.ok ? 'they read back differently' : read.reason}); remove comment or scissors lines (starting with "#") from the message.`,
    )
  }
  return full
}

/** What a promotion commit's final trailer block says. */
export interface PromotionTrailers {
  sessionId: string
  /** The session's baseline: 40 (or, in SHA-256 repositories, 64) lowercase hex digits. */
  baselineSha: string
}

/** A parse outcome: the value, or why there is none. */
export type PromotionParse = { ok: true; value: PromotionTrailers } | { ok: false; reason: string }

/**
 * Reads `Gittrix-Session` and `Gittrix-Baseline` from the final trailer block of `message` by git's
 * rules. Refuses (never throws): no trailer block, a key missing, a key given more than once in any
 * spelling (`gittrix-session` counts: git compares keys case-insensitively), a key not spelled
 * exactly, a value that is not a session id / an object id, a NUL, a message over
 * {@link MAX_PROMOTION_MESSAGE} characters.
 */
export function parsePromotionTrailers(message: string): PromotionParse {
  if (typeof message !== 'string') return { ok: false, reason: 'the commit message is not a string' }
  if (message.length > MAX_PROMOTION_MESSAGE)
    return { ok: false, reason: `the commit message is longer than ${MAX_PROMOTION_MESSAGE} characters` }
  if (message.includes('\0')) return { ok: false, reason: 'the commit message contains a NUL byte' }
  const trailers = parseGitTrailers(message)
  const one = (key: string): { ok: true; value: string } | { ok: false; reason: string } => {
    const found = trailers.filter((t) => t.key.toLowerCase() === key.toLowerCase())
    if (found.length === 0) return { ok: false, reason: `the final trailer block has no ${key}` }
    if (found.length > 1) return { ok: false, reason: `${key} appears ${found.length} times` }
    if (found[0]!.key !== key)
      return { ok: false, reason: `${key} is spelled ${JSON.stringify(found[0]!.key)}` }
    return { ok: true, value: found[0]!.value }
  }
  const session = one(SESSION_TRAILER)
  if (!session.ok) return session
  const baseline = one(BASELINE_TRAILER)
  if (!baseline.ok) return baseline
  if (!SESSION_ID.test(session.value))
    return {
      ok: false,
      reason: `${SESSION_TRAILER} ${JSON.stringify(session.value.slice(0, 80))} is not a session id`,
    }
  if (!OBJECT_ID.test(baseline.value))
    return {
      ok: false,
      reason: `${BASELINE_TRAILER} ${JSON.stringify(baseline.value.slice(0, 80))} is not a commit id`,
    }
  return { ok: true, value: { sessionId: session.value, baselineSha: baseline.value } }
}

/** One commit as the matcher sees it. */
export interface HistoryCommit {
  sha: string
  /** Parent ids, first parent first. */
  parents: readonly string[]
  /** The full message. */
  message: string
  /** The committer date (ISO 8601), where the host lists it. */
  date?: string
}

/**
 * How a durable host shows its history to the matcher; each durable adapter provides one.
 */
export interface PromotionHistory {
  /**
   * The first-parent chain of `branch` from its head, newest first: the head, its first parent, that
   * one's first parent, … Empty when the branch does not exist. The walk may end early (a host's
   * window), never skip. `stopAt` is a hint: the caller stops reading once it has seen that commit.
   */
  firstParent(branch: string, stopAt: string | null): AsyncIterable<HistoryCommit>
  /**
   * Whether whoever promotes wrote `commit` (GitHub: the App's login and a verified signature). Absent
   * where the host cannot tell (a local repository, Cloudflare Artifacts): trailers and history decide.
   */
  authored?(commit: HistoryCommit): Promise<boolean>
}

/** What {@link findPromotion} looks for. */
export interface PromotionQuery {
  /**
   * Where to look: the durable branch, or another branch holding one promotion commit (the promotion
   * branch `gittrix/promote/<id>`, a `--branch` target); then set `durableBranch`.
   */
  branch: string
  sessionId: string
  /**
   * The session's real baseline (from its metadata or start commit, never from the commit examined).
   * `null` only where {@link PromotionHistory.authored} exists: then the baseline is read from the
   * authored commit's own trailer and must still lie on the first-parent history below it.
   */
  baselineSha: string | null
  /**
   * The durable branch, when `branch` is another branch: then only the head of `branch` counts, and
   * its parent must be on this branch's first-parent history at or after the baseline.
   */
  durableBranch?: string
}

/**
 * The newest promotion of `query.sessionId` on `query.branch` (see the module comment), or `null`.
 * Throws `INVALID_ARGUMENT` for `baselineSha: null` on a host without an authorship check.
 */
export async function findPromotion(
  history: PromotionHistory,
  query: PromotionQuery,
): Promise<string | null> {
  if (query.baselineSha === null && !history.authored) {
    throw new InvalidArgumentError(
      'A promotion can be looked up without its baseline only where the host tells who wrote a commit.',
    )
  }
  if (query.durableBranch !== undefined && query.durableBranch !== query.branch) {
    return headPromotion(history, query, query.durableBranch)
  }
  return newestOnFirstParent(history, query)
}

/** The session and baseline `commit` promotes, when its trailers and parents say it promotes `query`'s session. */
function candidate(commit: HistoryCommit, query: PromotionQuery): string | null {
  if (commit.parents.length !== 1) return null
  const read = parsePromotionTrailers(commit.message)
  if (!read.ok || read.value.sessionId !== query.sessionId) return null
  if (query.baselineSha !== null && read.value.baselineSha !== query.baselineSha) return null
  return read.value.baselineSha
}

async function newestOnFirstParent(history: PromotionHistory, query: PromotionQuery): Promise<string | null> {
  // Candidates in walk order (newest first), each waiting for its baseline to appear below it.
  const pending: Array<{ commit: HistoryCommit; baseline: string; reached: boolean }> = []
  for await (const commit of history.firstParent(query.branch, query.baselineSha)) {
    for (const c of pending) if (c.baseline === commit.sha) c.reached = true
    if (commit.sha === query.baselineSha) break
    const baseline = candidate(commit, query)
    if (baseline) pending.push({ commit, baseline, reached: false })
  }
  for (const c of pending) {
    if (!c.reached) continue
    if (history.authored && !(await history.authored(c.commit))) continue
    return c.commit.sha
  }
  return null
}

async function headPromotion(
  history: PromotionHistory,
  query: PromotionQuery,
  durableBranch: string,
): Promise<string | null> {
  let head: HistoryCommit | undefined
  for await (const commit of history.firstParent(query.branch, null)) {
    head = commit
    break
  }
  const baseline = head ? candidate(head, query) : null
  if (!head || !baseline) return null
  const parent = head.parents[0]!
  let parentSeen = false
  let reached = false
  for await (const commit of history.firstParent(durableBranch, baseline)) {
    if (commit.sha === parent) parentSeen = true
    if (commit.sha === baseline) {
      reached = parentSeen
      break
    }
  }
  if (!reached) return null
  if (history.authored && !(await history.authored(head))) return null
  return head.sha
}
