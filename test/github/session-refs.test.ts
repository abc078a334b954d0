/**
 * Which refs under `refs/notes/gittrix-sessions/` belong to which session (src/github/branches.ts):
 * eviction deletes exactly these with the session — its notes refs and the heads its restores kept —
 * and nothing of another session or of another shape.
 */
import { describe, expect, it } from 'vitest'
import { sessionNotesRef, sessionOfSessionRef, sessionRestoredPrefix } from '../../src/github/branches.ts'

const ID = 'sess_abcdefghijkl'

describe('sessionOfSessionRef', () => {
  it('names the session of its notes refs and of the refs its restores kept', () => {
    expect(sessionOfSessionRef(sessionNotesRef(ID, 'tool-calls'))).toBe(ID)
    expect(sessionOfSessionRef(sessionNotesRef(ID, 'transcript'))).toBe(ID)
    expect(sessionRestoredPrefix(ID)).toBe(`refs/notes/gittrix-sessions/${ID}/restored/`)
    expect(sessionOfSessionRef(`${sessionRestoredPrefix(ID)}20261203T120000000Z-0123456789ab`)).toBe(ID)
  })

  it('names no session for any other ref', () => {
    for (const ref of [
      `refs/notes/gittrix-sessions/${ID}/other`,
      `${sessionRestoredPrefix(ID)}20261203T120000000Z`,
      `${sessionRestoredPrefix(ID)}x-0123456789ab`,
      `${sessionRestoredPrefix(ID)}20261203T120000000Z-0123456789ab/more`,
      `refs/notes/gittrix-sessions/not-a-session/restored/20261203T120000000Z-0123456789ab`,
      `refs/heads/gittrix/${ID}`,
      'refs/notes/gittrix',
    ])
      expect(sessionOfSessionRef(ref), ref).toBeNull()
  })
})
