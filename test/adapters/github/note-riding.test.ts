/**
 * The head's tool-call note rides along a render's first GraphQL tree query (tree-levels.ts
 * `withBlobsRiding`, notes.ts `readHeadToolCallsNote`), and each way it falls back gives the same note:
 * a work that makes no tree query (one GraphQL query of its own), that query failing past the client's
 * retries (the REST notes reads), and a host without GraphQL (REST after its first 404). Over the
 * git-data-api stand-in, every request checked against GitHub's OpenAPI description.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { readHeadToolCallsNote } from '../../../src/adapters/github/notes.ts'
import { diffTrees } from '../../../src/adapters/github/trees.ts'
import { sessionNotesRef } from '../../../src/github/branches.ts'
import { ROUTES } from '../../support/git-data-api.ts'
import { toolCallsNote, writeNotesCommit } from '../../support/session-notes.ts'
import { type GitHubHarness, githubHarness } from './harness.ts'

const open: GitHubHarness[] = []
afterEach(async () => {
  for (const h of open.splice(0)) await h.close()
})

/** A session with one pushed commit carrying a tool-call note, and the harness's GraphQL switch. */
async function noted(options: { graphql?: boolean } = {}) {
  const h = await githubHarness({ 'README.md': '# Project\n', 'src/app.ts': 'export const a = 1\n' })
  open.push(h)
  if (options.graphql === false) h.api.graphqlEnabled = false
  const session = await h.gittrix.startSession({ task: 'riding', eviction: { untilPromote: false } })
  const head = h.push(session.id, { 'src/app.ts': 'export const a = 2\n' })
  const note = toolCallsNote([{ tool: 'write_file', durationMs: 7 }])
  writeNotesCommit((args, input) => h.api.git(args, input), sessionNotesRef(session.id, 'tool-calls'), [
    { commit: head, bytes: note },
  ])
  const coords = { owner: h.api.owner, repo: h.api.repo }
  const read = (work?: () => Promise<unknown>) =>
    readHeadToolCallsNote(h.octokit, coords, session.id, head, work)
  const walk = () => diffTrees(h.octokit, coords, h.initial, head)
  return { h, note, read, walk }
}

const routesSince = (h: GitHubHarness, mark: number) => h.since(mark).map((r) => r.route)

describe('the head note riding along a tree query, and its fallbacks', () => {
  it('rides the first GraphQL tree query of the work: no request of its own', async () => {
    // Tree listings are cached per client: the walk alone is counted on a twin harness, cold too.
    const twin = await noted()
    const alone = twin.h.api.log.length
    await twin.walk()
    const walkOnly = routesSince(twin.h, alone)
    expect(walkOnly).toContain(ROUTES.graphql)
    const { h, note, read, walk } = await noted()
    const mark = h.api.log.length
    const { result, note: got } = await read(walk)
    expect(Buffer.from(got!)).toEqual(Buffer.from(note))
    expect((result as { changes: unknown[] }).changes).toHaveLength(1)
    expect(routesSince(h, mark)).toEqual(walkOnly)
  })

  it('without a tree query in the work: one GraphQL query of its own', async () => {
    const { h, note, read } = await noted()
    const mark = h.api.log.length
    const { note: got } = await read()
    expect(Buffer.from(got!)).toEqual(Buffer.from(note))
    expect(routesSince(h, mark)).toEqual([ROUTES.graphql])
  })

  it('when that query fails past the retries: the REST notes reads give the same note', async () => {
    const { h, note, read } = await noted()
    h.api.inject({ route: ROUTES.graphql, fault: 'server-error', times: Infinity })
    const mark = h.api.log.length
    const { note: got } = await read()
    expect(Buffer.from(got!)).toEqual(Buffer.from(note))
    const routes = routesSince(h, mark)
    expect(routes.filter((r) => r === ROUTES.graphql).length).toBeGreaterThan(1)
    expect(routes.some((r) => r !== ROUTES.graphql)).toBe(true)
  })

  it('when the work’s own tree query fails and is split: the note is still read, once', async () => {
    const { h, note, read, walk } = await noted()
    // The first GraphQL query (the walk's roots, the note riding) fails past the retries.
    h.api.inject({ route: ROUTES.graphql, fault: 'server-error', times: 4 })
    const { result, note: got } = await read(walk)
    expect((result as { changes: unknown[] }).changes).toHaveLength(1)
    expect(Buffer.from(got!)).toEqual(Buffer.from(note))
  })

  it('without GraphQL: REST after the first refusal, the same note', async () => {
    const { h, note, read, walk } = await noted({ graphql: false })
    const mark = h.api.log.length
    const { note: got } = await read(walk)
    expect(Buffer.from(got!)).toEqual(Buffer.from(note))
    // One GraphQL request finds there is none (404); everything after it is REST.
    const routes = routesSince(h, mark)
    expect(routes.filter((r) => r === ROUTES.graphql)).toHaveLength(1)
    expect(h.since(mark).find((r) => r.route === ROUTES.graphql)?.status).toBe(404)
  })
})
