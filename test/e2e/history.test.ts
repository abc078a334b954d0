/**
 * End to end, session history on GitHub (issue 16): an agent run by the Action commits and writes git
 * notes in its checkout (a tool-call record and a transcript); publish pushes them with the session
 * branch as `refs/notes/gittrix-sessions/<id>/<kind>`; the App's check run shows the checkpoint count
 * and the tool call; the *Promote all* button promotes a tree holding none of the notes, and the
 * eviction on promotion deletes the notes refs with the branch. Read back from the bare repository.
 */
import { describe, it } from 'vitest'
import { inlineCode, sessionNotesRef } from '../../src/github/index.ts'
import { AGENT, World } from './world.ts'

const CALLS = JSON.stringify({
  gittrix: 'tool-calls/1',
  client: { name: 'agent', version: '1' },
  calls: [
    {
      tool: 'write_file',
      argumentsDigest: `sha256:${'a'.repeat(64)}`,
      resultBytes: 12,
      durationMs: 340,
      errorCode: 'WRITE_REJECTED',
      startedAt: '2026-01-01T00:00:00.000Z',
    },
  ],
})

/** The scripted agent: its edits as one commit, then notes on that commit in its checkout. */
const NOTED_AGENT = [
  AGENT,
  'git add -A',
  'git commit -q -m "agent: parser and format"',
  `git notes --ref=gittrix add -m '${CALLS}' HEAD`,
  `git notes --ref=gittrix-transcript add -m '{"role":"user","content":"NOTES-ONLY-MARKER"}' HEAD`,
].join('\n')

describe('end to end: session history', () => {
  it('notes travel with the branch, show in the check run, never reach the durable tree, and go with eviction', ({
    expect,
  }) =>
    World.run(async (world) => {
      const main = world.github.head('main')!
      const { id, head } = await world.agentSession(NOTED_AGENT)
      const toolCalls = sessionNotesRef(id, 'tool-calls')
      const transcript = sessionNotesRef(id, 'transcript')
      expect(world.git('notes', `--ref=${toolCalls}`, 'show', head)).toBe(CALLS)
      expect(world.git('notes', `--ref=${transcript}`, 'show', head)).toContain('NOTES-ONLY-MARKER')
      const noteBlobs = new Set(
        [toolCalls, transcript].flatMap((ref) =>
          world
            .git('ls-tree', '-r', ref)
            .split('\n')
            .map((line) => line.split(/\s+/)[2]!),
        ),
      )

      const run = world.sessionRun(id)!
      expect(run.output.summary).toContain('### History')
      expect(run.output.summary).toContain('1 checkpoint on the session branch')
      expect(run.output.summary).toContain(
        `| ${inlineCode('write_file')} | ${inlineCode('WRITE_REJECTED')} | 340 ms |`,
      )

      world.github.click(run.id, 'promote_all', 'ada')
      await world.until('the promotion', () => run.conclusion === 'success')
      await world.github.settle()

      const promoted = world.github.head('main')!
      expect(world.git('rev-parse', `${promoted}^@`)).toBe(main)
      expect(world.changed(main, promoted)).toEqual(['README.md', 'src/format.ts', 'src/parser.ts'])
      // The durable tree holds none of the notes: no note blob, no path named after a commit, no text.
      const tree = world.tree(promoted)
      for (const [path, oid] of tree) {
        expect(noteBlobs.has(oid), path).toBe(false)
        expect(path).not.toMatch(/[0-9a-f]{38}/)
      }
      for (const path of tree.keys()) expect(world.show(promoted, path)).not.toContain('NOTES-ONLY-MARKER')
      // Evicted on promotion: the branch and both notes refs are gone.
      await world.until('the notes refs deleted', () => world.git('for-each-ref', 'refs/notes/') === '')
      expect(world.github.head(`gittrix/${id}`)).toBeNull()
    }))
})
