// SPEC 9: a product may carry fabric's `itemId` (a positive integer, unique), set by
// `POST /v1/products` and the products CSV (optional column). Wherever fabric sends an
// itemId it is resolved to the SKU; fabric's answers carry both.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import path from 'node:path';

import { PG_URL, assertError, createPgDatabase, dropPgDatabase, run, startServer }
  from './lib/server.mjs';
import { sql, uniqueSku } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const r = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await srv?.stop();
});

let nextId = 7000;
const newItemId = () => (nextId += 1);

const upsert = (products) => srv.api('/v1/products', { key: true, body: products });
const product = (sku, extra = {}) => ({ sku, name: `Item ${sku}`, price: 1000, ...extra });
async function itemIdOf(sku) {
  const r = await srv.api(`/v1/products/${sku}`);
  assert.equal(r.status, 200, r.text);
  return r.json.itemId;
}
const importProducts = (csv) => srv.api('/v1/products/imports?fileName=p.csv', {
  body: csv, key: true, headers: { 'content-type': 'text/csv' } });

describe('itemId on products', () => {
  test('POST /v1/products sets, keeps, moves and clears it; documents show it', async () => {
    const a = uniqueSku('IA');
    const id = newItemId();
    assert.equal((await upsert([product(a, { itemId: id })])).status, 200);
    assert.equal(await itemIdOf(a), id);
    assert.equal((await upsert([product(a, { itemId: id, price: 1200 })])).status, 200);
    assert.equal(await itemIdOf(a), id);
    const list = await srv.api(`/v1/products?q=${a}`);
    assert.deepEqual(list.json.items.map((p) => [p.sku, p.itemId]), [[a, id]]);
    // The whole product is sent each time (as description): without itemId it has none.
    assert.equal((await upsert([product(a)])).status, 200);
    assert.equal(await itemIdOf(a), null);
    // A freed itemId may go to another product.
    const b = uniqueSku('IB');
    assert.equal((await upsert([product(b, { itemId: id })])).status, 200);
    assert.equal(await itemIdOf(b), id);
  });

  test('unique: taken by another SKU is 409 and nothing is saved; twice in one body 422',
    async () => {
      const a = uniqueSku('IU');
      const b = uniqueSku('IU');
      const id = newItemId();
      assert.equal((await upsert([product(a, { itemId: id })])).status, 200);
      const taken = await upsert([product(b, { itemId: newItemId() }),
        product(uniqueSku('IU'), { itemId: id })]);
      assertError(taken, 409, 'CONFLICT', new RegExp(`itemId ${id} already belongs to product ${a}`));
      assertError(await srv.api(`/v1/products/${b}`), 404, 'PRODUCT_NOT_FOUND');
      const twice = await upsert([product(b, { itemId: id + 500 }),
        product(uniqueSku('IU'), { itemId: id + 500 })]);
      assertError(twice, 422, 'VALIDATION_FAILED');
      assert.deepEqual(twice.json.error.details, [{ index: 1, field: 'itemId',
        message: `itemId ${id + 500} is also given to the product at index 0` }]);
    });

  test('wrong values and types are 422 naming the field', async () => {
    for (const [itemId, message] of [
      [0, 'itemId 0 must be from 1 to 9007199254740991'],
      [-3, "itemId must be a whole number from 1: character '-' (0x2D) at position 1 is not " +
        'allowed'],
      [9007199254740992, 'itemId 9007199254740992 must be from 1 to 9007199254740991'],
      ['12', 'itemId must be a whole number from 1'],
      [1.5, 'itemId must be a whole number from 1'],
    ]) {
      const r = await upsert([product(uniqueSku('IW'), { itemId })]);
      assertError(r, 422, 'VALIDATION_FAILED');
      assert.deepEqual(r.json.error.details, [{ index: 0, field: 'itemId', message }],
        `itemId ${JSON.stringify(itemId)}`);
    }
  });

  test('the products CSV takes an optional itemId column, with the same rules', async () => {
    const [a, b, c] = [uniqueSku('IC'), uniqueSku('IC'), uniqueSku('IC')];
    const [ia, ib] = [newItemId(), newItemId()];
    const ok = await importProducts(`sku,name,price,itemId\n${a},A,100,${ia}\n${b},B,100,\n`);
    assert.equal(ok.status, 201, ok.text);
    assert.equal(await itemIdOf(a), ia);
    assert.equal(await itemIdOf(b), null);
    const bad = await importProducts('sku,name,price,itemId\n' +
      `${b},B,100,${ib}\n${c},C,100,${ib}\n${c},C,100,12a\n`);
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.errors.map((x) => [x.line, x.column, x.message]), [
      [3, 'itemId', `itemId ${ib} appears more than once in this file (first on line 2)`],
      [4, 'itemId', "itemId must be a whole number from 1: character 'a' (0x61) at position 3 " +
        'is not allowed'],
      [4, 'sku', `product ${c} appears more than once in this file (first on line 3)`],
    ]);
    const bad2 = await importProducts(`sku,name,price,itemId\n${c},C,100,12a\n${b},B,100,${ia}\n`);
    assert.equal(bad2.status, 422, bad2.text);
    assert.deepEqual(bad2.json.errors.map((x) => [x.line, x.column, x.message]), [
      [2, 'itemId', "itemId must be a whole number from 1: character 'a' (0x61) at position 3 " +
        'is not allowed'],
    ]);
    const taken = await importProducts(`sku,name,price,itemId\n${b},B,100,${ia}\n`);
    assert.equal(taken.status, 422, taken.text);
    assert.deepEqual(taken.json.errors.map((x) => [x.line, x.column, x.message]), [
      [2, 'itemId', `itemId ${ia} already belongs to product ${a}`]]);
    assert.equal(await itemIdOf(b), null, 'nothing applied');
  });
});

describe('fabric endpoints resolve itemId', () => {
  let sku;
  let id;
  before(async () => {
    sku = uniqueSku('IF');
    id = newItemId();
    assert.equal((await upsert([product(sku, { itemId: id })])).status, 200);
    const b = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 5 }]);
    assert.equal(b.status, 201, b.text);
  });

  test('bulk-insert: an itemId names its SKU; unknown or contradicting is a line message',
    async () => {
      const rec = { itemId: id, totalQuantity: 9, locationId: 'WH1', type: 'Stock' };
      const ok = await srv.api('/api-inventory/inventory/bulk-insert', { key: true, body: [rec] });
      assert.equal(ok.json.status, 'COMPLETED', ok.text);
      assert.equal(ok.json.totalItems, 1);
      assert.equal((await srv.item(sku)).availableStockQuantity, 9);
      // One product named by itemId in one record and by sku in another is one item (the
      // job fails: both name its onhand position at WH1).
      const both = await srv.api('/api-inventory/inventory/bulk-insert', { key: true, body: [
        rec, { sku, totalQuantity: 9, locationId: 'WH1', type: 'Stock' }] });
      assert.equal(both.json.status, 'FAILED', both.text);
      assert.deepEqual([both.json.totalItems, both.json.totalItemsUploaded], [1, 0]);
      const bad = await srv.api('/api-inventory/inventory/bulk-insert', { key: true, body: [
        { ...rec, totalQuantity: 1 }, { ...rec, itemId: 99999991 },
        { ...rec, sku: 'OTHER1' }, { ...rec, sku } ] });
      assert.equal(bad.json.status, 'FAILED', bad.text);
      assert.deepEqual(bad.json.messages, [
        'line 2: itemId: itemId 99999991 is unknown: no product has it',
        `line 3: itemId: itemId ${id} is product ${sku}, not sku "OTHER1"`,
        `line 4: sku: onhand stock of ${sku} at WH1 appears more than once in this file`,
      ]);
      assert.equal(bad.json.totalRowsErrors, 3);
      assert.equal((await srv.item(sku)).availableStockQuantity, 9, 'nothing applied');
    });

  test('Get inventories: by itemId or sku, the answer carries both', async () => {
    const r = await srv.api('/api-inventory/inventory', { body: { items: [
      { itemId: id, quantity: 2 }, { sku, quantity: 2 }, { itemId: id, sku, quantity: 2 }] } });
    assert.equal(r.status, 200, r.text);
    for (const x of r.json) {
      assert.equal(x.itemId, id);
      assert.equal(x.sku, sku);
      assert.equal(x.fromStockQuantity, 2);
    }
    for (const item of [{ itemId: id, sku: 'OTHER1' }, { itemId: 99999992, sku }]) {
      assertError(await srv.api('/api-inventory/inventory', { body: { items: [item] } }), 422,
        'VALIDATION_FAILED');
    }
  });

  test('location and find carry itemId; find resolves itemIds', async () => {
    const loc = await srv.api('/api-inventory/inventory/location/WH1?limit=100', { key: true });
    assert.equal(loc.json.inventories.find((x) => x.sku === sku).itemId, id);
    const f = await srv.api('/inventories/actions/find', { key: true,
      body: { itemIds: [id, 99999993] } });
    assert.equal(f.status, 200, f.text);
    assert.deepEqual(f.json.data.map((d) => [d.sku, d.itemId, d.type]), [[sku, id, 'ONHAND']]);
    const both = await srv.api('/inventories/actions/find', { key: true,
      body: { skus: [sku], itemIds: [id] } });
    assert.equal(both.json.pagination.count, 1, 'a SKU named twice is listed once');
  });
});

test('sellahead migrate copies itemIds (into SQLite, and PostgreSQL when a cluster is given)',
  async (t) => {
    const from = await startServer({ demo: false, backend: 'sqlite' });
    t.after(() => from.stop());
    const id = newItemId();
    assert.equal((await from.api('/v1/products', { key: true,
      body: [product('MIG1', { itemId: id }), product('MIG2')] })).status, 200);
    const targets = [{ backend: 'sqlite', db: path.join(from.dir, 'copy.db') }];
    if (PG_URL) targets.push({ backend: 'postgres', db: await createPgDatabase() });
    for (const target of targets) {
      const r = await run(['migrate', '--from', from.db, '--to', target.db]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await sql(target, 'SELECT sku, item_id FROM products ORDER BY sku'),
        [['MIG1', String(id)], ['MIG2', '']], target.backend);
      if (target.backend === 'postgres') await dropPgDatabase(target.db);
    }
  });
