/**
 * The shared adapter contracts (test/contract) against the Code Storage adapters, through the real
 * `@pierre/storage` SDK talking to the stand-in (git-backed, JWT-checking) via its `fetch` option.
 */
import { describeDurableContract } from '../contract/durable-contract.ts'
import { describeEphemeralContract } from '../contract/ephemeral-contract.ts'
import { codeStorageDurableFixture, codeStorageEphemeralFixture } from './harness.ts'

describeDurableContract('CodeStorageDurableAdapter (SDK on the stand-in)', codeStorageDurableFixture)
describeEphemeralContract(
  'CodeStorageEphemeralAdapter on its own durable repository (SDK on the stand-in)',
  codeStorageEphemeralFixture('code-storage'),
)
describeEphemeralContract(
  'CodeStorageEphemeralAdapter with a local durable repository (SDK on the stand-in)',
  codeStorageEphemeralFixture('local'),
)
