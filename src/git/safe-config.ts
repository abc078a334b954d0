/**
 * `-c` settings Gittrix passes when it runs git in a repository an agent can edit, or when it parses
 * git's output.
 */

/**
 * Keeps an agent-edited repository from running code while Gittrix reads it: no fsmonitor command,
 * no hooks.
 */
export const AGENT_REPO_SAFETY = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'] as const

/**
 * Keeps a user's or an agent's git configuration from changing the shape of a rendered patch (prefixes,
 * relative paths, blank context lines, path quoting), so it parses and applies the same everywhere.
 */
export const NEUTRAL_DIFF_CONFIG = [
  '-c',
  'diff.noprefix=false',
  '-c',
  'diff.mnemonicPrefix=false',
  '-c',
  'diff.relative=false',
  '-c',
  'diff.suppressBlankEmpty=false',
  '-c',
  'core.quotePath=true',
] as const
