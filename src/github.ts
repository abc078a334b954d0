/**
 * `gittrix/github`: everything a GitHub integration needs from Gittrix — the protocol the Action and the
 * App share (src/github/: session ids, branch names, start / pointer / promotion commits, check run and
 * comment renderers, slash commands) and the GitHub adapters with their one client setup
 * (src/adapters/github/). It is an entry file only: the adapters depend on the protocol, never the
 * reverse, so the two are exported side by side from here.
 */
export * from './adapters/github/index.ts'
export * from './github/index.ts'
