/**
 * GitRepo.copyObjectsFrom (src/git/repo.ts): `pack-objects` in the source piped into `index-pack` in
 * the target through pipeGit (src/git/run-git.ts), git process to git process. The content arrives
 * byte for byte, also when it is far larger than a pipe's buffer, and a failure names the command that
 * failed (the source's, not the truncated pack's).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { GitRepo } from '../../src/git/repo.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'

const dirs: string[] = []
afterEach(() => cleanup(...dirs.splice(0)))

function bareRepo(): GitRepo {
  const dir = tempDir('gittrix-copy-objects-')
  dirs.push(dir)
  execFileSync('git', ['init', '--quiet', '--bare', dir])
  return new GitRepo({ gitDir: dir })
}

describe('copyObjectsFrom', () => {
  it('copies blobs larger than a pipe buffer byte for byte', async () => {
    const source = bareRepo()
    const target = bareRepo()
    // Random bytes do not compress: the pack is as large as the blob (64 KiB pipe buffers, many times over).
    const big = randomBytes(3 * 1024 * 1024)
    const [bigOid, smallOid] = await source.writeBlobs([big, Buffer.from('small\n')])
    await target.copyObjectsFrom(source, [bigOid!, smallOid!])
    const copied = await target.readObjects([bigOid!, smallOid!])
    expect(Buffer.from(copied.get(bigOid!)!).equals(big)).toBe(true)
    expect(Buffer.from(copied.get(smallOid!)!).toString()).toBe('small\n')
  })

  it('names pack-objects when the source lacks an object, and adds nothing to the target', async () => {
    const source = bareRepo()
    const target = bareRepo()
    const [present] = await source.writeBlobs([Buffer.from('present\n')])
    const absent = 'f'.repeat(40)
    const error = (await target.copyObjectsFrom(source, [present!, absent]).then(
      () => null,
      (e: unknown) => e,
    )) as { code?: string; message?: string } | null
    expect(error?.code).toBe('GIT_FAILED')
    expect(error?.message).toContain('pack-objects')
    expect(await target.missingObjects([present!])).toEqual([present])
  })
})
