/**
 * GitHub limits the renderers respect, each with its source. Text budgets are counted in UTF-8
 * bytes: GitHub says "characters" without defining them, and a string of at most N UTF-8 bytes has at
 * most N code points and at most N UTF-16 code units, so it fits however GitHub counts.
 */

/**
 * Check run `output.title`, `output.summary` and `output.text`: "Maximum length: 65535 characters"
 * each; the API answers `Only 65535 characters are allowed` beyond it.
 * Source: https://docs.github.com/en/rest/checks/runs (OpenAPI `output`), https://github.com/github/docs/issues/3765.
 * The OpenAPI states it for summary and text; we apply it to the title too.
 */
export const CHECK_RUN_OUTPUT_MAX = 65_535

/**
 * Check run `actions` (buttons): "A maximum of three actions are accepted"; `label` ≤ 20,
 * `description` ≤ 40, `identifier` ≤ 20 characters. Shown only once the run is completed.
 * Source: https://docs.github.com/en/rest/checks/runs#create-a-check-run (`actions`).
 */
export const CHECK_RUN_ACTIONS = { maxCount: 3, labelMax: 20, descriptionMax: 40, identifierMax: 20 } as const

/**
 * Issue and pull request comment bodies: "Body is too long (maximum is 65536 characters)" (422).
 * Source: https://docs.github.com/rest/issues/comments#create-an-issue-comment, error quoted in
 * https://github.com/peter-evans/create-or-update-comment/pull/182.
 */
export const COMMENT_BODY_MAX = 65_536

/** Number of UTF-8 bytes of `text`: the unit every text budget here is counted in. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}
