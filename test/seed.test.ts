/**
 * The first published Gittrix README example, unchanged except for its imports: it must run and promote exactly
 * one clean commit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter } from '../src/index.ts'
import { cleanup, git, makeRepo, tempDir } from './support/git-fixtures.ts'

describe('first README example', () => {
  let repo: { path: string; head: string }
  let sessionsRoot: string
  let store: string

  beforeEach(() => {
    repo = makeRepo({ 'README.md': '# Old title\n', 'src/app.ts': 'export {}\n' })
    sessionsRoot = tempDir()
    store = tempDir()
    process.env.GITTRIX_HOME = store
  })
  afterEach(() => {
    delete process.env.GITTRIX_HOME
    cleanup(repo.path, sessionsRoot, store)
  })

  it('runs unchanged and promotes exactly one clean commit', async () => {
    const output: string[] = []
    const log = (value: unknown) => output.push(String(value))

    // --- the first README example, verbatim apart from the import line, '/path/to/repo' and console.log ---
    const gittrix = new GitTrix({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ sessionsRootDir: sessionsRoot }),
    })
    await gittrix.init()
    const session = await gittrix.startSession({
      task: 'update docs',
      durablePath: repo.path,
      durableBranch: 'main',
    })
    const agent = session.forAgent()
    await agent.write('README.md', new TextEncoder().encode('# Updated\n'))
    await agent.commit('agent draft')
    log(await session.diff())
    await session.promote({
      selector: { mode: 'all' },
      message: 'docs: update readme',
    })
    await gittrix.close()
    // --- end of seed ---

    expect(output[0]).toContain('diff --git a/README.md b/README.md')
    expect(output[0]).toContain('-# Old title\n+# Updated\n')
    expect(git(repo.path, 'rev-list', '--count', `${repo.head}..main`)).toBe('1')
    expect(git(repo.path, 'rev-parse', 'main^')).toBe(repo.head)
    expect(git(repo.path, 'log', '-1', '--format=%B', 'main')).toBe(
      `docs: update readme\n\nGittrix-Session: ${session.id}\nGittrix-Baseline: ${repo.head}`,
    )
    expect(git(repo.path, 'diff-tree', '-r', '--name-only', '--no-commit-id', 'main')).toBe('README.md')
    expect(git(repo.path, 'show', 'main:README.md')).toBe('# Updated')
    // The agent's "agent draft" commit is not replayed, and the checked-out work tree followed the branch.
    expect(git(repo.path, 'log', '--format=%s', 'main')).not.toContain('agent draft')
    expect(git(repo.path, 'status', '--porcelain')).toBe('')
    expect((await session.info()).state).toBe('promoted')
  })
})
