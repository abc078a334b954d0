/**
 * The one check of a URL Gittrix is about to send a credential to: a git remote (the Artifacts remote
 * the control plane returned, the Action's `GITHUB_SERVER_URL`) or an API root (the Action's
 * `artifacts-api-url`). Callers turn the reason into their own error with what to do.
 */

/** Hosts plain `http:` may go to: this machine only (local stand-ins and tests), never the network. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]']

/**
 * Why a credential must not be sent to `value`, as a phrase that follows the URL's name (e.g.
 * `must not carry credentials (…)`), or `null` when it may. The reason never quotes `value`, which may
 * hold a credential. Refuses, in this order:
 * - a value that is not an absolute URL (WHATWG URL parser): there is nothing to check;
 * - white space or control characters anywhere: the parser silently drops tabs and line breaks and
 *   trims the ends, so the URL checked would not be the string git is given (and a line break could
 *   split the `http.<url>.extraHeader` setting the token is scoped with, src/git/network.ts);
 * - a backslash anywhere: the parser reads it as `/` in an `http(s):` URL, git as an ordinary
 *   character, so `http://localhost\@evil.example/` is loopback to the parser but a user name
 *   `localhost\` on host `evil.example` to git (test/adapters/artifacts/token-scope-backslash.test.ts);
 * - a user name or password in it: a credential in a URL ends up in config files, reflogs, process
 *   lists and error messages; tokens travel only as a header;
 * - any scheme but `https:`, and `http:` to anything but a loopback host (`127.0.0.1`, `localhost`,
 *   `[::1]`): over plain HTTP anyone on the path reads the token;
 * - a query or a fragment: git remotes and API roots have neither, and a path appended to such a URL
 *   (`<server>/<owner>/<repo>.git`) would land inside the query instead of the path.
 */
export function remoteUrlProblem(value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a URL'
  }
  if (/[\s\x00-\x1f\x7f]/.test(value)) return 'must not contain white space or control characters'
  if (value.includes('\\')) return 'must not contain a backslash (git reads it differently from a URL parser)'
  if (url.username || url.password)
    return 'must not carry credentials (a user name or password): tokens travel only in a header'
  const loopback = LOOPBACK_HOSTS.includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return 'must be an https:// URL (plain http only to a loopback host): a token travels with every request'
  if (url.search || url.hash || value.includes('?') || value.includes('#'))
    return 'must not have a query or fragment'
  return null
}
