/**
 * Sealed git: how Gittrix runs git on state an agent could have shaped (a workspace, its `.git`, the
 * environment of a later CI step) without letting that state choose what git executes or where it
 * sends data.
 *
 * A sealed git process gets:
 * - an absolute git binary resolved from a PATH Gittrix chooses ({@link resolveGitBinary}), so a `git`
 *   put earlier on `PATH` (e.g. through `$GITHUB_PATH`) is never run;
 * - an environment built from an allowlist ({@link sealedGitEnv}), not the inherited one minus a
 *   denylist: `GIT_TRACE_CURL`, `GIT_EXEC_PATH`, `GIT_SSH_COMMAND`, `GIT_CONFIG_PARAMETERS`,
 *   `SSL_CERT_FILE`, `LD_PRELOAD` and everything else not named here never reach git;
 * - no system or global configuration (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`, and no
 *   global attributes file: `core.attributesFile=/dev/null`), no
 *   replace refs (`GIT_NO_REPLACE_OBJECTS`) and no grafts (`GIT_GRAFT_FILE` names no file), so objects and
 *   history read are the ones their ids name;
 * - command-scoped settings ({@link SEALED_CONFIG}, passed as `GIT_CONFIG_COUNT` entries, which take
 *   precedence over any file) that switch off every program a repository's own configuration can
 *   name for the commands Gittrix runs: hooks (including `reference-transaction`), fsmonitor, commit
 *   signing programs, credential helpers, askpass, ssh commands, pagers. (`diff.external` has no
 *   "off" value: every `git diff` Gittrix runs passes `--no-ext-diff --no-textconv`, see diff-output.ts.)
 *
 * What command-scoped settings cannot switch off are drivers whose NAMES the repository chooses:
 * `filter.<name>.clean`, `diff.<name>.textconv`, `merge.<name>.driver`. Commands that read a work tree
 * (`add`, `status`, `diff` against files, `checkout`) must therefore not read the agent's repository
 * configuration at all: run them with a private git directory ({@link createPrivateGitDir}) whose
 * configuration Gittrix wrote, pointing at the agent's objects through `GIT_OBJECT_DIRECTORY` or
 * alternates (see `GitRepo`'s `objectDir` / `alternates`). Attributes in the work tree may still name
 * a driver; with no such driver configured, git applies none.
 *
 * Sources: git-config(1) "ENVIRONMENT" (`GIT_CONFIG_COUNT`, `GIT_CONFIG_GLOBAL`, `GIT_CONFIG_NOSYSTEM`)
 * and its precedence rules (command line last); git(1) "ENVIRONMENT VARIABLES"
 * (`GIT_NO_REPLACE_OBJECTS`, `GIT_GRAFT_FILE`, `GIT_EXEC_PATH`); githooks(5) (`core.hooksPath`,
 * `reference-transaction`); gitattributes(5) (filter and diff drivers are looked up in configuration).
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs'
import { delimiter, dirname, isAbsolute, join } from 'node:path'
import { GittrixError } from '../core/errors.ts'
import { type GitConfigEntry, gitConfigEnv } from './config-env.ts'

export type { GitConfigEntry }

/** A path that cannot exist (`/dev/null` is not a directory): where a sealed git looks for grafts. */
const NO_SUCH_FILE = '/dev/null/gittrix-none'

/** Where {@link resolveGitBinary} looks when given no search path: the usual system locations only. */
export const SYSTEM_GIT_PATH = ['/usr/bin', '/bin', '/usr/local/bin', '/opt/homebrew/bin'].join(delimiter)

/**
 * Settings every sealed git process gets, overriding any configuration file. Empty values reset
 * multi-valued keys (`credential.helper`, `http.extraHeader`), so a list inherited from a repository
 * is emptied before any entry a caller adds after these.
 */
export const SEALED_CONFIG: readonly GitConfigEntry[] = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.untrackedCache', 'false'],
  ['core.pager', 'cat'],
  ['core.askPass', ''],
  ['core.sshCommand', 'false'],
  ['core.alternateRefsCommand', ''],
  ['credential.helper', ''],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['push.gpgSign', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['protocol.ext.allow', 'never'],
  ['submodule.recurse', 'false'],
  ['fetch.recurseSubmodules', 'false'],
  ['core.quotePath', 'true'],
  // The user's global attributes (`~/.config/git/attributes`) are configuration too (gitattributes(5)).
  ['core.attributesFile', '/dev/null'],
]

/**
 * Environment variables a sealed git process inherits when set (values unchanged). Everything else is
 * dropped. `HOME` keeps git from warning; it does not bring `~/.gitconfig` back (`GIT_CONFIG_GLOBAL`).
 * The identity and date variables only name who and when: they cannot make git run or read anything.
 */
export const SEALED_ENV_ALLOWLIST = [
  'HOME',
  'TMPDIR',
  'TZ',
  'SystemRoot',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
] as const

/**
 * Proxy variables a sealed network command keeps when set (runners behind a proxy need them). They can
 * only route traffic: with HTTPS a proxy sees no header, and the CA variables that would let it
 * (`SSL_CERT_FILE`, `GIT_SSL_CAINFO`) are never kept.
 */
export const NETWORK_ENV = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'ALL_PROXY',
  'all_proxy',
  'NO_PROXY',
  'no_proxy',
] as const

/** Options of {@link sealedGitEnv}. */
export interface SealedEnvOptions {
  /** The git binary the environment is for; its directory leads `PATH`. Default {@link resolveGitBinary}(). */
  git?: string
  /** Settings added after {@link SEALED_CONFIG} (later entries win for single-valued keys). */
  config?: readonly GitConfigEntry[]
  /**
   * More inherited variables to keep, by name (e.g. `HTTPS_PROXY` for a network command). Names that
   * steer git itself (`GIT_*`) cannot be kept this way; pass them in `set`.
   */
  keep?: readonly string[]
  /** Variables set to these exact values (after everything else; e.g. `GIT_INDEX_FILE`). */
  set?: Readonly<Record<string, string>>
  /** The environment `keep` and the allowlist read from. Default `process.env`. */
  from?: NodeJS.ProcessEnv
}

/**
 * The complete environment of one sealed git process (see the module comment): allowlisted
 * variables, `PATH` = the git binary's directory then {@link SYSTEM_GIT_PATH}, `LC_ALL=C` (messages
 * Gittrix parses stay English), no prompts, no system/global configuration, no replace objects or
 * grafts, and `GIT_CONFIG_COUNT` entries for {@link SEALED_CONFIG} followed by `options.config`.
 * Throws `INVALID_ARGUMENT` when `keep` names a `GIT_*` variable.
 */
export function sealedGitEnv(options: SealedEnvOptions = {}): Record<string, string> {
  const from = options.from ?? process.env
  const env: Record<string, string> = {}
  for (const name of options.keep ?? []) {
    if (/^GIT_/i.test(name))
      throw new GittrixError('INVALID_ARGUMENT', `sealedGitEnv cannot keep ${name}; set it explicitly.`)
  }
  for (const name of [...SEALED_ENV_ALLOWLIST, ...(options.keep ?? [])]) {
    const value = from[name]
    if (value !== undefined) env[name] = value
  }
  const git = options.git ?? resolveGitBinary()
  env.PATH = [dirname(git), SYSTEM_GIT_PATH].join(delimiter)
  env.LC_ALL = 'C'
  env.GIT_CONFIG_NOSYSTEM = '1'
  env.GIT_CONFIG_GLOBAL = '/dev/null'
  env.GIT_NO_REPLACE_OBJECTS = '1'
  env.GIT_GRAFT_FILE = NO_SUCH_FILE
  env.GIT_TERMINAL_PROMPT = '0'
  env.GIT_OPTIONAL_LOCKS = '0'
  env.GIT_PROTOCOL_FROM_USER = '0'
  Object.assign(env, gitConfigEnv([...SEALED_CONFIG, ...(options.config ?? [])]))
  Object.assign(env, options.set ?? {})
  return env
}

const resolved = new Map<string, string>()

/**
 * The absolute, symlink-resolved path of the first executable regular file named `git` on
 * `searchPath` (a `PATH`-style list; default {@link SYSTEM_GIT_PATH}). Relative and empty entries are
 * skipped: they would resolve against whatever directory the process is in. Memoized per search path
 * for the life of the process, so a binary resolved before agent code runs stays the one used after
 * it. Throws `ADAPTER_UNAVAILABLE` when there is none.
 */
export function resolveGitBinary(searchPath: string = SYSTEM_GIT_PATH): string {
  const known = resolved.get(searchPath)
  if (known) return known
  for (const dir of searchPath.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue
    const candidate = join(dir, 'git')
    try {
      accessSync(candidate, constants.X_OK)
      const real = realpathSync(candidate)
      if (!statSync(real).isFile()) continue
      resolved.set(searchPath, real)
      return real
    } catch {
      continue
    }
  }
  throw new GittrixError(
    'ADAPTER_UNAVAILABLE',
    `No git executable was found in ${searchPath}; install git (2.31 or newer) in one of those directories.`,
  )
}

/**
 * Pins the git binary every later sealed call uses when no search path is given: call it before any
 * agent code runs (e.g. at the start of a CI job) with the `PATH` of that moment. Resolves the path.
 */
export function pinGitBinary(searchPath: string): string {
  const git = resolveGitBinary(searchPath)
  resolved.set(SYSTEM_GIT_PATH, git)
  return git
}
