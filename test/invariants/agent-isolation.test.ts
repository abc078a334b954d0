/**
 * Invariant 1: no durable-write path for agents. The AgentSession object offers no promote, discard
 * or extend, not on itself, its prototype chain, nor through anything it holds; it is frozen; and the
 * clone workspace it works in cannot push to the durable repository.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AgentSession, UserSession } from '../../src/index.ts'
import { branchExists, commitsSince, headOf, makeWorld, type World } from './helpers.ts'

const FORBIDDEN = ['promote', 'discard', 'extend']

/** Every property name on `value` and its whole prototype chain, down to null. */
function namesOnChain(value: object): Set<string> {
  const names = new Set<string>()
  for (let o: object | null = value; o !== null; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) names.add(name)
    for (const sym of Object.getOwnPropertySymbols(o)) names.add(String(sym))
  }
  return names
}

/**
 * Walks every value reachable from `root` through property values (own and inherited getters are not
 * invoked; data properties only) and prototypes, skipping the shared built-ins. Returns the objects.
 */
function reachable(root: object): object[] {
  const builtins = new Set<unknown>([
    Object.prototype,
    Function.prototype,
    Promise.prototype,
    Array.prototype,
    String.prototype,
  ])
  const seen = new Set<object>()
  const queue: object[] = [root]
  while (queue.length) {
    const o = queue.pop()!
    if (seen.has(o) || builtins.has(o)) continue
    seen.add(o)
    const proto = Object.getPrototypeOf(o)
    if (proto) queue.push(proto)
    for (const key of Reflect.ownKeys(o)) {
      const desc = Object.getOwnPropertyDescriptor(o, key)
      const v = desc && 'value' in desc ? desc.value : undefined
      if (v !== null && (typeof v === 'object' || typeof v === 'function')) queue.push(v)
    }
  }
  return [...seen]
}

describe('invariant 1: no durable-write path for agents', () => {
  let world: World
  beforeEach(() => {
    world = makeWorld({ 'README.md': '# Project\n' })
  })
  afterEach(() => world.dispose())

  it('forAgent() offers no promote, discard or extend anywhere and is frozen', async () => {
    const gittrix = world.gittrix()
    const session = await gittrix.startSession({ task: 'isolation' })
    const agent = session.forAgent()

    expect(agent).toBeInstanceOf(AgentSession)
    expect(agent).not.toBeInstanceOf(UserSession)
    expect(Object.isFrozen(agent)).toBe(true)

    // The control: the user session does have them on its chain, so the walk below can see such names.
    const userNames = namesOnChain(session)
    for (const name of FORBIDDEN) expect(userNames.has(name)).toBe(true)

    for (const name of FORBIDDEN) {
      expect(Object.hasOwn(agent, name)).toBe(false)
      expect(name in agent).toBe(false)
      expect((agent as unknown as Record<string, unknown>)[name]).toBeUndefined()
    }
    expect([...namesOnChain(agent)].filter((n) => FORBIDDEN.includes(n))).toEqual([])

    // Nothing reachable through the agent's property values is a UserSession or has those methods.
    for (const o of reachable(agent)) {
      expect(o).not.toBeInstanceOf(UserSession)
      const names = Reflect.ownKeys(o).map(String)
      expect(names.filter((n) => FORBIDDEN.includes(n))).toEqual([])
    }

    // Frozen for real: adding or replacing members fails (strict mode throws).
    expect(() => {
      ;(agent as unknown as Record<string, unknown>).promote = () => {}
    }).toThrow(TypeError)
    expect(() => {
      ;(agent as unknown as Record<string, unknown>).write = () => {}
    }).toThrow(TypeError)

    // It still does its job: writes land in the workspace, not on the durable branch.
    await agent.write('notes.txt', 'agent notes\n')
    expect(new TextDecoder().decode(await agent.read('notes.txt'))).toBe('agent notes\n')
    expect(await agent.diff()).toContain('+agent notes')
    await agent.commit('agent checkpoint')
    expect(headOf(world.repo)).toBe(world.head)
    expect(commitsSince(world.repo, world.head)).toEqual([])
  })

  it('the agent object exposes no methods beyond the six agent operations', async () => {
    const session = await world.gittrix().startSession({ task: 'shape' })
    const agent = session.forAgent()
    const methods = [...namesOnChain(agent)].filter(
      (n) =>
        !Object.getOwnPropertyNames(Object.prototype).includes(n) &&
        typeof (agent as unknown as Record<string, unknown>)[n] === 'function',
    )
    expect(methods.sort()).toEqual(['commit', 'delete', 'diff', 'list', 'read', 'write'])
  })

  it('git in the clone workspace cannot push to the durable repository', async () => {
    const session = await world.gittrix().startSession({ task: 'push attempt' })
    const ws = session.workspacePath!
    const runGit = (...args: string[]) =>
      execFileSync('git', args, { cwd: ws, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

    expect(runGit('remote').trim()).toBe('')
    await session.forAgent().write('README.md', '# pushed?\n')
    runGit('add', '-A')
    runGit('commit', '-q', '-m', 'agent tries to publish')

    // Even naming the durable repository explicitly is refused by the workspace's pre-push guard.
    expect(() => runGit('push', world.repo, 'HEAD:refs/heads/main')).toThrow()
    expect(() => runGit('push', world.repo, 'HEAD:refs/heads/agent-branch')).toThrow()
    expect(headOf(world.repo)).toBe(world.head)
    expect(branchExists(world.repo, 'agent-branch')).toBe(false)
  })
})
