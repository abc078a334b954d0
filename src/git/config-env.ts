/**
 * Command-scoped git configuration through the environment (`GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_<n>`,
 * `GIT_CONFIG_VALUE_<n>`, git ≥ 2.31). Unlike `-c key=value`, values passed this way are not on the
 * command line, so other users' `ps` cannot see them (a credential header, for instance), and unlike a
 * config file nothing is written to disk.
 */

/** The environment that gives one git process the settings `entries`, in order. */
export function gitConfigEnv(
  entries: ReadonlyArray<readonly [key: string, value: string]>,
): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) }
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  return env
}
