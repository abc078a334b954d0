/**
 * The ephemeral adapter contract (docs/architecture.md#adapters). Every EphemeralAdapter runs this suite through
 * {@link describeEphemeralContract} with a fixture factory that provides a durable adapter to create
 * workspaces from, a way to record a baseline, and a few hooks (an outside directory, symlinks).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type {
  DurableAdapter,
  EphemeralAdapter,
  WorkspaceHandle,
  WorkspaceInfo,
} from '../../../src/core/adapters.ts'
import type { ListEntry, TreeChange } from '../../../src/core/types.ts'
import {
  applySeed,
  byteOrder,
  expectCode,
  gitBlobId,
  type ResolvedFile,
  type SeedFiles,
  seedTree,
  sortedPaths,
  utf8,
} from './fixtures.ts'

/** A durable repository to make workspaces from, plus the hooks the suite needs. */
export interface EphemeralFixture {
  adapter: EphemeralAdapter
  /** The durable side workspaces are created from. */
  durable: DurableAdapter
  /** Records a commit holding exactly `files` in the durable repository; resolves its id (a baseline). */
  baseline(files: SeedFiles): Promise<string>
  /** A directory path for one session's private adapter state (need not exist yet). */
  sessionDir(sessionId: string): string
  /** An absolute directory outside every workspace, holding `secret.txt` = `top secret\n`. */
  outsideDir: string
  /** Names and contents of the files in {@link outsideDir}. */
  outsideEntries(): Promise<Record<string, string>>
  /** Creates a symlink in the workspace the way an agent with a shell would. Omit when impossible. */
  symlink?(info: WorkspaceInfo, path: string, target: string): Promise<void>
  /** True while the workspace exists. */
  workspaceExists(info: WorkspaceInfo): Promise<boolean>
  /**
   * A fresh session id for `create`, for adapters whose ids have a fixed format (GitHub: `sess_…`).
   * Default `contract-<pid>-<n>`.
   */
  newSessionId?(): string
  /** What the adapter does not do; tests that need a missing capability are skipped. Default: all present. */
  capabilities?: {
    /** `.gitignore` rules hide matching untracked files from list and snapshot (a working tree's git does this). */
    ignoreRules?: boolean
  }
  cleanup(): Promise<void>
}

export type EphemeralFixtureFactory = () => Promise<EphemeralFixture>

/** An open workspace: what `create` returned and the handle to address it. */
export interface OpenWorkspace {
  info: WorkspaceInfo
  handle: WorkspaceHandle
  baselineSha: string
}

let sessions = 0

/** Records `files` as a baseline and creates a workspace from it. */
export async function openWorkspace(fx: EphemeralFixture, files: SeedFiles): Promise<OpenWorkspace> {
  const baselineSha = await fx.baseline(files)
  const sessionId = fx.newSessionId?.() ?? `contract-${process.pid}-${++sessions}`
  const sessionDir = fx.sessionDir(sessionId)
  const info = await fx.adapter.create({
    sessionId,
    sessionDir,
    baselineSha,
    durable: fx.durable,
    task: 'adapter contract',
  })
  const handle: WorkspaceHandle = {
    sessionId,
    sessionDir,
    baselineSha,
    ephemeralRef: info.ephemeralRef,
    ...(info.ephemeralPath ? { ephemeralPath: info.ephemeralPath } : {}),
  }
  return { info, handle, baselineSha }
}

/** The baseline most ephemeral tests start from. Symlinks lead inside and outside the workspace. */
export function workspaceSeed(outsideDir: string): SeedFiles {
  return {
    'README.md': '# Project\n',
    'src/app.ts': 'export const app = 1\n',
    'src/lib/util.ts': 'export const util = 2\n',
    'docs/old-name.md': 'a document that will move\n',
    'scripts/build.sh': '#!/bin/sh\necho build\n',
    'bin/tool': { content: '#!/bin/sh\necho tool\n', executable: true },
    'bin/keep': { content: '#!/bin/sh\necho keep\n', executable: true },
    'del/me.txt': 'delete me\n',
    'café/existing.txt': 'déjà\n',
    '.gitignore': '*.log\nbuild/\n',
    'tracked.log': 'tracked although ignored\n',
    'links/inside': { symlink: '../README.md' },
    'links/out-dir': { symlink: outsideDir },
    'links/out-file': { symlink: `${outsideDir}/secret.txt` },
    'links/out-missing': { symlink: `${outsideDir}/missing.txt` },
    'links/up': { symlink: '../../../../../../../../../../../../../../etc' },
  }
}

/** Every difference between two trees, as a snapshot must report it (sorted in git order). */
export function expectedChanges(
  before: ReadonlyMap<string, ResolvedFile>,
  after: ReadonlyMap<string, ResolvedFile>,
): TreeChange[] {
  const changes: TreeChange[] = []
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(path)
    const b = after.get(path)
    if (a && b && a.mode === b.mode && a.bytes.equals(b.bytes)) continue
    changes.push({
      path,
      status: !a ? 'added' : !b ? 'deleted' : 'modified',
      oldMode: a?.mode ?? null,
      newMode: b?.mode ?? null,
      oldOid: a ? gitBlobId(a.bytes) : null,
      newOid: b ? gitBlobId(b.bytes) : null,
    })
  }
  return changes.sort((x, y) => byteOrder(x.path, y.path))
}

function sortedEntries(entries: ListEntry[]): ListEntry[] {
  return [...entries].sort((a, b) => byteOrder(a.path, b.path))
}

const UNSAFE_PATHS = [
  '../x',
  '/etc/passwd',
  'a/../../x',
  '.git/config',
  'sub/.GIT/x',
  'a\0b',
  'links/out-dir/secret.txt',
  'links/out-dir/new.txt',
  'links/up/passwd',
  'links/up/new-file',
]

/** Registers the ephemeral contract for one adapter. Each test gets a fresh fixture. */
export function describeEphemeralContract(name: string, makeFixture: EphemeralFixtureFactory): void {
  describe(`ephemeral contract: ${name}`, () => {
    const made: EphemeralFixture[] = []
    const opened: { fx: EphemeralFixture; handle: WorkspaceHandle }[] = []
    const setup = async (): Promise<EphemeralFixture> => {
      const fx = await makeFixture()
      made.push(fx)
      return fx
    }
    const open = async (
      fx: EphemeralFixture,
      files?: SeedFiles,
    ): Promise<OpenWorkspace & { base: SeedFiles }> => {
      const base = files ?? workspaceSeed(fx.outsideDir)
      const ws = await openWorkspace(fx, base)
      opened.push({ fx, handle: ws.handle })
      return { ...ws, base }
    }
    afterEach(async () => {
      for (const { fx, handle } of opened.splice(0)) await fx.adapter.destroy(handle).catch(() => {})
      await Promise.all(made.splice(0).map((f) => f.cleanup()))
    })

    describe('create', () => {
      it('makes a workspace whose files equal the baseline tree, with consistent WorkspaceInfo', async () => {
        const fx = await setup()
        const { info, handle, base } = await open(fx)
        const caps = fx.adapter.capabilities()
        expect(info.workspaceKind).toBe(caps.workspaceKind)
        expect(info.isGitBacked).toBe(caps.isGitBacked)
        expect(typeof info.ephemeralRef).toBe('string')
        expect(info.ephemeralRef.length).toBeGreaterThan(0)
        expect(await fx.workspaceExists(info)).toBe(true)

        const tree = seedTree(base)
        const listed = await fx.adapter.list(handle, '', { recursive: true })
        expect(sortedEntries(listed)).toEqual(
          sortedPaths(tree.keys()).map((path) => ({
            path,
            type: tree.get(path)!.mode === '120000' ? 'symlink' : 'file',
          })),
        )
        for (const [path, file] of tree) {
          if (file.mode === '120000') continue
          const bytes = await fx.adapter.read(handle, path)
          expect(Buffer.from(bytes!).toString('utf8'), path).toBe(file.bytes.toString('utf8'))
        }
        expect((await fx.adapter.snapshot(handle)).changes).toEqual([])
      })

      it('gives two sessions from one baseline separate workspaces', async () => {
        const fx = await setup()
        const one = await open(fx, { 'a.txt': 'a\n' })
        const two = await open(fx, { 'a.txt': 'a\n' })
        expect(one.info.ephemeralRef).not.toBe(two.info.ephemeralRef)
        await fx.adapter.write(one.handle, 'a.txt', utf8('changed in one\n'))
        expect(Buffer.from((await fx.adapter.read(two.handle, 'a.txt'))!).toString()).toBe('a\n')
        expect((await fx.adapter.snapshot(two.handle)).changes).toEqual([])
        expect((await fx.adapter.snapshot(one.handle)).changes.map((c) => c.path)).toEqual(['a.txt'])
      })
    })

    describe('read / write / delete / list', () => {
      it('reads what was written, returns null for missing files, deletes idempotently', async () => {
        const fx = await setup()
        const { handle } = await open(fx)
        const a = fx.adapter
        expect(Buffer.from((await a.read(handle, 'README.md'))!).toString()).toBe('# Project\n')
        expect(await a.read(handle, 'missing.txt')).toBeNull()
        expect(await a.read(handle, 'no/such/dir/file.txt')).toBeNull()
        const binary = Buffer.from([0, 255, 10, 13, 0, 128])
        await a.write(handle, 'notes/deep/new.bin', binary)
        expect(Buffer.from((await a.read(handle, 'notes/deep/new.bin'))!).equals(binary)).toBe(true)
        await a.write(handle, 'README.md', utf8('# Overwritten\n'))
        expect(Buffer.from((await a.read(handle, 'README.md'))!).toString()).toBe('# Overwritten\n')
        await a.write(handle, 'empty.txt', new Uint8Array())
        expect((await a.read(handle, 'empty.txt'))!.byteLength).toBe(0)
        await a.delete(handle, 'README.md')
        expect(await a.read(handle, 'README.md')).toBeNull()
        await a.delete(handle, 'README.md')
        await a.delete(handle, 'never/existed.txt')
      })

      it('lists directly (files, dirs, symlinks) and recursively, reflecting writes and deletes', async () => {
        const fx = await setup()
        const { handle } = await open(fx)
        const a = fx.adapter
        expect(sortedEntries(await a.list(handle, ''))).toEqual([
          { path: '.gitignore', type: 'file' },
          { path: 'README.md', type: 'file' },
          { path: 'bin', type: 'dir' },
          { path: 'café', type: 'dir' },
          { path: 'del', type: 'dir' },
          { path: 'docs', type: 'dir' },
          { path: 'links', type: 'dir' },
          { path: 'scripts', type: 'dir' },
          { path: 'src', type: 'dir' },
          { path: 'tracked.log', type: 'file' },
        ])
        expect(sortedEntries(await a.list(handle, 'src'))).toEqual([
          { path: 'src/app.ts', type: 'file' },
          { path: 'src/lib', type: 'dir' },
        ])
        expect(sortedEntries(await a.list(handle, 'src', { recursive: true }))).toEqual([
          { path: 'src/app.ts', type: 'file' },
          { path: 'src/lib/util.ts', type: 'file' },
        ])
        expect((await a.list(handle, 'links')).every((e) => e.type === 'symlink')).toBe(true)
        expect(await a.list(handle, 'no-such-dir')).toEqual([])
        await a.write(handle, ':(exclude)dir/x.txt', utf8('colon\n'))
        expect(await a.list(handle, ':(exclude)dir')).toEqual([{ path: ':(exclude)dir/x.txt', type: 'file' }])
        await a.delete(handle, ':(exclude)dir/x.txt')

        await a.write(handle, 'fresh/dir/one.txt', utf8('1\n'))
        await a.delete(handle, 'src/app.ts')
        expect(sortedEntries(await a.list(handle, 'fresh'))).toEqual([{ path: 'fresh/dir', type: 'dir' }])
        expect(await a.list(handle, 'fresh', { recursive: true })).toEqual([
          { path: 'fresh/dir/one.txt', type: 'file' },
        ])
        expect(sortedEntries(await a.list(handle, 'src'))).toEqual([{ path: 'src/lib', type: 'dir' }])
        // A directory emptied by deletes disappears, as in git.
        await a.delete(handle, 'del/me.txt')
        expect((await a.list(handle, '')).map((e) => e.path)).not.toContain('del')
      })

      it('excludes ignored files from list and snapshot (tracked files stay visible even if they match)', async (ctx) => {
        const fx = await setup()
        if (fx.capabilities?.ignoreRules === false) return ctx.skip()
        const { handle } = await open(fx)
        const a = fx.adapter
        await a.write(handle, 'debug.log', utf8('noise\n'))
        await a.write(handle, 'build/out.js', utf8('generated\n'))
        await a.write(handle, 'tracked.log', utf8('tracked and changed\n'))
        const paths = (await a.list(handle, '', { recursive: true })).map((e) => e.path)
        expect(paths).not.toContain('debug.log')
        expect(paths).not.toContain('build/out.js')
        expect(paths).toContain('tracked.log')
        expect((await a.snapshot(handle)).changes.map((c) => c.path)).toEqual(['tracked.log'])
        // Ignored files are still readable: they exist, they are just not part of the session.
        expect(Buffer.from((await a.read(handle, 'debug.log'))!).toString()).toBe('noise\n')
      })

      it('sets and clears the executable bit: the snapshot reports 100755 / 100644', async () => {
        const fx = await setup()
        const { handle, base } = await open(fx)
        const a = fx.adapter
        const tree = seedTree(base)
        await a.write(handle, 'new-tool.sh', utf8('#!/bin/sh\n'), { executable: true })
        await a.write(handle, 'new-plain.sh', utf8('#!/bin/sh\n'), { executable: false })
        await a.write(handle, 'scripts/build.sh', tree.get('scripts/build.sh')!.bytes, { executable: true })
        await a.write(handle, 'bin/tool', tree.get('bin/tool')!.bytes, { executable: false })
        await a.write(handle, 'bin/keep', utf8('#!/bin/sh\necho changed\n'))
        const expected = applySeed(tree, {
          'new-tool.sh': { content: '#!/bin/sh\n', executable: true },
          'new-plain.sh': '#!/bin/sh\n',
          'scripts/build.sh': { content: tree.get('scripts/build.sh')!.bytes, executable: true },
          'bin/tool': tree.get('bin/tool')!.bytes,
          'bin/keep': { content: '#!/bin/sh\necho changed\n', executable: true },
        })
        const snap = await a.snapshot(handle)
        expect(snap.changes).toEqual(expectedChanges(tree, expected))
        expect(snap.changes.find((c) => c.path === 'scripts/build.sh')).toMatchObject({
          oldMode: '100644',
          newMode: '100755',
          status: 'modified',
        })
      })
    })

    describe('snapshot', () => {
      it('reports every difference from the baseline and nothing else', async () => {
        const fx = await setup()
        const { info, handle, base } = await open(fx)
        const a = fx.adapter
        const tree = seedTree(base)
        await a.write(handle, 'README.md', utf8('# Changed\n')) // modified
        await a.write(handle, 'new/deep/nested/file.txt', utf8('nested\n')) // added in new dirs
        await a.delete(handle, 'del/me.txt') // deleted
        await a.write(handle, 'scripts/build.sh', tree.get('scripts/build.sh')!.bytes, { executable: true })
        await a.write(handle, 'docs/new-name.md', tree.get('docs/old-name.md')!.bytes) // rename…
        await a.delete(handle, 'docs/old-name.md') // …both paths
        await a.write(handle, 'café/naïve.txt', utf8('naïve ☕\n')) // non-ASCII
        await a.write(handle, 'odd dir/with space & "quotes".txt', utf8('odd\n'))
        await a.write(handle, 'tmp/scratch.txt', utf8('gone soon\n')) // created then deleted
        await a.delete(handle, 'tmp/scratch.txt')
        await a.write(handle, 'src/app.ts', utf8('export const app = 2\n'))
        await a.commit(handle, 'agent: first draft') // the agent's own commit
        await a.write(handle, 'after-commit.txt', utf8('after\n'))
        const changed: SeedFiles = {
          'README.md': '# Changed\n',
          'new/deep/nested/file.txt': 'nested\n',
          'del/me.txt': null,
          'scripts/build.sh': { content: tree.get('scripts/build.sh')!.bytes, executable: true },
          'docs/new-name.md': tree.get('docs/old-name.md')!.bytes,
          'docs/old-name.md': null,
          'café/naïve.txt': 'naïve ☕\n',
          'odd dir/with space & "quotes".txt': 'odd\n',
          'src/app.ts': 'export const app = 2\n',
          'after-commit.txt': 'after\n',
        }
        if (fx.symlink) {
          await fx.symlink(info, 'links/new-link', '../src/app.ts')
          changed['links/new-link'] = { symlink: '../src/app.ts' }
        }
        const snap = await a.snapshot(handle)
        expect(snap.changes).toEqual(expectedChanges(tree, applySeed(tree, changed)))
        expect(snap.changes.map((c) => c.path)).not.toContain('tmp/scratch.txt')
        if (snap.tree !== undefined) expect(snap.tree).toMatch(/^[0-9a-f]{40,64}$/)

        const oids = snap.changes.flatMap((c) => (c.newOid ? [c.newOid] : []))
        const blobs = await snap.blobs.readBlobs(oids)
        for (const change of snap.changes) {
          if (!change.newOid) continue
          const bytes = blobs.get(change.newOid)
          expect(bytes, change.path).toBeDefined()
          expect(gitBlobId(bytes!)).toBe(change.newOid)
          expect(Buffer.from(bytes!).equals(applySeed(tree, changed).get(change.path)!.bytes)).toBe(true)
        }
        // Snapshots are repeatable: nothing changed, nothing new reported.
        const again = await a.snapshot(handle)
        expect(again.tree).toBe(snap.tree)
        expect(again.changes).toEqual(snap.changes)
      })

      it('counts the net result of commits: a file changed in a commit and then restored is untouched', async () => {
        const fx = await setup()
        const { handle } = await open(fx)
        const a = fx.adapter
        await a.write(handle, 'README.md', utf8('# Draft\n'))
        await a.write(handle, 'committed-new.txt', utf8('new\n'))
        const first = await a.commit(handle, 'draft')
        expect(first).toMatch(/^[0-9a-f]{40,64}$/)
        await a.write(handle, 'README.md', utf8('# Project\n'))
        const second = await a.commit(handle, 'restore readme')
        expect(second).not.toBe(first)
        const snap = await a.snapshot(handle)
        expect(snap.changes.map((c) => c.path)).toEqual(['committed-new.txt'])
        expect(snap.changes[0]).toMatchObject({ status: 'added', newMode: '100644' })
      })

      it('reports a deleted symlink and never follows it outside on delete', async () => {
        const fx = await setup()
        const { handle } = await open(fx)
        await fx.adapter.delete(handle, 'links/out-file')
        await fx.adapter.delete(handle, 'links/out-dir')
        expect(await fx.outsideEntries()).toEqual({ 'secret.txt': 'top secret\n' })
        const snap = await fx.adapter.snapshot(handle)
        expect(snap.changes.map((c) => [c.path, c.status, c.oldMode])).toEqual([
          ['links/out-dir', 'deleted', '120000'],
          ['links/out-file', 'deleted', '120000'],
        ])
      })
    })

    describe('snapshot at a commit', () => {
      it('reads that commit by id: later commits and files are not in it; an abbreviated id works too', async () => {
        const fx = await setup()
        const seed: SeedFiles = { 'README.md': '# Project\n', 'src/app.ts': 'export const app = 1\n' }
        const { handle } = await open(fx, seed)
        const a = fx.adapter
        await a.write(handle, 'src/app.ts', utf8('export const app = 2\n'))
        await a.write(handle, 'reviewed.txt', utf8('reviewed\n'))
        const reviewed = await a.commit(handle, 'agent: reviewed state')
        await a.write(handle, 'src/app.ts', utf8('export const app = 3\n'))
        await a.write(handle, 'later.txt', utf8('pushed after the review\n'))
        await a.commit(handle, 'agent: later state')
        await a.write(handle, 'uncommitted.txt', utf8('not even committed\n'))
        const tree = seedTree(seed)
        const expected = expectedChanges(
          tree,
          applySeed(tree, { 'src/app.ts': 'export const app = 2\n', 'reviewed.txt': 'reviewed\n' }),
        )
        const pinned = await a.snapshot(handle, { at: reviewed })
        expect(pinned.changes).toEqual(expected)
        if (pinned.commit !== undefined) expect(pinned.commit).toBe(reviewed)
        const blobs = await pinned.blobs.readBlobs(pinned.changes.map((c) => c.newOid!))
        expect(Buffer.from(blobs.get(pinned.changes[1]!.newOid!)!).toString()).toBe('export const app = 2\n')
        expect((await a.snapshot(handle, { at: reviewed.slice(0, 12) })).changes).toEqual(expected)
        // The workspace itself still has everything.
        expect((await a.snapshot(handle)).changes.map((c) => c.path)).toEqual(
          expect.arrayContaining(['later.txt', 'reviewed.txt', 'src/app.ts']),
        )
      })

      it('refuses, with INVALID_ARGUMENT, what is not a commit of the session at or after its baseline', async () => {
        const fx = await setup()
        const { handle } = await open(fx, { 'a.txt': 'a\n' })
        await fx.adapter.write(handle, 'a.txt', utf8('changed\n'))
        await fx.adapter.commit(handle, 'agent work')
        const elsewhere = await fx.baseline({ 'x.txt': 'another history\n' })
        await expectCode(fx.adapter.snapshot(handle, { at: elsewhere }), 'INVALID_ARGUMENT')
        await expectCode(fx.adapter.snapshot(handle, { at: 'f'.repeat(40) }), 'INVALID_ARGUMENT')
        for (const name of ['HEAD', 'main', '../x', ''])
          await expectCode(fx.adapter.snapshot(handle, { at: name }), 'INVALID_ARGUMENT')
        expect((await fx.adapter.snapshot(handle)).changes.map((c) => c.path)).toEqual(['a.txt'])
      })
    })

    describe('path safety', () => {
      it.each(UNSAFE_PATHS)('rejects %j on read, write and delete with WRITE_REJECTED', async (path) => {
        const fx = await setup()
        const { handle } = await open(fx)
        await expectCode(fx.adapter.read(handle, path), 'WRITE_REJECTED')
        await expectCode(fx.adapter.write(handle, path, utf8('pwned\n')), 'WRITE_REJECTED')
        await expectCode(
          fx.adapter.write(handle, path, utf8('pwned\n'), { executable: true }),
          'WRITE_REJECTED',
        )
        await expectCode(fx.adapter.delete(handle, path), 'WRITE_REJECTED')
        expect(await fx.outsideEntries()).toEqual({ 'secret.txt': 'top secret\n' })
        expect((await fx.adapter.snapshot(handle)).changes).toEqual([])
      })

      it('refuses to read or write through a symlink pointing outside (existing or dangling target)', async () => {
        const fx = await setup()
        const { handle } = await open(fx)
        await expectCode(fx.adapter.read(handle, 'links/out-file'), 'WRITE_REJECTED')
        await expectCode(fx.adapter.write(handle, 'links/out-file', utf8('pwned\n')), 'WRITE_REJECTED')
        await expectCode(fx.adapter.read(handle, 'links/out-missing'), 'WRITE_REJECTED')
        await expectCode(fx.adapter.write(handle, 'links/out-missing', utf8('pwned\n')), 'WRITE_REJECTED')
        expect(await fx.outsideEntries()).toEqual({ 'secret.txt': 'top secret\n' })
        expect((await fx.adapter.snapshot(handle)).changes).toEqual([])
        // A symlink that stays inside is followed.
        expect(Buffer.from((await fx.adapter.read(handle, 'links/inside'))!).toString()).toBe('# Project\n')
      })
    })

    describe('destroy', () => {
      it('removes the workspace and is idempotent', async () => {
        const fx = await setup()
        const { info, handle } = await open(fx)
        await fx.adapter.write(handle, 'unsaved.txt', utf8('lost on purpose\n'))
        await fx.adapter.destroy(handle)
        expect(await fx.workspaceExists(info)).toBe(false)
        await expect(fx.adapter.destroy(handle)).resolves.toBeUndefined()
        expect(await fx.workspaceExists(info)).toBe(false)
      })
    })
  })
}
