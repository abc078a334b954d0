/**
 * diffChanges with host hunks and a budget: whole-file-only files (here: an added one) the host gave
 * hunks for need no blob read; files promotable by hunks always render from their blobs (their hunks
 * carry our ids); the others are read up to `blobReads`; rendering stops there (or at `patchBytes`) and the files after it
 * are listed with the host's line counts where it had them, `counted: false` otherwise.
 */
import { describe, expect, it } from 'vitest'
import type { DurableAdapter } from '../../src/core/adapters.ts'
import { diffChanges } from '../../src/core/diff.ts'
import type { HostTextPatch, TreeChange, WorkspaceSnapshot } from '../../src/core/types.ts'
import { gitBlobId, memoryBlobSource, utf8 } from '../adapters/contract/fixtures.ts'

const sides = {
  'a.txt': ['a\n', 'A\n'],
  'b.txt': ['b\n', 'B\n'],
  'c.txt': ['c\n', 'C\n'],
  'd.txt': ['d\n', 'D\n'],
} as const

function modified(path: keyof typeof sides): TreeChange {
  const [before, after] = sides[path]
  if (path === 'a.txt')
    return {
      path,
      status: 'added',
      oldMode: null,
      newMode: '100644',
      oldOid: null,
      newOid: gitBlobId(utf8(after)),
    }
  return {
    path,
    status: 'modified',
    oldMode: '100644',
    newMode: '100644',
    oldOid: gitBlobId(utf8(before)),
    newOid: gitBlobId(utf8(after)),
  }
}

function fixture(host: Record<string, HostTextPatch>) {
  const blobs = memoryBlobSource(Object.values(sides).flatMap(([a, b]) => [utf8(a), utf8(b)]))
  const changes = (['a.txt', 'b.txt', 'c.txt', 'd.txt'] as const).map(modified)
  const snapshot: WorkspaceSnapshot = {
    changes,
    blobs,
    textPatches: async (wanted) =>
      new Map(wanted.filter((c) => host[c.path]).map((c) => [c.path, host[c.path]!])),
  }
  const durable = {
    readBlobs: async () => {
      throw new Error('the durable side is not read: the workspace has every blob')
    },
  } as unknown as DurableAdapter
  return { snapshot, blobs, durable }
}

const hunk = (path: keyof typeof sides): HostTextPatch => ({
  hunks:
    path === 'a.txt'
      ? `@@ -0,0 +1 @@\n+${sides[path][1]}`
      : `@@ -1 +1 @@\n-${sides[path][0]}+${sides[path][1]}`,
  binary: false,
})

describe('diffChanges with host hunks and a budget', () => {
  it('stops at the blob budget; later files keep the host’s counts or are marked uncounted', async () => {
    const { snapshot, blobs, durable } = fixture({ 'a.txt': hunk('a.txt'), 'd.txt': hunk('d.txt') })
    const diff = await diffChanges(snapshot, snapshot.changes, durable, {
      budget: { patchBytes: 1_000_000, blobReads: 2 },
    })
    // a: host hunks; b: two blob reads; c: two more would exceed the budget, so rendering stops.
    expect(blobs.requested.sort()).toEqual([modified('b.txt').oldOid, modified('b.txt').newOid].sort())
    expect(diff.patch).toContain('diff --git a/a.txt b/a.txt')
    expect(diff.patch).toContain('+B')
    expect(diff.patch).not.toContain('c.txt')
    expect(diff.patch).not.toContain('d.txt')
    expect(diff.files.map((f) => [f.path, f.counted ?? true, f.additions])).toEqual([
      ['a.txt', true, 1],
      ['b.txt', true, 1],
      ['c.txt', false, 0],
      ['d.txt', true, 1],
    ])
    expect(diff.partial).toEqual({ patchedFiles: 2, countedFiles: 3 })
    expect([diff.additions, diff.deletions]).toEqual([3, 2])
    // A listed file past the budget has counts but no hunks; a rendered modified file has its ids.
    expect(diff.files.find((f) => f.path === 'd.txt')!.hunks).toBeUndefined()
    expect(diff.files.find((f) => f.path === 'b.txt')!.hunks).toEqual([
      expect.objectContaining({ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1 }),
    ])
  })

  it('renders a file promotable by hunks from its blobs even when the host gave hunks for it', async () => {
    const { snapshot, blobs, durable } = fixture({ 'b.txt': hunk('b.txt') })
    const diff = await diffChanges(snapshot, [modified('b.txt')], durable)
    expect(blobs.requested.sort()).toEqual([modified('b.txt').oldOid, modified('b.txt').newOid].sort())
    const [only] = diff.files[0]!.hunks!
    expect(diff.patch).toContain(`${only!.header}\n-b\n+B\n`)
    expect(only!.header).toMatch(/^@@ -1 \+1 @@ \[h:[0-9a-f]{8}\]$/)
  })

  it('stops once the patch holds patchBytes; without a budget every file is rendered', async () => {
    const small = fixture({})
    const one = await diffChanges(small.snapshot, small.snapshot.changes, small.durable, {
      budget: { patchBytes: 1, blobReads: 100 },
    })
    expect(one.partial).toEqual({ patchedFiles: 1, countedFiles: 1 })
    expect(small.blobs.requested).toHaveLength(1)
    const all = fixture({ 'a.txt': hunk('a.txt') })
    const full = await diffChanges(all.snapshot, all.snapshot.changes, all.durable)
    expect(full.partial).toBeUndefined()
    expect(full.files.every((f) => f.counted === undefined)).toBe(true)
    expect(all.blobs.requested).toHaveLength(6)
    expect(full.patch.match(/^diff --git/gm)).toHaveLength(4)
  })

  it('binary: true renders from the bytes, never from host hunks', async () => {
    const { snapshot, blobs, durable } = fixture({ 'a.txt': hunk('a.txt') })
    await diffChanges(snapshot, snapshot.changes, durable, { binary: true })
    expect(blobs.requested).toHaveLength(7)
  })
})
