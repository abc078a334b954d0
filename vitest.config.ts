import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    // One git identity and no global/system git config for every test file (TEST_GIT_IDENTITY in test/support/git-fixtures.ts).
    setupFiles: ['test/support/git-env-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
