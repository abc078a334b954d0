/**
 * One duration grammar (src/core/duration.ts) on every surface: the CLI's arguments, the slash command
 * `/gittrix extend`, `.github/gittrix.yml` and the Action's inputs (action/settings.ts calls the same
 * function). Before, the CLI took a bare number as ms, the config refused fractions, and each had
 * its own limits.
 */
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../app/config.ts'
import { parseDurationArgument } from '../../src/cli/parse.ts'
import { parseDuration } from '../../src/core/duration.ts'
import { parseCommand } from '../../src/github/commands.ts'

const cases: Array<[string, number | null]> = [
  ['30m', 1_800_000],
  ['4h', 14_400_000],
  ['1.5h', 5_400_000],
  ['7d', 604_800_000],
  ['2 hours', 7_200_000],
  ['1ms', 1],
  ['1500', null],
  ['0m', null],
  ['-1h', null],
  ['soon', null],
  ['1e3h', null],
  ['', null],
]

function cli(text: string): number | null {
  try {
    return parseDurationArgument(text)
  } catch {
    return null
  }
}

function slashCommand(text: string): number | null {
  const parsed = parseCommand(`/gittrix extend "${text}"`)
  if (parsed.kind !== 'command' || parsed.command.name !== 'extend') return null
  const ms = parsed.command.durationMs
  // The command adds its own range (1m to 365d) on top of the grammar.
  return ms
}

function config(text: string): number | null {
  const result = parseConfig({ eviction: { ttlIdle: text } })
  return result.ok ? result.config.eviction.ttlIdleMs : null
}

describe('the duration grammar', () => {
  it.each(cases)('%j is %j ms on every surface', (text, expected) => {
    expect(parseDuration(text)).toBe(expected)
    expect(cli(text)).toBe(expected)
    expect(config(text)).toBe(expected)
    // The slash command bounds extensions to 1m..365d; within them it reads the same.
    if (expected === null || expected >= 60_000) expect(slashCommand(text)).toBe(expected)
  })
})
