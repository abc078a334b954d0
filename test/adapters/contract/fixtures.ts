/**
 * Adapter-agnostic helpers of the contract suites: how tests describe files (content, executable bit,
 * symlink), git blob ids computed independently of any adapter, in-memory blob sources, and the
 * expected tree after a set of changes. Nothing here knows about a particular storage backend.
 */
import { createHash } from 'node:crypto'
import { expect } from 'vitest'
import { isGittrixError } from '../../../src/core/errors.ts'
import type { BlobSource, FileMode } from '../../../src/core/types.ts'

/** One file as a test describes it: text or bytes (mode 100644), an executable file, or a symlink. */
export type SeedFile =
  string | Uint8Array | { content: string | Uint8Array; executable?: boolean } | { symlink: string }

/** Files by repository path; `null` deletes the path. */
export type SeedFiles = Record<string, SeedFile | null>

/** A file as git stores it: mode and bytes (a symlink's bytes are its target). */
export interface ResolvedFile {
  mode: FileMode
  bytes: Buffer
}

/** A file as read back from a tree. */
export interface TreeFile extends ResolvedFile {
  oid: string
}

/** Bytes of a UTF-8 string. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8')
}

/** The mode and bytes git stores for a {@link SeedFile}. */
export function resolveSeed(file: SeedFile): ResolvedFile {
  if (typeof file === 'string') return { mode: '100644', bytes: utf8(file) }
  if (file instanceof Uint8Array) return { mode: '100644', bytes: Buffer.from(file) }
  if ('symlink' in file) return { mode: '120000', bytes: utf8(file.symlink) }
  const bytes = typeof file.content === 'string' ? utf8(file.content) : Buffer.from(file.content)
  return { mode: file.executable ? '100755' : '100644', bytes }
}

/** The git (SHA-1) blob id of `bytes`, computed here so tests do not trust the adapter under test. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex')
}

/** `base` with `changes` applied (`null` deletes). */
export function applySeed(
  base: ReadonlyMap<string, ResolvedFile>,
  changes: SeedFiles,
): Map<string, ResolvedFile> {
  const next = new Map(base)
  for (const [path, file] of Object.entries(changes)) {
    if (file === null) next.delete(path)
    else next.set(path, resolveSeed(file))
  }
  return next
}

/** The tree described by `files` (no `null` entries). */
export function seedTree(files: SeedFiles): Map<string, ResolvedFile> {
  return applySeed(new Map(), files)
}

/** Byte-wise path order: git's index and tree-walk order. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(utf8(a), utf8(b))
}

/** Sorted copy of `paths` in git order. */
export function sortedPaths(paths: Iterable<string>): string[] {
  return [...paths].sort(byteOrder)
}

/** A tree as plain `{ path: { mode, text } }` for readable assertion diffs (bytes as hex when not UTF-8). */
export function describeTree(tree: ReadonlyMap<string, ResolvedFile>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const path of sortedPaths(tree.keys())) {
    const file = tree.get(path)!
    const text = file.bytes.toString('utf8')
    const shown = Buffer.from(text, 'utf8').equals(file.bytes) ? text : `hex:${file.bytes.toString('hex')}`
    out[path] = `${file.mode} ${shown}`
  }
  return out
}

/**
 * A blob source backed by memory only (no `gitDir`), as a remote workspace would provide. Records every
 * request so tests can see what was asked for.
 */
export function memoryBlobSource(contents: Iterable<Uint8Array>): BlobSource & { requested: string[] } {
  const byId = new Map<string, Uint8Array>()
  for (const bytes of contents) byId.set(gitBlobId(bytes), bytes)
  const requested: string[] = []
  return {
    requested,
    async readBlobs(oids) {
      const out = new Map<string, Uint8Array>()
      for (const oid of oids) {
        requested.push(oid)
        const bytes = byId.get(oid)
        if (!bytes) throw new Error(`memory blob source has no blob ${oid}`)
        out.set(oid, bytes)
      }
      return out
    },
  }
}

/** Asserts that `promise` rejects with a GittrixError of `code`, and returns the error. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught, `expected a rejection with code ${code}`).toBeInstanceOf(Error)
  expect(isGittrixError(caught) ? caught.code : `non-Gittrix error: ${String(caught)}`).toBe(code)
  return caught as Error
}
