/**
 * The compact `Gittrix-Eviction` encoding of an {@link EvictionPolicy}:
 *
 * ```
 * ttlIdle=4h; ttlAbsolute=off; untilPromote=true; manual=false
 * ```
 *
 * All four keys, always in this order, separated by `; `. Durations are a positive whole number and
 * one unit of `d`, `h`, `m`, `s`, `ms` (the largest unit that divides the value exactly, so the text
 * round-trips to the same milliseconds), or `off` for `null`. Booleans are `true` / `false`.
 * Only the canonical spelling parses: `240m` for 4 h is refused, so there is one text per policy.
 */
import type { EvictionPolicy } from '../core/types.ts'
import { fail, ok, type ParseResult, quoteUntrusted } from './result.ts'

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
]

/** Formats a duration in ms (positive safe integer) or `null` as `4h` / `90m` / `off`. */
export function formatEvictionDuration(valueMs: number | null): string {
  if (valueMs === null) return 'off'
  if (!Number.isSafeInteger(valueMs) || valueMs <= 0) {
    throw new RangeError(`an eviction duration must be a positive whole number of ms or null, not ${valueMs}`)
  }
  for (const [unit, size] of UNITS) {
    if (valueMs % size === 0) return `${valueMs / size}${unit}`
  }
  /* c8 ignore next */
  return `${valueMs}ms`
}

function parseDuration(text: string): number | null | undefined {
  if (text === 'off') return null
  const match = /^([1-9][0-9]{0,15})(d|h|m|s|ms)$/.exec(text)
  if (!match) return undefined
  const size = UNITS.find(([unit]) => unit === match[2])![1]
  const value = Number(match[1]) * size
  if (!Number.isSafeInteger(value)) return undefined
  return formatEvictionDuration(value) === text ? value : undefined
}

/** Encodes a policy (see the module comment). Throws `RangeError` on a duration that is not a positive safe integer. */
export function encodeEviction(policy: EvictionPolicy): string {
  return [
    `ttlIdle=${formatEvictionDuration(policy.ttlIdleMs)}`,
    `ttlAbsolute=${formatEvictionDuration(policy.ttlAbsoluteMs)}`,
    `untilPromote=${policy.untilPromote === true}`,
    `manual=${policy.manual === true}`,
  ].join('; ')
}

/** Parses the canonical encoding back into a policy; anything else is refused with a reason. */
export function parseEviction(text: string): ParseResult<EvictionPolicy> {
  const parts = text.split('; ')
  const keys = ['ttlIdle', 'ttlAbsolute', 'untilPromote', 'manual']
  const bad = fail<EvictionPolicy>(
    `Gittrix-Eviction ${quoteUntrusted(text)} is not "ttlIdle=<d|off>; ttlAbsolute=<d|off>; untilPromote=<bool>; manual=<bool>" with durations like 4h`,
  )
  if (parts.length !== keys.length) return bad
  const values: string[] = []
  for (const [index, part] of parts.entries()) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq) !== keys[index]) return bad
    values.push(part.slice(eq + 1))
  }
  const ttlIdleMs = parseDuration(values[0]!)
  const ttlAbsoluteMs = parseDuration(values[1]!)
  const bool = (v: string) => (v === 'true' ? true : v === 'false' ? false : undefined)
  const untilPromote = bool(values[2]!)
  const manual = bool(values[3]!)
  if (
    ttlIdleMs === undefined ||
    ttlAbsoluteMs === undefined ||
    untilPromote === undefined ||
    manual === undefined
  ) {
    return bad
  }
  return ok({ ttlIdleMs, ttlAbsoluteMs, untilPromote, manual })
}
