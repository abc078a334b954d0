/**
 * Issue 13, observation 7: a selector entry that names a touched path exactly selects that path only,
 * even when it also reads as a glob (`notes/v[1].txt` must not promote `notes/v1.txt`); git's
 * `:(literal)` magic and `literal: true` (CLI `--literal`) select paths only; globs still work.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/run.ts'
import type { UserSession } from '../../src/index.ts'
import { changedBy, headOf, makeWorld, rejectionOf, type World } from './helpers.ts'

let world: World
let session: UserSession
beforeEach(async () => {
  world = makeWorld({ 'README.md': '# Project\n' })
  session = await world.gittrix().startSession({ task: 'selectors' })
  for (const path of ['notes/v[1].txt', 'notes/v1.txt', 'notes/v*.txt', 'notes/a.txt'])
    await session.write(path, `${path}\n`)
})
afterEach(() => world.dispose())

describe('selectors', () => {
  it('an exact touched path wins over the same text as a glob', async () => {
    const outcome = await session.promote({ selector: { mode: 'files', files: ['notes/v[1].txt'] } })
    expect(outcome.files).toEqual(['notes/v[1].txt'])
    expect(changedBy(world.repo, outcome.sha)).toEqual({ 'notes/v[1].txt': 'A' })
  })

  it('`notes/v*.txt` names the file called that when it is touched; `:(literal)` and literal: true never glob', async () => {
    const star = await session.promote({
      selector: { mode: 'files', files: ['notes/v*.txt'] },
      strategy: 'patch',
    })
    expect(star.files).toEqual(['notes/v*.txt'])
    const magic = await session.promote({
      selector: { mode: 'files', files: [':(literal)notes/v[1].txt'] },
      strategy: 'patch',
    })
    expect(magic.files).toEqual(['notes/v[1].txt'])
    const literal = await rejectionOf(
      session.promote({ selector: { mode: 'files', files: ['notes/?.txt'], literal: true } }),
    )
    expect(literal).toMatchObject({ code: 'PROMOTE_FAILED', stage: 'staging', paths: ['notes/?.txt'] })
    expect(headOf(world.repo)).toBe(world.head)
    // A glob that names no touched path exactly is still a glob.
    const glob = await session.promote({
      selector: { mode: 'files', files: ['notes/v?.txt'] },
      strategy: 'patch',
    })
    expect(glob.files).toEqual(['notes/v*.txt', 'notes/v1.txt'])
  })

  it('the CLI: -f with an exact path, :(literal) and --literal', async () => {
    const run = async (...args: string[]) => {
      const out: string[] = []
      const io: CliIo = {
        stdout: (chunk) => void out.push(Buffer.from(chunk).toString()),
        stderr: () => {},
        readStdin: async () => Buffer.alloc(0),
        cwd: world.repo,
        env: {},
      }
      const code = await runCli(['--store', world.store, '--json', ...args], io)
      return {
        code,
        json: JSON.parse(out.join('')) as {
          ok: boolean
          data?: { files: string[] }
          error?: { code: string }
        },
      }
    }
    const exact = await run('promote', session.id, '--strategy', 'patch', '-f', 'notes/v[1].txt')
    expect(exact.json.data?.files).toEqual(['notes/v[1].txt'])
    const literal = await run('promote', session.id, '--strategy', 'patch', '--literal', '-f', 'notes/v?.txt')
    expect(literal.code).toBe(1)
    expect(literal.json.error?.code).toBe('PROMOTE_FAILED')
    const magic = await run('promote', session.id, '-f', ':(literal)notes/v1.txt')
    expect(magic.json.data?.files).toEqual(['notes/v1.txt'])
  })
})
