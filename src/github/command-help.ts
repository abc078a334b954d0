/**
 * The slash-command grammar as people read it (docs/github-app.md#commands-and-buttons): one usage line, a summary and an
 * example per subcommand. The parser (`commands.ts`) and the renderers use these texts, and a test
 * parses every example, so the help cannot drift from what is accepted.
 */

/** The subcommands of `/gittrix`. */
export const COMMAND_NAMES = ['promote', 'discard', 'extend', 'diff', 'status', 'help'] as const

/** One subcommand name. */
export type CommandName = (typeof COMMAND_NAMES)[number]

/** Usage, one-line summary and example of one subcommand. */
export interface CommandHelp {
  usage: string
  summary: string
  example: string
}

/** Help for every subcommand. */
export const COMMAND_HELP: Readonly<Record<CommandName, CommandHelp>> = Object.freeze({
  promote: {
    usage:
      '/gittrix promote [<session-id>] [@<sha>] [all | <path|glob|path#hunk-id> ...] [--pr | --commit | --branch <name> | --patch] [-m "<message>"]',
    summary:
      'Promote all or some changed files, or single hunks of a file (path#id, ids as [h:<id>] in the diff), as reviewed in the newest check run or in the run on @<sha>, to the durable branch (needs write access).',
    example: '/gittrix promote src/app.ts "docs/**/*.md" --pr -m "Fix the parser"',
  },
  discard: {
    usage: '/gittrix discard [<session-id>]',
    summary: 'Discard the session and delete its branch (needs write access).',
    example: '/gittrix discard',
  },
  extend: {
    usage: '/gittrix extend [<session-id>] <duration>',
    summary: 'Keep the session alive longer, e.g. 24h, 90m, 7d (needs write access).',
    example: '/gittrix extend 24h',
  },
  diff: {
    usage: '/gittrix diff [<session-id>] [<path|glob> ...]',
    summary: 'Show the diff, or the diff of some files.',
    example: '/gittrix diff src/app.ts',
  },
  status: {
    usage: '/gittrix status [<session-id>]',
    summary: 'Show the session: state, baseline, changed files.',
    example: '/gittrix status',
  },
  help: {
    usage: '/gittrix help [<command>]',
    summary: 'Show this help, or the help of one command.',
    example: '/gittrix help promote',
  },
})

/**
 * Plain-text help: every usage line, or one command's usage, summary and example. The session id can
 * be left out when exactly one active session is linked to the issue or pull request.
 */
export function helpText(topic: CommandName | null = null): string {
  if (topic !== null) {
    const h = COMMAND_HELP[topic]
    return `${h.usage}\n${h.summary}\nExample: ${h.example}`
  }
  return [
    'Gittrix commands (first line of a comment):',
    ...COMMAND_NAMES.map((name) => `  ${COMMAND_HELP[name].usage}`),
    'Leave out <session-id> when exactly one active session is linked here.',
    'Quote arguments with spaces: -m "Fix the parser". Durations: 30m, 24h, 7d.',
  ].join('\n')
}

/**
 * The commands a reviewer can copy for one session, in the order they appear in the check run and the
 * comment (`src/app.ts` and the docs glob stand for the reviewer's paths). Each line parses with
 * `parseCommand`.
 */
export function sessionCommandExamples(sessionId: string): string[] {
  return [
    `/gittrix promote ${sessionId} all`,
    `/gittrix promote ${sessionId} all --pr`,
    `/gittrix promote ${sessionId} src/app.ts "docs/**/*.md" -m "Fix the parser"`,
    `/gittrix diff ${sessionId} src/app.ts`,
    `/gittrix extend ${sessionId} 24h`,
    `/gittrix discard ${sessionId}`,
  ]
}
