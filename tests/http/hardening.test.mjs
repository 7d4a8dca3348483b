// Hardening against hostile clients (issue 12): requests decided on their headers alone,
// strict HTTP framing, idempotency keys that leak nothing, lockouts no flood evicts, logins
// that do not stall the service, slow clients that cannot take it down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startServer, assertError, HEADER } from './lib/server.mjs';
import { placeOrderRaw, orderBody, orderIds, waitFor } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv.stop());

/** Sends raw bytes on a new connection; resolves the first response once it is complete
 * (headers and Content-Length bytes) or the connection closes: {status, headers, body, json,
 * raw, closed}. status is 0 when nothing came back within `wait` ms ("at once"). */
function raw(text, { port = new URL(srv.url).port, localAddress, wait = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port: Number(port), host: '127.0.0.1', localAddress });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      const s = buf.toString('latin1');
      const end = s.indexOf('\r\n\r\n');
      const res = { status: 0, headers: {}, body: '', json: undefined, raw: s, closed };
      if (end >= 0) {
        const lines = s.slice(0, end).split('\r\n');
        res.status = Number(lines[0].split(' ')[1]);
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          res.headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        res.body = buf.subarray(end + 4).toString('utf8');
        if ((res.headers['content-type'] || '').startsWith('application/json')) {
          res.json = JSON.parse(res.body);
        }
      }
      clearTimeout(timer);
      sock.destroy();
      resolve(res);
    };
    const timer = setTimeout(() => finish(false), wait);
    sock.on('connect', () => sock.write(text));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const s = buf.toString('latin1');
      const end = s.indexOf('\r\n\r\n');
      if (end < 0 || s.startsWith('HTTP/1.1 100')) return;
      const m = /\r\ncontent-length: *(\d+)/i.exec(s.slice(0, end));
      if (m && buf.length >= end + 4 + Number(m[1])) finish(false);
    });
    sock.on('close', () => finish(true));
    sock.on('error', (e) => (done ? undefined : reject(e)));
  });
}

function assertJsonError(res, status, code) {
  assert.equal(res.status, status, res.raw);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', res.raw);
  assert.equal(res.json.error.code, code, res.raw);
  assert.ok(res.json.error.message.length > 0);
}

const ORDER = JSON.stringify({
  email: 'a@example.com', items: [{ sku: 'TSHIRT1', quantity: 1 }],
});

// --- item 4: decided on headers, before any body byte ---

test('a 10 GB Content-Length on POST /v1/orders gets 413 at once, without sending the body', async () => {
  const res = await raw('POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Content-Length: 10000000000\r\n\r\n');
  assertJsonError(res, 413, 'PAYLOAD_TOO_LARGE');
  assert.equal(res.headers.connection, 'close');
});

test('a JSON body a little over 1 MiB is read before its 413, so the client gets the answer, not a reset', async () => {
  const n = (1 << 20) + 1;
  const head = 'POST /v1/inventory/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${n}\r\n\r\n`;
  // Closing on the unread body would answer at once; the server waits for the body instead.
  assert.equal((await raw(head, { wait: 300 })).status, 0);
  const res = await raw(head + ' '.repeat(n));
  assertJsonError(res, 413, 'PAYLOAD_TOO_LARGE');
  assert.equal(res.closed, false, 'the answer is complete before any close');
});

test('an unauthenticated upload with Expect: 100-continue gets 401 and no 100 Continue', async () => {
  const res = await raw('POST /v1/inventory/imports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n' +
    'Content-Length: 524288000\r\nExpect: 100-continue\r\n\r\n');
  assert.doesNotMatch(res.raw, /100 Continue/);
  assertJsonError(res, 401, 'UNAUTHORIZED');
});

test('an unauthenticated 1000 MiB upload gets 401 before its body is sent', async () => {
  const res = await raw('POST /v1/inventory/imports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n' +
    `Content-Length: ${1000 * 1024 * 1024}\r\n\r\n`);
  assertJsonError(res, 401, 'UNAUTHORIZED');
});

// --- item 6: strict HTTP ---

test('two differing Content-Length headers are refused with 400 and no order is placed', async () => {
  const before = await srv.api('/v1/orders?limit=500', { key: true });
  const res = await raw('POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${ORDER.length}\r\nContent-Length: 2\r\n\r\n${ORDER}`);
  assertJsonError(res, 400, 'MALFORMED_REQUEST');
  const afterList = await srv.api('/v1/orders?limit=500', { key: true });
  assert.equal(afterList.json.items.length, before.json.items.length);
});

test('Content-Length together with Transfer-Encoding is refused with 400', async () => {
  const res = await raw('POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${ORDER.length}\r\nTransfer-Encoding: chunked\r\n\r\n`);
  assertJsonError(res, 400, 'MALFORMED_REQUEST');
});

test('Transfer-Encoding other than chunked gets 501 at once', async () => {
  const res = await raw('POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Transfer-Encoding: gzip\r\n\r\n');
  assertJsonError(res, 501, 'NOT_IMPLEMENTED');
});

test('HTTP/1.1 without Host is refused with 400; HTTP/1.0 without Host is served', async () => {
  assertJsonError(await raw('GET /healthz HTTP/1.1\r\n\r\n'), 400, 'MALFORMED_REQUEST');
  const ok = await raw('GET /healthz HTTP/1.0\r\n\r\n');
  assert.equal(ok.status, 200, ok.raw);
});

test('a garbage request line is closed at once, with no answer', async () => {
  const res = await raw('GARBAGE\r\n\r\n');
  assert.equal(res.closed, true);
  assert.equal(res.raw, '');
});

test('a URL over 8 KiB gets 414 and headers over 16 KiB get 431, both in JSON', async () => {
  assertJsonError(await raw(`GET /v1/products?q=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    414, 'URI_TOO_LONG');
  const big = Array.from({ length: 20 }, (_, i) => `X-Pad-${i}: ${'b'.repeat(1000)}\r\n`).join('');
  assertJsonError(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n${big}\r\n`),
    431, 'HEADERS_TOO_LARGE');
});

// --- item 5: idempotency keys scoped per credential and endpoint, with a body fingerprint ---

test('an order Idempotency-Key with other body bytes gets 422 and nothing of the first order', async () => {
  const key = `idem-order-${Date.now()}`;
  const headers = { 'Idempotency-Key': key };
  const first = await placeOrderRaw(srv, [{ sku: 'MUG3', quantity: 1 }],
    { email: 'first@example.com', headers });
  assert.equal(first.status, 201, first.text);
  const again = await placeOrderRaw(srv, [{ sku: 'MUG3', quantity: 1 }],
    { email: 'first@example.com', headers });
  assert.equal(again.json.id, first.json.id, again.text);
  const before = await orderIds(srv);
  const other = await placeOrderRaw(srv, [{ sku: 'MUG3', quantity: 1 }],
    { email: 'second@example.com', headers });
  assertError(other, 422, 'IDEMPOTENCY_KEY_REUSED');
  assert.doesNotMatch(other.text, new RegExp(`${first.json.id}|${first.json.accessToken}|first@`));
  assert.deepEqual(await orderIds(srv), before);
});

test('the same order key from another credential is another key', async () => {
  const key = `idem-cred-${Date.now()}`;
  const body = orderBody([{ sku: 'MUG3', quantity: 1 }]);
  const shop = await srv.api('/v1/orders', { body, headers: { 'Idempotency-Key': key } });
  assert.equal(shop.status, 201, shop.text);
  const merchant = await srv.api('/v1/orders',
    { body, key: true, headers: { 'Idempotency-Key': key } });
  assert.equal(merchant.status, 201, merchant.text);
  assert.notEqual(merchant.json.id, shop.json.id);
});

test('a bulk Idempotency-Key with another body gets 422 and applies nothing', async () => {
  const sku = `IDEM${Date.now()}`;
  const key = `idem-bulk-${Date.now()}`;
  const rec = (q) => [{ sku, locationId: 'WH1', type: 'Stock', totalQuantity: q }];
  const first = await srv.bulk(rec(5), { 'Idempotency-Key': key });
  assert.equal(first.status, 201, first.text);
  assertError(await srv.bulk(rec(9), { 'Idempotency-Key': key }), 422, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal((await srv.item(sku)).positions.find((p) => p.stockType === 'onhand').quantity, 5);
  // Another API key has a key space of its own.
  const k2 = (await srv.cli(['apikey', 'create', 'second'])).stdout.trim();
  const other = await srv.api('/v1/inventory/bulk',
    { body: rec(7), key: k2, headers: { 'Idempotency-Key': key } });
  assert.equal(other.status, 201, other.text);
  assert.equal((await srv.item(sku)).positions.find((p) => p.stockType === 'onhand').quantity, 7);
});

test('an upload Idempotency-Key with other file bytes gets 422', async () => {
  const sku = `IDEMUP${Date.now()}`;
  const key = `idem-up-${Date.now()}`;
  const csv = (q) => `${HEADER}\n${sku},WH1,onhand,${q},0,,,\n`;
  const first = await srv.importCsv(csv(3), { headers: { 'Idempotency-Key': key } });
  assert.equal(first.status, 201, first.text);
  const again = await srv.importCsv(csv(3), { headers: { 'Idempotency-Key': key } });
  assert.equal(again.json.id, first.json.id);
  assertError(await srv.importCsv(csv(4), { headers: { 'Idempotency-Key': key } }),
    422, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal((await srv.item(sku)).positions[0].quantity, 3);
});

// --- item 7: smaller ones ---

test('an email over 254 characters gets its own 422 message', async () => {
  const email = `${'a'.repeat(250)}@example.com`;
  const r = await placeOrderRaw(srv, [{ sku: 'MUG3', quantity: 1 }], { email });
  assertError(r, 422, 'VALIDATION_FAILED', /email is too long.*254/);
});

test('an encoded NUL or control character in a web path never serves the file', async () => {
  const ok = await srv.api('/assets/store.js');
  assert.equal(ok.status, 200);
  for (const p of ['/assets/store.js%00.png', '/assets/store.js%00', '/assets/store.js%0a',
    '/v1/products/TSHIRT1%00x']) {
    assertError(await srv.api(p), 400, 'MALFORMED_REQUEST');
  }
});

// --- items 2 and 3: logins off the request threads, lockouts that hold ---

/** POST JSON from a given local address (127.0.0.x binds on Linux loopback): one address per
 * test keeps the per-address limits of one test out of the others. */
function postFrom(localAddress, p, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(srv.url + p);
    const data = JSON.stringify(body);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      localAddress, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text,
        headers: { get: (k) => res.headers[k.toLowerCase()] },
        json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const login = (from, name, password) => postFrom(from, '/v1/session', { name, password });

async function addUser(name, password) {
  const r = await srv.cli(['user', 'add', name], { input: `${password}\n` });
  assert.equal(r.code, 0, r.stderr);
}

test('a locked user stays locked through a flood of failed logins with random names', async () => {
  await addUser('clerk', 'clerk password 1');
  for (let i = 0; i < 5; i++) assert.equal((await login('127.0.0.3', 'clerk', 'wrong')).status, 401);
  assertError(await login('127.0.0.3', 'clerk', 'clerk password 1'), 429, 'TOO_MANY_REQUESTS');
  const statuses = [];
  for (let i = 0; i < 300; i++) {
    statuses.push((await login('127.0.0.3', `rnd${i}x${Math.random()}`, 'nope')).status);
  }
  // The address is locked after 20 failures: the rest of the flood is refused unhashed.
  assert.deepEqual(statuses.slice(15), Array(285).fill(429));
  assertError(await login('127.0.0.3', 'clerk', 'clerk password 1'), 429, 'TOO_MANY_REQUESTS');
  // The user lock holds from any address.
  assertError(await login('127.0.0.4', 'clerk', 'clerk password 1'), 429, 'TOO_MANY_REQUESTS');
});

test('more logins at once from one address than its share get 429 with Retry-After', async () => {
  const res = await Promise.all(Array.from({ length: 10 }, () => login('127.0.0.5', 'nobody', 'x')));
  const refused = res.filter((r) => r.status === 429);
  assert.ok(refused.length >= 1, res.map((r) => r.status).join());
  for (const r of refused) {
    assert.equal(r.json.error.code, 'TOO_MANY_REQUESTS');
    assert.equal(r.headers.get('retry-after'), '1');
  }
  assert.deepEqual(res.filter((r) => r.status !== 429).map((r) => r.status),
    Array(10 - refused.length).fill(401));
});

test('while 32 logins are checked, /healthz answers before most of them finish', async () => {
  let finished = 0;
  const logins = Array.from({ length: 32 }, (_, i) =>
    login(`127.0.0.${10 + (i % 8)}`, `random${i}`, 'wrong').then((r) => {
      finished += 1;
      return r;
    }));
  await new Promise((r) => setTimeout(r, 100)); // let them all reach the server
  const h = await fetch(`${srv.url}/healthz`);
  assert.equal(h.status, 200);
  const finishedAtHealth = finished;
  const res = await Promise.all(logins);
  assert.deepEqual(res.map((r) => r.status), Array(32).fill(401));
  assert.ok(finishedAtHealth < 8, `${finishedAtHealth} of 32 logins had finished first`);
});

// --- item 1: slow clients ---

test('slowloris: one address holds at most 256 connections, each closed at the header deadline, others are served', async () => {
  const port = Number(new URL(srv.url).port);
  const socks = [];
  let closed = 0;
  const timers = [];
  try {
    for (let i = 0; i < 300; i++) {
      const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.20' });
      s.on('error', () => {});
      s.on('close', () => { closed += 1; });
      s.on('connect', () => {
        s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
        let n = 0;
        timers.push(setInterval(() => s.write(`X-Slow-${n++}: 1\r\n`), 2000));
      });
      socks.push(s);
    }
    // Beyond 256 connections from one address, MHD closes the new ones at once.
    await waitFor(() => closed >= 44, { timeout: 5000, what: 'connections over the limit closed' });
    // Everyone else is served meanwhile, from this address and from another.
    const h = await fetch(`${srv.url}/healthz`);
    assert.equal(h.status, 200);
    const other = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { localAddress: '127.0.0.21' });
    assert.equal(other.status, 200, other.raw);
    // The headers never end: each slow connection is closed at its deadline (10 s).
    await waitFor(() => closed === 300, { timeout: 25000, interval: 200,
      what: 'every slow connection closed' });
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of socks) s.destroy();
  }
});

// --- found by fuzz/fuzz_multipart: a part MHD cannot name crashed the server ---

test('a multipart part without a parsable name is no file: 400, and the server lives on', async () => {
  const body = '--abc\r\nContent-Disposition:"form-data; name="file"; filename="a"\r\n\r\nx\r\n--abc--\r\n';
  const r = await srv.api('/v1/inventory/imports', { body, key: true,
    headers: { 'content-type': 'multipart/form-data; boundary=abc' } });
  assertError(r, 400, 'MALFORMED_REQUEST');
  assert.equal((await srv.api('/healthz')).status, 200);
});

test('SELLAHEAD_PER_ADDRESS_CONNECTIONS sets the cap: a third connection from one address is closed at once', async () => {
  const small = await startServer({ demo: false, env: { SELLAHEAD_PER_ADDRESS_CONNECTIONS: '2' } });
  const socks = [];
  try {
    const port = Number(new URL(small.url).port);
    const open = () => new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      const state = { closed: false };
      s.on('error', () => {});
      s.on('close', () => { state.closed = true; });
      s.on('connect', () => resolve(state));
      socks.push(s);
    });
    const a = await open();
    const b = await open();
    const c = await open();
    await waitFor(() => c.closed, { timeout: 5000, what: 'the third connection closed' });
    assert.equal(a.closed || b.closed, false);
  } finally {
    for (const s of socks) s.destroy();
    await small.stop();
  }
});
