/**
 * The shared adapter contracts run against the local adapters: the durable contract on a non-bare
 * repository whose branch is checked out and on a bare repository; the ephemeral contract on each
 * workspace kind. Local-only behaviour is in the other test/adapters/local/*.test.ts.
 */
import { describeDurableContract } from '../contract/durable-contract.ts'
import { describeEphemeralContract } from '../contract/ephemeral-contract.ts'
import { localDurableFixture, localEphemeralFixture } from './fixtures.ts'

describeDurableContract(
  'LocalDurableAdapter (non-bare, branch checked out)',
  localDurableFixture('checked-out'),
)
describeDurableContract('LocalDurableAdapter (bare)', localDurableFixture('bare'))

describeEphemeralContract('LocalEphemeralAdapter (clone)', localEphemeralFixture('clone'))
describeEphemeralContract('LocalEphemeralAdapter (worktree)', localEphemeralFixture('worktree'))
describeEphemeralContract('LocalEphemeralAdapter (copy)', localEphemeralFixture('copy'))
