/**
 * The `/gittrix` slash-command parser (docs/github-app.md#commands-and-buttons). Only the first line of a comment is read,
 * and only when GitHub shows it as text (not as code: see {@link parseCommand}).
 * The parser never throws: every input yields a command, a usage message (plain text, one problem
 * sentence then the relevant usage), or "not a command" for comments not addressed to Gittrix.
 *
 * Grammar (see `command-help.ts`):
 * ```
 * /gittrix promote [<session-id>] [@<sha>] [all | <path|glob|path#hunk-id> ...] [--pr | --commit | --branch <name> | --patch] [-m "<message>"]
 * /gittrix discard [<session-id>]
 * /gittrix extend [<session-id>] <duration, e.g. 24h>
 * /gittrix diff [<session-id>] [<path|glob> ...]
 * /gittrix status [<session-id>]
 * /gittrix help [<command>]
 * ```
 * Options: `--branch=<name>`, `--message <m>` and `--message=<m>` are accepted spellings; `--` ends
 * the options (later words are paths even if they start with `-`); a quoted word is never an option.
 */
import { parseDuration } from '../core/duration.ts'
import { normalizeRepoPath } from '../core/paths.ts'
import type { PromoteSelector, PromoteStrategy } from '../core/types.ts'
import { branchNameProblem, parseGittrixRef } from './branches.ts'
import { COMMAND_HELP, COMMAND_NAMES, type CommandName, helpText } from './command-help.ts'
import { isInvisible, quoteUntrusted } from './result.ts'
import { GITHUB_SESSION_ID_PATTERN } from './session-id.ts'
import { type Token, tokenize } from './tokenize.ts'

/** Longest first line read as a command (characters). Longer lines get a usage message. */
export const MAX_COMMAND_LINE = 2000
/** Most words after `/gittrix` (as slash-command-dispatch's `MAX_ARGS`). */
export const MAX_COMMAND_ARGS = 50
/** Longest `-m` message (characters). */
export const MAX_COMMAND_MESSAGE = 1000
/** Shortest and longest `extend` duration: 1 minute and 365 days (ms). */
export const EXTEND_LIMITS_MS = { min: 60_000, max: 365 * 86_400_000 } as const

/** A strategy a command can ask for; `null` in a command means the repository's default. */
export type CommandStrategy = Exclude<PromoteStrategy, 'auto'>

/** A parsed command. `sessionId` is `null` when left out (the App resolves the linked session). */
export type GittrixCommand =
  | {
      name: 'promote'
      sessionId: string | null
      selector: PromoteSelector
      strategy: CommandStrategy | null
      /** Target branch for `--branch <name>`; `null` otherwise. */
      branch: string | null
      message: string | null
      /** The reviewed head named with `@<sha>` (7 to 40 lowercase hex digits), or `null`. */
      at: string | null
    }
  | { name: 'discard'; sessionId: string | null }
  | { name: 'extend'; sessionId: string | null; durationMs: number; duration: string }
  | { name: 'diff'; sessionId: string | null; paths: string[] }
  | { name: 'status'; sessionId: string | null }
  | { name: 'help'; topic: CommandName | null }

/** The outcome of reading a comment. */
export type CommandParseResult =
  | { ok: true; kind: 'command'; command: GittrixCommand }
  | { ok: false; kind: 'usage'; usage: string }
  | { ok: false; kind: 'not-a-command' }

/** True for commands only people with write, maintain or admin may run (docs/github-app.md#commands-and-buttons). */
export function commandNeedsWrite(command: GittrixCommand): boolean {
  return command.name === 'promote' || command.name === 'discard' || command.name === 'extend'
}

const NOT_A_COMMAND: CommandParseResult = { ok: false, kind: 'not-a-command' }
/** Characters that look like `/` but are not: fraction slash, division slash, fullwidth, big solidus... */
const SLASH_LOOKALIKES = /^[\u2044\u2215\u2571\u29F6\u29F8\uFF0F\u1735\u3033\u30CE\u31D3\u4E3F]/

function usage(problem: string, topic: CommandName | null): CommandParseResult {
  const detail = topic
    ? `Usage: ${COMMAND_HELP[topic].usage}\nExample: ${COMMAND_HELP[topic].example}`
    : helpText()
  const tail = topic ? '\nSee /gittrix help for every command.' : ''
  return { ok: false, kind: 'usage', usage: `${problem}\n${detail}${tail}` }
}

/** The first line of `body`: up to the first LF, CR, NEL, LS or PS. */
export function firstLine(body: string): string {
  const end = body.search(/[\n\r\u0085\u2028\u2029]/)
  return end < 0 ? body : body.slice(0, end)
}

/**
 * Columns of indentation before the first non-blank character of `line`, with tab stops of 4 as
 * CommonMark expands them (https://spec.commonmark.org/0.31.2/#tabs): `"\t"` → 4, `" \t"` → 4,
 * `"  x"` → 2.
 */
export function indentColumns(line: string): number {
  let column = 0
  for (const ch of line) {
    if (ch === ' ') column += 1
    else if (ch === '\t') column += 4 - (column % 4)
    else break
  }
  return column
}

/**
 * Reads a comment body. Returns `{ kind: 'not-a-command' }` unless its first line starts with
 * `/gittrix` as a word, after at most 3 columns of spaces: GitHub renders a line indented 4 columns
 * or more (a tab counts up to the next multiple of 4) as an indented code block
 * (https://spec.commonmark.org/0.31.2/#indented-code-blocks), and a first line that opens a fence,
 * a block quote, a list item or an HTML comment does not start with `/`, so a command a reader sees
 * as code or a quotation never runs. A look-alike slash or different letter case gets a usage
 * message instead, so a near-miss is never silently ignored. Never throws.
 */
export function parseCommand(body: unknown): CommandParseResult {
  if (typeof body !== 'string') return NOT_A_COMMAND
  const raw = firstLine(body)
  if (indentColumns(raw) >= 4) return NOT_A_COMMAND
  const line = raw.replace(/^[ \t]+/, '')
  const head = line.slice(0, 9)
  if (!/^\/gittrix/i.test(head)) {
    if (SLASH_LOOKALIKES.test(line) && /^gittrix/i.test(line.slice(1, 8))) {
      const cp = line.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
      return usage(`This line starts with U+${cp}, which only looks like "/". Type a plain "/".`, null)
    }
    return NOT_A_COMMAND
  }
  const next = line[8]
  if (next !== undefined && /[A-Za-z0-9_-]/.test(next)) return NOT_A_COMMAND
  if (!line.startsWith('/gittrix')) return usage('Write /gittrix in lowercase.', null)
  if (next !== undefined && next !== ' ' && next !== '\t') {
    return usage(`Put a plain space after /gittrix (found ${quoteUntrusted(next)}).`, null)
  }
  if (line.length > MAX_COMMAND_LINE)
    return usage(`The command is longer than ${MAX_COMMAND_LINE} characters.`, null)
  for (const ch of line) {
    if (ch !== '\t' && isInvisible(ch)) {
      const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
      return usage(`The command contains an invisible or control character (U+${cp}). Retype it.`, null)
    }
  }
  const tokens = tokenize(line.slice(8))
  if (!tokens.ok) return usage(`The command has an ${tokens.reason}.`, null)
  const [sub, ...args] = tokens.value
  if (sub === undefined) return usage('Say what to do.', null)
  const name = COMMAND_NAMES.find((n) => n === sub.text)
  if (name === undefined) {
    const guess = closest(sub.text)
    return usage(
      `Unknown command ${quoteUntrusted(sub.text)}.${guess ? ` Did you mean ${guess}?` : ''}`,
      null,
    )
  }
  if (args.length > MAX_COMMAND_ARGS) return usage(`Too many arguments (at most ${MAX_COMMAND_ARGS}).`, name)
  return PARSERS[name](args)
}

type Parser = (args: Token[]) => CommandParseResult

const command = (c: GittrixCommand): CommandParseResult => ({ ok: true, kind: 'command', command: c })

/** Splits options from positionals for one subcommand; returns a usage result on any bad option. */
function scan(
  args: Token[],
  accept: (
    flag: string,
    inlineValue: string | null,
    takeValue: () => Token | null,
  ) => CommandParseResult | null,
): { positionals: Token[] } | CommandParseResult {
  const positionals: Token[] = []
  let endOfOptions = false
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!
    if (!endOfOptions && !token.quoted && token.text === '--') {
      endOfOptions = true
      continue
    }
    if (endOfOptions || token.startsQuoted || !token.text.startsWith('-') || token.text === '-') {
      positionals.push(token)
      continue
    }
    const eq = token.text.startsWith('--') ? token.text.indexOf('=') : -1
    const flag = eq < 0 ? token.text : token.text.slice(0, eq)
    const inlineValue = eq < 0 ? null : token.text.slice(eq + 1)
    const takeValue = (): Token | null => {
      const value = args[i + 1]
      if (value === undefined) return null
      if (!value.startsQuoted && value.text.startsWith('-') && value.text !== '-') return null
      i += 1
      return value
    }
    const problem = accept(flag, inlineValue, takeValue)
    if (problem) return problem
  }
  return { positionals }
}

/** Takes a leading session id off the positionals; a `sess_` word that is not a valid id is a usage error. */
function takeSessionId(
  positionals: Token[],
  topic: CommandName,
): { sessionId: string | null; rest: Token[] } | CommandParseResult {
  const first = positionals[0]
  if (first && GITHUB_SESSION_ID_PATTERN.test(first.text))
    return { sessionId: first.text, rest: positionals.slice(1) }
  if (first && /^sess_/i.test(first.text)) {
    return usage(
      `${quoteUntrusted(first.text)} is not a session id (sess_ followed by 12 characters of a-z and 2-7). For a file of that name write ./${first.text}.`,
      topic,
    )
  }
  return { sessionId: null, rest: positionals }
}

/** Validates a path or glob argument; `null` when fine, else the problem. */
function pathProblem(text: string): { path: string } | { problem: string } {
  if (text.startsWith('!'))
    return { problem: `${quoteUntrusted(text)}: negated globs are not supported; name the files to include` }
  // A backslash in a comment is almost always a Windows separator (the library keeps it as a byte).
  if (text.includes('\\'))
    return {
      problem: `${quoteUntrusted(text)} is not a safe repository path: use "/" as the separator, not "\\"`,
    }
  try {
    return { path: normalizeRepoPath(text) }
  } catch (error) {
    const reason =
      error instanceof Error ? error.message.replace(/^Path ".*?" rejected: /s, '') : 'invalid path'
    return { problem: `${quoteUntrusted(text)} is not a safe repository path: ${reason}` }
  }
}

function paths(tokens: Token[], topic: CommandName): string[] | CommandParseResult {
  const out: string[] = []
  for (const token of tokens) {
    const checked = pathProblem(token.text)
    if ('problem' in checked) return usage(`${checked.problem}.`.replace(/\.\.$/, '.'), topic)
    if (!out.includes(checked.path)) out.push(checked.path)
  }
  return out
}

function isResult(value: unknown): value is CommandParseResult {
  return typeof value === 'object' && value !== null && 'kind' in value && 'ok' in value
}

/**
 * An unquoted word naming hunks of a file: `<path>#<id>[,<id>…]`, ids of 8 hex digits as the check
 * run's diff shows them (`[h:<id>]`), or `<id>.<k>` for the `k`-th part of a hunk (src/core/hunks.ts
 * `hunkParts`). A path that really ends like that is quoted.
 */
const HUNK_WORD = /^.+#[0-9a-f]{8}(\.[1-9]\d{0,3})?(,[0-9a-f]{8}(\.[1-9]\d{0,3})?)*$/

const STRATEGY_FLAGS: Record<string, CommandStrategy> = {
  '--pr': 'pr',
  '--commit': 'commit',
  '--branch': 'branch',
  '--patch': 'patch',
}

function parsePromote(args: Token[]): CommandParseResult {
  let strategy: CommandStrategy | null = null
  let strategyFlag = ''
  let branch: string | null = null
  let message: string | null = null
  const scanned = scan(args, (flag, inlineValue, takeValue) => {
    if (flag in STRATEGY_FLAGS) {
      if (strategy !== null) {
        return usage(
          strategyFlag === flag
            ? `${flag} is given twice.`
            : `${strategyFlag} and ${flag} conflict: choose one of --pr, --commit, --branch <name>, --patch.`,
          'promote',
        )
      }
      strategy = STRATEGY_FLAGS[flag]!
      strategyFlag = flag
      if (flag !== '--branch') {
        return inlineValue === null ? null : usage(`${flag} takes no value.`, 'promote')
      }
      const value = inlineValue ?? takeValue()?.text ?? null
      if (value === null || value === '')
        return usage('--branch needs a branch name: --branch <name>.', 'promote')
      const problem = branchNameProblem(value)
      if (problem) return usage(`${quoteUntrusted(value)} is not a valid branch name: ${problem}.`, 'promote')
      if (parseGittrixRef(value)?.kind === 'session') {
        return usage(`${quoteUntrusted(value)} is a session branch; choose another name.`, 'promote')
      }
      branch = value
      return null
    }
    if (flag === '-m' || flag === '--message') {
      if (message !== null) return usage(`${flag} is given twice.`, 'promote')
      const value = inlineValue ?? takeValue()?.text ?? null
      if (value === null) return usage(`${flag} needs a message: ${flag} "<message>".`, 'promote')
      if (value.trim() === '') return usage(`The ${flag} message is empty.`, 'promote')
      if (value.length > MAX_COMMAND_MESSAGE) {
        return usage(`The ${flag} message is longer than ${MAX_COMMAND_MESSAGE} characters.`, 'promote')
      }
      message = value.trim()
      return null
    }
    return usage(
      `Unknown option ${quoteUntrusted(flag)}. Quote it or put it after -- if it is a path.`,
      'promote',
    )
  })
  if (isResult(scanned)) return scanned
  const named = takeSessionId(scanned.positionals, 'promote')
  if (isResult(named)) return named
  const pinned = takeReviewedHead(named.rest)
  if (isResult(pinned)) return pinned
  const taken = { sessionId: named.sessionId, rest: pinned.rest }
  const all = taken.rest.filter((t) => !t.quoted && t.text === 'all')
  let selector: PromoteSelector
  if (all.length > 0) {
    if (taken.rest.length !== all.length || all.length > 1) {
      return usage('Give either "all" or a list of paths, not both.', 'promote')
    }
    selector = { mode: 'all' }
  } else if (taken.rest.length === 0) {
    selector = { mode: 'all' }
  } else {
    const hunkWords = taken.rest.filter((t) => !t.quoted && HUNK_WORD.test(t.text))
    const files = paths(
      taken.rest.filter((t) => !hunkWords.includes(t)),
      'promote',
    )
    if (isResult(files)) return files
    if (hunkWords.length === 0) selector = { mode: 'files', files }
    else {
      const hunks: Array<{ path: string; ids: string[] }> = []
      for (const word of hunkWords) {
        const at = word.text.lastIndexOf('#')
        const checked = pathProblem(word.text.slice(0, at))
        if ('problem' in checked) return usage(`${checked.problem}.`.replace(/\.\.$/, '.'), 'promote')
        if (files.includes(checked.path)) {
          return usage(
            `${quoteUntrusted(checked.path)} is named whole and by hunks; name it one way.`,
            'promote',
          )
        }
        hunks.push({ path: checked.path, ids: word.text.slice(at + 1).split(',') })
      }
      selector = { mode: 'hunks', hunks, ...(files.length ? { files } : {}) }
    }
  }
  return command({
    name: 'promote',
    sessionId: taken.sessionId,
    selector,
    strategy,
    branch,
    message,
    at: pinned.at,
  })
}

/**
 * Takes the one unquoted `@<sha>` word (a reviewed head, 7 to 40 lowercase hex digits) off the
 * positionals. Another `@…` word is a usage error (quote a path that starts with `@`).
 */
function takeReviewedHead(positionals: Token[]): { at: string | null; rest: Token[] } | CommandParseResult {
  const marked = positionals.filter((t) => !t.startsQuoted && t.text.startsWith('@'))
  if (marked.length === 0) return { at: null, rest: positionals }
  const text = marked[0]!.text
  if (marked.length > 1) return usage('Name one reviewed commit: @<sha> is given twice.', 'promote')
  if (!/^@[0-9a-f]{7,40}$/.test(text))
    return usage(
      `${quoteUntrusted(text)} is not @<sha>: write @ and 7 to 40 hex digits of the reviewed commit (quote a path that starts with @).`,
      'promote',
    )
  return { at: text.slice(1), rest: positionals.filter((t) => t !== marked[0]) }
}

function noOptions(topic: CommandName) {
  return (flag: string) =>
    usage(
      `/gittrix ${topic} takes no option ${quoteUntrusted(flag)}. Put -- before paths that start with "-".`,
      topic,
    )
}

function simple(name: 'discard' | 'status'): Parser {
  return (args) => {
    const scanned = scan(args, noOptions(name))
    if (isResult(scanned)) return scanned
    const taken = takeSessionId(scanned.positionals, name)
    if (isResult(taken)) return taken
    if (taken.rest.length > 0) return usage(`Unexpected ${quoteUntrusted(taken.rest[0]!.text)}.`, name)
    return command({ name, sessionId: taken.sessionId })
  }
}

function parseExtend(args: Token[]): CommandParseResult {
  const scanned = scan(args, noOptions('extend'))
  if (isResult(scanned)) return scanned
  const taken = takeSessionId(scanned.positionals, 'extend')
  if (isResult(taken)) return taken
  if (taken.rest.length === 0) return usage('Say how long to extend the session by, e.g. 24h.', 'extend')
  if (taken.rest.length > 1) return usage(`Unexpected ${quoteUntrusted(taken.rest[1]!.text)}.`, 'extend')
  const text = taken.rest[0]!.text
  const durationMs = parseDuration(text)
  if (durationMs === null) {
    return usage(
      `${quoteUntrusted(text)} is not a duration: write a number and a unit, e.g. 30m, 24h, 7d.`,
      'extend',
    )
  }
  if (durationMs < EXTEND_LIMITS_MS.min || durationMs > EXTEND_LIMITS_MS.max) {
    return usage(`${quoteUntrusted(text)} is out of range: extend by 1m to 365d.`, 'extend')
  }
  return command({ name: 'extend', sessionId: taken.sessionId, durationMs, duration: text })
}

function parseDiff(args: Token[]): CommandParseResult {
  const scanned = scan(args, noOptions('diff'))
  if (isResult(scanned)) return scanned
  const taken = takeSessionId(scanned.positionals, 'diff')
  if (isResult(taken)) return taken
  const files = paths(taken.rest, 'diff')
  if (isResult(files)) return files
  return command({ name: 'diff', sessionId: taken.sessionId, paths: files })
}

function parseHelp(args: Token[]): CommandParseResult {
  if (args.length === 0) return command({ name: 'help', topic: null })
  const topic = COMMAND_NAMES.find((n) => n === args[0]!.text)
  if (args.length > 1 || topic === undefined) {
    return usage(`There is no help topic ${quoteUntrusted(args.map((a) => a.text).join(' '))}.`, 'help')
  }
  return command({ name: 'help', topic })
}

const PARSERS: Record<CommandName, Parser> = {
  promote: parsePromote,
  discard: simple('discard'),
  extend: parseExtend,
  diff: parseDiff,
  status: simple('status'),
  help: parseHelp,
}

/** The subcommand within edit distance 2 of `word`, for "did you mean". */
function closest(word: string): CommandName | null {
  if (word.length > 20) return null
  let best: CommandName | null = null
  let bestDistance = 3
  for (const name of COMMAND_NAMES) {
    const d = distance(word.toLowerCase(), name)
    if (d < bestDistance) {
      best = name
      bestDistance = d
    }
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const temp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = temp
    }
  }
  return row[b.length]!
}
