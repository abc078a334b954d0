/**
 * `gittrix mcp --task … --kind code-storage`: the MCP server (a child process, driven by the official
 * MCP client) starts a session whose workspace is a Code Storage ephemeral branch and writes through
 * it. The child reaches the stand-in over loopback HTTP (`CODE_STORAGE_API_URL`), so the real SDK and
 * the real `fetch` carry every call; the key reaches the child through its environment only.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../../../src/cli/run.ts'
import { call, childEnv, connectMcp } from '../../mcp/support.ts'
import { commitLocal, makeLocalRepo } from '../local/fixtures.ts'
import { cleanup, tempDir } from '../../support/git-fixtures.ts'
import { CodeStorageStandIn } from './stand-in.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** An HTTP server on 127.0.0.1 answering every request with `standIn.fetch`; resolves its base URL. */
async function loopback(standIn: CodeStorageStandIn): Promise<string> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    const answer = async () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value)
      const body = Buffer.concat(chunks)
      const response = await standIn.fetch(`${standIn.apiBaseUrl}${req.url}`, {
        method: req.method!,
        headers,
        ...(body.length ? { body: body.toString('utf8') } : {}),
      })
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    }
    req.on('end', () => void answer())
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  cleanups.push(() => new Promise<void>((done) => server.close(() => done())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('gittrix mcp with a Code Storage workspace', () => {
  it('--task --kind code-storage starts the session on an ephemeral branch and the tools write there', async () => {
    const standIn = new CodeStorageStandIn()
    cleanups.push(() => standIn.stop())
    await standIn.seedRepo('workspaces')
    const repo = makeLocalRepo('checked-out')
    const store = tempDir('gittrix-cs-mcp-store-')
    cleanups.push(() => cleanup(repo.path, store))
    commitLocal(repo, { 'README.md': '# Project\n' }, { message: 'seed\n' })
    const env = {
      ...childEnv(),
      CODE_STORAGE_NAME: standIn.name,
      CODE_STORAGE_KEY: standIn.key,
      CODE_STORAGE_API_URL: await loopback(standIn),
    }
    const mcp = await connectMcp(
      store,
      [
        '--task',
        'write the docs',
        '--repo',
        repo.path,
        '--kind',
        'code-storage',
        '--code-storage-repo',
        'workspaces',
      ],
      { env },
    )
    cleanups.push(() => mcp.close())
    const written = await call(mcp, 'write_file', { path: 'docs.md', content: '# Docs\n' })
    expect(written.isError, JSON.stringify(written)).toBeFalsy()
    const id = /started session (sess_[a-z0-9]+)/.exec(mcp.stderr())?.[1] ?? ''
    expect(id, mcp.stderr()).not.toBe('')
    const branch = `gittrix/${id}`
    expect(await standIn.ephemeralBranches('workspaces')).toEqual([branch])
    const head = (await standIn.ephemeralHead('workspaces', branch))!
    expect(standIn.requests.some((r) => r.method === 'POST' && r.route === 'repos/commit-pack')).toBe(true)
    await mcp.close()
    expect(mcp.stderr()).not.toContain(standIn.key.slice(40, 80))
    // The session reopens from its metadata in the CLI (in this process, same credentials) and shows the write.
    const out: string[] = []
    const code = await runCli(['--store', store, 'diff', id], {
      stdout: (chunk) => void out.push(Buffer.from(chunk).toString('utf8')),
      stderr: () => undefined,
      readStdin: async () => Buffer.alloc(0),
      cwd: repo.path,
      env: {
        CODE_STORAGE_NAME: standIn.name,
        CODE_STORAGE_KEY: standIn.key,
        CODE_STORAGE_API_URL: standIn.apiBaseUrl,
      },
      fetch: standIn.fetch,
    })
    expect(code).toBe(0)
    expect(out.join('')).toContain('+# Docs')
    expect(await standIn.ephemeralHead('workspaces', branch)).toBe(head)
  })
})
