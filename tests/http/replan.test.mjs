// SPEC 5.7: an import never refuses because of orders; in the same transaction the open
// allocations of the SKUs it changed are re-planned (oldest order first), so no position is
// left oversold, units move to other sources in allocation order, what nothing covers waits
// unsourced, and freed units go to those who wait. Business date pinned to 2026-11-27.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, placeOrder, position } from './lib/shop.mjs';

const PO = (ref, stockDate, quantity) => ({ ref, stockDate, quantity });

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

async function bulk(rows) {
  const r = await srv.bulk(rows.map((x) => ({ locationId: 'WH1',
    ...(x.stockType === 'intransit' ? { transitOrderDate: '2026-11-20' } : {}), ...x })));
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// The open shipments of an order holding sku, as [source, units, from, to] sorted by source.
async function plan(orderId, sku) {
  const o = await getOrder(srv, orderId);
  return o.shipments
    .filter((s) => s.status === 'READY' || s.status === 'AWAITING_STOCK')
    .map((s) => [s.stockType === 'intransit' ? s.transitRef : s.stockType,
      s.lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0),
      s.expectedDelivery.from, s.expectedDelivery.to])
    .filter((x) => x[1] > 0)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe('re-planning after an import', () => {
  test('a PO cut below its orders keeps the oldest and moves the rest to the next PO', async () => {
    const sku = await createSku(srv, { transit: [PO('PA1', '2026-12-07', 30), PO('PA2', '2026-12-20', 50)] });
    const o1 = await placeOrder(srv, [{ sku, quantity: 10 }]);
    const o2 = await placeOrder(srv, [{ sku, quantity: 10 }]);
    const o3 = await placeOrder(srv, [{ sku, quantity: 10 }]);
    const promised = o3.shipments[0].promisedDelivery;
    assert.deepEqual(promised, o3.shipments[0].expectedDelivery);

    await bulk([{ sku, stockType: 'intransit', transitRef: 'PA1', quantity: 10, transitStockDate: '2026-12-07' }]);

    assert.deepEqual(await plan(o1.id, sku), [['PA1', 10, '2026-12-09', '2026-12-12']]);
    assert.deepEqual(await plan(o2.id, sku), [['PA2', 10, '2026-12-22', '2026-12-25']]);
    assert.deepEqual(await plan(o3.id, sku), [['PA2', 10, '2026-12-22', '2026-12-25']]);
    const moved = (await getOrder(srv, o3.id)).shipments.find((s) => s.transitRef === 'PA2');
    assert.equal(moved.id, o3.shipments[0].id, 'a shipment that moved whole keeps its id');
    assert.deepEqual(moved.promisedDelivery, promised, 'the promise given at placement never changes');
    assert.equal(moved.stockDate, '2026-12-20');
    assert.equal((await position(srv, sku, 'PA1')).allocatedQuantity, 10);
    assert.equal((await position(srv, sku, 'PA2')).allocatedQuantity, 20);
    await assertCheck(srv);
  });

  test('a shortfall splits a shipment over on-hand stock, the next PO and unsourced', async () => {
    const sku = await createSku(srv, { onhand: 0, transit: [PO('PB1', '2026-12-07', 10), PO('PB2', '2026-12-20', 3)] });
    const o = await placeOrder(srv, [{ sku, quantity: 10 }]);
    assert.equal(o.shipments.length, 1);
    const before = o.shipments[0];
    assert.equal(before.amount, 10000);

    await bulk([
      { sku, stockType: 'onhand', quantity: 2 },
      { sku, stockType: 'intransit', transitRef: 'PB1', quantity: 4, transitStockDate: '2026-12-07' },
    ]);

    const after = await getOrder(srv, o.id);
    const bySource = Object.fromEntries(after.shipments.map((s) => [s.stockType === 'intransit' ? s.transitRef : s.stockType, s]));
    assert.deepEqual(Object.keys(bySource).sort(), ['PB1', 'PB2', 'onhand', 'unsourced']);
    assert.equal(bySource.PB1.id, before.id, 'the units that stay keep the shipment');
    assert.deepEqual(bySource.PB1.lines, [{ sku, quantity: 4 }]);
    assert.equal(bySource.PB1.amount, 4000);
    assert.equal(bySource.onhand.status, 'READY');
    assert.deepEqual(bySource.onhand.lines, [{ sku, quantity: 2 }]);
    assert.equal(bySource.onhand.amount, 2000);
    assert.deepEqual(bySource.onhand.expectedDelivery.from, '2026-11-28');
    assert.equal(bySource.PB2.status, 'AWAITING_STOCK');
    assert.deepEqual(bySource.PB2.lines, [{ sku, quantity: 3 }]);
    const u = bySource.unsourced;
    assert.equal(u.status, 'AWAITING_STOCK');
    assert.deepEqual(u.lines, [{ sku, quantity: 1 }]);
    assert.equal(u.locationId, null);
    assert.equal(u.transitRef, null);
    assert.equal(u.stockDate, null);
    assert.deepEqual(u.expectedDelivery, { from: null, to: null, message: 'Delayed: we will email you a new date' });
    for (const s of after.shipments) assert.deepEqual(s.promisedDelivery, before.promisedDelivery);
    assert.equal(after.shipments.reduce((n, s) => n + s.amount, 0), after.total);
    await assertCheck(srv);

    // New supply serves the unsourced unit before any new shopper.
    await bulk([{ sku, stockType: 'intransit', transitRef: 'PB3', quantity: 1, transitStockDate: '2027-01-05' }]);
    const again = await getOrder(srv, o.id);
    assert.equal(again.shipments.some((s) => s.stockType === 'unsourced'), false);
    assert.deepEqual(await plan(o.id, sku), [['PB1', 4, '2026-12-09', '2026-12-12'], ['PB2', 3, '2026-12-22', '2026-12-25'],
      ['PB3', 1, '2027-01-07', '2027-01-10'], ['onhand', 2, '2026-11-28', '2026-11-30']]);
    const doc = (await srv.api(`/v1/inventory/${sku}`)).json;
    assert.equal(doc.availableTotal, 0);
    await assertCheck(srv);
  });

  test('a slipped PO moves its orders to an earlier PO with free units', async () => {
    const sku = await createSku(srv, { transit: [PO('PC1', '2026-12-07', 30), PO('PC2', '2026-12-20', 50)] });
    const o1 = await placeOrder(srv, [{ sku, quantity: 20 }]);
    const o2 = await placeOrder(srv, [{ sku, quantity: 15 }]); // 10 on PC1, 5 on PC2
    assert.deepEqual(await plan(o2.id, sku), [['PC1', 10, '2026-12-09', '2026-12-12'], ['PC2', 5, '2026-12-22', '2026-12-25']]);

    await bulk([{ sku, stockType: 'intransit', transitRef: 'PC1', quantity: 30, transitStockDate: '2027-02-01' }]);

    assert.deepEqual(await plan(o1.id, sku), [['PC2', 20, '2026-12-22', '2026-12-25']]);
    assert.deepEqual(await plan(o2.id, sku), [['PC2', 15, '2026-12-22', '2026-12-25']]);
    const o2after = await getOrder(srv, o2.id);
    assert.equal(o2after.shipments.filter((s) => s.status !== 'CANCELLED').length, 1, 'one shipment per source');
    assert.equal((await position(srv, sku, 'PC1')).allocatedQuantity, 0);
    assert.equal((await position(srv, sku, 'PC2')).allocatedQuantity, 35);
    await assertCheck(srv);
  });

  test('an earlier stock date moves the shipment date without moving units', async () => {
    const sku = await createSku(srv, { transit: [PO('PD1', '2026-12-20', 10)] });
    const o = await placeOrder(srv, [{ sku, quantity: 3 }]);
    await bulk([{ sku, stockType: 'intransit', transitRef: 'PD1', quantity: 10, transitStockDate: '2026-12-10' }]);
    const s = (await getOrder(srv, o.id)).shipments[0];
    assert.equal(s.id, o.shipments[0].id);
    assert.equal(s.stockDate, '2026-12-10');
    assert.deepEqual([s.expectedDelivery.from, s.expectedDelivery.to], ['2026-12-12', '2026-12-15']);
    assert.deepEqual(s.promisedDelivery, o.shipments[0].promisedDelivery);
    await assertCheck(srv);
  });

  test('new on-hand stock moves waiting units forward, oldest order first', async () => {
    const sku = await createSku(srv, { onhand: 0, transit: [PO('PE1', '2026-12-20', 10)] });
    const o1 = await placeOrder(srv, [{ sku, quantity: 2 }]);
    const o2 = await placeOrder(srv, [{ sku, quantity: 2 }]);
    await bulk([{ sku, stockType: 'onhand', quantity: 3 }]);
    assert.deepEqual(await plan(o1.id, sku), [['onhand', 2, '2026-11-28', '2026-11-30']]);
    assert.deepEqual(await plan(o2.id, sku), [['PE1', 1, '2026-12-22', '2026-12-25'], ['onhand', 1, '2026-11-28', '2026-11-30']]);
    const ready = (await getOrder(srv, o1.id)).shipments.find((s) => s.stockType === 'onhand');
    assert.equal(ready.status, 'READY');
    await assertCheck(srv);
  });

  test('a PO cut to 0 with nothing else leaves the units unsourced; cancelling releases them', async () => {
    const sku = await createSku(srv, { transit: [PO('PF1', '2026-12-07', 5)] });
    const o = await placeOrder(srv, [{ sku, quantity: 5 }]);
    await bulk([{ sku, stockType: 'intransit', transitRef: 'PF1', quantity: 0, transitStockDate: '2026-12-07' }]);
    const after = await getOrder(srv, o.id);
    assert.deepEqual(after.shipments.map((s) => [s.id, s.stockType, s.status]),
      [[o.shipments[0].id, 'unsourced', 'AWAITING_STOCK']]);
    assert.equal((await position(srv, sku, 'PF1')).allocatedQuantity, 0);
    await assertCheck(srv);
    const c = await srv.api(`/v1/orders/${o.id}/cancel`, { key: true, body: {} });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.status, 'CANCELLED');
    await assertCheck(srv);
  });

  test('a row that repeats the stored values moves nothing', async () => {
    const sku = await createSku(srv, { onhand: 0, transit: [PO('PG1', '2026-12-20', 10)] });
    const o = await placeOrder(srv, [{ sku, quantity: 2 }]);
    await bulk([{ sku, stockType: 'intransit', transitRef: 'PG1', quantity: 10, transitStockDate: '2026-12-20' }]);
    const after = await getOrder(srv, o.id);
    assert.deepEqual(after.shipments, o.shipments.map((s) => ({ ...s })));
    await assertCheck(srv);
  });
});
