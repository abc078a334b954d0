/**
 * The one way Gittrix runs git with a credential: an HTTP `Authorization` header carried to one
 * sealed git process (src/git/sealed.ts) as command-scoped configuration, from a throwaway bare
 * repository of Gittrix's own.
 *
 * - The header is the `http.<url>.extraHeader` setting passed through `GIT_CONFIG_COUNT` /
 *   `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n` (git ≥ 2.31): never in a URL (so not in a config file,
 *   a reflog, `remote -v`, an error or a process list's argument vector), never in a file, never in the
 *   environment of anything but that one git process. An empty value is set first: git sends every
 *   configured extra header, and the empty one resets any list inherited from elsewhere, so exactly one
 *   header goes out. With a `url` the header is scoped to that URL prefix (git matches `http.<url>.*`
 *   against the URL it finally talks to, so an `insteadOf` rewrite to another host gets no header);
 *   redirects are not followed, so the header never travels to a host the server names.
 * - The process is sealed: an absolute git, an allowlisted environment (plus the proxy variables a
 *   network command needs, {@link NETWORK_ENV}), no system or global configuration, no hooks,
 *   credential helpers, askpass or ssh commands. {@link withScratchRepo} gives it a repository whose
 *   configuration Gittrix wrote, borrowing a workspace's objects through alternates or
 *   `GIT_OBJECT_DIRECTORY`, so nothing an agent wrote into a workspace's `.git` is read while the
 *   header is in the environment.
 * - The header value and the token are registered with `registerSecret`, so every error `runGit`
 *   raises is redacted.
 *
 * Sources: git-config(1) `http.<url>.*` (URL matching), `http.extraHeader`, `http.followRedirects`,
 * "ENVIRONMENT" (`GIT_CONFIG_COUNT`); actions/checkout's `AUTHORIZATION: basic` header form.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type GitConfigEntry, gitConfigEnv } from './config-env.ts'
import { registerSecret } from './redact.ts'
import { GitRepo } from './repo.ts'

export { NETWORK_ENV } from './sealed.ts'

/** One HTTP credential: the header line git sends, and the URL prefix it is limited to. */
export interface HttpAuth {
  /** The full header line, e.g. `Authorization: Bearer <token>`. */
  header: string
  /** Send it only to URLs under this prefix (e.g. `https://github.com/`); `null`: every URL of the command. */
  url: string | null
  /** The secret inside the header (registered for redaction with the header value). */
  secret: string
}

/** The header GitHub's git server accepts for an installation or workflow token (actions/checkout's form). */
export function githubTokenAuth(serverUrl: string, token: string): HttpAuth {
  const base = serverUrl.replace(/\/+$/, '')
  const basic = Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')
  return { header: `AUTHORIZATION: basic ${basic}`, url: `${base}/`, secret: token }
}

/** A `Bearer` token header (Cloudflare Artifacts repo tokens), limited to `url` when given. */
export function bearerAuth(token: string, url: string | null): HttpAuth {
  return { header: `Authorization: Bearer ${token}`, url, secret: token }
}

/**
 * The command-scoped settings that make one git process send `auth` and nothing else (see the module
 * comment). Registers the secret and the header value for redaction.
 */
export function httpAuthConfig(auth: HttpAuth): GitConfigEntry[] {
  registerSecret(auth.secret)
  registerSecret(auth.header.replace(/^[^:]*:\s*(basic|bearer|token)?\s*/i, ''))
  const key = auth.url ? `http.${auth.url}.extraHeader` : 'http.extraHeader'
  return [
    [key, ''],
    [key, auth.header],
    ['http.followRedirects', 'false'],
    ['credential.interactive', 'false'],
  ]
}

/** The environment variables (`GIT_CONFIG_*`) carrying {@link httpAuthConfig} for a sealed `runGit`. */
export function httpAuthEnv(auth: HttpAuth): Record<string, string> {
  return gitConfigEnv(httpAuthConfig(auth))
}

/** Where a scratch repository finds objects. */
export interface ScratchObjects {
  /** Read from this object store too (written to `objects/info/alternates`). */
  alternates?: readonly string[]
  /** Read AND write this object store instead of the scratch repository's own (e.g. to fetch into a workspace's). */
  objectDir?: string
}

/**
 * Runs `body` with a sealed {@link GitRepo} on a fresh bare repository in the temporary directory
 * (created with no template: no hooks, no `info/` files), removed afterwards whatever happens.
 */
export async function withScratchRepo<T>(
  objects: ScratchObjects,
  body: (repo: GitRepo) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'gittrix-scratch-'))
  try {
    const repo = await GitRepo.initPrivate(dir, objects.objectDir ? { objectDir: objects.objectDir } : {})
    if (objects.alternates?.length)
      await writeFile(join(dir, 'objects', 'info', 'alternates'), `${objects.alternates.join('\n')}\n`)
    return await body(repo)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
