/**
 * session.diff(): a git-style patch that `git apply` turns back into the session's files, and the
 * structured per-file data beside it.
 */
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter, type UserSession } from '../../src/index.ts'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'

const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xff])

describe('session diff', () => {
  let repo: { path: string; head: string }
  let store: string
  let gittrix: GitTrix
  let session: UserSession

  beforeEach(async () => {
    repo = makeRepo({
      'README.md': '# Title\n\nline 2\nline 3\n',
      'crlf.txt': 'one\r\ntwo\r\n',
      'no-eol.txt': 'last line without newline',
      'gone.txt': 'to be deleted\n',
      'script.sh': '#!/bin/sh\necho hi\n',
      'link-to-file': 'a regular file that becomes a symlink\n',
      'image.bin': BINARY,
      'src/deep/mod.ts': 'export const a = 1\n',
    })
    store = tempDir()
    gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter(),
      storeDir: store,
      sweepIntervalMs: 0,
    })
    session = await gittrix.startSession({ task: 'diff test' })
  })
  afterEach(async () => {
    await gittrix.close()
    cleanup(repo.path, store)
  })

  async function editEverything(): Promise<void> {
    const agent = session.forAgent()
    const ws = session.workspacePath!
    await agent.write('README.md', '# Title\n\nline 2 changed\nline 3\nline 4\n')
    await agent.write('crlf.txt', 'one\r\nTWO\r\n')
    await agent.write('no-eol.txt', 'last line still without newline')
    await agent.delete('gone.txt')
    chmodSync(join(ws, 'script.sh'), 0o755)
    await agent.write('new/empty.txt', '')
    await agent.write('new/café naïve "q".txt', 'unicode name\n')
    await agent.write('tab\tname.txt', 'tab in the name\n')
    await agent.write('image.bin', Buffer.concat([BINARY, Buffer.from([0x03])]))
    await agent.write('new.bin', BINARY)
    symlinkSync('src/deep/mod.ts', join(ws, 'new-link'))
    await agent.delete('link-to-file')
    symlinkSync('README.md', join(ws, 'link-to-file'))
    await agent.write('src/deep/mod.ts', 'export const a = 2\n')
    await agent.commit('agent checkpoint')
    writeFileSync(join(ws, 'after-commit.txt'), 'written after the commit, not via the API\n')
  }

  // Unfiltered local diffs are rendered by git; a path filter takes the core renderer (the `diff`
  // package, as for API-backed workspaces). Both must replay to the same tree.
  it.each([
    ['git', undefined],
    ['the core renderer', ['**']],
  ])(
    'git apply of the binary-capable patch (%s) onto the baseline reproduces every file, mode and symlink',
    async (_route, paths) => {
      await editEverything()
      const patch = await session.diff({ binary: true, ...(paths ? { paths } : {}) })
      const checkout = tempDir()
      try {
        git(repo.path, 'worktree', 'add', '--quiet', '--detach', checkout, repo.head)
        writeFileSync(join(checkout, '..', `${session.id}.patch`), patch)
        git(checkout, 'apply', '--whitespace=nowarn', join(checkout, '..', `${session.id}.patch`))
        git(checkout, 'add', '-A')
        // The applied tree is exactly the session's tree: every blob, mode, symlink and deletion.
        const ws = session.workspacePath!
        git(ws, 'add', '-A')
        expect(git(checkout, 'write-tree')).toBe(git(ws, 'write-tree'))
        expect(readFileSync(join(checkout, 'image.bin'))).toEqual(readFileSync(join(ws, 'image.bin')))
        expect(git(checkout, 'ls-files', '-s', 'script.sh')).toMatch(/^100755 /)
        expect(git(checkout, 'ls-files', '-s', 'new-link')).toMatch(/^120000 /)
        expect(git(checkout, 'ls-files', 'gone.txt')).toBe('')
      } finally {
        git(repo.path, 'worktree', 'remove', '--force', checkout)
        cleanup(checkout)
      }
    },
  )

  it.each([
    ['git', undefined],
    ['the core renderer', ['**']],
  ])(
    'git apply of the review patch (%s) reproduces every text file when there are no binary changes',
    async (_route, paths) => {
      const agent = session.forAgent()
      await agent.write('README.md', 'rewritten\n')
      await agent.write('crlf.txt', 'one\r\nthree\r\n')
      await agent.write('no-eol.txt', 'changed, still no newline')
      await agent.delete('gone.txt')
      await agent.write('новый/файл.txt', 'non-ASCII path\n')
      const patch = await session.diff(paths ? { paths } : {})
      const checkout = tempDir()
      try {
        git(repo.path, 'worktree', 'add', '--quiet', '--detach', checkout, repo.head)
        const file = join(checkout, '..', `${session.id}-text.patch`)
        writeFileSync(file, patch)
        git(checkout, 'apply', '--whitespace=nowarn', file)
        git(checkout, 'add', '-A')
        const ws = session.workspacePath!
        git(ws, 'add', '-A')
        expect(git(checkout, 'write-tree')).toBe(git(ws, 'write-tree'))
      } finally {
        git(repo.path, 'worktree', 'remove', '--force', checkout)
        cleanup(checkout)
      }
    },
  )

  it('uses git headers: new/deleted file modes, mode changes, binary and no-newline markers, quoting', async () => {
    await editEverything()
    const patch = await session.diff()
    expect(patch).toMatch(
      /diff --git a\/gone.txt b\/gone.txt\ndeleted file mode 100644\nindex [0-9a-f]{7}\.\.0000000\n--- a\/gone.txt\n\+\+\+ \/dev\/null\n@@ -1 \+0,0 @@\n-to be deleted\n/,
    )
    expect(patch).toContain(
      'diff --git a/new/empty.txt b/new/empty.txt\nnew file mode 100644\nindex 0000000..e69de29\n',
    )
    expect(patch).toContain('diff --git a/script.sh b/script.sh\nold mode 100644\nnew mode 100755\n')
    expect(patch).toContain('Binary files a/image.bin and b/image.bin differ\n')
    expect(patch).toContain('Binary files /dev/null and b/new.bin differ\n')
    expect(patch).toContain('new file mode 120000')
    expect(patch).toContain('\\ No newline at end of file')
    expect(patch).toContain('"b/tab\\tname.txt"')
    expect(patch).toContain('"b/new/caf\\303\\251 na\\303\\257ve \\"q\\".txt"')
    // The agent's checkpoint commit is not where the diff starts: it is against the baseline.
    expect(patch).toContain('+export const a = 2')
    expect(patch).toContain('after-commit.txt')
  })

  it('reports per-file status, binary flag and line counts, and totals', async () => {
    await editEverything()
    const details = await session.diffDetails()
    const byPath = new Map(details.files.map((f) => [f.path, f]))
    expect(byPath.get('README.md')).toMatchObject({
      status: 'modified',
      binary: false,
      additions: 2,
      deletions: 1,
    })
    expect(byPath.get('gone.txt')).toMatchObject({ status: 'deleted', additions: 0, deletions: 1 })
    expect(byPath.get('new/empty.txt')).toMatchObject({ status: 'added', additions: 0, deletions: 0 })
    expect(byPath.get('image.bin')).toMatchObject({
      status: 'modified',
      binary: true,
      additions: 0,
      deletions: 0,
    })
    expect(byPath.get('script.sh')).toMatchObject({
      status: 'modified',
      oldMode: '100644',
      newMode: '100755',
      additions: 0,
    })
    expect(byPath.get('link-to-file')).toMatchObject({ oldMode: '100644', newMode: '120000' })
    expect(details.additions).toBe(details.files.reduce((n, f) => n + f.additions, 0))
    expect(details.deletions).toBe(details.files.reduce((n, f) => n + f.deletions, 0))
    expect(details.files.map((f) => f.path)).toEqual([...details.files.map((f) => f.path)].sort())
  })

  it('gives the same per-file data whichever renders it (git or the core renderer)', async () => {
    await editEverything()
    const byGit = await session.diffDetails()
    const byCore = await session.diffDetails({ paths: ['**'] })
    expect(byCore.files).toEqual(byGit.files)
    expect([byCore.additions, byCore.deletions]).toEqual([byGit.additions, byGit.deletions])
    expect(byGit.files.length).toBeGreaterThan(10)
  })

  it('limits the diff to the given paths and globs', async () => {
    await editEverything()
    const patch = await session.diff({ paths: ['README.md', 'src/**'] })
    expect(patch).toContain('a/README.md')
    expect(patch).toContain('a/src/deep/mod.ts')
    expect(patch).not.toContain('gone.txt')
  })

  it('is empty for a session without changes', async () => {
    expect(await session.diff()).toBe('')
    expect((await session.diffDetails()).files).toEqual([])
  })
})
