/**
 * Runs a command's work on one session opened from its recorded repository, then closes GitTrix.
 */
import { type CliContext, type OpenSession, openSession } from '../context.ts'

/** Opens session `id` (see `openSession`), runs `work`, closes. Errors propagate unchanged. */
export async function withCliSession<T>(
  ctx: CliContext,
  id: string,
  work: (open: OpenSession) => Promise<T>,
): Promise<T> {
  const open = await openSession(ctx, id)
  try {
    return await work(open)
  } finally {
    await open.gittrix.close()
  }
}
