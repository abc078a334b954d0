/**
 * The one duration grammar of every surface: the CLI (`gittrix extend`, `--ttl-idle`…), the slash
 * command `/gittrix extend`, `.github/gittrix.yml` and the Action's inputs. A number (up to 9 digits,
 * an optional fraction of up to 6) and a unit in the `ms` package's words — `30m`, `1.5h`, `7d`,
 * `2 hours`, `1 week` (https://github.com/vercel/ms#examples) — read by `ms`. A bare number is not a
 * duration (is `1500` seconds or ms?), nor is zero.
 */
import ms from 'ms'

/** What a duration looks like before `ms` reads it: a number, at most one space, a unit. */
const DURATION_SHAPE = /^\d{1,9}(\.\d{1,6})?\s?[A-Za-z]{1,12}$/

/** Examples for error messages: `e.g. 30m, 4h, 7d`. */
export const DURATION_EXAMPLES = '30m, 4h, 7d'

/**
 * `text` (trimmed) as a duration in whole ms (rounded), or `null` when it is not one of the grammar's
 * (see the module comment): no unit, an unknown unit, zero, or more than `Number.MAX_SAFE_INTEGER` ms.
 */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim()
  if (!DURATION_SHAPE.test(trimmed)) return null
  let value: number | undefined
  try {
    value = ms(trimmed as ms.StringValue) as number | undefined
  } catch {
    return null
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null
  const rounded = Math.round(value)
  return rounded > 0 && Number.isSafeInteger(rounded) ? rounded : null
}
