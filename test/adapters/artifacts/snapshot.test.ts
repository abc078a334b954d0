/**
 * CloudflareArtifactsSnapshotAdapter: a session repository at a fixed commit, read through the REST
 * read routes of the stand-in, compared with a baseline read from another repository (here an
 * Artifacts durable repository; on the App, GitHub). Directory tree ids computed from the baseline
 * listing match git's, so unchanged directories cost no request.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudflareArtifactsDurableAdapter } from '../../../src/adapters/artifacts/durable.ts'
import {
  artifactsSnapshotRef,
  CloudflareArtifactsSnapshotAdapter,
} from '../../../src/adapters/artifacts/snapshot.ts'
import { listedDirectories } from '../../../src/adapters/artifacts/tree-hash.ts'
import type { WorkspaceHandle } from '../../../src/core/adapters.ts'
import { gitBlobId, type SeedFiles } from '../contract/fixtures.ts'
import { fastImportCommit } from '../local/fixtures.ts'
import { artifactsHarness } from './harness.ts'
import type { ArtifactsStandIn } from '../../support/artifacts-stand-in.ts'

const BASELINE: SeedFiles = {
  'README.md': '# Project\n',
  'src/app.ts': 'export const a = 1\n',
  'src/deep/one.ts': 'one\n',
  'src/deep/two.ts': 'two\n',
  'docs/guide.md': 'guide\n',
  'bin/run': { content: '#!/bin/sh\n', executable: true },
  link: { symlink: 'README.md' },
}

const stops: ArtifactsStandIn[] = []
afterEach(async () => {
  for (const s of stops.splice(0)) await s.stop()
})

async function setup() {
  const { standIn, client } = await artifactsHarness()
  stops.push(standIn)
  const durableDir = standIn.seedRepo('durable-repo')
  const baseline = fastImportCommit(durableDir, { branch: 'main', files: BASELINE, message: 'seed\n' })
  const sessionDir = standIn.seedRepo('gittrix-sess_abcdefghijkl')
  // The session repository's main begins with an orphan commit holding the baseline's tree.
  const orphan = fastImportCommit(sessionDir, { branch: 'main', files: BASELINE, message: 'baseline\n' })
  const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'durable-repo', branch: 'main' })
  const adapter = new CloudflareArtifactsSnapshotAdapter({ client, durable })
  const handle = (commit: string | null): WorkspaceHandle => ({
    sessionId: 'sess_abcdefghijkl',
    sessionDir: '/nonexistent',
    baselineSha: baseline,
    ephemeralRef: artifactsSnapshotRef(client, 'gittrix-sess_abcdefghijkl', commit),
  })
  const work = (files: SeedFiles, from = orphan) =>
    fastImportCommit(sessionDir, { branch: 'main', from, files, message: 'agent work\n' })
  return { standIn, client, adapter, handle, work, orphan, durableDir, baseline }
}

describe('CloudflareArtifactsSnapshotAdapter', () => {
  it('computes the tree ids git computes', async () => {
    const { durableDir, baseline, client } = await setup()
    const durable = new CloudflareArtifactsDurableAdapter({ client, repo: 'durable-repo', branch: 'main' })
    const dirs = listedDirectories(await durable.listTree(baseline))
    const tree = (rev: string) =>
      execFileSync('git', [`--git-dir=${durableDir}`, 'rev-parse', rev], { encoding: 'utf8' }).trim()
    expect(dirs.get('')!.hash).toBe(tree(`${baseline}^{tree}`))
    expect(dirs.get('src/deep')!.hash).toBe(tree(`${baseline}:src/deep`))
    expect(listedDirectories([]).get('')!.hash).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904')
  })

  it('reports every touched path against the baseline: added, modified, deleted, mode, symlink, dir↔file', async () => {
    const { adapter, handle, work } = await setup()
    const head = work({
      'src/app.ts': 'export const a = 2\n',
      'src/deep/two.ts': null,
      'NEW.md': 'new\n',
      'bin/run': { content: '#!/bin/sh\n', executable: false },
      link: { symlink: 'src/app.ts' },
      'docs/guide.md': null,
      docs: 'now a file\n',
    })
    const snap = await adapter.snapshot(handle(head))
    expect(snap.changes.map((c) => [c.path, c.status])).toEqual([
      ['NEW.md', 'added'],
      ['bin/run', 'modified'],
      ['docs', 'added'],
      ['docs/guide.md', 'deleted'],
      ['link', 'modified'],
      ['src/app.ts', 'modified'],
      ['src/deep/two.ts', 'deleted'],
    ])
    const mode = snap.changes.find((c) => c.path === 'bin/run')!
    expect(mode).toMatchObject({ oldMode: '100755', newMode: '100644' })
    expect(mode.oldOid).toBe(mode.newOid)
    const added = snap.changes.find((c) => c.path === 'NEW.md')!
    expect(added.newOid).toBe(gitBlobId(Buffer.from('new\n')))
    const blobs = await snap.blobs.readBlobs([added.newOid!])
    expect(Buffer.from(blobs.get(added.newOid!)!).toString()).toBe('new\n')
    expect(snap.blobs.location).toMatch(/^artifacts:\/\/.+\/gittrix-sess_abcdefghijkl$/)
  })

  it('reads no tree of a directory whose id equals the baseline’s', async () => {
    const { adapter, handle, work, standIn } = await setup()
    const head = work({ 'README.md': '# Changed\n' })
    const mark = standIn.requests.length
    const snap = await adapter.snapshot(handle(head))
    expect(snap.changes.map((c) => c.path)).toEqual(['README.md'])
    const trees = standIn.requests
      .slice(mark)
      .filter((r) => r.path.startsWith('/repos/gittrix-sess_abcdefghijkl/tree/'))
    // The session root only: src/, docs/, bin/ are equal to the baseline and skipped.
    expect(trees).toHaveLength(1)
  })

  it('without a commit (agent not finished) is the baseline: no changes; reads come from the durable side', async () => {
    const { adapter, handle } = await setup()
    expect((await adapter.snapshot(handle(null))).changes).toEqual([])
    expect(Buffer.from((await adapter.read(handle(null), 'src/app.ts'))!).toString()).toBe(
      'export const a = 1\n',
    )
    expect(await adapter.lastChangeAt(handle(null))).toBeNull()
  })

  it('reads, follows symlinks inside, lists; writes are CAPABILITY_MISSING', async () => {
    const { adapter, handle, work } = await setup()
    const head = work({ 'src/app.ts': 'export const a = 3\n', link: { symlink: 'src/app.ts' } })
    expect(Buffer.from((await adapter.read(handle(head), 'link'))!).toString()).toBe('export const a = 3\n')
    expect(await adapter.read(handle(head), 'missing.txt')).toBeNull()
    expect(await adapter.list(handle(head), 'src')).toEqual([
      { path: 'src/app.ts', type: 'file' },
      { path: 'src/deep', type: 'dir' },
    ])
    await expect(adapter.write(handle(head), 'x', new Uint8Array())).rejects.toMatchObject({
      code: 'CAPABILITY_MISSING',
    })
    await expect(adapter.commit(handle(head), 'm')).rejects.toMatchObject({ code: 'CAPABILITY_MISSING' })
    expect(await adapter.lastChangeAt(handle(head))).toBeGreaterThan(0)
  })

  it('destroy deletes the Artifacts repository; again is fine', async () => {
    const { adapter, handle, standIn } = await setup()
    await adapter.destroy(handle(null))
    expect(standIn.hasRepo('gittrix-sess_abcdefghijkl')).toBe(false)
    await adapter.destroy(handle(null))
  })

  it('refuses a handle of another namespace or a malformed ref', async () => {
    const { adapter, handle } = await setup()
    const bad = { ...handle(null), ephemeralRef: 'artifacts://other/ns/gittrix-sess_abcdefghijkl' }
    await expect(adapter.snapshot(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    const forged = { ...handle(null), ephemeralRef: `${handle(null).ephemeralRef}#nothex` }
    await expect(adapter.snapshot(forged)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
