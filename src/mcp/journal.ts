/**
 * Tool-call records: every MCP tool call the server answers, in one place, grouped by the checkpoint
 * (workspace commit) they led to. Session history can write each group as a git note on its
 * checkpoint; nothing here writes to git, and the records never enter the workspace tree.
 */
import { createHash } from 'node:crypto'
import type { ToolCallClientNote, ToolCallNote } from '../core/history.ts'

/**
 * One answered tool call: the shape session history keeps as a note ({@link ToolCallNote}, so a group
 * is written as it is). No argument values are kept: only a digest of them ({@link argumentsDigest}).
 */
export type ToolCallRecord = ToolCallNote

/** The client that made the calls, as it named itself in `initialize` (`clientInfo`). */
export type ToolCallClient = ToolCallClientNote

/** The calls that led to one checkpoint. */
export interface CheckpointCalls {
  /** The checkpoint commit id (from the `commit` tool). */
  checkpoint: string
  client: ToolCallClient | null
  calls: ToolCallRecord[]
}

/**
 * Collects {@link ToolCallRecord}s. `record` appends one; the `commit` tool's successful call calls
 * `checkpoint(sha)`, which closes the group of calls since the previous checkpoint (that commit call
 * included) and hands it to every `onCheckpoint` listener. `pending()` is what no checkpoint holds yet.
 */
export class ToolCallJournal {
  #pending: ToolCallRecord[] = []
  readonly #groups: CheckpointCalls[] = []
  readonly #listeners: ((group: CheckpointCalls) => unknown)[] = []
  #settling: Promise<unknown> = Promise.resolve()
  #client: ToolCallClient | null = null

  /** Names the client (once known from `initialize`). */
  setClient(client: ToolCallClient | null): void {
    this.#client = client
  }

  /** The client named by {@link setClient}, or `null`. */
  client(): ToolCallClient | null {
    return this.#client
  }

  /** Appends a record. */
  record(entry: ToolCallRecord): void {
    this.#pending.push(entry)
  }

  /** Closes the pending calls as the group of checkpoint `sha`; resolves that group. */
  checkpoint(sha: string): CheckpointCalls {
    const group: CheckpointCalls = { checkpoint: sha, client: this.#client, calls: this.#pending }
    this.#pending = []
    this.#groups.push(group)
    const running = this.#listeners.map((listener) => Promise.resolve().then(() => listener(group)))
    this.#settling = Promise.allSettled([this.#settling, ...running])
    return group
  }

  /**
   * Calls `listener` with every group closed from now on. A listener may return a promise (e.g. writing
   * the group as a git note); {@link settled} waits for it. Its rejection is not reported here: a
   * listener handles its own errors.
   */
  onCheckpoint(listener: (group: CheckpointCalls) => unknown): void {
    this.#listeners.push(listener)
  }

  /** Resolves once every listener of every group closed so far has finished (never rejects). */
  async settled(): Promise<void> {
    await this.#settling
  }

  /** Calls not yet followed by a checkpoint. */
  pending(): readonly ToolCallRecord[] {
    return [...this.#pending]
  }

  /** Every closed group, oldest first. */
  checkpoints(): readonly CheckpointCalls[] {
    return [...this.#groups]
  }

  /** Every record, closed groups first, in call order. */
  all(): ToolCallRecord[] {
    return [...this.#groups.flatMap((group) => group.calls), ...this.#pending]
  }
}

/** `sha256:<hex>` of `value` as JSON with object keys sorted at every depth (`undefined` as `null`). */
export function argumentsDigest(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`
}

function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
