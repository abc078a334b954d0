/**
 * Minimal GitHub REST answers that satisfy GitHub's OpenAPI description (every required property,
 * right types and formats), for replies in `githubMock` routes. Shapes: REST git refs / commits /
 * trees / blobs, and the `validation-error` and `basic-error` schemas.
 */

const API = 'https://api.github.com'

/** A 40-hex SHA derived from `seed` (stable, readable in failures: `sha('a')` = `aaaa…`). */
export function sha(seed: string): string {
  const hex = Buffer.from(seed).toString('hex')
  return (/^[0-9a-f]+$/.test(seed) ? seed : hex).repeat(40).slice(0, 40)
}

/** `git-ref`: `GET /repos/{o}/{r}/git/ref/{ref}`, `PATCH …/git/refs/{ref}`, `POST …/git/refs`. */
export function gitRef(owner: string, repo: string, ref: string, commitSha: string) {
  const full = ref.startsWith('refs/') ? ref : `refs/${ref}`
  return {
    ref: full,
    node_id: `REF_${full}`,
    url: `${API}/repos/${owner}/${repo}/git/${full}`,
    object: { type: 'commit', sha: commitSha, url: `${API}/repos/${owner}/${repo}/git/commits/${commitSha}` },
  }
}

/** `git-commit`: `GET /repos/{o}/{r}/git/commits/{sha}`, `POST …/git/commits` (unsigned unless `verified`). */
export function gitCommit(
  owner: string,
  repo: string,
  fields: { sha: string; tree: string; parents?: string[]; message?: string; verified?: boolean },
) {
  const person = {
    name: 'gittrix[bot]',
    email: 'gittrix[bot]@users.noreply.github.com',
    date: '2026-01-01T00:00:00Z',
  }
  return {
    sha: fields.sha,
    node_id: `C_${fields.sha}`,
    url: `${API}/repos/${owner}/${repo}/git/commits/${fields.sha}`,
    html_url: `https://github.com/${owner}/${repo}/commit/${fields.sha}`,
    author: person,
    committer: person,
    message: fields.message ?? 'commit',
    tree: { sha: fields.tree, url: `${API}/repos/${owner}/${repo}/git/trees/${fields.tree}` },
    parents: (fields.parents ?? []).map((p) => ({
      sha: p,
      url: `${API}/repos/${owner}/${repo}/git/commits/${p}`,
      html_url: `https://github.com/${owner}/${repo}/commit/${p}`,
    })),
    verification: fields.verified
      ? {
          verified: true,
          reason: 'valid',
          signature: '-----BEGIN PGP SIGNATURE-----',
          payload: 'tree',
          verified_at: '2026-01-01T00:00:00Z',
        }
      : { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  }
}

/** One entry of a `git-tree` answer. */
export interface TreeEntryFixture {
  path: string
  mode?: string
  type?: 'blob' | 'tree' | 'commit'
  sha: string
  size?: number
}

/** `git-tree`: `GET /repos/{o}/{r}/git/trees/{sha}`, `POST …/git/trees`. */
export function gitTree(
  owner: string,
  repo: string,
  treeSha: string,
  entries: TreeEntryFixture[],
  truncated = false,
) {
  return {
    sha: treeSha,
    url: `${API}/repos/${owner}/${repo}/git/trees/${treeSha}`,
    truncated,
    tree: entries.map((e) => {
      const type = e.type ?? 'blob'
      return {
        path: e.path,
        mode: e.mode ?? (type === 'tree' ? '040000' : '100644'),
        type,
        sha: e.sha,
        ...(type === 'blob' ? { size: e.size ?? 0 } : {}),
        url: `${API}/repos/${owner}/${repo}/git/${type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`,
      }
    }),
  }
}

/** `short-blob`: `POST /repos/{o}/{r}/git/blobs`. */
export function shortBlob(owner: string, repo: string, blobSha: string) {
  return { sha: blobSha, url: `${API}/repos/${owner}/${repo}/git/blobs/${blobSha}` }
}

/** `validation-error` (422): e.g. `validationError('Update is not a fast forward', 'git/refs#update-a-reference')`. */
export function validationError(message: string, docs = 'git/refs#update-a-reference') {
  return { message, documentation_url: `https://docs.github.com/rest/${docs}` }
}

/** `basic-error` (403, 404, 409, …), e.g. a secondary rate limit's answer. */
export function basicError(message: string, docs = 'overview/resources-in-the-rest-api') {
  return { message, documentation_url: `https://docs.github.com/rest/${docs}` }
}
