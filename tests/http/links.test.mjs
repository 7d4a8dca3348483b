// SPEC 5.6 and 6: every link in every email is absolute, built from the publicUrl setting
// (default http://127.0.0.1:<port> of the running server), in the text and the HTML part.
// SPEC 5.5: shippingAddress.country is an ISO 3166-1 alpha-2 code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import {
  ADDRESS, cancel, createSku, ownServer, parseEml, placeOrder, placeOrderRaw, putSettings, ship,
  uniqueSku, waitFor,
} from './lib/shop.mjs';

const PUBLIC = 'https://shop.example.com/store';

/** The parsed .eml files sent to `to`. */
function mailsTo(dir, to) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml'))
    .map((f) => parseEml(fs.readFileSync(path.join(dir, f))))
    .filter((m) => m.headers.to?.includes(to));
}

/** Every link a reader could follow: URLs and bare paths in the text part; href/src values
 * and visible URLs or paths in the HTML part. */
function links(m) {
  const text = m.parts.find((p) => p.type === 'text/plain').text;
  const html = m.parts.find((p) => p.type === 'text/html').text;
  const found = { text: [], html: [] };
  for (const u of text.matchAll(/(?:[a-z][a-z0-9+.-]*:\/\/|(?<![\w.:/])\/)[^\s<>"]+/gi)) {
    found.text.push(u[0]);
  }
  for (const a of html.matchAll(/\b(?:href|src)\s*=\s*"([^"]*)"/gi)) found.html.push(a[1]);
  const visible = html.replace(/<[^>]*>/g, ' ').replace(/&amp;/g, '&');
  for (const u of visible.matchAll(/(?:[a-z][a-z0-9+.-]*:\/\/|(?<![\w.:/])\/)[^\s<>"]+/gi)) {
    found.html.push(u[0]);
  }
  return found;
}

/** Asserts m links to the order page of `order`, and only absolutely from base. */
function assertLinks(m, base, order) {
  const page = `${base}/orders/${order.id}?token=${order.accessToken}`;
  const found = links(m);
  for (const part of ['text', 'html']) {
    const where = `${m.subject}, ${part} part: ${JSON.stringify(found[part])}`;
    assert.ok(found[part].length > 0, `a link; ${where}`);
    for (const u of found[part]) assert.ok(u.startsWith(`${base}/`), `${u} starts with ${base}/; ${where}`);
    assert.ok(found[part].includes(page), `the order page ${page}; ${where}`);
  }
}

describe('publicUrl', () => {
  let srv; // never changes its settings: tests that do get a server of their own
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  test('default: the running server\'s own address, public in GET /v1/settings', async () => {
    const r = await srv.api('/v1/settings');
    assert.equal(r.status, 200, r.text);
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(r.json.publicUrl, srv.url);
  });

  test('unset, links in the confirmation are absolute on the server\'s address and open the order', async () => {
    const sku = await createSku(srv, { onhand: 5, price: 1500 });
    const to = `default-${uniqueSku('L').toLowerCase()}@example.com`;
    const order = await placeOrder(srv, [{ sku, quantity: 1 }], { email: to });
    const [m] = await waitFor(() => { const x = mailsTo(srv.mailDir, to); return x.length && x; },
      { what: 'the confirmation .eml', interval: 100 });
    assertLinks(m, srv.url, order);
    // The link works: the page and the API behind it answer.
    const page = await fetch(`${srv.url}/orders/${order.id}?token=${order.accessToken}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    const doc = await srv.api(`/v1/orders/${order.id}?token=${order.accessToken}`);
    assert.equal(doc.status, 200, doc.text);
  });

  test('PUT: an absolute http(s) URL, trailing slash dropped; anything else 422 naming the field', async (t) => {
    const srv = await ownServer(t);
    for (const bad of ['shop.example.com', '/store', 'ftp://shop.example.com', 'http://',
      'https:///path', 'https://shop.example.com/?ref=mail', 'https://shop.example.com/#top',
      'https://shop example.com', 'https://shop.example.com/"><script>', '', 42, null]) {
      const r = await srv.api('/v1/settings', { method: 'PUT', key: true, body: { publicUrl: bad } });
      assertError(r, 422, 'VALIDATION_FAILED', /^publicUrl /);
      assert.equal(r.json.error.details[0].field, 'publicUrl', r.text);
    }
    assert.equal((await srv.api('/v1/settings')).json.publicUrl, srv.url, 'a refused value changes nothing');
    const s = await putSettings(srv, { publicUrl: `${PUBLIC}/` });
    assert.equal(s.publicUrl, PUBLIC);
    assert.equal((await srv.api('/v1/settings')).json.publicUrl, PUBLIC);
    assert.equal((await putSettings(srv, { publicUrl: 'http://localhost:8080' })).publicUrl,
      'http://localhost:8080');
    assert.equal((await putSettings(srv, { publicUrl: PUBLIC })).publicUrl, PUBLIC);
  });

  test('set: confirmation, shipped and cancelled emails link from publicUrl, text and HTML', async (t) => {
    const srv = await ownServer(t);
    await putSettings(srv, { publicUrl: PUBLIC });
    const sku = await createSku(srv, {
      onhand: 3, price: 2000, transit: [{ ref: uniqueSku('PO'), quantity: 5, stockDate: '2026-12-15' }],
    });
    const to = `set-${uniqueSku('L').toLowerCase()}@example.com`;
    const order = await placeOrder(srv, [{ sku, quantity: 5 }], { email: to });
    assert.deepEqual(order.shipments.map((s) => s.status), ['READY', 'AWAITING_STOCK']);
    const r = await ship(srv, order.shipments[0].id, 'TRK-LINKS-1');
    assert.equal(r.status, 200, r.text);
    const c = await cancel(srv, order.id);
    assert.equal(c.status, 200, c.text);
    const mails = await waitFor(() => { const x = mailsTo(srv.mailDir, to); return x.length === 3 && x; },
      { what: 'three .eml files (confirmation, shipped, cancelled)', interval: 100 });
    for (const m of mails) assertLinks(m, PUBLIC, order);
  });

  test('a second server on the same database keeps its own default when none is set', async () => {
    // The default is not stored: the first server's PUTs of other settings must not pin it.
    const fresh = await startServer();
    let second;
    try {
      await putSettings(fresh, { storeName: 'Links test store' });
      second = await startServer({ db: fresh.db });
      assert.notEqual(second.url, fresh.url);
      assert.equal((await second.api('/v1/settings')).json.publicUrl, second.url);
      assert.equal((await fresh.api('/v1/settings')).json.publicUrl, fresh.url);
    } finally {
      await second?.stop(); // before the first, which drops its PostgreSQL database
      await fresh.stop();
    }
  });
});

describe('shippingAddress.country', () => {
  let srv;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  test('not an assigned ISO 3166-1 alpha-2 code: 422 naming the field, nothing placed', async () => {
    const sku = await createSku(srv, { onhand: 50, price: 500 });
    for (const country of ['XX', 'UK', 'us', 'USA', 'U', 'United States', 'EU', '12']) {
      const r = await placeOrderRaw(srv, [{ sku, quantity: 1 }], { address: { ...ADDRESS, country } });
      assertError(r, 422, 'VALIDATION_FAILED', /^shippingAddress\.country /);
    }
    assert.equal((await srv.item(sku)).availableTotal, 50, 'no allocation left behind');
  });

  test('assigned codes are accepted and kept', async () => {
    const sku = await createSku(srv, { onhand: 50, price: 500 });
    for (const country of ['US', 'GB', 'DE', 'FR', 'JP', 'AX', 'ZW']) {
      const o = await placeOrder(srv, [{ sku, quantity: 1 }], { address: { ...ADDRESS, country } });
      assert.equal(o.shippingAddress.country, country);
    }
  });
});
