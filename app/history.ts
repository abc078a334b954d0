/**
 * The session's history as the check run summary shows it (src/github/history-section.ts): the
 * checkpoint count from the commits the App already listed (no request) and the tool calls of the
 * note on the reviewed head (src/adapters/github/notes.ts `readHeadToolCallsNote`: one GraphQL query,
 * or a few REST reads where GraphQL is not used). Only branch sessions keep notes on GitHub.
 */
import { readHeadToolCallsNote } from '../src/adapters/github/notes.ts'
import { decodeToolCallsNote } from '../src/core/history.ts'
import type { SessionHistorySummary } from '../src/github/index.ts'
import type { RepoContext } from './repo-context.ts'
import type { SessionRecord } from './session.ts'

/**
 * The history summary of `record` at its head, or `undefined` for an Artifacts session. A note that
 * cannot be read (GitHub failing) reads as no tool calls: the review does not depend on notes.
 */
export async function historySummary(
  repo: RepoContext,
  id: string,
  record: SessionRecord,
): Promise<SessionHistorySummary | undefined> {
  if (record.start.ephemeral.kind !== 'branch') return undefined
  const start = record.commits.indexOf(record.startSha)
  const note = await readHeadToolCallsNote(
    repo.octokit,
    { owner: repo.owner, repo: repo.repo },
    id,
    record.headSha,
  ).catch(() => null)
  return {
    checkpoints: start === -1 ? record.commits.length : start,
    more: start === -1,
    toolCalls: note ? decodeToolCallsNote(note).calls : [],
  }
}
