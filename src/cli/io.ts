/**
 * The CLI's only contact with its process: argv aside, everything goes through a {@link CliIo}, so tests
 * run the whole CLI in-process with their own cwd, environment, stdin and captured output.
 */
import { type HunkAsker, terminalAsker } from './hunk-prompt.ts'

/** Where the CLI reads and writes. */
export interface CliIo {
  /** Writes to standard output (text as UTF-8, bytes as they are). */
  stdout(chunk: string | Uint8Array): void
  /** Writes to standard error. */
  stderr(chunk: string): void
  /**
   * Standard output is a terminal: results are printed with control characters and bidi overrides as
   * visible escapes (terminal-text.ts), never byte for byte.
   */
  stdoutIsTerminal?: boolean
  /**
   * Standard error is a terminal: warnings and errors (which can name the agent's files) are printed
   * with control characters and bidi overrides as visible escapes (terminal-text.ts).
   */
  stderrIsTerminal?: boolean
  /** All of standard input, read to its end. Called only by commands that take content (`write`). */
  readStdin(): Promise<Uint8Array>
  /** Directory relative paths (`--repo`, `--store`) resolve against. */
  cwd: string
  /** Environment (`GITTRIX_HOME`, `CODE_STORAGE_*`). */
  env: Record<string, string | undefined>
  /**
   * Asks about one hunk (`gittrix promote -p`). Present only when a person can answer: standard input
   * and standard error are terminals. Tests plug scripted answers in.
   */
  askHunk?: HunkAsker
  /** The HTTP client of remote back ends (Code Storage); default `globalThis.fetch`. Tests plug stand-ins in. */
  fetch?: typeof fetch
}

/**
 * The real process: `process.stdout`, `process.stderr`, `process.stdin`, `process.cwd()`, `process.env`;
 * hunk questions on the terminal when stdin and stderr are one.
 */
export function processIo(): CliIo {
  return {
    stdout: (chunk) => process.stdout.write(chunk),
    stderr: (chunk) => process.stderr.write(chunk),
    stdoutIsTerminal: process.stdout.isTTY === true,
    stderrIsTerminal: process.stderr.isTTY === true,
    readStdin: () => readAll(process.stdin),
    cwd: process.cwd(),
    env: process.env,
    // Prompts go to stderr, so stdout carries only the result.
    ...(process.stdin.isTTY && process.stderr.isTTY
      ? { askHunk: terminalAsker(process.stdin, process.stderr) }
      : {}),
  }
}

/** Reads a stream to its end and concatenates the chunks. */
export async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks)
}
