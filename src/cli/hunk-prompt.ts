/**
 * `gittrix promote <id> -p`: walks a session's diff hunk by hunk like `git add -p` and turns the
 * answers into a promotion selector. The walk ({@link chooseInteractively}) is separate from the
 * terminal ({@link terminalAsker}, an `@inquirer/expand` prompt), so tests script the answers.
 */
import { styleText } from 'node:util'
import expand from '@inquirer/expand'
import { encodeText } from '../core/bytes.ts'
import { hunkParts } from '../core/hunks.ts'
import { shownPath } from './format.ts'
import { visible } from './terminal-text.ts'
import type { FileDiff, PromoteSelector, SessionDiff } from '../core/types.ts'

/**
 * An answer, as in `git add -p`: `y` promote this hunk, `n` do not, `q` quit (promote what was
 * chosen so far, nothing after), `a` this hunk and every later one of the file, `d` none of the
 * file's hunks from here on, `s` split this hunk into its parts (runs of changes between unchanged
 * lines, `hunkParts` of src/core/hunks.ts) and ask about each. (`git add -p`'s `e`dit is not offered:
 * a part is the smallest unit a selector names.)
 */
export type HunkAnswer = 'y' | 'n' | 'q' | 'a' | 'd' | 's'

/** Said, with the question asked again, when `s` is answered about a hunk with one run of changes. */
export const CANNOT_SPLIT = 'This hunk cannot be split: its changes are not separated by unchanged lines.'

/** One question of the walk. `text` is the patch shown: the file's header, then the hunk (or the file). */
export interface HunkQuestion {
  path: string
  /** `hunk`: one hunk of a file promotable by hunks; `file`: a whole-file-only change. */
  kind: 'hunk' | 'file'
  /** 1-based position among the file's hunks, and their count (1 of 1 for a whole file). */
  index: number
  total: number
  /** What the file change is, for a whole-file question: added, deleted, modified (binary, mode). */
  status: FileDiff['status']
  /** The patch text to show (lossless string, src/core/bytes.ts), ending in a newline. */
  text: string
  /** For a part of a split hunk (then `text` shows the part): its 1-based position and the count. */
  part?: { index: number; total: number }
  /** Said before the question (e.g. {@link CANNOT_SPLIT} when it is asked again). */
  note?: string
}

/** Asks one question; resolves the answer. Rejects to abort the whole walk (nothing is promoted). */
export type HunkAsker = (question: HunkQuestion) => Promise<HunkAnswer>

/**
 * Asks about every hunk of `diff` (and every whole-file-only change, as one question) in patch order
 * and resolves the selector the answers make: `{ mode: 'hunks', hunks, files, literal: true }`, where a
 * file whose every hunk was chosen is a whole file and a hunk whose every part was chosen is the
 * hunk's id (otherwise its parts' `<id>.<k>`); `{ mode: 'files', … }` when no file is partial; `null`
 * when nothing was chosen. `s` on a hunk with two parts or more asks about each part in turn (`a`/`d`
 * there cover the later parts and hunks of the file); on a hunk with one part it asks again with the
 * note {@link CANNOT_SPLIT}. Files without a patch in `diff` are skipped.
 */
export async function chooseInteractively(
  diff: SessionDiff,
  ask: HunkAsker,
): Promise<PromoteSelector | null> {
  const sections = fileSections(diff)
  const files: string[] = []
  const hunks: Array<{ path: string; ids: string[] }> = []
  for (const file of diff.files) {
    const section = sections.get(file.path)
    if (section === undefined) continue
    if (!file.hunks?.length) {
      const answer = await ask({
        path: file.path,
        kind: 'file',
        index: 1,
        total: 1,
        status: file.status,
        text: section,
      })
      if (answer === 'y' || answer === 'a') files.push(file.path)
      if (answer === 'q') break
      continue
    }
    const header = section.slice(0, section.indexOf(`${file.hunks[0]!.header}\n`))
    const chosen: string[] = []
    let whole = 0
    let rest: 'y' | 'n' | null = null
    let quit = false
    /** Notes what `a`, `d` and `q` mean for the rest; true when `answer` takes the hunk or part. */
    const take = (answer: HunkAnswer): boolean => {
      if (answer === 'a') rest = 'y'
      if (answer === 'd') rest = 'n'
      if (answer === 'q') quit = true
      return answer === 'y' || answer === 'a'
    }
    const takeWhole = (id: string) => {
      chosen.push(id)
      whole++
    }
    for (const [i, hunk] of file.hunks.entries()) {
      if (rest !== null) {
        if (rest === 'y') takeWhole(hunk.id)
        continue
      }
      const body = hunkText(section, hunk.header)
      const question: HunkQuestion = {
        path: file.path,
        kind: 'hunk',
        index: i + 1,
        total: file.hunks.length,
        status: file.status,
        text: header + body,
      }
      const parts = hunkParts({ ...hunk, lines: body.split('\n').slice(1, -1) })
      let answer = await ask(question)
      while (answer === 's' && parts.length < 2) answer = await ask({ ...question, note: CANNOT_SPLIT })
      if (answer !== 's') {
        if (take(answer)) takeWhole(hunk.id)
      } else {
        const picked: string[] = []
        for (const [k, part] of parts.entries()) {
          if (rest !== null) {
            if (rest === 'y') picked.push(part.id)
            continue
          }
          const asked = {
            ...question,
            text: `${header}${part.header}\n${part.lines.map((l) => `${l}\n`).join('')}`,
            part: { index: k + 1, total: parts.length },
          }
          let partAnswer = await ask(asked)
          while (partAnswer === 's') partAnswer = await ask({ ...asked, note: CANNOT_SPLIT })
          if (take(partAnswer)) picked.push(part.id)
          if (quit) break
        }
        if (picked.length === parts.length) takeWhole(hunk.id)
        else chosen.push(...picked)
      }
      if (quit) break
    }
    if (whole === file.hunks.length) files.push(file.path)
    else if (chosen.length) hunks.push({ path: file.path, ids: chosen })
    if (quit) break
  }
  if (hunks.length === 0 && files.length === 0) return null
  if (hunks.length === 0) return { mode: 'files', files, literal: true }
  return { mode: 'hunks', hunks, ...(files.length ? { files } : {}), literal: true }
}

/**
 * Each file's part of the patch (from its `diff --git` line; a change between a file and a symlink is
 * two consecutive parts with the same line), by path, in `diff.files` order.
 */
function fileSections(diff: SessionDiff): Map<string, string> {
  const parts = diff.patch.split(/^(?=diff --git )/m).filter((p) => p.startsWith('diff --git '))
  const grouped: string[] = []
  for (const part of parts) {
    const first = part.slice(0, part.indexOf('\n'))
    const last = grouped.at(-1)
    if (last !== undefined && last.slice(0, last.indexOf('\n')) === first) grouped[grouped.length - 1] += part
    else grouped.push(part)
  }
  return new Map(diff.files.slice(0, grouped.length).map((f, i) => [f.path, grouped[i]!]))
}

/** The hunk of `section` that starts with the line `header`, up to the next hunk. */
function hunkText(section: string, header: string): string {
  const start = section.indexOf(`${header}\n`)
  const next = section.indexOf('\n@@ ', start + header.length)
  return section.slice(start, next === -1 ? section.length : next + 1)
}

/** The keys offered, with the help `h` shows. */
const CHOICES = [
  { key: 'y', name: 'promote this hunk', value: 'y' },
  { key: 'n', name: 'do not promote this hunk', value: 'n' },
  { key: 'q', name: 'quit; promote what was chosen so far', value: 'q' },
  { key: 'a', name: 'promote this hunk and all later hunks of the file', value: 'a' },
  { key: 'd', name: 'do not promote this hunk or any later hunk of the file', value: 'd' },
] as const

/** The keys offered about a whole hunk: {@link CHOICES} and `s`. */
const HUNK_CHOICES = [
  ...CHOICES,
  { key: 's', name: 'split this hunk into smaller hunks', value: 's' },
] as const

/**
 * Asks on a terminal: prints the patch text (coloured: `+` green, `-` red, `@@` cyan; its control
 * characters and bidi overrides as visible escapes: terminal-text.ts) to `output`, then an
 * `@inquirer/expand` prompt (`h` lists the keys; `s` is offered for a whole hunk) read from `input`;
 * a question asked again with a `note` prints the note instead of the patch. Ctrl-C rejects (the walk aborts,
 * nothing is promoted).
 */
export function terminalAsker(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): HunkAsker {
  return async (question) => {
    if (question.note) output.write(`${styleText('yellow', question.note)}\n`)
    else output.write(colourPatch(question.text))
    const path = visible(shownPath(question.path))
    const what = question.part
      ? `Promote this part of ${path} (part ${question.part.index}/${question.part.total} of hunk ${question.index}/${question.total})?`
      : question.kind === 'hunk'
        ? `Promote this hunk of ${path} (${question.index}/${question.total})?`
        : `Promote ${path} (${question.status}, whole file only)?`
    const choices = question.kind === 'hunk' && !question.part ? HUNK_CHOICES : CHOICES
    return expand(
      { message: what, choices },
      { input, output, clearPromptOnDone: false },
    ) as Promise<HunkAnswer>
  }
}

function colourPatch(text: string): Uint8Array {
  const coloured = visible(text)
    .split('\n')
    .map((line) =>
      line.startsWith('+') && !line.startsWith('+++')
        ? styleText('green', line)
        : line.startsWith('-') && !line.startsWith('---')
          ? styleText('red', line)
          : line.startsWith('@@')
            ? styleText('cyan', line)
            : line,
    )
    .join('\n')
  return encodeText(coloured)
}
