/**
 * Shapes of the Artifacts REST API that Gittrix reads.
 *
 * Sources: https://developers.cloudflare.com/artifacts/api/rest-api/ (current
 * shape). The REST docs name the log, commit and tree routes but not their result fields; the fields
 * below are the Workers binding's documented `ArtifactsCommitMetadata` and `ArtifactsTreeEntry`
 * (https://developers.cloudflare.com/artifacts/api/workers-binding/, docs/platform-facts.md#rest-api), which the client also
 * accepts in snake_case (see `normalize.ts`).
 */

/** `Scope = "read" | "write"`: read allows clone/fetch, write adds push (docs/platform-facts.md#credentials-and-git). */
export type TokenScope = 'read' | 'write'

/** `RepoInfo` (docs/platform-facts.md#rest-api). */
export interface ArtifactsRepoInfo {
  id: string
  name: string
  description: string | null
  default_branch: string
  created_at: string
  updated_at: string
  last_push_at: string | null
  source: string | null
  read_only: boolean
}

/** `RepoWithRemote = RepoInfo + {remote}` (docs/platform-facts.md#rest-api). */
export interface ArtifactsRepo extends ArtifactsRepoInfo {
  remote: string
}

/**
 * `CreateRepoResult = {id, name, description, default_branch, remote, token}` (route 4). Create, fork
 * and import return the token string only; its expiry is the `?expires=` suffix.
 */
export interface ArtifactsCreateRepoResult {
  id: string
  name: string
  description: string | null
  default_branch: string
  remote: string
  token: string
}

/** Result of `POST /tokens` (route 17). */
export interface ArtifactsMintedToken {
  id: string
  plaintext: string
  scope: TokenScope
  expires_at: string | number
}

/** `TokenInfo` (docs/platform-facts.md#rest-api), from `GET /repos/:name/tokens` (route 16). */
export interface ArtifactsTokenInfo {
  id: string
  scope: TokenScope
  state: 'active' | 'expired' | 'revoked'
  created_at: string
  expires_at: string
}

/** One commit of the log / commit routes (binding's `ArtifactsCommitMetadata`). */
export interface ArtifactsCommit {
  hash: string
  treeHash: string
  message: string
  author: { name: string; email: string }
  committer: { name: string; email: string }
  parents: string[]
  /** Unix seconds. */
  authoredAt: number
  /** Unix seconds. */
  committedAt: number
}

/** One immediate child of a tree (binding's `ArtifactsTreeEntry`). Directory mode is `40000`. */
export interface ArtifactsTreeEntry {
  name: string
  mode: string
  hash: string
  type: 'tree' | 'blob' | 'symlink' | 'gitlink' | 'exec'
}
