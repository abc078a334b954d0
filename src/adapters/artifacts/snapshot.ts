/**
 * CloudflareArtifactsSnapshotAdapter: one Artifacts session repository at one fixed commit, read-only,
 * through the REST read routes (commit, tree, blob routes of
 * https://developers.cloudflare.com/artifacts/api/rest-api/). No git binary,
 * no clone, no repo token: what a reviewing host (the GitHub App) needs to diff and promote a session
 * an agent finished elsewhere (the Action pushed it, then named the commit in a pointer commit).
 *
 * The workspace is addressed by its `ephemeralRef`, `artifacts://<account>/<namespace>/<repo>#<commit>`
 * ({@link artifactsSnapshotRef}); without `#<commit>` the agent has not finished and the session is
 * the baseline itself (no changes). Touched paths are the differences between the durable baseline
 * tree (read from the durable adapter, e.g. GitHub: one request) and the Artifacts tree at the commit.
 * The baseline's directory tree ids are computed from its listing (tree-hash.ts), so only directories
 * whose ids differ are read from Artifacts: requests grow with the changed directories, not the repo.
 *
 * `write`, `delete`, `commit` and `create` are `CAPABILITY_MISSING` (agents write through
 * CloudflareArtifactsEphemeralAdapter). `destroy` deletes the Artifacts repository (route 7; a missing
 * one is fine), which needs an API token with Artifacts > Edit.
 */
import type {
  CreateWorkspaceRequest,
  DurableAdapter,
  EphemeralAdapter,
  EphemeralCapabilities,
  WorkspaceHandle,
  WorkspaceInfo,
} from '../../core/adapters.ts'
import { GittrixError, InvalidArgumentError, isGittrixError } from '../../core/errors.ts'
import { listFiles } from '../../core/listing.ts'
import { normalizeRepoDir, readFollowingSymlinks } from '../../core/paths.ts'
import type {
  FileMode,
  ListEntry,
  SnapshotOptions,
  TreeChange,
  TreeEntry,
  WorkspaceSnapshot,
} from '../../core/types.ts'
import type { ArtifactsClient } from './client.ts'
import { validateArtifactsName } from './names.ts'
import { type ListedDirectory, listedDirectories } from './tree-hash.ts'
import { RestTrees } from './trees.ts'

/** Options for {@link CloudflareArtifactsSnapshotAdapter}. */
export interface CloudflareArtifactsSnapshotAdapterOptions {
  /** A client for the namespace the session repositories live in (Artifacts > Read; Edit for `destroy`). */
  client: ArtifactsClient
  /** The durable side the sessions started from: their baseline trees and baseline blobs are read there. */
  durable: Pick<DurableAdapter, 'listTree' | 'readFile'>
}

/** Symlinks followed by `read` before giving up (as a loop). */
const COMMIT_ID = /^[0-9a-f]{40}$/

/**
 * The `ephemeralRef` of Artifacts repository `repo` of `client`'s namespace at `commit`:
 * `artifacts://<account>/<namespace>/<repo>#<commit>`, or without `#<commit>` when `commit` is `null`
 * (nothing pushed yet). Throws `INVALID_ARGUMENT` on an invalid name or commit id.
 */
export function artifactsSnapshotRef(client: ArtifactsClient, repo: string, commit: string | null): string {
  if (commit !== null && !COMMIT_ID.test(commit))
    throw new InvalidArgumentError(`${JSON.stringify(commit)} is not a 40-hex commit id.`)
  const base = client.repoUri(validateArtifactsName(repo))
  return commit === null ? base : `${base}#${commit}`
}

/** Artifacts session repositories, each at a fixed commit, as read-only remote workspaces. */
export class CloudflareArtifactsSnapshotAdapter implements EphemeralAdapter {
  readonly kind = 'artifacts-snapshot'
  readonly client: ArtifactsClient
  private readonly durable: CloudflareArtifactsSnapshotAdapterOptions['durable']
  private readonly trees = new Map<string, RestTrees>()

  constructor(options: CloudflareArtifactsSnapshotAdapterOptions) {
    if (!options?.client || !options.durable)
      throw new InvalidArgumentError(
        'CloudflareArtifactsSnapshotAdapter needs { client, durable }: an ArtifactsClient and the durable adapter.',
      )
    this.client = options.client
    this.durable = options.durable
  }

  capabilities(): EphemeralCapabilities {
    return { workspaceKind: 'remote', isGitBacked: true, requiresLocalDurable: false }
  }

  /** Always `CAPABILITY_MISSING`: session repositories are made by CloudflareArtifactsEphemeralAdapter. */
  async create(_request: CreateWorkspaceRequest): Promise<WorkspaceInfo> {
    throw readOnly('create')
  }

  /** File content at the commit (symlinks inside the tree followed), or `null`. */
  async read(handle: WorkspaceHandle, path: string): Promise<Uint8Array | null> {
    const { repo, commit } = this.parse(handle)
    return readFollowingSymlinks(path, async (rel) => {
      if (commit === null) return this.durable.readFile(handle.baselineSha, rel)
      const trees = this.treesOf(repo)
      const entry = await trees.entry(await trees.treeOf(commit), rel)
      return entry ? { bytes: await this.blob(repo, entry.oid), mode: entry.mode } : null
    })
  }

  /** Always `CAPABILITY_MISSING`: the snapshot is read-only. */
  async write(_handle: WorkspaceHandle, _path: string, _bytes: Uint8Array): Promise<void> {
    throw readOnly('write')
  }

  /** Always `CAPABILITY_MISSING`: the snapshot is read-only. */
  async delete(_handle: WorkspaceHandle, _path: string): Promise<void> {
    throw readOnly('delete')
  }

  async list(
    handle: WorkspaceHandle,
    dir: string,
    options: { recursive?: boolean } = {},
  ): Promise<ListEntry[]> {
    return listFiles(await this.allFiles(handle, normalizeRepoDir(dir)), dir, options)
  }

  /**
   * Every path whose blob, mode or existence differs between the durable baseline tree and the tree at
   * the commit. Requests: the baseline listing (durable side), one commit read, and one tree read per
   * Artifacts directory whose id differs from the baseline's. Blobs are read from Artifacts.
   *
   * `options.at` reads another commit of the session repository (40 hex; every commit of a session
   * repository belongs to that session, which starts at the baseline's tree): `INVALID_ARGUMENT` when
   * it is not a commit id or the repository has no such commit. Without it, the handle's commit.
   */
  async snapshot(handle: WorkspaceHandle, options: SnapshotOptions = {}): Promise<WorkspaceSnapshot> {
    const { repo, commit: named } = this.parse(handle)
    const at = options.at
    if (at !== undefined && (typeof at !== 'string' || !COMMIT_ID.test(at)))
      throw new InvalidArgumentError(
        `${JSON.stringify(at)} is not a full commit id of Artifacts repository ${repo}; give all 40 hex digits.`,
      )
    const commit = at ?? named
    const blobs = {
      location: this.client.repoUri(repo),
      readBlobs: (oids: readonly string[]) => this.readBlobs(repo, oids),
    }
    if (commit === null) return { changes: [], blobs }
    const trees = this.treesOf(repo)
    const [baseline, root] = await Promise.all([
      this.durable.listTree(handle.baselineSha).then(listedDirectories),
      trees.treeOf(commit).catch((error: unknown) => {
        if (at === undefined || !isGittrixError(error, 'REF_NOT_FOUND')) throw error
        throw new InvalidArgumentError(`Commit ${at} is not part of session repository ${repo}.`)
      }),
    ])
    const changes = await compare(trees, baseline, '', baseline.get('') ?? null, root)
    changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    return { tree: root, ...(at !== undefined ? { commit: at } : {}), changes, blobs }
  }

  /** Always `CAPABILITY_MISSING`: the snapshot is read-only (record session facts on the session branch). */
  async commit(_handle: WorkspaceHandle, _message: string): Promise<string> {
    throw readOnly('commit')
  }

  /** The commit's committer time (ms), or `null` when nothing was pushed or the commit is gone. */
  async lastChangeAt(handle: WorkspaceHandle): Promise<number | null> {
    const { repo, commit } = this.parse(handle)
    if (commit === null) return null
    const found = await this.client.getCommit(repo, commit)
    return found ? found.committedAt * 1000 : null
  }

  /** Deletes the session's Artifacts repository (`DELETE /repos/:name`, 202). Idempotent: 404 is fine. */
  async destroy(handle: WorkspaceHandle): Promise<void> {
    await this.client.deleteRepo(this.parse(handle).repo)
  }

  private treesOf(repo: string): RestTrees {
    let trees = this.trees.get(repo)
    if (!trees) {
      trees = new RestTrees(this.client, repo)
      this.trees.set(repo, trees)
    }
    return trees
  }

  /** Blobs present in the repository; ids it lacks are left out (the core asks the durable side). */
  private async readBlobs(repo: string, oids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const found = await Promise.all(
      [...new Set(oids)].map(async (oid) => [oid, await this.client.getBlob(repo, oid)] as const),
    )
    return new Map(found.filter((pair): pair is readonly [string, Uint8Array] => pair[1] !== null))
  }

  private async blob(repo: string, oid: string): Promise<Uint8Array> {
    const bytes = await this.client.getBlob(repo, oid)
    if (!bytes)
      throw new GittrixError('REF_NOT_FOUND', `Blob ${oid} does not exist in Artifacts repository ${repo}.`)
    return bytes
  }

  private async allFiles(handle: WorkspaceHandle, prefix: string): Promise<TreeEntry[]> {
    const { repo, commit } = this.parse(handle)
    if (commit === null) return this.durable.listTree(handle.baselineSha, prefix || undefined)
    const trees = this.treesOf(repo)
    const dir = await trees.subtree(await trees.treeOf(commit), prefix)
    return dir ? trees.files(dir, prefix) : []
  }

  /** Repository and commit of a handle; `INVALID_ARGUMENT` when it is not a snapshot of this namespace. */
  private parse(handle: WorkspaceHandle): { repo: string; commit: string | null } {
    const base = this.client.repoUri('')
    const ref = handle.ephemeralRef
    const rest = ref.startsWith(base) ? ref.slice(base.length) : null
    const [repo, commit, extra] = (rest ?? '').split('#')
    if (rest === null || !repo || extra !== undefined || (commit !== undefined && !COMMIT_ID.test(commit)))
      throw new InvalidArgumentError(
        `${ref} is not an Artifacts snapshot of ${base}<repo>#<commit> (account and namespace of this client).`,
      )
    return { repo: validateArtifactsName(repo), commit: commit ?? null }
  }
}

function readOnly(operation: string): GittrixError {
  return new GittrixError(
    'CAPABILITY_MISSING',
    `An Artifacts session snapshot is read-only; ${operation} is not available. Agents write through CloudflareArtifactsEphemeralAdapter.`,
  )
}

/**
 * Changes below directory `prefix`: `base` is the baseline directory there (or `null`), `hash` the
 * Artifacts tree there (or `null`). Equal tree ids are skipped without a request.
 */
async function compare(
  trees: RestTrees,
  baseline: Map<string, ListedDirectory>,
  prefix: string,
  base: ListedDirectory | null,
  hash: string | null,
): Promise<TreeChange[]> {
  if (base && hash && base.hash === hash) return []
  const children = hash ? await trees.children(hash) : []
  const now = new Map(children.map((c) => [c.name, c]))
  const names = new Set([...(base?.files.keys() ?? []), ...(base?.dirs ?? []), ...now.keys()])
  const nested = await Promise.all(
    [...names].map(async (name): Promise<TreeChange[]> => {
      const path = prefix ? `${prefix}/${name}` : name
      const old = base?.files.get(name) ?? null
      const child = now.get(name)
      const fresh = child && !child.dir ? { mode: child.mode as FileMode, oid: child.hash } : null
      const out: TreeChange[] = []
      if ((old || fresh) && (old?.oid !== fresh?.oid || old?.mode !== fresh?.mode)) {
        out.push({
          path,
          status: !old ? 'added' : !fresh ? 'deleted' : 'modified',
          oldMode: old?.mode ?? null,
          newMode: fresh?.mode ?? null,
          oldOid: old?.oid ?? null,
          newOid: fresh?.oid ?? null,
        })
      }
      const was = base?.dirs.has(name) ? (baseline.get(path) ?? null) : null
      if (was || child?.dir)
        out.push(...(await compare(trees, baseline, path, was, child?.dir ? child.hash : null)))
      return out
    }),
  )
  return nested.flat()
}
