/**
 * Printing: a command's result as text for people or as one JSON document for programs, errors on
 * stderr (or as JSON on stdout with `--json`), and the exit code each outcome maps to.
 */
import { CommanderError } from 'commander'
import { BaselineConflictError, GittrixError, isGittrixError } from '../core/errors.ts'
import type { CliIo } from './io.ts'
import { shownPath } from './format.ts'
import { CliUsageError } from './parse.ts'
import { terminalSafeJson, visible, visibleBytes } from './terminal-text.ts'

/** Exit codes: 0 ok, 1 error, 2 usage error, 3 baseline conflict (`BASELINE_CONFLICT`). */
export const EXIT = { ok: 0, error: 1, usage: 2, conflict: 3 } as const

/**
 * What a command produced: `data` for `--json`, `text` for people (printed as is, bytes staying bytes;
 * on a terminal with control characters and bidi overrides escaped: terminal-text.ts).
 */
export interface CommandResult {
  data: unknown
  text: string | Uint8Array
  /** The CLI's exit code after printing (default 0): `gittrix run` hands on its command's. */
  exitCode?: number
  /**
   * The command printed its result itself while it ran (`gittrix review` prints its URL, then serves
   * until stopped): nothing more is printed, so `--json` still yields exactly one document.
   */
  printed?: true
}

/** Prints results and errors in one mode, human or JSON. */
export interface Output {
  readonly json: boolean
  /** Prints a result: `{"ok":true,"data":...}` or the text. */
  result(result: CommandResult): void
  /** A note for people on stderr (never in JSON mode's stdout). */
  warn(message: string): void
  /** Prints an error and returns the exit code it maps to. */
  error(error: unknown): number
}

/** `{ code, message, ...fields }` for any error; unexpected errors get code `INTERNAL`. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof GittrixError) return error.toJSON()
  if (error instanceof CliUsageError || error instanceof CommanderError) {
    return { code: 'USAGE', message: usageMessage(error) }
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

/** The exit code of an error: 3 for `BASELINE_CONFLICT`, 2 for usage errors, else 1. */
export function exitCodeFor(error: unknown): number {
  if (isGittrixError(error, 'BASELINE_CONFLICT')) return EXIT.conflict
  if (error instanceof CliUsageError || error instanceof CommanderError) return EXIT.usage
  return EXIT.error
}

/** An {@link Output} writing to `io`. */
export function createOutput(io: CliIo, json: boolean): Output {
  return {
    json,
    result(result) {
      if (result.printed) return
      if (json) {
        io.stdout(`${terminalSafeJson({ ok: true, data: result.data })}\n`)
      } else if (typeof result.text === 'string') {
        const text = io.stdoutIsTerminal ? visible(result.text) : result.text
        if (text) io.stdout(text.endsWith('\n') ? text : `${text}\n`)
      } else {
        io.stdout(io.stdoutIsTerminal ? visibleBytes(result.text) : result.text)
      }
    },
    warn(message) {
      stderr(io, `gittrix: warning: ${message}\n`)
    },
    error(error) {
      const code = exitCodeFor(error)
      if (json) io.stdout(`${terminalSafeJson({ ok: false, error: errorJson(error) })}\n`)
      else stderr(io, humanError(error))
      return code
    },
  }
}

/**
 * Writes `text` to standard error, through {@link visible} when it is a terminal: an error can name the
 * agent's files (a conflict lists them).
 */
export function stderr(io: CliIo, text: string): void {
  io.stderr(io.stderrIsTerminal ? visible(text) : text)
}

function humanError(error: unknown): string {
  if (error instanceof CommanderError || error instanceof CliUsageError) {
    return `gittrix: ${usageMessage(error)}\nRun \`gittrix --help\` for usage.\n`
  }
  if (error instanceof BaselineConflictError) {
    // The message names the agent's files as they are: a newline in one would forge lines.
    const files = error.conflictingFiles.map((f) => `  ${shownPath(f)}\n`).join('')
    return `gittrix: ${error.message.replace(/\n/g, '\\x0a')}\nConflicting files:\n${files}`
  }
  if (error instanceof GittrixError) return `gittrix: ${error.message} (${error.code})\n`
  return `gittrix: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`
}

function usageMessage(error: Error): string {
  return error.message.replace(/^error: /, '').trim()
}
