/**
 * Which git objects a GitHub repository already stores, asked by id in batched GraphQL queries (up to
 * {@link OBJECTS_PER_QUERY} aliased `repository.object(oid:)` each; `null` means GitHub does not have
 * it). Lets a promotion from elsewhere (e.g. a Cloudflare Artifacts session) upload only new blobs
 * without listing the durable tree, whose size grows with the repository.
 *
 * Source: GraphQL `Repository.object(oid: GitObjectID)` "A Git object in the repository"
 * (https://docs.github.com/graphql/reference/objects#repository, schema: `@octokit/graphql-schema`);
 * query size: https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api
 * (no connection is used, so the node limit does not apply; the batch bounds the query's time).
 */
import type { Octokit } from '@octokit/rest'
import type { RepoCoordinates } from './tree-errors.ts'
import { usesGraphql } from './tree-levels.ts'

/** Object ids per GraphQL query. */
export const OBJECTS_PER_QUERY = 100

/**
 * The ids among `oids` that the repository stores, or `null` when GraphQL is not used for this client
 * (the caller then finds out another way). Throws what Octokit throws when a query fails.
 */
export async function existingObjects(
  octokit: Octokit,
  coords: RepoCoordinates,
  oids: readonly string[],
): Promise<Set<string> | null> {
  if (!usesGraphql(octokit)) return null
  const found = new Set<string>()
  const unique = [...new Set(oids)]
  for (let i = 0; i < unique.length; i += OBJECTS_PER_QUERY) {
    const batch = unique.slice(i, i + OBJECTS_PER_QUERY)
    const variables: Record<string, string> = { owner: coords.owner, name: coords.repo }
    const declarations = ['$owner: String!', '$name: String!']
    const fields = batch.map((oid, j) => {
      variables[`v${j}`] = oid
      declarations.push(`$v${j}: GitObjectID!`)
      return `o${j}: object(oid: $v${j}) { oid }`
    })
    const data = await octokit.graphql<{ repository: Record<string, { oid: string } | null> | null }>(
      `query(${declarations.join(', ')}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } }`,
      variables,
    )
    batch.forEach((oid, j) => {
      if (data.repository?.[`o${j}`]?.oid === oid) found.add(oid)
    })
  }
  return found
}
