/**
 * Issue 13, observation 1, "Done when": 10,000 generated paths per workspace kind (clone, worktree,
 * copy) go through the adapter's write, read and delete, against a workspace armed the way a hostile
 * agent with a shell would arm it (links to `.git`, chains, `..` after links, absolute links, a nested
 * repository, a worktree-style `.git` file, a loop, a link out of the workspace). Deterministic: a
 * seeded generator, so a failure names the path and replays. Passes when:
 * - every operation either succeeds or fails with a stable path code (never a raw error),
 * - not one byte changed outside the workspace's own files: every `.git` (the workspace's, the nested
 *   one, the durable repository's), the durable work tree, the session's private state, a directory
 *   outside the workspace, and
 * - every file a write created is inside the workspace and outside any `.git`.
 */
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { WorkspaceHandle } from '../../src/core/adapters.ts'
import { isGittrixError, LocalEphemeralAdapter, type LocalWorkspaceKind } from '../../src/index.ts'
import { cleanup, git, tempDir } from '../support/git-fixtures.ts'
import { makeWorld, manifest } from './helpers.ts'

const PATHS_PER_KIND = 10_000
const ALLOWED = new Set(['WRITE_REJECTED', 'PATH_TOO_LONG', 'PATH_CONFLICT', 'FILE_NOT_FOUND'])

/** mulberry32: small, fast, seeded. */
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

/** The path classes of the issue, as segment pools a path is built from. */
function generator(seed: number, ws: string, outside: string): () => string {
  const random = rng(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const gitNames = [
    '.git',
    '.GIT',
    '.Git',
    '.gIT',
    '.git.',
    '.git ',
    '.git. .',
    '.git...',
    '.git::$INDEX_ALLOCATION',
    '.git:stream',
    'git~1',
    'GIT~1',
    '.g\u200cit',
    '.\ufeffgit',
    '.git\u200d',
    '.gi\u206at',
    '.git\\config',
    'x\\.git',
  ]
  const linkPrefixes = [
    'tools/gitdir',
    'to-git',
    'abs-git',
    'chain1',
    'dotdot',
    'up',
    'up/up',
    'self',
    'self/self/tools/gitdir',
    'abs-out',
    'loop',
    'to-nested',
    'nested',
    'wt',
    'wt-file',
    'deep/a/b',
    'deep/a/b/back',
  ]
  const plain = [
    'a',
    'b.txt',
    'docs',
    'config',
    'HEAD',
    'hooks',
    'index',
    'objects',
    '...',
    '..x',
    'x..',
    '.gitignore',
    '.gitx',
    'caf\udce9',
    '\udc95\\',
    'ok file',
  ]
  const weird = ['..', '.', '', '../..', '\0', 'a\0b', '\ud800', '\\\\server\\share', 'C:\\x', 'c:x', '..\\x']
  const long = () => 'L'.repeat(pick([200, 255, 256, 300, 1000, 5000]))
  const segment = (): string => {
    const r = random()
    if (r < 0.3) return pick(gitNames)
    if (r < 0.6) return pick(plain)
    if (r < 0.8) return pick(weird)
    if (r < 0.85) return long()
    return `f${Math.floor(random() * 1000)}`
  }
  return () => {
    const r = random()
    if (r < 0.05) return pick([`${ws}/.git/config`, `${outside}/x`, '/etc/passwd', `/${pick(gitNames)}/x`])
    if (r < 0.08) return Array.from({ length: 40 }, () => 'd'.repeat(120)).join('/')
    const parts: string[] = []
    if (random() < 0.6) parts.push(pick(linkPrefixes))
    const n = 1 + Math.floor(random() * 4)
    for (let i = 0; i < n; i++) parts.push(segment())
    return parts.join(pick(['/', '/', '/', '//', '/./']))
  }
}

/** The links and repositories a hostile agent plants (re-planted whenever a delete removed one). */
function plant(ws: string, outside: string): void {
  const links: [string, string][] = [
    ['to-git', '.git'],
    ['abs-git', join(ws, '.git')],
    ['chain1', 'chain2'],
    ['chain2', 'chain3'],
    ['chain3', 'tools/gitdir'],
    ['dotdot', 'tools/gitdir/../tools/gitdir/..'],
    ['up', '..'],
    ['self', '.'],
    ['abs-out', outside],
    ['loop', 'loop'],
    ['to-nested', 'nested/.git'],
    ['wt-file', 'wt/.git'],
    ['deep/a/b/back', '../../../.git'],
  ]
  mkdirSync(join(ws, 'deep/a/b'), { recursive: true })
  for (const [name, target] of links) {
    const path = join(ws, name)
    if (!exists(path)) symlinkSync(target, path)
  }
  if (!exists(join(ws, 'nested/.git'))) git(outside, 'init', '-q', join(ws, 'nested'))
  if (!exists(join(ws, 'wt/.git'))) {
    mkdirSync(join(ws, 'wt'), { recursive: true })
    writeFileSync(join(ws, 'wt/.git'), `gitdir: ${join(outside, 'fake-worktree-gitdir')}\n`)
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

/** Under any `.git` (or alias) segment, relative to the workspace? */
function insideGit(rel: string): boolean {
  return rel
    .split('/')
    .some((s) =>
      /^(\.git|git~1)[. ]*(:.*)?$/i.test(s.replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, '')),
    )
}

const totals: Record<string, { paths: number; ok: number; refused: Record<string, number> }> = {}
afterAll(() => {
  console.log(`path fuzz: ${JSON.stringify(totals)}`)
})

describe.each(['clone', 'worktree', 'copy'] as LocalWorkspaceKind[])('path fuzz, %s workspace', (kind) => {
  it(`${PATHS_PER_KIND} seeded paths through write, read and delete: 0 escapes`, async () => {
    const world = makeWorld({ 'README.md': '# Project\n', 'tools/run.sh': '#!/bin/sh\n', 'docs/a.md': 'a\n' })
    const outside = tempDir('gittrix-outside-')
    try {
      symlinkSync('../.git', join(world.repo, 'tools/gitdir'))
      git(world.repo, 'add', 'tools/gitdir')
      git(world.repo, 'commit', '-qm', 'a symlink into .git')
      writeFileSync(join(outside, 'secret.txt'), 'secret\n')
      const adapter = new LocalEphemeralAdapter({ kind })
      const session = await world.gittrix({ ephemeral: adapter }).startSession({ task: `fuzz ${kind}` })
      const meta = await session.info()
      const ws = session.workspacePath!
      const handle: WorkspaceHandle = {
        sessionId: meta.id,
        sessionDir: join(world.store, meta.id),
        baselineSha: meta.baselineSha,
        ephemeralRef: meta.ephemeralRef,
        ephemeralPath: ws,
      }
      plant(ws, outside)
      const protectedDirs = [
        world.repo,
        outside,
        join(world.store, meta.id, 'ephemeral'),
        join(world.store, meta.id, 'metadata.json'),
        join(ws, '.git'),
        join(ws, 'nested/.git'),
        join(ws, 'wt/.git'),
      ]
      const before = protectedDirs.map(manifest)
      const next = generator(13 + kind.length, ws, outside)
      const unexpected: string[] = []
      const written: string[] = []
      const refused: Record<string, number> = {}
      let ok = 0
      for (let i = 0; i < PATHS_PER_KIND; i++) {
        const path = next()
        const op = i % 10 < 6 ? 'write' : i % 10 < 8 ? 'read' : 'delete'
        try {
          if (op === 'write') await adapter.write(handle, path, Buffer.from(`fuzz ${i}\n`))
          else if (op === 'read') await adapter.read(handle, path)
          else await adapter.delete(handle, path)
          ok += 1
          if (op === 'write') written.push(path)
          if (op === 'delete') plant(ws, outside)
        } catch (error) {
          if (isGittrixError(error) && ALLOWED.has(error.code))
            refused[error.code] = (refused[error.code] ?? 0) + 1
          else unexpected.push(`${op} ${JSON.stringify(path)}: ${(error as Error).message}`)
        }
      }
      totals[kind] = { paths: PATHS_PER_KIND, ok, refused }
      expect(unexpected).toEqual([])
      // Not one byte changed in any protected place.
      expect(protectedDirs.map(manifest)).toEqual(before)
      // Every other file in the workspace (what the fuzz wrote) is outside any .git.
      const own = Object.keys(manifest(ws)).filter((k) => !/^(\.git|nested\/\.git|wt\/\.git)(\/|$)/.test(k))
      expect(own.filter(insideGit)).toEqual([])
      expect(written.length).toBeGreaterThan(500)
    } finally {
      world.dispose()
      cleanup(outside)
    }
  })
})
