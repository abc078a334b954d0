/**
 * Cursor-paged Code Storage listings (`listFiles`, `listCommits`: `{ hasMore, nextCursor }`,
 * node_modules/@pierre/storage/src/types.ts) walked so an odd answer cannot loop forever or end early
 * in silence: a cursor seen before, or `hasMore` without a cursor, is `ADAPTER_UNAVAILABLE`.
 */
import { GittrixError } from '../../core/errors.ts'

/** One page of a cursor-paged listing, as the SDK returns it. */
export interface Page {
  hasMore: boolean
  nextCursor?: string | undefined
}

/**
 * Yields the pages of a listing, fetching each with the previous page's cursor (`undefined` first).
 * `doing` names the listing in errors (e.g. `listing the tree of abc123`). Throws
 * `ADAPTER_UNAVAILABLE` when the host repeats a cursor or says there is more without saying where.
 */
export async function* cursorPages<P extends Page>(
  doing: string,
  fetchPage: (cursor: string | undefined) => Promise<P>,
): AsyncGenerator<P> {
  const seen = new Set<string>()
  let cursor: string | undefined
  for (;;) {
    const page = await fetchPage(cursor)
    yield page
    if (!page.hasMore) return
    const next = page.nextCursor
    if (!next || seen.has(next))
      throw new GittrixError(
        'ADAPTER_UNAVAILABLE',
        `Code Storage: ${doing} failed: the host said there is more but gave ${next ? 'a cursor it had already given' : 'no cursor'}; retry later.`,
      )
    seen.add(next)
    cursor = next
  }
}
