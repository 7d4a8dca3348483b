// SPEC 3, 5.7 and 5.8 scenarios: a purchase order is cut below its orders by CSV import on a
// later business date. The import still applies; the oldest orders keep their units, the rest
// move in allocation order (on-hand stock, another PO, a backorder position) or wait
// unsourced, new supply serves who waits before any new shopper, and a later range is a delay.
// Orders are placed on 2026-11-27 (TODAY). Every scenario has a database of its own and ends
// with `sellahead check`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HEADER, assertError } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, placeOrder, placeOrderRaw } from './lib/shop.mjs';
import { PO, assertPositions, mails, plan, shipmentFrom, world } from './lib/promises.mjs';

const UNSOURCED = { from: null, to: null, message: 'Delayed: we will email you a new date' };

test('shortfall to another PO: the newer order\'s units split onto the next PO', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('FA1', '2026-12-07', 10), PO('FA2', '2026-12-20', 10)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 6 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 4 }]);

  const job = await w.importAt('2026-11-30', [{ sku, ref: 'FA1', quantity: 7, stockDate: '2026-12-07' }]);
  assert.equal(job.rowsApplied, 1, 'an import never refuses a row because of orders');

  assert.deepEqual(await plan(w.srv, o1.id), [['FA1', 6, '2026-12-09', '2026-12-12']]);
  assert.deepEqual(await plan(w.srv, o2.id), [['FA1', 1, '2026-12-09', '2026-12-12'], ['FA2', 3, '2026-12-22', '2026-12-25']]);
  const kept = await shipmentFrom(w.srv, o2.id, 'FA1');
  const moved = await shipmentFrom(w.srv, o2.id, 'FA2');
  assert.equal(kept.id, o2.shipments[0].id, 'the units that stay keep the shipment');
  assert.notEqual(moved.id, kept.id);
  assert.deepEqual([kept.amount, moved.amount], [1000, 3000]);
  assert.deepEqual(moved.promisedDelivery, o2.shipments[0].promisedDelivery, 'a split carries the promise');
  await assertPositions(w.srv, sku, { FA1: [7, 7, 0], FA2: [10, 3, 7] });
  await assertCheck(w.srv);

  // 5.8: only the part that moved later is delayed; o1 hears nothing.
  assert.equal(kept.delay, null);
  assert.deepEqual([moved.delay.consent, moved.delay.consentRequired, moved.delay.detectedAt, moved.delay.respondBy],
    ['PENDING', false, '2026-11-30', '2026-12-07']);
  assert.equal((await mails(w.srv, 'shipment_delayed', o1.number)).length, 0);
  assert.equal((await mails(w.srv, 'shipment_delayed', o2.number)).length, 1);
});

test('shortfall to on-hand stock: the moved units are READY at once and nobody is delayed', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('FB1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 5 }]);

  await w.importAt('2026-12-01', [
    { sku, quantity: 3 },
    { sku, ref: 'FB1', quantity: 2, stockDate: '2026-12-07' },
  ]);

  assert.deepEqual(await plan(w.srv, o.id), [['FB1', 2, '2026-12-09', '2026-12-12'], ['onhand', 3, '2026-12-02', '2026-12-04']]);
  const ready = await shipmentFrom(w.srv, o.id, 'onhand');
  assert.equal(ready.status, 'READY');
  assert.equal(ready.locationId, 'WH1');
  await assertPositions(w.srv, sku, { onhand: [3, 3, 0], FB1: [2, 2, 0] });
  await assertCheck(w.srv);

  assert.equal(ready.delay, null);
  assert.equal((await shipmentFrom(w.srv, o.id, 'FB1')).delay, null);
  assert.deepEqual(await mails(w.srv, 'shipment_delayed'), []);
});

test('shortfall to a backorder position: a backorder range from the day of the change', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('FC1', '2026-12-07', 5), { ref: 'FCADV', quantity: 10 }] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 5 }]);
  assert.deepEqual(await plan(w.srv, o.id), [['FC1', 5, '2026-12-09', '2026-12-12']], 'pre-order positions come first');

  await w.importAt('2026-12-01', [{ sku, ref: 'FC1', quantity: 0, stockDate: '2026-12-07' }]);

  const s = await shipmentFrom(w.srv, o.id, 'FCADV');
  assert.equal(s.id, o.shipments[0].id);
  assert.deepEqual([s.stockType, s.status, s.stockDate, s.lines], ['intransit', 'AWAITING_STOCK', null, [{ sku, quantity: 5 }]]);
  assert.deepEqual(s.expectedDelivery, { from: '2026-12-15', to: '2026-12-29', message: 'Backorder: expected delivery Dec 15–Dec 29' });
  await assertPositions(w.srv, sku, { FC1: [0, 0, 0], FCADV: [10, 5, 5] });
  await assertCheck(w.srv);

  // 17 days past the promise: a dated delay that silence accepts.
  assert.deepEqual(s.delay, {
    detectedAt: '2026-12-01',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: '2026-12-15', to: '2026-12-29' },
    consent: 'PENDING', respondBy: '2026-12-08', consentRequired: false,
  });
});

test('shortfall to unsourced: what no source covers waits undated, and needs the shopper\'s consent', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('FD1', '2026-12-07', 5)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 3 }]);

  await w.importAt('2026-12-01', [{ sku, ref: 'FD1', quantity: 3, stockDate: '2026-12-07' }]);

  assert.deepEqual(await plan(w.srv, o1.id), [['FD1', 2, '2026-12-09', '2026-12-12']]);
  assert.deepEqual(await plan(w.srv, o2.id), [['FD1', 1, '2026-12-09', '2026-12-12'], ['unsourced', 2, null, null]]);
  const u = await shipmentFrom(w.srv, o2.id, 'unsourced');
  assert.deepEqual([u.status, u.locationId, u.transitRef, u.stockDate, u.amount], ['AWAITING_STOCK', null, null, null, 2000]);
  assert.deepEqual(u.expectedDelivery, UNSOURCED);
  await assertPositions(w.srv, sku, { FD1: [3, 3, 0] });
  await assertCheck(w.srv);

  assert.deepEqual(u.delay, {
    detectedAt: '2026-12-01',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: null, to: null },
    consent: 'PENDING', respondBy: '2026-12-08', consentRequired: true,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o2.number)).length, 1);
  assert.equal((await mails(w.srv, 'shipment_delayed', o1.number)).length, 0);
});

test('new supply serves unsourced shipments oldest first before a new shopper can buy', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('FE1', '2026-12-07', 5)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 3 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  await w.importAt('2026-12-01', [{ sku, ref: 'FE1', quantity: 0, stockDate: '2026-12-07' }]);
  assert.deepEqual(await plan(w.srv, o1.id), [['unsourced', 3, null, null]]);
  assert.deepEqual(await plan(w.srv, o2.id), [['unsourced', 2, null, null]]);
  await assertCheck(w.srv);

  // A new PO of 4 through the HTTP upload on 2026-12-02: 3 for o1, 1 for o2, none for sale.
  const day2 = await w.at('2026-12-02');
  const up = await day2.importCsv(`${HEADER}\n${sku},WH1,intransit,4,0,FE2,2026-12-01,2026-12-20\n`,
    { fileName: 'new-po.csv' });
  assert.equal(up.status, 201, up.text);
  assert.deepEqual(await plan(day2, o1.id), [['FE2', 3, '2026-12-22', '2026-12-25']]);
  assert.deepEqual(await plan(day2, o2.id), [['FE2', 1, '2026-12-22', '2026-12-25'], ['unsourced', 1, null, null]]);
  assert.equal((await day2.item(sku)).availableTotal, 0);
  const late = await placeOrderRaw(day2, [{ sku, quantity: 1 }]);
  assertError(late, 409, 'INSUFFICIENT_INVENTORY');
  await assertCheck(day2);

  // One more unit on hand on 2026-12-03: o2's last unsourced unit, and still nothing for sale.
  const day3 = await w.at('2026-12-03');
  const b = await day3.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 1 }]);
  assert.equal(b.status, 201, b.text);
  assert.deepEqual(await plan(day3, o2.id), [['FE2', 1, '2026-12-22', '2026-12-25'], ['onhand', 1, '2026-12-04', '2026-12-06']]);
  assert.equal((await getOrder(day3, o2.id)).shipments.some((s) => s.stockType === 'unsourced'), false);
  assert.equal((await day3.item(sku)).availableTotal, 0);
  await assertPositions(day3, sku, { onhand: [1, 1, 0], FE1: [0, 0, 0], FE2: [4, 4, 0] });
  await assertCheck(day3);

  // o1's undated delay got a date: still waiting for an answer (13 days past the promise, no
  // email beyond the first notice, since the range did not get later).
  const s1 = await shipmentFrom(day3, o1.id, 'FE2');
  assert.deepEqual([s1.delay.consent, s1.delay.expected], ['PENDING', { from: '2026-12-22', to: '2026-12-25' }]);
  assert.equal((await mails(day3, 'shipment_delayed', o1.number)).length, 1);
});

test('a PO cut to 0: its orders move to on-hand stock and the next PO, oldest first; the position stays', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('FF1', '2026-12-07', 6), PO('FF2', '2026-12-20', 4)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 3 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 3 }]);

  await w.importAt('2026-12-01', [
    { sku, ref: 'FF1', quantity: 0, stockDate: '2026-12-07' },
    { sku, quantity: 2 },
  ]);

  assert.deepEqual(await plan(w.srv, o1.id), [['FF2', 1, '2026-12-22', '2026-12-25'], ['onhand', 2, '2026-12-02', '2026-12-04']]);
  assert.deepEqual(await plan(w.srv, o2.id), [['FF2', 3, '2026-12-22', '2026-12-25']]);
  await assertPositions(w.srv, sku, { onhand: [2, 2, 0], FF1: [0, 0, 0], FF2: [4, 4, 0] });
  for (const o of [o1, o2]) {
    const after = await getOrder(w.srv, o.id);
    assert.equal(after.shipments.reduce((n, s) => n + s.amount, 0), after.total);
    assert.equal(after.shipments.every((s) => s.status !== 'CANCELLED'), true);
  }
  await assertCheck(w.srv);

  assert.equal((await shipmentFrom(w.srv, o1.id, 'onhand')).delay, null);
  assert.equal((await shipmentFrom(w.srv, o1.id, 'FF2')).delay.consent, 'PENDING');
  assert.equal((await shipmentFrom(w.srv, o2.id, 'FF2')).delay.consent, 'PENDING');
});

test('reserved units grow on on-hand stock: one SKU of a READY shipment of two moves to its PO, the other still ships', async (t) => {
  const w = await world(t);
  const x = await createSku(w.srv, { price: 1000, onhand: 2, transit: [PO('FG1', '2026-12-07', 5)] });
  const y = await createSku(w.srv, { price: 500, onhand: 3 });
  const o = await placeOrder(w.srv, [{ sku: x, quantity: 2 }, { sku: y, quantity: 1 }]);
  assert.deepEqual(o.shipments.map((s) => [s.status, s.lines.length, s.amount]), [['READY', 2, 2500]]);

  // The warehouse reports one of X's two units held elsewhere.
  await w.importAt('2026-12-01', [{ sku: x, quantity: 2, reserved: 1 }]);

  const after = await getOrder(w.srv, o.id);
  const ready = await shipmentFrom(w.srv, o.id, 'onhand');
  const moved = await shipmentFrom(w.srv, o.id, 'FG1');
  assert.equal(ready.id, o.shipments[0].id);
  assert.deepEqual([ready.status, ready.lines, ready.amount], ['READY', [{ sku: x, quantity: 1 }, { sku: y, quantity: 1 }], 1500]);
  assert.deepEqual([moved.status, moved.lines, moved.amount], ['AWAITING_STOCK', [{ sku: x, quantity: 1 }], 1000]);
  assert.deepEqual([moved.expectedDelivery.from, moved.expectedDelivery.to], ['2026-12-09', '2026-12-12']);
  assert.deepEqual(moved.promisedDelivery, o.shipments[0].promisedDelivery);
  assert.equal(after.shipments.reduce((n, s) => n + s.amount, 0), after.total);
  await assertPositions(w.srv, x, { onhand: [2, 1, 0], FG1: [5, 1, 4] });
  await assertCheck(w.srv);

  // Both parts are affected (their units changed), so both get a range from the day of the
  // change (5.7 rule 6): the one still READY ships Dec 2-4, later than the Nov 28-30 promised,
  // and is delayed by the letter of the rule just as the part that moved to the PO.
  assert.deepEqual(ready.expectedDelivery, { from: '2026-12-02', to: '2026-12-04', message: 'In stock. Delivery Dec 2–Dec 4' });
  for (const [s, expected] of [[ready, { from: '2026-12-02', to: '2026-12-04' }], [moved, { from: '2026-12-09', to: '2026-12-12' }]]) {
    assert.deepEqual(s.delay, { detectedAt: '2026-12-01', previous: { from: '2026-11-28', to: '2026-11-30' }, expected,
      consent: 'PENDING', respondBy: '2026-12-08', consentRequired: false });
  }
});
