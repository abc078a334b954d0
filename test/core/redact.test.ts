import { describe, expect, it } from 'vitest'
import { redact, registerSecret } from '../../src/git/redact.ts'
import { runGit } from '../../src/git/run-git.ts'

describe('redact', () => {
  it('hides URL credentials, auth headers and registered secrets', () => {
    registerSecret('s3cr3t-token-value')
    expect(redact('fetch https://x-access-token:ghs_abc123@github.com/o/r.git')).toBe(
      'fetch https://***@github.com/o/r.git',
    )
    expect(redact('http.extraHeader=Authorization: Bearer abc.def.ghi')).toBe(
      'http.extraHeader=Authorization: Bearer ***',
    )
    expect(redact('token s3cr3t-token-value leaked')).toBe('token *** leaked')
  })

  it('keeps secrets out of git errors', async () => {
    registerSecret('another-secret-123')
    const error = await runGit(['ls-remote', 'https://user:another-secret-123@127.0.0.1:9/none.git'], {
      timeoutMs: 10_000,
    }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).not.toContain('another-secret-123')
    expect((error as Error).message).toContain('git ')
  })
})
