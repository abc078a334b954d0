/**
 * Invariant 8 through the session API: unsafe paths on read, write, delete and promote are rejected
 * with WRITE_REJECTED and nothing is written outside the workspace (nor into its .git).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { UserSession } from '../../src/index.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'
import { commitsSince, headOf, makeWorld, metadataOnDisk, rejectionOf, type World } from './helpers.ts'

describe('invariant 8: paths are confined', () => {
  let world: World
  let session: UserSession
  let ws: string
  let outside: string
  beforeEach(async () => {
    world = makeWorld({ 'README.md': '# Project\n', 'dir/inner.txt': 'inner\n' })
    session = await world.gittrix().startSession({ task: 'paths' })
    ws = session.workspacePath!
    outside = tempDir('gittrix-outside-')
    writeFileSync(join(outside, 'secret.txt'), 'secret\n')
  })
  afterEach(() => {
    world.dispose()
    cleanup(outside)
  })

  const UNSAFE = [
    '../escape',
    '../../escape',
    'a/../../b',
    'dir/../../b',
    '.git/config',
    '.git/hooks/pre-commit',
    'sub/.git/config',
    '.GIT/config',
    'a\0b',
    '..',
    '',
  ]

  it.each(UNSAFE)('write/read/delete of %j are WRITE_REJECTED and write nothing', async (path) => {
    const agent = session.forAgent()
    const configBefore = readFileSync(join(ws, '.git/config'), 'utf8')
    for (const attempt of [
      () => agent.write(path, 'pwned\n'),
      () => session.write(path, 'pwned\n'),
      () => agent.read(path),
      () => agent.delete(path),
      () => session.delete(path),
    ]) {
      // A rejected promise, never a synchronous throw: callers using .catch() must see it too.
      let promise: Promise<unknown> | undefined
      expect(() => {
        promise = attempt()
      }).not.toThrow()
      const error = await rejectionOf(promise!)
      expect(error.code).toBe('WRITE_REJECTED')
    }
    expect(existsSync(join(ws, '..', 'escape'))).toBe(false)
    expect(existsSync(join(ws, '..', '..', 'escape'))).toBe(false)
    expect(existsSync(join(ws, '..', 'b'))).toBe(false)
    expect(readFileSync(join(ws, '.git/config'), 'utf8')).toBe(configBefore)
    expect(existsSync(join(ws, '.git/hooks/pre-commit'))).toBe(false)
    expect(existsSync(join(ws, 'dir/inner.txt'))).toBe(true)
    expect(await session.touchedFiles()).toEqual([])
  })

  it('absolute paths are rejected and nothing appears there', async () => {
    const target = join(outside, 'abs-target.txt')
    for (const path of [target, '/etc/passwd', join(outside, 'secret.txt')]) {
      expect((await rejectionOf(session.forAgent().write(path, 'x'))).code).toBe('WRITE_REJECTED')
      expect((await rejectionOf(session.forAgent().read(path))).code).toBe('WRITE_REJECTED')
      expect((await rejectionOf(session.forAgent().delete(path))).code).toBe('WRITE_REJECTED')
    }
    expect(existsSync(target)).toBe(false)
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret\n')
  })

  it('symlinks leading outside the workspace cannot be written, read or deleted through', async () => {
    // The agent (with a shell) plants links to the outside directory and to a file there.
    symlinkSync(outside, join(ws, 'out-dir'))
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'out-file'))
    symlinkSync('../../../../../../../../../../../../tmp', join(ws, 'relative-out'))
    const agent = session.forAgent()

    for (const path of ['out-dir/new.txt', 'out-dir/secret.txt', 'out-file', 'relative-out/gittrix-x']) {
      expect((await rejectionOf(agent.write(path, 'pwned\n'))).code).toBe('WRITE_REJECTED')
    }
    expect((await rejectionOf(agent.read('out-file'))).code).toBe('WRITE_REJECTED')
    expect((await rejectionOf(agent.read('out-dir/secret.txt'))).code).toBe('WRITE_REJECTED')
    expect((await rejectionOf(agent.delete('out-dir/secret.txt'))).code).toBe('WRITE_REJECTED')
    expect(existsSync(join(outside, 'new.txt'))).toBe(false)
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret\n')
    expect(existsSync('/tmp/gittrix-x')).toBe(false)

    // A symlink that stays inside is fine to read through.
    mkdirSync(join(ws, 'links'))
    symlinkSync('../README.md', join(ws, 'links/readme'))
    expect(new TextDecoder().decode(await agent.read('links/readme'))).toBe('# Project\n')
  })

  it('promoting a symlink that points outside the repository is PROMOTE_FAILED (staging) and writes nothing', async () => {
    await session.write('fine.txt', 'fine\n')
    symlinkSync('/etc/passwd', join(ws, 'abs-link'))
    mkdirSync(join(ws, 'deep'))
    symlinkSync('../../outside.txt', join(ws, 'deep/rel-link'))
    expect(lstatSync(join(ws, 'abs-link')).isSymbolicLink()).toBe(true)

    for (const files of [['abs-link'], ['deep/rel-link'], ['fine.txt', 'abs-link']]) {
      const error = await rejectionOf(session.promote({ selector: { mode: 'files', files } }))
      expect(error.code).toBe('PROMOTE_FAILED')
      expect(error.stage).toBe('staging')
      expect(error.paths).toEqual(files.filter((f) => f !== 'fine.txt'))
    }
    const all = await rejectionOf(session.promote({ selector: { mode: 'all' } }))
    expect(all.code).toBe('PROMOTE_FAILED')
    expect(all.paths).toEqual(['abs-link', 'deep/rel-link'])
    expect(headOf(world.repo)).toBe(world.head)
    expect(commitsSince(world.repo, world.head)).toEqual([])
    expect(metadataOnDisk(world.store, session.id).state).toBe('active')

    // Without the escaping links the rest still promotes.
    const ok = await session.promote({ selector: { mode: 'files', files: ['fine.txt'] } })
    expect(commitsSince(world.repo, world.head)).toEqual([ok.sha])
  })

  it('unsafe selector paths are rejected before anything happens', async () => {
    await session.write('fine.txt', 'fine\n')
    for (const files of [['../fine.txt'], ['/fine.txt'], ['.git/config'], ['fine.txt\0']]) {
      const error = await rejectionOf(session.promote({ selector: { mode: 'files', files } }))
      expect(error.code).toBe('WRITE_REJECTED')
    }
    expect(headOf(world.repo)).toBe(world.head)
  })
})
