export const id = 906;
export const ids = [906];
export const modules = {

/***/ 9906:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   sweepSessions: () => (/* binding */ sweepSessions)
/* harmony export */ });
/* harmony import */ var _core_eviction_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6446);
/* harmony import */ var _github_branches_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4307);
/* harmony import */ var _github_start_commit_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7413);



/** Sweeps the repository's session branches (see the module comment). */
async function sweepSessions(options) {
    const now = options.now ?? Date.now();
    const refs = await options.remote.listRefs(['refs/heads/gittrix/*']);
    const entries = [];
    for (const [ref, headSha] of [...refs].sort(([a], [b]) => a.localeCompare(b))) {
        const sessionId = (0,_github_branches_js__WEBPACK_IMPORTED_MODULE_1__/* .sessionIdFromRef */ .Tq)(ref);
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
        const reason = (0,_core_eviction_js__WEBPACK_IMPORTED_MODULE_0__/* .expiryReason */ .m7)(policy, { createdAt: found.createdAt, lastAccessAt: found.lastActivityAt }, now);
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
        entries.push(deleted
            ? { ...base, outcome: 'deleted', reason: why }
            : { ...base, outcome: 'expired', reason: `${why}, but the branch moved meanwhile; kept` });
    }
    return entries;
}
async function findStart(options, branch, headSha) {
    const max = options.maxCommits ?? 1000;
    let lastActivityAt = null;
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
            const parsed = (0,_github_start_commit_js__WEBPACK_IMPORTED_MODULE_2__/* .parseStartCommit */ .jf)(item.commit.message, { branch });
            if (parsed.ok) {
                if (Number.isNaN(date) || lastActivityAt === null || Number.isNaN(lastActivityAt))
                    return { ok: false, reason: 'commit dates unreadable' };
                return { ok: true, start: parsed.value, createdAt: date, lastActivityAt };
            }
        }
        if (data.length < 100)
            break;
    }
    return { ok: false, reason: 'no Gittrix start commit found on the branch' };
}


/***/ })

};
