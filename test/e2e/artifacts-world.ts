/**
 * What the end-to-end Artifacts suites share: the stand-in namespace, the scripted agent, the App's and
 * the publish job's Artifacts settings, a world with a fresh stand-in, and the no-secrets check.
 */
import type { ExpectStatic } from 'vitest'
import type { BundleRun } from '../action/support.ts'
import { ArtifactsStandIn } from '../support/artifacts-stand-in.ts'
import { World } from './world.ts'

/** The Artifacts namespace of the stand-in, the App and the Action. */
export const NAMESPACE = 'gittrix-e2e'

/** A scripted agent: edits one file, adds one, deletes one and edits the README. */
export const AGENT = [
  `printf 'export const parse = (s: string) => s.trim().toLowerCase()\\n' > src/parser.ts`,
  `printf 'export const added = "only in Artifacts"\\n' > src/added.ts`,
  `rm docs/guide.md`,
  `printf '# Widget\\n\\nNow with parsing.\\n' > README.md`,
].join('\n')

/** The App's environment for Artifacts sessions on `standIn`. */
export function appEnv(standIn: ArtifactsStandIn): Record<string, string> {
  return {
    ARTIFACTS_ACCOUNT_ID: standIn.accountId,
    ARTIFACTS_API_TOKEN: standIn.apiToken,
    ARTIFACTS_API_URL: standIn.baseUrl,
    ARTIFACTS_NAMESPACE: NAMESPACE,
  }
}

/** The publish job's inputs for Artifacts sessions on `standIn` (the agent's job gets only the namespace). */
export function publishInputs(standIn: ArtifactsStandIn): Record<string, string> {
  return {
    'artifacts-account-id': standIn.accountId,
    'artifacts-namespace': NAMESPACE,
    'artifacts-api-token': standIn.apiToken,
    'artifacts-api-url': standIn.baseUrl,
  }
}

/** Runs `body` in a world whose App has Artifacts credentials for a fresh stand-in. */
export async function withArtifacts(
  body: (world: World, standIn: ArtifactsStandIn) => Promise<void>,
): Promise<void> {
  const standIn = await new ArtifactsStandIn({ namespace: NAMESPACE }).start()
  try {
    await World.run((world) => body(world, standIn), { appEnv: appEnv(standIn) })
  } finally {
    await standIn.stop()
  }
}

/** Whether GitHub's bare repository has object `sha`. */
export function githubHas(world: World, sha: string): boolean {
  try {
    world.git('cat-file', '-e', sha)
    return true
  } catch {
    return false
  }
}

/**
 * Every secret the stand-in knows (API token, each repo token and its secret part) is absent from the
 * App's logs, the Action's outputs and every comment and check run on the loopback GitHub.
 */
export function expectNoSecrets(
  expect: ExpectStatic,
  world: World,
  standIn: ArtifactsStandIn,
  runs: BundleRun[],
): void {
  const repoTokens = [...standIn.tokens.keys()]
  // The Action got at least the create call's write token: the check below is not vacuous.
  expect(repoTokens.length).toBeGreaterThan(0)
  const secrets = [standIn.apiToken, ...repoTokens, ...repoTokens.map((t) => t.split('?')[0]!)]
  const texts = [
    ...world.apps.map((app) => app.logs()),
    ...runs.flatMap((run) => [
      // `::add-mask::` lines are commands to the runner, which consumes them.
      run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
      run.stderr,
      run.summary,
      JSON.stringify(run.outputs),
      JSON.stringify(run.state),
      JSON.stringify(run.exported),
    ]),
    JSON.stringify(world.github.api.comments),
    JSON.stringify(world.github.api.checkRuns),
    world.git('log', '--all', '--format=%B'),
  ]
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret)
}
