/**
 * Issue 13, observation 6: promotions onto a checked-out durable branch while other processes work on
 * it. Promotions from different session stores at once all land (none is told `WORKTREE_DIRTY`
 * because another held `.git/index.lock` or was half-way through its own work-tree update); a user's
 * git holding the index is waited for; a rollback is a compare-and-swap, so a commit that landed on
 * top meanwhile is never undone (the branch never moves backwards) and the answer says what happened.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, git, tempDir } from '../support/git-fixtures.ts'
import {
  changedBy,
  commitsSince,
  headOf,
  makeFakeGitDir,
  makeWorld,
  parentsOf,
  REAL_GIT,
  rejectionOf,
  startPromoteChild,
  type ChildResult,
  type World,
} from './helpers.ts'

let world: World
const dirs: string[] = []
afterEach(() => {
  world.dispose()
  cleanup(...dirs.splice(0))
})

describe('promotions onto a checked-out branch from several processes', () => {
  it('three stores promoting at once all land, linearly, with a clean work tree', async () => {
    world = makeWorld({ 'README.md': '# Project\n' })
    const stores = [world.store, tempDir('gittrix-store-b-'), tempDir('gittrix-store-c-')]
    dirs.push(...stores.slice(1))
    const sessions: { store: string; id: string }[] = []
    for (const [i, store] of stores.entries()) {
      for (let j = 0; j < 2; j++) {
        const session = await world.gittrix({ storeDir: store }).startSession({ task: `store ${i}.${j}` })
        await session.write(`s${i}-${j}/file.txt`, `from store ${i}, session ${j}\n`)
        sessions.push({ store, id: session.id })
      }
    }
    const goFile = join(dirs[0]!, 'go')
    const children = stores.map((store) =>
      startPromoteChild(
        { repo: world.repo, store },
        sessions
          .filter((s) => s.store === store)
          .map((s) => ({ id: s.id, selector: { mode: 'all' as const } })),
        { goFile },
      ),
    )
    await Promise.all(children.map((c) => c.ready))
    writeFileSync(goFile, '')
    const results: ChildResult[] = (await Promise.all(children.map((c) => c.done))).flatMap((d) => d.results)
    expect(results.filter((r) => !r.ok)).toEqual([])
    const commits = commitsSince(world.repo, world.head)
    expect(commits).toHaveLength(6)
    for (let i = 0; i < commits.length; i++)
      expect(parentsOf(world.repo, commits[i]!)).toEqual([commits[i + 1] ?? world.head])
    expect(git(world.repo, 'status', '--porcelain')).toBe('')
  })

  it("another process's index.lock is waited for, not reported as WORKTREE_DIRTY", async () => {
    world = makeWorld({ 'README.md': '# Project\n' })
    const session = await world.gittrix().startSession({ task: 'index held' })
    await session.write('README.md', '# promoted\n')
    const lock = join(world.repo, '.git', 'index.lock')
    writeFileSync(lock, '')
    const release = sleep(2500).then(() => rmSync(lock))
    const outcome = await session.promote({ selector: { mode: 'all' } })
    await release
    expect(commitsSince(world.repo, world.head)).toEqual([outcome.sha])
    expect(git(world.repo, 'status', '--porcelain')).toBe('')
  })

  it('a rollback never undoes a commit made on top meanwhile: WORKTREE_STALE, the branch keeps moving forward', async () => {
    world = makeWorld({ 'README.md': '# Project\n', 'other.txt': 'other\n' })
    const session = await world.gittrix().startSession({ task: 'rollback race' })
    await session.write('README.md', '# promoted\n')
    // Between the ref update and the real work-tree update (the 3rd read-tree: after the tree build and the dry run): the user edits the
    // promoted file, and another writer commits on top of the promotion.
    const hook = join(world.store, 'hook.sh')
    const idx = join(world.store, 'hook.index')
    writeFileSync(
      hook,
      [
        `printf '# the user edits it\\n' > '${join(world.repo, 'README.md')}'`,
        `G='${REAL_GIT}'; D='${join(world.repo, '.git')}'`,
        'parent=$("$G" --git-dir="$D" rev-parse refs/heads/main)',
        `GIT_INDEX_FILE='${idx}' "$G" --git-dir="$D" read-tree "$parent"`,
        `blob=$(printf 'on top\\n' | "$G" --git-dir="$D" hash-object -w --stdin)`,
        `GIT_INDEX_FILE='${idx}' "$G" --git-dir="$D" update-index --add --cacheinfo "100644,$blob,on-top.txt"`,
        `tree=$(GIT_INDEX_FILE='${idx}' "$G" --git-dir="$D" write-tree)`,
        'top=$(echo "on top" | "$G" --git-dir="$D" commit-tree "$tree" -p "$parent")',
        '"$G" --git-dir="$D" update-ref refs/heads/main "$top" "$parent"',
        '',
      ].join('\n'),
    )
    const fake = makeFakeGitDir({
      FAKE_GIT_ON: 'read-tree',
      FAKE_GIT_ACTION: 'hook',
      FAKE_GIT_HOOK: hook,
      FAKE_GIT_NTH: '3',
    })
    dirs.push(fake)
    const { results } = await startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], {
      fakeGit: fake,
    }).done
    const result = results[0] as Extract<ChildResult, { ok: false }>
    expect(result.ok).toBe(false)
    expect(result.error.code).toBe('WORKTREE_STALE')
    const [top, promotion] = commitsSince(world.repo, world.head)
    expect(git(world.repo, 'log', '-1', '--format=%s', top!)).toBe('on top')
    expect(parentsOf(world.repo, top!)).toEqual([promotion])
    expect(changedBy(world.repo, promotion!)).toEqual({ 'README.md': 'M' })
    expect(headOf(world.repo)).toBe(top) // not moved back to the baseline
    expect((await session.info()).state).toBe('active')
    const again = await rejectionOf(session.promote({ selector: { mode: 'all' } }))
    expect(again.code).toBe('WORKTREE_STALE')
  })
})
