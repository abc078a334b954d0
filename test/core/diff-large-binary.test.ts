/**
 * A large binary file is diffed from its first 8,000 bytes, never read whole (issue 15, target 5):
 * diffChanges asks the blob source for sizes and reads only the head of a large side
 * (`BlobSource.blobSizes` / `readBlobHead`), then renders `Binary files … differ` as git does; a large
 * text file, a small binary one, and a `git apply`-able binary patch still read their blobs whole. Real
 * git for the local adapter and GitRepo; the memory itself is measured by `npm run bench -- --only big`.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { DurableAdapter } from '../../src/core/adapters.ts'
import { diffChanges } from '../../src/core/diff.ts'
import type { BlobSource, TreeChange, WorkspaceSnapshot } from '../../src/core/types.ts'
import { GitRepo } from '../../src/git/repo.ts'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter } from '../../src/index.ts'
import { gitBlobId, memoryBlobSource } from '../adapters/contract/fixtures.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'

const MiB = 1024 * 1024
const dirs: string[] = []
afterEach(() => cleanup(...dirs.splice(0)))

/** `size` bytes with a NUL early (binary, as git decides) or none (text). */
function content(size: number, binary: boolean): Buffer {
  const bytes = Buffer.alloc(size, 0x61)
  for (let i = 99; i < size; i += 100) bytes[i] = 0x0a
  if (binary) bytes[10] = 0
  return bytes
}

function added(path: string, bytes: Uint8Array): TreeChange {
  return { path, status: 'added', oldMode: null, newMode: '100644', oldOid: null, newOid: gitBlobId(bytes) }
}

/** A blob source over `blobs` that records what was read whole and what only by its head. */
function recording(blobs: Uint8Array[]) {
  const inner = memoryBlobSource(blobs)
  const whole: string[] = []
  const headed: string[] = []
  const source: BlobSource = {
    readBlobs: async (oids) => {
      whole.push(...oids)
      return inner.readBlobs(oids)
    },
    blobSizes: async (oids) => {
      const all = await inner.readBlobs(oids)
      return new Map([...all].map(([oid, bytes]) => [oid, bytes.byteLength]))
    },
    readBlobHead: async (oid, maxBytes) => {
      headed.push(oid)
      return (await inner.readBlobs([oid])).get(oid)!.subarray(0, maxBytes)
    },
  }
  return { source, whole, headed }
}

const durable = {
  readBlobs: async () => {
    throw new Error('the durable side is not read: the workspace has every blob')
  },
} as unknown as DurableAdapter

describe('diffing large binary files', () => {
  it('reads only the head of a large binary side; large text, small binary and binary patches read whole', async () => {
    const bigBinary = content(3 * MiB, true)
    const bigText = content(2 * MiB, false)
    const smallBinary = content(10_000, true)
    const { source, whole, headed } = recording([bigBinary, bigText, smallBinary])
    // `mixed.dat` goes from a small binary file to the large text: binary, yet the same text added as
    // `twin.txt` must still show whole (a head standing in for it would hide the rest of the file).
    const mixed: TreeChange = {
      path: 'mixed.dat',
      status: 'modified',
      oldMode: '100644',
      newMode: '100644',
      oldOid: gitBlobId(smallBinary),
      newOid: gitBlobId(bigText),
    }
    const changes = [
      added('big.bin', bigBinary),
      added('big.txt', bigText),
      mixed,
      added('small.bin', smallBinary),
      added('twin.txt', bigText),
    ]
    const snapshot: WorkspaceSnapshot = { changes, blobs: source }
    const diff = await diffChanges(snapshot, changes, durable)
    expect(diff.patch).toContain('Binary files /dev/null and b/big.bin differ\n')
    expect(diff.patch).toContain('Binary files /dev/null and b/small.bin differ\n')
    expect(diff.patch).toContain('Binary files a/mixed.dat and b/mixed.dat differ\n')
    for (const path of ['big.txt', 'twin.txt'])
      expect(diff.files.find((f) => f.path === path)).toMatchObject({ binary: false, additions: 20972 })
    expect(headed.sort()).toEqual([gitBlobId(bigBinary), gitBlobId(bigText)].sort())
    expect(whole).not.toContain(gitBlobId(bigBinary))
    expect(whole).toEqual(expect.arrayContaining([gitBlobId(bigText), gitBlobId(smallBinary)]))

    // A git apply-able binary patch needs every byte.
    const patch = recording([bigBinary])
    const binaryPatch = await diffChanges(
      { changes: [changes[0]!], blobs: patch.source },
      [changes[0]!],
      durable,
      { binary: true },
    )
    expect(binaryPatch.patch).toContain('GIT binary patch')
    expect(patch.whole).toEqual([gitBlobId(bigBinary)])
  })

  it('GitRepo reads a blob head with one process stopped early, and a small blob whole', async () => {
    const repo = makeRepo({ 'README.md': '# x\n' })
    dirs.push(repo.path)
    const big = randomBytes(3 * MiB)
    writeFileSync(join(repo.path, 'big'), big)
    writeFileSync(join(repo.path, 'small'), 'tiny\n')
    const oid = git(repo.path, 'hash-object', '-w', 'big')
    const small = git(repo.path, 'hash-object', '-w', 'small')
    const gitRepo = new GitRepo({ gitDir: `${repo.path}/.git` })
    expect(Buffer.from(await gitRepo.readBlobHead(oid, 8000))).toEqual(big.subarray(0, 8000))
    expect(Buffer.from(await gitRepo.readBlobHead(small, 8000)).toString()).toBe('tiny\n')
    expect(await gitRepo.objectSizes([oid, small, 'f'.repeat(40)])).toEqual(
      new Map([
        [oid, 3 * MiB],
        [small, 5],
      ]),
    )
  })

  it('a local session diffs a large binary file as git does', async () => {
    const repo = makeRepo({ 'README.md': '# x\n' })
    const store = tempDir()
    dirs.push(repo.path, store)
    const gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
      storeDir: store,
      sweepIntervalMs: 0,
    })
    try {
      const session = await gittrix.startSession({ task: 'big binary' })
      await session.write('big.bin', content(3 * MiB, true))
      const diff = await session.diffDetails()
      expect(diff.files).toEqual([
        expect.objectContaining({ path: 'big.bin', status: 'added', binary: true, additions: 0 }),
      ])
      expect(diff.patch).toMatch(
        /^diff --git a\/big\.bin b\/big\.bin\nnew file mode 100644\nindex 0{7}\.\.[0-9a-f]{7}\n/,
      )
      expect(diff.patch).toContain('Binary files /dev/null and b/big.bin differ\n')
    } finally {
      await gittrix.close()
    }
  })
})
