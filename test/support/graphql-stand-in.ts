/**
 * GitHub's GraphQL API, as far as Gittrix reads it, over the Git Data API stand-in's bare repository:
 * every query is parsed and validated against GitHub's published schema (`@octokit/graphql-schema`,
 * built with `graphql`'s `buildClientSchema`), so a query GitHub would refuse (an unknown field or
 * argument, a wrong variable type, a fragment on the wrong type) is refused here too, as GitHub does:
 * HTTP 200 with `errors` and no `data`. Valid queries execute with resolvers for the fields served:
 *
 * - `repository(owner:, name:)` (`null` for another repository, with a `NOT_FOUND` error as GitHub);
 * - `Repository.object(oid:)` / `object(expression:)`: the object `git rev-parse` finds, or `null`;
 * - `Commit { oid tree file(path:) }`, `Tree { oid entries }`, `Blob { oid byteSize text isBinary isTruncated }`
 *   (`text` is `null` for binary content, never truncated here);
 * - `object(expression: "<rev>:<path>")` resolves like `git rev-parse` (a ref, then a path in its tree);
 * - `TreeEntry { name type mode oid path size }`: `mode` is the octal git mode read as a number
 *   (100644 → 33188), as GitHub answers it;
 * - `Repository.id` (the stand-in's node id) and the mutation `updateRefs(input: { repositoryId,
 *   refUpdates })`: every update applied in one git transaction or none, `beforeOid` checked
 *   (`0000…` = must not exist), a non-fast-forward update refused unless `force`
 *   (https://docs.github.com/graphql/reference/mutations#updaterefs).
 *
 * A selected field without a resolver fails the query (`errors`), so a test notices the stand-in does
 * not serve it instead of reading `null`. GitHub's documented limits are checked before executing:
 * `first`/`last` between 1 and 100 on every connection and at most 500,000 nodes
 * (https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api); the
 * queries Gittrix sends use no connection.
 */
import { readFileSync } from 'node:fs'
import {
  buildClientSchema,
  execute,
  type GraphQLSchema,
  type IntrospectionQuery,
  Kind,
  parse,
  type DocumentNode,
  validate,
  visit,
} from 'graphql'

/** What the resolvers need from the repository. */
export interface GraphqlRepository {
  owner: string
  name: string
  /** `git rev-parse --verify <rev>` → object id, or `null`. */
  resolve(rev: string): string | null
  /** `git cat-file -t`, or `null` when absent. */
  typeOf(oid: string): string | null
  /** A commit's root tree id. */
  commitTree(oid: string): string
  /** One tree level: `git ls-tree -l` entries. */
  treeEntries(
    oid: string,
  ): Array<{ mode: string; type: string; oid: string; name: string; size: number | null }>
  /** A blob's size in bytes. */
  blobSize(oid: string): number
  /** A blob's bytes. */
  blobBytes(oid: string): Buffer
  /**
   * Applies every update atomically or none; throws an Error saying why (a `beforeOid` that does not
   * match, a non-fast-forward update without `force`, an unknown object).
   */
  updateRefs(updates: ReadonlyArray<RefUpdateInput>): void
}

/** One `RefUpdate` of the `updateRefs` mutation's input, as GitHub's schema spells it. */
export interface RefUpdateInput {
  name: string
  afterOid: string
  beforeOid?: string | null
  force?: boolean | null
}

/**
 * A ref update `updateRefs` refuses because of the repository's state (a `beforeOid` that no longer
 * matches, a non-fast-forward update): answered with `type: UNPROCESSABLE`, an expected answer a
 * caller handles, not a malformed query (openapi-validate.ts records no violation for it).
 */
export class RefUpdateRejected extends Error {}

/** The stand-in repository's node id (`Repository.id`). */
export const STAND_IN_REPOSITORY_ID = 'R_kgDOStandIn'

/** A GraphQL answer as GitHub sends it (HTTP 200 either way). */
export interface GraphqlAnswer {
  data?: unknown
  errors?: Array<{ message: string; type?: string; path?: readonly (string | number)[] }>
}

const SCHEMA_KEY = Symbol.for('gittrix.test.github-graphql-schema')

/** GitHub's public GraphQL schema, built once per process. */
export function githubGraphqlSchema(): GraphQLSchema {
  const cache = globalThis as unknown as Record<symbol, GraphQLSchema | undefined>
  const cached = cache[SCHEMA_KEY]
  if (cached) return cached
  // The package exports only its index; the schema lies beside it.
  const file = new URL('./schema.json', import.meta.resolve('@octokit/graphql-schema'))
  const schema = buildClientSchema(JSON.parse(readFileSync(file, 'utf8')) as IntrospectionQuery)
  cache[SCHEMA_KEY] = schema
  return schema
}

const MAX_NODES = 500_000

/**
 * Answers one `POST /graphql` body (`{ query, variables }`) over `repo`: validation errors as GitHub
 * reports them, else the executed result.
 */
export function answerGraphql(repo: GraphqlRepository, body: unknown): GraphqlAnswer {
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> }
  if (typeof query !== 'string')
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }
  let document: DocumentNode
  try {
    document = parse(query)
  } catch (error) {
    return { errors: [{ message: (error as Error).message, type: 'PARSE_ERROR' }] }
  }
  const schema = githubGraphqlSchema()
  const invalid = validate(schema, document)
  if (invalid.length) return { errors: invalid.map((e) => ({ message: e.message })) }
  const limits = nodeLimitProblems(document, variables ?? {})
  if (limits.length)
    return { errors: limits.map((message) => ({ message, type: 'MAX_NODE_LIMIT_EXCEEDED' })) }
  const result = execute({
    schema,
    document,
    variableValues: variables ?? {},
    rootValue: {
      repository: (args: { owner: string; name: string }) => repositoryObject(repo, args),
      updateRefs: (args: {
        input: {
          repositoryId: string
          refUpdates: Array<{
            name: string
            afterOid: string
            beforeOid?: string | null
            force?: boolean | null
          }>
        }
      }) => {
        if (args.input.repositoryId !== STAND_IN_REPOSITORY_ID)
          throw new Error(`Could not resolve to a node with the global id of '${args.input.repositoryId}'`)
        repo.updateRefs(args.input.refUpdates)
        return { clientMutationId: null }
      },
    },
    fieldResolver: strictResolver,
  }) as {
    data?: unknown
    errors?: readonly { message: string; path?: readonly (string | number)[]; originalError?: unknown }[]
  }
  if ('then' in result) throw new Error('graphql stand-in: resolvers are synchronous')
  const errors = (result.errors ?? []).map((e) => ({
    message: e.message,
    ...(e.originalError instanceof RefUpdateRejected ? { type: 'UNPROCESSABLE' } : {}),
    ...(e.path ? { path: e.path } : {}),
  }))
  return { data: result.data ?? null, ...(errors.length ? { errors } : {}) }
}

/** A field resolver that refuses fields the stand-in does not serve instead of answering `null`. */
function strictResolver(
  source: unknown,
  args: unknown,
  _context: unknown,
  info: { fieldName: string; parentType: { name: string } },
): unknown {
  if (info.fieldName === '__typename') return info.parentType.name
  const value = (source as Record<string, unknown>)[info.fieldName]
  if (value === undefined)
    throw new Error(`graphql stand-in: ${info.parentType.name}.${info.fieldName} is not served`)
  return typeof value === 'function' ? (value as (a: unknown) => unknown)(args) : value
}

function repositoryObject(repo: GraphqlRepository, args: { owner: string; name: string }): unknown {
  if (args.owner !== repo.owner || args.name !== repo.name)
    throw new Error(`Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`)
  return {
    __typename: 'Repository',
    id: STAND_IN_REPOSITORY_ID,
    name: repo.name,
    nameWithOwner: `${repo.owner}/${repo.name}`,
    object: (a: { oid?: string; expression?: string }) => {
      const rev = a.oid ?? a.expression
      const oid = rev ? repo.resolve(rev) : null
      return oid ? gitObject(repo, oid) : null
    },
  }
}

function gitObject(repo: GraphqlRepository, oid: string): unknown {
  const type = repo.typeOf(oid)
  if (type === 'commit')
    return {
      __typename: 'Commit',
      oid,
      abbreviatedOid: oid.slice(0, 7),
      tree: () => gitObject(repo, repo.commitTree(oid)),
      file: (a: { path: string }) => fileEntry(repo, repo.commitTree(oid), a.path),
    }
  if (type === 'tree')
    return {
      __typename: 'Tree',
      oid,
      abbreviatedOid: oid.slice(0, 7),
      entries: () =>
        repo.treeEntries(oid).map((e) => ({
          name: e.name,
          path: e.name,
          type: e.type,
          oid: e.oid,
          mode: parseInt(e.mode, 8),
          size: e.size ?? 0,
        })),
    }
  if (type === 'blob')
    return {
      __typename: 'Blob',
      oid,
      abbreviatedOid: oid.slice(0, 7),
      byteSize: repo.blobSize(oid),
      // GitHub answers `text: null` for binary content (`isBinary`); these blobs are never cut here.
      text: () => {
        const bytes = repo.blobBytes(oid)
        return bytes.includes(0) ? null : bytes.toString('utf8')
      },
      isBinary: () => repo.blobBytes(oid).includes(0),
      isTruncated: false,
    }
  return null
}

/** `Commit.file(path:)`: the entry at `path` below `tree` (any type), or `null` when there is none. */
function fileEntry(repo: GraphqlRepository, tree: string, path: string): unknown {
  const names = path.split('/')
  let dir: string | null = tree
  for (const [i, name] of names.entries()) {
    const entry: ReturnType<GraphqlRepository['treeEntries']>[number] | undefined =
      dir === null ? undefined : repo.treeEntries(dir).find((e) => e.name === name)
    if (!entry) return null
    if (i === names.length - 1)
      return {
        name: entry.name,
        path,
        type: entry.type,
        oid: entry.oid,
        mode: parseInt(entry.mode, 8),
        size: entry.size ?? 0,
      }
    dir = entry.type === 'tree' ? entry.oid : null
  }
  return null
}

/**
 * GitHub's node limit rules: every connection field (a type named `…Connection`) needs `first` or
 * `last` within 1–100, and the product of those along each path, summed, stays ≤ 500,000.
 */
function nodeLimitProblems(document: DocumentNode, variables: Record<string, unknown>): string[] {
  const problems: string[] = []
  let total = 0
  const multipliers: number[] = [1]
  visit(document, {
    Field: {
      enter(node) {
        // Connections are recognised by name: the argument `first`/`last` appears on them only.
        const args = new Map(
          (node.arguments ?? []).map((a) => [
            a.name.value,
            a.value.kind === Kind.INT
              ? Number(a.value.value)
              : a.value.kind === Kind.VARIABLE
                ? Number(variables[a.value.name.value])
                : NaN,
          ]),
        )
        const connection = node.selectionSet?.selections.some(
          (s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'nodes'),
        )
        if (!connection) {
          multipliers.push(multipliers.at(-1)!)
          return
        }
        const size = args.get('first') ?? args.get('last')
        if (size === undefined || !(size >= 1 && size <= 100))
          problems.push(
            `You must provide a \`first\` or \`last\` value (1–100) to properly paginate the \`${node.name.value}\` connection.`,
          )
        const nodes = multipliers.at(-1)! * (size ?? 100)
        total += nodes
        multipliers.push(nodes)
      },
      leave() {
        multipliers.pop()
      },
    },
  })
  if (total > MAX_NODES)
    problems.push(
      `This query requests up to ${total} possible nodes which exceeds the maximum limit of ${MAX_NODES}.`,
    )
  return problems
}
