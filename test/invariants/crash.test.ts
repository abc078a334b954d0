/**
 * Invariant 7 (nothing lost): a process killed at several points of a promotion leaves the old state or
 * the new state, never a mix; stale locks of the dead process do not block; a new GitTrix over the same
 * store finishes with exactly one promotion commit (found by its trailer when it had already landed);
 * metadata is never half-written. No hooks in src: a fake `git` first on PATH SIGKILLs the node process.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cleanup, git } from '../support/git-fixtures.ts'
import {
  changedBy,
  commitsSince,
  entryAt,
  headOf,
  makeFakeGitDir,
  makeWorld,
  metadataOnDisk,
  parentsOf,
  startPromoteChild,
} from './helpers.ts'

/** Where the promoting process dies: at which git subcommand, before or after it ran. */
const KILL_POINTS: { on: string; when: 'kill-before' | 'kill-after'; landed: boolean }[] = [
  { on: 'add', when: 'kill-before', landed: false }, // snapshotting the workspace
  { on: 'diff-index', when: 'kill-after', landed: false }, // right after computing touched files
  { on: 'index-pack', when: 'kill-after', landed: false }, // blobs copied into the durable repository
  { on: 'commit-tree', when: 'kill-before', landed: false },
  { on: 'commit-tree', when: 'kill-after', landed: false }, // commit object exists, no ref points to it
  { on: 'update-ref', when: 'kill-before', landed: false },
  { on: 'update-ref', when: 'kill-after', landed: true }, // ref moved, nothing recorded yet
]

describe('invariant 7: a promotion killed at any point leaves the old or the new state', () => {
  it.concurrent.each(KILL_POINTS)('killed $when $on', async ({ on, when, landed }) => {
    const world = makeWorld({ 'README.md': '# Project\n', 'keep.txt': 'keep\n', 'gone.txt': 'gone\n' })
    const fake = makeFakeGitDir({ FAKE_GIT_ON: on, FAKE_GIT_ACTION: when })
    try {
      const gittrix = world.gittrix()
      const session = await gittrix.startSession({ task: `crash at ${on}` })
      await session.write('README.md', '# Promoted\n')
      await session.write('new.txt', 'new\n')
      await session.delete('gone.txt')
      await session.commit('agent checkpoint')

      const child = startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], {
        fakeGit: fake,
      })
      const died = await child.done
      expect(died.signal).toBe('SIGKILL')
      expect(died.results).toEqual([])

      // Right after the crash: old state or exactly the new one, never a mix.
      const commits = commitsSince(world.repo, world.head)
      if (landed) {
        expect(commits).toHaveLength(1)
        expect(parentsOf(world.repo, commits[0]!)).toEqual([world.head])
        expect(changedBy(world.repo, commits[0]!)).toEqual({
          'README.md': 'M',
          'gone.txt': 'D',
          'new.txt': 'A',
        })
      } else {
        expect(commits).toEqual([])
        expect(headOf(world.repo)).toBe(world.head)
        // The user's checked-out work tree was not touched either.
        expect(git(world.repo, 'status', '--porcelain')).toBe('')
      }
      // Metadata is whole and valid; no temp files left behind; the session is still active.
      const meta = metadataOnDisk(world.store, session.id)
      expect(meta.state).toBe('active')
      expect(meta.promote.result).toBeNull()
      expect(readdirSync(join(world.store, session.id)).filter((n) => n.endsWith('.tmp'))).toEqual([])
      expect(existsSync(session.workspacePath!)).toBe(true)

      // A new GitTrix over the same store (as after a restart) finishes the job, despite stale locks.
      const restarted = world.gittrix()
      const started = Date.now()
      const outcome = await (await restarted.getSession(session.id)).promote({ selector: { mode: 'all' } })
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(outcome.alreadyPromoted).toBe(landed)
      const after = commitsSince(world.repo, world.head)
      expect(after).toEqual([outcome.sha])
      if (landed) expect(outcome.sha).toBe(commits[0])
      expect(parentsOf(world.repo, outcome.sha)).toEqual([world.head])
      expect(changedBy(world.repo, outcome.sha)).toEqual({
        'README.md': 'M',
        'gone.txt': 'D',
        'new.txt': 'A',
      })
      expect(entryAt(world.repo, outcome.sha, 'README.md')?.content).toBe('# Promoted')
      expect(
        git(world.repo, 'log', '-1', '--format=%(trailers:key=Gittrix-Session,valueonly)', outcome.sha),
      ).toBe(session.id)

      // The checked-out durable work tree ends at the new state too (finished after a crash past update-ref).
      expect(git(world.repo, 'status', '--porcelain')).toBe('')
      expect(readFileSync(join(world.repo, 'README.md'), 'utf8')).toBe('# Promoted\n')
      expect(existsSync(join(world.repo, 'gone.txt'))).toBe(false)
      const final = metadataOnDisk(world.store, session.id)
      expect(final.state).toBe('promoted')
      expect(final.promote.result).toEqual({ sha: outcome.sha, branch: 'main' })
      // And once more: the recorded answer, nothing new written.
      const again = await session.promote({ selector: { mode: 'all' } })
      expect(again).toMatchObject({ sha: outcome.sha, alreadyPromoted: true })
      expect(commitsSince(world.repo, world.head)).toEqual([outcome.sha])
    } finally {
      world.dispose()
      cleanup(fake)
    }
  })
})
