// SPEC 9: `x-api-key: <key>` (fabric's header) is accepted wherever an API key is, as well as
// `Authorization: Bearer <key>`; a wrong or revoked key in it gets 401 like a wrong Bearer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import { uniqueSku, waitFor } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
});
after(async () => {
  await srv?.stop();
});

const xkey = (key, extra = {}) => ({ headers: { 'x-api-key': key, ...extra } });

test('x-api-key opens key endpoints: GET, JSON POST and CSV upload', async () => {
  const list = await srv.api('/v1/inventory', xkey(srv.key));
  assert.equal(list.status, 200, list.text);
  assert.ok(Array.isArray(list.json.items));
  const loc = await srv.api('/v1/locations', { body: { locationId: 'XK1', name: 'By x-api-key' },
    ...xkey(srv.key) });
  assert.equal(loc.status, 201, loc.text);
  const sku = uniqueSku('XK');
  const up = await srv.api('/v1/inventory/imports?fileName=x.csv', {
    body: 'sku,locationId,stockType,quantity,transitRef,transitOrderDate,transitStockDate\n' +
      `${sku},XK1,onhand,4,,,\n`,
    headers: { 'x-api-key': srv.key, 'content-type': 'text/csv' },
  });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.rowsApplied, 1);
  assert.equal((await srv.item(sku)).availableStockQuantity, 4);
});

test('a wrong, empty or missing x-api-key is 401 UNAUTHORIZED naming both headers', async () => {
  for (const opts of [xkey('nope'), xkey(''), {}]) {
    const r = await srv.api('/v1/inventory', opts);
    assertError(r, 401, 'UNAUTHORIZED', /x-api-key: <key>/);
  }
});

test('Authorization wins over x-api-key when both come', async () => {
  const good = await srv.api('/v1/inventory', { key: srv.key, ...xkey('nope') });
  assert.equal(good.status, 200, good.text);
  const bad = await srv.api('/v1/inventory', { key: 'nope', ...xkey(srv.key) });
  assertError(bad, 401, 'UNAUTHORIZED');
});

test('an Idempotency-Key belongs to the key, whichever header carries it', async () => {
  const sku = uniqueSku('XI');
  await srv.api('/v1/locations', { key: true, body: { locationId: 'XI1', name: 'Idem' } });
  const rows = [{ sku, locationId: 'XI1', stockType: 'onhand', quantity: 3 }];
  const first = await srv.api('/v1/inventory/bulk', { body: rows, key: true,
    headers: { 'Idempotency-Key': `k-${sku}` } });
  assert.equal(first.status, 201, first.text);
  const again = await srv.api('/v1/inventory/bulk', { body: rows,
    ...xkey(srv.key, { 'Idempotency-Key': `k-${sku}` }) });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, first.json.id);
});

test('a revoked key in x-api-key gets 401 within one second', async () => {
  const c = await srv.cli(['apikey', 'create', 'fabricsync', '--db', srv.db]);
  assert.equal(c.code, 0, c.stderr);
  const key = c.stdout.trim();
  assert.equal((await srv.api('/v1/inventory/imports', xkey(key))).status, 200);
  const r = await srv.cli(['apikey', 'revoke', 'fabricsync', '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(async () => (await srv.api('/v1/inventory/imports', xkey(key))).status === 401,
    { timeout: 1000, interval: 20, what: '401 for the revoked x-api-key' });
});
