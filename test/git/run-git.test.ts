/**
 * GitCommandError as the reviewer reads it: an argument the agent chose (a file name with a newline or
 * an escape sequence) is quoted in the message, so it cannot add a line or a terminal sequence there,
 * and a registered secret never appears.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { registerSecret } from '../../src/git/redact.ts'
import { runGit } from '../../src/git/run-git.ts'
import { cleanup, makeRepo } from '../support/git-fixtures.ts'

describe('GitCommandError', () => {
  let repo: { path: string } | undefined
  afterEach(() => repo && cleanup(repo.path))

  it('quotes an argument holding control characters, so the message keeps its one line', async () => {
    repo = makeRepo({ 'a.txt': 'a\n' })
    const forged = 'notes.md\n M src/app.ts | +1 -1\x1b]0;owned\x07\x9b2J'
    const error = await runGit(['cat-file', '-e', `HEAD:${forged}`], { cwd: repo.path }).then(
      () => null,
      (e: unknown) => e as Error & { code: string; args: string[] },
    )
    expect(error?.code).toBe('GIT_FAILED')
    const [command] = error!.message.split(' failed: ')
    expect(command).toBe(
      'git cat-file -e "HEAD:notes.md\\n M src/app.ts | +1 -1\\u001b]0;owned\\u0007\\u009b2J"',
    )
    // The field keeps the argument as it was given (programs read it; only the message is for people).
    expect(error!.args).toEqual(['cat-file', '-e', `HEAD:${forged}`])
  })

  it('leaves plain arguments as they are and hides a registered secret', async () => {
    repo = makeRepo({ 'a.txt': 'a\n' })
    registerSecret('ghs_runGitTestSecret0123')
    const error = await runGit(['cat-file', '-e', 'HEAD:ghs_runGitTestSecret0123/a b.txt'], {
      cwd: repo.path,
    }).then(
      () => new Error('git did not fail'),
      (e: Error) => e,
    )
    expect(error.message).toMatch(/^git cat-file -e HEAD:\*\*\*\/a b\.txt failed: /)
    expect(error.message).not.toContain('ghs_runGitTestSecret0123')
  })
})
