/**
 * Bad input: each a clear GittrixError with the right code, and nothing written (durable branch,
 * session state and metadata unchanged).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type GitTrix, GittrixError, type UserSession } from '../../src/index.ts'
import { commitsSince, headOf, makeWorld, metadataOnDisk, rejectionOf, type World } from './helpers.ts'

describe('bad input', () => {
  let world: World
  let gittrix: GitTrix
  let session: UserSession
  let metaFile: string
  beforeEach(async () => {
    world = makeWorld({ 'README.md': '# Project\n', 'docs/guide.md': 'guide\n' })
    gittrix = world.gittrix()
    session = await gittrix.startSession({ task: 'bad input' })
    metaFile = join(world.store, session.id, 'metadata.json')
  })
  afterEach(() => world.dispose())

  /** Asserts the durable branch and the session are as they were. */
  function expectNothingWritten(state = 'active'): void {
    expect(headOf(world.repo)).toBe(world.head)
    expect(commitsSince(world.repo, world.head)).toEqual([])
    const meta = metadataOnDisk(world.store, session.id)
    expect(meta.state).toBe(state)
    expect(meta.promote.result).toBeNull()
  }

  it('an unknown session id is SESSION_NOT_FOUND, a malformed one INVALID_ARGUMENT', async () => {
    const missing = await rejectionOf(gittrix.getSession('sess_doesnotexist00'))
    expect(missing).toBeInstanceOf(GittrixError)
    expect(missing.code).toBe('SESSION_NOT_FOUND')
    expect(String(missing.message)).toContain('sess_doesnotexist00')

    for (const id of ['../escape', 'a/b', '', 'sess id', 'x'.repeat(65), `..${'/'}..`]) {
      const error = await rejectionOf(gittrix.getSession(id))
      expect(error.code).toBe('INVALID_ARGUMENT')
    }
    expect(await gittrix.listSessions()).toHaveLength(1)
  })

  it('malformed metadata.json is METADATA_INVALID naming the file; nothing is written', async () => {
    await session.write('README.md', '# changed\n')
    for (const text of [
      '{ not json',
      '[]',
      JSON.stringify({ ...metadataOnDisk(world.store, session.id), state: 'bogus' }),
    ]) {
      writeFileSync(metaFile, text)
      for (const op of [
        () => gittrix.getSession(session.id),
        () => session.promote({ selector: { mode: 'all' } }),
      ]) {
        const error = await rejectionOf(op())
        expect(error.code).toBe('METADATA_INVALID')
        expect(error.file).toBe(metaFile)
        expect(String(error.message)).toContain(metaFile)
      }
      expect(readFileSync(metaFile, 'utf8')).toBe(text)
    }
    expect(headOf(world.repo)).toBe(world.head)
    // listSessions keeps working and skips the broken session.
    expect(await gittrix.listSessions()).toEqual([])
  })

  it('metadataVersion 2 is METADATA_VERSION_UNSUPPORTED; nothing is written', async () => {
    await session.write('README.md', '# changed\n')
    const future = JSON.stringify({ ...JSON.parse(readFileSync(metaFile, 'utf8')), metadataVersion: 2 })
    writeFileSync(metaFile, future)
    for (const op of [
      () => gittrix.getSession(session.id),
      () => session.promote({ selector: { mode: 'all' } }),
      () => session.write('README.md', 'again'),
    ]) {
      const error = await rejectionOf(op())
      expect(error.code).toBe('METADATA_VERSION_UNSUPPORTED')
      expect(error.file).toBe(metaFile)
      expect(String(error.message)).toMatch(/metadataVersion 2/)
    }
    expect(readFileSync(metaFile, 'utf8')).toBe(future)
    expect(headOf(world.repo)).toBe(world.head)
  })

  it('a selector naming an untouched file is PROMOTE_FAILED (staging) listing the paths', async () => {
    await session.write('README.md', '# changed\n')
    const error = await rejectionOf(
      session.promote({ selector: { mode: 'files', files: ['README.md', 'docs/guide.md', 'nope.txt'] } }),
    )
    expect(error.code).toBe('PROMOTE_FAILED')
    expect(error.stage).toBe('staging')
    expect(error.paths).toEqual(['docs/guide.md', 'nope.txt'])
    expect(String(error.message)).toContain('docs/guide.md')
    expectNothingWritten()
  })

  it('a glob that matches no touched file is PROMOTE_FAILED (staging)', async () => {
    await session.write('README.md', '# changed\n')
    const error = await rejectionOf(session.promote({ selector: { mode: 'files', files: ['docs/**'] } }))
    expect(error.code).toBe('PROMOTE_FAILED')
    expect(error.stage).toBe('staging')
    expect(error.paths).toEqual(['docs/**'])
    expectNothingWritten()
  })

  it('an empty selection, and "all" with no changes, are PROMOTE_FAILED (staging)', async () => {
    const none = await rejectionOf(session.promote({ selector: { mode: 'all' } }))
    expect(none.code).toBe('PROMOTE_FAILED')
    expect(none.stage).toBe('staging')
    await session.write('README.md', '# changed\n')
    const empty = await rejectionOf(session.promote({ selector: { mode: 'files', files: [] } }))
    expect(empty.code).toBe('PROMOTE_FAILED')
    expect(empty.stage).toBe('staging')
    // A write that restores the baseline content is no change either.
    await session.write('README.md', '# Project\n')
    expect((await rejectionOf(session.promote({ selector: { mode: 'all' } }))).stage).toBe('staging')
    expectNothingWritten()
  })

  it('an unknown strategy or selector is INVALID_ARGUMENT; an unsupported one CAPABILITY_MISSING', async () => {
    await session.write('README.md', '# changed\n')
    const strategy = await rejectionOf(
      session.promote({ selector: { mode: 'all' }, strategy: 'yolo' as unknown as 'commit' }),
    )
    expect(strategy.code).toBe('INVALID_ARGUMENT')
    expect(String(strategy.message)).toContain('yolo')
    const selector = await rejectionOf(
      session.promote({ selector: { mode: 'some' } as unknown as { mode: 'all' } }),
    )
    expect(selector.code).toBe('INVALID_ARGUMENT')
    const pr = await rejectionOf(session.promote({ selector: { mode: 'all' }, strategy: 'pr' }))
    expect(pr.code).toBe('CAPABILITY_MISSING')
    expectNothingWritten()
  })

  it('operations on a discarded session are SESSION_EXPIRED', async () => {
    await session.write('README.md', '# changed\n')
    await session.discard()
    const agent = session.forAgent()
    for (const op of [
      () => session.promote({ selector: { mode: 'all' } }),
      () => session.write('README.md', 'x'),
      () => session.read('README.md'),
      () => session.delete('README.md'),
      () => session.list(),
      () => session.diff(),
      () => session.commit('x'),
      () => session.extend(1000),
      () => agent.write('README.md', 'x'),
      () => agent.read('README.md'),
    ]) {
      const error = await rejectionOf(op())
      expect(error.code).toBe('SESSION_EXPIRED')
      expect(error.state).toBe('discarded')
    }
    expectNothingWritten('discarded')
  })

  it('extend() with a non-positive or fractional duration is INVALID_ARGUMENT', async () => {
    const before = readFileSync(metaFile, 'utf8')
    for (const ms of [-1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await rejectionOf((async () => session.extend(ms))())
      expect(error.code).toBe('INVALID_ARGUMENT')
    }
    expect(readFileSync(metaFile, 'utf8')).toBe(before)
  })

  it('write() with content that is neither a string nor bytes is INVALID_ARGUMENT', async () => {
    const error = await rejectionOf((async () => session.write('README.md', 42 as unknown as string))())
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(await session.touchedFiles()).toEqual([])
  })
})
