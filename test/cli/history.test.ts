/**
 * Session history through the `gittrix` CLI: every command through `runCli` (the whole CLI: parsing,
 * output, exit codes) in-process, and the real executable as a child process for the log. Commit,
 * log, show, diff between checkpoints, restore, attach, and diff between attempts; then usage and
 * argument errors. Real git in throwaway repositories.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { runCli } from '../../src/cli/run.ts'
import { cliSync } from '../mcp/support.ts'

let repo: { path: string; head: string }
let store: string
let dirs: string[]

/** Runs `gittrix --store <store> <args>` in-process; `--json` output parsed. */
async function gittrix(args: string[], input?: string) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(['--store', store, ...args], {
    stdout: (chunk) =>
      void (stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')),
    stderr: (chunk) => void (stderr += chunk),
    readStdin: async () => Buffer.from(input ?? ''),
    cwd: repo.path,
    env: {},
  })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions index freely into the document
  const json: any = args.includes('--json') ? JSON.parse(stdout) : null
  return { code, stdout, stderr, json }
}

async function ok(args: string[], input?: string) {
  const run = await gittrix(args, input)
  expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(0)
  return run
}

beforeEach(() => {
  repo = makeRepo({ 'README.md': '# Project\n', 'src/app.ts': 'export const answer = 41\n' })
  store = tempDir('gittrix-cli-history-')
  dirs = [repo.path, store]
})
afterEach(() => cleanup(...dirs))

describe('gittrix history commands', () => {
  it('commit, log, show, diff --from/--to, restore, attach: end to end', async () => {
    const id = (await ok(['start', '--json', '--repo', repo.path, 'history task'])).json.data.id as string
    await ok(['write', id, 'src/app.ts'], 'export const answer = 42\n')
    const first = (await ok(['commit', id, '-m', 'answer 42', '--json'])).json.data.checkpoint as string
    await ok(['write', id, 'src/new.ts'], 'export const fresh = true\n')
    const second = (await ok(['commit', id, '-m', 'add new.ts', '--json'])).json.data.checkpoint as string

    // The real executable, as a user runs it.
    const child = cliSync(store, ['log', id, '--json'])
    expect(child.code, child.stderr).toBe(0)
    const log = JSON.parse(child.stdout).data
    expect(log.map((c: { sha: string }) => c.sha)).toEqual([second, first, repo.head])
    expect(log[2].baseline).toBe(true)
    const text = (await ok(['log', id])).stdout
    expect(text).toMatch(new RegExp(`^${second.slice(0, 12)}  \\S+ \\S+  add new.ts\\n`))
    expect(text).toContain(`${repo.head.slice(0, 12)}`)
    expect(text).toContain('(baseline)')

    expect((await ok(['show', id, '--at', first])).stdout).toBe('100644 README.md\n100644 src/app.ts\n')
    expect((await ok(['show', id, '--at', first.slice(0, 8), 'src/app.ts'])).stdout).toBe(
      'export const answer = 42\n',
    )
    const shown = (await ok(['show', id, '--at', second, 'src/new.ts', '--json'])).json.data
    expect(shown).toMatchObject({ type: 'file', at: second, path: 'src/new.ts', encoding: 'utf8' })

    const between = (await ok(['diff', id, '--from', first, '--to', second])).stdout
    expect(between).toContain('+++ b/src/new.ts')
    expect(between).not.toContain('src/app.ts')
    expect((await ok(['diff', id, '--from', first, '--stat'])).stdout).toContain('A src/new.ts')

    const restored = (await ok(['restore', id, '--to', first, '--json'])).json.data
    expect(restored).toMatchObject({ from: second, to: first, savedUncommitted: null })
    expect(restored.savedRef).toMatch(/^refs\/gittrix\/restored\//)
    const workspace = (await ok(['info', id, '--json'])).json.data.ephemeralPath as string
    expect(git(workspace, 'rev-parse', restored.savedRef)).toBe(second)
    expect((await ok(['files', id, '--all'])).stdout).not.toContain('src/new.ts')
    expect((await ok(['log', id, '--json'])).json.data.map((c: { sha: string }) => c.sha)).toEqual([
      first,
      repo.head,
    ])
    // The restored-away checkpoint can still be shown, and restored again.
    expect((await ok(['show', id, '--at', second, 'src/new.ts'])).stdout).toBe('export const fresh = true\n')

    const transcriptFile = join(store, 'transcript.jsonl')
    const transcript = '{"role":"user","content":"go"}\n{"role":"assistant","content":"done"}\n'
    writeFileSync(transcriptFile, transcript)
    const attached = (await ok(['attach', id, '--transcript', transcriptFile, '--json'])).json.data
    expect(attached).toEqual({ at: first, bytes: transcript.length, lines: 2 })
    expect((await ok(['log', id, '--json'])).json.data[0].transcript).toEqual({
      bytes: transcript.length,
      lines: 2,
    })
    expect((await ok(['log', id])).stdout).toContain(`transcript: 2 lines, ${transcript.length} bytes`)
    expect((await ok(['show', id, '--at', first, '--transcript'])).stdout).toBe(transcript)

    // Nothing of it in the durable repository.
    expect(git(repo.path, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main')
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
  })

  it('diff <idA> <idB>: the diff between two attempts on the same baseline, refused across baselines', async () => {
    const a = (await ok(['start', '--json', '--repo', repo.path, 'attempt A'])).json.data.id as string
    await ok(['write', a, 'src/app.ts'], 'export const answer = 42\n')
    await ok(['commit', a, '-m', 'A'])
    const b = (await ok(['fork', a, '--json'])).json.data.id as string
    await ok(['write', b, 'src/app.ts'], 'export const answer = 43\n')
    const diff = (await ok(['diff', a, b])).stdout
    expect(diff).toContain('-export const answer = 42\n+export const answer = 43\n')
    expect((await ok(['diff', a, b, '--json'])).json.data.files).toMatchObject([
      { path: 'src/app.ts', status: 'modified' },
    ])

    writeFileSync(join(repo.path, 'README.md'), '# Moved on\n')
    git(repo.path, 'commit', '-qam', 'moved on')
    const c = (await ok(['start', '--json', '--repo', repo.path, 'attempt C'])).json.data.id as string
    const refused = await gittrix(['diff', a, c, '--json'])
    expect(refused.code).toBe(1)
    expect(refused.json.error.code).toBe('INVALID_ARGUMENT')
    expect(refused.json.error.message).toMatch(/different baselines/)
  })

  it('refuses bad checkpoints and bad combinations with a clear error and the right exit code', async () => {
    const id = (await ok(['start', '--json', '--repo', repo.path, 'errors'])).json.data.id as string
    for (const bad of ['HEAD', '-x', 'a'.repeat(40)]) {
      for (const args of [
        ['show', id, '--at', bad, '--json'],
        ['restore', id, '--to', bad, '--json'],
        ['diff', id, '--from', bad, '--json'],
      ]) {
        const run = await gittrix(args)
        expect(run.code, args.join(' ')).not.toBe(0)
        if (run.json?.error) expect(['INVALID_ARGUMENT', 'USAGE']).toContain(run.json.error.code)
      }
    }
    expect((await gittrix(['show', id])).code).toBe(2) // --at is required
    expect((await gittrix(['diff', id, 'src/app.ts', '--from', repo.head])).code).toBe(2)
    const notJsonl = join(store, 'bad.jsonl')
    writeFileSync(notJsonl, '{"ok":1}\nnot json\n')
    const refused = await gittrix(['attach', id, '--transcript', notJsonl, '--json'])
    expect(refused.json.error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/Line 2/),
    })
  })
})
