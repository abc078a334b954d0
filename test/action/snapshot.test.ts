/**
 * The work-tree snapshot of finish (action/lib/snapshot.ts) on what an agent can leave: paths git
 * refuses, nested repositories (with and without commits), a file over GitHub's limit (a sparse file),
 * and a clean filter configured to run its code. Nothing is lost silently, nothing runs.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_FILE_BYTES, snapshotWorkTree } from '../../action/lib/snapshot.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'

const dirs: string[] = []
afterEach(() => cleanup(...dirs.splice(0)))

function ls(repo: string, tree: string): string[] {
  return git(repo, 'ls-tree', '-r', '--format=%(objectmode) %(path)', tree).split('\n').filter(Boolean)
}

describe('snapshotWorkTree', () => {
  it('skips and reports what git cannot take, captures nested repositories as files, records the rest', async () => {
    const repo = makeRepo({ 'README.md': '# P\n', 'big.bin': 'small\n' }).path
    dirs.push(repo)
    const head = git(repo, 'rev-parse', 'HEAD')
    writeFileSync(join(repo, 'new.txt'), 'new\n')
    mkdirSync(join(repo, '.GIT'))
    writeFileSync(join(repo, '.GIT', 'x'), 'case-folded git dir\n')
    // A nested repository with a commit (would be a dangling gitlink) and an empty one (add refuses it).
    const full = join(repo, 'vendor', 'full')
    mkdirSync(full, { recursive: true })
    git(full, 'init', '-q')
    writeFileSync(join(full, 'f.txt'), 'nested\n')
    git(full, 'add', 'f.txt')
    git(full, 'commit', '-qm', 'nested')
    const empty = join(repo, 'empty')
    mkdirSync(empty)
    git(empty, 'init', '-q')
    writeFileSync(join(empty, 'e.txt'), 'uncommitted in a nested repo\n')
    // Over 100 MiB, sparse: costs no disk.
    const fd = openSync(join(repo, 'big.bin'), 'w')
    ftruncateSync(fd, MAX_FILE_BYTES + 1)
    closeSync(fd)
    const huge = openSync(join(repo, 'huge-new.bin'), 'w')
    ftruncateSync(huge, MAX_FILE_BYTES + 1)
    closeSync(huge)

    const snapshot = await snapshotWorkTree({
      workTree: repo,
      objectsDir: join(repo, '.git', 'objects'),
      base: head,
    })
    try {
      expect(ls(repo, snapshot.tree).sort()).toEqual(
        [
          '100644 README.md',
          '100644 big.bin',
          '100644 empty/e.txt',
          '100644 new.txt',
          '100644 vendor/full/f.txt',
        ].sort(),
      )
      // The big file kept its previous version.
      expect(git(repo, 'cat-file', 'blob', `${snapshot.tree}:big.bin`)).toBe('small')
      expect(snapshot.skipped.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
        { path: '.GIT/x', reason: 'invalid-path' },
        { path: 'big.bin', reason: 'too-large' },
        { path: 'huge-new.bin', reason: 'too-large' },
      ])
      expect(snapshot.flattened.sort()).toEqual(['empty', 'vendor/full'])
    } finally {
      await snapshot.dispose()
    }
  })

  it('never runs a clean filter, fsmonitor or hook the agent configured', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' }).path
    const traps = tempDir('gittrix-snap-traps-')
    dirs.push(repo, traps)
    const trap = join(traps, 'trap.sh')
    writeFileSync(trap, `#!/bin/sh\necho ran >> "${join(traps, 'ran')}"\ncat\n`)
    chmodSync(trap, 0o755)
    git(repo, 'config', 'filter.evil.clean', trap)
    git(repo, 'config', 'core.fsmonitor', trap)
    writeFileSync(join(repo, '.git', 'info', 'attributes'), '* filter=evil\n')
    writeFileSync(join(repo, 'b.txt'), 'b\n')
    execFileSync('git', ['add', '-A', '--dry-run'], { cwd: repo, stdio: 'ignore' })
    expect(existsSync(join(traps, 'ran'))).toBe(true) // the trap is real
    execFileSync('rm', [join(traps, 'ran')])
    const snapshot = await snapshotWorkTree({
      workTree: repo,
      objectsDir: join(repo, '.git', 'objects'),
      base: git(repo, 'rev-parse', 'HEAD'),
    })
    await snapshot.dispose()
    expect(existsSync(join(traps, 'ran'))).toBe(false)
    expect(git(repo, 'cat-file', 'blob', `${snapshot.tree}:b.txt`)).toBe('b')
  })
})
