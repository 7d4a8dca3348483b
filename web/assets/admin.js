/* sellahead merchant console: plain DOM, no framework. The session cookie is HttpOnly; the
 * CSRF token lives only in memory (from GET /v1/session) and goes out as X-CSRF-Token. */
'use strict';

const $ = (s) => document.querySelector(s), $$ = (s) => document.querySelectorAll(s);
let csrf = null;

/* h('p.x', {onclick: fn}, 'text', node, [more]), class and attributes optional: strings
 * become text, never HTML. */
function h(tag, attrs, ...kids) {
  const [name, ...cls] = tag.split('.'), e = document.createElement(name);
  if (name === 'button') e.type = 'button'; // never a form's submit
  if (cls.length) e.className = cls.join(' ');
  if (attrs?.constructor !== Object) kids.unshift(attrs), attrs = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v != null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...kids.flat(2).filter((k) => k != null && k !== false && k !== ''));
  return e;
}

const qs = (o) => '?' + new URLSearchParams(Object.entries(o).filter(([, v]) => v));
const cap = (s) => s[0].toUpperCase() + s.slice(1);
const label = (c) => (c ? cap(c.toLowerCase().replace(/_/g, ' ')) : '');
const badge = (c) => h(`span.badge.b-${c}`, label(c));
const btn = (text, name, onclick, cls = '') => h('button' + cls, { 'aria-label': name, onclick }, text);
const when = (t) => (t ? t.replace('T', ' ').replace(/:\d\dZ$/, ' UTC') : '');
const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;

function money(v, cur) {
  try {
    const f = new Intl.NumberFormat('en', { style: 'currency', currency: cur });
    return f.format(v / 10 ** f.resolvedOptions().maximumFractionDigits);
  } catch {
    return `${v} ${cur}`;
  }
}

/* A status line (role=status in the page); bad marks it as an error. */
function say(el, text, bad) {
  el = typeof el === 'string' ? $(el) : el;
  el.textContent = text;
  el.classList.toggle('bad', !!bad);
}

async function api(path, { method = 'GET', body, form } = {}) {
  const headers = {};
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: form || (body && JSON.stringify(body)) });
  } catch {
    return { status: 0, data: { error: { message: 'the server cannot be reached: check the connection and try again' } } };
  }
  const data = await res.json().catch(() => null);
  // The session ended (expired, or logged out in another tab): back to the login form.
  if (res.status === 401 && csrf && path !== '/v1/session') showLogin('Your session has ended. Log in again.');
  return { ok: res.ok, status: res.status, data };
}
const errMsg = (r) => cap(r.data?.error?.message || `the request failed (HTTP ${r.status})`) + '.';

/* Explicit roles: narrow screens show rows as cards, which drops the implicit ones. '' for no
 * rows. */
function table(caption, cols, rows, cells) {
  return !rows.length ? '' : h('table', { role: 'table' }, h('caption', caption),
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' },
      cols.map((c) => h('th', { scope: 'col', role: 'columnheader' }, c)))),
    h('tbody', { role: 'rowgroup' }, rows.map((r) => h('tr', { role: 'row' },
      cells(r).map((c, i) => h('td', { role: 'cell', 'data-label': cols[i] }, c))))));
}

/* Keyset pagination: the cursor of every page seen is kept so "Previous" can go back. p.q:
 * the search form's q as sent. */
function pager(nav, load, search) {
  const [prev, info, next] = nav.children;
  const p = { stack: [''], next: null, seq: 0, cursor: () => p.stack.at(-1) };
  nav.onclick = (e) => {
    const go = +e.target.dataset.go;
    if (go > 0 && p.next) p.stack.push(p.next);
    else if (go < 0 && p.stack.length > 1) p.stack.pop();
    else return;
    load();
  };
  p.show = (cursor) => {
    p.next = cursor;
    prev.disabled = p.stack.length < 2;
    next.disabled = !cursor;
    info.textContent = `Page ${p.stack.length}`;
    nav.hidden = prev.disabled && next.disabled;
    if (document.activeElement?.disabled) (prev.disabled ? next : prev).focus();
  };
  // A new search or filter: page 1 again.
  p.reset = (e) => {
    e.preventDefault();
    p.stack = [''];
    load();
  };
  if (search) search.onsubmit = (e) => {
    p.q = search.elements.q.value.trim();
    p.reset(e);
  };
  // The page at the cursor (nothing on error), saying in st that it loads.
  p.get = async (st, path, params) => {
    const seq = ++p.seq;
    say(st, 'Loading…');
    const r = await api(path + qs({ limit: 50, ...params, cursor: p.cursor() }));
    if (seq !== p.seq) return; // a newer search or refresh is on its way
    if (!r.ok) return say(st, errMsg(r), 1);
    p.show(r.data.nextCursor);
    return r.data;
  };
  // The page as a table in el; st says text(rows, d) and the page, or none.
  p.list = async (st, path, params, text, none, el, caption, cols, cells) => {
    const d = await p.get(st, path, params), n = d?.items.length;
    if (!d) return;
    say(st, n ? `${text(n, d)}, page ${p.stack.length}.` : none);
    $(el).replaceChildren(table(caption, cols, d.items, cells));
  };
  return p;
}

/* --- login, logout, views --- */

const loaders = {
  inventory: loadInventory, products: loadProducts, imports: loadImports, orders: loadOrders,
  'purchase-orders': loadPOs, receipts: loadReceipts, limits: () => {}, settings: loadSettings, outbox: loadOutbox,
};

function route(focus) {
  if (!csrf) return;
  const hash = location.hash.slice(1).split('/')[0];
  const v = Object.hasOwn(loaders, hash) ? hash : 'inventory';
  for (const s of $$('.view')) s.hidden = s.id !== 'view-' + v;
  for (const a of $$('#nav a')) a.ariaCurrent = a.hash === '#' + v ? 'page' : null;
  const title = $(`#view-${v} h1`);
  document.title = `${title.textContent} · sellahead console`;
  loaders[v]();
  if (focus) title.focus();
}
addEventListener('hashchange', () => route(true));

function showLogin(note) {
  csrf = null;
  document.body.classList.remove('booting');
  $('#nav').hidden = $('#who').hidden = true;
  for (const v of $$('.view')) v.hidden = true;
  for (const d of $$('dialog[open]')) d.close();
  // Nothing of the last session stays in the page.
  for (const d of $$('.data')) d.replaceChildren();
  $('#login').hidden = false;
  say('#login-note', note || '');
  document.title = 'Log in · sellahead console';
  $('#login-name').focus();
}

function showApp(s) {
  csrf = s.csrfToken;
  document.body.classList.remove('booting');
  $('#login').hidden = true;
  say('#who-name', s.user);
  $('#nav').hidden = $('#who').hidden = false;
  route(true);
}

$('#login-form').onsubmit = async (e) => {
  e.preventDefault();
  const err = $('#login-error');
  say(err, '');
  const r = await api('/v1/session', { method: 'POST', body: Object.fromEntries(new FormData(e.target)) });
  if (!r.ok) {
    // 401: wrong name or password; 429: locked for a while after repeated failures.
    say(err, errMsg(r));
    $('#login-password').select();
    return;
  }
  e.target.reset();
  showApp(r.data);
};

$('#logout').onclick = async () => {
  await api('/v1/session', { method: 'DELETE' });
  showLogin('You are logged out.');
};

/* A modal question; resolves with the typed text (or true), null when dismissed. */
function ask({ title, text = '', field, ok }) {
  const d = $('#ask'), input = $('#ask-input'), back = document.activeElement;
  say('#ask-title', title);
  say('#ask-text', text);
  say('#ask-ok', ok);
  say('#ask-label', field || '');
  $('#ask-field').hidden = input.disabled = !field;
  input.required = !!field;
  input.value = '';
  d.returnValue = '';
  d.showModal();
  if (!field) $('#ask-no').focus(); // a confirmation starts on the harmless choice
  return new Promise((done) => d.addEventListener('close', () => {
    back?.focus();
    done(d.returnValue === 'ok' ? (field ? input.value.trim() : true) : null);
  }, { once: true }));
}

/* --- inventory overview (read-only) --- */

const inv = pager($('#inv-pager'), loadInventory, $('#inv-search'));

function loadInventory() {
  const match = inv.q ? ` matching “${inv.q}”` : '';
  // Counting stops at 10,000 (the count must stay cheap at 1M SKUs): then "more than".
  inv.list('#inv-status', '/v1/inventory', { q: inv.q }, (_, { total: n, totalExact }) =>
    `${totalExact ? '' : 'More than '}${n.toLocaleString('en')} SKU${n === 1 ? '' : 's'}${match}`, `No SKU${match}.`,
  '#inv-table', 'Inventory by SKU', ['SKU', 'Name', 'On hand', 'In transit', 'Reserved', 'Allocated', 'Available', 'Status', 'Oversold'],
  (i) => [h('code.id', i.sku), nameCell(i), i.onhand,
    detail(i.intransit, i.positions.filter((p) => p.stockType === 'intransit'), (p) => [h('code', p.transitRef),
      ` ${p.locationId}: ${p.quantity}, `, p.transitStockDate ? `stock ${p.transitStockDate}` : h('em', 'no date')]),
    i.reserved, i.allocated, detail(i.available, i.limits, (l) => `${l.locationId}: ${limText(l)}`),
    [badge(i.status), i.lowStock && [' ', badge('LOW_STOCK')]], i.oversold ? badge('OVERSOLD') : 'No']);
}

/* A figure with its parts listed below it. */
const detail = (n, rows, line) => [String(n), rows.length ? h('ul.transits', rows.map((r) => h('li', line(r)))) : ''];

/* --- import dialog and history --- */

/* A CSV import dialog: upload, then the job and its line errors. */
function importDialog(id, url, done, reload) {
  const d = $('#' + id), form = $(`#${id}-form`), file = form.elements.file, st = $(`#${id}-status`), out = $(`#${id}-result`);
  const open = $(`#${id}-open`);
  let uploading = false;
  open.onclick = () => {
    form.reset();
    say(st, '');
    out.replaceChildren();
    d.showModal();
  };
  $(`#${id}-close`).onclick = () => d.close();
  d.addEventListener('close', () => open.focus());
  form.onsubmit = async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (uploading) return;
    out.replaceChildren();
    if (!f) {
      say(st, 'Choose a CSV file first.', 1);
      return file.focus();
    }
    uploading = true;
    say(st, `Uploading ${f.name}…`);
    const r = await api(url, { method: 'POST', form: new FormData(form) });
    uploading = false;
    const job = r.data;
    if (!job?.status) return say(st, errMsg(r), 1);
    const ok = job.status === 'COMPLETED';
    say(st, ok ? `Import completed: ${done(job.rowsApplied)}.`
      : `Import failed: ${plural(job.totalRowsErrors, 'error')}, nothing changed. Correct the file and upload it again.`, !ok);
    out.replaceChildren(...jobView(job));
    if (ok) reload();
  };
}
importDialog('import', '/v1/inventory/imports', (n) => plural(n, 'row') + ' applied', loadInventory);

function jobView(job) {
  const n = job.errors.length, name = job.fileName || job.id;
  return [
    h('dl.totals', [['Status', badge(job.status)], ['File', job.fileName || 'API'],
      ['Rows', job.totalRows], ['Applied', job.rowsApplied], ['Errors', job.totalRowsErrors]]
      .map(([k, v]) => h('div', h('dt', k), h('dd', v)))),
    n && h('div.scroll', { tabindex: 0, role: 'region', 'aria-label': `Line errors of ${name}` },
      table(`Line errors of ${name}`, ['Line', 'Column', 'Value', 'Message'], job.errors, (x) => [x.line,
        x.column || 'whole file', x.value == null ? '' : x.value ? h('code', x.value) : h('em', 'empty'),
        x.message])),
    job.totalRowsErrors > n && h('p', `The first ${n} of ${job.totalRowsErrors} errors are listed.`),
    n && h('p', h('a', { href: `/v1/inventory/imports/${job.id}/errors.csv`, download: `${job.id}-errors.csv` },
      'Download errors.csv')),
    warnView(job),
  ].filter(Boolean);
}

const impPg = pager($('#imp-pager'), loadImports);

function loadImports() {
  impPg.list('#imp-hist-status', '/v1/inventory/imports', {}, (n) => `${plural(n, 'import')}, newest first`,
    'No import yet.', '#imp-hist', 'Import jobs, newest first',
    ['Started', 'File', 'Source', 'Status', 'Rows', 'Applied', 'Errors', 'Details'],
    (j) => [when(j.createdAt), j.fileName || '', j.kind === 'products' ? 'Products CSV' : j.source.toUpperCase(), badge(j.status), j.totalRows,
      j.rowsApplied, j.totalRowsErrors, j.totalRowsErrors ? btn('Show errors',
        `Show errors of ${j.fileName || 'API import'} started ${when(j.createdAt)}`, () => showJob(j.id)) : '']);
}

async function showJob(id) {
  const r = await api(`/v1/inventory/imports/${encodeURIComponent(id)}`);
  if (!r.ok) return say('#imp-hist-status', errMsg(r), 1);
  const title = $('#imp-detail-title');
  say(title, `Import ${r.data.fileName || r.data.id}: ${label(r.data.status)}`);
  $('#imp-detail-body').replaceChildren(...jobView(r.data));
  $('#imp-detail').hidden = false;
  title.focus();
}

/* --- orders and shipments --- */

const ord = pager($('#ord-pager'), loadOrders);

/* #orders/<id> shows that one order (the purchase orders page links there). */
async function loadOrders(focusId) {
  const st = $('#ord-status'), one = location.hash.split('/')[1], delayed = $('#ord-delayed').checked;
  $('#ord-filter').hidden = !!one;
  if (!focusId) say(st, 'Loading orders…');
  const r = await api('/v1/orders' + (one ? '/' + one : qs({ limit: 20, delayed, cursor: ord.cursor() })));
  if (!r.ok) return say(st, errMsg(r), 1);
  const items = one ? [r.data] : r.data.items;
  if (!focusId) say(st, one ? `Order #${r.data.number}.` : items.length ? `${plural(items.length, delayed ? 'delayed order' : 'order')
  }, newest first, page ${ord.stack.length}.` : 'No order yet.');
  $('#ord-list').replaceChildren(...items.map(orderCard));
  ord.show(!one && r.data.nextCursor);
  if (focusId) document.getElementById('o-' + focusId)?.focus();
}

function orderCard(o) {
  const msg = h('p.error', { role: 'alert' });
  const items = (lines) => lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ');
  return h('article.order.card', { 'aria-labelledby': 'o-' + o.id },
    h('h2', { id: 'o-' + o.id, tabindex: -1 }, `Order #${o.number} `, badge(o.status)),
    h('p.meta', `${o.email} · ${money(o.total, o.currency)} · placed ${when(o.createdAt)} · payment ${
      label(o.payment.status)}, ${money(o.payment.captured, o.currency)} captured`),
    h('p', o.lines.map((l) => `${l.quantity} × ${l.sku} ${l.name}`).join(', ')),
    table(`Shipments of order #${o.number}`,
      ['Shipment', 'Source', 'Status', 'Items', 'Expected delivery', 'Tracking', 'Action'], o.shipments,
      (s) => [h('code.id', s.id),
        s.stockType === 'onhand' ? `On hand at ${s.locationId}` : s.stockType === 'unsourced' ? 'No source yet'
          : `${s.transitRef} at ${s.locationId}, stock ${s.stockDate || 'no date'}`,
        badge(s.status), items(s.lines), [s.expectedDelivery.message, delayInfo(s)],
        s.trackingNumber ? [h('code', s.trackingNumber), ` ${when(s.shippedAt)}`] : '',
        [s.status === 'READY' && btn('Ship', `Ship ${s.id}`, () => ship(o, s, msg)),
          /READY|AWAIT/.test(s.status) && btn('Cancel', `Cancel ${s.id}`, () => cancel(o, msg, s))]]),
    msg,
    o.shipments.some((s) => /READY|AWAIT/.test(s.status)) && btn('Cancel order', `Cancel order #${o.number}`,
      () => cancel(o, msg), '.danger'));

  async function ship(o, s, msg) {
    const tracking = await ask({ title: `Ship ${s.id}`, text: `Order #${o.number}: ${items(s.lines)}.`,
      field: 'Tracking number', ok: 'Ship' });
    if (tracking == null) return;
    const r = await api(`/v1/shipments/${s.id}/ship`, { method: 'POST', body: { trackingNumber: tracking } });
    if (!r.ok) return say(msg, errMsg(r));
    say('#ord-status', `Shipment ${s.id} of order #${o.number} shipped.`);
    loadOrders(o.id);
  }
}

$('#ord-delayed').onchange = ord.reset;

/* A shipment's delay (SPEC 5.8): the ranges, the shopper's answer and until when. */
const range = (d) => (d?.from ? `${d.from} to ${d.to}` : 'no date');
const delayInfo = (s, d = s.delay) => (s.overdue || d) && h('p.delay', s.overdue && badge('OVERDUE'), d && [` Delayed: ${range(d.previous)} → ${
  range(d.expected)} `, badge(d.consent), d.consent === 'PENDING' ? ` ${d.consentRequired ? 'answer needed' : 'silence accepts'} by ${d.respondBy}` : '']);

async function cancel(o, msg, s) {
  const what = s ? 'shipment ' + s.id : 'order #' + o.number;
  if (!await ask({ title: `Cancel ${what}?`, ok: s ? 'Cancel shipment' : 'Cancel order',
    text: 'Its stock is released; nothing more is charged, a charge ahead is refunded.' })) return;
  const r = await api(s ? `/v1/shipments/${s.id}/cancel` : `/v1/orders/${o.id}/cancel`, { method: 'POST' });
  if (!r.ok) return say(msg, errMsg(r));
  say('#ord-status', `Cancelled ${what}.`);
  loadOrders(o.id);
}

/* --- purchase orders and who waits on them (SPEC 5.8) --- */

const po = pager($('#po-pager'), loadPOs);

async function loadPOs() {
  const st = $('#po-status'), f = $('#po-search').elements, sku = f.sku.value.trim();
  const d = await po.get(st, '/v1/purchase-orders', { limit: 20, sku, overdue: f.overdue.checked });
  if (!d) return;
  const { items, unsourced } = d;
  say(st, items.length ? `${plural(items.length, 'purchase order')}, page ${po.stack.length}.` : 'No purchase order.');
  $('#po-list').replaceChildren(...items.map((p) => poCard(`${p.transitRef}: ${p.sku} at ${p.locationId}`, p,
    p.overdue && badge('OVERDUE'), h('p.meta', `Stock date ${p.transitStockDate || 'none'} · ${p.quantity} units, ${
      p.allocatedQuantity} allocated, ${p.available} available`))), ...unsourced.map((u) => poCard(`No source yet: ${u.sku}`, u)));
}

/* A purchase order (or a SKU's unsourced units) and the shipments waiting on it. */
function poCard(name, p, flag, meta) {
  const n = p.waiting.length;
  return h('article.order.card', h('h2', name, ' ', flag), meta,
    table(`Shipments waiting on ${name}`, ['Order', 'Units', 'Status', 'Promised', 'Expected', 'Delay'], p.waiting,
      (w) => [h('a', { href: '#orders/' + w.orderId }, `#${w.orderNumber}`), w.units, badge(w.status), range(w.promisedDelivery),
        range(w.expectedDelivery), delayInfo(w)]) || h('p', 'No shipment waits on it.'),
    p.waitingTotal > n && h('p', `${n} of ${p.waitingTotal} shipments listed.`));
}

$('#po-search').onsubmit = $('#po-overdue').onchange = po.reset;

/* --- receipts --- */

const rcForm = $('#rc-form');
let rcSeq = 0, rcTimer;

/* Transit positions whose SKU or reference starts with the search, 20 at most. */
async function loadReceipts() {
  const q = $('#rc-q').value.trim(), st = $('#rc-status'), seq = ++rcSeq;
  $('#rc-found').replaceChildren();
  if (!q) return say(st, '');
  say(st, 'Searching…');
  const r = await api('/v1/transit-positions' + qs({ q, limit: 20 }));
  if (seq !== rcSeq) return; // a newer search is on its way
  if (!r.ok) return say(st, errMsg(r), 1);
  const items = r.data.items;
  say(st, items.length ? `${r.data.more ? 'The first ' : ''}${plural(items.length, 'transit position')} starting with “${q}”${
    r.data.more ? ': type more to narrow the search' : ''}.` : `No transit position starts with “${q}”.`);
  $('#rc-found').replaceChildren(table('Matching transit positions',
    ['SKU', 'Reference', 'Location', 'Units', 'Allocated', 'Stock date', 'Action'], items,
    (p) => [h('code.id', p.sku), h('code', p.transitRef), p.locationId, p.quantity, p.allocatedQuantity,
      p.transitStockDate || 'no date', btn('Use', `Use ${p.sku} ${p.transitRef} at ${p.locationId}`, () => {
        for (const k of ['sku', 'locationId', 'transitRef']) rcForm.elements[k].value = p[k];
        rcForm.elements.quantity.focus();
      })]));
}

$('#rc-search').onsubmit = (e) => {
  e.preventDefault();
  loadReceipts();
};
$('#rc-q').oninput = () => {
  clearTimeout(rcTimer);
  rcTimer = setTimeout(loadReceipts, 250);
};

rcForm.onsubmit = async (e) => {
  e.preventDefault();
  const b = Object.fromEntries(new FormData(rcForm)), err = $('#rc-error');
  b.quantity = Number(b.quantity || NaN);
  say(err, '');
  if (!Number.isInteger(b.quantity) || b.quantity < 1) {
    say(err, 'Enter the quantity received: a whole number of 1 or more.');
    return rcForm.elements.quantity.focus();
  }
  const r = await api('/v1/inventory/receipts', { method: 'POST', body: b });
  if (!r.ok) return say(err, errMsg(r));
  const ids = r.data.released;
  $('#rc-result-body').replaceChildren(...[
    h('p', `${b.quantity} × ${b.sku} from ${b.transitRef} are now on hand at ${b.locationId}.`),
    ids.length ? [h('p', `${plural(ids.length, 'shipment')} released, ready to ship (oldest order first):`),
      h('ul', ids.map((id) => h('li', h('code', id))))] : h('p', 'No waiting shipment was released.'),
    h('p', h('a', { href: '#orders' }, 'Go to orders'))].flat());
  $('#rc-result').hidden = false;
  $('#rc-result-title').focus();
  loadReceipts();
};

/* --- limits per SKU and location (SPEC 9) --- */

const limText = (l) => Object.entries(l).filter(([k, v]) => v != null && /Stock|Limit/.test(k)).map((e) => e.join(' ')).join(', ');

/* All four at once, empty: none. The browser checks the fields (no novalidate). */
$('#lim-form').onsubmit = (e) => saveForm(e, '#lim-saved', '/v1/inventory/limits', (b) => [b], ({ limits: [l] }) =>
  `Saved: ${l.sku} at ${l.locationId} has ${limText(l) || 'no limits'}.`);

/* --- settings --- */

const setForm = $('#set-form');

function fillSettings(s) {
  for (const el of setForm.elements) {
    if (!(el.name in s)) continue;
    if (el.type === 'checkbox') el.checked = s[el.name];
    else el.value = [].concat(s[el.name]).join('\n');
  }
}

async function loadSettings() {
  say('#set-status', '');
  const r = await api('/v1/settings');
  if (!r.ok) return say('#set-status', errMsg(r), 1);
  clearErrors(setForm);
  fillSettings(r.data);
}

function clearErrors(form) {
  for (const p of form.querySelectorAll('.field .error')) p.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.ariaInvalid = null;
    el.setAttribute('aria-describedby', el.getAttribute('aria-describedby').replace(/ ?err-\S+/, ''));
  }
}

function fieldError(el, text) {
  const id = 'err-' + el.id;
  el.ariaInvalid = 'true';
  el.setAttribute('aria-describedby', `${el.getAttribute('aria-describedby') || ''} ${id}`.trim());
  el.closest('.field').append(h('p.error', { id }, text));
  el.focus();
}

/* PUTs a form's fields as JSON (in wrap(b)); st says done(answer), or why not. */
async function saveForm(e, st, path, wrap, done) {
  const form = e.target, b = {};
  e.preventDefault();
  clearErrors(form);
  say(st, 'Saving…');
  for (const el of form.elements) {
    if (!el.name) continue;
    // An unreadable number goes as null, so the server's message names the field.
    b[el.name] = el.type === 'checkbox' ? el.checked
      : el.type === 'number' ? (el.value === '' ? null : Number(el.value))
        : el.name === 'holidays' ? el.value.split(/[\s,]+/).filter(Boolean) : el.value;
  }
  const r = await api(path, { method: 'PUT', body: wrap(b) });
  if (r.ok) return say(st, done(r.data));
  // The 422 names the field in its details, or (min > max) as the first word of its message;
  // field names read as their labels: "“In stock: min” (9) must not be greater than ...".
  const err = r.data?.error || {}, raw = err.message || '';
  const el = form.elements.namedItem(err.details?.[0]?.field || raw.split(' ')[0]);
  const text = raw ? cap(raw.replace(/\b[a-z]+[A-Z]\w*/g, (n) => {
    const f = form.elements.namedItem(n);
    return f?.labels ? `“${f.labels[0].textContent}”` : n;
  })) + '.' : errMsg(r);
  say(st, 'Not saved: ' + text, 1);
  if (el?.labels) fieldError(el, text);
}

setForm.onsubmit = (e) => saveForm(e, '#set-status', '/v1/settings', (b) => b, (d) => (fillSettings(d), 'Settings saved.'));

/* --- outbox --- */

const outPg = pager($('#out-pager'), loadOutbox);

function loadOutbox() {
  outPg.list('#out-status', '/v1/outbox', {}, (n) => `${plural(n, 'email')}, newest first`, 'No email yet.',
    '#out-list', 'Emails, newest first', ['Queued', 'Kind', 'To', 'Subject', 'Status', 'Attempts', 'Last error'],
    (m) => [when(m.createdAt), label(m.kind), m.to, m.subject, badge(m.status), m.attempts, m.lastError || '']);
}
$('#out-refresh').onclick = loadOutbox;

/* --- products: only SKUs with a product are for sale (SPEC 5.3) --- */

const nameCell = (i) => (i.forSale === false ? badge('NOT_FOR_SALE') : i.name);
const warnView = (job) => (job.totalWarnings ? h('p', {},
  `${plural(job.totalWarnings, 'SKU')} without a product, not for sale: `,
  job.warnings.map((w) => w.sku).join(', '), job.totalWarnings > job.warnings.length ? ', …' : '') : null);

const prod = pager($('#prod-pager'), loadProducts, $('#prod-search'));

function loadProducts() {
  const match = prod.q ? ` matching “${prod.q}”` : '';
  prod.list('#prod-status', '/v1/products', { q: prod.q }, (n) => plural(n, 'product') + match,
    `No product${match}.`, '#prod-table', 'Products by SKU', ['SKU', 'Name', 'Price', 'Status', 'Available'],
    (p) => [h('code.id', p.sku), p.name, money(p.price, p.currency), badge(p.status), p.availableTotal]);
}
importDialog('pimport', '/v1/products/imports', (n) => plural(n, 'product') + ' saved', loadProducts);

/* --- start: an existing session comes back with its CSRF token --- */

// A new installation has no console user yet: the login page says how to create one.
api('/v1/session').then((r) => (r.ok ? showApp(r.data) : showLogin(r.data?.error?.details?.[0]?.usersExist === false
  ? 'No console user exists yet. Create one on the server with "sellahead user add NAME" (it asks for a password), then log in here.' : '')));
