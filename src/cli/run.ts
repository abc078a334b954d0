/**
 * `runCli(argv, io)`: the whole CLI as a function. Parses `argv` with the commander program, runs the
 * command, prints its result or error, and resolves the exit code. Never calls `process.exit`.
 */
import { CommanderError } from 'commander'
import type { CliContext } from './context.ts'
import { resolveStoreDir } from './context.ts'
import { type CliIo, processIo } from './io.ts'
import { type CommandResult, createOutput, EXIT } from './output.ts'
import { buildProgram } from './program.ts'

/**
 * Runs `gittrix` with `argv` (the arguments after the program name, e.g. `['ls', '--json']`).
 * Resolves the exit code: 0 ok, 1 error, 2 usage error, 3 `BASELINE_CONFLICT`. With `--json`, stdout
 * carries exactly one JSON document, `{"ok":true,"data":…}` or `{"ok":false,"error":{code,message,…}}`
 * (`--version`: `data.version`; `--help`: `data.help`); usage errors have code `USAGE`, unexpected ones
 * `INTERNAL`.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const json = wantsJson(argv)
  const output = createOutput(io, json)
  let result: CommandResult | undefined
  // With --json, what commander prints itself (help, version) becomes one JSON document too.
  let printed = ''
  const programIo: CliIo = json
    ? {
        ...io,
        stdout: (chunk) =>
          void (printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()),
      }
    : io
  const program = buildProgram(programIo, async (command, work) => {
    const globals = command.optsWithGlobals<{ json?: boolean; store?: string }>()
    const ctx: CliContext = {
      io,
      storeDir: resolveStoreDir(globals.store, io),
      json,
      warn: (message) => output.warn(message),
    }
    result = await work(ctx)
  })
  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        if (json) {
          const data = error.code === 'commander.version' ? { version: printed.trim() } : { help: printed }
          output.result({ data, text: '' })
        }
        return EXIT.ok
      }
      if (error.code === 'commander.help') error.message = 'no command given'
    }
    return output.error(error)
  }
  if (result) output.result(result)
  return result?.exitCode ?? EXIT.ok
}

/** `--json` anywhere before a `--` separator. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}
