/**
 * `npm run demo`: the whole Gittrix loop on a throwaway clone of this repository, with a scripted agent.
 *
 *   1. start a session (baseline recorded first)
 *   2. the agent edits README.md, deletes a file and adds a new one
 *   3. review the diff
 *   4. promote two of the three files as one clean commit (with Gittrix trailers)
 *   5. a second session runs into BASELINE_CONFLICT: a human changed the same file on the durable branch
 *
 * Everything happens in a temporary directory (its own git identity, its own session store) that is
 * removed at the end. Runs straight from the TypeScript sources (`node --experimental-strip-types`), so
 * it needs no build.
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from '../src/cli/run.ts'
import {
  BaselineConflictError,
  GitTrix,
  LocalDurableAdapter,
  LocalEphemeralAdapter,
  type UserSession,
} from '../src/index.ts'

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const work = mkdtempSync(join(tmpdir(), 'gittrix-demo-'))
const repo = join(work, 'repo')
const store = join(work, 'sessions')

/** Runs git with an argument array (no shell) and returns its stdout as is. */
function gitRaw(cwd: string, ...args: string[]): string {
  const env = { ...process.env }
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete env[name]
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 })
}

/** {@link gitRaw}, trimmed. */
function git(cwd: string, ...args: string[]): string {
  return gitRaw(cwd, ...args).trim()
}

function heading(text: string): void {
  console.log(`\n━━ ${text} ${'━'.repeat(Math.max(3, 72 - text.length))}`)
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')
}

/** Runs the `gittrix` CLI in-process against the demo's store, printing what it prints. */
async function gittrixCli(...args: string[]): Promise<number> {
  console.log(`$ gittrix ${args.join(' ')}`)
  return runCli(['--store', store, ...args], {
    stdout: (chunk) => process.stdout.write(chunk),
    stderr: (chunk) => process.stderr.write(chunk),
    readStdin: async () => new Uint8Array(),
    cwd: repo,
    env: {},
  })
}

/** A tracked file the agent may delete: a small config file when there is one, else the last tracked file. */
function fileToDelete(): string {
  const tracked = git(repo, 'ls-files').split('\n').filter(Boolean)
  const preferred = ['tsconfig.build.json', '.prettierrc.json', '.gitignore'].find((f) => tracked.includes(f))
  const fallback = tracked.filter((f) => f !== 'README.md').at(-1)
  if (!preferred && !fallback) throw new Error('The repository has no file besides README.md to delete.')
  return (preferred ?? fallback)!
}

async function scriptedAgent(session: UserSession, deleted: string): Promise<void> {
  const agent = session.forAgent()
  const readme = new TextDecoder().decode(await agent.read('README.md'))
  await agent.write('README.md', readme.replace(/^# .*$/m, '# Gittrix (edited by the demo agent)'))
  await agent.delete(deleted)
  await agent.write(
    'docs/agent-notes.md',
    '# Agent notes\n\nWritten in an ephemeral workspace; a human decides what reaches main.\n',
  )
  await agent.commit('agent: checkpoint (never replayed onto the durable branch)')
}

async function main(): Promise<void> {
  heading('Setup')
  const sourceHead = git(projectRoot, 'rev-parse', 'HEAD')
  git(work, 'clone', '--quiet', '--no-hardlinks', '--no-checkout', projectRoot, repo)
  git(repo, 'checkout', '--quiet', '-B', 'main', sourceHead)
  git(repo, 'remote', 'remove', 'origin')
  git(repo, 'config', 'user.name', 'Demo Human')
  git(repo, 'config', 'user.email', 'human@gittrix.invalid')
  git(repo, 'config', 'commit.gpgsign', 'false')
  console.log(
    `Throwaway clone of ${projectRoot}\n  at ${repo} (branch main, head ${sourceHead.slice(0, 12)})`,
  )
  console.log(`Session store: ${store}`)

  const gittrix = new GitTrix({
    durable: new LocalDurableAdapter({ path: repo, branch: 'main' }),
    ephemeral: new LocalEphemeralAdapter({ kind: 'clone' }),
    storeDir: store,
    sweepIntervalMs: 0,
  })
  await gittrix.init()
  try {
    heading('1. Start a session (the baseline is recorded before the agent runs)')
    const session = await gittrix.startSession({ task: 'refresh the README and add agent notes' })
    const meta = await session.info()
    console.log(`session   ${session.id}\nbaseline  ${meta.baselineSha}\nworkspace ${session.workspacePath}`)

    heading('2. The scripted agent works in its workspace')
    const deleted = fileToDelete()
    await scriptedAgent(session, deleted)
    console.log(`edited README.md, deleted ${deleted}, added docs/agent-notes.md`)
    await gittrixCli('files', session.id)

    heading('3. Review: the diff against the baseline')
    const diff = await session.diffDetails()
    for (const file of diff.files) {
      console.log(`  ${file.status.padEnd(8)} ${file.path}  (+${file.additions} -${file.deletions})`)
    }
    console.log('')
    console.log(indent(await session.diff({ paths: ['README.md', 'docs/agent-notes.md'] })))
    console.log(
      `    … and the deletion of ${deleted} (${diff.files.find((f) => f.path === deleted)?.deletions} lines)`,
    )

    heading('4. Promote two of the three files as one clean commit')
    const outcome = await session.promote({
      selector: { mode: 'files', files: ['README.md', 'docs/agent-notes.md'] },
      message: 'docs: refresh the README title and add agent notes',
    })
    console.log(`promoted ${outcome.files.join(', ')} → ${outcome.branch} @ ${outcome.sha.slice(0, 12)}`)
    console.log(
      `not promoted: ${deleted} (still in main: ${git(repo, 'cat-file', '-t', `main:${deleted}`) === 'blob'})\n`,
    )
    console.log(indent(git(repo, 'log', '-1', '--format=commit %H%nparent %P%n%n%B', 'main')))
    console.log('')
    console.log(indent(gitRaw(repo, 'show', '--stat', '--format=', 'main').replace(/^\n+/, '')))

    heading('5. A second session runs into a baseline conflict')
    const second = await gittrix.startSession({ task: 'retitle the README again' })
    await second.forAgent().write('README.md', '# Gittrix, retitled by a second agent\n')
    console.log(
      `session ${second.id} (baseline ${(await second.info()).baselineSha.slice(0, 12)}) edited README.md`,
    )
    appendFileSync(join(repo, 'README.md'), '\nA human edit, committed straight to main.\n')
    git(repo, 'commit', '--quiet', '-am', 'human: note in the README')
    const headBefore = git(repo, 'rev-parse', 'main')
    console.log(`meanwhile a human committed README.md to main (${headBefore.slice(0, 12)})\n`)
    try {
      await second.promote({ selector: { mode: 'all' } })
      throw new Error('expected BASELINE_CONFLICT, but the promotion went through')
    } catch (error) {
      if (!(error instanceof BaselineConflictError)) throw error
      console.log(`${error.code}: ${error.message}`)
      console.log(`conflicting files: ${error.conflictingFiles.join(', ')}`)
      console.log(`main unchanged: ${git(repo, 'rev-parse', 'main') === headBefore}`)
    }
    console.log('\nThe same through the CLI (exit code 3 means baseline conflict):')
    const code = await gittrixCli('promote', second.id)
    console.log(`exit code ${code}`)
    if (code !== 3) throw new Error(`expected exit code 3, got ${code}`)

    heading('Sessions')
    await gittrixCli('ls')
    await second.discard()
  } finally {
    await gittrix.close()
  }
}

try {
  await main()
  heading('Done: the throwaway clone and its sessions are removed')
} catch (error) {
  process.exitCode = 1
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
