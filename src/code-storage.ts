/**
 * `gittrix/code-storage`: Code Storage (Pierre) as Gittrix storage, on the official SDK
 * `@pierre/storage` (an optional peer dependency: install it beside gittrix to use this entry). The
 * configuration (organisation name + signing key or pre-minted token, from options or the
 * environment), the read-retrying `fetch`, and the durable and ephemeral adapters. See
 * docs/code-storage.md.
 */
export {
  CODE_STORAGE_ENV,
  type CodeStorageConfig,
  codeStorageConfigFromEnv,
  createCodeStorageClient,
  describeCodeStorage,
} from './adapters/code-storage/client.ts'
export {
  CodeStorageDurableAdapter,
  type CodeStorageDurableAdapterOptions,
} from './adapters/code-storage/durable.ts'
export {
  CodeStorageEphemeralAdapter,
  type CodeStorageEphemeralAdapterOptions,
} from './adapters/code-storage/ephemeral.ts'
export { codeStorageError } from './adapters/code-storage/errors.ts'
export { type ReadRetryOptions, readRetryingFetch } from './adapters/code-storage/retry.ts'
