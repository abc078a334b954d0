/**
 * The session as a file: a `git bundle` (gitformat-bundle(5)) holding the session branch's commits on
 * top of the baseline, written by finish in the agent's job and read by `mode: publish` in another.
 *
 * A branch session's bundle names ONE ref, `refs/heads/gittrix/<session-id>` (the session's head), plus
 * the session's notes refs `refs/notes/gittrix-sessions/<session-id>/<kind>` when the agent wrote notes
 * (root commits holding only note blobs, session-notes.ts), and ONE prerequisite, the baseline: the objects the baseline already has are not in it, and publish
 * fetches the baseline from GitHub before it reads the pack. A two-job Artifacts session's bundle names
 * TWO refs: `refs/heads/gittrix/<session-id>` at the start commit, and `refs/gittrix/artifacts-main`
 * (`ARTIFACTS_BUNDLE_REF`) at the session repository's head, whose oldest commit is the orphan commit
 * carrying the baseline's tree, so its objects are the baseline's too and are left out the same way.
 * Publish trusts nothing in it (the agent can replace the file): see publish.ts.
 */
import { open } from 'node:fs/promises'
import { GittrixError } from '../../src/core/errors.ts'
import { withScratchRepo } from '../../src/git/network.ts'
import { SHA1_PATTERN } from '../../src/github/commit-sha.ts'

/** What {@link writeSessionBundle} needs. */
export interface WriteBundleOptions {
  /** The workspace's object store: the commits are read from there. */
  objectsDir: string
  /** The refs the bundle names, ref name → commit (e.g. `refs/heads/gittrix/<id>` → the session's head). */
  refs: Readonly<Record<string, string>>
  /** The baseline commit: the bundle's prerequisite. */
  baselineSha: string
  /** The file to write (replaced). */
  file: string
}

/**
 * Writes the bundle from a scratch repository of Gittrix's own (the workspace's objects borrowed through
 * alternates; no ref of the workspace is read or written) and checks it with `git bundle verify`.
 * Throws `GIT_FAILED` when git fails.
 */
export async function writeSessionBundle(options: WriteBundleOptions): Promise<void> {
  await withScratchRepo({ alternates: [options.objectsDir] }, async (scratch) => {
    const names = Object.keys(options.refs)
    for (const name of names) await scratch.run(['update-ref', name, options.refs[name]!])
    await scratch.run(['bundle', 'create', '--quiet', options.file, ...names, `^${options.baselineSha}`])
    await scratch.run(['bundle', 'verify', '--quiet', options.file])
  })
}

/** The header of a bundle: what it requires and what it names. */
export interface BundleHeader {
  /** Commits the receiving repository must have (`-<oid>` lines). */
  prerequisites: string[]
  /** The refs it carries, name → object id. */
  refs: Map<string, string>
}

/** Headers longer than this are not a session bundle (one ref, one prerequisite). */
const MAX_HEADER_BYTES = 64 * 1024

/**
 * Reads and checks a bundle's header (v2 or v3 with `@object-format=sha1`) without git. Throws
 * `INVALID_ARGUMENT` naming what is wrong when the file is not such a bundle.
 */
export async function readBundleHeader(file: string): Promise<BundleHeader> {
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw new GittrixError(
      'INVALID_ARGUMENT',
      `Cannot read the session bundle ${file}: ${(error as Error).message}.`,
    )
  })
  let text: string
  try {
    const buffer = Buffer.alloc(MAX_HEADER_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, MAX_HEADER_BYTES, 0)
    const raw = buffer.subarray(0, bytesRead)
    const end = raw.indexOf('\n\n')
    if (end < 0) throw bad(file, 'its header does not end')
    text = raw.subarray(0, end).toString('utf8')
  } finally {
    await handle.close()
  }
  const [signature, ...lines] = text.split('\n')
  if (signature !== '# v2 git bundle' && signature !== '# v3 git bundle')
    throw bad(file, 'it does not start with a git bundle signature')
  const prerequisites: string[] = []
  const refs = new Map<string, string>()
  for (const line of lines) {
    if (line.startsWith('@')) {
      if (line !== '@object-format=sha1')
        throw bad(file, `it has the capability ${JSON.stringify(line.slice(0, 40))}`)
    } else if (line.startsWith('-')) {
      const oid = line.slice(1, 41)
      if (!SHA1_PATTERN.test(oid)) throw bad(file, 'a prerequisite is not a commit id')
      prerequisites.push(oid)
    } else {
      const oid = line.slice(0, 40)
      const name = line.slice(41)
      if (!SHA1_PATTERN.test(oid) || line[40] !== ' ' || refs.has(name))
        throw bad(file, 'a ref line is malformed')
      refs.set(name, oid)
    }
  }
  return { prerequisites, refs }
}

function bad(file: string, why: string): GittrixError {
  return new GittrixError(
    'INVALID_ARGUMENT',
    `${file} is not a Gittrix session bundle (${why}); pass the file the agent job's finish wrote (its \`bundle\` output).`,
  )
}
