/**
 * Whole sessions through `GitTrix` with Code Storage: fully on Code Storage (durable branch and
 * ephemeral workspace in one repository), and a local durable repository with a Code Storage workspace.
 * Each runs start → write → diff → promote, and a drifted durable branch refuses the overlapping file
 * and lands the disjoint one on the moved head.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { CodeStorageDurableAdapter } from '../../../src/adapters/code-storage/durable.ts'
import { CodeStorageEphemeralAdapter } from '../../../src/adapters/code-storage/ephemeral.ts'
import { LocalDurableAdapter } from '../../../src/adapters/local/durable.ts'
import type { DurableAdapter } from '../../../src/core/adapters.ts'
import { GitTrix } from '../../../src/core/gittrix.ts'
import { expectCode } from '../contract/fixtures.ts'
import { branchHead, commitLocal, makeLocalRepo, readCommit, readGitTree } from '../local/fixtures.ts'
import { cleanup, tempDir } from '../../support/git-fixtures.ts'
import { codeStorageHarness } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const SEED = {
  'README.md': '# Project\n',
  'src/app.ts': 'export const app = 1\n',
  'del/me.txt': 'delete me\n',
}

async function runSession(options: {
  durable: DurableAdapter
  ephemeral: CodeStorageEphemeralAdapter
  repo: { path: string; gitDir: string }
  workspaceBranches: () => Promise<string[]>
}) {
  const { durable, ephemeral, repo } = options
  const storeDir = tempDir('gittrix-code-storage-store-')
  cleanups.push(() => cleanup(storeDir))
  const gittrix = new GitTrix({ durable, ephemeral, storeDir, sweepIntervalMs: 0 })
  cleanups.push(() => gittrix.close())
  const initial = branchHead(repo.gitDir, 'main')!

  // start → write → diff → promote
  const first = await gittrix.startSession({ task: 'code storage session' })
  expect(await options.workspaceBranches()).toContain(`gittrix/${first.id}`)
  await first.write('src/app.ts', 'export const app = 2\n')
  await first.write('added.txt', 'added\n')
  await first.forAgent().delete('del/me.txt')
  const diff = await first.diff()
  expect(diff).toContain('+export const app = 2')
  expect(diff).toContain('deleted file mode 100644')
  const promoted = await first.promote({ selector: { mode: 'all' }, strategy: 'commit' })
  expect(branchHead(repo.gitDir, 'main')).toBe(promoted.sha)
  expect(readCommit(repo.gitDir, promoted.sha).parents).toEqual([initial])
  const tree = readGitTree(repo.gitDir, promoted.sha)
  expect(tree.get('src/app.ts')!.bytes.toString()).toBe('export const app = 2\n')
  expect(tree.get('added.txt')!.bytes.toString()).toBe('added\n')
  expect(tree.has('del/me.txt')).toBe(false)
  expect(await durable.findPromotion({ branch: 'main', sessionId: first.id, baselineSha: initial })).toBe(
    promoted.sha,
  )

  // conflict: the durable branch drifts on a file the session also changed
  const second = await gittrix.startSession({ task: 'drift' })
  await second.write('src/app.ts', 'ours\n')
  await second.write('other.txt', 'other\n')
  const drift = commitLocal(repo, { 'src/app.ts': 'theirs\n' }, { message: 'someone else\n' })
  const conflict = await expectCode(second.promote({ selector: { mode: 'all' } }), 'BASELINE_CONFLICT')
  expect((conflict as unknown as { conflictingFiles: string[] }).conflictingFiles).toEqual(['src/app.ts'])
  expect(branchHead(repo.gitDir, 'main')).toBe(drift)
  const disjoint = await second.promote({ selector: { mode: 'files', files: ['other.txt'] } })
  expect(readCommit(repo.gitDir, disjoint.sha).parents).toEqual([drift])
  expect(readGitTree(repo.gitDir, disjoint.sha).get('src/app.ts')!.bytes.toString()).toBe('theirs\n')
}

describe('GitTrix with Code Storage', () => {
  it('fully on Code Storage: a durable branch and ephemeral workspaces in one repository', async () => {
    const { standIn, storage } = await codeStorageHarness()
    cleanups.push(() => standIn.stop())
    const gitDir = await standIn.seedRepo('app')
    const repo = { path: gitDir, gitDir }
    commitLocal(repo, SEED, { message: 'seed\n' })
    await runSession({
      durable: new CodeStorageDurableAdapter({ storage, repo: 'app', branch: 'main' }),
      ephemeral: new CodeStorageEphemeralAdapter({ storage, repo: 'app' }),
      repo,
      workspaceBranches: () => standIn.ephemeralBranches('app'),
    })
    // Workspaces stayed in the ephemeral namespace: the default namespace has only main.
    expect(readGitTree(gitDir, 'main').size).toBeGreaterThan(0)
    const heads = execFileSync('git', [
      `--git-dir=${gitDir}`,
      'for-each-ref',
      '--format=%(refname)',
      'refs/heads/',
    ])
    expect(heads.toString().trim().split('\n')).toEqual(['refs/heads/main'])
  })

  it('a local durable repository with a Code Storage workspace', async () => {
    const { standIn, storage } = await codeStorageHarness()
    cleanups.push(() => standIn.stop())
    await standIn.seedRepo('workspaces')
    const repo = makeLocalRepo('bare')
    cleanups.push(() => cleanup(repo.path))
    commitLocal(repo, SEED, { message: 'seed\n' })
    await runSession({
      durable: new LocalDurableAdapter({ path: repo.path, branch: 'main' }),
      ephemeral: new CodeStorageEphemeralAdapter({ storage, repo: 'workspaces' }),
      repo,
      workspaceBranches: () => standIn.ephemeralBranches('workspaces'),
    })
  })
})
