/**
 * What the docs show is what the code accepts: every `gittrix` command and option the CLI defines is
 * in docs/cli.md; every `/gittrix` command the App parses is in docs/github-app.md's table, and the
 * command lines shown in README.md and docs/ parse; every `.github/gittrix.yml` shown validates.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../app/config.ts'
import { buildProgram } from '../src/cli/program.ts'
import { COMMAND_NAMES, parseCommand } from '../src/github/index.ts'

const ROOT = resolve(import.meta.dirname, '..')
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

/** The bodies of the fenced blocks of `lang` in `markdown`. */
function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!)
}

describe('docs/cli.md ↔ the gittrix program', () => {
  const program = buildProgram(
    { stdout: () => {}, stderr: () => {} } as unknown as Parameters<typeof buildProgram>[0],
    async () => {},
  )
  const docs = read('docs/cli.md')

  it('documents every command and every option of each', () => {
    const missing: string[] = []
    for (const command of program.commands) {
      if (!docs.includes(`**\`gittrix ${command.name()}`)) missing.push(`gittrix ${command.name()}`)
      for (const option of command.options) {
        const flag = option.long ?? option.short
        if (flag !== undefined && !docs.includes(flag)) missing.push(`gittrix ${command.name()} ${flag}`)
      }
    }
    for (const option of program.options) {
      const flag = option.long ?? option.short
      if (flag !== undefined && !docs.includes(flag)) missing.push(`gittrix ${flag}`)
    }
    expect(program.commands.length).toBeGreaterThan(15)
    expect(missing).toEqual([])
  })
})

describe('docs ↔ the /gittrix command parser', () => {
  it('docs/github-app.md lists exactly the commands the parser knows', () => {
    const table = [...read('docs/github-app.md').matchAll(/^\| `\/gittrix ([a-z]+)`/gm)].map((m) => m[1])
    expect(table).toEqual([...COMMAND_NAMES])
  })

  it.each(['README.md', 'docs/github-app.md'])('the command lines %s shows parse', (file) => {
    const lines = blocks(read(file), 'text')
      .flatMap((block) => block.split('\n'))
      .filter((line) => line.startsWith('/gittrix'))
      .map((line) => line.replace(/\s+#.*$/, '')) // the README comments its examples
    if (file === 'README.md') expect(lines.length).toBeGreaterThanOrEqual(3)
    for (const line of lines) expect(parseCommand(line), line).toMatchObject({ ok: true })
  })
})

describe('docs ↔ .github/gittrix.yml', () => {
  it.each(['README.md', 'docs/github-app.md'])('every configuration %s shows is valid', (file) => {
    const configs = blocks(read(file), 'yaml')
      .map((body) => parse(body) as Record<string, unknown>)
      .filter((document) => !('jobs' in document)) // workflows are checked in test/action/readme.test.ts
    expect(configs.length).toBeGreaterThanOrEqual(1)
    for (const config of configs) expect(parseConfig(config)).toMatchObject({ ok: true })
  })
})
