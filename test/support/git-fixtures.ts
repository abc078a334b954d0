/**
 * Real git repositories for tests: throwaway directories, fixed identities and dates, so every run
 * produces the same commits.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** Fixed identity and dates for every git call made by tests (and by Gittrix under test). */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
}

/** Applies {@link GIT_ENV} to this process, so spawned git (ours and Gittrix's) uses it. */
export function useFixedGitIdentity(): void {
  Object.assign(process.env, GIT_ENV)
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
  git(path, 'config', 'user.name', 'Test User')
  git(path, 'config', 'user.email', 'user@example.com')
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
