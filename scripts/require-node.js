// Runs before `npm run demo`, `npm run app`, `npm run app:register` and `npm run bench` (their `pre`
// scripts), which run the TypeScript sources with `node --experimental-strip-types`: on a Node older
// than package.json's `engines.node` it prints what to do instead of Node's "bad option" or a stack
// trace, and exits 1. Plain JavaScript with no imports beyond node: so it runs on any Node that runs ESM.
import { readFileSync } from 'node:fs'
import process from 'node:process'
import { URL } from 'node:url'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const wanted = String(pkg.engines?.node ?? '')
const floor = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(wanted)
if (!floor) {
  process.stderr.write(
    `scripts/require-node.js: package.json engines.node must be ">=X.Y.Z" (found ${JSON.stringify(wanted)}).\n`,
  )
  process.exit(1)
}
const need = floor.slice(1, 4).map((part) => Number(part ?? 0))
const have = process.versions.node.split('.').map(Number)
const older = need.findIndex((part, i) => have[i] !== part) // first differing part, -1 when equal
if (older !== -1 && have[older] < need[older]) {
  process.stderr.write(
    `Gittrix needs Node ${need.join('.')} or newer; this is Node ${process.versions.node}.\n` +
      `This script runs the TypeScript sources with node --experimental-strip-types (Node 22.6+), and the\n` +
      `dependencies need Node ${need.join('.')}. Switch to Node 24 (the repository's .nvmrc: \`nvm install && nvm use\`,\n` +
      `or \`fnm use\`, \`volta install node@24\`), then run the command again.\n`,
  )
  process.exit(1)
}
