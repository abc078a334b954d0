/**
 * Command-scoped git configuration through the environment (`GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_<n>`,
 * `GIT_CONFIG_VALUE_<n>`, git ≥ 2.31). Unlike `-c key=value`, values passed this way are not on the
 * command line, so other users' `ps` cannot see them (a credential header, for instance), and unlike a
 * config file nothing is written to disk. They take precedence over every configuration file
 * (git-config(1), "ENVIRONMENT").
 */

/** A command-scoped git setting: `[key, value]`. */
export type GitConfigEntry = readonly [key: string, value: string]

/** The environment that gives one git process the settings `entries`, in order. */
export function gitConfigEnv(entries: ReadonlyArray<GitConfigEntry>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) }
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  return env
}

/**
 * Splits an environment into the settings its `GIT_CONFIG_COUNT` entries carry (in order) and every
 * other variable, so two sets of command-scoped settings can be merged into one count.
 */
export function splitGitConfigEnv(env: Readonly<Record<string, string | undefined>>): {
  entries: GitConfigEntry[]
  rest: Record<string, string | undefined>
} {
  const count = Number(env.GIT_CONFIG_COUNT ?? 0)
  const entries: GitConfigEntry[] = []
  for (let i = 0; Number.isInteger(count) && i < count; i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`]
    if (key) entries.push([key, env[`GIT_CONFIG_VALUE_${i}`] ?? ''])
  }
  const rest: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(env)) {
    if (!/^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+)$/.test(name)) rest[name] = value
  }
  return { entries, rest }
}
