/**
 * The session history commands (`commit`, `log`, `show`, `restore`, `attach`), registered on the program by
 * `buildProgram`; `diff --from/--to` and `diff <idA> <idB>` are options of `diff` there.
 */
import { type Command, InvalidArgumentError } from 'commander'
import { attachCommand, commitCommand, logCommand, restoreCommand, showCommand } from './commands/history.ts'
import type { CommandRunner } from './program.ts'

/** Adds `commit`, `log`, `show`, `restore` and `attach` to `program`. */
export function addHistoryCommands(program: Command, run: CommandRunner): void {
  program
    .command('commit')
    .description('record a checkpoint of the workspace (a commit in the workspace, never durable)')
    .argument('<id>', 'session id')
    .requiredOption('-m, --message <text>', 'checkpoint message')
    .action((id: string, opts, cmd: Command) => run(cmd, (ctx) => commitCommand(ctx, id, opts)))

  program
    .command('log')
    .description("a session's checkpoints, newest first, with the tool calls and transcript recorded on each")
    .argument('<id>', 'session id')
    .option('-n, --limit <count>', 'at most this many checkpoints', parsePositive)
    .action((id: string, opts, cmd: Command) => run(cmd, (ctx) => logCommand(ctx, id, opts)))

  program
    .command('show')
    .description('the files at a checkpoint, one file’s bytes, or the transcript attached there')
    .argument('<id>', 'session id')
    .argument('[path]', 'a file (its bytes) or directory (its files); default: every file')
    .requiredOption('--at <checkpoint>', 'commit id of the session (see gittrix log)')
    .option('--transcript', 'print the transcript attached at that checkpoint')
    .action((id: string, path: string | undefined, opts, cmd: Command) =>
      run(cmd, (ctx) => showCommand(ctx, id, path, opts)),
    )

  program
    .command('restore')
    .description('move the workspace back to a checkpoint; the old head stays reachable')
    .argument('<id>', 'session id')
    .requiredOption('--to <checkpoint>', 'commit id of the session (see gittrix log)')
    .action((id: string, opts, cmd: Command) => run(cmd, (ctx) => restoreCommand(ctx, id, opts)))

  program
    .command('attach')
    .description('attach an agent transcript (JSONL) to a checkpoint as a git note')
    .argument('<id>', 'session id')
    .requiredOption('--transcript <file>', 'the JSONL transcript')
    .option('--at <checkpoint>', 'commit id of the session (default: its current head)')
    .action((id: string, opts, cmd: Command) => run(cmd, (ctx) => attachCommand(ctx, id, opts)))
}

function parsePositive(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`"${value}" is not a whole number ≥ 1.`)
  }
  return n
}
