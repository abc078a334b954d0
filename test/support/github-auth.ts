/**
 * Who is calling the loopback GitHub, decided the way GitHub decides it:
 *
 * - the App authenticates as itself with an RS256 JWT (`Authorization: Bearer <jwt>`, `iss` = the App
 *   id, `exp` at most 10 minutes after `iat`) signed by its private key, checked here with the public key;
 * - with that JWT it asks `POST /app/installations/{id}/access_tokens` for an installation token, which
 *   {@link GitHubAuth.mintInstallationToken} issues (random, expiring in an hour) for the one installation;
 * - everyone else uses a token registered up front: the workflow's `GITHUB_TOKEN` (the Action) and
 *   people's personal tokens, each naming a login.
 */
import { createPublicKey, randomBytes, verify as verifySignature } from 'node:crypto'

/** Who a request authenticated as. */
export type Caller =
  | { kind: 'app' }
  | { kind: 'installation'; installationId: number }
  | { kind: 'token'; login: string; type: 'User' | 'Bot' }

/** Token registry and verification for one App and one installation. */
export class GitHubAuth {
  readonly appId: number
  readonly installationId: number
  private readonly publicKey: ReturnType<typeof createPublicKey>
  private readonly installationTokens = new Map<string, { expires: number }>()
  private readonly tokens = new Map<string, { login: string; type: 'User' | 'Bot' }>()

  constructor(options: { appId: number; installationId: number; publicKey: string }) {
    this.appId = options.appId
    this.installationId = options.installationId
    this.publicKey = createPublicKey(options.publicKey)
  }

  /** Registers a personal (or workflow) token for `login`. */
  addToken(token: string, login: string, type: 'User' | 'Bot' = 'User'): void {
    this.tokens.set(token, { login, type })
  }

  /** Issues an installation token, as GitHub answers `POST /app/installations/{id}/access_tokens`. */
  mintInstallationToken(): { token: string; expiresAt: string } {
    const token = `ghs_${randomBytes(18).toString('hex')}`
    const expires = Date.now() + 3_600_000
    this.installationTokens.set(token, { expires })
    return { token, expiresAt: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z') }
  }

  /** The caller of a REST request from its Authorization header; null when it proves nothing. */
  identify(authorization: string | undefined): Caller | null {
    if (!authorization) return null
    const space = authorization.indexOf(' ')
    const scheme = authorization.slice(0, space).toLowerCase()
    const credential = authorization.slice(space + 1).trim()
    if (scheme === 'bearer' && credential.split('.').length === 3) {
      return this.validJwt(credential) ? { kind: 'app' } : null
    }
    if (scheme !== 'token' && scheme !== 'bearer') return null
    return this.identifyToken(credential)
  }

  /** The caller behind a bare token (installation or registered). */
  identifyToken(token: string): Caller | null {
    const installation = this.installationTokens.get(token)
    if (installation) {
      return installation.expires > Date.now()
        ? { kind: 'installation', installationId: this.installationId }
        : null
    }
    const person = this.tokens.get(token)
    return person ? { kind: 'token', ...person } : null
  }

  private validJwt(jwt: string): boolean {
    const [header, payload, signature] = jwt.split('.') as [string, string, string]
    const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown
    try {
      const h = json(header) as { alg?: string }
      const p = json(payload) as { iat?: number; exp?: number; iss?: string | number }
      if (h.alg !== 'RS256') return false
      const ok = verifySignature(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        this.publicKey,
        Buffer.from(signature, 'base64url'),
      )
      const now = Math.floor(Date.now() / 1000)
      return (
        ok &&
        String(p.iss) === String(this.appId) &&
        typeof p.iat === 'number' &&
        typeof p.exp === 'number' &&
        p.exp > now &&
        p.iat <= now + 60 &&
        p.exp - p.iat <= 600
      )
    } catch {
      return false
    }
  }
}
