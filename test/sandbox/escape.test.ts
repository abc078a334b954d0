/**
 * `gittrix run`'s promise: inside the sandbox, no way we know of to reach the durable repository or
 * the session store changes anything — pushes by every path spelling, `--git-dir`, writing its files,
 * hard links, `/proc`, the store's metadata, symlinks planted in the workspace (followed inside, and
 * met later by Gittrix on the host), unmounting, new user namespaces. The same attack script run
 * without the sandbox does change the durable repository: that control shows the check can fail.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { probeSandbox } from '../../src/sandbox/bwrap.ts'
import { git } from '../support/git-fixtures.ts'
import { gittrix, type SandboxFixture, sandboxFixture, storeSnapshot, treeSnapshot } from './support.ts'

// Passed as `sh -c <script>`, not as a path: the repository (and so this file) may sit under /tmp, which
// the sandbox replaces with a private one.
const ATTACKS = readFileSync(fileURLToPath(new URL('./attacks.sh', import.meta.url)), 'utf8')
const fixtures: SandboxFixture[] = []

/** Paths whose entry differs between two snapshots (added, removed or changed). */
function changes(before: Record<string, string>, after: Record<string, string>): string[] {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...paths].filter((path) => before[path] !== after[path]).sort()
}

beforeAll(async () => {
  const probe = await probeSandbox()
  if (!probe.ok) throw new Error(`These tests need a usable sandbox: ${probe.reason}. ${probe.remedy}`)
})

afterAll(() => {
  for (const fixture of fixtures) rmSync(fixture.root, { recursive: true, force: true })
})

describe('gittrix run: the sandbox keeps the durable repository and the store out of reach', () => {
  it('counts 0 durable changes and 0 store changes after every attack; the agent’s own writes land in the workspace', async () => {
    const f = await sandboxFixture()
    fixtures.push(f)
    const durableBefore = treeSnapshot(f.durable)
    const storeBefore = storeSnapshot(f.store)
    const env = { DURABLE: f.durable, STORE: f.store, SESSION_DIR: f.sessionDir }

    const attack = await gittrix(f.store, ['run', f.id, '--', 'sh', '-c', ATTACKS], { env })
    expect(attack.stderr).toBe('')
    expect(attack.code).toBe(0)
    expect(attack.stdout).toMatch(/\ndone\n$/)
    const refused = attack.stdout.split('\n').filter((line) => line.startsWith('refused: '))
    expect(refused.length).toBeGreaterThan(140)

    // Gittrix meets the planted symlinks on the host: every write, read or delete through them is refused.
    for (const path of [
      'link-config',
      'link-repo/README.md',
      'link-meta',
      'link-store/pwned',
      'link-ref',
      'deep/gitdir/config',
    ]) {
      const write = await gittrix(f.store, ['write', f.id, path], { input: 'pwned\n' })
      expect(write.code, `write ${path}: ${write.stderr}`).toBe(1)
      expect(write.stderr).toMatch(/\(WRITE_REJECTED\)/)
      const read = await gittrix(f.store, ['read', f.id, path])
      expect(read.code, `read ${path}`).toBe(1)
      expect(read.stdout).not.toContain('hooksPath')
    }
    const rm = await gittrix(f.store, ['rm', f.id, 'link-repo/README.md'])
    expect(rm.stderr).toMatch(/\(WRITE_REJECTED\)/)
    // And a second sandboxed command writing through them changes nothing either.
    const again = await gittrix(
      f.store,
      [
        'run',
        f.id,
        '--',
        'sh',
        '-c',
        'for l in link-config link-meta link-ref link-repo/README.md link-store/x deep/gitdir/HEAD; do echo pwned >> "$l"; done; exit 0',
      ],
      { env },
    )
    expect(again.code).toBe(0)

    // 0 changes to the durable repository (work tree and .git, byte for byte) and to the store.
    expect(changes(durableBefore, treeSnapshot(f.durable))).toEqual([])
    expect(git(f.durable, 'rev-parse', 'main')).toBe(f.head)
    expect(git(f.durable, 'fsck', '--full', '--no-progress')).toBe('')
    expect(storeSnapshot(f.store)).toEqual(storeBefore)

    // The agent's own work is in the workspace and in the session's diff.
    const diff = await gittrix(f.store, ['diff', f.id, '--json'])
    const files = (JSON.parse(diff.stdout) as { data: { files: { path: string; status: string }[] } }).data
      .files
    const byPath = Object.fromEntries(files.map((file) => [file.path, file.status]))
    expect(byPath).toMatchObject({
      'agent-file.txt': 'added',
      'agent-uncommitted.txt': 'added',
      'README.md': 'modified',
      'old.txt': 'deleted',
      'link-repo': 'added',
    })
    expect(git(f.workspace, 'log', '-1', '--format=%s')).toBe('agent commit')
  })

  it('control: the same attacks with --no-sandbox do change the durable repository', async () => {
    const f = await sandboxFixture()
    fixtures.push(f)
    const durableBefore = treeSnapshot(f.durable)
    const env = { DURABLE: f.durable, STORE: f.store, SESSION_DIR: f.sessionDir, CONTROL: '1' }
    const attack = await gittrix(f.store, ['run', f.id, '--no-sandbox', '--', 'sh', '-c', ATTACKS], { env })
    expect(attack.code).toBe(0)
    expect(attack.stderr).toMatch(/running without a sandbox/)
    const succeeded = attack.stdout.split('\n').filter((line) => line.startsWith('ok: '))
    expect(succeeded).toContain(
      `ok: git --git-dir=${join(f.durable, '.git')} update-ref refs/heads/main HEAD`,
    )
    expect(succeeded).toContain(`ok: echo pwned > '${f.durable}/README.md'`)
    expect(changes(durableBefore, treeSnapshot(f.durable)).length).toBeGreaterThan(5)
  })
})
