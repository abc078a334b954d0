/**
 * `gittrix start --kind code-storage`: the CLI drives a session whose workspace is a Code Storage
 * ephemeral branch (credentials from the environment only), and every later command reopens it from
 * the session's metadata — through the real SDK on the stand-in (plugged in as `CliIo.fetch`).
 */
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIo } from '../../../src/cli/io.ts'
import { runCli } from '../../../src/cli/run.ts'
import { branchHead, commitLocal, makeLocalRepo, readGitTree } from '../local/fixtures.ts'
import { cleanup, tempDir } from '../../support/git-fixtures.ts'
import { CodeStorageStandIn } from './stand-in.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn()
})

async function setup() {
  const standIn = new CodeStorageStandIn()
  cleanups.push(() => standIn.stop())
  await standIn.seedRepo('workspaces')
  const repo = makeLocalRepo('checked-out')
  const store = tempDir('gittrix-cs-cli-store-')
  cleanups.push(() => cleanup(repo.path, store))
  commitLocal(repo, { 'README.md': '# Project\n', 'src/app.ts': 'one\n' }, { message: 'seed\n' })
  const env: Record<string, string | undefined> = {
    CODE_STORAGE_NAME: standIn.name,
    CODE_STORAGE_KEY: standIn.key,
    CODE_STORAGE_API_URL: standIn.apiBaseUrl,
    CODE_STORAGE_REPO: 'workspaces',
  }
  const cli = async (args: string[], stdin = '') => {
    const out: string[] = []
    const err: string[] = []
    const io: CliIo = {
      stdout: (chunk) => void out.push(Buffer.from(chunk).toString('utf8')),
      stderr: (chunk) => void err.push(chunk),
      readStdin: async () => Buffer.from(stdin),
      cwd: repo.path,
      env,
      fetch: standIn.fetch,
    }
    const code = await runCli(['--store', store, ...args], io)
    return { code, stdout: out.join(''), stderr: err.join('') }
  }
  return { standIn, repo, env, cli }
}

describe('gittrix CLI with a Code Storage workspace', () => {
  it('start → write → diff → promote, the key never printed', async () => {
    const { standIn, repo, env, cli } = await setup()
    const started = await cli(['start', '--json', '--kind', 'code-storage', 'edit the app'])
    expect(started.code, started.stderr).toBe(0)
    const id = JSON.parse(started.stdout).data.id as string
    expect(await standIn.ephemeralBranches('workspaces')).toEqual([`gittrix/${id}`])
    expect((await cli(['write', id, 'src/app.ts'], 'two\n')).code).toBe(0)
    const diff = await cli(['diff', id])
    expect(diff.code, diff.stderr).toBe(0)
    expect(diff.stdout).toContain('+two')
    const promoted = await cli(['promote', id, '--json'])
    expect(promoted.code, promoted.stderr).toBe(0)
    const head = branchHead(repo.gitDir, 'main')!
    expect(readGitTree(repo.gitDir, head).get('src/app.ts')!.bytes.toString()).toBe('two\n')
    // Evicted after promotion through the reopened adapter: the ephemeral branch is gone.
    expect(await standIn.ephemeralBranches('workspaces')).toEqual([])
    for (const run of [started, diff, promoted])
      expect(run.stdout + run.stderr).not.toContain(env.CODE_STORAGE_KEY!.slice(40, 80))
  })

  it('says which variable to set when credentials are missing', async () => {
    const { env, cli } = await setup()
    delete env.CODE_STORAGE_KEY
    const run = await cli(['start', '--kind', 'code-storage'])
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('CODE_STORAGE_KEY')
  })

  it("gittrix sweep deletes an expired session's ephemeral branch, not only its record", async () => {
    const { standIn, cli } = await setup()
    const started = await cli(['start', '--json', '--kind', 'code-storage', '--ttl-idle', '1ms'])
    expect(started.code, started.stderr).toBe(0)
    const id = JSON.parse(started.stdout).data.id as string
    expect(await standIn.ephemeralBranches('workspaces')).toEqual([`gittrix/${id}`])
    await new Promise((done) => setTimeout(done, 20))
    const swept = await cli(['sweep', '--json'])
    expect(swept.code, swept.stderr).toBe(0)
    expect(JSON.parse(swept.stdout).data.expired).toEqual([id])
    expect(await standIn.ephemeralBranches('workspaces')).toEqual([])
  })

  it('a sweep without Code Storage credentials keeps the session and says what to set', async () => {
    const { standIn, env, cli } = await setup()
    const started = await cli(['start', '--json', '--kind', 'code-storage', '--ttl-idle', '1ms'])
    const id = JSON.parse(started.stdout).data.id as string
    await new Promise((done) => setTimeout(done, 20))
    delete env.CODE_STORAGE_KEY
    const swept = await cli(['sweep', '--json'])
    expect(swept.stderr).toContain('CODE_STORAGE_KEY')
    expect(JSON.parse(swept.stdout).data.expired).toEqual([])
    expect(await standIn.ephemeralBranches('workspaces')).toEqual([`gittrix/${id}`])
  })

  it('each start sweeps every kind with its own adapter: a local clone and a Code Storage branch', async () => {
    const { standIn, cli } = await setup()
    const local = await cli(['start', '--json', '--ttl-idle', '1ms'])
    expect(local.code, local.stderr).toBe(0)
    const clone = JSON.parse(local.stdout).data.ephemeralPath as string
    expect(existsSync(clone)).toBe(true)
    await new Promise((done) => setTimeout(done, 20))
    // A Code Storage start sweeps the expired local session: its clone is removed.
    const remote = await cli(['start', '--json', '--kind', 'code-storage', '--ttl-idle', '1ms'])
    expect(remote.code, remote.stderr).toBe(0)
    expect(existsSync(clone)).toBe(false)
    const id = JSON.parse(remote.stdout).data.id as string
    await new Promise((done) => setTimeout(done, 20))
    // A local start sweeps the expired Code Storage session: its branch is deleted.
    expect((await cli(['start', '--json'])).code).toBe(0)
    expect(await standIn.ephemeralBranches('workspaces')).not.toContain(`gittrix/${id}`)
  })
})
