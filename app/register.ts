/**
 * `npm run app:register`: registers the Gittrix GitHub App from `app.yml` with Probot's manifest flow
 * (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest). It
 * serves Probot's setup page (http://localhost:3000, or `PORT`); "Register GitHub App" there posts the
 * manifest to GitHub, and GitHub's answer is written to `.env` in the working directory (`APP_ID`,
 * `PRIVATE_KEY`, `WEBHOOK_SECRET`, …) by Probot, where `npm run app` and `gittrix app` read it
 * (app/env-file.ts). Outside production Probot first opens a smee.io channel for webhooks
 * (`WEBHOOK_PROXY_URL`, the manifest's webhook URL); `NO_SMEE_SETUP=true` skips it, and the webhook
 * URL is then the setup page's own address.
 *
 * Run it in the directory holding `app.yml` (npm runs scripts in the package root). When the App's
 * credentials are already set (environment or `.env`) it says so and exits without serving anything.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { run } from 'probot'
import { loadEnvFile } from './env-file.ts'

loadEnvFile(process.env)
if (process.env.APP_ID?.trim() && (process.env.PRIVATE_KEY?.trim() || process.env.PRIVATE_KEY_PATH?.trim())) {
  process.stdout.write(
    `The GitHub App is already registered (APP_ID ${process.env.APP_ID.trim()}, from the environment or .env). ` +
      'Start it with npm run app.\n',
  )
} else if (!existsSync(join(process.cwd(), 'app.yml'))) {
  process.stderr.write(`No app.yml in ${process.cwd()}: run npm run app:register in the Gittrix package.\n`)
  process.exitCode = 1
} else {
  // Without credentials Probot's run() serves only its setup page; the app function is never loaded.
  await run(() => {})
}
