export const id = 767;
export const ids = [767];
export const modules = {

/***/ 4767:
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
var branches = __webpack_require__(4307);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/github/eviction-trailer.ts
var eviction_trailer = __webpack_require__(9088);
// EXTERNAL MODULE: ./src/github/result.ts
var result = __webpack_require__(8002);
// EXTERNAL MODULE: ./src/github/session-id.ts + 3 modules
var session_id = __webpack_require__(1523);
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
    if (expect.branch !== undefined && (0,branches/* sessionIdFromRef */.Tq)(expect.branch) !== sessionId)
        return (0,result/* fail */.fJ)(`the extend commit names session ${sessionId}, which does not match ${(0,result/* quoteUntrusted */.X0)(expect.branch)}`);
    if (expect.sessionId !== undefined && expect.sessionId !== sessionId)
        return (0,result/* fail */.fJ)(`the extend commit names session ${sessionId}, not ${(0,result/* quoteUntrusted */.X0)(expect.sessionId)}`);
    const eviction = (0,eviction_trailer/* parseEviction */.nR)(fields.value[t.eviction]);
    if (!eviction.ok)
        return (0,result/* fail */.fJ)(`${t.eviction}: ${eviction.reason}`);
    const note = split.value.head.slice(1).join('\n').trim();
    return (0,result.ok)({ sessionId, eviction: eviction.value, ...(note ? { note } : {}) });
}

// EXTERNAL MODULE: ./src/github/start-commit.ts
var start_commit = __webpack_require__(1405);
;// CONCATENATED MODULE: ./action/lib/sweep.ts





/** Sweeps the repository's session branches (see the module comment). */
async function sweepSessions(options) {
    const now = options.now ?? Date.now();
    const refs = await options.remote.listRefs(['refs/heads/gittrix/*']);
    const entries = [];
    for (const [ref, headSha] of [...refs].sort(([a], [b]) => a.localeCompare(b))) {
        const sessionId = (0,branches/* sessionIdFromRef */.Tq)(ref);
        if (!sessionId)
            continue;
        const branch = ref.slice('refs/heads/'.length);
        const base = { branch, sessionId, headSha };
        const found = await findStart(options, branch, headSha);
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
        const deleted = await options.remote.deleteBranch(branch, headSha);
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
    return entries;
}
async function findStart(options, branch, headSha) {
    const max = options.maxCommits ?? 1000;
    let lastActivityAt = null;
    let extended;
    for (let page = 1; (page - 1) * 100 < max; page++) {
        const { data } = await options.octokit.rest.repos.listCommits({
            owner: options.owner,
            repo: options.repo,
            sha: headSha,
            per_page: 100,
            page,
        });
        for (const item of data) {
            const date = Date.parse(item.commit.committer?.date ?? '');
            if (lastActivityAt === null)
                lastActivityAt = date;
            // The newest extend commit (written by the App's /gittrix extend) overrides the start's policy.
            if (!extended) {
                const extend = parseExtendCommit(item.commit.message, { branch });
                if (extend.ok)
                    extended = extend.value.eviction;
            }
            const parsed = (0,start_commit/* parseStartCommit */.jf)(item.commit.message, { branch });
            if (parsed.ok) {
                if (Number.isNaN(date) || lastActivityAt === null || Number.isNaN(lastActivityAt))
                    return { ok: false, reason: 'commit dates unreadable' };
                const start = extended ? { ...parsed.value, eviction: extended } : parsed.value;
                return { ok: true, start, createdAt: date, lastActivityAt };
            }
        }
        if (data.length < 100)
            break;
    }
    return { ok: false, reason: 'no Gittrix start commit found on the branch' };
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
