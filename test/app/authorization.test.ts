/**
 * Who may promote, discard and extend: people with write, maintain or admin (read from
 * `user.permissions`, not the legacy field); bots, read and triage users, unlinked threads and
 * admin-only paths are refused with a reply and nothing else is written. `.github/gittrix.yml` can
 * narrow it further.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inlineCode } from '../../src/github/index.ts'
import { AppHarness } from './harness.ts'

/** Writes besides the 👀 reaction and the App's reply on the thread. */
function repositoryWrites(h: AppHarness, mark: number): string[] {
  return h.api
    .writes()
    .slice(mark)
    .filter((w) => !/\/reactions$|\/issues\/\d+\/comments$/.test(w))
}

describe('App: authorization', () => {
  let h: AppHarness
  let id: string
  let head: string
  beforeEach(async () => {
    h = await AppHarness.create()
    ;({ id } = h.startSession())
    head = h.work(id, { 'src/app.ts': 'export const a = 2\n' })
    await h.push(id)
  })
  afterEach(() => h.close())

  for (const [login, role] of [
    ['rita', 'read'],
    ['tess', 'triage'],
    ['nobody', 'none'],
  ] as const) {
    it(`refuses ${role} users for promote, discard and extend`, async () => {
      const mark = h.api.writes().length
      for (const command of ['/gittrix promote', '/gittrix discard', '/gittrix extend 2h']) {
        const [reply] = await h.comment(command, { login })
        expect(reply).toContain(`@${login}, promote, discard and extend need write, maintain or admin`)
        expect(reply).toContain(`your role is ${role}`)
      }
      expect(repositoryWrites(h, mark)).toEqual([])
      expect(h.api.head(`gittrix/${id}`)).toBe(head)
      // Reading is open to them.
      const [status] = await h.comment('/gittrix status', { login })
      expect(status).toContain('**active**')
    })
  }

  it('refuses bots, even with write access, and never answers its own comments', async () => {
    h.api.roles.set('deploy-bot[bot]', 'admin')
    const mark = h.api.writes().length
    const [reply] = await h.comment('/gittrix promote', { login: 'deploy-bot[bot]', type: 'Bot' })
    expect(reply).toContain('is not a person')
    expect(repositoryWrites(h, mark)).toEqual([])
    const before = h.api.requests.length
    await h.comment('/gittrix help', { login: h.api.botLogin, type: 'Bot' })
    expect(h.api.requests.slice(before)).toEqual([])
  })

  it('treats an App actor ("is not a user") as no access', async () => {
    h.api.notUsers.add('ghost')
    const [reply] = await h.comment('/gittrix promote', { login: 'ghost' })
    expect(reply).toContain('your role is none')
  })

  it('lets maintainers promote (the legacy field would say write) ', async () => {
    const [reply] = await h.comment('/gittrix promote', { login: 'max' })
    expect(reply).toContain('Promoted as')
  })

  it('refuses a command about a session on a thread it is not linked to', async () => {
    const mark = h.api.writes().length
    const [reply] = await h.comment(`/gittrix promote ${id}`, { issue: 8 })
    expect(reply).toContain('is not linked to this issue')
    expect(repositoryWrites(h, mark)).toEqual([])
  })

  it('admin-only paths need admin: write is refused, admin promotes', async () => {
    const other = h.startSession({ link: 11 })
    h.work(other.id, { '.github/workflows/ci.yml': 'on: push\n', 'src/app.ts': 'x\n' })
    await h.push(other.id)
    const mark = h.api.writes().length
    const [refused] = await h.comment('/gittrix promote', { issue: 11 })
    expect(refused).toContain('need admin access')
    expect(refused).toContain(inlineCode('.github/workflows/ci.yml'))
    expect(repositoryWrites(h, mark)).toEqual([])
    // Promoting only the other file is fine for a writer.
    const [partial] = await h.comment('/gittrix promote src/app.ts', { issue: 11, login: 'alice' })
    expect(partial).toContain('Promoted as')
  })

  it('admin-only paths promote for an admin', async () => {
    const other = h.startSession({ link: 12 })
    h.work(other.id, { '.github/workflows/ci.yml': 'on: push\n' })
    await h.push(other.id)
    const [ok] = await h.comment('/gittrix promote', { issue: 12, login: 'adam' })
    expect(ok).toContain('Promoted as')
    expect(h.api.files('main').has('.github/workflows/ci.yml')).toBe(true)
  })

  it('the configuration can require a role and name the people who may promote', async () => {
    h.api.contents.set('.github/gittrix.yml', 'promote:\n  minimumRole: maintain\n  users: [max]\n')
    const [writer] = await h.comment('/gittrix promote', { login: 'alice' })
    expect(writer).toContain('need maintain or admin access')
    const [admin] = await h.comment('/gittrix promote', { login: 'adam' })
    expect(admin).toContain(`lets only ${inlineCode('max')} promote`)
    const [max] = await h.comment('/gittrix promote', { login: 'max' })
    expect(max).toContain('Promoted as')
  })

  it('a command under a bad configuration is answered with the problems and does nothing', async () => {
    h.api.contents.set('.github/gittrix.yml', 'adminPaths: .github\n')
    const mark = h.api.writes().length
    const [reply] = await h.comment('/gittrix promote')
    expect(reply).toContain('adminPaths: Invalid input: expected array')
    expect(repositoryWrites(h, mark)).toEqual([])
  })

  it('a session naming another durable branch than the configured one cannot be promoted', async () => {
    const release = h.api.commit('release', {}, { from: h.initial })
    const other = h.startSession({ link: 13, durableBranch: 'release' })
    const otherHead = h.work(other.id, { 'a.txt': 'a\n' })
    await h.push(other.id)
    expect(h.api.runsOn(otherHead)[0]!.output.summary).toContain(`promotes only to ${inlineCode('main')}`)
    const [reply] = await h.comment(`/gittrix promote ${other.id}`, { issue: 13 })
    expect(reply).toContain('Nothing was promoted')
    expect(h.api.head('release')).toBe(release)
  })
})
