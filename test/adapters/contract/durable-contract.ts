/**
 * The durable adapter contract (docs/architecture.md#adapters). Every DurableAdapter runs this suite through
 * {@link describeDurableContract} with a fixture factory that seeds a repository and reads it back
 * independently of the adapter under test (real git for local adapters; a faked service for remote ones).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { DurableAdapter, PromotedPath } from '../../../src/core/adapters.ts'
import {
  applySeed,
  describeTree,
  expectCode,
  gitBlobId,
  memoryBlobSource,
  type ResolvedFile,
  resolveSeed,
  type SeedFiles,
  seedTree,
  sortedPaths,
  type TreeFile,
  utf8,
} from './fixtures.ts'

/** A seeded durable repository plus the hooks the suite reads it back with. */
export interface DurableFixture {
  adapter: DurableAdapter
  /** The branch holding the seed (exists). */
  branch: string
  /** The seed commit: the first commit of `branch`, holding exactly the seed files. */
  initial: string
  /**
   * Commits `files` (`null` deletes) the way a user would: on top of `branch`'s head (default the
   * fixture branch), or on top of `from`, creating or moving `branch`. Resolves the new commit.
   * A checked-out branch's working tree follows.
   */
  commit(
    files: SeedFiles,
    options?: { branch?: string; from?: string; merge?: string; message?: string },
  ): Promise<string>
  /** The branch's head read independently of the adapter, or `null` when it does not exist. */
  head(branch: string): Promise<string | null>
  /** Every file of the commit `rev` (recursive) with mode, blob id and bytes. */
  files(rev: string): Promise<Map<string, TreeFile>>
  /** A commit's tree, parents and exact message. */
  commitInfo(sha: string): Promise<{ tree: string; parents: string[]; message: string }>
  /** Removes everything the fixture made. */
  cleanup(): Promise<void>
}

/** Makes a fresh repository whose branch holds exactly `files` in one commit. */
export type DurableFixtureFactory = (files: SeedFiles) => Promise<DurableFixture>

/** The seed most tests start from: nested dirs, modes, a symlink, non-ASCII, binary, odd names. */
export const DURABLE_SEED: SeedFiles = {
  'README.md': '# Project\n',
  'src/app.ts': 'export const app = 1\n',
  'src/deep/util.ts': 'export const util = 2\n',
  'src2/other.ts': 'other\n',
  srcfile: 'a file whose name starts like a directory\n',
  'bin/run.sh': { content: '#!/bin/sh\necho run\n', executable: true },
  'scripts/build.sh': '#!/bin/sh\necho build\n',
  'link-to-readme': { symlink: 'README.md' },
  'café/naïve.txt': 'bonjour\n',
  'docs/guide.md': 'a guide\n',
  'del/me.txt': 'delete me\n',
  'empty.txt': '',
  'binary.bin': Buffer.from([0, 1, 2, 255, 254, 0, 10, 13, 0]),
  'odd name [x] *.txt': 'brackets, spaces and a star\n',
  ':(exclude)magic.txt': 'a name git would read as pathspec magic\n',
  ':dir/-dash.txt': 'a directory starting with a colon\n',
}

function toResolved(files: ReadonlyMap<string, TreeFile>): Map<string, ResolvedFile> {
  return new Map([...files].map(([path, f]) => [path, { mode: f.mode, bytes: f.bytes }]))
}

/** The promotion request paths for `changes`, plus the blob contents they need. */
function promotedPaths(changes: SeedFiles): { paths: PromotedPath[]; contents: Buffer[] } {
  const paths: PromotedPath[] = []
  const contents: Buffer[] = []
  for (const [path, file] of Object.entries(changes)) {
    if (file === null) {
      paths.push({ path, mode: null, oid: null })
      continue
    }
    const { mode, bytes } = resolveSeed(file)
    paths.push({ path, mode, oid: gitBlobId(bytes) })
    contents.push(bytes)
  }
  return { paths, contents }
}

/**
 * Registers the durable contract for one adapter. `makeFixture` is called once per test (each test gets
 * its own repository) and the fixture is cleaned up afterwards.
 */
export function describeDurableContract(name: string, makeFixture: DurableFixtureFactory): void {
  describe(`durable contract: ${name}`, () => {
    const made: DurableFixture[] = []
    const setup = async (files: SeedFiles = DURABLE_SEED): Promise<DurableFixture> => {
      const fixture = await makeFixture(files)
      made.push(fixture)
      return fixture
    }
    afterEach(async () => {
      await Promise.all(made.splice(0).map((f) => f.cleanup()))
    })

    describe('getHead', () => {
      it('returns the tip of a branch and follows it when it moves', async () => {
        const fx = await setup()
        expect(await fx.adapter.getHead(fx.branch)).toBe(fx.initial)
        const next = await fx.commit({ 'README.md': '# Moved\n' })
        expect(next).not.toBe(fx.initial)
        expect(await fx.adapter.getHead(fx.branch)).toBe(next)
        const feature = await fx.commit({ 'feature.txt': 'f\n' }, { branch: 'feature/x-1', from: fx.initial })
        expect(await fx.adapter.getHead('feature/x-1')).toBe(feature)
      })

      it('throws REF_NOT_FOUND for a missing branch (also for a prefix of an existing one)', async () => {
        const fx = await setup()
        await expectCode(fx.adapter.getHead('does-not-exist'), 'REF_NOT_FOUND')
        await expectCode(fx.adapter.getHead(fx.branch.slice(0, -1)), 'REF_NOT_FOUND')
      })
    })

    describe('listTree', () => {
      it('lists every file recursively with mode and blob id', async () => {
        const fx = await setup()
        const entries = await fx.adapter.listTree(fx.initial)
        const expected = seedTree(DURABLE_SEED)
        expect(sortedPaths(entries.map((e) => e.path))).toEqual(sortedPaths(expected.keys()))
        for (const entry of entries) {
          const file = expected.get(entry.path)!
          expect({ path: entry.path, mode: entry.mode, oid: entry.oid }).toEqual({
            path: entry.path,
            mode: file.mode,
            oid: gitBlobId(file.bytes),
          })
        }
      })

      it('limits to a directory prefix without matching siblings that share its first letters', async () => {
        const fx = await setup()
        const src = await fx.adapter.listTree(fx.initial, 'src')
        expect(sortedPaths(src.map((e) => e.path))).toEqual(['src/app.ts', 'src/deep/util.ts'])
        const deep = await fx.adapter.listTree(fx.initial, 'src/deep')
        expect(deep.map((e) => e.path)).toEqual(['src/deep/util.ts'])
        const cafe = await fx.adapter.listTree(fx.initial, 'café')
        expect(cafe.map((e) => e.path)).toEqual(['café/naïve.txt'])
        expect(await fx.adapter.listTree(fx.initial, 'nope')).toEqual([])
        expect((await fx.adapter.listTree(fx.initial, ':dir')).map((e) => e.path)).toEqual([':dir/-dash.txt'])
      })

      it('reads the tree of the commit asked for, not the branch head', async () => {
        const fx = await setup()
        const next = await fx.commit({ 'src/new.ts': 'new\n', 'src/app.ts': null })
        const old = await fx.adapter.listTree(fx.initial, 'src')
        const now = await fx.adapter.listTree(next, 'src')
        expect(sortedPaths(old.map((e) => e.path))).toEqual(['src/app.ts', 'src/deep/util.ts'])
        expect(sortedPaths(now.map((e) => e.path))).toEqual(['src/deep/util.ts', 'src/new.ts'])
      })
    })

    describe('readFile and readBlobs', () => {
      it('reads content and mode of regular, executable, symlink, empty, binary and non-ASCII files', async () => {
        const fx = await setup()
        const expected = seedTree(DURABLE_SEED)
        for (const path of [
          'README.md',
          'src/deep/util.ts',
          'bin/run.sh',
          'link-to-readme',
          'café/naïve.txt',
          'empty.txt',
          'binary.bin',
          'odd name [x] *.txt',
          ':(exclude)magic.txt',
          ':dir/-dash.txt',
        ]) {
          const file = await fx.adapter.readFile(fx.initial, path)
          expect(file, path).not.toBeNull()
          expect({ path, mode: file!.mode, bytes: Buffer.from(file!.bytes).toString('hex') }).toEqual({
            path,
            mode: expected.get(path)!.mode,
            bytes: expected.get(path)!.bytes.toString('hex'),
          })
        }
      })

      it('returns null for a missing path, a directory, and a file that only exists later', async () => {
        const fx = await setup()
        const next = await fx.commit({ 'later.txt': 'later\n' })
        expect(await fx.adapter.readFile(fx.initial, 'missing.txt')).toBeNull()
        expect(await fx.adapter.readFile(fx.initial, 'src/deep/missing.ts')).toBeNull()
        expect(await fx.adapter.readFile(fx.initial, 'src')).toBeNull()
        expect(await fx.adapter.readFile(fx.initial, 'later.txt')).toBeNull()
        expect(Buffer.from((await fx.adapter.readFile(next, 'later.txt'))!.bytes).toString()).toBe('later\n')
      })

      it('readBlobs returns the exact bytes of every requested blob', async () => {
        const fx = await setup()
        const wanted = ['README.md', 'binary.bin', 'empty.txt', 'café/naïve.txt'].map(
          (p) => seedTree(DURABLE_SEED).get(p)!.bytes,
        )
        const oids = wanted.map(gitBlobId)
        const blobs = await fx.adapter.readBlobs(oids)
        expect(blobs.size).toBe(oids.length)
        oids.forEach((oid, i) => {
          expect(Buffer.from(blobs.get(oid)!).equals(wanted[i]!), oid).toBe(true)
        })
      })
    })

    describe('changedPaths', () => {
      it('is exact: modifications, additions, deletions, mode-only, renames as both paths, non-ASCII, type changes', async () => {
        const fx = await setup()
        const change: SeedFiles = {
          'README.md': '# Changed\n',
          'new/deeper/file.txt': 'added\n',
          'del/me.txt': null,
          'scripts/build.sh': { content: '#!/bin/sh\necho build\n', executable: true },
          'docs/guide.md': null,
          'docs/renamed-guide.md': 'a guide\n',
          'café/naïve.txt': 'salut\n',
          'ñ/日本語.txt': 'nihongo\n',
          'link-to-readme': { symlink: 'docs/renamed-guide.md' },
          srcfile: { symlink: 'src' },
          'src2/other.ts': null,
          src2: 'src2 is now a file\n',
        }
        const next = await fx.commit(change)
        const expected = sortedPaths(Object.keys(change))
        const forward = await fx.adapter.changedPaths(fx.initial, next)
        expect(new Set(forward).size).toBe(forward.length)
        expect(sortedPaths(forward)).toEqual(expected)
        expect(sortedPaths(await fx.adapter.changedPaths(next, fx.initial))).toEqual(expected)
        expect(await fx.adapter.changedPaths(next, next)).toEqual([])
      })

      it('spans several commits: only the net difference between the two trees counts', async () => {
        const fx = await setup()
        const a = await fx.commit({ 'README.md': '# Temporarily changed\n', 'tmp.txt': 'tmp\n' })
        const b = await fx.commit({ 'README.md': '# Project\n', 'tmp.txt': null, 'kept.txt': 'kept\n' })
        expect(await fx.adapter.changedPaths(fx.initial, b)).toEqual(['kept.txt'])
        expect(sortedPaths(await fx.adapter.changedPaths(a, b))).toEqual(['README.md', 'kept.txt', 'tmp.txt'])
      })

      it('returns all 5,000 changed paths of one commit', async () => {
        const name = (i: number) =>
          `bulk/${String(i % 50).padStart(2, '0')}/file-${String(i).padStart(4, '0')}.txt`
        const fx = await setup()
        // On a side branch, so a checked-out fixture does not write 5,000 files into its work tree.
        const seed: SeedFiles = {}
        for (let i = 0; i < 4000; i++) seed[name(i)] = `v1 ${i}\n`
        const from = await fx.commit(seed, { branch: 'bulk', from: fx.initial })
        const change: SeedFiles = {}
        for (let i = 0; i < 2500; i++) change[name(i)] = `v2 ${i}\n` // modified
        for (let i = 2500; i < 4000; i++) change[name(i)] = null // deleted
        for (let i = 4000; i < 5000; i++) change[name(i)] = `new ${i}\n` // added
        const next = await fx.commit(change, { branch: 'bulk' })
        expect((await fx.commitInfo(next)).parents).toEqual([from])
        const paths = await fx.adapter.changedPaths(from, next)
        expect(paths.length).toBe(5000)
        expect(sortedPaths(paths)).toEqual(sortedPaths(Object.keys(change)))
      })
    })

    describe('applyCommit', () => {
      const MESSAGE =
        'feat: promote ☃ and friends\n\n  indented line kept\n# not a comment\n\n\nGittrix-Session: s-1\nGittrix-Baseline: 0123\n'

      it('writes exactly one commit on the parent: only the given paths change (content, deletion, 100755, 120000)', async () => {
        const fx = await setup()
        const parent = await fx.commit({ 'unrelated.txt': 'moved the branch once\n' })
        const before = await fx.files(parent)
        const change: SeedFiles = {
          'README.md': '# Promoted\n',
          'new/dir/added.txt': 'added by promotion\n',
          'del/me.txt': null,
          'scripts/build.sh': { content: '#!/bin/sh\necho build\n', executable: true },
          'bin/run.sh': { content: '#!/bin/sh\necho run\n', executable: false },
          'tools/new-tool': { content: '#!/bin/sh\necho tool\n', executable: true },
          'link-new': { symlink: 'src/app.ts' },
          'link-to-readme': { symlink: 'café/naïve.txt' },
          'café/naïve.txt': 'promoted ☕\n',
          'binary.bin': Buffer.from([255, 0, 255, 0, 1]),
          'empty-new.txt': '',
        }
        const { paths, contents } = promotedPaths(change)
        const result = await fx.adapter.applyCommit({
          branch: fx.branch,
          parent,
          expectedOld: parent,
          paths,
          blobs: memoryBlobSource(contents),
          message: MESSAGE,
        })
        expect(result.moved).toBe(true)
        if (!result.moved) return
        expect(await fx.head(fx.branch)).toBe(result.sha)
        const info = await fx.commitInfo(result.sha)
        expect(info.parents).toEqual([parent])
        expect(info.message).toBe(MESSAGE)
        const after = await fx.files(result.sha)
        expect(describeTree(toResolved(after))).toEqual(describeTree(applySeed(toResolved(before), change)))
        expect(sortedPaths(await fx.adapter.changedPaths(parent, result.sha))).toEqual(
          sortedPaths(Object.keys(change)),
        )
      })

      it('writes blobs that exist only behind blobs.readBlobs (no gitDir): large binary and text', async () => {
        const fx = await setup()
        const large = Buffer.alloc(1 << 20)
        for (let i = 0; i < large.length; i++) large[i] = (i * 7919 + (i >> 8)) & 0xff
        const change: SeedFiles = { 'assets/large.bin': large, 'notes/no-newline.txt': 'no newline at end' }
        const { paths, contents } = promotedPaths(change)
        const blobs = memoryBlobSource(contents)
        const result = await fx.adapter.applyCommit({
          branch: fx.branch,
          parent: fx.initial,
          expectedOld: fx.initial,
          paths,
          blobs,
          message: 'large\n',
        })
        expect(result.moved).toBe(true)
        if (!result.moved) return
        const after = await fx.files(result.sha)
        expect(after.get('assets/large.bin')!.bytes.equals(large)).toBe(true)
        expect(after.get('notes/no-newline.txt')!.bytes.toString()).toBe('no newline at end')
        expect(sortedPaths(new Set(blobs.requested))).toEqual(sortedPaths(paths.map((p) => p.oid!)))
      })

      it('rejects and moves nothing when the blob source returns other content than the id names', async () => {
        const fx = await setup()
        const claimed = utf8('what the session says\n')
        const result = fx.adapter.applyCommit({
          branch: fx.branch,
          parent: fx.initial,
          expectedOld: fx.initial,
          paths: [{ path: 'lie.txt', mode: '100644', oid: gitBlobId(claimed) }],
          blobs: { readBlobs: async (oids) => new Map(oids.map((o) => [o, utf8('something else\n')])) },
          message: 'lie\n',
        })
        await expect(result).rejects.toThrow()
        expect(await fx.head(fx.branch)).toBe(fx.initial)
      })

      it('CAS: a stale parent/expectedOld returns { moved: false, current } and leaves the branch untouched', async () => {
        const fx = await setup()
        const moved = await fx.commit({ 'README.md': '# Someone else was faster\n', 'other.txt': 'o\n' })
        const before = await fx.files(moved)
        const stale: SeedFiles[] = [
          { 'README.md': '# Stale promotion\n' }, // overlaps the newer commit
          { 'docs/guide.md': 'stale but disjoint\n' },
        ]
        for (const change of stale) {
          const { paths, contents } = promotedPaths(change)
          const result = await fx.adapter.applyCommit({
            branch: fx.branch,
            parent: fx.initial,
            expectedOld: fx.initial,
            paths,
            blobs: memoryBlobSource(contents),
            message: 'stale\n',
          })
          expect(result).toEqual({ moved: false, current: moved })
          expect(await fx.head(fx.branch)).toBe(moved)
          expect(describeTree(toResolved(await fx.files(moved)))).toEqual(describeTree(toResolved(before)))
        }
      })

      it('CAS: expectedOld null creates a new branch from the parent and refuses when the branch exists', async () => {
        const fx = await setup()
        const { paths, contents } = promotedPaths({ 'feature.txt': 'feature\n' })
        const created = await fx.adapter.applyCommit({
          branch: 'gittrix/promote/s-1',
          parent: fx.initial,
          expectedOld: null,
          paths,
          blobs: memoryBlobSource(contents),
          message: 'new branch\n',
        })
        expect(created.moved).toBe(true)
        if (!created.moved) return
        expect(await fx.head('gittrix/promote/s-1')).toBe(created.sha)
        expect((await fx.commitInfo(created.sha)).parents).toEqual([fx.initial])
        expect(await fx.head(fx.branch)).toBe(fx.initial)

        const again = await fx.adapter.applyCommit({
          branch: 'gittrix/promote/s-1',
          parent: fx.initial,
          expectedOld: null,
          paths,
          blobs: memoryBlobSource(contents),
          message: 'new branch again\n',
        })
        expect(again).toEqual({ moved: false, current: created.sha })
        expect(await fx.head('gittrix/promote/s-1')).toBe(created.sha)

        const existing = await fx.adapter.applyCommit({
          branch: fx.branch,
          parent: fx.initial,
          expectedOld: null,
          paths,
          blobs: memoryBlobSource(contents),
          message: 'must not clobber\n',
        })
        expect(existing).toEqual({ moved: false, current: fx.initial })
        expect(await fx.head(fx.branch)).toBe(fx.initial)
      })

      it('CAS: moving a branch that does not exist reports { moved: false, current: null } and creates nothing', async () => {
        const fx = await setup()
        const { paths, contents } = promotedPaths({ 'x.txt': 'x\n' })
        const result = await fx.adapter.applyCommit({
          branch: 'no-such-branch',
          parent: fx.initial,
          expectedOld: fx.initial,
          paths,
          blobs: memoryBlobSource(contents),
          message: 'x\n',
        })
        expect(result).toEqual({ moved: false, current: null })
        expect(await fx.head('no-such-branch')).toBeNull()
      })

      it('keeps every other path of a large tree byte-identical', async () => {
        const seed: SeedFiles = {}
        for (let i = 0; i < 1500; i++) seed[`tree/${i % 30}/f${i}.txt`] = `content ${i}\n`
        const fx = await setup(seed)
        const before = await fx.files(fx.initial)
        const change: SeedFiles = { 'tree/7/f7.txt': 'changed\n', 'tree/8/f8.txt': null }
        const { paths, contents } = promotedPaths(change)
        const result = await fx.adapter.applyCommit({
          branch: fx.branch,
          parent: fx.initial,
          expectedOld: fx.initial,
          paths,
          blobs: memoryBlobSource(contents),
          message: 'two paths\n',
        })
        expect(result.moved).toBe(true)
        if (!result.moved) return
        const after = await fx.files(result.sha)
        expect(after.size).toBe(before.size - 1)
        for (const [path, file] of before) {
          if (path in change) continue
          expect(after.get(path)?.oid, path).toBe(file.oid)
          expect(after.get(path)?.mode, path).toBe(file.mode)
        }
        expect(after.get('tree/7/f7.txt')!.bytes.toString()).toBe('changed\n')
      })
    })

    describe('findPromotion: only a promotion of this session on this history counts', () => {
      const message = (id: string, baseline: string, body = '') =>
        `gittrix: task\n\n${body}Gittrix-Session: ${id}\nGittrix-Baseline: ${baseline}\n`

      /**
       * A commit the adapter itself writes (its `applyCommit`), as a promotion does: the only kind a
       * host that checks authorship (GitHub) accepts. Creates `branch` when `create`.
       */
      async function promote(
        fx: DurableFixture,
        parent: string,
        text: string,
        options: { branch?: string; create?: boolean; file?: string } = {},
      ): Promise<string> {
        const bytes = utf8(`${options.file ?? 'promoted'}\n`)
        const result = await fx.adapter.applyCommit({
          branch: options.branch ?? fx.branch,
          parent,
          expectedOld: options.create ? null : parent,
          paths: [{ path: `${options.file ?? 'promoted'}.txt`, mode: '100644', oid: gitBlobId(bytes) }],
          blobs: memoryBlobSource([bytes]),
          message: text,
        })
        if (!result.moved) throw new Error('the fixture promotion did not land')
        return result.sha
      }

      const on = (fx: DurableFixture, sessionId: string, baselineSha: string) =>
        fx.adapter.findPromotion({ branch: fx.branch, sessionId, baselineSha })

      it('finds the newest promotion after the baseline; not another session, a prefix, or another baseline', async () => {
        const fx = await setup()
        const landed = await promote(fx, fx.initial, message('sess-1', fx.initial))
        const later = await fx.commit({ 'after.txt': 'after\n' }, { message: 'unrelated later work\n' })
        expect(await on(fx, 'sess-1', fx.initial)).toBe(landed)
        expect(await on(fx, 'sess-2', fx.initial)).toBeNull()
        expect(await on(fx, 'sess-', fx.initial)).toBeNull()
        expect(await on(fx, 'sess', fx.initial)).toBeNull()
        // The session's real baseline only: the same trailers do not answer for another baseline.
        expect(await on(fx, 'sess-1', later)).toBeNull()
        expect(await on(fx, 'sess-1', landed)).toBeNull()
        expect(await on(fx, 'sess-1', 'f'.repeat(40))).toBeNull()
      })

      it('refuses trailers outside the final trailer block, repeated, conflicting or misspelt', async () => {
        const fx = await setup()
        const B = fx.initial
        const texts = [
          // In the body, followed by another paragraph.
          `${message('sess-1', B)}\nMerged by a human.\n`,
          // The final block has only one of the two.
          `gittrix: task\n\nGittrix-Session: sess-1\n\nGittrix-Baseline: ${B}\n`,
          // Repeated, and conflicting.
          message('sess-1', B, 'Gittrix-Session: sess-1\n'),
          message('sess-1', B, 'Gittrix-Session: sess-2\n'),
          message('sess-1', B, `gittrix-baseline: ${B}\n`),
          // Only a trailer block, no title: git reads no trailers in the first paragraph.
          `Gittrix-Session: sess-1\nGittrix-Baseline: ${B}\n`,
        ]
        let parent = B
        for (const [i, text] of texts.entries()) parent = await promote(fx, parent, text, { file: `f${i}` })
        expect(await on(fx, 'sess-1', B)).toBeNull()
      })

      it('refuses a promotion below the baseline, and a baseline off the first-parent history', async () => {
        const fx = await setup()
        const early = await promote(fx, fx.initial, message('sess-1', fx.initial))
        const baseline = await fx.commit({ 'b.txt': 'b\n' }, { message: 'the session starts here\n' })
        // A promotion of sess-1 naming `baseline`, but sitting below it.
        const side = await promote(fx, fx.initial, message('sess-1', baseline), {
          branch: 'side',
          create: true,
        })
        expect(await on(fx, 'sess-1', baseline)).toBeNull()
        expect(early).not.toBe(side)
        // The baseline is only on a side branch merged in: nothing on the main line is after it.
        const sideBase = await fx.commit({ 's.txt': 's\n' }, { branch: 'side2', from: fx.initial })
        const merged = await fx.commit({}, { merge: sideBase, message: 'merge side2\n' })
        const after = await promote(fx, merged, message('sess-3', sideBase), { file: 'after' })
        expect(await on(fx, 'sess-3', sideBase)).toBeNull()
        expect(after).toBeTruthy()
      })

      it('refuses a promotion on a side branch merged in, and a merge commit carrying the trailers', async () => {
        const fx = await setup()
        const side = await promote(fx, fx.initial, message('sess-1', fx.initial), {
          branch: 'side',
          create: true,
        })
        const merged = await fx.commit({}, { merge: side, message: 'Merge branch side\n' })
        expect((await fx.commitInfo(merged)).parents).toEqual([fx.initial, side])
        expect(await on(fx, 'sess-1', fx.initial)).toBeNull()
        const other = await fx.commit({ 'o.txt': 'o\n' }, { branch: 'other', from: fx.initial })
        await fx.commit({}, { merge: other, message: message('sess-2', fx.initial) })
        expect(await on(fx, 'sess-2', fx.initial)).toBeNull()
      })

      it('a promotion branch counts only when its head is the promotion and its parent is on the durable branch', async () => {
        const fx = await setup()
        const query = (branch: string, sessionId: string) =>
          fx.adapter.findPromotion({ branch, sessionId, baselineSha: fx.initial, durableBranch: fx.branch })
        const moved = await fx.commit({ 'm.txt': 'm\n' }, { message: 'main moves on\n' })
        const good = await promote(fx, moved, message('sess-1', fx.initial), {
          branch: 'gittrix/promote/sess-1',
          create: true,
        })
        expect(await query('gittrix/promote/sess-1', 'sess-1')).toBe(good)
        expect(await query('gittrix/promote/sess-1', 'sess-2')).toBeNull()
        // Extra work under the promotion: its parent is not on the durable branch.
        const extra = await fx.commit(
          { 'x.txt': 'x\n' },
          { branch: 'gittrix/promote/sess-2', from: fx.initial },
        )
        await promote(fx, extra, message('sess-2', fx.initial), { branch: 'gittrix/promote/sess-2' })
        expect(await query('gittrix/promote/sess-2', 'sess-2')).toBeNull()
        // A promotion that is not the head.
        const buried = await promote(fx, fx.initial, message('sess-3', fx.initial), {
          branch: 'gittrix/promote/sess-3',
          create: true,
        })
        await fx.commit({ 'y.txt': 'y\n' }, { branch: 'gittrix/promote/sess-3', from: buried })
        expect(await query('gittrix/promote/sess-3', 'sess-3')).toBeNull()
        expect(await query('gittrix/promote/missing', 'sess-1')).toBeNull()
      })

      it('looks only at the branch asked for; a missing branch has none', async () => {
        const fx = await setup()
        await promote(fx, fx.initial, message('sess-9', fx.initial), { branch: 'feature', create: true })
        expect(await on(fx, 'sess-9', fx.initial)).toBeNull()
        expect(
          await fx.adapter.findPromotion({ branch: 'nope', sessionId: 'sess-9', baselineSha: fx.initial }),
        ).toBeNull()
      })
    })

    it('declares its capabilities and a ref naming the branch', async () => {
      const fx = await setup()
      const strategies = fx.adapter.capabilities().strategies
      expect(strategies).toContain('commit')
      expect(strategies).toContain('patch')
      expect(fx.adapter.ref(fx.branch)).toContain(fx.branch)
      expect(fx.adapter.ref(fx.branch)).not.toBe(fx.adapter.ref('other'))
    })
  })
}
