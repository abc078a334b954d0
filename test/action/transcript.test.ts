/**
 * The Action's `transcript` input reads a file the agent wrote (action/lib/session-notes.ts
 * `readAgentTranscript`): every way the agent could make it something else — a symlink to a secret
 * (the file or a directory on its path), a file inside the checkout, a FIFO, an oversized or non-JSONL
 * file — is refused with a sentence, never thrown, never read.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_NOTE_BYTES, readAgentTranscript } from '../../action/lib/session-notes.ts'

const root = mkdtempSync(join(tmpdir(), 'gittrix-transcript-'))
const checkout = join(root, 'checkout')
const outside = join(root, 'outside')
mkdirSync(checkout)
mkdirSync(outside)
afterAll(() => rmSync(root, { recursive: true, force: true }))

const problem = async (path: string) => {
  const read = await readAgentTranscript(path, checkout)
  return 'problem' in read ? read.problem : null
}

describe('readAgentTranscript', () => {
  it('reads a JSONL file outside the checkout', async () => {
    const file = join(outside, 'ok.jsonl')
    writeFileSync(file, '{"a":1}\n\n{"b":2}\n')
    const read = await readAgentTranscript(file, checkout)
    expect('bytes' in read && Buffer.from(read.bytes).toString()).toBe('{"a":1}\n\n{"b":2}\n')
    expect('lines' in read && read.lines).toBe(2)
  })

  it('refuses what the agent could point elsewhere or make unreadable', async () => {
    const secret = join(root, 'secret.jsonl')
    writeFileSync(secret, '{"secret":true}\n')
    const link = join(outside, 'link.jsonl')
    symlinkSync(secret, link)
    expect(await problem(link)).toMatch(/symlink/)
    const linkedDir = join(root, 'linked-dir')
    symlinkSync(root, linkedDir)
    expect(await problem(join(linkedDir, 'secret.jsonl'))).toMatch(/symlink/)
    const inside = join(checkout, 'transcript.jsonl')
    writeFileSync(inside, '{}\n')
    expect(await problem(inside)).toMatch(/inside the checkout/)
    expect(await problem(checkout)).toMatch(/inside the checkout/)
    // A name that merely starts with two dots is still inside (relative() gives `..name`, not `../`).
    const dotted = join(checkout, '..transcript.jsonl')
    writeFileSync(dotted, '{}\n')
    expect(await problem(dotted)).toMatch(/inside the checkout/)
    const fifo = join(outside, 'fifo.jsonl')
    execFileSync('mkfifo', [fifo])
    expect(await problem(fifo)).toMatch(/not a regular file/)
    const big = join(outside, 'big.jsonl')
    writeFileSync(big, '')
    truncateSync(big, MAX_NOTE_BYTES.transcript + 1) // sparse: nothing is written
    expect(await problem(big)).toMatch(/at most \d+ are attached/)
    const prose = join(outside, 'prose.jsonl')
    writeFileSync(prose, '{"ok":1}\nnot json\n')
    expect(await problem(prose)).toMatch(/Line 2 of the transcript is not JSON/)
    expect(await problem(join(outside, 'missing.jsonl'))).toMatch(/wrote no transcript/)
  })
})
