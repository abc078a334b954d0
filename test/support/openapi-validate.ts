/**
 * One request through a stand-in handler, checked against GitHub's OpenAPI description
 * (`@octokit/openapi`) on the way in and on the way out: the route must exist, the query and JSON body
 * must fit the operation, and a JSON answer must be a declared status with a body matching its schema.
 * Used by the nock mount of the Git Data API stand-in (git-data-api.ts) and by the loopback GitHub's
 * HTTP server (loopback-github.ts), so both refuse exactly the same things.
 */
import type { ApiReply, ApiRequest } from './git-data-api.ts'
import { loadGitHubOpenApi } from './github-openapi.ts'

const DOCS = 'https://docs.github.com/rest'

/** Anything that answers {@link ApiRequest}s. */
export interface ApiHandler {
  handle(request: ApiRequest): Promise<ApiReply>
}

/**
 * Answers `request` with `handler` when it fits GitHub's description, and checks the answer. A
 * request or answer that does not fit is recorded in `violations` (prefixed with `label`) and
 * answered `400 {"message": …}`, so the code under test fails there and then.
 */
export async function validatedAnswer(
  handler: ApiHandler,
  request: Required<Pick<ApiRequest, 'method' | 'path'>> & ApiRequest,
  violations: string[],
  label = 'github-openapi stand-in',
): Promise<ApiReply> {
  const openapi = loadGitHubOpenApi()
  const { method, path } = request
  const reject = (message: string): ApiReply => {
    violations.push(message)
    return { status: 400, body: { message, documentation_url: DOCS } }
  }
  if (method === 'POST' && path === '/graphql') return graphqlAnswer(handler, request, violations, label)
  let op: ReturnType<typeof openapi.match>['operation']
  try {
    op = openapi.match(method, path).operation
  } catch (error) {
    return reject(`${label}: ${method} ${path}: ${(error as Error).message}`)
  }
  const problems = [
    ...openapi.checkQuery(op, request.query ?? {}).map((p) => `query: ${p}`),
    ...openapi.checkRequestBody(op, request.body).map((p) => `request body: ${p}`),
  ]
  if (problems.length)
    return reject(`${label}: ${method} ${path} (${op.operationId}):\n  ${problems.join('\n  ')}`)
  let reply: ApiReply
  try {
    reply = await handler.handle(request)
  } catch (error) {
    return reject(`${label}: handler threw on ${method} ${path}: ${(error as Error).stack}`)
  }
  // A raw media-type answer (`Accept: application/vnd.github.raw`, e.g. repository contents for
  // Probot's `context.config`) is not JSON; the JSON schema does not apply.
  const contentType = reply.headers?.['content-type'] ?? ''
  const replyProblems =
    contentType && !/json/i.test(contentType) ? [] : openapi.checkResponse(op, reply.status, reply.body)
  if (replyProblems.length)
    return reject(
      `${label}: reply ${reply.status} to ${method} ${path} (${op.operationId}):\n  ${replyProblems.join('\n  ')}`,
    )
  return reply
}

/**
 * `POST /graphql`: not part of the REST description. The handler validates the query against GitHub's
 * GraphQL schema (graphql-stand-in.ts) and answers as GitHub does (200 with `errors`); any `errors` in
 * the answer are recorded as violations here too, so code that would fall back on such an answer still
 * fails its test.
 */
async function graphqlAnswer(
  handler: ApiHandler,
  request: Required<Pick<ApiRequest, 'method' | 'path'>> & ApiRequest,
  violations: string[],
  label: string,
): Promise<ApiReply> {
  let reply: ApiReply
  try {
    reply = await handler.handle(request)
  } catch (error) {
    violations.push(`${label}: handler threw on POST /graphql: ${(error as Error).stack}`)
    return { status: 400, body: { message: (error as Error).message, documentation_url: DOCS } }
  }
  const errors = (reply.body as { errors?: Array<{ message: string; type?: string }> } | undefined)?.errors
  // UNPROCESSABLE: the data refused (a ref update that lost its compare-and-swap), not the query.
  if (reply.status === 200 && errors?.length && !errors.every((e) => e.type === 'UNPROCESSABLE'))
    violations.push(`${label}: POST /graphql refused:\n  ${errors.map((e) => e.message).join('\n  ')}`)
  return reply
}
