// SPEC 5.2 receipts: POST /v1/inventory/receipts moves units from a transit position to the
// location's onhand position; the allocated units move with them, oldest order first; a waiting
// shipment becomes READY only when all its units are onhand (strictly first come, first served);
// units beyond the allocated ones become available onhand stock.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import { assertCheck, cancel, createSku, getOrder, placeOrder, position, receive, ship } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
afterEach(async () => {
  await assertCheck(srv);
});
after(async () => {
  await srv?.stop();
});

const pick = (p) => p && ({ quantity: p.quantity, allocatedQuantity: p.allocatedQuantity, available: p.available });
const statusOf = async (o) => (await getOrder(srv, o.id)).shipments.map((s) => s.status);

// A SKU with no onhand position and one purchase order of `quantity`.
const poSku = (quantity = 20, ref = 'POR1') =>
  createSku(srv, { price: 1000, transit: [{ ref, quantity, orderDate: '2026-11-20', stockDate: '2026-12-15' }] });

describe('release order', () => {
  test('three orders of 4 on one PO: 6 releases only the first, 2 more the second', async () => {
    const sku = await poSku(20);
    const a = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const b = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const c = await placeOrder(srv, [{ sku, quantity: 4 }]);
    for (const o of [a, b, c]) assert.deepEqual(o.shipments.map((s) => [s.status, s.transitRef]), [['AWAITING_STOCK', 'POR1']]);
    assert.deepEqual(pick(await position(srv, sku, 'POR1')), { quantity: 20, allocatedQuantity: 12, available: 8 });

    let r = await receive(srv, sku, 'POR1', 6);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [a.shipments[0].id] });
    assert.deepEqual(await statusOf(a), ['READY']);
    assert.deepEqual(await statusOf(b), ['AWAITING_STOCK'], 'the second is split: 2 onhand, 2 in transit');
    assert.deepEqual(await statusOf(c), ['AWAITING_STOCK']);
    // 4 (first) + 2 (second) moved onhand; 2 (second) + 4 (third) still on the PO.
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 6, allocatedQuantity: 6, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'POR1')), { quantity: 14, allocatedQuantity: 6, available: 8 });
    assert.equal((await srv.item(sku)).availableStockQuantity, 0, 'nothing received is free');

    // The split shipment cannot ship yet.
    const early = await ship(srv, b.shipments[0].id);
    assertError(early, 409, 'CONFLICT');

    r = await receive(srv, sku, 'POR1', 2);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [b.shipments[0].id] });
    assert.deepEqual(await statusOf(b), ['READY']);
    assert.deepEqual(await statusOf(c), ['AWAITING_STOCK']);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 8, allocatedQuantity: 8, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'POR1')), { quantity: 12, allocatedQuantity: 4, available: 8 });

    // Both ship; the onhand units leave with them.
    assert.equal((await ship(srv, a.shipments[0].id, 'A')).status, 200);
    assert.equal((await ship(srv, b.shipments[0].id, 'B')).status, 200);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 0, allocatedQuantity: 0, available: 0 });
    assert.equal((await getOrder(srv, b.id)).payment.captured, 4000);
  });

  test('received units beyond the allocations become available onhand', async () => {
    const sku = await poSku(20);
    const a = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const r = await receive(srv, sku, 'POR1', 10);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [a.shipments[0].id] });
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 10, allocatedQuantity: 4, available: 6 });
    assert.deepEqual(pick(await position(srv, sku, 'POR1')), { quantity: 10, allocatedQuantity: 0, available: 10 });
    const doc = await srv.item(sku);
    assert.equal(doc.status, 'IN_STOCK');
    assert.equal(doc.availableStockQuantity, 6);
    assert.equal(doc.availableTransitQuantity, 10);
    assert.equal(doc.availableTotal, 16);
    // The new stock sells as onhand: an order of 6 ships now.
    const o = await placeOrder(srv, [{ sku, quantity: 6 }]);
    assert.deepEqual(o.shipments.map((s) => [s.status, s.stockType]), [['READY', 'onhand']]);
  });

  test('a receipt with no waiting orders: all units become available onhand', async () => {
    const sku = await createSku(srv, { onhand: 2, transit: [{ ref: 'POR2', quantity: 9, stockDate: '2026-12-15' }] });
    const r = await receive(srv, sku, 'POR2', 9);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [] });
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 11, allocatedQuantity: 0, available: 11 });
    assert.deepEqual(pick(await position(srv, sku, 'POR2')), { quantity: 0, allocatedQuantity: 0, available: 0 });
  });

  test('strictly first come, first served: a smaller later order is not released ahead', async () => {
    const sku = await poSku(20);
    const big = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const small = await placeOrder(srv, [{ sku, quantity: 1 }]);
    let r = await receive(srv, sku, 'POR1', 1);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [] });
    assert.deepEqual(await statusOf(big), ['AWAITING_STOCK']);
    assert.deepEqual(await statusOf(small), ['AWAITING_STOCK']);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 1, allocatedQuantity: 1, available: 0 });
    r = await receive(srv, sku, 'POR1', 4);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [big.shipments[0].id, small.shipments[0].id] }, 'oldest first');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 5, allocatedQuantity: 5, available: 0 });
  });

  test('only shipments of the received position are released', async () => {
    const sku = await createSku(srv, {
      transit: [
        { ref: 'POEARLY', quantity: 5, stockDate: '2026-12-10' },
        { ref: 'POLATE', quantity: 5, stockDate: '2026-12-20' },
      ],
    });
    const early = await placeOrder(srv, [{ sku, quantity: 5 }]);
    const late = await placeOrder(srv, [{ sku, quantity: 2 }]);
    assert.equal(early.shipments[0].transitRef, 'POEARLY');
    assert.equal(late.shipments[0].transitRef, 'POLATE');
    const r = await receive(srv, sku, 'POLATE', 5);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [late.shipments[0].id] });
    assert.deepEqual(await statusOf(early), ['AWAITING_STOCK']);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 5, allocatedQuantity: 2, available: 3 });
  });

  test('a backorder position (no stock date) can be received too', async () => {
    const sku = await createSku(srv, { onhand: 0, transit: [{ ref: 'ADVR', quantity: 8 }] });
    const o = await placeOrder(srv, [{ sku, quantity: 3 }]);
    assert.equal(o.shipments[0].stockDate, null);
    const r = await receive(srv, sku, 'ADVR', 3);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [o.shipments[0].id] });
    assert.equal((await ship(srv, o.shipments[0].id)).status, 200);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 0, allocatedQuantity: 0, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'ADVR')), { quantity: 5, allocatedQuantity: 0, available: 5 });
  });

  test('cancelling a split shipment releases both parts', async () => {
    const sku = await poSku(10);
    const a = await placeOrder(srv, [{ sku, quantity: 4 }]);
    assert.deepEqual((await receive(srv, sku, 'POR1', 2)).json, { released: [] });
    const r = await cancel(srv, a.id);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'CANCELLED');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 2, allocatedQuantity: 0, available: 2 });
    assert.deepEqual(pick(await position(srv, sku, 'POR1')), { quantity: 8, allocatedQuantity: 0, available: 8 });
  });
});

describe('refusals', () => {
  let sku;
  let snap;
  before(async () => {
    sku = await poSku(10, 'POX');
    await placeOrder(srv, [{ sku, quantity: 3 }]);
  });
  const unchanged = async () => {
    assert.deepEqual(await srv.item(sku), snap);
  };

  test('needs a key: 401', async () => {
    snap = await srv.item(sku);
    const body = { sku, locationId: 'WH1', transitRef: 'POX', quantity: 1 };
    assertError(await srv.api('/v1/inventory/receipts', { body }), 401, 'UNAUTHORIZED');
    const bad = await srv.api('/v1/inventory/receipts', { body, key: 'wrong-key' });
    assert.equal(bad.status, 401, bad.text);
    await unchanged();
  });

  test('unknown position: 404', async () => {
    snap = await srv.item(sku);
    for (const [s, loc, ref] of [[sku, 'WH1', 'NOPE1'], ['NOSUCHSKU77', 'WH1', 'POX'], [sku, 'WH404', 'POX']]) {
      const r = await receive(srv, s, ref, 1, loc);
      assert.equal(r.status, 404, `${s}/${loc}/${ref}: ${r.text}`);
      assert.ok(r.json?.error?.code, r.text);
    }
    await unchanged();
  });

  test('more than in transit: 422', async () => {
    snap = await srv.item(sku);
    const r = await receive(srv, sku, 'POX', 11);
    assert.equal(r.status, 422, r.text);
    assert.ok(r.json?.error?.code, r.text);
    await unchanged();
  });

  const bad = [
    ['quantity 0', (s) => ({ sku: s, locationId: 'WH1', transitRef: 'POX', quantity: 0 })],
    ['negative quantity', (s) => ({ sku: s, locationId: 'WH1', transitRef: 'POX', quantity: -1 })],
    ['quantity as a string', (s) => ({ sku: s, locationId: 'WH1', transitRef: 'POX', quantity: '1' })],
    ['fractional quantity', (s) => ({ sku: s, locationId: 'WH1', transitRef: 'POX', quantity: 1.5 })],
    ['missing quantity', (s) => ({ sku: s, locationId: 'WH1', transitRef: 'POX' })],
    ['missing transitRef', (s) => ({ sku: s, locationId: 'WH1', quantity: 1 })],
    ['missing sku', () => ({ locationId: 'WH1', transitRef: 'POX', quantity: 1 })],
    ['missing locationId', (s) => ({ sku: s, transitRef: 'POX', quantity: 1 })],
    ['sku with a space', () => ({ sku: 'A B', locationId: 'WH1', transitRef: 'POX', quantity: 1 })],
    ['transitRef not a string', (s) => ({ sku: s, locationId: 'WH1', transitRef: 7, quantity: 1 })],
    ['an array', (s) => [{ sku: s, locationId: 'WH1', transitRef: 'POX', quantity: 1 }]],
  ];
  for (const [name, body] of bad) {
    test(`bad body, ${name}: 422`, async () => {
      snap = await srv.item(sku);
      const r = await srv.api('/v1/inventory/receipts', { key: true, body: body(sku) });
      assert.equal(r.status, 422, `${name}: ${r.text}`);
      assert.ok(r.json?.error?.code, r.text);
      await unchanged();
    });
  }

  test('malformed JSON: 400', async () => {
    snap = await srv.item(sku);
    const r = await srv.api('/v1/inventory/receipts', {
      key: true, body: '{"sku": ', headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 400, r.text);
    await unchanged();
  });

  test('exactly what is in transit is fine', async () => {
    const r = await receive(srv, sku, 'POX', 10);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.released.length, 1);
    assert.deepEqual(pick(await position(srv, sku, 'POX')), { quantity: 0, allocatedQuantity: 0, available: 0 });
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 10, allocatedQuantity: 3, available: 7 });
    const again = await receive(srv, sku, 'POX', 1);
    assert.equal(again.status, 422, again.text);
  });
});
