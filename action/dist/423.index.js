export const id = 423;
export const ids = [423];
export const modules = {

/***/ 5423:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createGitHubClient: () => (/* binding */ createGitHubClient)
/* harmony export */ });
/* unused harmony exports GITHUB_COM_API_URL, resolveGitHubApiUrl, gitHubRequestPolicy */
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9735);
/* harmony import */ var _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6856);
/* harmony import */ var _octokit_rest__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9988);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4584);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(bottleneck__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _git_redact_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8579);
/**
 * The one place that builds an Octokit for Gittrix. Retry and throttling policy live here so every
 * GitHub caller (durable adapter, branch ephemeral adapter, Action, CLI) behaves the same way.
 *
 * Policy, and why:
 * - `@octokit/plugin-retry` retries 5xx answers and network failures (Octokit reports those as
 *   status 500) a bounded number of times with quadratic backoff. Every 4xx is in `doNotRetry`:
 *   a 4xx means the request itself is wrong, or (403/429) a rate limit, which the throttling plugin
 *   owns. Listing 429 there follows peter-evans/create-pull-request `src/octokit-client.ts`
 *   ("429 is handled by the throttling plugin"); without it both plugins would retry the same answer.
 * - `@octokit/plugin-throttling` retries primary rate limits (403/429 with `x-ratelimit-remaining: 0`,
 *   wait until `x-ratelimit-reset`) and secondary rate limits (403/429 whose message contains
 *   "secondary rate", wait `retry-after` seconds, else 60 s) at most `maxRetries` times, and never
 *   when the wait would exceed `maxRetryAfterSeconds`: a promotion should fail clearly rather than
 *   sleep for an hour. It also spaces content-creating requests (POST/PATCH/PUT/DELETE) 1 s apart,
 *   as GitHub's REST best practices ask. Detection rules: plugin-throttling `src/index.ts`.
 * - Retried writes are not always idempotent: a retried `POST /git/refs` may answer
 *   `422 Reference already exists`, a retried `POST /pulls` `422 A pull request already exists`.
 *   Callers that write treat those answers as "already done" where that is true.
 * - The token is registered with {@link registerSecret}; every error leaving the client and every log
 *   line is passed through {@link redact}. (nock's "No match for request" error, for one, prints the
 *   request headers, `authorization` included.)
 *
 * Sources: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api ,
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api ,
 * the Octokit setup of peter-evans/create-pull-request and changesets/action (docs/platform-facts.md#rate-limits).
 */





/**
 * Octokit from `@octokit/rest` with the retry and throttling plugins composed in. Typed as the plain
 * Octokit class: the plugins add behaviour, not API surface Gittrix uses, and the composed type cannot
 * be named in declaration files.
 */
const GitHubOctokit = _octokit_rest__WEBPACK_IMPORTED_MODULE_2__/* .Octokit */ .E.plugin(_octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_3__/* .retry */ .L, _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_4__/* .throttling */ .A);
/** The public REST API of GitHub.com; GitHub Enterprise Server uses `https://<host>/api/v3`. */
const GITHUB_COM_API_URL = 'https://api.github.com';
/**
 * Every 4xx status: the retry plugin retries any status ≥ 400 not listed here, and a 4xx is either a
 * wrong request (retrying cannot help) or a rate limit (403/429), which throttling owns.
 */
const DO_NOT_RETRY = Array.from({ length: 100 }, (_, i) => 400 + i);
const DEFAULT_LOG = {
    debug: () => { },
    info: () => { },
    warn: (message, ...rest) => console.warn(message, ...rest),
    error: (message, ...rest) => console.error(message, ...rest),
};
/**
 * The REST API root to use: `baseUrl` if given, else `env.GITHUB_API_URL` (set by GitHub Actions, also
 * on GitHub Enterprise Server runners), else https://api.github.com. Trailing slashes are dropped.
 * Throws an `Error` naming the offending value when it is not an https URL (plain http only to this
 * machine: a token must not cross the network in clear text).
 */
function resolveGitHubApiUrl(baseUrl, env = process.env) {
    const raw = baseUrl?.trim() || env.GITHUB_API_URL?.trim() || GITHUB_COM_API_URL;
    const source = baseUrl?.trim() ? 'baseUrl' : env.GITHUB_API_URL?.trim() ? 'GITHUB_API_URL' : 'default';
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        throw new Error(`[github] ${source} is not a URL: ${JSON.stringify((0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E)(raw))}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new Error(`[github] ${source} must be an http(s) URL, got ${JSON.stringify((0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E)(raw))}`);
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
        throw new Error(`[github] ${source} must be an https URL: the token would cross the network in clear text to ${JSON.stringify(url.host)}. Plain http is only for this machine (localhost, 127.0.0.1, [::1]).`);
    }
    return raw.replace(/\/+$/, '');
}
/** Whether `hostname` (as `URL` gives it) names this machine: `localhost`, 127.0.0.0/8 or `[::1]`. */
function isLoopbackHost(hostname) {
    return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
const spacingGroups = new Map();
/**
 * One spacing group per kind and interval, shared process-wide like plugin-throttling's own groups
 * (`write`: 1 s between content-creating requests; `notifications`: 3 s between writes that notify
 * people, such as comments and pull requests).
 */
function spacingGroup(kind, intervalMs) {
    const id = `gittrix-${kind}-${intervalMs}`;
    let group = spacingGroups.get(id);
    if (!group) {
        group = new (bottleneck__WEBPACK_IMPORTED_MODULE_0___default().Group)({ id, maxConcurrent: 1, minTime: intervalMs });
        spacingGroups.set(id, group);
    }
    return group;
}
function redactArg(value) {
    if (typeof value === 'string')
        return (0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E)(value);
    if (value instanceof Error)
        return redactError(value);
    return value;
}
function redactingLog(log) {
    const target = { ...DEFAULT_LOG, ...log };
    const wrap = (fn) => (message, ...rest) => fn((0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E)(String(message)), ...rest.map(redactArg));
    return {
        debug: wrap(target.debug.bind(target)),
        info: wrap(target.info.bind(target)),
        warn: wrap(target.warn.bind(target)),
        error: wrap(target.error.bind(target)),
    };
}
/** Redacts `message` and `stack` of an error and of its `cause` chain, in place; returns the error. */
function redactError(error) {
    let current = error;
    for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
        try {
            current.message = (0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E)(current.message);
            if (current.stack)
                current.stack = (0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E)(current.stack);
        }
        catch {
            // A frozen error cannot be rewritten; nothing else to do.
        }
        current = current.cause;
    }
    return error;
}
function describeRequest(options) {
    return `${options.method ?? 'GET'} ${options.url ?? ''}`;
}
/**
 * Gittrix's retry and throttling policy (this file's header says what and why) as Octokit constructor
 * options, for any Octokit class that composes `@octokit/plugin-retry` and `@octokit/plugin-throttling`:
 * {@link createGitHubClient}'s, and Probot's `ProbotOctokit` in the App (app/server.ts), so every GitHub
 * caller gives up on a long rate limit and never retries a 4xx. Rate-limit decisions are logged through
 * the Octokit instance's own `log`.
 */
function gitHubRequestPolicy(options = {}) {
    const retryOptions = options.retry ?? {};
    const throttle = options.throttle ?? {};
    const maxRetries = throttle.maxRetries ?? 2;
    const maxRetryAfterSeconds = throttle.maxRetryAfterSeconds ?? 120;
    /** Shared decision for both kinds of rate limit: bounded count, bounded wait. */
    const onLimit = (kind) => (retryAfter, request, octokit, retryCount) => {
        const what = `GitHub ${kind} rate limit on ${describeRequest(request)}`;
        if (retryCount >= maxRetries) {
            octokit.log.warn(`${what}: giving up after ${retryCount} ${retryCount === 1 ? 'retry' : 'retries'}`);
            return false;
        }
        if (retryAfter > maxRetryAfterSeconds) {
            octokit.log.warn(`${what}: it lifts in ${retryAfter} s, more than the ${maxRetryAfterSeconds} s allowed; giving up`);
            return false;
        }
        octokit.log.warn(`${what}: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries})`);
        return true;
    };
    return {
        retry: {
            enabled: retryOptions.enabled ?? true,
            retries: retryOptions.retries ?? 3,
            retryAfterBaseValue: retryOptions.retryAfterBaseMs ?? 1000,
            doNotRetry: [...DO_NOT_RETRY],
        },
        throttle: {
            enabled: throttle.enabled ?? true,
            retryAfterBaseValue: throttle.retryAfterBaseMs ?? 1000,
            fallbackSecondaryRateRetryAfter: throttle.fallbackSecondaryRetryAfterSeconds ?? 60,
            ...(throttle.writeIntervalMs === undefined
                ? {}
                : {
                    write: spacingGroup('write', throttle.writeIntervalMs),
                    notifications: spacingGroup('notifications', 3 * throttle.writeIntervalMs),
                }),
            onRateLimit: onLimit('primary'),
            onSecondaryRateLimit: onLimit('secondary'),
        },
    };
}
/**
 * Builds the Octokit every Gittrix GitHub caller uses: `@octokit/rest` with retry and throttling, the
 * API root from `baseUrl` / `GITHUB_API_URL` (GHES honoured), and a logger that never prints the token.
 *
 * ```ts
 * const octokit = createGitHubClient({ token: process.env.GITHUB_TOKEN })
 * const { data } = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' })
 * // tests: no sleeping
 * createGitHubClient({ token, retry: { retryAfterBaseMs: 0 }, throttle: { retryAfterBaseMs: 0, writeIntervalMs: 0 } })
 * ```
 *
 * Errors thrown by requests are Octokit `RequestError`s (`status`, `response`), with the token
 * redacted from `message`, `stack` and their `cause`s. Throws synchronously only for a malformed API URL.
 */
function createGitHubClient(options = {}) {
    const baseUrl = resolveGitHubApiUrl(options.baseUrl, options.env);
    if (options.token)
        (0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .registerSecret */ .c)(options.token);
    if (typeof options.auth === 'string')
        (0,_git_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .registerSecret */ .c)(options.auth);
    const log = redactingLog(options.log);
    const auth = options.token ?? options.auth;
    const octokit = new GitHubOctokit({
        ...(auth === undefined ? {} : { auth }),
        ...(options.authStrategy === undefined ? {} : { authStrategy: options.authStrategy }),
        baseUrl,
        userAgent: options.userAgent ?? 'gittrix',
        log,
        ...(options.request ? { request: options.request } : {}),
        ...gitHubRequestPolicy(options),
    });
    octokit.hook.error('request', (error) => {
        throw redactError(error);
    });
    return octokit;
}


/***/ })

};
