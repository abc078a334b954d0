/**
 * Issue 13, observation 4: what a crash leaves behind never breaks a session for good, and recovery
 * finishes the job or names what is left with the command that fixes it.
 * - A kill while snapshotting leaves the private `index.lock`: later calls work (it is removed under
 *   the session lock).
 * - A kill between the ref update and the record on a checked-out durable branch: the recovery brings
 *   the work tree's index and files to the promotion, waiting out another process's `index.lock`, or,
 *   when it cannot (paths changed since), answers `WORKTREE_STALE` with the command, never a clean
 *   "Already promoted" over an index that would revert the promotion.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, git } from '../support/git-fixtures.ts'
import {
  commitsSince,
  headOf,
  makeFakeGitDir,
  makeWorld,
  metadataOnDisk,
  rejectionOf,
  startPromoteChild,
  type World,
} from './helpers.ts'

let world: World
const dirs: string[] = []
afterEach(() => {
  world.dispose()
  cleanup(...dirs.splice(0))
})

/** A session with an edit, an added and a deleted file, promoted by a child killed right after `update-ref`. */
async function landedButUnrecorded(): Promise<{ id: string; landed: string }> {
  world = makeWorld({ 'README.md': '# Project\n', 'gone.txt': 'gone\n' })
  const session = await world.gittrix().startSession({ task: 'crash after update-ref' })
  await session.write('README.md', '# Promoted\n')
  await session.write('new.txt', 'new\n')
  await session.delete('gone.txt')
  const fake = makeFakeGitDir({ FAKE_GIT_ON: 'update-ref', FAKE_GIT_ACTION: 'kill-after' })
  dirs.push(fake)
  const died = await startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], {
    fakeGit: fake,
  }).done
  expect(died.signal).toBe('SIGKILL')
  const [landed] = commitsSince(world.repo, world.head)
  expect(landed).toBeDefined()
  // What the crash left: main moved, the checked-out index and files still hold the parent.
  expect(git(world.repo, 'status', '--porcelain')).not.toBe('')
  return { id: session.id, landed: landed! }
}

describe('crash leftovers', () => {
  it("a stale index.lock of the session's private index does not break diff, files or promote", async () => {
    world = makeWorld({ 'README.md': '# Project\n' })
    const session = await world.gittrix().startSession({ task: 'stale private lock' })
    await session.write('README.md', '# changed\n')
    // What `git add -A` killed mid-way leaves.
    writeFileSync(join(world.store, session.id, 'ephemeral', 'index.lock'), '')
    const restarted = await world.gittrix().getSession(session.id)
    expect(await restarted.diff()).toContain('+# changed')
    writeFileSync(join(world.store, session.id, 'ephemeral', 'index.lock'), '')
    expect((await restarted.touchedFiles()).map((c) => c.path)).toEqual(['README.md'])
    writeFileSync(join(world.store, session.id, 'ephemeral', 'index.lock'), '')
    const outcome = await restarted.promote({ selector: { mode: 'all' } })
    expect(commitsSince(world.repo, world.head)).toEqual([outcome.sha])
  })

  it('a promotion found after a crash finishes the checked-out work tree, waiting out a held index.lock', async () => {
    const { id, landed } = await landedButUnrecorded()
    // Another git process holds the durable index for a moment.
    const lock = join(world.repo, '.git', 'index.lock')
    writeFileSync(lock, '')
    const release = sleep(4000).then(() => rmSync(lock))
    const outcome = await (await world.gittrix().getSession(id)).promote({ selector: { mode: 'all' } })
    await release
    expect(outcome).toMatchObject({ sha: landed, alreadyPromoted: true })
    expect(git(world.repo, 'status', '--porcelain')).toBe('')
    expect(readFileSync(join(world.repo, 'README.md'), 'utf8')).toBe('# Promoted\n')
    expect(existsSync(join(world.repo, 'gone.txt'))).toBe(false)
    expect(metadataOnDisk(world.store, id).state).toBe('promoted')
  })

  it('when the work tree cannot be finished, WORKTREE_STALE names the command; nothing is recorded until it is', async () => {
    const { id, landed } = await landedButUnrecorded()
    // The user edits a promoted path before anyone recovers.
    writeFileSync(join(world.repo, 'README.md'), '# edited by the user meanwhile\n')
    const error = await rejectionOf(
      (await world.gittrix().getSession(id)).promote({ selector: { mode: 'all' } }),
    )
    expect(error.code).toBe('WORKTREE_STALE')
    expect(error.sha).toBe(landed)
    expect(error.command).toBe(`git -C ${JSON.stringify(world.repo)} read-tree -m -u ${world.head} ${landed}`)
    expect(String(error.message)).toContain(String(error.command))
    expect(metadataOnDisk(world.store, id).state).toBe('active')
    expect(headOf(world.repo)).toBe(landed)

    // The user puts their edit aside and runs the command: the next promote records the promotion.
    git(world.repo, 'checkout', '--', 'README.md')
    git(world.repo, 'read-tree', '-m', '-u', world.head, landed)
    const outcome = await (await world.gittrix().getSession(id)).promote({ selector: { mode: 'all' } })
    expect(outcome).toMatchObject({ sha: landed, alreadyPromoted: true })
    expect(git(world.repo, 'status', '--porcelain')).toBe('')
    expect(commitsSince(world.repo, world.head)).toEqual([landed])
  })
})
