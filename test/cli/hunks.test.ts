/**
 * Hunk selection in the CLI: `gittrix diff` shows the ids, `--json` lists them, `promote --hunk
 * <path>#<id>` (repeatable, with -f) promotes exactly those hunks, `promote -p` walks the hunks like
 * `git add -p` (scripted answers in-process, and a real pseudo-terminal through util-linux `script`),
 * and refuses without a terminal. Durable bytes are asserted with git.
 */
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CANNOT_SPLIT,
  chooseInteractively,
  type HunkAnswer,
  type HunkQuestion,
} from '../../src/cli/hunk-prompt.ts'
import type { CliIo } from '../../src/cli/io.ts'
import type { SessionDiff } from '../../src/core/types.ts'
import { cleanup, commitFiles, git, makeRepo, tempDir } from '../support/git-fixtures.ts'
import { type CliRun, runCliInProcess } from './in-process.ts'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

const lines = (n: number, edit: Record<number, string> = {}) =>
  Array.from({ length: n }, (_, i) => `${edit[i + 1] ?? `line ${i + 1}`}\n`).join('')
const EDITS = { 1: 'FIRST', 15: 'MIDDLE', 30: 'LAST' }

let repo: { path: string; head: string }
let store: string

/** The CLI in-process; `answers` (when given) answer `promote -p` in order and record the questions. */
async function cli(
  args: string[],
  options: {
    stdin?: string
    answers?: HunkAnswer[]
    asked?: HunkQuestion[]
    asker?: (question: HunkQuestion) => Promise<HunkAnswer>
  } = {},
): Promise<CliRun> {
  const io: Partial<CliIo> = {}
  if (options.asker) io.askHunk = options.asker
  if (options.answers) {
    const answers = [...options.answers]
    io.askHunk = async (question) => {
      options.asked?.push(question)
      const next = answers.shift()
      if (!next) throw new Error(`unexpected question about ${question.path}`)
      return next
    }
  }
  return runCliInProcess(args, {
    store,
    cwd: repo.path,
    io,
    ...(options.stdin ? { stdin: options.stdin } : {}),
  })
}

const show = (path: string) => git(repo.path, 'show', `main:${path}`) + '\n'

/** A session whose three.txt has 3 hunks, plus a modified two.txt (1 hunk) and an added new.txt. */
async function session(): Promise<string> {
  const id = (await cli(['start', '--json'])).json.data.id as string
  expect((await cli(['write', id, 'three.txt'], { stdin: lines(30, EDITS) })).code).toBe(0)
  expect((await cli(['write', id, 'two.txt'], { stdin: 'two changed\n' })).code).toBe(0)
  expect((await cli(['write', id, 'new.txt'], { stdin: 'new\n' })).code).toBe(0)
  return id
}

async function hunkIds(id: string, path: string): Promise<string[]> {
  const diff = await cli(['diff', id, '--json'])
  return diff.json.data.files
    .find((f: { path: string }) => f.path === path)
    .hunks.map((h: { id: string }) => h.id)
}

/** The argv of `gittrix --store <store> promote <id> -p` as a real process (node first). */
function promoteInteractively(id: string): string[] {
  return [
    process.execPath,
    '--experimental-strip-types',
    '--disable-warning=ExperimentalWarning',
    MAIN,
    '--store',
    store,
    'promote',
    id,
    '-p',
  ]
}

beforeEach(() => {
  repo = makeRepo({ 'three.txt': lines(30), 'two.txt': 'two\n' })
  store = tempDir('gittrix-cli-store-')
})
afterEach(() => cleanup(repo.path, store))

describe('gittrix diff with hunk ids', () => {
  it('annotates each @@ line with [h:<id>] and lists the same ids in --json', async () => {
    const id = await session()
    const text = await cli(['diff', id])
    const json = (await cli(['diff', id, '--json'])).json.data
    const three = json.files.find((f: { path: string }) => f.path === 'three.txt')
    expect(three.hunks).toHaveLength(3)
    for (const hunk of three.hunks) {
      expect(hunk.header).toBe(
        `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@ [h:${hunk.id}]`,
      )
      expect(text.stdout).toContain(`${hunk.header}\n`)
    }
    // A new file is whole-file only: no ids.
    expect(json.files.find((f: { path: string }) => f.path === 'new.txt').hunks).toBeUndefined()
    expect(text.stdout).toMatch(/@@ -0,0 \+1 @@\n\+new/)
  })
})

describe('gittrix promote --hunk', () => {
  it('promotes one hunk, then another with a whole file; the durable tree holds exactly those', async () => {
    const id = await session()
    const [first, middle, last] = await hunkIds(id, 'three.txt')
    const one = await cli(['promote', id, '--hunk', `three.txt#${middle}`, '--json'])
    expect(one.code, one.stdout).toBe(0)
    expect(one.json.data.files).toEqual(['three.txt'])
    expect(show('three.txt')).toBe(lines(30, { 15: 'MIDDLE' }))
    expect(await hunkIds(id, 'three.txt')).toEqual([first, last])

    const two = await cli(['promote', id, '--hunk', `three.txt#${last},${first}`, '-f', 'new.txt'])
    expect(two.code, two.stderr).toBe(0)
    expect(show('three.txt')).toBe(lines(30, EDITS))
    expect(show('new.txt')).toBe('new\n')
    expect(show('two.txt')).toBe('two\n')
  })

  it('refuses a malformed entry (exit 2) and a stale id (exit 1), writing nothing', async () => {
    const id = await session()
    const bad = await cli(['promote', id, '--hunk', 'three.txt'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/<path>#<id>/)
    const stale = await cli(['promote', id, '--hunk', 'three.txt#deadbeef', '--json'])
    expect(stale.code).toBe(1)
    expect(stale.json.error.code).toBe('INVALID_ARGUMENT')
    expect(stale.json.error.message).toContain(`gittrix diff ${id}`)
    const whole = await cli(['promote', id, '--hunk', `new.txt#deadbeef`, '--json'])
    expect(whole.json.error.message).toMatch(/new\.txt is added: hunk selection is whole-file only/)
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
  })
  it('refuses a reviewed id once the agent moved the same change elsewhere in the file', async () => {
    // Two sections whose bodies match beyond the 3 lines of context: the same edit in either gives
    // a hunk with the same lines. The person reviews the edit in [test]; the agent then moves it to [prod].
    const block = ['l1', 'l2', 'l3', 'auth = on', 'l5', 'l6', 'l7']
    const file = (test: string, prod: string) =>
      [
        '[test]',
        ...block.map((l) => (l === 'auth = on' ? test : l)),
        '[prod]',
        ...block.map((l) => (l === 'auth = on' ? prod : l)),
      ]
        .map((l) => `${l}\n`)
        .join('')
    const baseline = file('auth = on', 'auth = on')
    commitFiles(repo.path, { 'policy.ini': baseline })
    const id = (await cli(['start', '--json'])).json.data.id as string
    expect((await cli(['write', id, 'policy.ini'], { stdin: file('auth = off', 'auth = on') })).code).toBe(0)
    const [reviewed] = await hunkIds(id, 'policy.ini')
    expect((await cli(['write', id, 'policy.ini'], { stdin: file('auth = on', 'auth = off') })).code).toBe(0)
    const run = await cli(['promote', id, '--hunk', `policy.ini#${reviewed}`, '--json'])
    if (run.code === 0) expect(show('policy.ini')).toBe(file('auth = off', 'auth = on'))
    else expect(run.json.error.code).toBe('INVALID_ARGUMENT')
    expect(show('policy.ini')).not.toBe(file('auth = on', 'auth = off'))
  })
  it('refuses a twin hunk id once promoted, instead of handing it to the other twin', async () => {
    // Two sections alike beyond the context lines get the same edit: two hunks with the same lines.
    const block = (v: string) => ['x1', 'x2', 'x3', `val = ${v}`, 'x5', 'x6', 'x7']
    const file = (a: string, b: string) =>
      ['[a]', ...block(a), '[b]', ...block(b)].map((l) => `${l}\n`).join('')
    commitFiles(repo.path, { 'twins.ini': file('1', '1') })
    const id = (await cli(['start', '--json'])).json.data.id as string
    expect((await cli(['write', id, 'twins.ini'], { stdin: file('2', '2') })).code).toBe(0)
    const [first, second] = await hunkIds(id, 'twins.ini')
    expect(first).not.toBe(second)
    const once = await cli(['promote', id, '--hunk', `twins.ini#${first}`, '--json'])
    expect(once.code, once.stdout).toBe(0)
    expect(show('twins.ini')).toBe(file('2', '1'))
    // The same selection again (a retried command, a second tab): [b] was never selected.
    expect(await hunkIds(id, 'twins.ini')).toEqual([second])
    const again = await cli(['promote', id, '--hunk', `twins.ini#${first}`, '--json'])
    expect(again.json.error?.code).toBe('INVALID_ARGUMENT')
    expect(show('twins.ini')).toBe(file('2', '1'))
  })
})

describe('gittrix promote --at <checkpoint> --hunk', () => {
  it('promotes the hunks of the reviewed checkpoint, not what the agent wrote after it', async () => {
    const id = await session()
    const checkpoint = (await cli(['commit', id, '-m', 'for review', '--json'])).json.data
      .checkpoint as string
    // What the reviewer reads: the checkpoint's diff, with the ids a promotion at it recognises.
    const shown = (await cli(['diff', id, '--to', checkpoint, '--json'])).json.data.files
    const ids = shown
      .find((f: { path: string }) => f.path === 'three.txt')
      .hunks.map((h: { id: string }) => h.id)
    expect(ids).toHaveLength(3)
    // The agent rewrites the file afterwards: now the ids of the workspace differ and nothing matches.
    expect(
      (await cli(['write', id, 'three.txt'], { stdin: lines(30, { 1: 'EVIL', 15: 'MIDDLE' }) })).code,
    ).toBe(0)
    expect((await cli(['promote', id, '--hunk', `three.txt#${ids[0]}`])).code).toBe(1)
    const pinned = await cli(['promote', id, '--at', checkpoint, '--hunk', `three.txt#${ids[0]}`])
    expect(pinned.code, pinned.stderr).toBe(0)
    expect(show('three.txt')).toBe(lines(30, { 1: 'FIRST' }))
    // --at names commits of the session only, and -p makes its own.
    expect((await cli(['promote', id, '--at', 'f'.repeat(40), '-f', 'two.txt'])).code).toBe(1)
    expect((await cli(['promote', id, '--at', checkpoint, '-p'])).code).toBe(2)
  })
})

describe('gittrix promote -p', () => {
  it('refuses without a terminal, in-process and as a real process with piped stdin', async () => {
    const id = await session()
    const run = await cli(['promote', id, '-p'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/not one \(stdin or stderr is not a TTY\).*--hunk <path>#<id>/)
    const [node, ...args] = promoteInteractively(id)
    const child = spawnSync(node!, args, { cwd: repo.path, input: 'y\n', encoding: 'utf8' })
    expect(child.status).toBe(2)
    expect(child.stderr).toMatch(/promote -p asks about each hunk on a terminal/)
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
  })

  it('turns y/n per hunk and per whole file into one promotion of exactly those', async () => {
    const id = await session()
    const asked: HunkQuestion[] = []
    // new.txt (whole file), three.txt hunks 1-3, two.txt: in path order.
    const run = await cli(['promote', id, '-p', '-m', 'picked'], {
      answers: ['y', 'n', 'y', 'n', 'n'],
      asked,
    })
    expect(run.code, run.stderr).toBe(0)
    expect(asked.map((q) => [q.path, q.kind, q.index, q.total])).toEqual([
      ['new.txt', 'file', 1, 1],
      ['three.txt', 'hunk', 1, 3],
      ['three.txt', 'hunk', 2, 3],
      ['three.txt', 'hunk', 3, 3],
      ['two.txt', 'hunk', 1, 1],
    ])
    expect(asked[2]!.text).toMatch(
      /^diff --git a\/three.txt b\/three.txt\n[^]*\n@@ -12,7 \+12,7 @@ \[h:[0-9a-f]{8}\]\n[^@]*\+MIDDLE\n[^@]*$/,
    )
    expect(show('three.txt')).toBe(lines(30, { 15: 'MIDDLE' }))
    expect(show('new.txt')).toBe('new\n')
    expect(show('two.txt')).toBe('two\n')
    expect(git(repo.path, 'log', '-1', '--format=%s', 'main')).toBe('picked')
  })

  it('promotes what the walk showed, not what the agent wrote while the human was answering', async () => {
    const id = await session()
    let swapped = false
    const io = async (question: HunkQuestion): Promise<HunkAnswer> => {
      if (!swapped) {
        swapped = true
        // The agent rewrites files after the diff was read, before the answers are in.
        expect((await cli(['write', id, 'new.txt'], { stdin: 'new\nEVIL\n' })).code).toBe(0)
        expect((await cli(['write', id, 'two.txt'], { stdin: 'EVIL two\n' })).code).toBe(0)
      }
      return question.path === 'three.txt' ? 'n' : 'y'
    }
    const run = await cli(['promote', id, '-p'], { asker: io })
    // The walk's commit is pinned: the reviewed bytes land, never the agent's later ones.
    expect(run.code, run.stderr).toBe(0)
    expect(show('new.txt')).toBe('new\n')
    expect(show('two.txt')).toBe('two changed\n')
  })

  it('nothing chosen: nothing promoted', async () => {
    const id = await session()
    const run = await cli(['promote', id, '-p', '--strategy', 'commit'], { answers: ['n', 'd', 'q'] })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('Nothing chosen; nothing promoted.\n')
    expect(git(repo.path, 'rev-parse', 'main')).toBe(repo.head)
  })
})

describe('gittrix promote -p with s (split) and --hunk <path>#<id>.<k>', () => {
  it('s splits a hunk of three runs; y/n/y promote runs 1 and 3, then --hunk promotes the rest by part id', async () => {
    const id = (await cli(['start', '--json'])).json.data.id as string
    const split = { 10: 'TEN', 13: 'THIRTEEN', 16: 'SIXTEEN' }
    expect((await cli(['write', id, 'three.txt'], { stdin: lines(30, split) })).code).toBe(0)
    const [hunk, ...others] = await hunkIds(id, 'three.txt')
    expect(others).toEqual([])
    const asked: HunkQuestion[] = []
    const run = await cli(['promote', id, '-p'], { answers: ['s', 'y', 'n', 'y'], asked })
    expect(run.code, run.stderr).toBe(0)
    expect(asked.map((q) => [q.index, q.part?.index, q.part?.total])).toEqual([
      [1, undefined, undefined],
      [1, 1, 3],
      [1, 2, 3],
      [1, 3, 3],
    ])
    expect(asked[2]!.text).toMatch(new RegExp(`\\[h:${hunk}\\.2\\]\n[^@]*-line 13\n\\+THIRTEEN\n[^@]*$`))
    expect(show('three.txt')).toBe(lines(30, { 10: 'TEN', 16: 'SIXTEEN' }))
    const rest = await cli(['diff', id])
    expect(rest.stdout.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l))).toEqual([
      '-line 13',
      '+THIRTEEN',
    ])
    // What is left is re-hunked under a new id; its only part is <id>.1.
    const [left] = await hunkIds(id, 'three.txt')
    expect(left).not.toBe(hunk)
    const range = await cli(['promote', id, '--hunk', `three.txt#${left}.2`, '--json'])
    expect(range.code).toBe(1)
    expect(range.json.error.code).toBe('INVALID_ARGUMENT')
    expect(range.json.error.message).toContain(`${left}.2 in three.txt`)
    const last = await cli(['promote', id, '--hunk', `three.txt#${left}.1`])
    expect(last.code, last.stderr).toBe(0)
    expect(show('three.txt')).toBe(lines(30, split))
  })
})

describe('chooseInteractively (answers → selector)', () => {
  const hunk = (id: string, at: number) => ({
    id,
    oldStart: at,
    oldLines: 1,
    newStart: at,
    newLines: 1,
    header: `@@ -${at} +${at} @@ [h:${id}]`,
  })
  const diff: SessionDiff = {
    patch:
      'diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n' +
      '@@ -1 +1 @@ [h:aaaaaaa1]\n-1\n+one\n@@ -9 +9 @@ [h:aaaaaaa2]\n-9\n+nine\n@@ -20 +20 @@ [h:aaaaaaa3]\n-20\n+twenty\n' +
      'diff --git a/b.bin b/b.bin\nBinary files a/b.bin and b/b.bin differ\n' +
      'diff --git a/c.txt b/c.txt\n--- a/c.txt\n+++ b/c.txt\n@@ -1 +1 @@ [h:ccccccc1]\n-c\n+C\n',
    files: [
      {
        path: 'a.txt',
        status: 'modified',
        binary: false,
        additions: 3,
        deletions: 3,
        oldMode: '100644',
        newMode: '100644',
        hunks: [hunk('aaaaaaa1', 1), hunk('aaaaaaa2', 9), hunk('aaaaaaa3', 20)],
      },
      {
        path: 'b.bin',
        status: 'modified',
        binary: true,
        additions: 0,
        deletions: 0,
        oldMode: '100644',
        newMode: '100644',
      },
      {
        path: 'c.txt',
        status: 'modified',
        binary: false,
        additions: 1,
        deletions: 1,
        oldMode: '100644',
        newMode: '100644',
        hunks: [hunk('ccccccc1', 1)],
      },
    ],
    additions: 4,
    deletions: 4,
  }
  const walk = async (answers: HunkAnswer[]) => {
    const asked: string[] = []
    const selector = await chooseInteractively(diff, async (q) => {
      asked.push(`${q.path}:${q.index}`)
      return answers.shift()!
    })
    return { selector, asked }
  }

  it('y/n pick single hunks; a file whose every hunk is chosen goes whole', async () => {
    expect(await walk(['n', 'y', 'n', 'y', 'y'])).toEqual({
      selector: {
        mode: 'hunks',
        hunks: [{ path: 'a.txt', ids: ['aaaaaaa2'] }],
        files: ['b.bin', 'c.txt'],
        literal: true,
      },
      asked: ['a.txt:1', 'a.txt:2', 'a.txt:3', 'b.bin:1', 'c.txt:1'],
    })
  })

  it('a takes this and the later hunks of the file, d drops them, without asking', async () => {
    expect(await walk(['n', 'a', 'n', 'd'])).toEqual({
      selector: { mode: 'hunks', hunks: [{ path: 'a.txt', ids: ['aaaaaaa2', 'aaaaaaa3'] }], literal: true },
      asked: ['a.txt:1', 'a.txt:2', 'b.bin:1', 'c.txt:1'],
    })
    expect((await walk(['a', 'n', 'n'])).selector).toEqual({ mode: 'files', files: ['a.txt'], literal: true })
  })

  const runs: SessionDiff = {
    patch:
      'diff --git a/d.txt b/d.txt\n--- a/d.txt\n+++ b/d.txt\n' +
      '@@ -1,7 +1,7 @@ [h:ddddddd1]\n-1\n+one\n 2\n 3\n-4\n+four\n 5\n-6\n+six\n 7\n' +
      '@@ -20 +20 @@ [h:ddddddd2]\n-20\n+twenty\n',
    files: [
      {
        path: 'd.txt',
        status: 'modified',
        binary: false,
        additions: 4,
        deletions: 4,
        oldMode: '100644',
        newMode: '100644',
        hunks: [
          { ...hunk('ddddddd1', 1), oldLines: 7, newLines: 7, header: '@@ -1,7 +1,7 @@ [h:ddddddd1]' },
          hunk('ddddddd2', 20),
        ],
      },
    ],
    additions: 4,
    deletions: 4,
  }
  const walkRuns = async (answers: HunkAnswer[]) => {
    const asked: HunkQuestion[] = []
    const selector = await chooseInteractively(runs, async (q) => {
      asked.push(q)
      return answers.shift()!
    })
    return { selector, asked }
  }

  it('s splits a hunk into its runs and asks about each: s, y/n/y names parts 1 and 3', async () => {
    const { selector, asked } = await walkRuns(['s', 'y', 'n', 'y', 'n'])
    expect(selector).toEqual({
      mode: 'hunks',
      hunks: [{ path: 'd.txt', ids: ['ddddddd1.1', 'ddddddd1.3'] }],
      literal: true,
    })
    expect(asked.map((q) => [q.index, q.part])).toEqual([
      [1, undefined],
      [1, { index: 1, total: 3 }],
      [1, { index: 2, total: 3 }],
      [1, { index: 3, total: 3 }],
      [2, undefined],
    ])
    // Each part shows its own header and changes, with the unchanged lines around it.
    expect(asked[2]!.text).toBe(
      'diff --git a/d.txt b/d.txt\n--- a/d.txt\n+++ b/d.txt\n@@ -2,4 +2,4 @@ [h:ddddddd1.2]\n 2\n 3\n-4\n+four\n 5\n',
    )
  })

  it('every part chosen is the whole hunk; a/d on a part cover the later parts and hunks; q stops', async () => {
    expect((await walkRuns(['s', 'y', 'y', 'y', 'y'])).selector).toEqual({
      mode: 'files',
      files: ['d.txt'],
      literal: true,
    })
    expect((await walkRuns(['s', 'n', 'a'])).selector).toEqual({
      mode: 'hunks',
      hunks: [{ path: 'd.txt', ids: ['ddddddd1.2', 'ddddddd1.3', 'ddddddd2'] }],
      literal: true,
    })
    expect((await walkRuns(['s', 'y', 'd'])).selector).toEqual({
      mode: 'hunks',
      hunks: [{ path: 'd.txt', ids: ['ddddddd1.1'] }],
      literal: true,
    })
    const quit = await walkRuns(['s', 'y', 'q'])
    expect(quit.selector).toEqual({
      mode: 'hunks',
      hunks: [{ path: 'd.txt', ids: ['ddddddd1.1'] }],
      literal: true,
    })
    expect(quit.asked).toHaveLength(3)
  })

  it('s on a hunk with one run of changes says it cannot be split and asks again', async () => {
    const { selector, asked } = await walkRuns(['n', 's', 'y'])
    expect(selector).toEqual({ mode: 'hunks', hunks: [{ path: 'd.txt', ids: ['ddddddd2'] }], literal: true })
    expect(asked.map((q) => [q.index, q.note])).toEqual([
      [1, undefined],
      [2, undefined],
      [2, CANNOT_SPLIT],
    ])
  })

  it('q stops: what was chosen before it is kept, nothing after', async () => {
    expect(await walk(['y', 'q'])).toEqual({
      selector: { mode: 'hunks', hunks: [{ path: 'a.txt', ids: ['aaaaaaa1'] }], literal: true },
      asked: ['a.txt:1', 'a.txt:2'],
    })
    expect((await walk(['d', 'n', 'n'])).selector).toBeNull()
  })
})

describe('gittrix promote -p on a real terminal', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0

  /** Runs `promote <id> -p` on a pseudo-terminal (util-linux `script`), typing each answer once its question is on screen. */
  async function typeInto(id: string, answers: string[]) {
    const command = promoteInteractively(id)
    const child = spawn('script', ['-qfec', command.map(shellQuote).join(' '), '/dev/null'], {
      cwd: repo.path,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let screen = ''
    let asked = 0
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8')
      // A question counts once its prompt is on screen (redrawn as keys arrive: distinct ones count).
      const questions = new Set(
        screen.match(
          /Promote (this hunk of \S+ \(\d+\/\d+\)|this part of \S+ \(part \d+\/\d+ of hunk \d+\/\d+\)|\S+ \(\w+, whole file only\))\?/g,
        ),
      ).size
      while (asked < questions && asked < answers.length) child.stdin.write(`${answers[asked++]}\r`)
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return { code, screen, asked }
  }

  it.skipIf(!hasScript)(
    'answers typed into a pseudo-terminal (util-linux script) promote those hunks',
    async () => {
      const id = await session()
      const { code, screen, asked } = await typeInto(id, ['n', 'n', 'n', 'y', 'n']) // new.txt, three.txt 1-3, two.txt
      expect(code, screen).toBe(0)
      expect(asked).toBe(5)
      expect(show('three.txt'), screen).toBe(lines(30, { 30: 'LAST' }))
      expect(git(repo.path, 'diff-tree', '-r', '--name-only', '--no-commit-id', 'main')).toBe('three.txt')
    },
  )

  it.skipIf(!hasScript)(
    's typed on a pseudo-terminal splits the hunk; y/n/y promote runs 1 and 3',
    async () => {
      const id = (await cli(['start', '--json'])).json.data.id as string
      expect(
        (await cli(['write', id, 'three.txt'], { stdin: lines(30, { 10: 'A', 13: 'B', 16: 'C' }) })).code,
      ).toBe(0)
      const { code, screen, asked } = await typeInto(id, ['s', 'y', 'n', 'y'])
      expect(code, screen).toBe(0)
      expect(asked).toBe(4)
      expect(screen).toContain('Promote this part of three.txt (part 3/3 of hunk 1/1)?')
      expect(show('three.txt'), screen).toBe(lines(30, { 10: 'A', 16: 'C' }))
    },
  )
})

/** One argument for `sh -c`, single-quoted. */
function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`
}
