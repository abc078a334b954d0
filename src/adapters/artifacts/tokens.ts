/**
 * Repo tokens for git over HTTPS, minted with the least scope and TTL an operation needs and re-minted
 * when expired or about to expire.
 *
 * Sources: https://developers.cloudflare.com/artifacts/api/rest-api/ (route 17:
 * `POST /tokens {repo, scope, ttl}`; TTL 60 … 31,536,000 s), https://developers.cloudflare.com/artifacts/api/git-protocol/
 * (token format `art_v1_<40 hex>?expires=<unix_seconds>`: "Parse the value after ?expires= to learn the
 * expiry"), https://developers.cloudflare.com/artifacts/concepts/best-practices/ ("Mint least-privilege,
 * short-TTL tokens: read tokens for review and indexing, write tokens only for the agent that pushes").
 */
import type { ArtifactsClient } from './client.ts'
import type { TokenScope } from './types.ts'

/** A usable repo token. */
export interface RepoToken {
  /** Token id for revocation; absent for tokens returned by create/fork/import. */
  id?: string
  /** The full token string, `?expires=` included, as the Bearer header wants it. */
  plaintext: string
  scope: TokenScope
  /** Expiry in ms since the epoch. */
  expiresAt: number
}

/** The expiry (ms) of a token: its `?expires=<unix seconds>` suffix, else `fallback` (ISO or seconds). */
export function tokenExpiry(plaintext: string, fallback?: string | number): number {
  const match = /[?&]expires=(\d+)/.exec(plaintext)
  if (match) return Number(match[1]) * 1000
  if (typeof fallback === 'number') return fallback < 1e12 ? fallback * 1000 : fallback
  if (typeof fallback === 'string') {
    const parsed = /^\d+$/.test(fallback) ? Number(fallback) * 1000 : Date.parse(fallback)
    if (!Number.isNaN(parsed)) return parsed
  }
  return 0
}

/** Options for {@link RepoTokens}. */
export interface RepoTokenOptions {
  /** TTL of minted tokens in seconds (60 … 31,536,000). Default 900 (15 minutes). */
  ttlSeconds?: number
  /** A cached token with less life left than this is re-minted. Default 60 000 ms. */
  renewBeforeMs?: number
}

/**
 * Caches one token per (repository, scope). `get` mints on first use and when the cached one is
 * expired or within `renewBeforeMs` of expiry; `invalidate` drops it after the git server refused it
 * (an expired or revoked token), so the next `get` mints a fresh one. A `write` token serves reads too
 * only when one is already cached; otherwise reads get their own `read` token.
 */
export class RepoTokens {
  private readonly cache = new Map<string, Promise<RepoToken>>()
  private readonly ttlSeconds: number
  private readonly renewBeforeMs: number
  /** How many tokens were minted (for tests and diagnostics). */
  minted = 0

  private readonly client: ArtifactsClient

  constructor(client: ArtifactsClient, options: RepoTokenOptions = {}) {
    this.client = client
    this.ttlSeconds = options.ttlSeconds ?? 900
    this.renewBeforeMs = options.renewBeforeMs ?? 60_000
  }

  /** A token for `repo` with at least `scope`, fresh enough to use now. */
  async get(repo: string, scope: TokenScope): Promise<RepoToken> {
    const key = `${repo}\0${scope}`
    const cached = this.cache.get(key)
    if (cached) {
      const token = await cached.catch(() => null)
      if (token && token.expiresAt - this.renewBeforeMs > this.client.now()) return token
      if (this.cache.get(key) === cached) this.cache.delete(key)
      return this.get(repo, scope)
    }
    const minting = this.mint(repo, scope)
    this.cache.set(key, minting)
    minting.catch(() => {
      if (this.cache.get(key) === minting) this.cache.delete(key)
    })
    return minting
  }

  /** Seeds the cache with a token returned by create / fork / import (write scope). */
  remember(repo: string, plaintext: string): void {
    const token: RepoToken = { plaintext, scope: 'write', expiresAt: tokenExpiry(plaintext) }
    if (token.expiresAt - this.renewBeforeMs > this.client.now())
      this.cache.set(`${repo}\0write`, Promise.resolve(token))
  }

  /** Forgets `token` (the server refused it); the next `get` mints another. */
  invalidate(repo: string, token: RepoToken): void {
    const key = `${repo}\0${token.scope}`
    const cached = this.cache.get(key)
    void cached?.then((current) => {
      if (current.plaintext === token.plaintext && this.cache.get(key) === cached) this.cache.delete(key)
    })
    if (cached) this.cache.delete(key)
  }

  /** Revokes every minted token of `repo` (or of every repository) and forgets them. Never throws. */
  async revoke(repo?: string): Promise<void> {
    const entries = [...this.cache].filter(([key]) => repo === undefined || key.startsWith(`${repo}\0`))
    for (const [key] of entries) this.cache.delete(key)
    await Promise.all(
      entries.map(async ([, promise]) => {
        const token = await promise.catch(() => null)
        if (token?.id) await this.client.revokeToken(token.id).catch(() => false)
      }),
    )
  }

  /** Forgets `repo`'s tokens without revoking (the repository was deleted, which deletes its tokens). */
  forget(repo: string): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${repo}\0`)) this.cache.delete(key)
  }

  private async mint(repo: string, scope: TokenScope): Promise<RepoToken> {
    const result = await this.client.mintToken({ repo, scope, ttl: this.ttlSeconds })
    this.minted++
    this.client.note(`artifacts: minted a ${scope} token for ${repo} (ttl ${this.ttlSeconds} s)`)
    return {
      id: result.id,
      plaintext: result.plaintext,
      scope,
      expiresAt: tokenExpiry(result.plaintext, result.expires_at),
    }
  }
}
