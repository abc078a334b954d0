/**
 * The commands that put an agent to work on a session: `gittrix mcp` (the MCP server) and
 * `gittrix run` (a command in the OS sandbox). Registered on the program by `buildProgram`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander'
import { mcpCommand } from './commands/mcp.ts'
import { runCommand } from './commands/run.ts'
import type { CommandRunner } from './program.ts'

/** Adds `mcp` and `run` to `program`. */
export function addAgentCommands(program: Command, run: CommandRunner): void {
  program
    .command('mcp')
    .description(
      'serve a session to an AI agent over MCP (stdio): read, write, edit, delete, list, search, diff, commit',
    )
    .option('--session <id>', 'serve this existing session')
    .option('--task <text>', 'start a new session with this task and serve it')
    .option('--repo <path>', 'with --task: durable repository (default: the current directory)')
    .option('--branch <name>', 'with --task: durable branch (default: the checked-out one)')
    .addOption(
      new Option(
        '--kind <kind>',
        'with --task: workspace kind; code-storage is an ephemeral branch in Code Storage',
      ).choices(['clone', 'worktree', 'copy', 'code-storage']),
    )
    .option(
      '--code-storage-repo <id>',
      'with --kind code-storage: the Code Storage repository holding the workspace (default $CODE_STORAGE_REPO)',
    )
    .option('--max-output <chars>', 'characters one tool answer may hold (default 60000)', parseCount)
    .option(
      '--transcript <file>',
      "attach this JSONL transcript to the session's head when the client leaves",
    )
    .action((opts, cmd: Command) => run(cmd, (ctx) => mcpCommand(ctx, opts)))

  program
    .command('run')
    .description(
      "run a command in the session's workspace inside an OS sandbox (bubblewrap): the durable repository " +
        "and the session store are invisible; exits with the command's exit code",
    )
    .argument('<id>', 'session id')
    .argument('<command...>', 'the command and its arguments, after `--` (e.g. -- npm test)')
    .option('--no-network', 'cut the network (a network namespace with loopback only)')
    .option('--hide <path>', 'also hide this path from the command (repeatable)', collectPath)
    .option('--no-sandbox', 'run without an OS boundary (the command can reach the durable repository)')
    .action((id: string, command: string[], opts, cmd: Command) =>
      run(cmd, (ctx) => runCommand(ctx, id, command, opts)),
    )
}

function parseCount(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1000) {
    throw new InvalidArgumentError(`"${value}" is not a character count of at least 1000.`)
  }
  return n
}

function collectPath(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}
