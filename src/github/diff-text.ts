/**
 * The unified diff as check run `output.text`: a ```diff fence, cut at a line boundary so the whole
 * field stays within GitHub's 65,535-character limit, with a note saying it was cut and how to see
 * the rest.
 */
import { branchNameProblem } from './branches.ts'
import type { SessionFacts } from './session-facts.ts'
import { CHECK_RUN_OUTPUT_MAX, utf8Length } from './limits.ts'
import { formatCount, inlineCode, safeUrl, visibleText } from './markdown.ts'

/** The rendered diff field and what it shows. */
export interface RenderedDiff {
  /** Markdown for `output.text`, at most `budgetBytes` UTF-8 bytes. */
  text: string
  /** True when part of the patch was left out. */
  cut: boolean
  /** Patch lines shown / in total. */
  shownLines: number
  totalLines: number
}

/**
 * Renders `patch` in a fenced `diff` block of at most `budgetBytes` (default
 * {@link CHECK_RUN_OUTPUT_MAX}) UTF-8 bytes, note included. The fence is one backtick longer than the
 * longest backtick run in the shown lines, so diff content can never close it. Hidden characters
 * (controls, zero-width, bidi; NUL included) are shown as `\u{XXXX}` (`visibleText`).
 * `totalFiles`: the session's number of changed files when `patch` holds only the first of them (a
 * budgeted diff, `SessionDiff.partial`); the text is then always cut, with the note.
 * When cut, a note gives the number of lines and complete files shown and how to see the full diff:
 * `/gittrix diff <id> <path>`, `facts.fullDiffUrl` when given, and a `git diff` command for branch
 * sessions.
 */
export function renderDiffText(
  facts: SessionFacts,
  patch: string,
  budgetBytes: number = CHECK_RUN_OUTPUT_MAX,
  totalFiles?: number,
): RenderedDiff {
  const clean = visibleText(patch)
  const lines = clean.endsWith('\n') ? clean.slice(0, -1).split('\n') : clean.split('\n')
  const totalLines = clean === '' ? 0 : lines.length
  // `totalFiles` beyond the patch's own files: the patch holds only the first files (a budgeted diff).
  const patchFiles = countFiles(lines, totalLines)
  const allFiles = Math.max(patchFiles, totalFiles ?? 0)
  const partial = allFiles > patchFiles
  if (totalLines === 0 && !partial) return { text: '_No changes._', cut: false, shownLines: 0, totalLines: 0 }
  // The note is sized with the largest numbers it can hold, so the real one is never longer.
  const reserve = utf8Length(note(facts, totalLines, totalLines, allFiles, allFiles, partial)) + 2
  let used = 0
  let longestRun = 0
  let shown = 0
  for (; shown < totalLines; shown++) {
    const line = lines[shown]!
    const run = Math.max(longestRun, longestBackticks(line))
    const fence = Math.max(3, run + 1)
    const lineBytes = utf8Length(line) + 1
    const whole = shown + 1 === totalLines && !partial
    const overhead = 2 * fence + 'diff'.length + 2 + (whole ? 0 : reserve)
    if (used + lineBytes + overhead > budgetBytes) break
    used += lineBytes
    longestRun = run
  }
  const fence = '`'.repeat(Math.max(3, longestRun + 1))
  const body = lines.slice(0, shown).join('\n')
  const block = shown === 0 ? '' : `${fence}diff\n${body}\n${fence}`
  if (shown === totalLines && !partial) return { text: block, cut: false, shownLines: shown, totalLines }
  const complete = countFiles(lines, shown) - (startsFile(lines[shown]) ? 0 : 1)
  const text = `${block}${block ? '\n\n' : ''}${note(facts, shown, totalLines, Math.max(0, complete), allFiles, partial)}`
  return { text, cut: true, shownLines: shown, totalLines }
}

function startsFile(line: string | undefined): boolean {
  return line?.startsWith('diff --git ') ?? true
}

function countFiles(lines: readonly string[], upTo: number): number {
  let n = 0
  for (let i = 0; i < upTo; i++) if (lines[i]!.startsWith('diff --git ')) n += 1
  return n
}

function longestBackticks(line: string): number {
  let longest = 0
  let run = 0
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) === 96) longest = Math.max(longest, ++run)
    else run = 0
  }
  return longest
}

function note(
  facts: SessionFacts,
  shown: number,
  total: number,
  completeFiles: number,
  totalFiles: number,
  partial = false,
): string {
  const ways = [`comment ${inlineCode(`/gittrix diff ${facts.sessionId} <path>`)} for the diff of one file`]
  const url = safeUrl(facts.fullDiffUrl)
  if (url) ways.push(`[open the full diff](${url})`)
  const branch = `gittrix/${facts.sessionId}`
  if ((facts.ephemeral?.kind ?? 'branch') === 'branch' && branchNameProblem(branch) === null) {
    ways.push(
      `run ${inlineCode(`git fetch origin ${branch} && git diff ${facts.baselineSha} FETCH_HEAD`)} in a clone`,
    )
  }
  return (
    (partial
      ? `> [!NOTE]\n> **The diff is cut** to GitHub's limit of 65,535 characters per check run field and to the files the App reads per render: ` +
        `it shows ${formatCount(shown)} lines `
      : `> [!NOTE]\n> **The diff is cut** to fit GitHub's limit of 65,535 characters per check run field: ` +
        `it shows ${formatCount(shown)} of ${formatCount(total)} lines `) +
    `(${formatCount(completeFiles)} of ${formatCount(totalFiles)} files complete). ` +
    `To see the rest, ${ways.join(', or ')}.`
  )
}
