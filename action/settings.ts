/**
 * The Action's inputs, read once and validated into one {@link Settings} object (the style of
 * release-drafter v7's `get-action-inputs.ts` and actions/checkout's `input-helper.ts`). `RawInputs`
 * is a `Record` over every input name, so an input added to the schema cannot be forgotten here; every
 * problem is reported as one {@link InputError} naming each bad input and what it accepts.
 *
 * This file reads no `@actions/*` module: the entry passes `getInput`, so the parsing is plain code.
 */
import { isAbsolute, resolve } from 'node:path'
import { z } from 'zod'
import { parseDuration } from '../src/core/duration.ts'
import { remoteUrlProblem } from '../src/git/remote-url.ts'
import { DEFAULT_EVICTION } from '../src/core/eviction.ts'
import type { EvictionPolicy } from '../src/core/types.ts'
import { branchNameProblem } from '../src/github/branches.ts'
import { normalizeTaskResult } from '../src/github/task.ts'
import { eventFacts, readEventPayload } from './lib/event.ts'

/** The Action's modes. */
export const MODES = ['run', 'start', 'finish', 'publish', 'sweep'] as const
/** One of {@link MODES}. */
export type Mode = (typeof MODES)[number]

/** A `true` / `false` input (absent: `undefined`), anything else refused with a message. */
function booleanInput() {
  return z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value !== undefined && value !== 'true' && value !== 'false')
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(value)} is not a boolean; use true or false.`,
        })
    })
}

/** Every input of action.yml, as the raw strings the runner passes. */
export const INPUT_NAMES = [
  'mode',
  'task',
  'run',
  'topology',
  'bundle',
  'timeout',
  'path',
  'agent-file-commands',
  'sandbox',
  'durable-branch',
  'ephemeral',
  'artifacts-account-id',
  'artifacts-namespace',
  'artifacts-api-token',
  'artifacts-api-url',
  'link',
  'ttl-idle',
  'ttl-absolute',
  'keep-after-promote',
  'transcript',
  'token',
] as const
/** One of {@link INPUT_NAMES}. */
export type InputName = (typeof INPUT_NAMES)[number]
/** The raw inputs; `''` means "not given". */
export type RawInputs = Record<InputName, string>

/** Bad inputs: `message` names each one and what it accepts. */
export class InputError extends Error {
  /** The inputs that were refused, in action.yml order. */
  readonly inputs: InputName[]
  constructor(problems: ReadonlyArray<{ input: InputName; message: string }>) {
    const lines = problems.map((p) => `Input '${p.input}': ${p.message}`)
    super(lines.length === 1 ? lines[0]! : `Invalid inputs:\n${lines.join('\n')}`)
    this.name = 'InputError'
    this.inputs = problems.map((p) => p.input)
  }
}

/** Everything the Action runs with. */
export interface Settings {
  /** What to do: `run` (start, run the agent, finish), `start`, `finish` or `sweep`. */
  mode: Mode
  /** The agent's task (normalised); `null` in `finish` and `sweep`. */
  task: string | null
  /** The agent command line of `run` mode; `null` otherwise. */
  run: string | null
  /**
   * `two-jobs` (default): the agent's job writes nothing remote and finish writes a bundle that
   * `mode: publish` pushes from another job (for Artifacts sessions, it also creates the session
   * repository); `same-job`: start and finish push themselves (the agent can read the tokens).
   */
  topology: 'two-jobs' | 'same-job'
  /** Mode `publish`: the bundle file, or the directory the artifact was downloaded to. */
  bundle: string | null
  /** Mode `run`: end the agent after this many ms; `null` = no limit. */
  timeoutMs: number | null
  /** Give the agent `GITHUB_ENV` and `GITHUB_PATH` (mode `run`). */
  agentFileCommands: boolean
  /** Run the agent (mode `run`) in a bubblewrap sandbox (action/lib/agent-sandbox.ts). */
  sandbox: boolean
  /** The durable branch; `null` = the repository's default branch. */
  durableBranch: string | null
  /** Where the session lives: the session branch, or a Cloudflare Artifacts repository. */
  ephemeral: 'branch' | 'artifacts'
  /**
   * The `artifacts-*` inputs; set with `ephemeral: artifacts` and whenever they are given (mode `sweep`
   * then deletes expired sessions' repositories), else `null`.
   */
  artifacts: ArtifactsInputs | null
  /**
   * The `artifacts-namespace` input, whenever given: all the agent's job of a two-job Artifacts session
   * needs (it names the session repository in the start commit; the publish job creates it).
   */
  artifactsNamespace: string | null
  /** The issue or pull request the session belongs to (input, else from the event), or `null`. */
  link: number | null
  /** Eviction overrides from `ttl-idle`, `ttl-absolute`, `keep-after-promote`; `null` when none was given. */
  eviction: EvictionPolicy | null
  /** The token used for git and the REST API. Never logged. */
  token: string
  /**
   * Modes `run` and `finish`: the JSONL transcript file the agent step writes (absolute, resolved
   * against `GITHUB_WORKSPACE`), attached as the session head's transcript note; `null` when not given.
   */
  transcript: string | null
  /** Where the checkout is: `path` under `GITHUB_WORKSPACE` (else the current directory). */
  workspace: string
  /** `GITHUB_RUN_ID` and `GITHUB_RUN_ATTEMPT`, when set. */
  workflowRun: { id: string | null; attempt: string | null }
  /** `owner/repo`. */
  repository: string
  /** `GITHUB_REPOSITORY_ID`: the repository's numeric id (names Artifacts session repositories), or `null`. */
  repositoryId: number | null
  owner: string
  repo: string
  /** `GITHUB_SERVER_URL` (default https://github.com). */
  serverUrl: string
  /** `GITHUB_API_URL` (default https://api.github.com). */
  apiUrl: string
  /** `GITHUB_REF` / `GITHUB_SHA` of the run. */
  trigger: { ref?: string; sha?: string }
  /** `repository.default_branch` from the event payload, when present. */
  defaultBranch: string | null
}

/** The `artifacts-*` inputs, validated. */
export interface ArtifactsInputs {
  /** Cloudflare account id. */
  accountId: string
  /** Artifacts namespace of the session repositories. */
  namespace: string
  /** Cloudflare API token (Artifacts Edit). Never logged. */
  apiToken: string
  /** REST API root, default {@link DEFAULT_ARTIFACTS_API_URL}. */
  apiUrl: string
}

/** Default of `artifacts-api-url`: Cloudflare's public API root. */
export const DEFAULT_ARTIFACTS_API_URL = 'https://api.cloudflare.com/client/v4'

/** Account ids as the Artifacts client accepts them (Cloudflare's are 32 hex digits). */
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/
/** Artifacts namespace names (https://developers.cloudflare.com/artifacts/concepts/namespaces/). */
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/
/** The inputs an Artifacts session cannot do without. */
const ARTIFACTS_REQUIRED = ['artifacts-account-id', 'artifacts-namespace', 'artifacts-api-token'] as const
const ARTIFACTS_HINTS: Record<(typeof ARTIFACTS_REQUIRED)[number], string> = {
  'artifacts-account-id':
    'the Cloudflare account id that owns the Artifacts namespace (e.g. ${{ vars.CLOUDFLARE_ACCOUNT_ID }}).',
  'artifacts-namespace': 'the Artifacts namespace to create the session repositories in (e.g. gittrix).',
  'artifacts-api-token':
    'pass a Cloudflare API token with Artifacts Edit permission from a secret (e.g. ${{ secrets.CLOUDFLARE_API_TOKEN }}).',
}

/** Why `value` is not a usable API root ({@link remoteUrlProblem}), or `null`. Never quotes the value. */
function apiUrlProblem(value: string): string | null {
  const problem = remoteUrlProblem(value)
  return problem
    ? `${problem}; use https://api.cloudflare.com/client/v4 (the default) or your proxy's equivalent, and pass the API token in artifacts-api-token.`
    : null
}

const optional = (value: string) => (value.trim() === '' ? undefined : value.trim())

function duration(input: InputName) {
  return z
    .string()
    .optional()
    .transform((value, ctx): number | null | undefined => {
      if (value === undefined) return undefined
      if (value === 'off' || value === 'never') return null
      const parsed = parseDuration(value)
      if (parsed === null) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(value)} is not a duration; use a number with a unit such as 30m, 4h or 7d, or "off".`,
          path: [input],
        })
        return z.NEVER
      }
      return parsed
    })
}

const rawSchema = z
  .object({
    mode: z
      .string()
      .optional()
      .transform((v) => v ?? 'run')
      .pipe(
        z.enum(MODES, {
          error: (i) => `${JSON.stringify(i.input)} is not a mode; use run, start, finish, publish or sweep.`,
        }),
      ),
    task: z.string().optional(),
    run: z.string().optional(),
    topology: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value !== undefined && value !== 'two-jobs' && value !== 'same-job')
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(value)} is not a topology; use "two-jobs" (the default: a publish job pushes) or "same-job".`,
          })
      }),
    bundle: z.string().optional(),
    timeout: duration('timeout'),
    path: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value === undefined) return
        if (isAbsolute(value) || value.split(/[\\/]/).includes('..'))
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(value)} must be a relative path under GITHUB_WORKSPACE (the \`path\` given to actions/checkout).`,
          })
      }),
    'agent-file-commands': booleanInput(),
    sandbox: booleanInput(),
    'durable-branch': z
      .string()
      .optional()
      .superRefine((name, ctx) => {
        if (name === undefined) return
        const problem =
          branchNameProblem(name) ??
          (name.startsWith('gittrix/') ? 'a Gittrix branch cannot be durable' : null)
        if (problem)
          ctx.addIssue({ code: 'custom', message: `${JSON.stringify(name)} is not usable: ${problem}.` })
      }),
    ephemeral: z
      .string()
      .optional()
      .superRefine((kind, ctx) => {
        if (kind === undefined || kind === 'branch' || kind === 'artifacts') return
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(kind)} is not a workspace kind; use "branch" (the default) or "artifacts" (Cloudflare Artifacts).`,
        })
      }),
    'artifacts-account-id': z
      .string()
      .optional()
      .superRefine((id, ctx) => {
        if (id !== undefined && !ACCOUNT_ID.test(id))
          ctx.addIssue({
            code: 'custom',
            message:
              'is not a Cloudflare account id (letters, digits, "-" and "_"; shown on the dashboard\'s account home).',
          })
      }),
    'artifacts-namespace': z
      .string()
      .optional()
      .superRefine((name, ctx) => {
        if (name !== undefined && !NAMESPACE.test(name))
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(name)} is not an Artifacts namespace name: a letter or digit, then letters, digits, ".", "_" or "-", at most 63 characters.`,
          })
      }),
    'artifacts-api-token': z.string().optional(),
    'artifacts-api-url': z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        const problem = value === undefined ? null : apiUrlProblem(value)
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
      }),
    link: z
      .string()
      .optional()
      .transform((value, ctx): number | undefined => {
        if (value === undefined) return undefined
        const match = /^#?([1-9][0-9]{0,9})$/.exec(value)
        if (!match || Number(match[1]) > 2_147_483_647) {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(value)} is not an issue or pull request number.`,
          })
          return z.NEVER
        }
        return Number(match[1])
      }),
    'ttl-idle': duration('ttl-idle'),
    'ttl-absolute': duration('ttl-absolute'),
    'keep-after-promote': booleanInput().transform((value) =>
      value === undefined ? undefined : value === 'true',
    ),
    token: z.string({
      error: 'is empty; pass a token with contents: write (the default is ${{ github.token }}).',
    }),
    transcript: z.string().optional(),
  })
  .superRefine((raw, ctx) => {
    const needsTask = raw.mode === 'run' || raw.mode === 'start'
    if (needsTask) {
      if (raw.task === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['task'],
          message: `is required with mode ${raw.mode}: say what the agent should do.`,
        })
      } else {
        const task = normalizeTaskResult(raw.task)
        if (!task.ok) ctx.addIssue({ code: 'custom', path: ['task'], message: `${task.reason}.` })
      }
    }
    const agentJob = raw.mode === 'run' || raw.mode === 'start' || raw.mode === 'finish'
    const twoJobAgent = agentJob && raw.topology !== 'same-job' && raw.ephemeral === 'artifacts'
    const wantsArtifacts =
      raw.ephemeral === 'artifacts' || ARTIFACTS_REQUIRED.some((name) => raw[name] !== undefined)
    if (twoJobAgent) {
      // The agent's job of the two-job topology only names the session repository; the publish job
      // (which runs no agent code) holds the Cloudflare credential and creates it.
      if (raw['artifacts-namespace'] === undefined && raw.mode !== 'finish')
        ctx.addIssue({
          code: 'custom',
          path: ['artifacts-namespace'],
          message: `is required with ephemeral: artifacts: ${ARTIFACTS_HINTS['artifacts-namespace']} Give the publish job the same value.`,
        })
      if (raw['artifacts-api-token'] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['artifacts-api-token'],
          message:
            `must not be given to the agent's job (mode ${raw.mode}) in the two-job topology: the agent could read it there. ` +
            'Give it (with artifacts-account-id and artifacts-namespace) to the mode: publish job, which creates the Artifacts repository; or opt in to topology: same-job.',
        })
    } else if (wantsArtifacts) {
      const why =
        raw.ephemeral === 'artifacts' ? 'with ephemeral: artifacts' : 'once any artifacts-* input is given'
      for (const name of ARTIFACTS_REQUIRED) {
        if (raw[name] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `is required ${why}: ${ARTIFACTS_HINTS[name]}`,
          })
      }
    }
    if (raw.mode === 'run' && raw.run === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['run'],
        message: 'is required with mode run: the command line that runs the agent.',
      })
    }
    if (raw.mode === 'publish' && raw.bundle === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['bundle'],
        message:
          "is required with mode publish: the path actions/download-artifact wrote the agent job's bundle to.",
      })
    }
    if (raw.mode !== 'run' && raw.timeout !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeout'],
        message: `is only used with mode run, not ${raw.mode}; use the job's or step's timeout-minutes for an agent that runs as its own step.`,
      })
    }
    if (raw.sandbox === 'true' && raw.mode !== 'run') {
      ctx.addIssue({
        code: 'custom',
        path: ['sandbox'],
        message: `is only used with mode run, not ${raw.mode}: Gittrix sandboxes the agent command it runs itself.`,
      })
    }
    if (raw.sandbox === 'true' && raw['agent-file-commands'] === 'true') {
      ctx.addIssue({
        code: 'custom',
        path: ['sandbox'],
        message:
          'cannot be combined with agent-file-commands: the sandbox hides the runner files GITHUB_ENV and GITHUB_PATH live in. Drop one of them.',
      })
    }
    if (raw.transcript !== undefined && raw.mode !== 'run' && raw.mode !== 'finish') {
      ctx.addIssue({
        code: 'custom',
        path: ['transcript'],
        message: `is only used with mode run or finish, not ${raw.mode}: it is attached when the session finishes.`,
      })
    }
    if (raw.transcript !== undefined && raw.sandbox === 'true') {
      ctx.addIssue({
        code: 'custom',
        path: ['transcript'],
        message:
          'cannot be combined with sandbox: the sandboxed agent can write only the checkout, and a transcript there would be one of the session files. Drop one of them.',
      })
    }
    if (raw.mode !== 'run' && raw.run !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['run'],
        message: `is only used with mode run, not ${raw.mode}; remove it, or run the agent as its own step between mode start and mode finish.`,
      })
    }
  })

/** Runner environment the settings are read from (a subset of `process.env`). */
export type ActionEnv = Record<string, string | undefined>

/**
 * Reads every input once through `getInput` (e.g. `core.getInput`), validates them together with the
 * runner's `GITHUB_*` variables, and returns the settings. Throws {@link InputError} listing every bad
 * input, or `Error` when the runner environment itself is incomplete.
 */
export function readSettings(getInput: (name: InputName) => string, env: ActionEnv): Settings {
  const raw = {} as Record<InputName, string | undefined>
  for (const name of INPUT_NAMES)
    raw[name] = name === 'run' || name === 'task' ? nonBlank(getInput(name)) : optional(getInput(name))
  const parsed = rawSchema.safeParse(raw)
  if (!parsed.success) {
    const seen = new Set<InputName>()
    const problems: Array<{ input: InputName; message: string }> = []
    for (const issue of parsed.error.issues) {
      const input = (issue.path[0] ?? 'mode') as InputName
      if (seen.has(input)) continue
      seen.add(input)
      problems.push({ input, message: issue.message })
    }
    problems.sort((a, b) => INPUT_NAMES.indexOf(a.input) - INPUT_NAMES.indexOf(b.input))
    throw new InputError(problems)
  }
  const p = parsed.data
  const repository = env.GITHUB_REPOSITORY ?? ''
  const [owner, repo] = repository.split('/')
  if (!owner || !repo)
    throw new Error('GITHUB_REPOSITORY is not set to owner/repo; run this Action in a GitHub Actions job.')
  const facts = eventFacts(env.GITHUB_EVENT_NAME ?? '', readEventPayload(env.GITHUB_EVENT_PATH))
  const overrides: Partial<EvictionPolicy> = {
    ...(p['ttl-idle'] !== undefined ? { ttlIdleMs: p['ttl-idle'] } : {}),
    ...(p['ttl-absolute'] !== undefined ? { ttlAbsoluteMs: p['ttl-absolute'] } : {}),
    ...(p['keep-after-promote'] !== undefined ? { untilPromote: !p['keep-after-promote'] } : {}),
  }
  return {
    mode: p.mode,
    task:
      p.mode === 'run' || p.mode === 'start'
        ? (normalizeTaskResult(p.task!) as { value: string }).value
        : null,
    run: p.run ?? null,
    topology: p.topology === 'same-job' ? 'same-job' : 'two-jobs',
    bundle: p.bundle ?? null,
    timeoutMs: p.timeout ?? null,
    agentFileCommands: p['agent-file-commands'] === 'true',
    sandbox: p.sandbox === 'true',
    durableBranch: p['durable-branch'] ?? null,
    ephemeral: p.ephemeral === 'artifacts' ? 'artifacts' : 'branch',
    artifacts:
      p['artifacts-account-id'] && p['artifacts-namespace'] && p['artifacts-api-token']
        ? {
            accountId: p['artifacts-account-id'],
            namespace: p['artifacts-namespace'],
            apiToken: p['artifacts-api-token'],
            apiUrl: (p['artifacts-api-url'] ?? DEFAULT_ARTIFACTS_API_URL).replace(/\/+$/, ''),
          }
        : null,
    artifactsNamespace: p['artifacts-namespace'] ?? null,
    link: p.link ?? facts.link,
    eviction: Object.keys(overrides).length ? { ...DEFAULT_EVICTION, ...overrides } : null,
    token: p.token,
    transcript:
      p.transcript === undefined ? null : resolve(env.GITHUB_WORKSPACE || process.cwd(), p.transcript),
    workspace: resolve(env.GITHUB_WORKSPACE || process.cwd(), p.path ?? '.'),
    workflowRun: { id: env.GITHUB_RUN_ID || null, attempt: env.GITHUB_RUN_ATTEMPT || null },
    repository,
    repositoryId: /^[1-9]\d{0,15}$/.test(env.GITHUB_REPOSITORY_ID ?? '')
      ? Number(env.GITHUB_REPOSITORY_ID)
      : null,
    owner,
    repo,
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    trigger: { ref: env.GITHUB_REF, sha: env.GITHUB_SHA },
    defaultBranch: facts.defaultBranch,
  }
}

function nonBlank(value: string): string | undefined {
  return value.trim() === '' ? undefined : value
}
