/**
 * Rendering of a refused promotion (`BASELINE_CONFLICT`): the check run output titled
 * "Baseline conflict: N files" and the same facts as markdown for a comment reply.
 */
import type { BaselineConflictError } from '../core/errors.ts'
import { shortSha } from './commit-sha.ts'
import { CHECK_RUN_OUTPUT_MAX, utf8Length } from './limits.ts'
import { inlineCode, plural } from './markdown.ts'
import { type CheckRunOutput, checkRunOutputSchema } from './check-run-output.ts'

/** What a conflict report needs: the core error's fields plus the session and branch. */
export interface ConflictFacts extends Pick<
  BaselineConflictError,
  'conflictingFiles' | 'durableSha' | 'baselineSha'
> {
  sessionId: string
  durableBranch: string
}

/** Most conflicting paths listed (the rest are counted). */
export const CONFLICT_LIST_MAX = 200

/** `Baseline conflict: 1 file` / `Baseline conflict: 3 files`. */
export function conflictTitle(count: number): string {
  return `Baseline conflict: ${plural(count, 'file')}`
}

/**
 * Markdown explaining the conflict: both SHAs, every conflicting path (escaped; at most
 * {@link CONFLICT_LIST_MAX}, within `budgetBytes`), that nothing was written, and what to do.
 */
export function renderConflictMarkdown(conflict: ConflictFacts, budgetBytes = CHECK_RUN_OUTPUT_MAX): string {
  const n = conflict.conflictingFiles.length
  const head =
    `${inlineCode(conflict.durableBranch)} changed ${plural(n, 'of the selected files', 'of the selected files')} ` +
    `since the session's baseline, so **nothing was written**.\n\n` +
    `- Baseline: ${inlineCode(conflict.baselineSha)} (${inlineCode(shortSha(conflict.baselineSha))})\n` +
    `- Durable head: ${inlineCode(conflict.durableSha)} (${inlineCode(shortSha(conflict.durableSha))})\n\n` +
    'Changed on both sides:\n'
  const tail =
    '\n\nPromote the other files (name them: ' +
    `${inlineCode(`/gittrix promote ${conflict.sessionId} <path> ...`)}), ` +
    'or start a new session from the current durable head.'
  const more = (rest: number) => `\n- …and ${plural(rest, 'more file')}`
  let budget = budgetBytes - utf8Length(head) - utf8Length(tail) - utf8Length(more(n))
  let list = ''
  let shown = 0
  for (const path of conflict.conflictingFiles) {
    if (shown >= CONFLICT_LIST_MAX) break
    const line = `\n- ${inlineCode(path)}`
    const size = utf8Length(line)
    if (size > budget) break
    list += line
    budget -= size
    shown += 1
  }
  if (shown < n) list += more(n - shown)
  return `${head}${list}${tail}`
}

/** The check run output for a conflict: title "Baseline conflict: N files", summary from {@link renderConflictMarkdown}. */
export function renderConflictOutput(conflict: ConflictFacts): CheckRunOutput {
  return checkRunOutputSchema.parse({
    title: conflictTitle(conflict.conflictingFiles.length),
    summary: renderConflictMarkdown(conflict),
  })
}
