// SPEC 5.6 GET /healthz, the error envelope of unknown routes, and a server on an empty
// database (no demo).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
});
after(async () => {
  await srv?.stop();
});

describe('health', () => {
  test('GET /healthz → {"status":"ok"}', async () => {
    const r = await srv.api('/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(r.json, { status: 'ok' });
  });

  test('healthz needs no key and ignores a bad one', async () => {
    const r = await srv.api('/healthz', { key: 'garbage' });
    assert.equal(r.status, 200);
  });

  test('many concurrent requests are all answered', async () => {
    const res = await Promise.all(Array.from({ length: 50 }, () => srv.api('/healthz')));
    for (const r of res) assert.deepEqual(r.json, { status: 'ok' });
  });

  test('unknown routes: 404 NOT_FOUND in the error envelope', async () => {
    for (const p of ['/v1', '/v1/', '/v1/inventoryx', '/v1/inventory/MUG3/extra', '/healthz/']) {
      assertError(await srv.api(p), 404, 'NOT_FOUND');
    }
    // A storefront path: the store's HTML 404 page instead (SPEC 7).
    const page = await srv.api('/nope');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type'), /^text\/html/);
  });

  test('a known path with the wrong method: 405', async () => {
    assertError(await srv.api('/healthz', { method: 'DELETE' }), 405, 'METHOD_NOT_ALLOWED');
    assertError(await srv.api('/v1/settings', { method: 'POST', body: {} }), 405, 'METHOD_NOT_ALLOWED');
  });
});

describe('an empty database', () => {
  test('no locations, no products, no jobs', async () => {
    assert.deepEqual((await srv.api('/v1/locations')).json, { items: [] });
    const p = await srv.api('/v1/products');
    assert.equal(p.status, 200);
    assert.deepEqual(p.json.items, []);
    assert.equal(p.json.nextCursor, null);
    const j = await srv.api('/v1/inventory/imports', { key: true });
    assert.deepEqual(j.json, { items: [], nextCursor: null });
    const inv = await srv.api('/v1/inventory', { key: true });
    assert.deepEqual(inv.json, { items: [], nextCursor: null, total: 0, totalExact: true });
  });

  test('settings have their defaults', async () => {
    const r = await srv.api('/v1/settings');
    assert.equal(r.status, 200);
    assert.equal(r.json.inStockMinDays, 1);
    assert.equal(r.json.storeName, 'sellahead demo store');
  });

  test('an import needs its location first', async () => {
    const r = await srv.importCsv('sku,locationId,stockType,quantity,transitRef,transitOrderDate,transitStockDate\nA1,WH1,onhand,1,,,\n');
    assert.equal(r.status, 422);
    assert.deepEqual(r.json.errors.map((e) => [e.line, e.column, e.value]), [[2, 'locationId', 'WH1']]);
    assert.match(r.json.errors[0].message, /location WH1 does not exist/);
  });

  test('an empty file is a file-level error', async () => {
    const r = await srv.importCsv('');
    assert.equal(r.status, 422);
    assert.deepEqual(r.json.errors.map((e) => [e.line, e.column]), [[0, null]]);
    assert.match(r.json.errors[0].message, /empty/);
  });
});
