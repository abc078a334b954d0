/**
 * Secret redaction for anything that may reach a log, an error or the terminal.
 * Tokens registered with {@link registerSecret} and credentials embedded in URLs or
 * `Authorization` headers are replaced by `***`.
 */

const secrets = new Set<string>()

/** Registers a secret (token, password) so {@link redact} hides it everywhere. Ignores strings < 6 chars. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 6) secrets.add(secret)
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s:]+(?::[^/@\s]*)?@/gi
const AUTH_HEADER = /(authorization:\s*(?:bearer|basic|token)\s+)[^\s'"]+/gi

/** Returns `text` with registered secrets, URL credentials and auth header values replaced by `***`. */
export function redact(text: string): string {
  let out = text.replace(URL_CREDENTIALS, '$1***@').replace(AUTH_HEADER, '$1***')
  for (const secret of secrets) out = out.split(secret).join('***')
  return out
}
