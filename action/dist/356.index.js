export const id = 356;
export const ids = [356];
export const modules = {

/***/ 356:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  publishSession: () => (/* binding */ publishSession)
});

// UNUSED EXPORTS: checkBaseline

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/git/network.ts
var network = __webpack_require__(8438);
// EXTERNAL MODULE: ./src/github/branches.ts
var branches = __webpack_require__(4307);
// EXTERNAL MODULE: ./src/github/start-commit.ts
var start_commit = __webpack_require__(1405);
// EXTERNAL MODULE: ./action/lib/artifacts.ts + 6 modules
var artifacts = __webpack_require__(6155);
// EXTERNAL MODULE: ./src/adapters/artifacts/baseline.ts + 2 modules
var baseline = __webpack_require__(7749);
// EXTERNAL MODULE: ./src/adapters/artifacts/errors.ts
var artifacts_errors = __webpack_require__(2237);
// EXTERNAL MODULE: ./src/github/pointer-commit.ts
var pointer_commit = __webpack_require__(8030);
// EXTERNAL MODULE: ./action/lib/pointer.ts
var lib_pointer = __webpack_require__(2376);
// EXTERNAL MODULE: ./action/lib/snapshot.ts
var snapshot = __webpack_require__(1557);
;// CONCATENATED MODULE: ./action/lib/bundle-checks.ts
/**
 * The checks a session bundle's commits must pass before `mode: publish` pushes anything, shared by the
 * branch (publish.ts) and Cloudflare Artifacts (publish-artifacts.ts) paths: one session line on top of
 * the baseline, no gitlinks, no blob over GitHub's file limit, and the count of the agent's own commits.
 * Every refusal is {@link refuse}'s `INVALID_ARGUMENT`, and nothing has been pushed when it is thrown.
 */


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
/**
 * No commit of `base..head` adds or changes a gitlink; no blob they add exceeds {@link MAX_FILE_BYTES}.
 * Refuses (`INVALID_ARGUMENT`) otherwise.
 */
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
        if (type === 'blob' && Number(size) > snapshot/* MAX_FILE_BYTES */.g)
            refuse(`blob ${oid?.slice(0, 12)} has ${size} bytes, over GitHub's 100 MiB file limit`);
    }
}
/** Throws the `INVALID_ARGUMENT` error of a refused bundle, saying `why` and that nothing was pushed. */
function refuse(why) {
    throw new errors/* GittrixError */.UG('INVALID_ARGUMENT', `The session bundle was refused: ${why}. Nothing was pushed.`);
}
/** How many of `commits` (ids in `repo`) are the agent's own, not Gittrix's `gittrix: snapshot` commits. */
async function countAgentCommits(repo, commits) {
    const subjects = await Promise.all(commits.map((sha) => repo.text(['log', '-1', '--format=%s', sha])));
    return subjects.filter((subject) => !subject.startsWith('gittrix: snapshot ')).length;
}

// EXTERNAL MODULE: ./action/lib/finish.ts + 3 modules
var finish = __webpack_require__(1052);
;// CONCATENATED MODULE: ./action/lib/published.ts



/**
 * The {@link PublishedSession} of `facts`: the session record (finished at `headSha`; an Artifacts
 * session's with its repository and `topology: two-jobs`), the agent's commit count and the diff from
 * the baseline to the head, both read from `repo` (the scratch repository holding the verified commits).
 */
async function publishedSession(repo, facts) {
    const { start, startSha, headSha } = facts;
    const record = {
        version: 1,
        sessionId: start.sessionId,
        branch: (0,branches/* sessionBranch */.z6)(start.sessionId),
        durableBranch: start.durableBranch,
        baselineSha: start.baselineSha,
        startSha,
        task: start.task,
        ...(facts.artifacts ? { ephemeral: facts.artifacts } : {}),
        finished: { headSha },
        ...(facts.artifacts ? { topology: 'two-jobs' } : {}),
    };
    return {
        record,
        start,
        headSha,
        pushed: facts.pushed,
        pointerSha: facts.pointerSha,
        agentCommits: await countAgentCommits(repo, facts.laterCommits),
        diff: await (0,finish/* sessionDiff */.Wo)(repo, start.baselineSha, headSha),
    };
}

// EXTERNAL MODULE: ./action/lib/start.ts + 1 modules
var lib_start = __webpack_require__(9056);
;// CONCATENATED MODULE: ./action/lib/publish-artifacts.ts
/**
 * `mode: publish` for an Artifacts session of the two-job topology: the agent's job held no Cloudflare
 * credential, so the session repository is created and pushed to here, from the verified bundle, in the
 * layout the same-job flow leaves (action/lib/start.ts, finish-artifacts.ts):
 * - Artifacts `<namespace>/gittrix-<GITHUB_REPOSITORY_ID>-<session id>`, branch `main`: the orphan
 *   commit carrying the baseline's tree (`baselineMessage`: trailers `Gittrix-Session`,
 *   `Gittrix-Baseline`, subject naming `github://<owner>/<repo>#<durable branch>`), then the agent's
 *   commits and finish's snapshot;
 * - GitHub `gittrix/<session id>`: the start commit (parent the baseline, its tree, trailer
 *   `Gittrix-Ephemeral: artifacts://<namespace>/<repo>`), then a pointer commit naming the Artifacts
 *   head (`encodePointerCommit`; same tree), which is what the App reads (app/session.ts).
 *
 * Verified before anything is written (the bundle came from a job the agent controlled; the start
 * commit's own checks are publish.ts's): the start commit names this step's namespace and exactly the
 * repository name the App accepts (app/artifacts.ts `ownArtifactsLocation`); the Artifacts line's
 * oldest commit has no parent, the baseline's tree and exactly the root message above; every later
 * commit descends from it alone; none adds a gitlink or a blob over 100 MiB.
 *
 * Existing state (decided for re-runs, never forced):
 * - the Artifacts repository may exist only when its `main` is absent or a commit of this bundle's
 *   Artifacts line (its root commit names this session and baseline, and its start commit this
 *   workflow run: a re-run of this publish job); `main` is then fast-forwarded. Any other content:
 *   refused, nothing written.
 * - the GitHub branch may exist only when it descends from this session's start commit; the pointer
 *   then goes on top of its head (nothing is written when it already points at this Artifacts head).
 * A repository this call created is deleted again when the GitHub side then fails, so a re-run starts
 * from nothing.
 */










/**
 * Verifies the Artifacts line and publishes both sides (see the module comment). Throws
 * `INVALID_ARGUMENT` (refused; nothing written), an `ArtifactsApiError`, or `GIT_FAILED` when a push is
 * refused.
 */
async function publishArtifactsSession(options) {
    const { repo, remote, sessions, start, startSha, artifactsHead } = options;
    const { sessionId, baselineSha } = start;
    if (start.ephemeral.kind !== 'artifacts')
        refuse('its start commit names no Artifacts repository');
    if (!sessions) {
        throw new errors/* GittrixError */.UG('INVALID_ARGUMENT', `Session ${sessionId} is an Artifacts session (${start.ephemeral.namespace}/${start.ephemeral.repo}); give the publish step ` +
            'the artifacts-account-id, artifacts-namespace and artifacts-api-token inputs. Nothing was pushed.');
    }
    const name = sessions.sessionRepo(sessionId);
    if (start.ephemeral.namespace !== sessions.namespace || start.ephemeral.repo !== name)
        refuse(`its start commit names Artifacts ${start.ephemeral.namespace}/${start.ephemeral.repo}, ` +
            `not this session's own repository ${sessions.namespace}/${name}`);
    if (!options.repository)
        refuse('GITHUB_REPOSITORY is unknown, so its root commit cannot be checked');
    const line = await artifactsLine(repo, artifactsHead);
    const rootSha = line[0];
    await checkRoot(repo, rootSha, {
        baselineSha,
        message: (0,baseline/* baselineMessage */.du)(sessionId, baselineSha, (0,lib_start/* artifactsDurableRef */.U3)(options.repository, start.durableBranch)),
    });
    await checkContent(repo, rootSha, artifactsHead);
    const branch = `gittrix/${sessionId}`;
    const objectsDir = (0,external_node_path_.join)(repo.gitDir, 'objects');
    const ws = { repo, objectsDir };
    const existing = await remote.branchHead(branch);
    if (existing && existing !== startSha) {
        const head = await remote.fetchBranch(objectsDir, branch, [startSha]);
        const ancestor = head
            ? await repo.run(['merge-base', '--is-ancestor', startSha, head], { okExitCodes: [1, 128] })
            : null;
        if (ancestor?.exitCode !== 0)
            refuse(`${branch} already exists on GitHub at ${existing.slice(0, 12)}, which does not descend from this session's start commit: ` +
                'publish only creates or extends the branch it started in this run');
    }
    const created = await ensureRepository(sessions, name, sessionId, line);
    const pointer = { sessionId, namespace: sessions.namespace, repo: name, artifactsHead };
    let pointerSha;
    let pushed = true;
    try {
        if (created.main !== artifactsHead)
            await sessions.push(name, created.url, objectsDir, artifactsHead);
        else
            pushed = false;
        if (!existing) {
            // One push creates the branch with the start commit and the pointer: the App never sees the
            // session before its content is in Artifacts.
            pointerSha = await repo.commitTree(await repo.treeOf(startSha), [startSha], (0,pointer_commit/* encodePointerCommit */.D5)(pointer), baseline/* GITTRIX_IDENTITY */.Fb);
            await remote.pushFrom(repo, pointerSha, branch);
            pushed = true;
        }
        else {
            const published = await (0,lib_pointer/* publishPointer */.n)({ ws, remote, branch, haves: [startSha], pointer });
            pointerSha = published.sha;
            pushed ||= published.created;
        }
    }
    catch (error) {
        if (created.now)
            await sessions.delete(name).catch(() => false);
        throw error;
    }
    return publishedSession(repo, {
        start,
        startSha,
        headSha: artifactsHead,
        pushed,
        pointerSha,
        laterCommits: line.slice(1),
        artifacts: { kind: 'artifacts', namespace: sessions.namespace, repo: name, rootSha },
    });
}
/**
 * The commits of the Artifacts line, oldest first, after checking that they form one line: the oldest
 * has no parent, every other has only parents among them.
 */
async function artifactsLine(repo, head) {
    const lines = (await repo.text(['rev-list', '--topo-order', '--reverse', '--parents', head]))
        .split('\n')
        .filter(Boolean);
    const seen = new Set();
    lines.forEach((entry, i) => {
        const [sha, ...parents] = entry.split(' ');
        const ok = i === 0 ? parents.length === 0 : parents.length > 0 && parents.every((p) => seen.has(p));
        if (!ok)
            refuse(`commit ${sha.slice(0, 12)} of ${artifacts/* ARTIFACTS_BUNDLE_REF */.vq} does not descend from the session repository's root commit alone`);
        seen.add(sha);
    });
    return lines.map((entry) => entry.slice(0, 40));
}
/** The root commit carries the baseline's tree, no parent, and exactly `expected.message`. */
async function checkRoot(repo, rootSha, expected) {
    const raw = await repo.text(['cat-file', 'commit', rootSha]);
    const message = raw.slice(raw.indexOf('\n\n') + 2);
    if ((await repo.treeOf(rootSha)) !== (await repo.treeOf(expected.baselineSha)))
        refuse("the session repository's root commit does not carry the baseline's tree");
    // `text` trims the trailing newline the encoder writes.
    if (message !== expected.message.trimEnd())
        refuse("the session repository's root commit is not the baseline commit of this session and durable branch");
}
/**
 * Creates the session repository, or accepts the existing one when its `main` is absent or a commit of
 * `line` (a re-run); refuses any other content. Resolves its remote URL, its current `main` and whether
 * this call created it.
 */
async function ensureRepository(sessions, name, sessionId, line) {
    try {
        const url = await sessions.create(name, `Gittrix session ${sessionId}`);
        return { url, main: null, now: true };
    }
    catch (error) {
        if (!(error instanceof artifacts_errors/* ArtifactsApiError */.en && error.cloudflareCode === artifacts_errors/* ARTIFACTS_ERROR_CODES */.iw.ALREADY_EXISTS))
            throw error;
    }
    const url = await sessions.remote(name);
    if (!url)
        refuse(`Artifacts ${sessions.namespace}/${name} exists and vanished while it was read; run the job again`);
    const main = await sessions.mainHead(name, url);
    if (main && !line.includes(main))
        refuse(`Artifacts ${sessions.namespace}/${name} already exists with other content (main at ${main.slice(0, 12)}, not a commit of this session); ` +
            'publish only creates the repository or fast-forwards the one an earlier attempt of this run created');
    return { url, main, now: false };
}

// EXTERNAL MODULE: ./action/lib/bundle.ts
var bundle = __webpack_require__(6777);
// EXTERNAL MODULE: ./action/lib/session-notes.ts + 1 modules
var session_notes = __webpack_require__(718);
;// CONCATENATED MODULE: ./action/lib/publish.ts
/**
 * `mode: publish`: in a job of its own (`contents: write`, no agent code ever runs there), take the
 * bundle the agent's job wrote and create or fast-forward the session branch `gittrix/<id>` from it,
 * and nothing else.
 *
 * The bundle came from a job an agent controlled, so it is verified in a scratch bare repository of
 * Gittrix's own (sealed git: no system, global or repository configuration, hooks, filters, fsmonitor
 * or includes; objects checked with `fetch.fsckObjects`):
 * - it names exactly one ref, `refs/heads/gittrix/<session-id>` (besides, optionally, that session's
 *   notes refs), and one prerequisite, the baseline, which is fetched from GitHub (so it is a commit
 *   GitHub has);
 * - the oldest commit on top of the baseline is a start commit that parses strictly for that session
 *   and branch, whose only parent and tree are the baseline's, and which names THIS workflow run
 *   (`Gittrix-Run`), this job's durable branch and (when this job knows one) its link; every later
 *   commit descends from it alone (no other history);
 * - the baseline is the durable branch's head on GitHub or one of its ancestors;
 * - no commit adds a gitlink, and no blob is over GitHub's 100 MiB limit;
 * - the branch on GitHub does not exist yet, or holds a commit of this very session (a re-run).
 * Then the head is pushed to `refs/heads/gittrix/<id>` without force, together (`--atomic`) with the
 * session's notes refs `refs/notes/gittrix-sessions/<id>/<kind>` when the bundle names them: rebuilt
 * from the notes on this session's commits only (session-notes.ts), never pushed as the agent wrote
 * them. The outputs and summary are
 * computed from the verified commits, never from anything the agent's job reported.
 *
 * An Artifacts session (start commit `Gittrix-Ephemeral: artifacts://…`, two-job topology) is published
 * by publish-artifacts.ts: its bundle also names `refs/gittrix/artifacts-main`, the session
 * repository's content, which is verified the same way and pushed to Cloudflare Artifacts; GitHub's
 * branch gets the start commit and a pointer commit.
 */












/** Verifies and publishes (see the module comment). Throws `INVALID_ARGUMENT` naming what the bundle fails. */
async function publishSession(options) {
    const file = await bundleFile(options.bundle);
    const header = await (0,bundle/* readBundleHeader */.o)(file);
    const artifactsHead = header.refs.get(artifacts/* ARTIFACTS_BUNDLE_REF */.vq) ?? null;
    const notesRefs = [...header.refs.keys()].filter((name) => (0,branches/* parseSessionNotesRef */.et)(name) !== null);
    const refs = [...header.refs.entries()].filter(([name]) => name !== artifacts/* ARTIFACTS_BUNDLE_REF */.vq && !notesRefs.includes(name));
    const sessionId = refs.length === 1 ? (0,branches/* sessionIdFromRef */.Tq)(refs[0][0]) : null;
    if (!sessionId || refs[0][0] !== `refs/heads/gittrix/${sessionId}`)
        refuse(`it must name exactly one ref, refs/heads/gittrix/<session-id> (and ${artifacts/* ARTIFACTS_BUNDLE_REF */.vq} for an Artifacts session), ` +
            `not ${refs.length} (${describeRefs(refs)})`);
    if (header.prerequisites.length !== 1)
        refuse(`it must require exactly one commit (the baseline), not ${header.prerequisites.length}`);
    const other = notesRefs.find((name) => (0,branches/* parseSessionNotesRef */.et)(name).sessionId !== sessionId);
    if (other)
        refuse(`its notes ref ${JSON.stringify(other)} belongs to another session than ${sessionId}`);
    if (artifactsHead && notesRefs.length)
        refuse('an Artifacts session keeps no notes on GitHub, yet it names notes refs');
    const [ref, headSha] = refs[0];
    const baselineSha = header.prerequisites[0];
    const branch = `gittrix/${sessionId}`;
    return (0,network/* withScratchRepo */.nz)({}, async (repo) => {
        await options.remote.fetchInto(repo, [baselineSha], ['--depth=1']).catch((error) => {
            refuse(`its baseline ${baselineSha.slice(0, 12)} is not a commit of the repository (${error.message})`);
        });
        const wanted = artifactsHead ? [ref, artifacts/* ARTIFACTS_BUNDLE_REF */.vq] : [ref, ...notesRefs];
        await repo.run([
            'fetch',
            '--quiet',
            '--no-tags',
            '--no-write-fetch-head',
            file,
            ...wanted.map((name) => `${name}:${name}`),
        ], {
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
        if ((start.ephemeral.kind === 'artifacts') !== (artifactsHead !== null))
            refuse(artifactsHead
                ? `its start commit is a branch session's, yet it names ${artifacts/* ARTIFACTS_BUNDLE_REF */.vq}`
                : `its start commit names an Artifacts repository, yet it does not name ${artifacts/* ARTIFACTS_BUNDLE_REF */.vq}`);
        if (artifactsHead) {
            if (commits.length !== 1)
                refuse(`an Artifacts session's ${ref} holds its start commit only, not ${commits.length} commits`);
            await checkBaseline(repo, options, baselineSha, start.durableBranch);
            return publishArtifactsSession({
                repo,
                remote: options.remote,
                sessions: options.artifacts ?? null,
                repository: options.repository ?? null,
                start,
                startSha,
                artifactsHead,
            });
        }
        await checkContent(repo, baselineSha, headSha);
        await checkBaseline(repo, options, baselineSha, start.durableBranch);
        const existing = await options.remote.branchHead(branch);
        if (existing && !commits.includes(existing)) {
            refuse(`${branch} already exists on GitHub at ${existing.slice(0, 12)}, which is not a commit of this session: ` +
                'publish only creates or fast-forwards the branch it started in this run');
        }
        // The agent's notes, rebuilt from the notes on this session's commits only (session-notes.ts).
        const sources = Object.fromEntries(notesRefs.map((name) => [(0,branches/* parseSessionNotesRef */.et)(name).kind, name]));
        const notes = await (0,session_notes/* copySessionNotes */.Hr)(repo, sessionId, sources, commits);
        const pushed = existing !== headSha;
        if (pushed || Object.keys(notes).length)
            await options.remote.pushFrom(repo, headSha, branch, notes);
        return publishedSession(repo, {
            start,
            startSha,
            headSha,
            pushed,
            pointerSha: null,
            laterCommits: commits.slice(1),
        });
    });
}
/** The bundle file: `path` itself, or the only `*.bundle` in directory `path`. */
async function bundleFile(path) {
    const info = await (0,promises_.stat)(path).catch(() => null);
    if (!info) {
        throw new errors/* GittrixError */.UG('INVALID_ARGUMENT', `No session bundle at ${path}; download the agent job's artifact (actions/download-artifact) and pass its path as \`bundle\`.`);
    }
    if (info.isFile())
        return path;
    const bundles = (await (0,promises_.readdir)(path)).filter((name) => name.endsWith('.bundle'));
    if (bundles.length !== 1) {
        throw new errors/* GittrixError */.UG('INVALID_ARGUMENT', `${path} holds ${bundles.length} *.bundle files; publish takes exactly one session (one artifact per session).`);
    }
    return (0,external_node_path_.join)(path, bundles[0]);
}
async function checkStartCommit(repo, startSha, expected) {
    const raw = await repo.text(['cat-file', 'commit', startSha]);
    const parsed = (0,start_commit/* parseStartCommit */.jf)(raw.slice(raw.indexOf('\n\n') + 2), {
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
    const { runId, durableBranch, link } = expected.options;
    if (runId !== null && start.run !== runId)
        refuse(`its start commit names workflow run ${start.run ?? '(none)'}, not this run (${runId})`);
    if (start.durableBranch !== durableBranch)
        refuse(`it is based on ${JSON.stringify(start.durableBranch)}, but this job publishes sessions of ${JSON.stringify(durableBranch)}`);
    if (link !== null && start.link !== link)
        refuse(`it links to #${start.link ?? '(none)'}, not #${link}`);
    return start;
}
/** The baseline is the durable branch's head on GitHub or one of its ancestors. Refuses otherwise. */
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


/***/ })

};
