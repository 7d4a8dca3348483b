// Helpers for the selling-side suites (carts, orders, receipts, emails): fresh SKUs per
// scenario, placing orders, the invariant check, waiting, an SMTP sink and a small MIME reader.
// Only Node built-ins. Builds on ./server.mjs (startServer's srv object), which it does not change.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './server.mjs';

export const SMTP_SINK = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
  '../../smtp/smtp_sink.py');

export const ADDRESS = Object.freeze({
  name: 'Ada Lovelace', line1: '12 Analytical Row', line2: 'Flat 3', city: 'London',
  postalCode: 'N1 9GU', country: 'GB',
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
/** A SKU no other scenario uses: letters and digits only, well under 64 characters. */
export function uniqueSku(prefix = 'SKU') {
  seq += 1;
  const rnd = Math.random().toString(36).slice(2, 8).replace(/[^a-z0-9]/g, '');
  return `${prefix}${process.pid}${seq}${rnd}`.toUpperCase().slice(0, 64);
}

/** Creates a product and its positions at WH1 (all through the public merchant API).
 * onhand: a number (an onhand position with that quantity) or undefined (no onhand position).
 * transit: [{ref, quantity, orderDate?, stockDate? (null/absent = backorder), reserved?}]. */
export async function createSku(srv, {
  sku = uniqueSku(), name, price = 1000, currency = 'USD', onhand, onhandReserved = 0,
  transit = [], location = 'WH1',
} = {}) {
  const p = await srv.api('/v1/products', {
    key: true, body: [{ sku, name: name ?? `Test item ${sku}`, price, currency }],
  });
  assert.equal(p.status, 200, `product upsert: ${p.text}`);
  const rows = [];
  if (onhand !== undefined) {
    rows.push({ sku, locationId: location, stockType: 'onhand', quantity: onhand,
      reservedQuantity: onhandReserved });
  }
  for (const t of transit) {
    const r = { sku, locationId: location, stockType: 'intransit', quantity: t.quantity,
      reservedQuantity: t.reserved ?? 0, transitRef: t.ref,
      transitOrderDate: t.orderDate ?? '2026-11-20' };
    if (t.stockDate) r.transitStockDate = t.stockDate;
    rows.push(r);
  }
  if (rows.length) {
    const b = await srv.bulk(rows);
    assert.equal(b.status, 201, `bulk: ${b.text}`);
  }
  return sku;
}

/** One position of a SKU from the single-item document (onhand, or the transit one by ref). */
export async function position(srv, sku, transitRef) {
  const doc = await srv.item(sku);
  const p = doc.positions.find((x) => (transitRef
    ? x.stockType === 'intransit' && x.transitRef === transitRef
    : x.stockType === 'onhand'));
  return p;
}

/** The body of POST /v1/orders. items: [{sku, quantity}] or {cartId}. */
export function orderBody(items, { email = 'shopper@example.com', token = 'tok_visa',
  address = ADDRESS } = {}) {
  const b = Array.isArray(items) ? { items } : { ...items };
  if (email !== undefined) b.email = email;
  if (address !== undefined) b.shippingAddress = address;
  if (token !== undefined) b.payment = { token };
  return b;
}

/** POST /v1/orders; returns the raw answer. opts: email, token, address, headers, body. */
export function placeOrderRaw(srv, items, opts = {}) {
  const body = opts.body ?? orderBody(items, opts);
  return srv.api('/v1/orders', { body, headers: opts.headers ?? {} });
}

/** POST /v1/orders, asserting 201; returns the order document. */
export async function placeOrder(srv, items, opts = {}) {
  const r = await placeOrderRaw(srv, items, opts);
  assert.equal(r.status, 201, `place order: ${r.text}`);
  return r.json;
}

export async function getOrder(srv, id) {
  const r = await srv.api(`/v1/orders/${encodeURIComponent(id)}`, { key: true });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

export function ship(srv, shipmentId, trackingNumber = 'TRACK123') {
  return srv.api(`/v1/shipments/${encodeURIComponent(shipmentId)}/ship`, {
    key: true, body: { trackingNumber },
  });
}

export function receive(srv, sku, transitRef, quantity, locationId = 'WH1') {
  return srv.api('/v1/inventory/receipts', {
    key: true, body: { sku, locationId, transitRef, quantity },
  });
}

export function cancel(srv, orderId) {
  return srv.api(`/v1/orders/${encodeURIComponent(orderId)}/cancel`, { key: true, method: 'POST' });
}

export async function putSettings(srv, body) {
  const r = await srv.api('/v1/settings', { method: 'PUT', key: true, body });
  assert.equal(r.status, 200, `PUT /v1/settings: ${r.text}`);
  return r.json;
}

/** Every order id (GET /v1/orders, all pages). */
export async function orderIds(srv) {
  const ids = [];
  let cursor = '';
  for (;;) {
    const r = await srv.api(`/v1/orders?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { key: true });
    assert.equal(r.status, 200, r.text);
    for (const o of r.json.items) ids.push(o.id);
    if (!r.json.nextCursor || r.json.items.length === 0) return ids.sort();
    cursor = r.json.nextCursor;
  }
}

export async function outbox(srv) {
  const r = await srv.api('/v1/outbox?limit=500', { key: true });
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

/** What an order attempt could change: every position, the orders, the queued emails. */
export async function state(srv, skus = []) {
  const items = {};
  for (const s of skus) items[s] = (await srv.item(s)).positions;
  return {
    inventory: await srv.snapshot(),
    items,
    orders: await orderIds(srv),
    outbox: (await outbox(srv)).map((m) => m.id).sort(),
  };
}

/** Runs `sellahead check` on the server's database: exit 0 and "ok". */
export async function assertCheck(srv) {
  const r = await srv.cli(['check', '--db', srv.db]);
  assert.equal(r.code, 0, `sellahead check failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\bok\b/, `sellahead check: ${r.stdout}`);
}

/** Polls fn until it returns a truthy value; time-bounded (default 10 s). */
export async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}` +
        (last instanceof Error ? `: ${last.message}` : ''));
    }
    await sleep(interval);
  }
}

// A bound TCP socket that never listens: connections to its port are refused (RST), and no
// other program can take the port while the socket is open. Node cannot bind without
// listening, so a small python3 process holds it until its stdin closes.
const HOLD_PORT = "import socket,sys\n" +
  "s=socket.socket()\ns.bind(('127.0.0.1',0))\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()";

async function holdPort() {
  const child = spawn('/usr/bin/python3', ['-c', HOLD_PORT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exit = new Promise((resolve) => child.on('exit', resolve));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      if (/^\d+\n/.test(out)) resolve(parseInt(out, 10));
    });
    child.on('error', reject);
    exit.then((code) => reject(new Error(`the port holder exited (${code}) before binding`)));
  });
  return { port, child, exit };
}

/** A TCP port on 127.0.0.1 where nobody listens and nobody can start to: resolves
 * {port, url (smtp://127.0.0.1:port), close()}; the port stays held until close(). */
export async function closedPort() {
  const { port, child, exit } = await holdPort();
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    close() {
      child.stdin.end();
      return exit;
    },
  };
}

/** A TCP port nobody listens on, held (as closedPort does) until this test process ends.
 * Kept for old callers; prefer closedPort(), or let servers bind port 0 and say which. */
export async function freePort() {
  const { port, child } = await holdPort();
  for (const x of [child, child.stdin, child.stdout]) x.unref();
  return port;
}

/** Starts tests/smtp/smtp_sink.py on a port the system picks (--port 0) with its own output
 * directory. Resolves {port, url, dir, stop(), messages()} once it printed "ready PORT". */
export async function startSmtpSink({ fail = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sellahead-smtp-'));
  const args = [SMTP_SINK, '--port', '0', '--out', dir];
  if (fail) args.push('--fail');
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(0), 10000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^ready (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(parseInt(m[1], 10));
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', () => { clearTimeout(timer); resolve(0); });
    exit.then(() => { clearTimeout(timer); resolve(0); });
  });
  if (!port) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`smtp_sink did not start:\n${out}\n${err}`);
  }
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    dir,
    get stderr() { return err; },
    /** [{name, eml, envelope}] in arrival order. */
    messages() {
      return fs.readdirSync(dir).filter((f) => /^\d+\.eml$/.test(f))
        .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
        .map((f) => {
          const base = path.join(dir, f.replace(/\.eml$/, ''));
          let envelope = null;
          try {
            envelope = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
          } catch { /* written just before the .eml; absent only in a race */ }
          return { name: f, eml: fs.readFileSync(`${base}.eml`), envelope };
        });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- a small RFC 5322 / MIME reader: enough for multipart/alternative with QP or base64 ---

function unfoldHeaders(block) {
  const headers = {};
  const lines = block.replace(/\r\n/g, '\n').split('\n');
  let cur = null;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && cur) {
      headers[cur] += ' ' + line.trim();
    } else {
      const m = /^([^:]+):\s*(.*)$/.exec(line);
      if (!m) continue;
      cur = m[1].toLowerCase();
      headers[cur] = headers[cur] === undefined ? m[2] : `${headers[cur]}, ${m[2]}`;
    }
  }
  return headers;
}

function decodeWords(s) {
  // RFC 2047 encoded words; whitespace between adjacent words is dropped.
  return s.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, cs, enc, text) => {
    if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (x, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}

export function decodeQP(s) {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'latin1'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitHead(raw) {
  const i = raw.search(/\r?\n\r?\n/);
  if (i < 0) return [raw, ''];
  const sep = /\r?\n\r?\n/.exec(raw.slice(i))[0];
  return [raw.slice(0, i), raw.slice(i + sep.length)];
}

/** Parses an .eml: {headers (lower-case names), subject (decoded), parts: [{type, text}]}. */
export function parseEml(buf) {
  const raw = Buffer.isBuffer(buf) ? buf.toString('latin1') : buf;
  const [head, body] = splitHead(raw);
  const headers = unfoldHeaders(head);
  const subject = decodeWords(headers.subject ?? '');
  const ct = headers['content-type'] ?? 'text/plain';
  const parts = [];
  const decodePart = (h, b) => {
    const enc = (h['content-transfer-encoding'] ?? '7bit').toLowerCase();
    if (enc === 'quoted-printable') return decodeQP(b);
    if (enc === 'base64') return Buffer.from(b.replace(/\s+/g, ''), 'base64').toString('utf8');
    return Buffer.from(b, 'latin1').toString('utf8');
  };
  const bm = /boundary="?([^";]+)"?/i.exec(ct);
  if (/^multipart\//i.test(ct) && bm) {
    const boundary = bm[1];
    const chunks = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    for (const chunk of chunks.slice(1)) {
      if (chunk.startsWith('--')) break;
      const [ph, pb] = splitHead(chunk.replace(/^\r?\n/, ''));
      const h = unfoldHeaders(ph);
      parts.push({ type: (h['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase(),
        text: decodePart(h, pb) });
    }
  } else {
    parts.push({ type: ct.split(';')[0].trim().toLowerCase(), text: decodePart(headers, body) });
  }
  return { headers, subject, parts };
}

/** Strips tags and decodes the common entities: the words a reader of the HTML part sees. */
export function htmlText(html) {
  return html.replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** "$1,234.50" style amount of minor units, as a regexp that also allows "1234.50 USD". */
export function moneyPattern(minor) {
  const whole = Math.floor(minor / 100);
  const cents = String(minor % 100).padStart(2, '0');
  const grouped = whole.toLocaleString('en-US');
  return new RegExp(`(?:${grouped}|${whole})\\.${cents}`);
}

/** Waits until nothing in the outbox is PENDING (every queued email delivered or given up)
 * and resolves the entries: a count taken after this also sees a late duplicate. */
export function outboxSettled(srv, opts = {}) {
  return waitFor(async () => {
    const items = await outbox(srv);
    return items.every((m) => m.status !== 'PENDING') && items;
  }, { what: 'an outbox with nothing PENDING', interval: 100, ...opts });
}

/** A server of its own for the test t (node:test's context), stopped when t ends: for a test
 * that changes settings or needs data nobody else touches. opts as for startServer. */
export async function ownServer(t, opts = {}) {
  const srv = await startServer(opts);
  t.after(() => srv.stop());
  return srv;
}

/** Runs one SQL statement on the server's database with the sqlite3 CLI or psql (what a test
 * sees or plants below the API: old rows, the test provider's own table); resolves the rows
 * as arrays of strings (columns separated by '|'). */
export async function sql(srv, query) {
  const { runProgram, PGBIN } = await import('./server.mjs');
  let r;
  if (srv.backend === 'postgres') {
    const psql = fs.existsSync(path.join(PGBIN, 'psql')) ? path.join(PGBIN, 'psql') : 'psql';
    r = await runProgram(psql, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', srv.db,
      '-c', query]);
  } else {
    r = await runProgram('sqlite3', ['-batch', '-cmd', '.timeout 10000', srv.db, query]);
  }
  assert.equal(r.code, 0, `${query}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}

// An order's open shipments holding sku as [source, units], sorted by source: the transit
// reference, `onhand@LOCATION`, or `unsourced`.
export async function skuPlan(srv, orderId, sku) {
  const o = await getOrder(srv, orderId);
  return o.shipments
    .filter((s) => s.status === 'READY' || s.status === 'AWAITING_STOCK')
    .map((s) => [s.stockType === 'intransit' ? s.transitRef
      : s.stockType === 'onhand' ? `onhand@${s.locationId}` : s.stockType,
    s.lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0)])
    .filter((x) => x[1] > 0)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}
