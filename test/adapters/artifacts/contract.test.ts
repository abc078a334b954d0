/**
 * The shared adapter contracts (test/adapters/contract) against both Artifacts adapters on the loopback
 * stand-in: REST control plane plus `git http-backend` checking the repo token on every git request.
 */
import { describeDurableContract } from '../contract/durable-contract.ts'
import { describeEphemeralContract } from '../contract/ephemeral-contract.ts'
import { artifactsDurableFixture, artifactsEphemeralFixture } from './harness.ts'

describeDurableContract('CloudflareArtifactsDurableAdapter (loopback stand-in)', artifactsDurableFixture)
describeEphemeralContract(
  'CloudflareArtifactsEphemeralAdapter (loopback stand-in)',
  artifactsEphemeralFixture,
)
