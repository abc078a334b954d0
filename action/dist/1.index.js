export const id = 1;
export const ids = [1];
export const modules = {

/***/ 4001:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   publishSession: () => (/* binding */ publishSession)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4296);
/* harmony import */ var _git_network_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8438);
/* harmony import */ var _github_branches_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4307);
/* harmony import */ var _github_start_commit_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(1405);
/* harmony import */ var _bundle_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6276);
/* harmony import */ var _finish_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(2911);
/* harmony import */ var _snapshot_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(4972);
/**
 * `mode: publish`: in a job of its own (`contents: write`, no agent code ever runs there), take the
 * bundle the agent's job wrote and create or fast-forward the session branch `gittrix/<id>` from it,
 * and nothing else.
 *
 * The bundle came from a job an agent controlled, so it is verified in a scratch bare repository of
 * Gittrix's own (sealed git: no system, global or repository configuration, hooks, filters, fsmonitor
 * or includes; objects checked with `fetch.fsckObjects`):
 * - it names exactly one ref, `refs/heads/gittrix/<session-id>`, and one prerequisite, the baseline,
 *   which is fetched from GitHub (so it is a commit GitHub has);
 * - the oldest commit on top of the baseline is a start commit that parses strictly for that session
 *   and branch, whose only parent and tree are the baseline's, and which names THIS workflow run
 *   (`Gittrix-Run`), this job's durable branch and (when this job knows one) its link; every later
 *   commit descends from it alone (no other history);
 * - the baseline is the durable branch's head on GitHub or one of its ancestors;
 * - no commit adds a gitlink, and no blob is over GitHub's 100 MiB limit;
 * - the branch on GitHub does not exist yet, or holds a commit of this very session (a re-run).
 * Then the head is pushed to `refs/heads/gittrix/<id>` without force. The outputs and summary are
 * computed from the verified commits, never from anything the agent's job reported.
 */









/** Verifies and publishes (see the module comment). Throws `INVALID_ARGUMENT` naming what the bundle fails. */
async function publishSession(options) {
    const file = await bundleFile(options.bundle);
    const header = await (0,_bundle_js__WEBPACK_IMPORTED_MODULE_6__/* .readBundleHeader */ .o)(file);
    const refs = [...header.refs.entries()];
    const sessionId = refs.length === 1 ? (0,_github_branches_js__WEBPACK_IMPORTED_MODULE_4__/* .sessionIdFromRef */ .Tq)(refs[0][0]) : null;
    if (!sessionId || refs[0][0] !== `refs/heads/gittrix/${sessionId}`)
        refuse(`it must name exactly one ref, refs/heads/gittrix/<session-id>, not ${refs.length} (${describeRefs(refs)})`);
    if (header.prerequisites.length !== 1)
        refuse(`it must require exactly one commit (the baseline), not ${header.prerequisites.length}`);
    const [ref, headSha] = refs[0];
    const baselineSha = header.prerequisites[0];
    const branch = `gittrix/${sessionId}`;
    return (0,_git_network_js__WEBPACK_IMPORTED_MODULE_3__/* .withScratchRepo */ .nz)({}, async (repo) => {
        await options.remote.fetchInto(repo, [baselineSha], ['--depth=1']).catch((error) => {
            refuse(`its baseline ${baselineSha.slice(0, 12)} is not a commit of the repository (${error.message})`);
        });
        await repo.run(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', file, `${ref}:${ref}`], {
            config: [
                // A sealed git allows no local transport by default; this one command reads the bundle file.
                ['protocol.file.allow', 'always'],
                ['fetch.fsckObjects', 'true'],
                ['transfer.fsckObjects', 'true'],
            ],
        });
        const commits = await sessionCommits(repo, baselineSha, headSha);
        const startSha = commits[0];
        const start = await checkStartCommit(repo, startSha, { sessionId, branch, baselineSha, options });
        await checkContent(repo, baselineSha, headSha);
        await checkBaseline(repo, options, baselineSha, start.durableBranch);
        const existing = await options.remote.branchHead(branch);
        if (existing && !commits.includes(existing)) {
            refuse(`${branch} already exists on GitHub at ${existing.slice(0, 12)}, which is not a commit of this session: ` +
                'publish only creates or fast-forwards the branch it started in this run');
        }
        const pushed = existing !== headSha;
        if (pushed)
            await options.remote.pushFrom(repo, headSha, branch);
        const snapshots = await Promise.all(commits
            .slice(1)
            .map(async (sha) => (await repo.text(['log', '-1', '--format=%s', sha])).startsWith('gittrix: snapshot ')));
        const record = {
            version: 1,
            sessionId,
            branch,
            durableBranch: start.durableBranch,
            baselineSha,
            startSha,
            task: start.task,
            finished: { headSha },
        };
        return {
            record,
            start,
            headSha,
            pushed,
            agentCommits: snapshots.filter((s) => !s).length,
            diff: await (0,_finish_js__WEBPACK_IMPORTED_MODULE_7__/* .sessionDiff */ .Wo)(repo, baselineSha, headSha),
        };
    });
}
/** The bundle file: `path` itself, or the only `*.bundle` in directory `path`. */
async function bundleFile(path) {
    const info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.stat)(path).catch(() => null);
    if (!info) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .GittrixError */ .UG('INVALID_ARGUMENT', `No session bundle at ${path}; download the agent job's artifact (actions/download-artifact) and pass its path as \`bundle\`.`);
    }
    if (info.isFile())
        return path;
    const bundles = (await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readdir)(path)).filter((name) => name.endsWith('.bundle'));
    if (bundles.length !== 1) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .GittrixError */ .UG('INVALID_ARGUMENT', `${path} holds ${bundles.length} *.bundle files; publish takes exactly one session (one artifact per session).`);
    }
    return (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(path, bundles[0]);
}
/**
 * The commits of `baseline..head`, oldest first, after checking that they form one session: the oldest
 * has the baseline as its only parent, every other has only parents among them.
 */
async function sessionCommits(repo, baselineSha, headSha) {
    const lines = (await repo.text(['rev-list', '--reverse', '--parents', `${baselineSha}..${headSha}`]))
        .split('\n')
        .filter(Boolean);
    if (lines.length === 0)
        refuse('its head adds no commit to the baseline');
    const seen = new Set();
    lines.forEach((line, i) => {
        const [sha, ...parents] = line.split(' ');
        const ok = i === 0 ? parents.length === 1 && parents[0] === baselineSha : parents.every((p) => seen.has(p));
        if (!ok)
            refuse(`commit ${sha.slice(0, 12)} does not descend from the start commit alone`);
        seen.add(sha);
    });
    return lines.map((line) => line.slice(0, 40));
}
async function checkStartCommit(repo, startSha, expected) {
    const raw = await repo.text(['cat-file', 'commit', startSha]);
    const parsed = (0,_github_start_commit_js__WEBPACK_IMPORTED_MODULE_5__/* .parseStartCommit */ .jf)(raw.slice(raw.indexOf('\n\n') + 2), {
        branch: expected.branch,
        sessionId: expected.sessionId,
    });
    if (!parsed.ok)
        refuse(`its first commit is not the session's start commit: ${parsed.reason}`);
    const start = parsed.value;
    if (start.baselineSha !== expected.baselineSha)
        refuse('the start commit names another baseline than its parent');
    if ((await repo.treeOf(startSha)) !== (await repo.treeOf(expected.baselineSha)))
        refuse("the start commit's tree is not the baseline's");
    if (start.ephemeral.kind !== 'branch')
        refuse('it is an Artifacts session; those are published by the job that ran the agent (topology: same-job)');
    const { runId, durableBranch, link } = expected.options;
    if (runId !== null && start.run !== runId)
        refuse(`its start commit names workflow run ${start.run ?? '(none)'}, not this run (${runId})`);
    if (start.durableBranch !== durableBranch)
        refuse(`it is based on ${JSON.stringify(start.durableBranch)}, but this job publishes sessions of ${JSON.stringify(durableBranch)}`);
    if (link !== null && start.link !== link)
        refuse(`it links to #${start.link ?? '(none)'}, not #${link}`);
    return start;
}
/** No commit adds or changes a gitlink; no blob exceeds {@link MAX_FILE_BYTES}. */
async function checkContent(repo, baselineSha, headSha) {
    const raw = await repo.text([
        'log',
        '--format=',
        '--raw',
        '--no-renames',
        '-r',
        `${baselineSha}..${headSha}`,
    ]);
    for (const line of raw.split('\n')) {
        const fields = line.split(' ');
        if (line.startsWith(':') && fields[1] === '160000')
            refuse(`it adds a gitlink (${line.slice(line.indexOf('\t') + 1)}): a pointer to a repository nobody can fetch`);
    }
    const objects = (await repo.text(['rev-list', '--objects', '--no-object-names', `${baselineSha}..${headSha}`]))
        .split('\n')
        .filter(Boolean);
    if (objects.length === 0)
        return;
    const { stdout } = await repo.run(['cat-file', '--batch-check=%(objecttype) %(objectsize) %(objectname)'], {
        input: `${objects.join('\n')}\n`,
    });
    for (const line of stdout.toString('utf8').split('\n')) {
        const [type, size, oid] = line.split(' ');
        if (type === 'blob' && Number(size) > _snapshot_js__WEBPACK_IMPORTED_MODULE_8__/* .MAX_FILE_BYTES */ .g)
            refuse(`blob ${oid?.slice(0, 12)} has ${size} bytes, over GitHub's 100 MiB file limit`);
    }
}
/** The baseline is the durable branch's head on GitHub or one of its ancestors. */
async function checkBaseline(repo, options, baselineSha, durableBranch) {
    const head = await options.remote.branchHead(durableBranch);
    if (!head)
        refuse(`its durable branch ${JSON.stringify(durableBranch)} does not exist on GitHub`);
    if (head === baselineSha)
        return;
    await options.remote.fetchInto(repo, [`+refs/heads/${durableBranch}:refs/gittrix/durable`]);
    const ancestor = await repo.run(['merge-base', '--is-ancestor', baselineSha, 'refs/gittrix/durable'], {
        okExitCodes: [1, 128],
    });
    if (ancestor.exitCode !== 0)
        refuse(`its baseline ${baselineSha.slice(0, 12)} is not a commit of ${JSON.stringify(durableBranch)} on GitHub`);
}
function describeRefs(refs) {
    return refs
        .slice(0, 3)
        .map(([name]) => JSON.stringify(name.slice(0, 80)))
        .join(', ');
}
function refuse(why) {
    throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .GittrixError */ .UG('INVALID_ARGUMENT', `The session bundle was refused: ${why}. Nothing was pushed.`);
}


/***/ })

};
