/**
 * The shared adapter contracts (test/adapters/contract) against both Artifacts adapters on the loopback
 * stand-in: REST control plane plus `git http-backend` checking the repo token on every git request.
 * Once with the stand-in's default answers, then once per undocumented behaviour it can vary
 * (docs/artifacts.md#what-rests-on-the-documentation): each must work, or fail clearly.
 */
import type { ArtifactsStandInVariant } from '../../support/artifacts-stand-in.ts'
import { describeDurableContract } from '../contract/durable-contract.ts'
import { describeEphemeralContract } from '../contract/ephemeral-contract.ts'
import { artifactsDurableFixture, artifactsEphemeralFixture } from './harness.ts'

const VARIANTS: Record<string, ArtifactsStandInVariant> = {
  'binding shapes': {},
  'wrapped bodies, ISO dates, snake_case': { bodies: 'wrapped', timestamps: 'iso', fields: 'snake' },
  'millisecond dates': { timestamps: 'milliseconds' },
  'short refs only': { refs: 'short-only' },
  'not found as 10200 under HTTP 400': { notFoundStatus: 400 },
}

for (const [name, variant] of Object.entries(VARIANTS)) {
  describeDurableContract(`CloudflareArtifactsDurableAdapter (loopback stand-in: ${name})`, (files) =>
    artifactsDurableFixture(files, variant),
  )
  describeEphemeralContract(`CloudflareArtifactsEphemeralAdapter (loopback stand-in: ${name})`, () =>
    artifactsEphemeralFixture(variant),
  )
}
