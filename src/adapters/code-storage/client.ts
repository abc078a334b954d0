/**
 * Configuration of the Code Storage (Pierre, `@pierre/storage`) back end: the organisation name plus a
 * signing key (PKCS#8 PEM, ES256: the SDK mints a short-lived JWT per call) or a pre-minted token
 * (used verbatim; its own claims govern access). Read from options or the environment, never from a
 * command line, and never logged: {@link describeCodeStorage} is the only printable form.
 * Source of the option names: `GitStorageOptions` in node_modules/@pierre/storage/src/types.ts.
 */
import type { CodeStorage } from '@pierre/storage'
import { GittrixError, InvalidArgumentError } from '../../core/errors.ts'
import { type ReadRetryOptions, readRetryingFetch } from './retry.ts'

/** Everything needed to reach one Code Storage organisation. */
export interface CodeStorageConfig {
  /** The organisation (the SDK's `name`; also picks the default API and git hosts). */
  name: string
  /** PKCS#8 PEM private key (ES256) that signs per-call JWTs. One of `key` / `token` is required. */
  key?: string
  /** A pre-minted JWT used verbatim (must carry the repository and scopes the calls need). */
  token?: string
  /** API base URL override (default the SDK's per-organisation host). */
  apiBaseUrl?: string
  /** Git host override (the SDK's `storageBaseUrl`). */
  storageBaseUrl?: string
  /** The HTTP client under the SDK (default `globalThis.fetch`); tests plug a stand-in in here. */
  fetch?: typeof fetch
  /** Retry policy for reads (writes are never retried). */
  retry?: ReadRetryOptions
}

/** The environment variables {@link codeStorageConfigFromEnv} reads. */
export const CODE_STORAGE_ENV = {
  name: 'CODE_STORAGE_NAME',
  key: 'CODE_STORAGE_KEY',
  token: 'CODE_STORAGE_TOKEN',
  apiBaseUrl: 'CODE_STORAGE_API_URL',
  storageBaseUrl: 'CODE_STORAGE_GIT_HOST',
} as const

/**
 * A {@link CodeStorageConfig} from `env` (default `process.env`) with `overrides` on top. Throws
 * `INVALID_ARGUMENT` naming the variable to set when the name or both credentials are missing.
 */
export function codeStorageConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<CodeStorageConfig> = {},
): CodeStorageConfig {
  const pick = (value: string | undefined) => (value && value.trim() !== '' ? value : undefined)
  const config: CodeStorageConfig = {
    name: overrides.name ?? pick(env[CODE_STORAGE_ENV.name]) ?? '',
    ...withValue('key', overrides.key ?? pick(env[CODE_STORAGE_ENV.key])),
    ...withValue('token', overrides.token ?? pick(env[CODE_STORAGE_ENV.token])),
    ...withValue('apiBaseUrl', overrides.apiBaseUrl ?? pick(env[CODE_STORAGE_ENV.apiBaseUrl])),
    ...withValue('storageBaseUrl', overrides.storageBaseUrl ?? pick(env[CODE_STORAGE_ENV.storageBaseUrl])),
    ...withValue('fetch', overrides.fetch),
    ...withValue('retry', overrides.retry),
  }
  checkConfig(config)
  return config
}

function withValue<K extends keyof CodeStorageConfig>(key: K, value: CodeStorageConfig[K] | undefined) {
  return value === undefined ? {} : { [key]: value }
}

function checkConfig(config: CodeStorageConfig): void {
  if (!config.name?.trim())
    throw new InvalidArgumentError(
      `Code Storage needs the organisation name: set ${CODE_STORAGE_ENV.name} (or pass { name }).`,
    )
  if (!config.key?.trim() && !config.token?.trim())
    throw new InvalidArgumentError(
      `Code Storage needs credentials: set ${CODE_STORAGE_ENV.key} (the PKCS#8 signing key) or ${CODE_STORAGE_ENV.token} (a pre-minted token).`,
    )
}

/** `code-storage://<name>`: the organisation, with no credential, for logs and refs. */
export function describeCodeStorage(config: Pick<CodeStorageConfig, 'name'>): string {
  return `code-storage://${config.name}`
}

/**
 * The SDK client for `config`, its `fetch` wrapped so reads are retried (src/adapters/code-storage/retry.ts).
 * The SDK is an optional peer dependency, loaded here on first use. Throws `INVALID_ARGUMENT` on a
 * missing name or credential, `CAPABILITY_MISSING` when `@pierre/storage` is not installed.
 */
export async function createCodeStorageClient(config: CodeStorageConfig): Promise<CodeStorage> {
  checkConfig(config)
  let sdk: { CodeStorage: typeof CodeStorage }
  try {
    sdk = await import('@pierre/storage')
  } catch (error) {
    throw new GittrixError(
      'CAPABILITY_MISSING',
      'Code Storage needs its SDK: npm install @pierre/storage (an optional peer dependency of gittrix).',
      { cause: error },
    )
  }
  return new sdk.CodeStorage({
    name: config.name,
    ...(config.key ? { key: config.key } : { token: config.token! }),
    ...(config.apiBaseUrl ? { apiBaseUrl: config.apiBaseUrl } : {}),
    ...(config.storageBaseUrl ? { storageBaseUrl: config.storageBaseUrl } : {}),
    fetch: readRetryingFetch(config.fetch ?? globalThis.fetch, config.retry),
  })
}
