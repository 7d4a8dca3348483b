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
  test('three orders of 4 on one PO: 6 releases the first and splits the second, 2 more the rest', async () => {
    const sku = await poSku(20);
    const a = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const b = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const c = await placeOrder(srv, [{ sku, quantity: 4 }]);
    for (const o of [a, b, c]) assert.deepEqual(o.shipments.map((s) => [s.status, s.transitRef]), [['AWAITING_STOCK', 'POR1']]);
    assert.deepEqual(pick(await position(srv, sku, 'POR1')), { quantity: 20, allocatedQuantity: 12, available: 8 });

    let r = await receive(srv, sku, 'POR1', 6);
    assert.equal(r.status, 200, r.text);
    const bAfter = (await getOrder(srv, b.id)).shipments;
    assert.deepEqual(bAfter.map((s) => [s.status, s.stockType, s.lines[0].quantity]),
      [['AWAITING_STOCK', 'intransit', 2], ['READY', 'onhand', 2]], 'the second is split: its received part is a new READY shipment');
    assert.equal(bAfter[0].id, b.shipments[0].id);
    const bReady = bAfter[1].id;
    assert.deepEqual(r.json, { released: [a.shipments[0].id, bReady], surplus: 0 });
    assert.deepEqual(await statusOf(a), ['READY']);
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
    assert.deepEqual(r.json, { released: [bReady], surplus: 0 }, 'one shipment per source: the rest joins the READY one');
    assert.deepEqual((await getOrder(srv, b.id)).shipments.map((s) => [s.id, s.status, s.lines[0].quantity]), [[bReady, 'READY', 4]]);
    assert.deepEqual(await statusOf(c), ['AWAITING_STOCK']);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 8, allocatedQuantity: 8, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'POR1')), { quantity: 12, allocatedQuantity: 4, available: 8 });

    // Both ship; the onhand units leave with them.
    assert.equal((await ship(srv, a.shipments[0].id, 'A')).status, 200);
    assert.equal((await ship(srv, bReady, 'B')).status, 200);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 0, allocatedQuantity: 0, available: 0 });
    assert.equal((await getOrder(srv, b.id)).payment.captured, 4000);
  });

  test('received units beyond the allocations become available onhand', async () => {
    const sku = await poSku(20);
    const a = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const r = await receive(srv, sku, 'POR1', 10);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [a.shipments[0].id], surplus: 0 });
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
    assert.deepEqual(r.json, { released: [], surplus: 0 });
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 11, allocatedQuantity: 0, available: 11 });
    assert.deepEqual(pick(await position(srv, sku, 'POR2')), { quantity: 0, allocatedQuantity: 0, available: 0 });
  });

  test('strictly first come, first served: a smaller later order is not released ahead', async () => {
    const sku = await poSku(20);
    const big = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const small = await placeOrder(srv, [{ sku, quantity: 1 }]);
    let r = await receive(srv, sku, 'POR1', 1);
    assert.equal(r.status, 200, r.text);
    const part = (await getOrder(srv, big.id)).shipments[1];
    assert.deepEqual([part.status, part.lines], ['READY', [{ sku, quantity: 1 }]], 'the older order gets the unit');
    assert.deepEqual(r.json, { released: [part.id], surplus: 0 });
    assert.deepEqual(await statusOf(big), ['AWAITING_STOCK', 'READY']);
    assert.deepEqual(await statusOf(small), ['AWAITING_STOCK']);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 1, allocatedQuantity: 1, available: 0 });
    r = await receive(srv, sku, 'POR1', 4);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [part.id, small.shipments[0].id], surplus: 0 }, 'oldest first');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 5, allocatedQuantity: 5, available: 0 });
  });

  test('units a receipt leaves free go to orders waiting on a later source (SPEC 5.7 rule 4)', async () => {
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
    const e = (await getOrder(srv, early.id)).shipments;
    assert.deepEqual(e.map((s) => [s.status, s.stockType, s.lines[0].quantity]),
      [['AWAITING_STOCK', 'intransit', 2], ['READY', 'onhand', 3]]);
    assert.deepEqual(r.json, { released: [late.shipments[0].id, e[1].id], surplus: 0 });
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 5, allocatedQuantity: 5, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'POEARLY')), { quantity: 5, allocatedQuantity: 2, available: 3 });
  });

  test('a backorder position (no stock date) can be received too', async () => {
    const sku = await createSku(srv, { onhand: 0, transit: [{ ref: 'ADVR', quantity: 8 }] });
    const o = await placeOrder(srv, [{ sku, quantity: 3 }]);
    assert.equal(o.shipments[0].stockDate, null);
    const r = await receive(srv, sku, 'ADVR', 3);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [o.shipments[0].id], surplus: 0 });
    assert.equal((await ship(srv, o.shipments[0].id)).status, 200);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 0, allocatedQuantity: 0, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'ADVR')), { quantity: 5, allocatedQuantity: 0, available: 5 });
  });

  test('cancelling a split shipment releases both parts', async () => {
    const sku = await poSku(10);
    const a = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const part = await receive(srv, sku, 'POR1', 2);
    assert.equal(part.json.released.length, 1, part.text);
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

  test('receivedAt naming no location: 422', async () => {
    snap = await srv.item(sku);
    const r = await srv.api('/v1/inventory/receipts', { key: true,
      body: { sku, locationId: 'WH1', transitRef: 'POX', quantity: 1, receivedAt: 'WH404' } });
    assertError(r, 422, 'VALIDATION_FAILED');
    assert.equal(r.json.error.message, 'receivedAt: location WH404 does not exist');
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
    assert.deepEqual([again.status, again.json], [200, { released: [], surplus: 1 }], 'beyond the position: surplus stock');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 11, allocatedQuantity: 3, available: 8 });
  });
});

describe('receipts that do not match the plan (SPEC 5.2)', () => {
  test('units beyond the position are surplus onhand stock, and serve unsourced units first', async () => {
    const sku = await poSku(5, 'POS1');
    const a = await placeOrder(srv, [{ sku, quantity: 5 }]);
    // The PO is cut to 3: 2 units of the order wait unsourced.
    const cut = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'intransit', transitRef: 'POS1', quantity: 3,
      transitOrderDate: '2026-11-20', transitStockDate: '2026-12-15' }]);
    assert.equal(cut.status, 201, cut.text);
    assert.deepEqual((await getOrder(srv, a.id)).shipments.map((s) => [s.stockType, s.lines[0].quantity]),
      [['intransit', 3], ['unsourced', 2]]);
    // All 5 arrive after all.
    const r = await receive(srv, sku, 'POS1', 5);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.surplus, 2);
    const after = (await getOrder(srv, a.id)).shipments;
    assert.deepEqual(after.map((s) => [s.stockType, s.status, s.lines[0].quantity]), [['onhand', 'READY', 5]]);
    assert.deepEqual(r.json.released, [after[0].id]);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 5, allocatedQuantity: 5, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'POS1')), { quantity: 0, allocatedQuantity: 0, available: 0 });
    await assertCheck(srv);
  });

  test('receivedAt: the units land at another location', async () => {
    const loc = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH7', name: 'Overflow' } });
    assert.equal(loc.status, 201, loc.text);
    const sku = await poSku(4, 'POT1');
    const a = await placeOrder(srv, [{ sku, quantity: 3 }]);
    const r = await srv.api('/v1/inventory/receipts', { key: true,
      body: { sku, locationId: 'WH1', transitRef: 'POT1', quantity: 4, receivedAt: 'WH7' } });
    assert.equal(r.status, 200, r.text);
    const s = (await getOrder(srv, a.id)).shipments;
    assert.deepEqual(s.map((x) => [x.stockType, x.locationId, x.status]), [['onhand', 'WH7', 'READY']]);
    const wh7 = (await srv.item(sku)).positions.find((p) => p.stockType === 'onhand' && p.locationId === 'WH7');
    assert.deepEqual(pick(wh7), { quantity: 4, allocatedQuantity: 3, available: 1 });
    await assertCheck(srv);
  });
});

describe('Idempotency-Key (SPEC 5.5)', () => {
  const post = (body, key, apiKey = true) => srv.api('/v1/inventory/receipts',
    { key: apiKey, body, headers: { 'Idempotency-Key': key } });

  test('a retried receipt gets the first answer and receives nothing more', async () => {
    const sku = await poSku(10, 'POI1');
    const a = await placeOrder(srv, [{ sku, quantity: 3 }]);
    const b = await placeOrder(srv, [{ sku, quantity: 2 }]);
    const body = { sku, locationId: 'WH1', transitRef: 'POI1', quantity: 3 };
    const first = await post(body, `rcpt-${sku}`);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.json, { released: [a.shipments[0].id], surplus: 0 });
    const again = await post(body, `rcpt-${sku}`);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json, first.json, 'the first answer, even though nothing is released now');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 3, allocatedQuantity: 3, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'POI1')), { quantity: 7, allocatedQuantity: 2, available: 5 });
    assert.deepEqual(await statusOf(b), ['AWAITING_STOCK']);
  });

  test('the same key with another body gets 422 and changes nothing; another key receives again', async () => {
    const sku = await poSku(10, 'POI2');
    const body = { sku, locationId: 'WH1', transitRef: 'POI2', quantity: 2 };
    assert.equal((await post(body, `rcpt-${sku}`)).status, 200);
    const other = await post({ ...body, quantity: 5 }, `rcpt-${sku}`);
    assertError(other, 422, 'IDEMPOTENCY_KEY_REUSED');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 2, allocatedQuantity: 0, available: 2 });
    const k2 = (await srv.cli(['apikey', 'create', `rcpt${sku}`])).stdout.trim();
    const second = await post(body, `rcpt-${sku}`, k2);
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(second.json, { released: [], surplus: 0 });
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 4, allocatedQuantity: 0, available: 4 });
  });

  test('a refused receipt keeps no key: the retry after a fix applies', async () => {
    const sku = await poSku(5, 'POI3');
    const bad = await post({ sku, locationId: 'WH1', transitRef: 'POI9', quantity: 1 }, `rcpt-${sku}`);
    assert.equal(bad.status, 404, bad.text);
    const fixed = { sku, locationId: 'WH1', transitRef: 'POI3', quantity: 1 };
    assert.equal((await post(fixed, `rcpt-${sku}`)).status, 200);
    assert.equal((await post(fixed, `rcpt-${sku}`)).status, 200);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 1, allocatedQuantity: 0, available: 1 });
  });
});
