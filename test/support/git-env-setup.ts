/**
 * vitest setup file (`setupFiles` in vitest.config.ts), run in each test worker before every test file:
 * applies the one test git identity and configuration isolation ({@link TEST_GIT_IDENTITY}) to
 * `process.env`, so git spawned by a test or by Gittrix under test never reads the machine's identity
 * or configuration.
 */
import { TEST_GIT_IDENTITY } from './git-fixtures.ts'

Object.assign(process.env, TEST_GIT_IDENTITY)
