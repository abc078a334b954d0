/**
 * Issue 13, "Done when": kill -9 at random points of a promotion onto a checked-out durable branch,
 * at least 50 trials, with 0 broken sessions and 0 reverted indexes. Two kinds of trial, both seeded:
 * - at the n-th git process the promotion starts, before or after it runs, or half-way with its lock
 *   file left behind (every n of a calibration run, so every step is hit);
 * - after a random delay measured from the moment the child is ready to promote, killing its whole
 *   process group (anywhere in the JavaScript between git calls, metadata writes included, and in the
 *   middle of a git process, which then leaves its lock file behind as a crash would).
 * Each trial asserts the old state or exactly the new one right after the kill, then lets a fresh
 * GitTrix (a restart) promote again: it must succeed with exactly one promotion commit, a clean
 * `git status` in the durable work tree, and the promotion recorded.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, git } from '../support/git-fixtures.ts'
import {
  changedBy,
  commitsSince,
  fakeGitSubcommands,
  headOf,
  makeFakeGitDir,
  makeWorld,
  metadataOnDisk,
  parentsOf,
  startPromoteChild,
  type World,
} from './helpers.ts'

const TIMED_TRIALS = 12

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Trial =
  | { kind: 'git'; at: number; when: 'kill-before' | 'kill-after' | 'lock-and-die' }
  | { kind: 'timed'; delayMs: number }

/** Git subcommands that hold a lock file while they run (what a kill mid-way leaves behind). */
const LOCKING = new Set(['add', 'read-tree', 'update-index', 'update-ref'])

const outcomes: { trial: string; landedAtKill: boolean; broken: string | null }[] = []
afterAll(() => {
  const broken = outcomes.filter((o) => o.broken)
  console.log(
    `kill -9 trials: ${outcomes.length}, killed after the ref moved: ${outcomes.filter((o) => o.landedAtKill).length}, broken sessions: ${broken.length}`,
  )
})

/** A session at the current head with an edit, a new file and a deletion. */
async function prepare(world: World, n: number) {
  const session = await world.gittrix().startSession({ task: `trial ${n}` })
  await session.write('README.md', `# trial ${n}\n`)
  await session.write(`added/${n}.txt`, `added in trial ${n}\n`)
  await session.delete(`files/${n}.txt`)
  return session
}

async function runTrial(world: World, n: number, trial: Trial): Promise<void> {
  const before = headOf(world.repo)
  const session = await prepare(world, n)
  const name = trial.kind === 'git' ? `git #${trial.at} ${trial.when}` : `after ${trial.delayMs} ms`
  let fake: string | undefined
  let landedAtKill = false
  try {
    if (trial.kind === 'git') {
      fake = makeFakeGitDir({ FAKE_GIT_KILL_AT: String(trial.at), FAKE_GIT_ACTION: trial.when })
      await startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], { fakeGit: fake }).done
    } else {
      // The whole process group: git processes die mid-way too, leaving their lock files.
      const child = startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], { group: true })
      await child.ready
      await sleep(trial.delayMs)
      try {
        process.kill(-child.process.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
      await child.done
    }
    // Right after the kill: the old state or exactly one promotion commit on top of `before`.
    const after = commitsSince(world.repo, before)
    expect(after.length, name).toBeLessThanOrEqual(1)
    landedAtKill = after.length === 1
    if (landedAtKill) expect(parentsOf(world.repo, after[0]!)).toEqual([before])
    const meta = metadataOnDisk(world.store, session.id) // whole and valid, whatever the moment
    if (meta.state === 'promoted') expect(meta.promote.result?.sha).toBe(after[0])

    // A restart finishes the job.
    const outcome = await (
      await world.gittrix().getSession(session.id)
    ).promote({ selector: { mode: 'all' } })
    const commits = commitsSince(world.repo, before)
    expect(commits, name).toEqual([outcome.sha])
    expect(changedBy(world.repo, outcome.sha)).toEqual({
      'README.md': 'M',
      [`added/${n}.txt`]: 'A',
      [`files/${n}.txt`]: 'D',
    })
    expect(git(world.repo, 'status', '--porcelain'), `${name}: reverted index`).toBe('')
    expect(readFileSync(join(world.repo, 'README.md'), 'utf8')).toBe(`# trial ${n}\n`)
    expect(metadataOnDisk(world.store, session.id).state).toBe('promoted')
    expect(readdirSync(join(world.store, session.id)).filter((f) => f.endsWith('.tmp'))).toEqual([])
    outcomes.push({ trial: name, landedAtKill, broken: null })
  } catch (error) {
    outcomes.push({ trial: name, landedAtKill, broken: (error as Error).message })
    throw error
  } finally {
    if (fake) cleanup(fake)
  }
}

/** One promotion run to the end, to list its git processes and time it. */
async function calibrate(world: World): Promise<{ subcommands: string[]; promoteMs: number }> {
  const session = await prepare(world, 0)
  const fake = makeFakeGitDir({ FAKE_GIT_KILL_AT: '1000000', FAKE_GIT_ACTION: 'kill-before' })
  try {
    const child = startPromoteChild(world, [{ id: session.id, selector: { mode: 'all' } }], { fakeGit: fake })
    await child.ready
    const started = Date.now()
    const done = await child.done
    expect(done.results[0]?.ok).toBe(true)
    return { subcommands: fakeGitSubcommands(fake), promoteMs: Date.now() - started }
  } finally {
    cleanup(fake)
  }
}

function worldWithFiles(count: number): World {
  const files: Record<string, string> = { 'README.md': '# Project\n' }
  for (let i = 0; i <= count; i++) files[`files/${i}.txt`] = `file ${i}\n`
  return makeWorld(files)
}

describe('kill -9 at random points of a promotion onto a checked-out branch', () => {
  it.concurrent(
    'every git step, killed before, after and (leaving its lock) during it: 0 broken sessions, 0 reverted indexes',
    async () => {
      const world = worldWithFiles(100)
      try {
        const { subcommands } = await calibrate(world)
        expect(subcommands.length).toBeGreaterThan(10)
        const trials: Trial[] = []
        subcommands.forEach((sub, i) => {
          for (const when of ['kill-before', 'kill-after'] as const)
            trials.push({ kind: 'git', at: i + 1, when })
          if (LOCKING.has(sub)) trials.push({ kind: 'git', at: i + 1, when: 'lock-and-die' })
        })
        let n = 1
        for (const trial of trials) await runTrial(world, n++, trial)
        expect(existsSync(join(world.repo, '.git', 'index.lock'))).toBe(false)
      } finally {
        world.dispose()
      }
    },
    600_000,
  )

  it.concurrent(
    `${TIMED_TRIALS} kills after seeded random delays: 0 broken sessions, 0 reverted indexes`,
    async () => {
      const world = worldWithFiles(TIMED_TRIALS + 1)
      try {
        const { promoteMs } = await calibrate(world)
        const random = rng(13)
        for (let n = 1; n <= TIMED_TRIALS; n++)
          await runTrial(world, n, { kind: 'timed', delayMs: Math.floor(random() * promoteMs * 1.2) })
      } finally {
        world.dispose()
      }
    },
    600_000,
  )

  afterAll(() => {
    expect(outcomes.filter((o) => o.broken)).toEqual([])
    expect(outcomes.length).toBeGreaterThanOrEqual(50)
  })
})
