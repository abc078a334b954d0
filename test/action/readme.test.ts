/**
 * The lists of the Action's inputs and outputs in docs/action.md are action.yml rendered: this test
 * renders them from action.yml and compares them with the block between the markers in docs/action.md,
 * so the two cannot drift. On a mismatch the failure shows the block to paste. It also checks that the
 * inputs the Action parses (action/settings.ts) are exactly action.yml's inputs, and that every workflow
 * the docs show (README.md, docs/action.md, docs/artifacts.md) is valid YAML using only declared inputs
 * and outputs.
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

/** One description as one line of markdown (action.yml folds descriptions with `>-`). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** The docs block for `action`: one list item per input (with its default) and per output. */
export function renderActionLists(action: ActionYml): string {
  const inputs = Object.entries(action.inputs).map(
    ([name, input]) =>
      `- \`${name}\`${input.default === undefined ? '' : ` (default \`${oneLine(input.default)}\`)`}: ${oneLine(input.description)}`,
  )
  const outputs = Object.entries(action.outputs).map(
    ([name, output]) => `- \`${name}\`: ${oneLine(output.description)}`,
  )
  return [START, '', '### Inputs', '', ...inputs, '', '### Outputs', '', ...outputs, '', END].join('\n')
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml
const docs = readFileSync(join(ROOT, 'docs/action.md'), 'utf8')
/** Files showing workflows, with how many workflows and Gittrix steps each shows at least. */
const WORKFLOW_FILES: Array<[file: string, workflows: number, gittrixSteps: number]> = [
  ['README.md', 1, 2],
  ['docs/action.md', 3, 4],
  ['docs/artifacts.md', 1, 2],
]

describe('docs ↔ action.yml', () => {
  it('docs/action.md lists every input and output exactly as action.yml describes them', () => {
    const start = docs.indexOf(START)
    const end = docs.indexOf(END)
    expect(start, `docs/action.md needs the block:\n${renderActionLists(action)}`).toBeGreaterThanOrEqual(0)
    expect(end).toBeGreaterThan(start)
    expect(docs.slice(start, end + END.length)).toBe(renderActionLists(action))
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

  it.each(WORKFLOW_FILES)(
    'the workflows in %s are valid YAML and use only declared inputs and outputs',
    (file, minimumWorkflows, minimumSteps) => {
      const section = readFileSync(join(ROOT, file), 'utf8')
      const workflows = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
        .map(
          (m) =>
            parse(m[1]!) as {
              permissions?: unknown
              jobs?: Record<string, { steps: Array<Record<string, unknown>> }>
            },
        )
        .filter((document) => document.jobs !== undefined) // other YAML (e.g. .github/gittrix.yml) is no workflow
      expect(workflows.length).toBeGreaterThanOrEqual(minimumWorkflows)
      let gittrixSteps = 0
      for (const workflow of workflows) {
        expect(workflow.permissions, 'every workflow declares permissions').toBeDefined()
        for (const job of Object.values(workflow.jobs!)) {
          for (const step of job.steps) {
            if (typeof step.uses !== 'string' || !step.uses.includes('gittrix@')) continue
            gittrixSteps++
            for (const key of Object.keys((step.with ?? {}) as object))
              expect(Object.keys(action.inputs)).toContain(key)
          }
        }
      }
      expect(gittrixSteps).toBeGreaterThanOrEqual(minimumSteps)
      for (const [, name] of section.matchAll(/steps\.[a-z-]+\.outputs\.([a-z-]+)/g)) {
        expect(Object.keys(action.outputs)).toContain(name)
      }
    },
  )
})
