/**
 * Argument parsers for commander options and arguments. They throw commander's
 * `InvalidArgumentError`, which commander reports as a usage error (exit code 2).
 */
import { InvalidArgumentError } from 'commander'
import { DURATION_EXAMPLES, parseDuration } from '../core/duration.ts'
import { unquoteGitPath } from '../core/patch.ts'

/** A usage error found after parsing (conflicting options and the like): exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError'
}

/**
 * `24h`, `90m`, `1.5h`, `2d` → ms, by the one duration grammar (src/core/duration.ts). Throws for
 * anything that is not a positive duration with a unit.
 */
export function parseDurationArgument(value: string): number {
  const parsed = parseDuration(value)
  if (parsed === null)
    throw new InvalidArgumentError(`"${value}" is not a duration; use e.g. ${DURATION_EXAMPLES}.`)
  return parsed
}

/**
 * A duration in ms, or `'none'` for `none` / `off` / `never` (no limit). Not `null`: commander turns a
 * parser's `null` into `''`. {@link limitMs} maps the result to the policy value.
 */
export function parseLimit(value: string): number | 'none' {
  return /^(none|off|never)$/i.test(value.trim()) ? 'none' : parseDurationArgument(value)
}

/** `'none'` → `null` (no limit), ms unchanged. */
export function limitMs(limit: number | 'none'): number | null {
  return limit === 'none' ? null : limit
}

/**
 * A repository path given on the command line: as typed, or, when it is a git-quoted string such as
 * `"caf\351.txt"` (how git and gittrix print a name that is not UTF-8), the path it names. A command
 * line cannot carry non-UTF-8 bytes, so this is how such a file is named.
 */
export function cliPath(text: string): string {
  return unquoteGitPath(text) ?? text
}

/** Collects `-f a,b -f c` into `['a', 'b', 'c']` (empty pieces dropped). */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((piece) => piece.trim())
      .filter(Boolean),
  ]
}

/** A TCP port, 1 to 65535 (`--port`). Throws for anything else. */
export function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port; use a number from 1 to 65535.`)
  return port
}

/** Collects a repeatable option's values as given (`--hunk a#1 --hunk b#2` → `['a#1', 'b#2']`). */
export function collectEntries(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}
