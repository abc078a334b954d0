/**
 * How much one tool answer may hold. MCP clients put tool results into a model's context, and some
 * refuse or cut large ones (Claude Code warns above 10,000 tokens and stops at `MAX_MCP_OUTPUT_TOKENS`,
 * 25,000 by default: https://docs.anthropic.com/en/docs/claude-code/mcp), so every tool bounds its
 * output and says, in a separate note, what it left out and how to get the rest.
 */

/** Output bounds of the MCP tools. Characters are UTF-16 code units, as JavaScript counts them. */
export interface OutputLimits {
  /** Characters of text in one answer (file content, patch, listing, matches). Default 60,000. */
  maxChars: number
  /** Entries `list_files` shows. Default 2,000. */
  maxListEntries: number
  /** Matches `search` shows when the call does not ask for fewer. Default 200 (callers may ask up to 1,000). */
  maxSearchResults: number
  /** Files larger than this many bytes are skipped by `search`. Default 1 MiB. */
  maxSearchFileBytes: number
  /** Bytes `search` reads in one call before it stops. Default 64 MiB. */
  maxSearchTotalBytes: number
  /** A search running longer than this many ms is stopped (a regular expression can take exponential time). Default 10,000. */
  searchTimeoutMs: number
  /** Characters of one matching line `search` shows. Default 300. */
  maxMatchLineChars: number
}

/** The default {@link OutputLimits}. */
export const DEFAULT_LIMITS: Readonly<OutputLimits> = Object.freeze({
  maxChars: 60_000,
  maxListEntries: 2_000,
  maxSearchResults: 200,
  maxSearchFileBytes: 1 << 20,
  maxSearchTotalBytes: 64 << 20,
  searchTimeoutMs: 10_000,
  maxMatchLineChars: 300,
})

/**
 * `text` cut to at most `maxChars`: at the last line end inside the limit when that keeps at least half
 * of it, else at the limit (never inside a surrogate pair). `cut` says whether anything was left out.
 */
export function cutText(text: string, maxChars: number): { text: string; cut: boolean } {
  if (text.length <= maxChars) return { text, cut: false }
  const lineEnd = text.lastIndexOf('\n', maxChars - 1)
  let end = lineEnd >= maxChars / 2 ? lineEnd + 1 : maxChars
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return { text: text.slice(0, end), cut: true }
}
