/**
 * Real git repositories for tests: throwaway directories, fixed identities and dates, so every run
 * produces the same commits.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * The one git identity of the tests: fixed author and committer, and no system or global configuration
 * (the machine's `~/.gitconfig` can neither supply an identity nor change behaviour).
 * `test/support/git-env-setup.ts` (vitest `setupFiles`) applies it to `process.env` before every test
 * file, so every git the tests spawn, theirs and Gittrix's under test, uses it. A test that needs another
 * identity (a hostile author, a named GitHub user) sets it where it runs git and says why.
 * Sources: git-commit-tree(1) "Commit Information", git-config(1) "ENVIRONMENT".
 */
export const TEST_GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
}

/**
 * {@link TEST_GIT_IDENTITY} plus fixed author and committer dates: what the tests' own git calls
 * ({@link git}, the stand-ins) run with, so fixtures come out as the same commits on every run.
 * Gittrix's own commits keep the clock's dates (not set process-wide).
 */
export const GIT_ENV = {
  ...TEST_GIT_IDENTITY,
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
}

/** Runs git synchronously in `cwd` and returns trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  }).trim()
}

/** A fresh temporary directory; remember to remove it (see {@link cleanup}). */
export function tempDir(prefix = 'gittrix-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Removes directories made by {@link tempDir}. */
export function cleanup(...dirs: string[]): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}

/** Writes files (creating directories) under `root`. `null` deletes. */
export function writeFiles(root: string, files: Record<string, string | Buffer | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path)
    if (content === null) rmSync(full, { force: true })
    else {
      mkdirSync(dirname(full), { recursive: true })
      writeFileSync(full, content)
    }
  }
}

/**
 * A non-bare repository on branch `main` with one commit holding `files`.
 * Returns its path and the commit id.
 */
export function makeRepo(files: Record<string, string | Buffer> = { 'README.md': '# Project\n' }): {
  path: string
  head: string
} {
  const path = tempDir('gittrix-repo-')
  git(path, 'init', '--quiet', '--initial-branch=main')
  writeFiles(path, files)
  git(path, 'add', '-A')
  git(path, 'commit', '--quiet', '-m', 'initial')
  return { path, head: git(path, 'rev-parse', 'HEAD') }
}

/** Commits `files` on the checked-out branch of `repo`; returns the new head. */
export function commitFiles(
  repo: string,
  files: Record<string, string | Buffer | null>,
  message = 'durable change',
): string {
  writeFiles(repo, files)
  git(repo, 'add', '-A')
  git(repo, 'commit', '--quiet', '-m', message)
  return git(repo, 'rev-parse', 'HEAD')
}
