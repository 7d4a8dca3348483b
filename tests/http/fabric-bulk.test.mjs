// SPEC 9: fabric's v1 Bulk Insert, `POST /api-inventory/inventory/bulk-insert`, built from
// fabric's published record shape ({sku | itemId, totalQuantity, reservedQuantity, locationId
// (string or integer), type Stock|Transit, channelId, transitRef, transitOrderDate,
// transitStockDate}). It is 5.2's bulk job under fabric's names: the same rules, all or
// nothing, answered 200 with fabric's job whatever its status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ISO_TIME, assertError, startServer } from './lib/server.mjs';
import { uniqueSku } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  for (const [locationId, name] of [['WH1', 'Main'], ['77', 'Store 77']]) {
    const r = await srv.api('/v1/locations', { key: true, body: { locationId, name } });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => {
  await srv?.stop();
});

const PATH = '/api-inventory/inventory/bulk-insert';
const insert = (records, headers = {}) =>
  srv.api(PATH, { body: records, headers: { 'x-api-key': srv.key, ...headers } });

const stock = (sku, extra = {}) => ({ sku, totalQuantity: 25, reservedQuantity: 0,
  locationId: 'WH1', type: 'Stock', ...extra });
const transit = (sku, extra = {}) => ({ sku, totalQuantity: 100, reservedQuantity: 0,
  locationId: 'WH1', type: 'Transit', transitRef: 'PO1001', transitOrderDate: '2026-11-20',
  transitStockDate: '2026-12-15', ...extra });

function assertJob(res, { status, totalRows, totalRowsErrors = 0, totalItems, messages = [] }) {
  assert.equal(res.status, 200, res.text);
  const j = res.json;
  assert.deepEqual(Object.keys(j).sort(), ['_id', 'createdAt', 'messages', 'status',
    'totalItems', 'totalItemsUploaded', 'totalRows', 'totalRowsErrors', 'type', 'updatedAt']);
  assert.match(j._id, /^imp_[a-z0-9]+$/);
  assert.equal(j.type, 'bulk-insert');
  assert.equal(j.status, status);
  assert.equal(j.totalRows, totalRows);
  assert.equal(j.totalRowsErrors, totalRowsErrors);
  assert.equal(j.totalItems, totalItems);
  assert.equal(j.totalItemsUploaded, status === 'COMPLETED' ? totalItems : 0);
  assert.deepEqual(j.messages, messages);
  assert.match(j.createdAt, ISO_TIME);
  assert.match(j.updatedAt, ISO_TIME);
  return j;
}

test('fabric records apply as positions; the job is the one 5.2 lists', async () => {
  const a = uniqueSku('FBA');
  const b = uniqueSku('FBB');
  const res = await insert([stock(a), transit(a), transit(b, { transitRef: 'ADV2',
    transitStockDate: null, totalQuantity: 50, reservedQuantity: 5 })]);
  const job = assertJob(res, { status: 'COMPLETED', totalRows: 3, totalItems: 2 });
  const doc = await srv.item(a);
  assert.equal(doc.availableStockQuantity, 25);
  assert.equal(doc.availableTransitQuantity, 100);
  assert.equal((await srv.item(b)).availableTransitQuantity, 45);
  const same = await srv.api(`/v1/inventory/imports/${job._id}`, { key: true });
  assert.equal(same.status, 200, same.text);
  assert.equal(same.json.source, 'api');
  assert.equal(same.json.status, 'COMPLETED');
  assert.equal(same.json.rowsApplied, 3);
});

test('an integer locationId names the location with those digits', async () => {
  const sku = uniqueSku('FBN');
  assertJob(await insert([stock(sku, { locationId: 77, totalQuantity: 6 })]),
    { status: 'COMPLETED', totalRows: 1, totalItems: 1 });
  const doc = await srv.item(sku);
  assert.deepEqual(doc.positions.map((p) => [p.locationId, p.quantity]), [['77', 6]]);
});

test('a bad SKU row: FAILED with line messages, nothing applied, still 200', async () => {
  const good = uniqueSku('FBG');
  const res = await insert([stock(good), stock('BAD SKU1')]);
  assertJob(res, { status: 'FAILED', totalRows: 2, totalRowsErrors: 1, totalItems: 2,
    messages: ["line 2: sku: character ' ' (0x20) at position 4 is not allowed: only letters " +
      'and digits'] });
  assertError(await srv.api(`/v1/inventory/${good}`), 404, 'SKU_NOT_FOUND');
});

test('wrong types: the row fails in the job with its line; a body that is no array is 422',
  async () => {
    const sku = uniqueSku('FBT');
    const res = await insert([stock(sku), stock(sku, { locationId: 'WH1', totalQuantity: 1.5,
      type: 'Transit', transitRef: 'PO7', transitOrderDate: '2026-11-20' }),
    stock(uniqueSku('FBT'), { totalQuantity: 'ten' }), 'not a record']);
    assertJob(res, { status: 'FAILED', totalRows: 4, totalRowsErrors: 3, totalItems: 2,
      messages: [
        'line 2: quantity: quantity must be a string or a whole number',
        "line 3: quantity: quantity must be a whole number of 0 or more: character 't' (0x74) " +
          'at position 1 is not allowed',
        'line 4: record: each record must be a JSON object',
      ] });
    assertError(await srv.api(`/v1/inventory/${sku}`), 404, 'SKU_NOT_FOUND');
    for (const body of [{ sku }, null, 7]) {
      assertError(await insert(body), 422, 'VALIDATION_FAILED', /JSON array/);
    }
  });

test('an unknown itemId and a bad channelId are refused in the job, nothing applied', async () => {
  const sku = uniqueSku('FBI');
  const noSku = stock(undefined, { itemId: 424242 });
  delete noSku.sku;
  const res = await insert([stock(sku, { channelId: null }), noSku, stock(sku, { channelId: 0,
    locationId: '77' }), stock(sku, { itemId: 'x', locationId: '77', type: 'Transit',
    transitRef: 'R1', transitOrderDate: '2026-11-01' })]);
  assertJob(res, { status: 'FAILED', totalRows: 4, totalRowsErrors: 3, totalItems: 2,
    messages: [
      'line 2: itemId: itemId 424242 is unknown: no product has it',
      'line 3: channelId: channelId must be 1 or more: leave it empty for a position ' +
        'without a channel',
      'line 4: itemId: itemId must be a positive whole number',
    ] });
  assertError(await srv.api(`/v1/inventory/${sku}`), 404, 'SKU_NOT_FOUND');
});

test('a FAILED job is a 200 answer, so its Idempotency-Key keeps it (SPEC 5.5)', async () => {
  const sku = uniqueSku('FBF');
  const bad = [stock(sku, { totalQuantity: -3 })];
  const first = await insert(bad, { 'Idempotency-Key': sku });
  assert.equal(first.json.status, 'FAILED', first.text);
  const again = await insert(bad, { 'Idempotency-Key': sku });
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json, first.json, 'the first FAILED job, not a new one');
  assertError(await insert([stock(sku, { totalQuantity: 3 })], { 'Idempotency-Key': sku }), 422,
    'IDEMPOTENCY_KEY_REUSED');
  assert.equal((await srv.api(`/v1/inventory/${sku}`)).status, 404, 'nothing applied');
  // 5.2's own bulk answers a FAILED job with 422: its key keeps nothing.
  const own = (q) => srv.api('/v1/inventory/bulk', { key: true, headers: { 'Idempotency-Key': sku },
    body: [{ sku, locationId: 'WH1', stockType: 'onhand', quantity: q }] });
  assert.equal((await own(-1)).status, 422);
  assert.equal((await own(4)).status, 201);
});

test('an Idempotency-Key retry returns the first job; no key is 401', async () => {
  const sku = uniqueSku('FBK');
  const first = await insert([stock(sku, { totalQuantity: 3 })], { 'Idempotency-Key': sku });
  const again = await insert([stock(sku, { totalQuantity: 3 })], { 'Idempotency-Key': sku });
  assert.equal(again.json._id, assertJob(first, { status: 'COMPLETED', totalRows: 1,
    totalItems: 1 })._id);
  assertError(await srv.api(PATH, { body: [stock(sku)] }), 401, 'UNAUTHORIZED');
  assert.equal((await srv.item(sku)).availableStockQuantity, 3);
});
