/**
 * Attack: answers that turn a failure into a silent "absent" (src/adapters/artifacts/errors.ts
 * `isNotFound`, src/adapters/artifacts/client.ts `log`'s short-name fallback).
 *
 * - `isNotFound` treats Cloudflare's code 10200 as "does not exist" under ANY status ≥ 400, 5xx
 *   included, and `request` checks it before the 5xx retry: one 503 carrying 10200 on `DELETE` makes
 *   `deleteRepo` resolve `false` ("already gone") while the repository is still there, so a discard or
 *   a sweep reports a session repository deleted that is not.
 * - `log` asks a full `refs/heads/<b>` first and, on an empty answer, asks the short `<b>`, which git
 *   resolves to a TAG of that name before the branch: a branch that does not exist reads as the tag's
 *   commit (`getHead` → the tag, not `REF_NOT_FOUND`), and on a service that knows short refs only, a
 *   tag named like the durable branch replaces the branch's head.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import type { ArtifactsStandIn, ArtifactsStandInVariant } from '../../support/artifacts-stand-in.ts'
import { expectCode } from '../contract/fixtures.ts'
import { fastImportCommit } from '../local/fixtures.ts'
import { artifactsHarness } from './harness.ts'

const stands: ArtifactsStandIn[] = []
afterEach(async () => {
  await Promise.all(stands.splice(0).map((s) => s.stop()))
})

async function seeded(variant: ArtifactsStandInVariant = {}) {
  const harness = await artifactsHarness({}, variant)
  stands.push(harness.standIn)
  const gitDir = harness.standIn.seedRepo('reads')
  const head = fastImportCommit(gitDir, { branch: 'main', files: { 'a.txt': 'a\n' } })
  const decoy = fastImportCommit(gitDir, { branch: 'decoy', files: { 'evil.txt': 'x\n' } })
  return { ...harness, gitDir, head, decoy }
}

describe('a failure never reads as absent', () => {
  it('a 503 that carries code 10200 on DELETE is a failure, not "already gone"', async () => {
    const { client, standIn } = await seeded()
    standIn.inject({
      method: 'DELETE',
      path: '/repos/reads',
      status: 503,
      times: 10,
      errors: [{ code: 10200, message: 'Not found' }],
    })
    // Fails today: resolves false (absent) on the first 503, without a retry.
    await expectCode(client.deleteRepo('reads'), 'ADAPTER_UNAVAILABLE')
    expect(await client.getRepo('reads')).not.toBeNull()
  })

  it('a 401 that carries code 10200 is an authentication failure, not an absent repository', async () => {
    const { client, standIn } = await seeded()
    standIn.inject({
      method: 'GET',
      path: '/repos/reads',
      status: 401,
      times: 10,
      errors: [{ code: 10200, message: 'Not found' }],
    })
    // Fails today: getRepo resolves null.
    await expectCode(client.getRepo('reads'), 'AUTH_FAILED')
  })
})

describe("a branch's head is never a tag's", () => {
  it('a branch that does not exist is REF_NOT_FOUND even when a tag of its name does', async () => {
    const { client, gitDir, decoy } = await seeded()
    execFileSync('git', [`--git-dir=${gitDir}`, 'tag', 'release', decoy])
    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'reads', branch: 'release' })
    // Fails today: the full ref reads [], the short name `release` resolves to the tag → its commit.
    await expectCode(durable.getHead('release'), 'REF_NOT_FOUND')
  })

  it('on a service that knows short refs only, a tag named like the branch does not replace its head', async () => {
    const { client, gitDir, head, decoy } = await seeded({ refs: 'short-only' })
    execFileSync('git', [`--git-dir=${gitDir}`, 'tag', 'main', decoy])
    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'reads', branch: 'main' })
    // Fails today: resolves the tag's commit (git resolves a short name to refs/tags/ before refs/heads/).
    const read = await durable.getHead('main').catch((error: Error) => error)
    expect(read).not.toBe(decoy)
    if (typeof read === 'string') expect(read).toBe(head)
  })
})
