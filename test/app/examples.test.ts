/**
 * Every example payload GitHub documents for the events the App subscribes to (push, delete,
 * issue_comment, check_run, pull_request; @octokit/webhooks-examples) goes through the real Probot
 * instance without an unhandled error and without a single request: the stand-in answers every
 * route, so any request — a write above all — shows in the log and fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppHarness, examplePayloads } from './harness.ts'

const EVENTS = ['push', 'delete', 'issue_comment', 'check_run', 'pull_request'] as const

describe('App: every webhook example payload', () => {
  let h: AppHarness
  beforeAll(async () => {
    h = await AppHarness.create()
  })
  afterAll(() => h.close())

  for (const event of EVENTS) {
    const payloads = examplePayloads(event)
    it(`${event}: ${payloads.length} examples, no error, no request`, async () => {
      expect(payloads.length).toBeGreaterThan(0)
      for (const [i, payload] of payloads.entries()) {
        await expect(
          h.receive(event, payload, `${event}-${i}`),
          `${event} #${i} (${payload.action ?? '-'})`,
        ).resolves.toBeUndefined()
      }
      expect(h.api.requests).toEqual([])
    })
  }
})
