/**
 * Workspaces are read through a private git directory (no configuration of the agent's), yet files the
 * user ignores everywhere (their global excludes file) stay out of touched files, as they would in
 * `git status`. Its own file: the excludes file is resolved once per process.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, tempDir } from '../../support/git-fixtures.ts'
import { makeWorld } from '../../invariants/helpers.ts'

const config = tempDir('gittrix-xdg-')
mkdirSync(join(config, 'git'))
writeFileSync(join(config, 'git', 'ignore'), '*.swp\n.DS_Store\n')
process.env.XDG_CONFIG_HOME = config
afterAll(() => cleanup(config))

describe("the user's global excludes file", () => {
  it('keeps files it ignores out of touched files and the diff', async () => {
    const world = makeWorld({ 'README.md': '# Project\n' })
    try {
      const session = await world.gittrix().startSession({ task: 'excludes' })
      writeFileSync(join(session.workspacePath!, '.DS_Store'), 'finder\n')
      writeFileSync(join(session.workspacePath!, 'notes.swp'), 'swap\n')
      await session.write('README.md', '# changed\n')
      expect((await session.touchedFiles()).map((c) => c.path)).toEqual(['README.md'])
      expect(await session.diff()).not.toContain('.DS_Store')
    } finally {
      world.dispose()
    }
  })
})
