/**
 * The CLI run in-process for tests: `runCli` with a captured {@link CliIo}, so a test sees the exit
 * code, stdout (text and bytes), stderr and, with `--json`, the parsed document.
 */
import type { CliIo } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/run.ts'

/** What one CLI run printed and how it exited. */
export interface CliRun {
  code: number
  stdout: string
  stdoutBytes: Buffer
  stderr: string
  /** stdout parsed as JSON (only when `--json` was passed). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions index freely into the parsed document
  json: { ok: boolean; data?: any; error?: any }
}

/** Options of {@link runCliInProcess}. */
export interface InProcessOptions {
  /** The session store (`--store`). */
  store: string
  /** The working directory. */
  cwd: string
  /** Standard input (for `write`). */
  stdin?: string | Buffer
  /** Standard output and standard error are terminals. */
  terminal?: boolean
  /** Adds to or changes the io before the run (e.g. `askHunk`). */
  io?: Partial<CliIo>
}

/** Runs `gittrix --store <store> <args…>` in this process and resolves what it printed. */
export async function runCliInProcess(args: string[], options: InProcessOptions): Promise<CliRun> {
  const out: Buffer[] = []
  const err: string[] = []
  const io: CliIo = {
    stdout: (chunk) => void out.push(Buffer.from(chunk)),
    stderr: (chunk) => void err.push(chunk),
    readStdin: async () => Buffer.from(options.stdin ?? ''),
    cwd: options.cwd,
    env: {},
    ...(options.terminal ? { stdoutIsTerminal: true, stderrIsTerminal: true } : {}),
    ...options.io,
  }
  const code = await runCli(['--store', options.store, ...args], io)
  const stdoutBytes = Buffer.concat(out)
  const stdout = stdoutBytes.toString('utf8')
  return {
    code,
    stdout,
    stdoutBytes,
    stderr: err.join(''),
    json: args.includes('--json') ? JSON.parse(stdout) : { ok: false },
  }
}
