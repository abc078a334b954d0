/**
 * The same `.git`-internal symlinks as test/adapters/local/clone-gitdir-links.test.ts, planted from INSIDE bubblewrap, where the durable repository is
 * hidden (an empty read-only tmpfs) — a symlink's target is only text, so that does not matter. After
 * the sandboxed command ends, the agent's next checkpoint (`AgentSession.commit`, i.e. the MCP
 * `commit` tool a harness gives the same agent) moves the durable `main` to a commit holding the
 * agent's files. Safe behaviour asserted: durable `main` does not move.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter } from '../../src/index.ts'
import { probeSandbox } from '../../src/sandbox/bwrap.ts'
import { git } from '../support/git-fixtures.ts'
import { gittrix, type SandboxFixture, sandboxFixture } from './support.ts'

let f: SandboxFixture
beforeAll(async () => {
  const probe = await probeSandbox()
  if (!probe.ok) throw new Error(`These tests need a usable sandbox: ${probe.reason}. ${probe.remedy}`)
  f = await sandboxFixture('clone')
})
afterAll(() => {
  if (f) rmSync(f.root, { recursive: true, force: true })
})

describe('gittrix run plants .git-internal symlinks to the hidden durable repository', () => {
  it('a later checkpoint does not move durable main', async () => {
    const d = join(f.durable, '.git')
    const script = [
      'set -e',
      'echo "never reviewed" > evil.txt',
      // Inside the sandbox the durable repository is an empty tmpfs: these targets do not resolve here.
      `test ! -e ${d}/HEAD`,
      'rm -rf .git/refs/heads .git/objects',
      `ln -s ${d}/refs/heads .git/refs/heads`,
      `ln -s ${d}/objects .git/objects`,
      'echo "ref: refs/heads/main" > .git/HEAD',
    ].join('\n')
    const run = await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', script])
    expect(run.code).toBe(0)

    const gittrixLib = new GitTrix({
      durable: new LocalDurableAdapter({ path: f.durable, branch: 'main' }),
      ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
      storeDir: f.store,
      sweepIntervalMs: 0,
    })
    const session = await gittrixLib.getSession(f.id)
    try {
      await session.forAgent().commit('checkpoint')
    } catch {
      // refusing is safe
    }
    await gittrixLib.close()
    const main = git(f.durable, 'rev-parse', 'refs/heads/main')
    const files = git(f.durable, 'ls-tree', '-r', '--name-only', main)
    expect({ main, files }).toEqual({ main: f.head, files: expect.not.stringContaining('evil.txt') })
  })
})
