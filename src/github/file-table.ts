/**
 * The markdown file table (status, path, lines added, lines removed), cut to a byte budget.
 */
import type { FileDiff } from '../core/types.ts'
import { utf8Length } from './limits.ts'
import { formatCount, inlineCode, plural, tableRow } from './markdown.ts'
import { describeChange, MINUS } from './stat.ts'

/** A rendered table and how many of the files it lists. */
export interface RenderedFileTable {
  markdown: string
  shown: number
}

/**
 * Renders up to `maxRows` files as a table whose UTF-8 size, with the closing "…and N more files"
 * line, stays within `budgetBytes`. File names are escaped with `inlineCode` (a `|`, backtick, `<` or
 * newline in a name cannot break the table). An empty `files` renders `_No changed files._`.
 */
export function renderFileTable(
  files: readonly FileDiff[],
  budgetBytes: number,
  maxRows: number,
): RenderedFileTable {
  if (files.length === 0) return { markdown: '_No changed files._', shown: 0 }
  const header = `${tableRow(['Status', 'File', '+', MINUS])}\n${tableRow(['---', '---', '---:', '---:'])}`
  const moreLine = (rest: number) => `\n\n_…and ${plural(rest, 'more file')} not listed here._`
  const reserve = utf8Length(moreLine(files.length))
  let markdown = header
  let used = utf8Length(header)
  let shown = 0
  for (const file of files) {
    if (shown >= maxRows) break
    const row = `\n${renderRow(file)}`
    const size = utf8Length(row)
    if (used + size + reserve > budgetBytes) break
    markdown += row
    used += size
    shown += 1
  }
  if (shown === 0)
    return { markdown: `_${plural(files.length, 'changed file')}, too many to list here._`, shown: 0 }
  if (shown < files.length) markdown += moreLine(files.length - shown)
  return { markdown, shown }
}

function renderRow(file: FileDiff): string {
  const status = file.binary ? `${describeChange(file)} (binary)` : describeChange(file)
  // `?`: a budgeted diff did not read this file, so its lines were not counted.
  const unknown = file.counted === false
  const add = file.binary ? '' : unknown ? '?' : formatCount(file.additions)
  const del = file.binary ? '' : unknown ? '?' : formatCount(file.deletions)
  return tableRow([status, inlineCode(file.path), add, del])
}
