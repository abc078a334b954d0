/**
 * The commander program: every command, argument and option of `gittrix`, and nothing else. Each
 * action hands its parsed input to a command function through `run`, which opens the context,
 * prints the result and maps errors to exit codes (see `run.ts`).
 */
import { type Command, Command as CommanderCommand, Option } from 'commander'
import {
  discardCommand,
  extendCommand,
  forkCommand,
  infoCommand,
  lsCommand,
  startCommand,
  sweepCommand,
} from './commands/lifecycle.ts'
import { promoteCommand } from './commands/review.ts'
import { reviewPageCommand } from './commands/review-page.ts'
import { filesCommand, readCommand, rmCommand, writeCommand } from './commands/workspace.ts'
import { appCommand } from './commands/app.ts'
import { addAgentCommands } from './agent-program.ts'
import { sessionDiffCommand } from './commands/history.ts'
import { addHistoryCommands } from './history-program.ts'
import type { CliContext } from './context.ts'
import type { CliIo } from './io.ts'
import { type CommandResult, stderr } from './output.ts'
import { collectEntries, collectList, parseDurationArgument, parseLimit, parsePort } from './parse.ts'
import { packageVersion } from './version.ts'

/** Runs one command's work with the context built from the global options (`--json`, `--store`). */
export type CommandRunner = (
  command: Command,
  work: (ctx: CliContext) => Promise<CommandResult>,
) => Promise<void>

const EXAMPLES = `
Examples:
  gittrix start --repo ~/src/app "fix the flaky test"   start a session (prints its id)
  gittrix diff <id> --stat                               what the agent changed
  gittrix fork <id> --at <commit>                        try again from an earlier checkpoint
  gittrix log <id>                                       checkpoints with the tool calls behind each
  gittrix promote <id> -f src/a.ts,src/b.ts -m "fix: …"  promote two files as one commit
  gittrix promote <id> --hunk src/a.ts#1a2b3c4d          promote one hunk of a file (ids: gittrix diff)
  gittrix promote <id> -p                                choose hunk by hunk, like git add -p
  gittrix review <id>                                    review and promote in the browser
  echo hello | gittrix write <id> notes.txt             write a file into the workspace
  gittrix ls --json                                      machine-readable output

Exit codes: 0 ok, 1 error, 2 usage error, 3 baseline conflict (the durable branch changed the same files).`

/**
 * Builds the `gittrix` program. Help and commander's own messages go to `io`; commander errors are
 * thrown (exitOverride) as `CommanderError`, never printed here and never exiting the process.
 */
export function buildProgram(io: CliIo, run: CommandRunner): Command {
  const program = new CommanderCommand('gittrix')
    .description(
      'Review gate for AI coding agents: agents write to an ephemeral workspace; you review the diff ' +
        'and promote accepted files to the durable branch as one clean commit.',
    )
    .option('--json', 'machine-readable output on stdout: {"ok":true,"data":…} or {"ok":false,"error":{…}}')
    .option('--store <dir>', 'session store (default: $GITTRIX_HOME/sessions, else ~/.gittrix/sessions)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => stderr(io, text),
      outputError: () => {},
    })
    .version(packageVersion(), '-V, --version', 'print the Gittrix version')
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText('after', EXAMPLES)

  program
    .command('start')
    .description('start a session on a repository: record the baseline, create the workspace')
    .argument('[task...]', 'what the agent is asked to do (default promotion message: "gittrix: <task>")')
    .option('--task <text>', 'the task, as one option instead of arguments')
    .option('--repo <path>', 'durable repository (default: the current directory)')
    .option('--branch <name>', 'durable branch (default: the branch checked out in the repository)')
    .addOption(
      new Option(
        '--kind <kind>',
        'workspace kind; worktree shares refs with the repository; code-storage is an ephemeral branch in Code Storage',
      )
        .choices(['clone', 'worktree', 'copy', 'code-storage'])
        .default('clone'),
    )
    .option(
      '--code-storage-repo <id>',
      'with --kind code-storage: the Code Storage repository holding the workspace (default $CODE_STORAGE_REPO)',
    )
    .option(
      '--ttl-idle <duration>',
      'evict after this long without access, or "none" (default 4h)',
      parseLimit,
    )
    .option('--ttl-absolute <duration>', 'evict this long after start, or "none" (default none)', parseLimit)
    .option('--keep-after-promote', 'keep the workspace after promotion (until swept)')
    .option('--manual', 'never evict automatically; discard it yourself')
    .action((words: string[], opts, cmd: Command) => run(cmd, (ctx) => startCommand(ctx, words, opts)))

  program
    .command('fork')
    .description("start a new session from a commit of another session's workspace (same baseline)")
    .argument('<id>', 'session id to fork')
    .option('--at <commit>', "commit of that session's workspace (default: its current commit)")
    .option('--task <text>', "the new session's task (default: the source's)")
    .action((id: string, opts, cmd: Command) => run(cmd, (ctx) => forkCommand(ctx, id, opts)))

  program
    .command('ls')
    .description('list sessions, oldest first')
    .option(
      '--state <states>',
      'only these states: active, promoted, discarded, expired, damaged (comma-separated)',
      collectList,
    )
    .action((opts, cmd: Command) => run(cmd, (ctx) => lsCommand(ctx, opts)))

  program
    .command('info')
    .description("show a session's metadata")
    .argument('<id>', 'session id')
    .action((id: string, _opts, cmd: Command) => run(cmd, (ctx) => infoCommand(ctx, id)))

  program
    .command('diff')
    .description(
      'show the unified patch of a session against its baseline, between two checkpoints, or from session <id> to another one',
    )
    .argument('<id>', 'session id')
    .argument('[paths...]', 'only these touched paths or globs; or a second session id (same baseline)')
    .option('--stat', 'per-file status and line counts instead of the patch')
    .option('--from <checkpoint>', 'old side: this commit of the session instead of the baseline')
    .option('--to <checkpoint>', 'new side: this commit of the session instead of the workspace now')
    .action((id: string, paths: string[], opts, cmd: Command) =>
      run(cmd, (ctx) => sessionDiffCommand(ctx, id, paths, opts)),
    )

  program
    .command('promote')
    .description('promote touched files (or hunks of them) to the durable branch as one clean commit')
    .argument('<id>', 'session id')
    .option(
      '-f, --files <paths>',
      'touched paths or globs, comma-separated or repeated (default: all)',
      collectList,
    )
    .addOption(
      new Option('--strategy <strategy>', 'commit onto the branch, a new branch, or print a patch')
        .choices(['auto', 'commit', 'branch', 'patch'])
        .default('auto'),
    )
    .option('--literal', 'every -f entry is a path, never a glob (or prefix one entry with :(literal))')
    .option(
      '--allow-unsafe-symlinks',
      'also promote symlinks that lead outside the repository or into .git (refused by default)',
    )
    .option(
      '--hunk <path#id>',
      'promote only this hunk of a file (ids as gittrix diff shows them: [h:<id>]; <id>.<k> for the k-th part of a split hunk); repeatable, combines with -f',
      collectEntries,
    )
    .option(
      '-p, --interactive',
      'ask about every hunk on the terminal, like git add -p (y/n/q/a/d/s, s splits a hunk)',
    )
    .option(
      '--at <checkpoint>',
      'promote from this commit of the session (as gittrix diff <id> --to <checkpoint> shows it), not the workspace now',
    )
    .option('-m, --message <text>', 'commit message (default "gittrix: <task>"; trailers are appended)')
    .option('--branch <name>', 'branch to create with --strategy branch (default gittrix/promote/<id>)')
    .action((id: string, opts, cmd: Command) => run(cmd, (ctx) => promoteCommand(ctx, id, opts)))

  program
    .command('review')
    .description(
      'serve a review page for the session on 127.0.0.1 (diff, per-file and per-hunk selection, promote, discard) until Ctrl-C',
    )
    .argument('<id>', 'session id')
    .option('--no-open', 'print the URL only; do not open a browser')
    .option('--port <port>', 'port on 127.0.0.1 (default: a free one)', parsePort)
    .action((id: string, opts, cmd: Command) => run(cmd, (ctx) => reviewPageCommand(ctx, id, opts)))

  program
    .command('discard')
    .description('remove the workspace and mark the session discarded; nothing is promoted')
    .argument('<id>', 'session id')
    .action((id: string, _opts, cmd: Command) => run(cmd, (ctx) => discardCommand(ctx, id)))

  program
    .command('extend')
    .description('keep an active session alive at least this long from now')
    .argument('<id>', 'session id')
    .argument('<duration>', 'e.g. 30m, 24h, 7d', parseDurationArgument)
    .action((id: string, duration: number, _opts, cmd: Command) =>
      run(cmd, (ctx) => extendCommand(ctx, id, duration)),
    )

  program
    .command('sweep')
    .description('evict sessions whose eviction policy says they are due')
    .action((_opts, cmd: Command) => run(cmd, (ctx) => sweepCommand(ctx)))

  program
    .command('app')
    .description(
      'run the GitHub App webhook server (needs APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET; PORT)',
    )
    .action((_opts, cmd: Command) => run(cmd, (ctx) => appCommand(ctx.io)))

  program
    .command('read')
    .description("print a workspace file's bytes")
    .argument('<id>', 'session id')
    .argument('<path>', 'repository-relative path')
    .action((id: string, path: string, _opts, cmd: Command) => run(cmd, (ctx) => readCommand(ctx, id, path)))

  program
    .command('write')
    .description('write standard input to a workspace file')
    .argument('<id>', 'session id')
    .argument('<path>', 'repository-relative path')
    .option('--executable', 'set the executable bit')
    .option('--no-executable', 'clear the executable bit (default: keep the current mode)')
    .action((id: string, path: string, opts, cmd: Command) =>
      run(cmd, (ctx) => writeCommand(ctx, id, path, opts)),
    )

  program
    .command('rm')
    .description('delete a file or directory in the workspace')
    .argument('<id>', 'session id')
    .argument('<path>', 'repository-relative path')
    .action((id: string, path: string, _opts, cmd: Command) => run(cmd, (ctx) => rmCommand(ctx, id, path)))

  program
    .command('files')
    .description('list touched files (A/M/D) under a directory, or every file with --all')
    .argument('<id>', 'session id')
    .argument('[dir]', 'only under this directory')
    .option('--all', 'every file of the workspace, not only touched ones')
    .action((id: string, dir: string | undefined, opts, cmd: Command) =>
      run(cmd, (ctx) => filesCommand(ctx, id, dir, opts)),
    )

  addAgentCommands(program, run)
  addHistoryCommands(program, run)

  return program
}
