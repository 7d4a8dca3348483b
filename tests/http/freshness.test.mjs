// SPEC 8: a change committed through one server or the CLI shows in every server's
// availability answers within one second. Two servers share one database (the SQLite file,
// or the PostgreSQL database when SELLAHEAD_TEST_PG_URL is set); each change is written
// through server A or `sellahead import`, and server B must answer with it within 1 s.
// Both answer from their in-memory read model, kept fresh from the change log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { HEADER, startServer } from './lib/server.mjs';
import { createSku, placeOrder, putSettings, receive, uniqueSku, waitFor } from './lib/shop.mjs';

const BOUND_MS = 1000;

/** srv's answer for sku (through GET, with the HTTP status as `http`, or the batch query)
 * once it satisfies ok, within the bound from now; fails with the last answer otherwise. */
async function seenWithin(srv, sku, ok, what, { query = false, quantity } = {}) {
  let last;
  await waitFor(async () => {
    if (query) {
      const item = { sku };
      if (quantity !== undefined) item.quantity = quantity;
      const r = await srv.api('/v1/inventory/query', { body: { items: [item] } });
      assert.equal(r.status, 200, r.text);
      last = r.json.items[0];
    } else {
      const q = quantity === undefined ? '' : `?quantity=${quantity}`;
      const r = await srv.api(`/v1/inventory/${encodeURIComponent(sku)}${q}`);
      last = { http: r.status, ...r.json };
    }
    return ok(last);
  }, { timeout: BOUND_MS, interval: 20, what: `${what} on ${srv.url}` }).catch((e) => {
    throw new Error(`${e.message}; last answer: ${JSON.stringify(last)}`);
  });
  return last;
}

describe('freshness across servers and the CLI (SPEC 8)', () => {
  let a;
  let b;
  before(async () => {
    a = await startServer({ demo: true });
    b = await startServer({ db: a.db });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  test('a product upsert through A: B stops answering 404 SKU_NOT_FOUND', async () => {
    const sku = uniqueSku('FRP');
    const before = await b.api(`/v1/inventory/${sku}`);
    assert.equal(before.status, 404, before.text);
    assert.equal(before.json.error.code, 'SKU_NOT_FOUND');
    const q = await b.api('/v1/inventory/query', { body: { items: [{ sku }] } });
    assert.equal(q.json.items[0].found, false);
    const p = await a.api('/v1/products', { key: true, body: [{ sku, name: 'Fresh', price: 500, currency: 'USD' }] });
    assert.equal(p.status, 200, p.text);
    const doc = await seenWithin(b, sku, (d) => d.http === 200, 'the new product');
    assert.equal(doc.status, 'OUT_OF_STOCK');
    assert.deepEqual(doc.positions, []);
    const item = await seenWithin(b, sku, (d) => d.found === undefined, 'the new product', { query: true });
    assert.equal(item.sku, sku);
  });

  test('an import through A (bulk) shows on B', async () => {
    const sku = await createSku(a, { onhand: 4 });
    await seenWithin(b, sku, (d) => d.availableStockQuantity === 4, 'the first import');
    const r = await a.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 9, reservedQuantity: 2 }]);
    assert.equal(r.status, 201, r.text);
    const doc = await seenWithin(b, sku, (d) => d.availableStockQuantity === 7, 'the re-import');
    assert.equal(doc.positions[0].reservedQuantity, 2);
  });

  test('an import through the CLI (another process) shows on both servers', async () => {
    const sku = uniqueSku('FRC');
    const file = path.join(a.dir, `${sku}.csv`);
    fs.writeFileSync(file, `${HEADER}\n${sku},WH1,onhand,6,0,,,\n${sku},WH1,intransit,20,0,PO${sku.slice(-6)},2026-11-20,2026-12-15\n`);
    const r = await a.cli(['import', file, '--db', a.db]);
    assert.equal(r.code, 0, r.stderr);
    for (const srv of [a, b]) {
      const doc = await seenWithin(srv, sku, (d) => d.http === 200 && d.availableTotal === 26, 'the CLI import');
      assert.equal(doc.availableTransitQuantity, 20);
    }
    // The promise for a quantity is computed from the fresh positions too.
    const p = await seenWithin(b, sku, (d) => d.promise?.allocations?.length === 2, 'the promise', { quantity: 8 });
    assert.deepEqual(p.promise.allocations.map((x) => x.quantity), [6, 2]);
  });

  test('an import of 20,001 rows (each read model reloads whole) shows on both; later changes too',
    async () => {
      const prefix = uniqueSku('FRB');
      const rows = Array.from({ length: 20001 }, (_, i) => `${prefix}N${i},WH1,onhand,${1 + (i % 50)},0,,,`);
      const file = path.join(a.dir, `${prefix}.csv`);
      fs.writeFileSync(file, `${HEADER}\n${rows.join('\n')}\n`);
      const mugBefore = (await b.api('/v1/inventory/MUG3')).json.availableStockQuantity;
      const r = await a.cli(['import', file, '--db', a.db]);
      assert.equal(r.code, 0, r.stderr);
      for (const srv of [a, b]) {
        await seenWithin(srv, `${prefix}N20000`, (d) => d.http === 200 && d.availableStockQuantity === 1,
          'the last row of the large import');
        await seenWithin(srv, `${prefix}N49`, (d) => d.availableStockQuantity === 50, 'an early row');
      }
      assert.equal((await b.api('/v1/inventory/MUG3')).json.availableStockQuantity, mugBefore,
        'a SKU the import did not name is answered as before the reload');
      // After the reload the log is followed again, one SKU at a time.
      const one = await a.bulk([{ sku: `${prefix}N7`, locationId: 'WH1', stockType: 'onhand', quantity: 77 }]);
      assert.equal(one.status, 201, one.text);
      await seenWithin(b, `${prefix}N7`, (d) => d.availableStockQuantity === 77, 'a change after the reload');
    });

  test('an order through A (allocation) shows on B, also in the batch query', async () => {
    const sku = await createSku(a, { onhand: 5 });
    await seenWithin(b, sku, (d) => d.availableTotal === 5, 'the stock');
    await placeOrder(a, [{ sku, quantity: 3 }]);
    const doc = await seenWithin(b, sku, (d) => d.availableTotal === 2, 'the order');
    assert.equal(doc.positions[0].allocatedQuantity, 3);
    const item = await seenWithin(b, sku, (d) => d.availableTotal === 2, 'the order', { query: true, quantity: 3 });
    assert.equal(item.promise.fulfillable, false);
  });

  test('an order through B shows on A (either direction)', async () => {
    const sku = await createSku(b, { onhand: 2 });
    await seenWithin(a, sku, (d) => d.availableTotal === 2, 'the stock');
    await placeOrder(b, [{ sku, quantity: 2 }]);
    const doc = await seenWithin(a, sku, (d) => d.availableTotal === 0, 'the order');
    assert.equal(doc.status, 'OUT_OF_STOCK');
  });

  test('a receipt through A (transit to onhand) shows on B', async () => {
    const ref = `PO${uniqueSku('').slice(-8)}`;
    const sku = await createSku(a, { transit: [{ ref, quantity: 10, stockDate: '2026-12-15' }] });
    // B answers for a quantity before the receipt too: what it kept must not outlive it.
    const early = await seenWithin(b, sku, (d) => d.availableTransitQuantity === 10, 'the transit stock',
      { quantity: 2 });
    assert.deepEqual(early.promise.allocations.map((x) => x.stockType), ['intransit']);
    const r = await receive(a, sku, ref, 4);
    assert.equal(r.status, 200, r.text);
    const doc = await seenWithin(b, sku, (d) => d.availableStockQuantity === 4, 'the receipt');
    assert.equal(doc.availableTransitQuantity, 6);
    assert.equal(doc.inStock, true);
    const promised = await seenWithin(b, sku, (d) => d.availableStockQuantity === 4, 'the receipt',
      { quantity: 2 });
    assert.deepEqual(promised.promise.allocations.map((x) => [x.stockType, x.quantity]), [['onhand', 2]]);
  });

  test('a settings change through A changes the delivery estimate on B', async () => {
    const sku = await createSku(a, { onhand: 1 });
    const before = await seenWithin(b, sku, (d) => d.availableTotal === 1, 'the stock');
    const s = await a.api('/v1/settings');
    const min = s.json.inStockMinDays + 3;
    const max = s.json.inStockMaxDays + 3;
    await putSettings(a, { inStockMinDays: min, inStockMaxDays: max });
    const fresh = await a.item(sku);
    assert.notDeepEqual(fresh.expectedDelivery, before.expectedDelivery, 'the change moves the estimate');
    const doc = await seenWithin(b, sku, (d) => d.expectedDelivery?.from === fresh.expectedDelivery.from,
      'the settings change');
    assert.deepEqual(doc.expectedDelivery, fresh.expectedDelivery);
    await putSettings(a, { inStockMinDays: s.json.inStockMinDays, inStockMaxDays: s.json.inStockMaxDays });
    await seenWithin(b, sku, (d) => d.expectedDelivery?.from === before.expectedDelivery.from,
      'the settings change back');
  });

  test('a SKU with 12 positions: every one listed in allocation order, the promise spans them', async () => {
    const transit = Array.from({ length: 11 }, (_, i) => ({
      ref: `PO${String(i).padStart(2, '0')}`, quantity: 1, stockDate: `2026-12-${String(10 + i).padStart(2, '0')}`,
    }));
    const sku = await createSku(a, { onhand: 1, transit });
    for (const srv of [a, b]) {
      const doc = await seenWithin(srv, sku, (d) => d.availableTotal === 12, '12 positions', { quantity: 12 });
      assert.deepEqual(doc.positions.map((p) => p.transitRef ?? 'onhand'),
        ['onhand', ...transit.map((t) => t.ref)]);
      assert.equal(doc.promise.fulfillable, true);
      assert.deepEqual(doc.promise.allocations.map((x) => x.quantity), Array(12).fill(1));
      const plain = await srv.item(sku);
      assert.deepEqual(plain.positions, doc.positions);
      assert.equal(plain.promise, undefined);
    }
  });
});
