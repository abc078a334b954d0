/**
 * `delete` of a branch. GitHub sends it together with a `push` whose `deleted` is true; only that push
 * carries the branch's last head (`before`), which is where the session check run lives, so the state
 * update happens in the push handler (handlers/push.ts). This handler only records the deletion of a
 * session branch in the log, and writes nothing.
 */
import type { Context } from 'probot'
import { parseGittrixRef } from '../../src/github/index.ts'

/** Handles one `delete` event. */
export function onDelete(context: Context<'delete'>): void {
  const { ref, ref_type: refType } = context.payload
  if (refType !== 'branch') return
  const parsed = parseGittrixRef(ref)
  if (!parsed) return
  context.log.info(
    { session: parsed.sessionId, kind: parsed.kind, delivery: context.id },
    'gittrix branch deleted',
  )
}
