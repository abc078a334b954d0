export const id = 974;
export const ids = [974];
export const modules = {

/***/ 8974:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  sweepSessions: () => (/* binding */ sweepSessions)
});

// EXTERNAL MODULE: ./src/git/redact.ts
var redact = __webpack_require__(8579);
// EXTERNAL MODULE: ./src/core/eviction.ts
var eviction = __webpack_require__(6446);
// EXTERNAL MODULE: ./src/github/branches.ts
var github_branches = __webpack_require__(4307);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/github/eviction-trailer.ts
var eviction_trailer = __webpack_require__(9088);
// EXTERNAL MODULE: ./src/github/result.ts
var result = __webpack_require__(8002);
// EXTERNAL MODULE: ./src/github/session-id.ts + 4 modules
var session_id = __webpack_require__(6445);
// EXTERNAL MODULE: ./src/github/trailer-block.ts
var trailer_block = __webpack_require__(6356);
;// CONCATENATED MODULE: ./src/github/extend-commit.ts
/**
 * The extend commit: an empty commit on the session branch that records a session's new eviction
 * policy after `/gittrix extend`. Its date also resets the idle clock (the branch head's date). The
 * newest extend commit of a session overrides the policy of its start commit; the App writes it and
 * the Action's `sweep` (like the App) reads it.
 *
 * ```
 * gittrix: extend sess_abcdefghijkl
 *
 * Extended by @octocat for 24h.
 *
 * Gittrix-Session: sess_abcdefghijkl
 * Gittrix-Eviction: ttlIdle=1d; ttlAbsolute=off; untilPromote=true; manual=false
 * ```
 */






/** Trailer keys of the extend commit, in their canonical order. */
const EXTEND_TRAILERS = { session: 'Gittrix-Session', eviction: 'Gittrix-Eviction' };
/** The subject line of an extend commit. */
function extendCommitSubject(sessionId) {
    return `gittrix: extend ${sessionId}`;
}
/** Encodes an extend commit message (ends with one LF). Throws `INVALID_ARGUMENT` on a bad id or note. */
function encodeExtendCommit(extend) {
    if (!GITHUB_SESSION_ID_PATTERN.test(extend.sessionId)) {
        throw new InvalidArgumentError(`Invalid extend commit: ${JSON.stringify(extend.sessionId)} is not a session id.`);
    }
    const note = extend.note?.trim();
    if (note !== undefined && [...note].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20)) {
        throw new InvalidArgumentError('Invalid extend commit: the note must be one line without control characters.');
    }
    const trailers = formatTrailers([
        { key: EXTEND_TRAILERS.session, value: extend.sessionId },
        { key: EXTEND_TRAILERS.eviction, value: encodeEviction(extend.eviction) },
    ]);
    return `${extendCommitSubject(extend.sessionId)}\n\n${note ? `${note}\n\n` : ''}${trailers}\n`;
}
/**
 * Parses an extend commit message. Never throws. Refuses another subject, a session id that differs
 * from the trailer's, `expect.branch`'s or `expect.sessionId`, duplicate / unknown / foreign trailers,
 * and an eviction policy that does not parse.
 */
function parseExtendCommit(message, expect = {}) {
    const split = (0,trailer_block/* splitTrailerBlock */.$)(message, { strictHead: true });
    if (!split.ok)
        return split;
    const t = EXTEND_TRAILERS;
    const fields = (0,trailer_block/* collectTrailers */.f7)(split.value.trailers, { required: [t.session, t.eviction], optional: [] });
    if (!fields.ok)
        return fields;
    const sessionId = fields.value[t.session];
    if (!session_id/* GITHUB_SESSION_ID_PATTERN */.Em.test(sessionId))
        return (0,result/* fail */.fJ)(`${t.session} ${(0,result/* quoteUntrusted */.X0)(sessionId)} is not a session id`);
    if (split.value.head[0] !== extendCommitSubject(sessionId))
        return (0,result/* fail */.fJ)(`an extend commit starts with the subject "${extendCommitSubject(sessionId)}"`);
    if (expect.branch !== undefined && (0,github_branches/* sessionIdFromRef */.Tq)(expect.branch) !== sessionId)
        return (0,result/* fail */.fJ)(`the extend commit names session ${sessionId}, which does not match ${(0,result/* quoteUntrusted */.X0)(expect.branch)}`);
    if (expect.sessionId !== undefined && expect.sessionId !== sessionId)
        return (0,result/* fail */.fJ)(`the extend commit names session ${sessionId}, not ${(0,result/* quoteUntrusted */.X0)(expect.sessionId)}`);
    const eviction = (0,eviction_trailer/* parseEviction */.nR)(fields.value[t.eviction]);
    if (!eviction.ok)
        return (0,result/* fail */.fJ)(`${t.eviction}: ${eviction.reason}`);
    const note = split.value.head.slice(1).join('\n').trim();
    return (0,result.ok)({ sessionId, eviction: eviction.value, ...(note ? { note } : {}) });
}

// EXTERNAL MODULE: ./src/github/pointer-commit.ts
var pointer_commit = __webpack_require__(8030);
// EXTERNAL MODULE: ./src/github/start-commit.ts
var start_commit = __webpack_require__(1405);
;// CONCATENATED MODULE: ./src/adapters/github/request-errors.ts
/**
 * Recognisers for GitHub REST answers that Gittrix branches on. Each matches GitHub's words
 * precisely (status and message), so an unrelated 422 is never mistaken for a lost race or a
 * protected branch. They accept `unknown` (anything a `catch` gives) and never throw.
 *
 * Octokit's `RequestError` puts the API's `message` (plus ` - <documentation_url>`) in `error.message`
 * and the parsed body in `error.response.data`; both are consulted.
 */
/** True when `error` looks like an Octokit `RequestError` (a numeric `status` and a string `message`). */
function isGitHubRequestError(error) {
    return (typeof error === 'object' &&
        error !== null &&
        typeof error.status === 'number' &&
        typeof error.message === 'string');
}
/** The API's own words: `response.data.message` plus any `errors[].message`, else `error.message`. */
function gitHubErrorText(error) {
    if (!isGitHubRequestError(error))
        return error instanceof Error ? error.message : String(error);
    const data = error.response?.data;
    const parts = [];
    if (typeof data === 'object' && data !== null) {
        const { message, errors } = data;
        if (typeof message === 'string')
            parts.push(message);
        if (Array.isArray(errors)) {
            for (const item of errors) {
                if (typeof item === 'string')
                    parts.push(item);
                else if (typeof item === 'object' && item !== null) {
                    const text = item.message;
                    if (typeof text === 'string')
                        parts.push(text);
                }
            }
        }
    }
    else if (typeof data === 'string' && data)
        parts.push(data);
    parts.push(error.message);
    return parts.join('\n');
}
function hasStatus(error, statuses) {
    return isGitHubRequestError(error) && statuses.includes(error.status);
}
/** `404 Not Found`: the repository, ref, object or path does not exist, or the token cannot see it. */
function isNotFound(error) {
    return hasStatus(error, [404]);
}
/**
 * `422 Update is not a fast forward`: `PATCH /repos/{o}/{r}/git/refs/{ref}` with `force: false` found
 * the ref no longer at the commit the new one descends from, i.e. the branch moved (a lost race).
 * Source: docs/platform-facts.md#git-data-api-one-commit-for-many-files (REST git refs, "Update a reference").
 */
function isNotFastForward(error) {
    return hasStatus(error, [422]) && /\bUpdate is not a fast[- ]forward\b/i.test(gitHubErrorText(error));
}
/**
 * `422 Reference does not exist`: `PATCH` (or `DELETE`) of `/repos/{o}/{r}/git/refs/{ref}` for a ref
 * that is gone (for example a branch another replica deleted). Source: REST git refs, "Update a
 * reference" (the stand-in test/support/git-data-api.ts answers the same words).
 */
function isReferenceMissing(error) {
    return hasStatus(error, [422]) && /\bReference does not exist\b/i.test(gitHubErrorText(error));
}
/**
 * `422 Reference already exists`: `POST /repos/{o}/{r}/git/refs` for a ref that exists (for example a
 * retried create). Source: REST git refs, "Create a reference"; reported in usk6666/yorishiro-proxy#82.
 */
function isReferenceAlreadyExists(error) {
    return hasStatus(error, [422]) && /\bReference already exists\b/i.test(gitHubErrorText(error));
}
/**
 * The messages GitHub uses when branch protection or a ruleset refuses a direct write that a pull
 * request would be allowed to make. Sources:
 * - "Changes must be made through a pull request": the `pull_request` rule of a ruleset and classic
 *   protection's "Require a pull request before merging". REST update-ref answers
 *   `Repository rule violations found\n\nChanges must be made through a pull request.`
 *   (satisfactory-factories/application#67 quotes it with the `rest/git/refs#update-a-reference` link;
 *   googleapis/repo-automation-bots#5551, from `updateRef`).
 * - "Protected branch update failed for refs/heads/<b>.": classic protection (GH006 on push; the same
 *   words in API answers). Seen in ietf-tools/xml2rfc#1251, OCA/oca-github-bot#210.
 * - "N of M required status checks are expected." / "Required status check "x" is expected.": classic
 *   protection and rulesets requiring checks, which a direct commit cannot have passed
 *   (kevgo/prettifier#28 from the contents API; a ruleset answer `Repository rule violations found
 *   4 of 4 required status checks are expected.`).
 * Deliberately NOT matched: "Repository rule violations found" alone. Push protection (secret
 * scanning) answers with the same heading plus "Secret detected in content", and ruleset creation
 * limits with "Cannot create ref due to creations being restricted"; a pull request fixes neither.
 */
const PROTECTED_BRANCH_PATTERNS = (/* unused pure expression or super */ null && ([
    /\bChanges must be made through a pull request\b/i,
    /\bProtected branch update failed\b/i,
    /\b\d+ of \d+ required status checks? (?:is|are) expected\b/i,
    /\bRequired status check ["'`].+?["'`] is expected\b/i,
]));
/**
 * True when GitHub refused a direct write (ref update, contents write) because the branch is
 * protected or covered by a ruleset that requires pull requests or status checks, so the promotion
 * should go through a pull request instead. The status is 422 on the Git Data API; 403, 405 and 409
 * answers with the same words (contents and merge endpoints) are accepted too, since only the words
 * identify the cause. See {@link PROTECTED_BRANCH_PATTERNS} for the messages and their sources.
 */
function isProtectedBranchRefusal(error) {
    if (!hasStatus(error, [403, 405, 409, 422]))
        return false;
    const text = gitHubErrorText(error);
    return PROTECTED_BRANCH_PATTERNS.some((pattern) => pattern.test(text));
}
/**
 * GitHub's refusal to create or change a file under `.github/workflows/` with a credential lacking
 * the workflows permission:
 * - GitHub App / `GITHUB_TOKEN`: "refusing to allow a GitHub App to create or update workflow
 *   `.github/workflows/x.yml` without `workflows` permission"
 *   (peter-evans/create-pull-request#1713, repo-sync/github-sync#23, assembledhq/143#665);
 * - OAuth App / classic PAT: "refusing to allow an OAuth App … without `workflow` scope" and
 *   "refusing to allow a Personal Access Token … without `workflow` scope" (same wording, other actor).
 */
const WORKFLOW_REFUSAL = /\brefusing to allow an? (?:GitHub App|OAuth App|Personal Access Token|[\w ]+?) to create or update workflow\s*[`'"]?([^`'"\s]*)[`'"]?\s*without\s*[`'"]?(workflows?)[`'"]?\s*(permission|scope)/i;
/** True when `error` is GitHub refusing a workflow-file change for lack of the workflows permission or scope. */
function isWorkflowPermissionRefusal(error) {
    if (!isGitHubRequestError(error) && !(error instanceof Error))
        return false;
    return WORKFLOW_REFUSAL.test(gitHubErrorText(error));
}
/**
 * What to grant, for a workflow refusal: `{ path, grant }` where `path` is the workflow file GitHub
 * named (may be empty) and `grant` says what to give the credential; `undefined` for other errors.
 */
function describeWorkflowPermissionRefusal(error) {
    if (!isGitHubRequestError(error) && !(error instanceof Error))
        return undefined;
    const match = WORKFLOW_REFUSAL.exec(gitHubErrorText(error));
    if (!match)
        return undefined;
    const path = match[1] ?? '';
    const grant = match[3]?.toLowerCase() === 'scope'
        ? 'the `workflow` scope on the token'
        : 'the GitHub App the "Workflows: Read and write" repository permission (existing installations must accept it)';
    return { path, grant };
}

;// CONCATENATED MODULE: ./src/adapters/github/session-history.ts




/** Commits read from the head (newest first) for the start, and the newest extend and pointer, commits. */
const NEWEST_COMMITS = 100;
/**
 * Reads session `sessionId` from the history of `headSha` (see the module comment for the rule).
 * `durableBranch` is compared with the head when the start commit is not among the newest
 * {@link NEWEST_COMMITS}; when `undefined`, the repository's default branch (`GET /repos/{o}/{r}`, read
 * only then). Throws what Octokit throws, except a 404 from "Compare two commits" (no common history:
 * `no-start`).
 */
async function readSessionHistory(octokit, coords, sessionId, headSha, durableBranch) {
    const subject = (0,start_commit/* startCommitSubject */.Kx)(sessionId);
    const { data: newest } = await octokit.rest.repos.listCommits({
        ...coords,
        sha: headSha,
        per_page: NEWEST_COMMITS,
    });
    const head = newest[0];
    if (!head)
        return { ok: false, problem: 'empty', reason: 'The session branch has no commits.' };
    let extended;
    let pointer = null;
    const commits = [];
    let start;
    for (const commit of newest) {
        commits.push(commit.sha);
        const message = commit.commit.message;
        // The newest extend commit (the walk starts at the head) carries the session's current policy.
        if (!extended) {
            const extend = parseExtendCommit(message, { sessionId });
            if (extend.ok)
                extended = extend.value.eviction;
        }
        // The newest pointer commit names the Artifacts content (docs/architecture.md#pointer-commit-artifacts-sessions).
        if (!pointer && (0,pointer_commit/* looksLikePointerCommit */.Ej)(message)) {
            const parsed = (0,pointer_commit/* parsePointerCommit */.qw)(message, { sessionId });
            if (!parsed.ok)
                return {
                    ok: false,
                    problem: 'invalid-pointer',
                    reason: `The pointer commit ${commit.sha.slice(0, 7)} is not valid: ${parsed.reason}.`,
                };
            pointer = { sha: commit.sha, value: parsed.value };
        }
        if (message.split('\n', 1)[0] === subject) {
            start = commit;
            break;
        }
    }
    if (!start && newest.length === NEWEST_COMMITS) {
        const durable = durableBranch ?? (await octokit.rest.repos.get({ ...coords })).data.default_branch;
        start = await oldestStart(octokit, coords, subject, durable, headSha);
    }
    if (!start)
        return {
            ok: false,
            problem: 'no-start',
            reason: `No start commit ("${subject}") was found on the session branch.`,
        };
    const parsed = (0,start_commit/* parseStartCommit */.jf)(start.commit.message, { sessionId });
    if (!parsed.ok)
        return { ok: false, problem: 'invalid-start', reason: `The start commit is not valid: ${parsed.reason}.` };
    const parents = start.parents.map((p) => p.sha);
    if (parents.length !== 1 || parents[0] !== parsed.value.baselineSha)
        return {
            ok: false,
            problem: 'invalid-start',
            reason: `The start commit ${start.sha.slice(0, 7)} does not sit on its Gittrix-Baseline ${parsed.value.baselineSha.slice(0, 7)}.`,
        };
    const facts = extended ? { ...parsed.value, eviction: extended } : parsed.value;
    return { ok: true, head, startCommit: start, start: facts, pointer, commits };
}
/**
 * The start commit among the oldest commits of a long session branch: the first page of "Compare two
 * commits" `durableBranch...headSha` ({@link NEWEST_COMMITS} commits after the merge base, oldest
 * first), whose start commit's parent is that merge base. `undefined` when it is not there (or GitHub
 * knows neither side).
 */
async function oldestStart(octokit, coords, subject, durableBranch, headSha) {
    try {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
            ...coords,
            basehead: `${durableBranch}...${headSha}`,
            per_page: NEWEST_COMMITS,
            page: 1,
        });
        const base = data.merge_base_commit.sha;
        return data.commits.find((c) => c.commit.message.split('\n', 1)[0] === subject &&
            c.parents.length === 1 &&
            c.parents[0].sha === base);
    }
    catch (error) {
        if (isNotFound(error))
            return undefined;
        throw error;
    }
}

;// CONCATENATED MODULE: ./action/lib/sweep.ts




/** Sweeps the repository's session branches (see the module comment). */
async function sweepSessions(options) {
    const now = options.now ?? Date.now();
    const listed = await options.remote.listRefs(['refs/heads/gittrix/*', `${github_branches/* SESSION_NOTES_PREFIX */.ud}*`]);
    const refs = [...listed].filter(([ref]) => ref.startsWith('refs/heads/'));
    const notesOf = (id) => [...listed.keys()].filter((ref) => (0,github_branches/* sessionOfSessionRef */.ny)(ref) === id);
    const entries = [];
    for (const [ref, headSha] of refs.sort(([a], [b]) => a.localeCompare(b))) {
        const sessionId = (0,github_branches/* sessionIdFromRef */.Tq)(ref);
        if (!sessionId)
            continue;
        const branch = ref.slice('refs/heads/'.length);
        const base = { branch, sessionId, headSha };
        const found = await findStart(options, sessionId, headSha);
        if (!found.ok) {
            entries.push({ ...base, outcome: 'skipped', reason: found.reason });
            continue;
        }
        const policy = found.start.eviction ?? options.defaults;
        const reason = (0,eviction/* expiryReason */.m7)(policy, { createdAt: found.createdAt, lastAccessAt: found.lastActivityAt }, now);
        if (!reason) {
            entries.push({ ...base, outcome: 'kept', reason: policy.manual ? 'manual eviction' : 'not expired' });
            continue;
        }
        const why = reason === 'idle' ? 'idle too long' : 'past its absolute lifetime';
        if (options.dryRun) {
            entries.push({ ...base, outcome: 'expired', reason: `${why} (dry run)` });
            continue;
        }
        const deleted = await options.remote.deleteBranch(branch, headSha, notesOf(sessionId));
        if (!deleted) {
            entries.push({ ...base, outcome: 'expired', reason: `${why}, but the branch moved meanwhile; kept` });
            continue;
        }
        const location = found.start.ephemeral;
        const repoNote = location.kind === 'artifacts'
            ? `; ${await deleteSessionRepo(options.artifacts ?? null, sessionId, location)}`
            : '';
        entries.push({ ...base, outcome: 'deleted', reason: `${why}${repoNote}` });
    }
    // Notes refs whose session branch is gone (a branch deleted by hand, or by an older Gittrix).
    const branches = new Set(refs.map(([ref]) => (0,github_branches/* sessionIdFromRef */.Tq)(ref)));
    const orphans = [...listed.keys()].filter((ref) => {
        const owner = (0,github_branches/* sessionOfSessionRef */.ny)(ref);
        return owner !== null && !branches.has(owner);
    });
    if (orphans.length && !options.dryRun)
        await options.remote.deleteRefs(orphans);
    return entries;
}
/**
 * The session's start commit (its policy replaced by the newest extend commit's), creation time (the
 * start commit's committer date) and last activity (the head's committer date), read with the one fold
 * over a session branch's commits the App uses too (src/adapters/github/session-history.ts).
 */
async function findStart(options, sessionId, headSha) {
    const coords = { owner: options.owner, repo: options.repo };
    const history = await readSessionHistory(options.octokit, coords, sessionId, headSha, options.durableBranch ?? undefined);
    if (!history.ok)
        return { ok: false, reason: history.reason };
    const createdAt = Date.parse(history.startCommit.commit.committer?.date ?? '');
    const lastActivityAt = Date.parse(history.head.commit.committer?.date ?? '');
    if (Number.isNaN(createdAt) || Number.isNaN(lastActivityAt))
        return { ok: false, reason: 'commit dates unreadable' };
    return { ok: true, start: history.start, createdAt, lastActivityAt };
}
/**
 * Deletes an expired session's Artifacts repository when it is this repository's own (the configured
 * namespace, the name bound to this GitHub repository and session); says what happened.
 */
async function deleteSessionRepo(artifacts, sessionId, location) {
    const name = `artifacts://${location.namespace}/${location.repo}`;
    if (!artifacts)
        return `Artifacts repository ${name} kept (no artifacts inputs given)`;
    if (artifacts.namespace !== location.namespace)
        return `Artifacts repository ${name} kept (artifacts-namespace is ${artifacts.namespace})`;
    let own;
    try {
        own = artifacts.sessionRepo(sessionId);
    }
    catch (error) {
        return `Artifacts repository ${name} kept (${error.message})`;
    }
    if (location.repo !== own)
        return `Artifacts repository ${name} kept (not this repository's session repository ${own})`;
    try {
        const existed = await artifacts.delete(location.repo);
        return existed ? `Artifacts repository ${name} deleted` : `Artifacts repository ${name} was already gone`;
    }
    catch (error) {
        return `Artifacts repository ${name} not deleted: ${(0,redact/* redact */.E)(error.message)}`;
    }
}


/***/ })

};
