#!/usr/bin/env node
/**
 * The `gittrix` executable: runs the CLI on this process's arguments and streams, then sets the
 * exit code (letting pending output flush instead of calling `process.exit`).
 */
import { runCli } from './run.ts'

process.exitCode = await runCli(process.argv.slice(2))
