/**
 * Eviction policy: defaults (docs/architecture.md#domain-model) and the expiry rule the sweep applies.
 */
import { InvalidArgumentError } from './errors.ts'
import type { EvictionPolicy } from './types.ts'

/** 4 h idle, no absolute limit, evict after promotion, automatic. */
export const DEFAULT_EVICTION: Readonly<EvictionPolicy> = Object.freeze({
  ttlIdleMs: 4 * 60 * 60 * 1000,
  ttlAbsoluteMs: null,
  untilPromote: true,
  manual: false,
})

/** How often `GitTrix.init()` sweeps: every 5 min. */
export const DEFAULT_SWEEP_INTERVAL_MS = 5 * 60 * 1000

/** Merges overrides onto a base policy and validates the result. Throws `INVALID_ARGUMENT`. */
export function resolveEviction(
  base: EvictionPolicy,
  override: Partial<EvictionPolicy> | undefined,
): EvictionPolicy {
  const policy = { ...base, ...stripUndefined(override ?? {}) }
  for (const key of ['ttlIdleMs', 'ttlAbsoluteMs'] as const) {
    const value = policy[key]
    if (value !== null && !(Number.isSafeInteger(value) && value > 0)) {
      throw new InvalidArgumentError(
        `eviction.${key} must be a positive whole number of ms or null, not ${JSON.stringify(value)}.`,
      )
    }
  }
  for (const key of ['untilPromote', 'manual'] as const) {
    if (typeof policy[key] !== 'boolean')
      throw new InvalidArgumentError(`eviction.${key} must be true or false.`)
  }
  return policy
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** Why a session is due for eviction at `now` (ms), or `null` when it is not. */
export function expiryReason(
  policy: EvictionPolicy,
  times: { createdAt: number; lastAccessAt: number },
  now: number,
): 'idle' | 'absolute' | null {
  if (policy.manual) return null
  if (policy.ttlAbsoluteMs !== null && now - times.createdAt >= policy.ttlAbsoluteMs) return 'absolute'
  if (policy.ttlIdleMs !== null && now - times.lastAccessAt >= policy.ttlIdleMs) return 'idle'
  return null
}
