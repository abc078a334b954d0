/**
 * The README's tables of the Action's inputs and outputs are action.yml rendered: this test renders
 * them from action.yml and compares them with the block between the README's markers, so the two
 * cannot drift. On a mismatch the failure shows the block to paste. It also checks that the inputs the
 * Action parses (action/settings.ts) are exactly action.yml's inputs.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { INPUT_NAMES } from '../../action/settings.ts'
import { ROOT } from './support.ts'

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: Record<string, { description: string }>
  runs: Record<string, string>
}

const START = '<!-- action-io:start (generated from action.yml; test/action/readme.test.ts checks it) -->'
const END = '<!-- action-io:end -->'

/** A markdown block with table padding (Prettier's) taken out: cells trimmed, separator rows as `---`. */
function normalizeTables(block: string): string {
  return block
    .split('\n')
    .map((line) => {
      if (!line.startsWith('|')) return line
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim())
      return cells.map((c) => (/^-+:?$/.test(c) ? '---' : c)).join(' | ')
    })
    .join('\n')
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')
}

/** The README block for `action`: an inputs table and an outputs table. */
export function renderActionTables(action: ActionYml): string {
  const inputs = Object.entries(action.inputs).map(
    ([name, input]) =>
      `| \`${name}\` | ${input.default === undefined ? '' : `\`${cell(input.default)}\``} | ${cell(input.description)} |`,
  )
  const outputs = Object.entries(action.outputs).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`,
  )
  return [
    START,
    '',
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...inputs,
    '',
    '| Output | Description |',
    '| --- | --- |',
    ...outputs,
    '',
    END,
  ].join('\n')
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

describe('README ↔ action.yml', () => {
  it('the README lists every input and output exactly as action.yml describes them', () => {
    const start = readme.indexOf(START)
    const end = readme.indexOf(END)
    expect(start, `README.md needs the block:\n${renderActionTables(action)}`).toBeGreaterThanOrEqual(0)
    expect(end).toBeGreaterThan(start)
    expect(normalizeTables(readme.slice(start, end + END.length))).toBe(
      normalizeTables(renderActionTables(action)),
    )
  })

  it('action.yml declares exactly the inputs the Action parses, and runs the bundle for main and post', () => {
    expect(Object.keys(action.inputs)).toEqual([...INPUT_NAMES])
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'action/dist/index.js',
      post: 'action/dist/index.js',
      'post-if': 'always()',
    })
  })

  it('the README workflows are valid YAML and use only inputs and outputs action.yml declares', () => {
    const section = readme.slice(readme.indexOf('## GitHub Action'), readme.indexOf('## CLI reference'))
    const workflows = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
      (m) =>
        parse(m[1]!) as {
          permissions?: unknown
          jobs: Record<string, { steps: Array<Record<string, unknown>> }>
        },
    )
    expect(workflows.length).toBeGreaterThanOrEqual(3)
    let gittrixSteps = 0
    for (const workflow of workflows) {
      expect(workflow.permissions, 'every workflow declares permissions').toBeDefined()
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps) {
          if (typeof step.uses !== 'string' || !step.uses.includes('gittrix@')) continue
          gittrixSteps++
          for (const key of Object.keys((step.with ?? {}) as object))
            expect(Object.keys(action.inputs)).toContain(key)
        }
      }
    }
    expect(gittrixSteps).toBeGreaterThanOrEqual(4)
    for (const [, name] of section.matchAll(/steps\.[a-z-]+\.outputs\.([a-z-]+)/g)) {
      expect(Object.keys(action.outputs)).toContain(name)
    }
  })
})
