/**
 * The session's history as the check run summary shows it (src/github/history-section.ts): the
 * checkpoint count from the commits the App already listed (no request) and the tool calls of the
 * note on the reviewed head (src/adapters/github/notes.ts `readHeadToolCallsNote`). The note is read
 * while the render's diff runs ({@link withHistory}): its blob rides along the tree walk's first
 * GraphQL query, so it costs no request of its own (one GraphQL query when the walk made none, a few
 * REST reads where GraphQL is not used). Only branch sessions keep notes on GitHub.
 */
import { readHeadToolCallsNote } from '../src/adapters/github/notes.ts'
import { decodeToolCallsNote } from '../src/core/history.ts'
import type { SessionHistorySummary } from '../src/github/index.ts'
import type { RepoContext } from './repo-context.ts'
import type { SessionRecord } from './session.ts'

/**
 * Runs `work` (the render's diff of `record`) and reads the history summary of `record` at its head
 * alongside; the summary is `undefined` for an Artifacts session. A note that cannot be read (GitHub
 * failing) reads as no tool calls: the review does not depend on notes. Rejects as `work` does.
 */
export async function withHistory<T>(
  repo: RepoContext,
  id: string,
  record: SessionRecord,
  work: () => Promise<T>,
): Promise<{ result: T; history: SessionHistorySummary | undefined }> {
  if (record.start.ephemeral.kind !== 'branch') return { result: await work(), history: undefined }
  const coords = { owner: repo.owner, repo: repo.repo }
  let result: T | undefined
  let done = false
  const read = await readHeadToolCallsNote(repo.octokit, coords, id, record.headSha, async () => {
    result = await work()
    done = true
  }).catch((error: unknown) => {
    if (!done) throw error
    return { note: null }
  })
  const start = record.commits.indexOf(record.startSha)
  return {
    result: result as T,
    history: {
      checkpoints: start === -1 ? record.commits.length : start,
      more: start === -1,
      toolCalls: read.note ? decodeToolCallsNote(read.note).calls : [],
    },
  }
}
