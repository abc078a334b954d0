/**
 * The MCP client configurations in docs/cli.md are runnable: the `claude mcp add` line, the Codex
 * `config.toml` table and the `mcpServers` JSON each start `gittrix mcp` with exactly the arguments
 * shown (the `gittrix` command standing for the CLI entry point, the placeholder id and repository
 * replaced), and an MCP client lists the tools through it.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { childEnv, CLI_MAIN } from './support.ts'

const DOCS = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8')
const SECTION = DOCS.slice(
  DOCS.indexOf('## Agents: an MCP server and a sandboxed shell'),
  DOCS.indexOf('### `gittrix run <id> -- <command>`'),
)

let repo: { path: string }
let home: string

/** The body of the first fenced block of `lang` in the MCP section that contains `marker`. */
function block(lang: string, marker: string): string {
  for (const match of SECTION.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))) {
    if (match[1]?.includes(marker)) return match[1]
  }
  throw new Error(`docs/cli.md: no \`\`\`${lang} block with ${marker} in the MCP section`)
}

/** Starts `gittrix <args>` as an MCP client would (GITTRIX_HOME set), and lists its tools. */
async function toolsOf(args: string[]): Promise<{ tools: string[]; stderr: string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--experimental-strip-types', '--no-warnings', CLI_MAIN, ...args],
    env: { ...childEnv(), GITTRIX_HOME: home },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const client = new Client({ name: 'readme-client', version: '1.0.0' })
  await client.connect(transport)
  try {
    return { tools: (await client.listTools()).tools.map((tool) => tool.name), stderr }
  } finally {
    await client.close()
  }
}

/** Runs `gittrix <args>` (with `--json`) as a child process; resolves the parsed document. */
function gittrixJson(args: string[]): { data: { id: string } } {
  const out = execFileSync(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings', CLI_MAIN, ...args],
    {
      env: { ...childEnv(), GITTRIX_HOME: home },
      encoding: 'utf8',
    },
  )
  return JSON.parse(out) as { data: { id: string } }
}

const TOOLS = [
  'read_file',
  'write_file',
  'edit_file',
  'delete_file',
  'list_files',
  'search',
  'diff',
  'commit',
]

beforeAll(() => {
  repo = makeRepo({ 'README.md': '# Project\n' })
  home = tempDir('gittrix-readme-home-')
})

afterAll(() => cleanup(repo.path, home))

describe('docs/cli.md: MCP client configuration', () => {
  it('the Claude Code lines start a session and serve it', async () => {
    const sh = block('sh', 'claude mcp add')
    const [startLine, addLine] = sh.trim().split('\n') as [string, string]
    expect(startLine).toBe(
      'id=$(gittrix start --json --repo ~/src/app "fix the flaky test" | jq -r .data.id)',
    )
    const id = gittrixJson(['start', '--json', '--repo', repo.path, 'fix the flaky test']).data.id
    const command = addLine.slice(addLine.indexOf(' -- ') + 4).split(' ')
    expect(command[0]).toBe('gittrix')
    const args = command.slice(1).map((arg) => (arg === '"$id"' ? id : arg))
    expect(args).toEqual(['mcp', '--session', id])
    expect((await toolsOf(args)).tools).toEqual(TOOLS)
  })

  it('the Codex config.toml table serves a session', async () => {
    const toml = block('toml', 'mcp_servers.gittrix')
    expect(toml).toMatch(/^\[mcp_servers\.gittrix\]\ncommand = "gittrix"\n/)
    const args = JSON.parse(/^args = (\[.*\])$/m.exec(toml)?.[1] ?? 'null') as string[]
    const id = gittrixJson(['start', '--json', '--repo', repo.path, 'codex']).data.id
    const real = args.map((arg) => (arg.startsWith('sess_') ? id : arg))
    expect(real).toEqual(['mcp', '--session', id])
    expect((await toolsOf(real)).tools).toEqual(TOOLS)
  })

  it('the mcpServers JSON starts a new session on the repository and serves it', async () => {
    const config = JSON.parse(block('json', 'mcpServers')) as {
      mcpServers: { gittrix: { command: string; args: string[] } }
    }
    expect(config.mcpServers.gittrix.command).toBe('gittrix')
    const args = config.mcpServers.gittrix.args.map((arg) => (arg === '/home/me/src/app' ? repo.path : arg))
    const { tools, stderr } = await toolsOf(args)
    expect(tools).toEqual(TOOLS)
    expect(stderr).toMatch(new RegExp(`started session sess_[a-z0-9]+ on ${join(repo.path)}`))
  })
})
