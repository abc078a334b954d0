/**
 * The MCP tools: exactly the operations of an `AgentSession` (read, write, edit, delete, list, search,
 * diff, commit), each a thin call into it. There is no promote, discard or extend tool: an agent
 * cannot decide what reaches the durable branch (test/mcp/tools-list.test.ts fails if one appears).
 *
 * Every path argument goes through the `AgentSession`, so the core's path checks apply as they are
 * (`WRITE_REJECTED` for absolute paths, `..`, `.git`, NUL bytes, symlinks leading out). Every answer is
 * bounded ({@link OutputLimits}); what is left out is said in a separate note.
 */
import { z } from 'zod'
import { InvalidArgumentError, isGittrixError, PromoteFailedError } from '../core/errors.ts'
import type { AgentSession } from '../core/session.ts'
import type { ListEntry } from '../core/types.ts'
import { cutText, type OutputLimits } from './limits.ts'
import { searchWorkspace } from './search.ts'

/** What a tool answers: the main text, notes about what was left out, and a checkpoint id (`commit`). */
export interface ToolOutput {
  text: string
  notes: string[]
  checkpoint?: string
}

/** What a tool call gets besides its arguments. */
export interface ToolContext {
  agent: AgentSession
  limits: OutputLimits
  /** Aborted when the client cancels the call. */
  signal: AbortSignal
  /** Runs `fn` alone among the calls that read and rewrite a file (`edit_file`), so no edit is lost. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
}

/** MCP tool annotations (hints for clients; https://modelcontextprotocol.io/specification/2025-06-18/server/tools). */
export interface ToolHints {
  readOnlyHint: boolean
  destructiveHint: boolean
  idempotentHint: boolean
  openWorldHint: boolean
}

/** One tool: its name, what the model reads about it, its argument schema and its work. */
export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string
  title: string
  description: string
  input: S
  annotations: ToolHints
  run(args: z.output<S>, ctx: ToolContext): Promise<ToolOutput>
}

const PATH = z.string().describe('Repository-relative path, "/"-separated (e.g. "src/app.ts").')
const READ: ToolHints = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
}

function define<S extends z.ZodObject>(tool: ToolDefinition<S>): ToolDefinition {
  return tool as unknown as ToolDefinition
}

const readFile = define({
  name: 'read_file',
  title: 'Read a file',
  description:
    "Reads a file of the session's workspace as UTF-8 text, whole or a range of lines (1-based, inclusive). " +
    'Long files are cut at a line end with a note saying where to continue. Binary files are not shown.',
  input: z
    .object({
      path: PATH,
      startLine: z
        .number()
        .int()
        .min(1)
        .max(1e9)
        .optional()
        .describe('First line to show (1-based). Default 1.'),
      endLine: z
        .number()
        .int()
        .min(1)
        .max(1e9)
        .optional()
        .describe('Last line to show (inclusive). Default: the last.'),
    })
    .strict(),
  annotations: READ,
  async run(args, ctx) {
    const bytes = await ctx.agent.read(args.path)
    const text = decodeText(bytes)
    if (text === null)
      return { text: '', notes: [`${args.path} is a binary file (${bytes.length} bytes); not shown.`] }
    if (text === '') return { text: '', notes: [`${args.path} is empty.`] }
    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? []
    const first = args.startLine ?? 1
    const last = Math.min(args.endLine ?? lines.length, lines.length)
    if (first > lines.length) {
      throw new InvalidArgumentError(
        `${args.path} has ${lines.length} lines; startLine ${first} is past its end.`,
      )
    }
    if (last < first) throw new InvalidArgumentError(`endLine ${last} is before startLine ${first}.`)
    const selected = lines.slice(first - 1, last).join('')
    const { text: shown, cut } = cutText(selected, ctx.limits.maxChars)
    const notes: string[] = []
    if (cut) {
      const whole = shown.match(/\n/g)?.length ?? 0
      const shownLast = first - 1 + whole + (shown.endsWith('\n') ? 0 : 1)
      const partial = shown.endsWith('\n')
        ? ''
        : ` Line ${shownLast} is longer than one answer holds and was cut; use search to find text in it.`
      notes.push(
        `Showing lines ${first}–${shownLast} of ${lines.length} (cut at ${ctx.limits.maxChars} characters).${partial} ` +
          `Continue with startLine ${shownLast + 1}.`,
      )
    } else if (first > 1 || last < lines.length) {
      notes.push(`Lines ${first}–${last} of ${lines.length}.`)
    }
    return { text: shown, notes }
  },
})

const writeFile = define({
  name: 'write_file',
  title: 'Write a file',
  description:
    "Creates or overwrites a file in the session's workspace with the given UTF-8 text (parent directories " +
    'are created). The executable bit is kept unless `executable` says otherwise.',
  input: z
    .object({
      path: PATH,
      content: z
        .string()
        .max(8 << 20)
        .describe('The whole new content of the file.'),
      executable: z.boolean().optional().describe('Set (true) or clear (false) the executable bit.'),
    })
    .strict(),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    await ctx.agent.write(
      args.path,
      args.content,
      args.executable === undefined ? {} : { executable: args.executable },
    )
    return { text: `Wrote ${Buffer.byteLength(args.content)} bytes to ${args.path}.`, notes: [] }
  },
})

const editFile = define({
  name: 'edit_file',
  title: 'Edit a file by exact replacement',
  description:
    'Replaces `oldString` with `newString` in a workspace file. `oldString` must match exactly (whitespace and ' +
    'line ends included) and, unless `replaceAll` is true, exactly once: include enough surrounding text to ' +
    'make it unique. Read the file first.',
  input: z
    .object({
      path: PATH,
      oldString: z.string().min(1).describe('Exact text to replace.'),
      newString: z.string().describe('Text to put in its place (may be empty).'),
      replaceAll: z
        .boolean()
        .optional()
        .describe('Replace every occurrence instead of requiring exactly one.'),
    })
    .strict(),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    if (args.oldString === args.newString) {
      throw new InvalidArgumentError('oldString and newString are the same; nothing would change.')
    }
    return ctx.exclusive(async () => {
      const text = decodeText(await ctx.agent.read(args.path))
      if (text === null)
        throw new InvalidArgumentError(`${args.path} is a binary file; edit_file edits text only.`)
      const parts = text.split(args.oldString)
      const count = parts.length - 1
      if (count === 0) {
        throw new InvalidArgumentError(
          `oldString was not found in ${args.path}. Read the file and copy the text exactly, whitespace and line ends included.`,
        )
      }
      if (count > 1 && !args.replaceAll) {
        throw new InvalidArgumentError(
          `oldString occurs ${count} times in ${args.path}. Include more surrounding text to make it unique, or set replaceAll.`,
        )
      }
      await ctx.agent.write(args.path, parts.join(args.newString))
      return { text: `Replaced ${count} occurrence${count === 1 ? '' : 's'} in ${args.path}.`, notes: [] }
    })
  },
})

const deleteFile = define({
  name: 'delete_file',
  title: 'Delete a file or directory',
  description:
    "Deletes a file, symlink or directory (with its contents) in the session's workspace. A missing path is fine.",
  input: z.object({ path: PATH }).strict(),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    await ctx.agent.delete(args.path)
    return { text: `Deleted ${args.path}.`, notes: [] }
  },
})

const listFiles = define({
  name: 'list_files',
  title: 'List files',
  description:
    'Lists the entries under a directory of the workspace as git sees them (ignored files left out): directories ' +
    'end with "/", symlinks are marked. `recursive` lists every file below it instead.',
  input: z
    .object({
      path: PATH.optional().describe('Directory to list. Default: the workspace root.'),
      recursive: z.boolean().optional().describe('List every file below the directory.'),
    })
    .strict(),
  annotations: READ,
  async run(args, ctx) {
    const entries = await ctx.agent.list(args.path, { recursive: args.recursive === true })
    if (entries.length === 0)
      return { text: '', notes: [`No files under ${args.path ?? 'the workspace root'}.`] }
    const shown = entries.slice(0, ctx.limits.maxListEntries)
    const { text, cut } = cutText(shown.map(formatEntry).join('\n'), ctx.limits.maxChars)
    const count = cut ? text.split('\n').filter(Boolean).length : shown.length
    const notes =
      count < entries.length
        ? [`Showing ${count} of ${entries.length} entries. List a subdirectory to see the rest.`]
        : []
    return { text, notes }
  },
})

const search = define({
  name: 'search',
  title: 'Search file contents',
  description:
    'Searches the workspace files line by line with a JavaScript regular expression and answers "path:line: text" ' +
    'for each matching line. Narrow it with `path` (a directory or file) and `glob` (e.g. "*.ts", "src/**/*.test.ts"). ' +
    'Binary and very large files are skipped; symlinks are not followed.',
  input: z
    .object({
      pattern: z
        .string()
        .min(1)
        .max(2000)
        .describe('JavaScript regular expression, e.g. "function\\\\s+main".'),
      path: PATH.optional().describe('Directory or file to search. Default: the whole workspace.'),
      glob: z.string().min(1).max(500).optional().describe('Only paths matching this glob.'),
      ignoreCase: z.boolean().optional(),
      maxResults: z.number().int().min(1).max(1000).optional().describe('Matches to show. Default 200.'),
    })
    .strict(),
  annotations: READ,
  async run(args, ctx) {
    const maxResults = args.maxResults ?? ctx.limits.maxSearchResults
    const result = await searchWorkspace(
      ctx.agent,
      {
        pattern: args.pattern,
        maxResults,
        ...(args.path !== undefined ? { path: args.path } : {}),
        ...(args.glob !== undefined ? { glob: args.glob } : {}),
        ...(args.ignoreCase !== undefined ? { ignoreCase: args.ignoreCase } : {}),
      },
      ctx.limits,
      ctx.signal,
    )
    const lines = result.matches.map((m) => `${m.path}:${m.line}: ${m.text}`)
    const { text, cut } = cutText(lines.join('\n'), ctx.limits.maxChars)
    const shown = cut ? text.split('\n').filter(Boolean).length : lines.length
    const notes: string[] = []
    if (result.total === 0) notes.push(`No match in ${result.filesSearched} files.`)
    else if (shown < result.total) {
      notes.push(
        `Showing ${shown} of ${result.total} matching lines in ${result.filesSearched} files. ` +
          'Narrow the pattern, path or glob to see the rest.',
      )
    }
    const { large, binary, budget } = result.skipped
    if (large || binary || budget) {
      notes.push(
        `Skipped ${[
          large ? `${large} files over ${ctx.limits.maxSearchFileBytes} bytes` : '',
          binary ? `${binary} binary files` : '',
          budget
            ? `${budget} files past the ${ctx.limits.maxSearchTotalBytes}-byte budget of one search`
            : '',
        ]
          .filter(Boolean)
          .join(', ')}.`,
      )
    }
    return { text, notes }
  },
})

const diff = define({
  name: 'diff',
  title: 'Diff against the baseline',
  description:
    "The session's changes against its baseline as a git-style unified patch (everything, or only `paths`: " +
    'touched paths or globs). Long patches are cut with a note listing every changed file.',
  input: z
    .object({
      paths: z.array(PATH).max(1000).optional().describe('Only these touched paths or globs.'),
    })
    .strict(),
  annotations: READ,
  async run(args, ctx) {
    const { patch, untouched } = await diffPaths(ctx.agent, args.paths)
    const notes = untouched.length ? [`Not changed in this session: ${untouched.join(', ')}.`] : []
    if (!patch) return { text: '', notes: [...notes, 'No changes against the baseline.'] }
    const { text, cut } = cutText(patch, ctx.limits.maxChars)
    if (cut) {
      const files = [...patch.matchAll(/^diff --git a\/(.*?) b\//gm)].map((m) => m[1])
      const listed = cutText(files.join(', '), 4000).text
      notes.push(
        `The patch is ${patch.length} characters; showing the first ${text.length}. It changes ${files.length} files: ` +
          `${listed}. Pass paths to see the rest.`,
      )
    }
    return { text, notes }
  },
})

const commit = define({
  name: 'commit',
  title: 'Record a checkpoint',
  description:
    'Commits every change in the workspace as a checkpoint with this message. Checkpoints stay in the session: ' +
    'nothing reaches the durable branch until a human reviews the diff and promotes it.',
  input: z.object({ message: z.string().min(1).max(10_000).describe('Commit message.') }).strict(),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, ctx) {
    const sha = await ctx.agent.commit(args.message)
    return { text: `Checkpoint ${sha}.`, notes: [], checkpoint: sha }
  },
})

/** Every tool the Gittrix MCP server offers, in the order `tools/list` answers. */
export const TOOLS: readonly ToolDefinition[] = Object.freeze([
  readFile,
  writeFile,
  editFile,
  deleteFile,
  listFiles,
  search,
  diff,
  commit,
])

/**
 * The patch for `paths` (all when empty). The core refuses a path that is not touched (as promotion
 * does); here that only means "no changes", so those paths are left out and named.
 */
async function diffPaths(
  agent: AgentSession,
  paths: string[] | undefined,
): Promise<{ patch: string; untouched: string[] }> {
  if (!paths?.length) return { patch: await agent.diff(), untouched: [] }
  try {
    return { patch: await agent.diff({ paths }), untouched: [] }
  } catch (error) {
    if (
      !(error instanceof PromoteFailedError) ||
      !isGittrixError(error, 'PROMOTE_FAILED') ||
      !error.paths.length
    )
      throw error
    const untouched = error.paths
    const rest = paths.filter((path) => !untouched.includes(path))
    return { patch: rest.length ? await agent.diff({ paths: rest }) : '', untouched }
  }
}

function formatEntry(entry: ListEntry): string {
  if (entry.type === 'dir') return `${entry.path}/`
  if (entry.type === 'symlink') return `${entry.path} (symlink)`
  return entry.path
}

/** UTF-8 text, or `null` for bytes that are not (invalid UTF-8 or a NUL byte). */
function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return null
  }
}
