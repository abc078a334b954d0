/**
 * The App server's peak memory under an unsigned 256 MB webhook POST (issue 11, observation 6): the
 * real server process (`npm run app`), its VmHWM before and after the POST, by `Content-Length` and
 * chunked, each on a fresh process (VmHWM is a high-water mark). The suite asserts the bound
 * (test/app/webhook-limit.test.ts: within 50 MB of idle); this reports the figures.
 *
 * `node --experimental-strip-types test/bench/webhook-memory.ts` prints them as JSON.
 */
import { fileURLToPath } from 'node:url'
import { generateAppKey, startAppProcess, webhookSecret } from '../support/app-process.ts'
import { MiB, peakRss, postUnsigned } from '../support/unsigned-post.ts'

/** One measurement. */
export interface WebhookMemoryRow {
  mode: 'length' | 'chunked'
  /** Bytes POSTed (offered: the server may close the connection before all are sent). */
  bodyBytes: number
  status: number | null
  /** Peak RSS of the idle server and its growth during the POST, MiB. */
  idleMiB: number
  grewMiB: number
}

/** Measures both modes with a 256 MiB body. */
export async function measureWebhookMemory(bodyBytes = 256 * MiB): Promise<WebhookMemoryRow[]> {
  const rows: WebhookMemoryRow[] = []
  for (const mode of ['length', 'chunked'] as const) {
    const app = await startAppProcess({
      appId: 1,
      privateKey: generateAppKey().privateKey,
      webhookSecret: webhookSecret(),
      gheHost: '127.0.0.1:9',
    })
    try {
      await postUnsigned(app.webhookUrl, 1024, 'length')
      const idle = peakRss(app.pid)
      const status = await postUnsigned(app.webhookUrl, bodyBytes, mode)
      const grew = peakRss(app.pid) - idle
      rows.push({ mode, bodyBytes, status, idleMiB: round(idle / MiB), grewMiB: round(grew / MiB) })
    } finally {
      await app.stop()
    }
  }
  return rows
}

/** The rows as a markdown table. */
export function formatWebhookMemoryTable(rows: readonly WebhookMemoryRow[]): string {
  return [
    '| unsigned POST | answer | idle peak RSS | peak RSS growth (bound 50 MB) |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.bodyBytes / MiB} MiB, ${r.mode === 'length' ? 'Content-Length' : 'chunked'} | ${r.status ?? 'none'} | ${r.idleMiB} MiB | ${r.grewMiB} MiB |`,
    ),
  ].join('\n')
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await measureWebhookMemory(), null, 2)}\n`)
}
