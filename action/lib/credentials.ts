/**
 * Credentials a checkout can hand to the agent without anyone meaning to: `actions/checkout` keeps the
 * job's token in the repository's configuration unless told `persist-credentials: false` (an
 * `http.<url>.extraheader`, in recent versions through an `includeIf` file under `RUNNER_TEMP`), and
 * self-hosted runners collect credential helpers and tokens in remote URLs. Any of them lets the agent
 * push with the job's token, so a session refuses to start while one is there.
 *
 * Read with `git config --includes` (included files count) from the repository's own configuration
 * and the user's global one; reading configuration runs nothing.
 *
 * Sources: actions/checkout's README (`persist-credentials`, default `true`); git-config(1)
 * (`http.<url>.extraHeader`, `credential.helper`, `include`/`includeIf`).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { runGit, splitNul } from '../../src/git/run-git.ts'
import type { Workspace } from './workspace.ts'

/** Keys whose presence alone is a credential (lower-cased, `<url>` parts removed). */
const CREDENTIAL_KEY = /^(http\..*\.extraheader|http\.extraheader|credential\..*helper|credential\.helper)$/

/** URL settings whose value may embed a credential (`https://user:token@host/...`). */
const URL_KEY = /^(remote\..*\.(url|pushurl)|url\..*\.(insteadof|pushinsteadof))$/

/** True when `value` is a URL with a user name and password (or token) in it. */
function hasUserinfo(value: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i.test(value) ||
    /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]{20,}@/i.test(value)
  )
}

/**
 * The settings (as `scope key`, never their values) through which the workspace's git configuration,
 * or the user's global configuration, would hand a credential to whoever runs git there. Empty when
 * there are none.
 */
export async function persistedCredentials(ws: Workspace): Promise<string[]> {
  const sources: Array<[string, string[]]> = [
    ['repository', ['--local']],
    ['global', ['--file', join(process.env.HOME || homedir(), '.gitconfig')]],
  ]
  const found: string[] = []
  for (const [scope, where] of sources) {
    const result = await runGit(['config', ...where, '--includes', '--null', '--list'], {
      sealed: true,
      okExitCodes: [1, 128],
      cwd: ws.root,
    })
    if (result.exitCode !== 0) continue
    for (const entry of splitNul(result.stdout)) {
      const newline = entry.indexOf('\n')
      const key = (newline < 0 ? entry : entry.slice(0, newline)).toLowerCase()
      const value = newline < 0 ? '' : entry.slice(newline + 1)
      const credential =
        (CREDENTIAL_KEY.test(key) && value.trim() !== '') || (URL_KEY.test(key) && hasUserinfo(value))
      if (credential)
        found.push(`${scope} ${key.replace(/^(http|credential|remote|url)\..+\.([^.]+)$/, '$1.<…>.$2')}`)
    }
  }
  return [...new Set(found)]
}
