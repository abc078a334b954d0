/**
 * The published package, as a user gets it: `npm pack` from a copy of the repository's files (no
 * `dist/`, as in a fresh clone), the tarball installed into an empty project, then the `gittrix` bin,
 * every entry of `exports` and a strict TypeScript consumer checked against it. Installs resolve from
 * npm's cache first (`--prefer-offline`; `npm ci` in this repository has filled it with every version
 * used here), the registry otherwise.
 *
 * The pack runs in a temporary copy so the `prepack` build never rewrites this repository's `dist/`
 * while other test files read it.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string
  bin: Record<string, string>
  exports: Record<string, string | { types: string; import: string }>
  peerDependencies?: Record<string, string>
}
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const INSTALL_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']
const SLOW = 300_000

let work = ''
let tarball = ''
let consumer = ''

/** The environment without what `npm test` injects (`npm_config_*`, `npm_package_*`, `npm_lifecycle_*`). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name)) env[name] = value
  return { ...env, npm_config_update_notifier: 'false' }
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 1 << 26 })
}

function ok(result: SpawnSyncReturns<string>): string {
  expect(result.error, String(result.error)).toBeUndefined()
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
  return result.stdout
}

/** The installed version of one of this repository's packages, so the consumer uses the same one. */
function repoVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version
}

const specifiers = Object.keys(PKG.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'gittrix' : `gittrix/${key.slice(2)}`))

/** An ESM script that imports each specifier and prints `{ [specifier]: exportCount | "ERR_CODE: message" }`. */
function importScript(names: string[]): string {
  return `const out = {}
for (const name of ${JSON.stringify(names)}) {
  try { out[name] = Object.keys(await import(name)).length }
  catch (error) { out[name] = (error.code ?? 'ERROR') + ': ' + error.message }
}
process.stdout.write(JSON.stringify(out))
`
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gittrix-pack-'))
  // A fresh clone's files: what git tracks or would track, as they are now (no dist/, no node_modules).
  const source = join(work, 'source')
  const files = ok(run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT))
    .split('\0')
    .filter((file) => file && !file.startsWith('action/dist/') && existsSync(join(ROOT, file)))
  for (const file of files) {
    mkdirSync(dirname(join(source, file)), { recursive: true })
    cpSync(join(ROOT, file), join(source, file))
  }
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'))
  const packed = JSON.parse(ok(run('npm', ['pack', '--json', '--pack-destination', work], source))) as {
    filename: string
  }[]
  tarball = join(work, packed[0]!.filename)

  consumer = join(work, 'consumer')
  mkdirSync(consumer)
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  ok(
    run('npm', ['install', ...INSTALL_FLAGS, tarball, `@types/node@${repoVersion('@types/node')}`], consumer),
  )
}, SLOW)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the packed gittrix tarball', { timeout: SLOW }, () => {
  it('carries the built entry points, their types, the bin and the LICENSE, and no test files', () => {
    const listed = ok(run('tar', ['tzf', tarball], work)).split('\n')
    expect(listed).toContain('package/LICENSE')
    expect(readFileSync(join(consumer, 'node_modules', 'gittrix', 'LICENSE'), 'utf8')).toMatch(/MIT License/)
    expect(listed).toContain(`package/${PKG.bin.gittrix}`)
    for (const target of Object.values(PKG.exports)) {
      for (const file of typeof target === 'string' ? [target] : [target.types, target.import]) {
        expect(listed).toContain(`package/${file.replace(/^\.\//, '')}`)
      }
    }
    expect(listed.filter((file) => /\.test\.|\/test\//.test(file))).toEqual([])
    // `gittrix review` serves its page's own files from the package as they are.
    for (const asset of ['index.html', 'review.js', 'review.css', 'icon.svg'])
      expect(listed).toContain(`package/src/review/assets/${asset}`)
    expect(listed.filter((file) => file.startsWith('package/src/') && file.endsWith('.ts'))).toEqual([])
  })

  it('ships source maps that carry their sources (no .ts sources needed beside them)', () => {
    const map = JSON.parse(
      readFileSync(join(consumer, 'node_modules', 'gittrix', 'dist', 'src', 'index.js.map'), 'utf8'),
    ) as { sources: string[]; sourcesContent?: string[] }
    expect(map.sourcesContent?.length).toBe(map.sources.length)
    expect(map.sourcesContent?.[0]).toContain('export')
  })

  it('npx gittrix --version prints the version; with --json, one JSON document', () => {
    expect(ok(run('npx', ['--no', '--', 'gittrix', '--version'], consumer)).trim()).toBe(PKG.version)
    expect(JSON.parse(ok(run('npx', ['--no', '--', 'gittrix', '--json', '--version'], consumer)))).toEqual({
      ok: true,
      data: { version: PKG.version },
    })
  })

  it('does not install Probot for the library and CLI; gittrix app then says to install it', () => {
    expect(PKG.peerDependencies?.probot).toBeDefined()
    expect(existsSync(join(consumer, 'node_modules', 'probot'))).toBe(false)
    // Nor the Code Storage SDK (an optional peer too): gittrix/code-storage still loads without it.
    expect(existsSync(join(consumer, 'node_modules', '@pierre', 'storage'))).toBe(false)
    const withoutApp = specifiers.filter((name) => name !== 'gittrix/app')
    const loaded = JSON.parse(
      ok(run('node', ['--input-type=module', '-e', importScript(withoutApp)], consumer)),
    )
    for (const name of withoutApp) expect(loaded[name], name).toBeGreaterThan(0)

    const app = run('npx', ['--no', '--', 'gittrix', 'app'], consumer)
    expect(app.status).toBe(1)
    expect(app.stderr).toContain('npm install probot')
    expect(app.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
  })

  it('imports every entry of exports once the optional peers (Probot, @pierre/storage) are installed', () => {
    // Probot's declarations import `ioredis` types (an optional peer it loads only for Redis), so a
    // consumer that type-checks gittrix/app without --skipLibCheck installs it too (Probot's own dev version).
    // gittrix/code-storage's declarations name the Code Storage SDK's types.
    ok(
      run(
        'npm',
        [
          'install',
          ...INSTALL_FLAGS,
          `probot@${repoVersion('probot')}`,
          'ioredis@^5.9.3',
          `@pierre/storage@${repoVersion('@pierre/storage')}`,
        ],
        consumer,
      ),
    )
    const loaded = JSON.parse(
      ok(run('node', ['--input-type=module', '-e', importScript(specifiers)], consumer)),
    )
    expect(Object.keys(loaded).sort()).toEqual([...specifiers].sort())
    for (const name of specifiers) expect(loaded[name], name).toBeGreaterThan(0)
  })

  it('type-checks a consumer under --strict --module nodenext without --skipLibCheck', () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      [
        ...specifiers.map((name, i) => `import * as entry${i} from '${name}'`),
        `import gittrixApp from 'gittrix/app'`,
        `import type { Probot } from 'probot'`,
        `import { GitTrix, LocalDurableAdapter, LocalEphemeralAdapter, BaselineConflictError } from 'gittrix'`,
        `export const entries: object[] = [${specifiers.map((_, i) => `entry${i}`).join(', ')}]`,
        `export const app: (app: Probot) => void = gittrixApp`,
        `export const gittrix = new GitTrix({`,
        `  durable: new LocalDurableAdapter({ path: '/path/to/repo', branch: 'main' }),`,
        `  ephemeral: new LocalEphemeralAdapter({ sessionsRootDir: '/tmp/gittrix-sessions' }),`,
        `})`,
        `export const isConflict = (error: unknown): boolean => error instanceof BaselineConflictError`,
        '',
      ].join('\n'),
    )
    const result = run(
      process.execPath,
      [
        TSC,
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2023',
      ].concat(['--noEmit', 'consumer.ts']),
      consumer,
    )
    expect(result.stdout + result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})
