/**
 * The shared adapter contracts (test/contract) against the Code Storage adapters, through the real
 * `@pierre/storage` SDK talking to the stand-in (git-backed, JWT-checking) via its `fetch` option.
 */
import { describeDurableContract } from '../../contract/durable-contract.ts'
import { codeStorageDurableFixture } from './harness.ts'

describeDurableContract('CodeStorageDurableAdapter (SDK on the stand-in)', codeStorageDurableFixture)
