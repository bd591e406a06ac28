// The front desk's page: terminal enrolment, the card check with the reader's live state, the
// document fallback and today's checks. No framework; every text comes from i18n.js.
import { strings } from './i18n.js';

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem('madoguchi.lang') === 'en' ? 'en' : 'ja';
const t = (key, ...args) => {
  const v = strings[lang][key] ?? strings.ja[key] ?? key;
  return typeof v === 'function' ? v(...args) : v;
};

// The API's presentation contexts. The page offers the situations in the rules' words; the
// daemon accepts these names (older daemons: patient | card_unreadable | escort, used as a
// fallback when the new name is refused with api.bad_context).
const LEGACY_CONTEXT = {
  counter: 'patient',
  parent_with_child: 'patient',
  card_unreadable: 'card_unreadable',
  school_escort: 'escort',
};

const session = { terminal: '', csrf: '' };

// --- HTTP ---------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.code || `http.${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, { json, body, type } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (type) {
    headers['Content-Type'] = type;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { code: 'network' });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && session.csrf && path !== '/v1/desk/enrol') signedOut(true);
    throw new ApiError(res.status, data);
  }
  return data;
}

function showNotice(text) {
  const n = $('notice');
  n.textContent = text || '';
  n.hidden = !text;
}

function errorText(e) {
  if (e instanceof ApiError && e.status === 0) return t('error_network');
  return t('error_generic', e.problem?.code || e.message);
}

// --- Language -----------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = `${t('app_title')} — Madoguchi`;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  const l = $('lang');
  l.textContent = t('lang_switch');
  l.lang = lang === 'ja' ? 'en' : 'ja';
  renderReader();
  renderPinPad();
  rerender.forEach((f) => f());
}
const rerender = new Set();

$('lang').addEventListener('click', () => {
  lang = lang === 'ja' ? 'en' : 'ja';
  localStorage.setItem('madoguchi.lang', lang);
  applyLanguage();
});

// --- Sign-in ------------------------------------------------------------------------------

function signedIn(s) {
  session.terminal = s.terminal_id;
  session.csrf = s.csrf_token;
  $('terminal-id').textContent = s.terminal_id;
  $('terminal').hidden = false;
  $('sign-out').hidden = false;
  $('enrol').hidden = true;
  $('desk').hidden = false;
  showNotice('');
  selectTab('card');
  watchReader();
  refreshToday();
}

function signedOut(expired) {
  session.terminal = '';
  session.csrf = '';
  $('terminal').hidden = true;
  $('sign-out').hidden = true;
  $('desk').hidden = true;
  $('enrol').hidden = false;
  showNotice(expired ? t('session_expired') : '');
  $('enrol-code').focus();
}

$('enrol-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = $('enrol-error');
  err.hidden = true;
  try {
    const s = await api('POST', '/v1/desk/enrol', { json: { code: $('enrol-code').value } });
    $('enrol-code').value = '';
    signedIn(s);
  } catch (e) {
    err.textContent = e.problem?.code === 'desk.code_invalid' ? t('enrol_invalid') : errorText(e);
    err.hidden = false;
  }
});

$('sign-out').addEventListener('click', async () => {
  try {
    await api('POST', '/v1/desk/sign-out');
  } catch (e) {
    /* signed out either way */
  }
  signedOut(false);
});

// --- Tabs and keys ------------------------------------------------------------------------

const TABS = ['card', 'document', 'today'];
let currentTab = 'card';

function selectTab(name) {
  currentTab = name;
  for (const tab of TABS) {
    $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(`tab-${tab}`).tabIndex = tab === name ? 0 : -1;
    $(`panel-${tab}`).hidden = tab !== name;
  }
  if (name === 'today') refreshToday();
  if (name === 'document') $('drop').focus();
}
for (const tab of TABS) $(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
document.querySelector('.tabs').addEventListener('keydown', (ev) => {
  const i = TABS.indexOf(currentTab);
  if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
    const next = TABS[(i + (ev.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
    selectTab(next);
    $(`tab-${next}`).focus();
    ev.preventDefault();
  }
});

document.addEventListener('keydown', (ev) => {
  if ($('desk').hidden) return;
  if (ev.altKey && ['1', '2', '3'].includes(ev.key)) {
    selectTab(TABS[Number(ev.key) - 1]);
    ev.preventDefault();
    return;
  }
  const inField = ev.target instanceof HTMLInputElement && ev.target.type !== 'radio';
  if (currentTab === 'card' && !inField && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
    if (/^[0-9]$/.test(ev.key)) {
      pinKey(ev.key);
      ev.preventDefault();
    } else if (ev.key === 'Backspace') {
      pinKey('back');
      ev.preventDefault();
    } else if (ev.key === 'Escape') {
      pinKey('clear');
    } else if (ev.key === 'Enter' && !(ev.target instanceof HTMLButtonElement)) {
      pinKey('enter');
      ev.preventDefault();
    }
  } else if (currentTab === 'document' && ev.key === 'Enter' && !inField &&
             !(ev.target instanceof HTMLButtonElement) && ev.target.id !== 'drop') {
    if (!$('document-check').disabled) checkDocument();
  }
});

// --- Reader state (long poll) -------------------------------------------------------------

const reader = { state: 'unknown', version: 0, watching: false };
// The PIN pad's situation for the card now on the reader.
const card = { tries: null, checking: false, visual: false, message: '' };

function renderReader() {
  const box = $('reader');
  box.dataset.state = reader.state;
  const help = { no_reader: 'reader_no_reader_help', removed: 'reader_removed_help' }[reader.state];
  $('reader-text').replaceChildren(
    el('strong', {}, t(`reader_${reader.state}`)),
    ...(help ? [el('span', { class: 'sub' }, t(help))] : []),
  );
}

async function watchReader() {
  if (reader.watching) return;
  reader.watching = true;
  while (session.csrf) {
    try {
      const s = await api('GET', `/v1/reader/state?since=${reader.version}&wait=20`);
      if (s.version !== reader.version || s.state !== reader.state) readerChanged(s);
    } catch (e) {
      if (!session.csrf) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  reader.watching = false;
}

function readerChanged(s) {
  const before = reader.state;
  reader.state = s.state;
  reader.version = s.version;
  renderReader();
  if (s.state === 'empty' || s.state === 'removed' || s.state === 'no_reader') {
    // A new card starts afresh: its own tries, a cleared PIN.
    card.tries = null;
    card.visual = false;
    card.message = '';
    pin = '';
  }
  // Asked once per card: its own exchanges also pass through "reading".
  if (s.state === 'card_present' && before !== 'reading' && before !== 'card_present') loadTries();
  renderPinPad();
}

async function loadTries() {
  try {
    const r = await api('GET', '/v1/reader/pin-tries');
    card.tries = r.remaining;
  } catch (e) {
    card.tries = null;
  }
  renderPinPad();
}

// --- PIN pad ------------------------------------------------------------------------------

let pin = '';

function renderPinPad() {
  const cardHere = reader.state === 'card_present' || reader.state === 'reading';
  // Never offer the try that would lock the card: with one left (or none) only 目視確認.
  const blocked = card.tries !== null && card.tries <= 1;
  $('pin').hidden = !cardHere || blocked || card.visual;
  $('visual').hidden = !cardHere || !(blocked || card.visual);
  $('visual-offer').parentElement.hidden = !cardHere || blocked || card.visual;
  $('visual-text').replaceChildren(
    ...(blocked ? [el('strong', {}, t(card.tries <= 0 ? 'locked_block' : 'last_try_block'))] : []),
    el('span', {}, t('visual_prompt')),
    el('span', { class: 'sub' }, t('visual_recorded')),
  );
  const dots = $('pin-dots').children;
  for (let i = 0; i < dots.length; i++) dots[i].classList.toggle('on', i < pin.length);
  $('pin-dots').setAttribute('aria-label', `PIN ${pin.length}/4`);
  $('tries').textContent = card.message || (card.tries !== null ? t('tries_left', card.tries) : '');
  $('tries').classList.toggle('warn', Boolean(card.message));
  $('pin-enter').disabled = pin.length !== 4 || card.checking;
  for (const b of $('pad').querySelectorAll('button')) if (b !== $('pin-enter')) b.disabled = card.checking;
}

function pinKey(k) {
  if ($('pin').hidden || card.checking) return;
  if (k === 'clear') pin = '';
  else if (k === 'back') pin = pin.slice(0, -1);
  else if (k === 'enter') {
    if (pin.length === 4) checkCard({ pin });
    return;
  } else if (pin.length < 4) pin += k;
  card.message = '';
  renderPinPad();
}

$('pad').addEventListener('click', (ev) => {
  const b = ev.target.closest('button');
  if (b) pinKey(b.dataset.digit);
});
$('visual-offer').addEventListener('click', () => {
  card.visual = true;
  renderPinPad();
  $('visual-confirm').focus();
});
$('visual-confirm').addEventListener('click', () => checkCard({ visual_confirmation: true }));

async function checkCard(body) {
  card.checking = true;
  pin = '';  // the PIN leaves the page with this request and is not kept
  renderPinPad();
  try {
    const d = await api('POST', '/v1/checks/by-card', { json: body });
    const codes = (d.reasons || []).map((r) => r.code);
    if (codes.includes('card_wrong_pin')) {
      await loadTries();
      card.message = t('wrong_pin', card.tries ?? '?');
    } else if (codes.includes('card_pin_last_try') || codes.includes('card_locked')) {
      card.tries = codes.includes('card_locked') ? 0 : 1;
    }
    showResult($('card-result'), d);
  } catch (e) {
    showProblem($('card-result'), e);
  } finally {
    card.checking = false;
    renderPinPad();
    refreshToday();
  }
}

// --- Results ------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== '') e.append(c);
  return e;
}

const OUTCOME_MARK = { accepted: '✓', accepted_unconfirmed: '✓', refused: '✕', failed: '!', needs_more: '?' };

function outcomeBadge(outcome) {
  return el('p', { class: `badge outcome-${outcome}` },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, OUTCOME_MARK[outcome] || '?'),
    el('span', {}, t(`outcome_${outcome}`)));
}

function row(label, value, extra) {
  if (value === undefined || value === null || value === '') return null;
  return el('div', { class: 'row' }, el('dt', {}, label), el('dd', {}, value, extra || ''));
}

function qualificationRows(q) {
  const ids = [q.symbol, q.number, q.branch].filter(Boolean).join(' ・ ');
  const rel = q.relationship === 'self' ? t('q_self') : q.relationship === 'dependent' ? t('q_dependent') : q.relationship;
  const copay = q.copay_percent !== undefined ? `${q.copay_percent / 10}割` : undefined;
  const known = new Set(['validity', 'insurer_name', 'insurer_number', 'symbol', 'number', 'branch',
    'relationship', 'copay_percent', 'copay_valid_until', 'valid_until', 'qualification_date',
    'name', 'name_kana', 'birth_date', 'disqualification_date']);
  const rows = [
    row(t('q_insurer'), q.insurer_name),
    row(t('q_insurer_number'), q.insurer_number),
    row(t('q_symbol_number'), ids),
    row(t('q_relationship'), rel),
    row(t('q_copay'), copay && el('strong', { class: 'big' }, lang === 'en' ? `${q.copay_percent}%` : copay),
      q.copay_valid_until ? t('q_copay_until', q.copay_valid_until) : ''),
    row(t('q_name'), q.name),
    row(t('q_birth_date'), q.birth_date),
    row(t('q_qualification_date'), q.qualification_date),
    row(t('q_valid_until'), q.valid_until),
  ];
  // 高齢受給者・限度額適用 and whatever else the gateway sends: shown as sent.
  for (const [k, v] of Object.entries(q)) {
    if (known.has(k) || v === null || typeof v === 'object') continue;
    const label = /elder|kourei/.test(k) ? t('q_elderly') : /limit|gendo/.test(k) ? t('q_limit') : null;
    if (label) rows.push(row(label, String(v)));
  }
  return rows;
}

function decisionView(d, compact = false) {
  const msg = lang === 'en' ? d.message_en : d.message_ja;
  const reasons = (d.reasons || []).map((r) => el('li', { 'data-code': r.code }, lang === 'en' ? r.message_en : r.message_ja));
  const certAlert = (d.reasons || []).some((r) => /certificate_(renewal|grace)/.test(r.code));
  return [
    outcomeBadge(d.outcome),
    msg ? el('p', { class: 'message' }, msg) : null,
    certAlert ? el('p', { class: 'alert', role: 'note' }, el('span', { 'aria-hidden': 'true' }, '⚠ '), t('cert_alert')) : null,
    // Beside a document, the online answer's key facts only: the document's fields follow.
    d.qualification ? el('dl', { class: 'facts' }, compact ? qualificationRows(d.qualification).slice(0, 5) : qualificationRows(d.qualification)) : null,
    reasons.length > 1 ? el('details', {}, el('summary', {}, t('reasons')), el('ul', {}, reasons)) : null,
    el('p', { class: 'record' }, `${t('check_id')}: `, el('code', {}, d.check_id || '')),
  ];
}

const idleOf = (box) => $(box.id.replace('-result', '-idle'));

// The desk's sentence for each check this page showed, for today's list (the audit log
// keeps reason codes only).
const shownMessages = new Map();

function showResult(box, d, extra = []) {
  if (d.check_id) shownMessages.set(d.check_id, d);
  const render = () => box.replaceChildren(...[...decisionView(d, extra.length > 0), ...extra.map((f) => f())].filter(Boolean));
  render();
  box.dataset.outcome = d.outcome;
  box.hidden = false;
  idleOf(box).hidden = true;
  rerender.add(render);
}

function showProblem(box, e) {
  const p = e.problem || {};
  box.replaceChildren(...[
    outcomeBadge('failed'),
    el('p', { class: 'message' }, p.title && lang === 'en' ? p.title : errorText(e)),
    p.detail ? el('p', { class: 'sub' }, p.detail) : null,
    p.check_id ? el('p', { class: 'record' }, `${t('check_id')}: `, el('code', {}, p.check_id)) : null,
  ].filter(Boolean));
  box.dataset.outcome = 'failed';
  box.hidden = false;
  idleOf(box).hidden = true;
}

// --- Document fallback --------------------------------------------------------------------

let chosen = null;

function choose(file) {
  chosen = file || null;
  $('drop-file').textContent = chosen ? t('drop_chosen', chosen.name, Math.ceil(chosen.size / 1024)) : '';
  $('drop').classList.toggle('has-file', Boolean(chosen));
  $('document-check').disabled = !chosen;
  if (chosen) $('document-check').focus();
}
$('file').addEventListener('change', (ev) => choose(ev.target.files[0]));
$('photo').addEventListener('change', (ev) => choose(ev.target.files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (ev) => {
  ev.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  drop.classList.remove('over');
  choose(ev.dataTransfer.files[0]);
});
drop.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' || ev.key === ' ') {
    ev.preventDefault();
    $('file').click();
  }
});
$('document-check').addEventListener('click', () => checkDocument());

function situation() {
  return document.querySelector('input[name="situation"]:checked').value;
}

async function checkDocument() {
  if (!chosen) return;
  const box = $('document-result');
  const button = $('document-check');
  button.disabled = true;
  button.textContent = t('checking');
  const send = (context) => api('POST', `/v1/checks/by-document?context=${encodeURIComponent(context)}`,
    { body: chosen, type: chosen.type || 'application/octet-stream' });
  try {
    let d;
    try {
      d = await send(situation());
    } catch (e) {
      if (e.problem?.code !== 'api.bad_context') throw e;
      d = await send(LEGACY_CONTEXT[situation()]);
    }
    showResult(box, d, [() => documentView(d)]);
  } catch (e) {
    showProblem(box, e);
  } finally {
    button.disabled = false;
    button.textContent = t('document_check');
    refreshToday();
  }
}

const FIELD_ORDER = ['insurer_name', 'insurer_number', 'symbol', 'number', 'branch', 'name',
  'name_kana', 'birth_date', 'relationship', 'copay_ratio', 'valid_from', 'valid_until',
  'qualification_date', 'issued_on', 'saved_at'];
const CORRECTABLE = ['insurer_number', 'symbol', 'number', 'branch', 'birth_date'];

function documentView(d) {
  const doc = d.document;
  if (!doc) return el('span');
  const ocr = doc.text_source === 'ocr';
  const fields = doc.fields || {};
  const rows = FIELD_ORDER.filter((k) => fields[k] !== undefined).map((k) => {
    let v = fields[k];
    if (k === 'copay_ratio') v = lang === 'en' ? `${v}%` : `${v / 10}割`;
    if (k === 'relationship') v = v === 'self' ? t('q_self') : t('q_dependent');
    const c = doc.confidence?.[k];
    const low = ocr && c !== undefined && c < 0.9;
    const src = ocr
      ? el('span', { class: `conf${low ? ' low' : ''}` }, low ? `⚠ ${t('doc_check_paper')} · ` : '', t('doc_source_ocr', Math.round((c ?? 0) * 100)))
      : '';  // printed text of a PDF: nothing to doubt
    return el('div', { class: `row${low ? ' low' : ''}`, 'data-field': k }, el('dt', {}, t('f')[k] || k), el('dd', {}, String(v), ' ', src));
  });
  const wrap = el('section', { class: 'document' },
    el('h3', {}, t('doc_type')[doc.document_type] || doc.document_type),
    el('p', { class: 'sub' }, t('doc_fields')),
    el('dl', { class: 'facts small' }, rows));
  // The desk may correct a misread identifier and check by number: a new, separately audited
  // check; what was read stays as it was in the first record.
  if (fields.insurer_number || fields.number) {
    const form = el('form', { class: 'correct', hidden: true });
    for (const k of CORRECTABLE) {
      form.append(el('label', {}, el('span', {}, t('f')[k]),
        el('input', { name: k, value: fields[k] || '', inputmode: k === 'birth_date' ? 'numeric' : 'text', autocomplete: 'off' })));
    }
    form.append(el('p', { class: 'sub' }, t('correct_note')), el('button', { type: 'submit', class: 'primary' }, t('correct_submit')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = {};
      for (const k of CORRECTABLE) if (form.elements[k].value) body[k] = form.elements[k].value.trim();
      const box = $('document-result');
      try {
        const r = await api('POST', '/v1/checks/by-number', { json: body });
        showResult(box, r);
      } catch (e) {
        showProblem(box, e);
      }
      refreshToday();
    });
    const open = el('button', { type: 'button', class: 'link' }, t('correct'));
    open.addEventListener('click', () => {
      form.hidden = false;
      open.hidden = true;
      form.elements[0].focus();
    });
    wrap.append(open, form);
  }
  return wrap;
}

// --- Today --------------------------------------------------------------------------------

function todayInJapan() {
  return new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
}

function timeInJapan(iso) {
  return new Date(Date.parse(iso) + 9 * 3600e3).toISOString().slice(11, 16);
}

let todayTimer = null;
let todayRecords = [];

async function refreshToday() {
  if (!session.csrf) return;
  clearTimeout(todayTimer);
  try {
    const q = new URLSearchParams({ from: todayInJapan(), terminal: session.terminal, limit: '200' });
    const r = await api('GET', `/v1/checks?${q}`);
    todayRecords = r.records || r.items || r.checks || [];
    renderToday();
    $('today-updated').textContent = t('updated', new Date().toLocaleTimeString(lang === 'en' ? 'en-GB' : 'ja-JP'));
  } catch (e) {
    /* shown again on the next round */
  }
  // Updates without reload; often enough for a queue at the counter, cheap for the daemon.
  todayTimer = setTimeout(refreshToday, 10000);
}

function recordsTable(records, withState) {
  const head = el('tr', {}, el('th', { scope: 'col' }, t('col_time')), el('th', { scope: 'col' }, t('col_method')),
    el('th', { scope: 'col' }, t('col_outcome')), el('th', { scope: 'col' }, t('col_insurer')),
    el('th', { scope: 'col' }, withState ? t('col_state') : t('col_reason')));
  const rows = records.map((r) => el('tr', { class: `outcome-${r.outcome}`, 'data-check-id': r.check_id },
    el('td', {}, timeInJapan(r.time)),
    el('td', {}, t('method')[r.method] || r.method),
    el('td', {}, el('span', { 'aria-hidden': 'true' }, `${OUTCOME_MARK[r.outcome] || ''} `), t(`outcome_${r.outcome}`)),
    el('td', {}, r.identity?.insurer_number || '—'),
    el('td', {}, withState ? t('recheck_pending') : reasonText(r))));
  return el('table', { class: 'records' }, el('thead', {}, head), el('tbody', {}, rows));
}

function reasonText(r) {
  const shown = shownMessages.get(r.check_id);
  const first = shown?.reasons?.[0];
  if (first) return lang === 'en' ? first.message_en : first.message_ja;
  return el('code', { class: 'sub' }, (r.reasons || [])[0] || '');
}

function renderToday() {
  const unconfirmed = todayRecords.filter((r) => r.outcome === 'accepted_unconfirmed');
  $('unconfirmed').replaceChildren(unconfirmed.length ? recordsTable(unconfirmed, true) : el('p', { class: 'sub' }, t('unconfirmed_none')));
  $('today').replaceChildren(todayRecords.length ? recordsTable(todayRecords, false) : el('p', { class: 'sub' }, t('today_none')));
  const count = $('unconfirmed-count');
  count.textContent = String(unconfirmed.length);
  count.hidden = unconfirmed.length === 0;
}
rerender.add(renderToday);

// --- Start --------------------------------------------------------------------------------

async function start() {
  applyLanguage();
  try {
    const s = await api('GET', '/v1/desk/session');
    if (s && s.signed_in) signedIn(s);
    else signedOut(Boolean(s && s.expired));
  } catch (e) {
    signedOut(false);
    if (e.status !== 401) showNotice(errorText(e));
  }
}
start();
