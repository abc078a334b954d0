/**
 * `gittrix mcp` driven as a real client does: the SDK's `Client` over stdio to the CLI in a child
 * process, against real git. The full loop, hostile arguments for every path class the core rejects,
 * concurrent calls, bounded outputs, and Gittrix error codes as MCP tool errors.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cleanup, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import {
  call,
  cliSync,
  connectMcp,
  errorCodeOf,
  type McpConnection,
  notesOf,
  startSession,
  textOf,
} from './support.ts'

/** Every file under `root` (`.git` included) with a hash of its content or link target. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      const rel = full.slice(root.length + 1)
      if (entry.isDirectory()) visit(full)
      else if (entry.isSymbolicLink()) out[rel] = `link`
      else out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex')
    }
  }
  visit(root)
  return out
}

describe('gittrix mcp over stdio', () => {
  let repo: { path: string; head: string }
  let store: string
  let outside: string
  let session: { id: string; workspace: string }
  let mcp: McpConnection

  beforeEach(async () => {
    repo = makeRepo({
      'README.md': '# Project\n',
      'src/app.ts': 'export const answer = 41\n',
      'src/util.ts': 'export function helper() {\n  return 1\n}\n',
      'docs/guide.md': 'Guide\n',
    })
    store = tempDir('gittrix-mcp-store-')
    outside = tempDir('gittrix-mcp-outside-')
    writeFileSync(join(outside, 'secret.txt'), 'top secret\n')
    session = await startSession(store, repo.path)
    mcp = await connectMcp(store, ['--session', session.id])
  })

  afterEach(async () => {
    await mcp.close()
    cleanup(repo.path, store, outside)
  })

  it('runs the whole loop: list, read, write, edit, delete, search, diff, commit — and the durable branch stays put', async () => {
    const durableBefore = snapshot(repo.path)
    expect(textOf(await call(mcp, 'list_files'))).toBe('README.md\ndocs/\nsrc/')
    expect(textOf(await call(mcp, 'list_files', { path: 'src', recursive: true }))).toBe(
      'src/app.ts\nsrc/util.ts',
    )
    expect(textOf(await call(mcp, 'read_file', { path: 'src/util.ts', startLine: 2, endLine: 2 }))).toBe(
      '  return 1\n',
    )
    expect(notesOf(await call(mcp, 'read_file', { path: 'src/util.ts', startLine: 2, endLine: 2 }))).toBe(
      'Lines 2–2 of 3.',
    )

    expect(
      errorCodeOf(await call(mcp, 'write_file', { path: 'src/new.ts', content: 'export const fresh = 1\n' })),
    ).toBeNull()
    const edit = await call(mcp, 'edit_file', { path: 'src/app.ts', oldString: '41', newString: '42' })
    expect(textOf(edit)).toBe('Replaced 1 occurrence in src/app.ts.')
    expect(errorCodeOf(await call(mcp, 'delete_file', { path: 'docs/guide.md' }))).toBeNull()

    const found = await call(mcp, 'search', { pattern: 'export (const|function)', glob: '*.ts' })
    expect(textOf(found)).toBe(
      'src/app.ts:1: export const answer = 42\nsrc/new.ts:1: export const fresh = 1\nsrc/util.ts:1: export function helper() {',
    )

    const diff = textOf(await call(mcp, 'diff'))
    expect(diff).toContain('diff --git a/src/app.ts b/src/app.ts')
    expect(diff).toContain('+export const answer = 42')
    expect(diff).toContain('deleted file mode 100644')
    expect(diff).toContain('new file mode 100644')
    const only = textOf(await call(mcp, 'diff', { paths: ['src/app.ts'] }))
    expect(only.match(/^diff --git/gm)).toHaveLength(1)

    const checkpoint = await call(mcp, 'commit', { message: 'agent checkpoint' })
    const sha = /^Checkpoint ([0-9a-f]{40})\.$/.exec(textOf(checkpoint))?.[1]
    expect(sha).toBeDefined()
    expect(git(session.workspace, 'log', '-1', '--format=%H %s')).toBe(`${sha} agent checkpoint`)

    // The human sees the same changes through the CLI; the durable repository did not move.
    const stat = cliSync(store, ['diff', session.id, '--json'])
    const files = (JSON.parse(stat.stdout) as { data: { files: { path: string; status: string }[] } }).data
      .files
    expect(files.map((f) => `${f.status} ${f.path}`)).toEqual([
      'deleted docs/guide.md',
      'modified src/app.ts',
      'added src/new.ts',
    ])
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
    expect(snapshot(repo.path)).toEqual(durableBefore)
  })

  describe('hostile arguments: every path class the core rejects is WRITE_REJECTED, and nothing is written', () => {
    const PATHS: [string, string][] = [
      ['absolute', '/etc/passwd'],
      ['absolute to the outside dir', '<outside>/secret.txt'],
      ['.. escape', '../outside.txt'],
      ['.. escape in the middle', 'src/../../outside.txt'],
      ['deep .. escape', 'a/b/../../../../outside.txt'],
      ['.git', '.git/config'],
      ['.GIT (case)', '.GIT/config'],
      ['.git. (trailing dot)', '.git./config'],
      ['nested .git', 'src/.git/hooks/pre-commit'],
      ['.git hooks', '.git/hooks/post-checkout'],
      ['NUL byte', 'src/app.ts\0.txt'],
      ['backslash', '..\\outside.txt'],
      ['Windows drive', 'C:/Windows/win.ini'],
      ['empty', ''],
      ['symlink to a directory outside', 'escape-dir/secret.txt'],
      ['symlink to a file outside', 'escape-file'],
    ]

    function plantSymlinks() {
      symlinkSync(outside, join(session.workspace, 'escape-dir'))
      symlinkSync(join(outside, 'secret.txt'), join(session.workspace, 'escape-file'))
    }

    it.each(PATHS)('%s', async (_label, raw) => {
      plantSymlinks()
      const path = raw.replace('<outside>', outside)
      const durableBefore = snapshot(repo.path)
      const outsideBefore = snapshot(outside)
      const gitConfig = readFileSync(join(session.workspace, '.git', 'config'), 'utf8')
      const calls: [string, Record<string, unknown>][] = [
        ['read_file', { path }],
        ['write_file', { path, content: 'pwned\n' }],
        ['edit_file', { path, oldString: 'secret', newString: 'pwned' }],
        ['delete_file', { path }],
      ]
      if (path !== '') {
        calls.push(
          ['list_files', { path }],
          ['search', { pattern: 'secret', path }],
          ['diff', { paths: [path] }],
        )
      }
      for (const [tool, args] of calls) {
        const result = await call(mcp, tool, args)
        // A path the core rejects is WRITE_REJECTED. Through a symlink leading out, the listing tools
        // (which read git's view of the workspace: git does not descend into symlinks) find nothing
        // and say so; and a symlink to a file outside is itself a workspace entry, which delete_file
        // removes (the link, not its target).
        const code = errorCodeOf(result)
        if (code === null) {
          expect(raw.startsWith('escape-')).toBe(true)
          expect(
            raw === 'escape-file'
              ? ['delete_file', 'list_files', 'search', 'diff']
              : ['list_files', 'search', 'diff'],
          ).toContain(tool)
          expect(textOf(result)).not.toContain('secret')
        } else {
          expect(code, `${tool} ${JSON.stringify(path)}: ${textOf(result)}`).toBe('WRITE_REJECTED')
          expect(textOf(result)).toMatch(/^WRITE_REJECTED: Path .* rejected: /)
        }
        expect(textOf(result)).not.toContain('top secret')
      }
      expect(snapshot(outside)).toEqual(outsideBefore)
      expect(existsSync(join(dirname(session.workspace), 'outside.txt'))).toBe(false)
      expect(readFileSync(join(session.workspace, '.git', 'config'), 'utf8')).toBe(gitConfig)
      expect(existsSync(join(session.workspace, '.git', 'hooks', 'post-checkout'))).toBe(false)
      expect(snapshot(repo.path)).toEqual(durableBefore)
    })

    it('answers arguments of the wrong shape with INVALID_ARGUMENT, naming the problem', async () => {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['read_file', {}, /path/],
        ['read_file', { path: 42 }, /expected string/],
        ['read_file', { path: 'README.md', startLine: 0 }, /startLine/],
        ['read_file', { path: 'README.md', startLine: 1.5 }, /startLine/],
        ['write_file', { path: 'a.txt' }, /content/],
        ['write_file', { path: 'a.txt', content: 'x', mode: '777' }, /Unrecognized key/],
        ['edit_file', { path: 'README.md', oldString: '', newString: 'x' }, /oldString/],
        ['search', { pattern: '(' }, /not a valid JavaScript regular expression/],
        ['search', { pattern: 'x', maxResults: 100000 }, /maxResults/],
        ['diff', { paths: 'README.md' }, /expected array/],
        ['commit', { message: '' }, /message/],
        ['commit', {}, /message/],
      ]
      for (const [tool, args, message] of cases) {
        const result = await call(mcp, tool, args)
        expect(errorCodeOf(result), `${tool} ${JSON.stringify(args)}`).toBe('INVALID_ARGUMENT')
        expect(textOf(result)).toMatch(message)
      }
      expect(existsSync(join(session.workspace, 'a.txt'))).toBe(false)
      expect(git(session.workspace, 'rev-list', '--count', 'HEAD')).toBe('1')
    })
  })

  it('answers failures with their Gittrix code and a message that says what to do', async () => {
    const missing = await call(mcp, 'read_file', { path: 'nope.txt' })
    expect(errorCodeOf(missing)).toBe('FILE_NOT_FOUND')
    expect(textOf(missing)).toBe(`FILE_NOT_FOUND: nope.txt does not exist in session ${session.id}.`)
    const absent = await call(mcp, 'edit_file', {
      path: 'README.md',
      oldString: 'nothing like it',
      newString: 'x',
    })
    expect(textOf(absent)).toMatch(/^INVALID_ARGUMENT: oldString was not found in README.md\. Read the file/)
    await call(mcp, 'write_file', { path: 'twice.txt', content: 'a a\n' })
    const twice = await call(mcp, 'edit_file', { path: 'twice.txt', oldString: 'a', newString: 'b' })
    expect(textOf(twice)).toMatch(/occurs 2 times .* set replaceAll/)
    expect(
      textOf(
        await call(mcp, 'edit_file', {
          path: 'twice.txt',
          oldString: 'a',
          newString: '$&$1',
          replaceAll: true,
        }),
      ),
    ).toBe('Replaced 2 occurrences in twice.txt.')
    expect(readFileSync(join(session.workspace, 'twice.txt'), 'utf8')).toBe('$&$1 $&$1\n')
    const tooFar = await call(mcp, 'read_file', { path: 'README.md', startLine: 5 })
    expect(textOf(tooFar)).toBe('INVALID_ARGUMENT: README.md has 1 lines; startLine 5 is past its end.')

    // Once a human discards the session, the agent's calls fail with SESSION_EXPIRED, not silently.
    expect(cliSync(store, ['discard', session.id]).code).toBe(0)
    const after = await call(mcp, 'write_file', { path: 'late.txt', content: 'x' })
    expect(errorCodeOf(after)).toBe('SESSION_EXPIRED')
    expect(textOf(after)).toMatch(/Start a new session/)
  })

  it('serves concurrent calls: parallel writes, edits of one file and reads all land, nothing is lost', async () => {
    const markers = Array.from({ length: 12 }, (_, i) => `marker-${i}`)
    await call(mcp, 'write_file', { path: 'shared.txt', content: `${markers.join('\n')}\n` })
    const results = await Promise.all([
      ...Array.from({ length: 16 }, (_, i) =>
        call(mcp, 'write_file', { path: `many/file-${i}.txt`, content: `${i}\n` }),
      ),
      ...markers.map((marker) =>
        call(mcp, 'edit_file', {
          path: 'shared.txt',
          oldString: `${marker}\n`,
          newString: `${marker} edited\n`,
        }),
      ),
      ...Array.from({ length: 8 }, () => call(mcp, 'read_file', { path: 'README.md' })),
      call(mcp, 'search', { pattern: 'Project' }),
      call(mcp, 'list_files', { recursive: true }),
    ])
    expect(results.filter((r) => r.isError).map(textOf)).toEqual([])
    expect(readFileSync(join(session.workspace, 'shared.txt'), 'utf8')).toBe(
      `${markers.map((m) => `${m} edited`).join('\n')}\n`,
    )
    for (let i = 0; i < 16; i++)
      expect(readFileSync(join(session.workspace, 'many', `file-${i}.txt`), 'utf8')).toBe(`${i}\n`)
    const diff = textOf(await call(mcp, 'diff'))
    expect(diff.match(/^diff --git/gm)).toHaveLength(17)
  })

  it('bounds every answer and says what was left out and how to get it', async () => {
    const line = `${'x'.repeat(99)}\n`
    await call(mcp, 'write_file', { path: 'big.txt', content: line.repeat(2000) })
    const read = await call(mcp, 'read_file', { path: 'big.txt' })
    expect(textOf(read).length).toBeLessThanOrEqual(60_000)
    expect(textOf(read).length).toBe(60_000)
    expect(notesOf(read)).toBe(
      'Showing lines 1–600 of 2000 (cut at 60000 characters). Continue with startLine 601.',
    )
    const next = await call(mcp, 'read_file', { path: 'big.txt', startLine: 601, endLine: 602 })
    expect(textOf(next)).toBe(line + line)

    const search = await call(mcp, 'search', { pattern: 'x+' })
    expect(textOf(search).split('\n')).toHaveLength(200)
    expect(notesOf(search)).toBe(
      'Showing 200 of 2002 matching lines in 5 files. Narrow the pattern, path or glob to see the rest.',
    )
    const longLine = await call(mcp, 'search', { pattern: 'x', path: 'big.txt', maxResults: 1 })
    expect(textOf(longLine)).toBe(`big.txt:1: ${'x'.repeat(99)}`)

    const diff = await call(mcp, 'diff')
    expect(textOf(diff).length).toBeLessThanOrEqual(60_000)
    expect(notesOf(diff)).toMatch(
      /^The patch is \d+ characters; showing the first \d+\. It changes 1 files: big\.txt\. Pass paths/,
    )

    await call(mcp, 'write_file', { path: 'minified.js', content: `${'y'.repeat(70_000)}\nnext\n` })
    const minified = await call(mcp, 'read_file', { path: 'minified.js' })
    expect(textOf(minified)).toBe('y'.repeat(60_000))
    expect(notesOf(minified)).toBe(
      'Showing lines 1–1 of 2 (cut at 60000 characters). Line 1 is longer than one answer holds and was cut; ' +
        'use search to find text in it. Continue with startLine 2.',
    )

    await call(mcp, 'write_file', { path: 'bin.dat', content: 'a\0b' })
    expect(notesOf(await call(mcp, 'read_file', { path: 'bin.dat' }))).toBe(
      'bin.dat is a binary file (3 bytes); not shown.',
    )
  })

  it('lists many files with a bound', async () => {
    const many = join(session.workspace, 'many')
    mkdirSync(many)
    for (let i = 0; i < 2100; i++) writeFileSync(join(many, `f${String(i).padStart(4, '0')}.txt`), '')
    const list = await call(mcp, 'list_files', { path: 'many' })
    expect(textOf(list).split('\n')).toHaveLength(2000)
    expect(notesOf(list)).toBe('Showing 2000 of 2100 entries. List a subdirectory to see the rest.')
  })
})

describe('gittrix mcp --task and usage', () => {
  let repo: { path: string }
  let store: string

  beforeAll(() => {
    repo = makeRepo({ 'README.md': '# Project\n' })
    store = tempDir('gittrix-mcp-task-')
  })

  afterAll(() => cleanup(repo.path, store))

  it('--task starts a session on --repo and serves it', async () => {
    const mcp = await connectMcp(store, ['--task', 'write the docs', '--repo', repo.path])
    try {
      await call(mcp, 'write_file', { path: 'docs.md', content: '# Docs\n' })
      const id = /started session (sess_[a-z0-9]+)/.exec(mcp.stderr())?.[1] ?? ''
      expect(id).not.toBe('')
      expect(mcp.client.getInstructions()).toContain(`Gittrix session ${id} — task: write the docs.`)
      const stat = cliSync(store, ['diff', id, '--stat'])
      expect(stat.stdout).toContain('A docs.md')
    } finally {
      await mcp.close()
    }
  })

  it('refuses without --session or --task, with --json, and for an unknown or inactive session', () => {
    expect(cliSync(store, ['mcp']).code).toBe(2)
    expect(cliSync(store, ['mcp']).stderr).toMatch(/either --session <id> .* or --task/)
    expect(cliSync(store, ['--json', 'mcp', '--task', 'x']).code).toBe(2)
    expect(cliSync(store, ['mcp', '--session', 'x', '--task', 'y']).code).toBe(2)
    const unknown = cliSync(store, ['mcp', '--session', 'sess_unknown'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/SESSION_NOT_FOUND/)
  })
})
