/**
 * `sandbox: true` (action/lib/agent.ts) lets the agent write only the checkout, but the Action goes on
 * working in that checkout, unsandboxed, after the agent's turn. Symlinks the agent leaves in the
 * checkout's `.git` must not steer those writes to host files: each of these attacks wrote outside the
 * checkout before action/lib/workspace.ts `removePlantedSymlinks`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBundle } from '../action/support.ts'
import { World } from './world.ts'

let world: World
const dirs: string[] = []

beforeAll(async () => {
  world = await World.start()
}, 180_000)

afterAll(async () => {
  await world?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('sandbox: true, after the agent', () => {
  it('a symlink the agent leaves at .git/index cannot make the Action overwrite a host file outside the checkout after the sandbox', async () => {
    const ws = await world.checkout()
    // A file of the runner's user outside the checkout: the agent can name it but not write it.
    const host = mkdtempSync(join(homedir(), '.gittrix-victim-'))
    dirs.push(host)
    const victim = join(host, 'victim.txt')
    writeFileSync(victim, 'untouched\n')
    const run = await runBundle({
      inputs: {
        token: world.github.workflowToken,
        task: 'Fix the parser',
        run: String.raw`
set +e
echo "victim: $(cat "$VICTIM" 2>&1)"
echo tampered > "$VICTIM" 2>/dev/null && echo "wrote it directly"
echo "# Changed in the sandbox" > README.md
# A file name with newlines: its path is copied verbatim into the host file (e.g. ~/.ssh/authorized_keys).
printf x > "$(printf "a\\nssh-ed25519 AAAAC3Nza attacker@evil\\nz")"
rm -f .git/index && ln -s "$VICTIM" .git/index
exit 0
`,
        topology: 'same-job',
        sandbox: 'true',
      },
      env: { ...world.runnerEnv(ws), VICTIM: victim },
      cwd: ws,
    })
    expect(run.stdout).not.toContain('wrote it directly')
    // The agent's work still arrives ...
    expect(run.errors.join('\n')).toBe('')
    // ... and nothing outside the checkout changed.
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n')
  }, 300_000)

  it('a symlink the agent leaves at the session branch reflog or .git/logs/HEAD cannot make the Action append to host files after the sandbox', async () => {
    const ws = await world.checkout()
    const host = mkdtempSync(join(homedir(), '.gittrix-victim-'))
    dirs.push(host)
    const victims = [join(host, 'branch-log.txt'), join(host, 'head-log.txt')]
    for (const victim of victims) writeFileSync(victim, 'untouched\n')
    const run = await runBundle({
      inputs: {
        token: world.github.workflowToken,
        task: 'Fix the parser',
        run: String.raw`
set +e
echo "# Changed in the sandbox" > README.md
mkdir -p ".git/logs/refs/heads/$(dirname "$GITTRIX_BRANCH")"
rm -f ".git/logs/refs/heads/$GITTRIX_BRANCH" .git/logs/HEAD
ln -s "$VICTIM1" ".git/logs/refs/heads/$GITTRIX_BRANCH"
ln -s "$VICTIM2" .git/logs/HEAD
exit 0
`,
        topology: 'same-job',
        sandbox: 'true',
      },
      env: { ...world.runnerEnv(ws), VICTIM1: victims[0]!, VICTIM2: victims[1]! },
      cwd: ws,
    })
    expect(run.errors.join('\n')).toBe('')
    expect(victims.map((v) => readFileSync(v, 'utf8'))).toEqual(['untouched\n', 'untouched\n'])
  }, 300_000)

  it('a symlink the agent leaves at .git/gittrix cannot make the Action write its record into, or delete the hooks of, a host directory after the sandbox', async () => {
    const ws = await world.checkout()
    const host = mkdtempSync(join(homedir(), '.gittrix-victim-'))
    dirs.push(host)
    mkdirSync(join(host, 'hooks'))
    writeFileSync(join(host, 'hooks', 'keep.txt'), 'keep\n')
    const run = await runBundle({
      inputs: {
        token: world.github.workflowToken,
        task: 'Fix the parser',
        run: String.raw`
set +e
echo "# Changed in the sandbox" > README.md
rm -rf .git/gittrix && ln -s "$VICTIM_DIR" .git/gittrix
git config gittrix.originalHooksPath /nonexistent
exit 0
`,
        topology: 'same-job',
        sandbox: 'true',
      },
      env: { ...world.runnerEnv(ws), VICTIM_DIR: host },
      cwd: ws,
    })
    expect(run.errors.join('\n')).toBe('')
    expect(readdirSync(host).sort()).toEqual(['hooks'])
    expect(readdirSync(join(host, 'hooks'))).toEqual(['keep.txt'])
  }, 300_000)
})
