/* global Diff2HtmlUI, document, window, fetch, setInterval */
// The review page's script (served by src/review/server.ts under a strict Content-Security-Policy:
// this file and diff2html's bundle are the only scripts). diff2html renders the diff; this script
// adds the selection controls, the decision buttons and the refresh. Everything it writes into the
// page from the session (paths, task, messages) goes through textContent or dataset, never HTML.
'use strict'

/** The last review the server sent: `{ id, task, state, at, fingerprint, patch, files, … }`. */
let current = null
/** True while a promotion or discard runs (the refresh waits). */
let busy = false
/** The selection, kept across refreshes: path → 'all' or a Set of hunk ids. */
const picked = new Map()

const byId = (id) => document.getElementById(id)

function element(tag, content, className) {
  const node = document.createElement(tag)
  if (content !== undefined) node.textContent = content
  if (className) node.className = className
  return node
}

/** GET (no body) or POST (JSON body) to the page's API; throws with `detail` = the server's error. */
async function api(path, body) {
  const init =
    body === undefined
      ? { cache: 'no-store' }
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
  const response = await fetch(path, init)
  const data = await response
    .json()
    .catch(() => ({ error: { code: 'HTTP', message: `HTTP ${response.status}` } }))
  if (!response.ok) {
    const detail = data.error || { code: 'HTTP', message: `HTTP ${response.status}` }
    throw Object.assign(new Error(detail.message), { detail })
  }
  return data
}

function hunksOf(file) {
  return Array.isArray(file.hunks) ? file.hunks : []
}

function selectionOf(file) {
  const pick = picked.get(file.path)
  if (pick === 'all') return { whole: true, ids: new Set(hunksOf(file).map((h) => h.id)) }
  return { whole: false, ids: pick || new Set() }
}

function setFile(file, on) {
  if (on) picked.set(file.path, 'all')
  else picked.delete(file.path)
  syncControls()
}

function setHunk(file, id, on) {
  const ids = new Set(selectionOf(file).ids)
  if (on) ids.add(id)
  else ids.delete(id)
  const all = hunksOf(file).every((h) => ids.has(h.id))
  if (all) picked.set(file.path, 'all')
  else if (ids.size === 0) picked.delete(file.path)
  else picked.set(file.path, ids)
  syncControls()
}

/**
 * Drops selections of paths and hunks the review no longer has, and of files whose version (status,
 * mode, blob id) differs from the one shown when they were selected: a box ticked for some bytes
 * never promotes others the agent wrote since.
 */
function pruneSelection(review, before) {
  const byPath = new Map(review.files.map((f) => [f.path, f]))
  const now = review.versions || {}
  const was = (before && before.versions) || {}
  for (const [path, pick] of picked) {
    const file = byPath.get(path)
    if (!file || !now[path] || now[path] !== was[path]) picked.delete(path)
    else if (pick !== 'all') {
      const known = new Set(hunksOf(file).map((h) => h.id))
      const kept = new Set([...pick].filter((id) => known.has(id)))
      if (kept.size === 0) picked.delete(path)
      else picked.set(path, kept)
    }
  }
}

/** Every checkbox shows the selection; the Promote button is on when something is selected. */
function syncControls() {
  if (!current) return
  const files = new Map(current.files.map((f) => [f.path, f]))
  for (const box of document.querySelectorAll('input.gx-file-pick')) {
    const file = files.get(box.dataset.path)
    if (!file) continue
    const { whole, ids } = selectionOf(file)
    box.checked = whole
    box.indeterminate = !whole && ids.size > 0
  }
  for (const box of document.querySelectorAll('input.gx-hunk-pick')) {
    const file = files.get(box.dataset.path)
    if (file) box.checked = selectionOf(file).ids.has(box.dataset.hunk)
  }
  const every = current.files.length > 0 && current.files.every((f) => picked.get(f.path) === 'all')
  byId('gx-select-all').checked = every
  byId('gx-promote').disabled = busy || picked.size === 0 || current.state !== 'active'
  byId('gx-discard').disabled = busy || current.state !== 'active'
}

function fileBox(file, where) {
  const box = element('input', undefined, 'gx-file-pick')
  box.type = 'checkbox'
  box.dataset.path = file.path
  box.dataset.where = where
  box.title = 'Promote this whole file'
  box.addEventListener('change', () => setFile(file, box.checked))
  return box
}

function hunkBox(file, hunk) {
  const box = element('input', undefined, 'gx-hunk-pick')
  box.type = 'checkbox'
  box.dataset.path = file.path
  box.dataset.hunk = hunk.id
  box.title = `Promote hunk ${hunk.id}`
  box.addEventListener('change', () => setHunk(file, hunk.id, box.checked))
  return box
}

const STATUS = { added: 'A', modified: 'M', deleted: 'D' }

function drawFileTable(files) {
  const table = byId('gx-files')
  table.replaceChildren()
  for (const file of files) {
    const row = document.createElement('tr')
    const pick = element('td')
    pick.append(fileBox(file, 'summary'))
    row.append(pick, element('td', STATUS[file.status] || '?'), element('td', file.path, 'gx-path'))
    if (file.binary) row.append(element('td', 'binary'), element('td', ''))
    else
      row.append(element('td', `+${file.additions}`, 'gx-add'), element('td', `−${file.deletions}`, 'gx-del'))
    table.append(row)
  }
}

/** The text of a diff2html hunk-header row and a library hunk header, compared without spacing. */
function sameHeader(rowText, hunk) {
  const squash = (s) => String(s).replace(/\s+/g, ' ').trim()
  if (hunk.header) return squash(rowText) === squash(hunk.header)
  return (
    squash(rowText).startsWith(`@@ -${hunk.oldStart},`) || squash(rowText).startsWith(`@@ -${hunk.oldStart} `)
  )
}

/**
 * Renders the patch with diff2html, then puts a file checkbox in each file's header and a hunk
 * checkbox in each hunk's header row. diff2html draws the files in patch order, which is the order of
 * `files`; a file whose rendered name or hunk headers do not match the library's gets no checkboxes in
 * the diff (its summary checkbox still selects it whole), so a box never selects something else.
 */
function drawDiff(review) {
  const target = byId('gx-diff')
  target.replaceChildren()
  if (!review.patch) {
    target.append(element('p', review.state === 'active' ? 'Nothing left to review.' : '', 'gx-muted'))
    return
  }
  const ui = new Diff2HtmlUI(target, review.patch, {
    drawFileList: false,
    outputFormat: 'line-by-line',
    matching: 'lines',
    highlight: true,
    fileListToggle: false,
    fileContentToggle: false,
    synchronisedScroll: false,
    stickyFileHeaders: false,
    smartSelection: false,
  })
  ui.draw()
  ui.highlightCode()
  const wrappers = target.querySelectorAll('.d2h-file-wrapper')
  if (wrappers.length !== review.files.length) return
  wrappers.forEach((wrapper, index) => {
    const file = review.files[index]
    const name = wrapper.querySelector('.d2h-file-name')
    if (!name || name.textContent.trim() !== file.path) return
    wrapper.dataset.path = file.path
    name.before(fileBox(file, 'diff'))
    const rows = [...wrapper.querySelectorAll('tr')].filter((tr) =>
      tr.querySelector('td.d2h-info:not(.d2h-code-linenumber)'),
    )
    const hunks = hunksOf(file)
    if (hunks.length === 0 || rows.length !== hunks.length) return
    const cells = rows.map((row) => row.querySelector('td.d2h-info:not(.d2h-code-linenumber)'))
    if (!cells.every((cell, i) => sameHeader(cell.textContent, hunks[i]))) return
    cells.forEach((cell, i) => {
      const line = cell.querySelector('.d2h-code-line') || cell
      line.prepend(hunkBox(file, hunks[i]))
    })
  })
}

/**
 * Characters that change what a person reads without showing themselves: bidi marks, embeddings,
 * overrides and isolates (https://trojansource.codes/), zero-width characters and the byte-order mark,
 * and C0/C1 controls but tab and newline.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g

/**
 * Replaces every {@link HIDDEN} character in the text under `root` with a visible `⟨U+NNNN⟩` marker
 * (text, never markup) and says how many there were in the page's warning. Runs after the diff is
 * drawn and its checkboxes matched, so matching still compares the library's own text.
 */
function revealHidden(roots) {
  let count = 0
  for (const root of roots) {
    const walker = document.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */)
    const nodes = []
    while (walker.nextNode())
      if (walker.currentNode.nodeValue.search(HIDDEN) !== -1) nodes.push(walker.currentNode)
    for (const node of nodes) {
      const parts = []
      let last = 0
      const text = node.nodeValue
      for (const match of text.matchAll(HIDDEN)) {
        if (match.index > last) parts.push(document.createTextNode(text.slice(last, match.index)))
        const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
        parts.push(element('span', `⟨U+${code}⟩`, 'gx-hidden-char'))
        last = match.index + match[0].length
        count += 1
      }
      if (last < text.length) parts.push(document.createTextNode(text.slice(last)))
      node.replaceWith(...parts)
    }
  }
  const warning = byId('gx-hidden')
  warning.hidden = count === 0
  warning.textContent = count
    ? `This diff holds ${count} invisible or direction-changing character${count === 1 ? '' : 's'} (bidi overrides, zero-width or control characters), shown as ⟨U+…⟩: what a line seems to say may not be what it does.`
    : ''
}

function render(review) {
  const before = current
  current = review
  byId('gx-session').textContent = review.id
  byId('gx-task').textContent = review.task
  byId('gx-point').textContent = review.at
    ? `Showing workspace commit ${review.at.slice(0, 12)}; promotes onto ${review.durableBranch || 'the durable branch'}.`
    : `This session is ${review.state}: nothing left to review.`
  const files = review.files
  const word = files.length === 1 ? 'file' : 'files'
  byId('gx-stat').textContent = `${files.length} ${word} changed, +${review.additions} −${review.deletions}`
  pruneSelection(review, before)
  drawFileTable(files)
  drawDiff(review)
  revealHidden([byId('gx-files'), byId('gx-diff')])
  syncControls()
  document.body.dataset.review = 'ready'
  document.body.dataset.at = review.at || ''
}

async function load() {
  render(await api('./api/review'))
}

function showResult(lines, error) {
  const box = byId('gx-result')
  box.replaceChildren()
  box.className = error ? 'gx-result gx-error' : 'gx-result'
  for (const line of lines) box.append(typeof line === 'string' ? element('div', line) : line)
}

function showError(error) {
  const detail = error.detail || { message: String(error && error.message) }
  const lines = [`${detail.message}${detail.code ? ` (${detail.code})` : ''}`]
  if (Array.isArray(detail.conflictingFiles) && detail.conflictingFiles.length) {
    lines.push('Conflicting files (changed on the durable branch since the baseline):')
    const list = element('ul', undefined, 'gx-conflicts')
    for (const path of detail.conflictingFiles) list.append(element('li', path))
    lines.push(list)
  }
  showResult(lines, true)
}

async function decide(work) {
  busy = true
  syncControls()
  try {
    await work()
  } catch (error) {
    showError(error)
  } finally {
    busy = false
    syncControls()
  }
}

function promote() {
  return decide(async () => {
    const files = []
    const hunks = []
    for (const [path, pick] of picked) {
      if (pick === 'all') files.push(path)
      else hunks.push({ path, ids: [...pick] })
    }
    const message = byId('gx-message').value
    const body = {
      at: current.at,
      files,
      ...(hunks.length ? { hunks } : {}),
      ...(message.trim() ? { message } : {}),
    }
    const outcome = await api('./api/promote', body)
    picked.clear()
    const list = element('ul')
    for (const path of outcome.files) list.append(element('li', path))
    showResult([`Promoted as ${outcome.sha.slice(0, 12)} on ${outcome.branch}:`, list])
    document.body.dataset.promoted = outcome.sha
    await load()
  })
}

function discard() {
  if (
    !window.confirm(`Discard session ${current.id}? Its workspace is removed and nothing more is promoted.`)
  )
    return Promise.resolve()
  return decide(async () => {
    await api('./api/discard', {})
    picked.clear()
    showResult([`Session ${current.id} discarded.`])
    await load()
  })
}

/** Polls the workspace's fingerprint; a change reloads the review, keeping the selection of unchanged files. */
async function poll() {
  if (busy || !current || current.state !== 'active') return
  try {
    const status = await api('./api/status')
    if (status.fingerprint === current.fingerprint || busy) return
    const before = current.at
    await load()
    if (current.at !== before) {
      const notice = byId('gx-notice')
      notice.textContent = `The workspace changed: the page now shows commit ${String(current.at || '').slice(0, 12)}.`
      notice.hidden = false
    }
  } catch {
    // The server is gone or busy: the next poll tries again.
  }
}

byId('gx-promote').addEventListener('click', () => void promote())
byId('gx-discard').addEventListener('click', () => void discard())
byId('gx-select-all').addEventListener('change', (event) => {
  if (!current) return
  for (const file of current.files) setFile(file, event.target.checked)
})
load().catch(showError)
setInterval(() => void poll(), 2000)
