/**
 * removeTree removes what `rm -rf` removes, on the real file system: nested directories with many
 * entries, read-only files (as git writes its objects), symlinks (removed, never followed: their
 * targets stay), a missing path, a lone file. Its memory is measured in `npm run bench` (the
 * 100,000-file rows), not here.
 */
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { removeTree } from '../../src/core/remove-tree.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) cleanup(dir)
})

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  )
}

describe('removeTree', () => {
  it('removes a nested tree with read-only files and symlinks, never following a link', async () => {
    const root = tempDir('gittrix-rm-')
    dirs.push(root)
    const outside = join(root, 'outside')
    await mkdir(outside)
    await writeFile(join(outside, 'keep.txt'), 'kept\n')
    const tree = join(root, 'tree')
    for (let d = 0; d < 3; d++) {
      const dir = join(tree, `d${d}`, 'deeper', 'deepest')
      await mkdir(dir, { recursive: true })
      // More files than the unlinks kept in flight, in one directory.
      for (let f = 0; f < 150; f++) await writeFile(join(dir, `f${f}.txt`), `${f}\n`)
    }
    await mkdir(join(tree, 'empty'))
    await writeFile(join(tree, 'object'), 'x', { mode: 0o444 })
    await symlink(outside, join(tree, 'link-to-dir'))
    await symlink(join(outside, 'keep.txt'), join(tree, 'link-to-file'))
    await symlink(join(root, 'nowhere'), join(tree, 'dangling'))

    await removeTree(tree)
    expect(await exists(tree)).toBe(false)
    expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('kept\n')
    expect(await readdir(root)).toEqual(['outside'])
  })

  it('is fine with a missing path, removes a lone file or symlink', async () => {
    const root = tempDir('gittrix-rm-')
    dirs.push(root)
    await removeTree(join(root, 'missing'))
    await writeFile(join(root, 'file'), 'f')
    await removeTree(join(root, 'file'))
    await symlink(root, join(root, 'self'))
    await removeTree(join(root, 'self'))
    expect(await readdir(root)).toEqual([])
    expect(await exists(root)).toBe(true)
  })
})
