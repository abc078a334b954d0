/**
 * The install path: `app.yml` goes through Probot's own manifest code (ManifestCreation.getManifest)
 * and its setup page's HTML, and the manifest the page's form posts to GitHub parses back to the same
 * object, with the webhook URL Probot fills in (no placeholder). Then the `.env` that Probot's manifest
 * flow writes (its own updateEnv) starts every App entry — `npm run app`'s server, `gittrix app`,
 * the serverless handler — and never overrides a variable already set.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseFragment } from 'parse5'
import { afterEach, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { loadEnvFile } from '../../app/env-file.ts'
import { readServerSettings } from '../../app/server.ts'
import { generateAppKey, webhookSecret } from '../support/app-process.ts'
import { cleanup, tempDir } from '../support/git-fixtures.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const probotFile = (path: string) => pathToFileURL(join(ROOT, 'node_modules/probot/lib', path)).href

interface Element {
  nodeName: string
  attrs?: Array<{ name: string; value: string }>
  childNodes?: Element[]
}

/** The `value` of the setup page's `<button name="manifest">`, as a browser parses the HTML. */
function postedManifest(html: string): string {
  const find = (node: Element): string | null => {
    const attrs = Object.fromEntries((node.attrs ?? []).map((a) => [a.name, a.value]))
    if (node.nodeName === 'button' && attrs.name === 'manifest') return attrs.value ?? ''
    for (const child of node.childNodes ?? []) {
      const found = find(child)
      if (found !== null) return found
    }
    return null
  }
  const value = find(parseFragment(html) as unknown as Element)
  if (value === null) throw new Error('no manifest button on the setup page')
  return value
}

describe('the manifest flow', () => {
  it("app.yml survives Probot's manifest code and setup page: the posted manifest parses back to the same object", async () => {
    const { ManifestCreation } = (await import(probotFile('manifest-creation.js'))) as {
      ManifestCreation: new () => { getManifest(o: object): string }
    }
    const { setupView } = (await import(probotFile('views/setup.js'))) as {
      setupView(o: object): string
    }
    const file = readFileSync(join(ROOT, 'app.yml'), 'utf8')
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, string>
    const baseUrl = 'https://gittrix.example.org'
    const saved = process.env.WEBHOOK_PROXY_URL
    delete process.env.WEBHOOK_PROXY_URL
    let manifest: string
    try {
      manifest = new ManifestCreation().getManifest({ pkg, baseUrl, readFileSync: () => file })
    } finally {
      if (saved !== undefined) process.env.WEBHOOK_PROXY_URL = saved
    }
    const html = setupView({
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      createAppUrl: 'https://github.com/settings/apps/new',
      manifest,
    })
    const posted = JSON.parse(postedManifest(html)) as Record<string, unknown>
    expect(posted).toEqual(JSON.parse(manifest))
    const yml = parseYaml(file) as Record<string, unknown>
    for (const key of Object.keys(yml)) expect(posted[key], key).toEqual(yml[key])
    // No placeholder: the webhook URL is the one Probot fills in (the setup page's own address).
    expect(yml.hook_attributes).toBeUndefined()
    expect(posted.hook_attributes).toEqual({ url: `${baseUrl}/` })
    expect(JSON.stringify(posted)).not.toContain('example.com')
  })
})

/** Writes `values` to `<dir>/.env` with Probot's own updateEnv, as its manifest flow does. */
function writeEnvLikeProbot(dir: string, values: Record<string, string>): void {
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { updateEnv } = await import(${JSON.stringify(probotFile('helpers/update-env.js'))}); updateEnv(JSON.parse(process.argv[1]))`,
      JSON.stringify(values),
    ],
    { cwd: dir },
  )
}

/** What Probot's manifest flow writes after GitHub converts the manifest (createAppFromCode). */
function manifestFlowEnv(privateKey: string): Record<string, string> {
  return {
    APP_ID: '4242',
    PRIVATE_KEY: `"${privateKey}"`,
    WEBHOOK_SECRET: webhookSecret(),
    GITHUB_CLIENT_ID: 'Iv1.0123456789abcdef',
    GITHUB_CLIENT_SECRET: 'client-secret',
  }
}

/** The environment of a child: this one's PATH and HOME, none of the App's variables. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: '1', ...extra }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })
}

describe('npm run app:register', () => {
  const dirs: string[] = []
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGTERM')
    for (const dir of dirs.splice(0)) cleanup(dir)
  })
  const register = ['--experimental-strip-types', join(ROOT, 'app/register.ts')]

  it("serves Probot's setup page, whose form posts app.yml's manifest with the page's own webhook URL", async () => {
    const dir = tempDir()
    dirs.push(dir)
    copyFileSync(join(ROOT, 'app.yml'), join(dir, 'app.yml'))
    const port = await freePort()
    const child = spawn(process.execPath, register, {
      cwd: dir,
      env: childEnv({ PORT: String(port), NO_SMEE_SETUP: 'true', LOG_LEVEL: 'fatal' }),
    })
    children.push(child)
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    let html = ''
    for (let attempt = 0; attempt < 100 && !html; attempt++) {
      html = await fetch(`http://localhost:${port}/probot`)
        .then((res) => (res.ok ? res.text() : ''))
        .catch(() => '')
      if (!html) await new Promise((done) => setTimeout(done, 100))
    }
    expect(html, output).toContain('Register GitHub App')
    const posted = JSON.parse(postedManifest(html)) as Record<string, unknown>
    const yml = parseYaml(readFileSync(join(ROOT, 'app.yml'), 'utf8')) as Record<string, unknown>
    for (const key of Object.keys(yml)) expect(posted[key], key).toEqual(yml[key])
    expect(posted.hook_attributes).toEqual({ url: `http://localhost:${port}/` })
    expect(posted.redirect_url).toBe(`http://localhost:${port}/probot/setup`)
  })

  it('says the App is registered, and serves nothing, once .env holds its credentials', () => {
    const dir = tempDir()
    dirs.push(dir)
    writeEnvLikeProbot(dir, manifestFlowEnv(generateAppKey().privateKey))
    const out = execFileSync(process.execPath, register, { cwd: dir, env: childEnv({}), encoding: 'utf8' })
    expect(out).toContain('already registered (APP_ID 4242')
  })
})

describe('.env from the manifest flow', () => {
  const dirs: string[] = []
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGTERM')
    for (const dir of dirs.splice(0)) cleanup(dir)
  })

  function envDir(): { dir: string; key: string } {
    const dir = tempDir()
    dirs.push(dir)
    const key = generateAppKey().privateKey
    writeEnvLikeProbot(dir, manifestFlowEnv(key))
    return { dir, key }
  }

  it('is loaded without overriding what the environment already says', () => {
    const { dir, key } = envDir()
    const env: NodeJS.ProcessEnv = { APP_ID: '7' }
    const added = loadEnvFile(env, join(dir, '.env'))
    expect(added.sort()).toEqual([
      'GITHUB_CLIENT_ID',
      'GITHUB_CLIENT_SECRET',
      'PRIVATE_KEY',
      'WEBHOOK_SECRET',
    ])
    const settings = readServerSettings(env)
    expect(settings.appId).toBe('7')
    expect(settings.privateKey.trim()).toBe(key.trim())
    expect(loadEnvFile(env, join(dir, 'missing.env'))).toEqual([])
  })

  /** Spawns `args` in `dir`; resolves the port from its "listening" line, or rejects with its output. */
  function serve(args: string[], dir: string, env: Record<string, string>): Promise<number> {
    const child = spawn(process.execPath, args, { cwd: dir, env: childEnv(env) })
    children.push(child)
    let output = ''
    return new Promise<number>((done, fail) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8')
        const match = /"port":(\d+)[^\n]*"msg":"Gittrix App listening"/.exec(output)
        if (match) done(Number(match[1]))
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.once('exit', (code) => fail(new Error(`exited ${code} before listening:\n${output}`)))
    })
  }

  const entries = {
    'npm run app (app/server.ts)': ['--experimental-strip-types', join(ROOT, 'app/server.ts')],
    'gittrix app': ['--experimental-strip-types', join(ROOT, 'src/cli/main.ts'), 'app'],
  }

  it.each(Object.keys(entries) as Array<keyof typeof entries>)(
    '%s starts from it; PORT and HOST from the environment win over .env',
    async (entry) => {
      const { dir } = envDir()
      writeEnvLikeProbot(dir, { PORT: 'not-a-port' })
      const port = await serve(entries[entry], dir, { PORT: '0', HOST: '127.0.0.1' })
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    },
  )

  it('the serverless handler (createGittrixHandler) reads it too', () => {
    const { dir } = envDir()
    const script =
      `const { createGittrixHandler } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'app/server.ts')).href)});` +
      `const handler = await createGittrixHandler(); console.log(typeof handler)`
    const out = execFileSync(
      process.execPath,
      ['--experimental-strip-types', '--input-type=module', '-e', script],
      { cwd: dir, env: childEnv({ LOG_LEVEL: 'fatal' }), encoding: 'utf8' },
    )
    expect(out.trim()).toBe('function')
  })
})
