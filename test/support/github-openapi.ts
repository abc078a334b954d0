/**
 * GitHub's REST API description (`@octokit/openapi`, api.github.com, OpenAPI 3.0) as a test oracle:
 * which operations exist (method + path template), what request bodies they accept and what each
 * answer looks like. Used by `github-nock.ts` so a mock cannot invent or misshape an endpoint.
 *
 * Loading: only `generated/api.github.com.json` (13 MB) is read — never the package's `index.js`,
 * which `require`s every description including the 73 MB dereferenced ones. It is parsed once per
 * process (cached on `globalThis`, so it survives vitest's per-file module reset when a worker is
 * reused) and indexed by method + template. JSON Schema validators are compiled lazily per
 * (operation, status) and cached.
 *
 * OpenAPI 3.0 → JSON Schema: `nullable: true` becomes `type: [T, 'null']` (plus `null` in `enum`), or
 * `anyOf: [schema, { type: 'null' }]` where the schema has no plain type; `$ref`s into
 * `#/components/schemas/<name>` point at that schema registered with Ajv on first use. Validation uses Ajv (draft-07) with
 * ajv-formats; GitHub's non-standard formats (`uri-template`, `int64`, `repo.nwo`, …) are accepted
 * as annotations. `discriminator` is ignored (Ajv non-strict), which only loosens `oneOf` checks.
 */

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

/** HTTP methods an OpenAPI path item can hold. */
export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

type Json = unknown
type JsonObject = Record<string, Json>

/** One operation of GitHub's REST API. */
export interface GitHubOperation {
  method: HttpMethod
  /** Path template as in the description, e.g. `/repos/{owner}/{repo}/git/refs/{ref}`. */
  template: string
  /** e.g. `git/update-ref`. */
  operationId: string
  /** Names of the template's path parameters, in order. */
  pathParams: string[]
  /** Query parameter names the operation declares. */
  queryParams: Set<string>
  /** Query parameters the operation requires. */
  requiredQuery: string[]
  /** The raw operation object from the description. */
  raw: JsonObject
}

/** A concrete request path resolved to an operation. */
export interface OperationMatch {
  operation: GitHubOperation
  /** Decoded path parameter values. */
  params: Record<string, string>
}

interface Template {
  template: string
  literalCount: number
  segmentCount: number
  /** Matches the raw (still percent-encoded) path. */
  strict: RegExp
  /** Like `strict`, but the last parameter may contain `/` (only for {@link SLASHY_PARAMS}). */
  greedy?: RegExp
  params: string[]
  methods: Map<HttpMethod, GitHubOperation>
}

/**
 * Last-segment parameters whose values legitimately contain `/` when a test writes the path decoded:
 * `ref` (`heads/gittrix/x`), `path` (contents), `branch`, `basehead` (`main...gittrix/x`), `name`
 * (environments, e.g. `prod/eu`). Octokit itself sends `%2F`, which matches the strict form.
 */
const SLASHY_PARAMS = new Set(['ref', 'path', 'branch', 'basehead', 'name', 'environment_name'])

/** `$id` prefix under which component schemas are registered with Ajv (`<prefix><name>`). */
const SCHEMA_ID_PREFIX = 'https://gittrix.invalid/github-openapi/schemas/'

/** The loaded, indexed description plus validators. Obtain it with {@link loadGitHubOpenApi}. */
export interface GitHubOpenApi {
  /** Milliseconds spent reading, parsing and indexing (0 when served from the cache). */
  readonly loadMs: number
  /** Version of `@octokit/openapi` and the description's `info.version`. */
  readonly version: string
  /** Every operation, keyed `"METHOD /template"`. */
  readonly operations: ReadonlyMap<string, GitHubOperation>
  /**
   * Resolves `"METHOD /template"` exactly. Throws an `Error` explaining what is wrong: no such
   * template (with the closest ones), or the template exists without that method (with those it has).
   */
  operation(method: string, template: string): GitHubOperation
  /**
   * Resolves a concrete path (relative to the API root, query string ignored; `%2F` or `/` inside
   * `ref`-like last parameters both work). Throws like {@link GitHubOpenApi.operation}.
   */
  match(method: string, path: string): OperationMatch
  /** Problems with a request body for `op` (empty when valid). `body` is parsed JSON or `undefined`. */
  checkRequestBody(op: GitHubOperation, body: unknown): string[]
  /** Problems with query parameters (unknown names, missing required ones). */
  checkQuery(op: GitHubOperation, query: Record<string, unknown>): string[]
  /**
   * Problems with an answer (empty when valid): the status must be declared for `op` (or be one of
   * the cross-cutting {@link UNIVERSAL_STATUSES} unless `strictStatus`), and the body must match the
   * declared JSON schema; a status declared without content must have no body.
   */
  checkResponse(
    op: GitHubOperation,
    status: number,
    body: unknown,
    options?: { strictStatus?: boolean },
  ): string[]
  /** The description's example answer for `op` and `status` (deep copy), or `undefined` if none. */
  example(op: GitHubOperation, status?: number): unknown
}

/**
 * Statuses GitHub may answer on any operation whether or not the description lists them:
 * 401 (bad credentials), 403/429 (rate limits, permissions), 5xx (server trouble).
 */
export const UNIVERSAL_STATUSES: ReadonlySet<number> = new Set([401, 403, 429, 500, 502, 503, 504])

/**
 * Checks stricter than GitHub's description, for facts its schema does not encode. Each names its
 * source; those marked (inference) are this project's reading, not a documented rule.
 */
const EXTRA_REQUEST_RULES: Record<string, (body: unknown) => string[]> = {
  'git/create-tree': (body) => {
    const problems: string[] = []
    const tree = (body as { tree?: unknown } | undefined)?.tree
    if (!Array.isArray(tree)) return problems
    tree.forEach((entry, i) => {
      if (typeof entry !== 'object' || entry === null) return
      const e = entry as Record<string, unknown>
      // "Use either tree.sha or content … Using both tree.sha and content will return an error."
      // (the description of `tree[].sha` / `tree[].content`, REST git trees "Create a tree").
      if (e.sha !== undefined && e.content !== undefined) {
        problems.push(`/tree/${i} has both sha and content (GitHub: "Using both … will return an error")`)
      }
      // An entry names a path, a mode and a type; the schema marks none required (inference: an
      // entry without them cannot be placed in a tree; this project never sends one).
      for (const key of ['path', 'mode', 'type']) {
        if (e[key] === undefined) {
          problems.push(
            `/tree/${i} must have required property '${key}' (gittrix rule, stricter than the schema)`,
          )
        }
      }
    })
    return problems
  },
}

const CACHE_KEY = Symbol.for('gittrix.test.github-openapi')

/**
 * Returns the indexed description, loading it on first use (≈0.5 s: read + `JSON.parse` of 13 MB +
 * indexing). Later calls in the same process return the same object.
 */
export function loadGitHubOpenApi(): GitHubOpenApi {
  const cache = globalThis as unknown as Record<symbol, GitHubOpenApi | undefined>
  const cached = cache[CACHE_KEY]
  if (cached) return cached
  const api = build()
  cache[CACHE_KEY] = api
  return api
}

function build(): GitHubOpenApi {
  const started = performance.now()
  const require = createRequire(import.meta.url)
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json')
  const pkg = require('@octokit/openapi/package.json') as { version: string }
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    info: { version: string }
    paths: Record<string, JsonObject>
    components: Record<string, Record<string, JsonObject>>
  }
  const components = doc.components

  const operations = new Map<string, GitHubOperation>()
  const templates: Template[] = []
  const byTemplate = new Map<string, Template>()
  for (const [template, item] of Object.entries(doc.paths)) {
    const params = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string)
    const segments = template.split('/').slice(1)
    const toRegex = (greedyLast: boolean) =>
      new RegExp(
        `^${segments
          .map((segment, i) => {
            const last = i === segments.length - 1
            return segment
              .split(/(\{[^}]+\})/)
              .map((part) =>
                /^\{[^}]+\}$/.test(part)
                  ? greedyLast && last
                    ? '(.+)'
                    : '([^/]+)'
                  : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
              )
              .join('')
          })
          .map((s) => `/${s}`)
          .join('')}$`,
      )
    const lastParam = /^\{([^}]+)\}$/.exec(segments[segments.length - 1] ?? '')?.[1]
    const entry: Template = {
      template,
      params,
      segmentCount: segments.length,
      literalCount: segments.filter((s) => !s.includes('{')).length,
      strict: toRegex(false),
      ...(lastParam && SLASHY_PARAMS.has(lastParam) ? { greedy: toRegex(true) } : {}),
      methods: new Map(),
    }
    const sharedParams = (item.parameters as JsonObject[] | undefined) ?? []
    for (const [key, value] of Object.entries(item)) {
      const method = key.toUpperCase() as HttpMethod
      if (!HTTP_METHODS.includes(method)) continue
      const raw = value as JsonObject
      const declared = [...sharedParams, ...((raw.parameters as JsonObject[] | undefined) ?? [])].map(
        (p) => resolveRef(doc, p) as { name: string; in: string; required?: boolean },
      )
      const query = declared.filter((p) => p.in === 'query')
      const op: GitHubOperation = {
        method,
        template,
        operationId: String(raw.operationId),
        pathParams: params,
        queryParams: new Set(query.map((p) => p.name)),
        requiredQuery: query.filter((p) => p.required).map((p) => p.name),
        raw,
      }
      entry.methods.set(method, op)
      operations.set(`${method} ${template}`, op)
    }
    templates.push(entry)
    byTemplate.set(template, entry)
  }
  // Most specific first: more literal segments win (`/git/matching-refs/{ref}` over nothing, etc.).
  templates.sort((a, b) => b.literalCount - a.literalCount || a.template.localeCompare(b.template))

  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
  addFormats(ajv)
  for (const format of ['uri-template', 'int64', 'int32', 'double', 'float', 'repo.nwo', 'binary', 'byte']) {
    ajv.addFormat(format, true)
  }

  // Component schemas are converted and handed to Ajv only when a validator needs them (the
  // transitive closure of its $refs): converting all ~1,000 up front costs about a second.
  const added = new Set<string>()
  const ensureSchemas = (names: Iterable<string>) => {
    const queue = [...names]
    while (queue.length) {
      const name = queue.pop() as string
      if (added.has(name)) continue
      added.add(name)
      const source = components.schemas?.[name]
      if (!source) throw new Error(`@octokit/openapi: dangling $ref #/components/schemas/${name}`)
      const refs = new Set<string>()
      const converted = convertSchema(source, refs) as JsonObject
      ajv.addSchema({ ...converted, $id: SCHEMA_ID_PREFIX + encodeURIComponent(name) })
      queue.push(...refs)
    }
  }

  const validators = new Map<string, ValidateFunction>()
  const validator = (key: string, schema: Json): ValidateFunction => {
    let fn = validators.get(key)
    if (!fn) {
      const refs = new Set<string>()
      const converted = convertSchema(schema, refs) as object
      ensureSchemas(refs)
      fn = ajv.compile(converted)
      validators.set(key, fn)
    }
    return fn
  }

  const describeTemplate = (t: Template) => [...t.methods.keys()].map((m) => `${m} ${t.template}`).join(', ')

  const closest = (method: string, path: string): string => {
    const segs = path.split('/').slice(1)
    let best: Template[] = []
    let bestScore = -1
    for (const t of templates) {
      const tsegs = t.template.split('/').slice(1)
      let score = 0
      while (
        score < Math.min(segs.length, tsegs.length) &&
        (tsegs[score] === segs[score] || /^\{[^}]+\}$/.test(tsegs[score] ?? ''))
      ) {
        score++
      }
      if (score > bestScore) {
        bestScore = score
        best = [t]
      } else if (score === bestScore) best.push(t)
    }
    const sameLength = best.filter((t) => t.segmentCount === segs.length)
    const pick = (sameLength.length ? sameLength : best)
      .filter((t) => t.methods.has(method as HttpMethod) || best.length <= 6)
      .slice(0, 6)
    return pick.length ? ` Closest: ${pick.map((t) => `${method} ${t.template}`).join(', ')}.` : ''
  }

  const noMethod = (method: string, t: Template, shown: string) =>
    new Error(
      `GitHub's REST API has no ${method} ${shown}: ${t.template} exists only as ${describeTemplate(t)} ` +
        `(@octokit/openapi ${pkg.version}).`,
    )

  const api: GitHubOpenApi = {
    loadMs: 0,
    version: `${pkg.version} (${doc.info.version})`,
    operations,

    operation(method, template) {
      const m = method.toUpperCase()
      const t = byTemplate.get(template)
      if (!t) {
        throw new Error(
          `GitHub's REST API has no path ${template} (@octokit/openapi ${pkg.version}).${closest(m, template)}`,
        )
      }
      const op = t.methods.get(m as HttpMethod)
      if (!op) throw noMethod(m, t, template)
      return op
    },

    match(method, rawPath) {
      const m = method.toUpperCase()
      const path = rawPath.split('?')[0] as string
      let pathOnly: Template | undefined
      for (const pass of ['strict', 'greedy'] as const) {
        for (const t of templates) {
          const regex = pass === 'strict' ? t.strict : t.greedy
          const found = regex?.exec(path)
          if (!found) continue
          const op = t.methods.get(m as HttpMethod)
          if (!op) {
            pathOnly ??= t
            continue
          }
          const params: Record<string, string> = {}
          t.params.forEach((name, i) => {
            params[name] = safeDecode(found[i + 1] as string)
          })
          return { operation: op, params }
        }
      }
      if (pathOnly) throw noMethod(m, pathOnly, path)
      throw new Error(
        `GitHub's REST API has no operation matching ${m} ${path} (@octokit/openapi ${pkg.version}).${closest(m, path)}`,
      )
    },

    checkRequestBody(op, body) {
      const requestBody = op.raw.requestBody
        ? (resolveRef(doc, op.raw.requestBody as JsonObject) as JsonObject)
        : undefined
      const empty = body === undefined || body === null || body === ''
      if (!requestBody) {
        if (!empty && !(typeof body === 'object' && Object.keys(body as object).length === 0)) {
          return [`${op.method} ${op.template} takes no request body, got ${preview(body)}`]
        }
        return []
      }
      if (empty) {
        return requestBody.required ? [`${op.method} ${op.template} requires a request body`] : []
      }
      const content = requestBody.content as Record<string, { schema?: Json }> | undefined
      const json = content && Object.entries(content).find(([type]) => /json/i.test(type))?.[1]
      if (!json?.schema) return [] // text/plain, octet-stream: nothing to check as JSON
      const validate = validator(`${op.method} ${op.template} request`, json.schema)
      const problems = validate(body) ? [] : formatErrors(validate.errors)
      const extra = EXTRA_REQUEST_RULES[op.operationId]
      return extra ? [...problems, ...extra(body)] : problems
    },

    checkQuery(op, query) {
      const problems: string[] = []
      for (const name of Object.keys(query)) {
        if (!op.queryParams.has(name)) {
          const known = [...op.queryParams].join(', ') || 'none'
          problems.push(`unknown query parameter '${name}' (declared: ${known})`)
        }
      }
      for (const name of op.requiredQuery) {
        if (!(name in query)) problems.push(`missing required query parameter '${name}'`)
      }
      return problems
    },

    checkResponse(op, status, body, options = {}) {
      const responses = (op.raw.responses ?? {}) as Record<string, JsonObject>
      const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default
      if (!declared) {
        if (!options.strictStatus && UNIVERSAL_STATUSES.has(status)) return []
        return [
          `${op.method} ${op.template} does not answer ${status}; declared: ${Object.keys(responses).join(', ')}`,
        ]
      }
      const response = resolveRef(doc, declared) as JsonObject
      const content = response.content as Record<string, { schema?: Json }> | undefined
      const hasBody = !(body === undefined || body === null || body === '')
      if (!content) {
        return hasBody
          ? [`${op.method} ${op.template} answers ${status} without a body, got ${preview(body)}`]
          : []
      }
      const json = Object.entries(content).find(([type]) => /json/i.test(type))?.[1]
      if (!json?.schema) return []
      const validate = validator(`${op.method} ${op.template} ${status}`, json.schema)
      return validate(body) ? [] : formatErrors(validate.errors)
    },

    example(op, status) {
      const responses = (op.raw.responses ?? {}) as Record<string, JsonObject>
      const key = status === undefined ? Object.keys(responses).find((s) => /^2/.test(s)) : String(status)
      const declared = key ? responses[key] : undefined
      if (!declared) return undefined
      const content = (resolveRef(doc, declared) as JsonObject).content as
        Record<string, { example?: Json; examples?: Record<string, JsonObject> }> | undefined
      const json = content && Object.entries(content).find(([type]) => /json/i.test(type))?.[1]
      if (!json) return undefined
      if (json.example !== undefined) return structuredClone(json.example)
      const first = json.examples && Object.values(json.examples)[0]
      if (!first) return undefined
      const resolved = resolveRef(doc, first) as { value?: Json }
      return resolved.value === undefined ? undefined : structuredClone(resolved.value)
    },
  }
  ;(api as { loadMs: number }).loadMs = Math.round(performance.now() - started)
  return api
}

/** Follows a local `$ref` (`#/components/...`) in the description; other objects are returned as is. */
function resolveRef(doc: unknown, value: JsonObject): JsonObject {
  let current = value
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
    const parts = (current.$ref as string).replace(/^#\//, '').split('/')
    let target: unknown = doc
    for (const part of parts) target = (target as JsonObject)[part.replace(/~1/g, '/').replace(/~0/g, '~')]
    if (!target) throw new Error(`@octokit/openapi: dangling $ref ${current.$ref}`)
    current = target as JsonObject
  }
  return current
}

const COMPOSITIONS = ['allOf', 'anyOf', 'oneOf', 'not', '$ref']

/**
 * OpenAPI 3.0 schema → JSON Schema (draft-07) for Ajv; see the module comment. Names of the component
 * schemas it references are added to `refs`.
 */
function convertSchema(schema: Json, refs: Set<string>): Json {
  if (Array.isArray(schema)) return schema.map((s) => convertSchema(s, refs))
  if (typeof schema !== 'object' || schema === null) return schema
  const s = schema as JsonObject
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(s)) {
    switch (key) {
      case 'nullable':
      case 'example':
      case 'examples':
      case 'discriminator':
      case 'xml':
      case 'externalDocs':
        break
      case '$ref': {
        const name = /^#\/components\/schemas\/(.+)$/.exec(String(value))?.[1]
        if (!name) throw new Error(`@octokit/openapi: unexpected schema $ref ${String(value)}`)
        refs.add(name)
        out.$ref = SCHEMA_ID_PREFIX + encodeURIComponent(name)
        break
      }
      case 'properties':
      case 'patternProperties': {
        const props: JsonObject = {}
        for (const [name, sub] of Object.entries(value as JsonObject)) props[name] = convertSchema(sub, refs)
        out[key] = props
        break
      }
      case 'items':
      case 'additionalProperties':
      case 'not':
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = typeof value === 'object' ? convertSchema(value, refs) : value
        break
      default:
        if (!key.startsWith('x-')) out[key] = value
    }
  }
  if (s.nullable !== true) return out
  const hasComposition = COMPOSITIONS.some((k) => k in s)
  if (typeof out.type === 'string' && !hasComposition) {
    out.type = [out.type, 'null']
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
    return out
  }
  const { description, title, ...rest } = out
  return {
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    anyOf: [rest, { type: 'null' }],
  }
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  if (!errors?.length) return []
  const lines = new Set<string>()
  // `anyOf` branches added for `nullable` report "must be null"; they only repeat the real error.
  for (const e of errors) {
    if (e.keyword === 'anyOf' || (e.keyword === 'type' && (e.params as { type?: string }).type === 'null'))
      continue
    const where = e.instancePath || '(root)'
    let detail = e.message ?? e.keyword
    if (e.keyword === 'additionalProperties') {
      detail += ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
    } else if (e.keyword === 'enum') {
      detail += `: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
    }
    lines.add(`${where} ${detail}`)
  }
  if (!lines.size)
    for (const e of errors) lines.add(`${e.instancePath || '(root)'} ${e.message ?? e.keyword}`)
  const list = [...lines]
  return list.length > 12 ? [...list.slice(0, 12), `… and ${list.length - 12} more`] : list
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
