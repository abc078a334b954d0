/**
 * The one place that listens for signals while a child process runs: `gittrix run` (sandboxed or
 * not), `gittrix app`, `gittrix mcp` and the Action's agent step each hand the signals they care about
 * to a function of their own (kill the child, its process group, or only note it) for as long as the
 * work lasts, and get the process's default behaviour back afterwards.
 */

/**
 * Runs `work` with a listener on each of `signals` that calls `onSignal(signal)`, and removes every
 * listener once `work` settles (resolved or rejected), whatever happened meanwhile. Resolves or
 * rejects as `work` does.
 *
 * While a listener is on, Node no longer applies the signal's default action (ending this process,
 * https://nodejs.org/api/process.html#signal-events): `onSignal` decides what a signal does, e.g.
 * `child.kill(signal)` to pass it on, or only a message to hold it. Each signal received calls
 * `onSignal` again; a caller that wants a second signal to behave differently keeps that state itself.
 * Other listeners on the same signals are left alone.
 */
export async function handleSignalsWhile<T>(
  signals: readonly NodeJS.Signals[],
  onSignal: (signal: NodeJS.Signals) => void,
  work: () => Promise<T>,
): Promise<T> {
  const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const)
  for (const [signal, listener] of listeners) process.on(signal, listener)
  try {
    return await work()
  } finally {
    for (const [signal, listener] of listeners) process.off(signal, listener)
  }
}
