/**
 * The repository's `.github/gittrix.yml`, read with Probot's `context.config` (default branch only;
 * falls back to the owner's `.github` repository, as @probot/octokit-plugin-config does) and
 * validated with zod. Every key is optional:
 *
 * ```yaml
 * durableBranch: main            # the only branch sessions may promote to (default: the repository's default branch)
 * strategy: auto                 # auto | commit | pr | branch: "Promote all" and promote without a flag
 * promote:
 *   minimumRole: write           # write | maintain | admin: who may promote, discard, extend
 *   users: [alice, bob]          # when given, only these logins (and only with minimumRole)
 * adminPaths:                    # selecting any of these needs admin (default below)
 *   - .github/workflows/**
 * eviction:                      # defaults for sessions whose start commit has no Gittrix-Eviction
 *   ttlIdle: 4h                  # duration (30m, 4h, 7d) or off
 *   ttlAbsolute: off
 *   untilPromote: true           # delete the session branch after promotion
 *   manual: false
 * ```
 */
import { z } from 'zod'
import { parseDuration } from '../src/core/duration.ts'
import { branchNameProblem, fencedBlock, inlineCode } from '../src/github/index.ts'
import { DEFAULT_EVICTION, type EvictionPolicy } from '../src/index.ts'

/** The file name under `.github/`. */
export const CONFIG_FILE = 'gittrix.yml'

/** Roles that may be required to promote. */
export const PROMOTER_ROLES = ['write', 'maintain', 'admin'] as const

const duration = z
  .string()
  .refine((text) => text === 'off' || parseDuration(text) !== null, {
    message: 'expected a duration such as 30m, 4h or 7d, or off',
  })
  .transform((text) => (text === 'off' ? null : parseDuration(text)))

/** zod schema of `.github/gittrix.yml`. Unknown keys are errors, so a typo never passes silently. */
export const gittrixConfigSchema = z
  .object({
    durableBranch: z
      .string()
      .superRefine((name, ctx) => {
        const problem = branchNameProblem(name)
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
        else if (name.startsWith('gittrix/'))
          ctx.addIssue({ code: 'custom', message: 'a gittrix/ branch cannot be durable' })
      })
      .optional(),
    strategy: z.enum(['auto', 'commit', 'pr', 'branch']).default('auto'),
    promote: z
      .object({
        minimumRole: z.enum(PROMOTER_ROLES).default('write'),
        users: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ minimumRole: 'write', users: [] }),
    adminPaths: z.array(z.string().min(1)).default(['.github/workflows/**']),
    eviction: z
      .object({
        ttlIdle: duration.optional(),
        ttlAbsolute: duration.optional(),
        untilPromote: z.boolean().optional(),
        manual: z.boolean().optional(),
      })
      .strict()
      .default({}),
  })
  .strict()

/** The validated configuration, defaults filled in. */
export interface GittrixConfig {
  /** The durable branch sessions must name; `null` = the repository's default branch. */
  durableBranch: string | null
  strategy: 'auto' | 'commit' | 'pr' | 'branch'
  promote: { minimumRole: (typeof PROMOTER_ROLES)[number]; users: string[] }
  adminPaths: string[]
  /** Eviction for sessions whose start commit records none. */
  eviction: EvictionPolicy
}

/** The outcome of reading the configuration: the config, or every problem as `key: message`. */
export type ConfigResult = { ok: true; config: GittrixConfig } | { ok: false; problems: string[] }

/** Validates a parsed YAML value (`null` / `undefined` = no file: all defaults). Never throws. */
export function parseConfig(raw: unknown): ConfigResult {
  const parsed = gittrixConfigSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
      ),
    }
  }
  const c = parsed.data
  return {
    ok: true,
    config: {
      durableBranch: c.durableBranch ?? null,
      strategy: c.strategy,
      promote: c.promote,
      adminPaths: c.adminPaths,
      eviction: {
        ttlIdleMs: c.eviction.ttlIdle === undefined ? DEFAULT_EVICTION.ttlIdleMs : c.eviction.ttlIdle,
        ttlAbsoluteMs:
          c.eviction.ttlAbsolute === undefined ? DEFAULT_EVICTION.ttlAbsoluteMs : c.eviction.ttlAbsolute,
        untilPromote: c.eviction.untilPromote ?? DEFAULT_EVICTION.untilPromote,
        manual: c.eviction.manual ?? DEFAULT_EVICTION.manual,
      },
    },
  }
}

/** Anything with Probot's `context.config`. */
export interface ConfigSource {
  config(fileName: string): Promise<unknown>
}

/**
 * Reads and validates `.github/gittrix.yml` through `context.config`. A file that is not YAML, not a
 * mapping, or that breaks the schema yields `{ ok: false, problems }`; other read errors (5xx,
 * permissions) are thrown.
 */
export async function loadConfig(context: ConfigSource): Promise<ConfigResult> {
  let raw: unknown
  try {
    raw = await context.config(CONFIG_FILE)
  } catch (error) {
    const message = (error as Error).message ?? ''
    if (/octokit-plugin-config/.test(message)) {
      return { ok: false, problems: [`.github/${CONFIG_FILE}: ${message.replace(/^\[[^\]]+\]\s*/, '')}`] }
    }
    throw error
  }
  return parseConfig(raw)
}

/**
 * Renders config problems for a check run or a reply. The problems quote the file (keys, values,
 * YAML errors), so they are shown as a code block (src/github/markdown.ts).
 */
export function renderConfigProblems(problems: readonly string[]): string {
  return [
    `${inlineCode(`.github/${CONFIG_FILE}`)} is not valid, so Gittrix will not act on this repository until it is fixed:`,
    '',
    fencedBlock(problems.map((p) => `- ${p}`).join('\n'), 'text'),
    '',
    'Every key is optional; see the README section "GitHub App" for the schema.',
  ].join('\n')
}
