/**
 * Ends what an agent left running before Gittrix snapshots its work, so no process keeps writing (or
 * reading) after the agent's turn is over.
 *
 * The agent runs in a process group and session of its own (agent.ts). Its processes are found by
 * reading `/proc/<pid>/stat` (process group and session ids) and `/proc/<pid>/environ` (a marker
 * variable the agent's environment carries, which a process that left the group with `setsid` usually
 * still has); they get SIGTERM, then SIGKILL after a grace period, and are reported. A process that
 * both left the session and rewrote its environment cannot be told from the runner's own: the job
 * boundary (the default two-job topology) is what holds then, not this module.
 *
 * Linux only (`/proc`); elsewhere only the process group is signalled.
 *
 * Sources: proc(5) (`/proc/<pid>/stat` fields 5 and 6: pgrp, session; `/proc/<pid>/environ`);
 * setsid(2); kill(2) (a negative pid signals a process group).
 */
import { readdir, readFile } from 'node:fs/promises'

/** Which processes belong to the agent. */
export interface AgentProcesses {
  /** The agent's process group and session id (the pid of the process it was started as). */
  group?: number
  /** `NAME=value` present in a process's environment. */
  marker?: string
}

/** A process found by {@link findAgentProcesses}. */
export interface FoundProcess {
  pid: number
  /** Its command line, cut to 200 characters (for the report). */
  command: string
}

/** Processes matching `which`, except this process and its ancestors. Empty where there is no `/proc`. */
export async function findAgentProcesses(which: AgentProcesses): Promise<FoundProcess[]> {
  if (process.platform !== 'linux') return []
  const exclude = await ancestry()
  const found: FoundProcess[] = []
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    if (exclude.has(pid)) continue
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
    if (!stat) continue
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] === 'Z') continue
    const [pgrp, session] = [Number(fields[2]), Number(fields[3])]
    let match = which.group !== undefined && (pgrp === which.group || session === which.group)
    if (!match && which.marker) {
      const environ = await readFile(`/proc/${pid}/environ`).catch(() => null)
      match = environ !== null && environ.toString('utf8').split('\0').includes(which.marker)
    }
    if (!match) continue
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    found.push({ pid, command: cmdline.split('\0').join(' ').trim().slice(0, 200) || `pid ${pid}` })
  }
  return found
}

/** This process and its ancestors (never signalled). */
async function ancestry(): Promise<Set<number>> {
  const pids = new Set<number>([process.pid])
  let pid = process.ppid
  while (pid > 1 && !pids.has(pid)) {
    pids.add(pid)
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
    if (!stat) break
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  }
  return pids
}

/**
 * Stops every process of `which`: SIGTERM to the group and to each process found, SIGKILL to what is
 * left after `graceMs`, then waits (bounded) until none is found. Resolves the processes that were
 * running when it was called (the survivors to report).
 */
export async function stopAgentProcesses(which: AgentProcesses, graceMs = 2_500): Promise<FoundProcess[]> {
  const first = await findAgentProcesses(which)
  const signal = async (sig: NodeJS.Signals) => {
    if (which.group !== undefined) trySignal(-which.group, sig)
    for (const p of await findAgentProcesses(which)) trySignal(p.pid, sig)
  }
  await signal('SIGTERM')
  if (!(await gone(which, graceMs))) {
    await signal('SIGKILL')
    await gone(which, 2_000)
  }
  return first
}

async function gone(which: AgentProcesses, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    const left = process.platform === 'linux' ? await findAgentProcesses(which) : groupAlive(which) ? [1] : []
    if (left.length === 0) return true
    if (Date.now() >= deadline) return false
    await new Promise((done) => setTimeout(done, 50))
  }
}

function groupAlive(which: AgentProcesses): boolean {
  if (which.group === undefined) return false
  try {
    process.kill(-which.group, 0)
    return true
  } catch {
    return false
  }
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone, or not ours.
  }
}
