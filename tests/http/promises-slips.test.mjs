// SPEC 5.7 and 5.8 scenarios: a purchase order's stock date moves by CSV import on a later
// business date. The orders follow it (same shipment, new expected range, the promise kept),
// a later range is a delay with a notice, an earlier one is not, and a slip can move units to
// an earlier PO with free units. Orders are placed on 2026-11-27 (TODAY); the slips happen on
// later dates. Every scenario has a database of its own and ends with `sellahead check`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCheck, createSku, getOrder, placeOrder } from './lib/shop.mjs';
import { PO, assertPositions, assertSoon, mails, plan, shipmentFrom, world } from './lib/promises.mjs';

test('slip later: the shipment follows the PO to its new date, keeps its promise, and is delayed', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('SL1', '2026-12-07', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 3 }]);
  const placed = o.shipments[0];
  assert.deepEqual([placed.expectedDelivery.from, placed.expectedDelivery.to], ['2026-12-09', '2026-12-12']);
  assert.deepEqual(placed.promisedDelivery, placed.expectedDelivery);

  await w.importAt('2026-11-30', [{ sku, ref: 'SL1', quantity: 10, stockDate: '2026-12-20' }]);

  const s = (await getOrder(w.srv, o.id)).shipments;
  assert.equal(s.length, 1);
  assert.equal(s[0].id, placed.id, 'the shipment moves with its PO whole: same id');
  assert.equal(s[0].status, 'AWAITING_STOCK');
  assert.equal(s[0].stockDate, '2026-12-20');
  assert.deepEqual(s[0].expectedDelivery,
    { from: '2026-12-22', to: '2026-12-25', message: 'Backorder: expected delivery Dec 22–Dec 25' });
  assert.deepEqual(s[0].promisedDelivery, placed.promisedDelivery, 'the promise given at placement never changes');
  await assertPositions(w.srv, sku, { SL1: [10, 3, 7] });
  await assertCheck(w.srv);

  // 5.8: 13 days past the promise, within impliedConsentDays (30): a notice, silence is consent.
  assert.equal(s[0].overdue, false);
  assert.deepEqual(s[0].delay, {
    detectedAt: '2026-11-30',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: '2026-12-22', to: '2026-12-25' },
    consent: 'PENDING', respondBy: '2026-12-07', consentRequired: false,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
});

test('slip earlier: a new, earlier range and no notice; a later date still within the promise neither', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('SE1', '2026-12-20', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 3 }]);
  const placed = o.shipments[0];
  assert.deepEqual([placed.promisedDelivery.from, placed.promisedDelivery.to], ['2026-12-22', '2026-12-25']);

  await w.importAt('2026-11-30', [{ sku, ref: 'SE1', quantity: 10, stockDate: '2026-12-10' }]);
  let s = await shipmentFrom(w.srv, o.id, 'SE1');
  assert.equal(s.id, placed.id);
  assert.equal(s.stockDate, '2026-12-10');
  assert.deepEqual([s.expectedDelivery.from, s.expectedDelivery.to], ['2026-12-12', '2026-12-15']);
  assert.deepEqual(s.promisedDelivery, placed.promisedDelivery);
  await assertCheck(w.srv);

  // Later than the last range, but not later than the promise: still no delay.
  await w.importAt('2026-12-01', [{ sku, ref: 'SE1', quantity: 10, stockDate: '2026-12-18' }]);
  s = await shipmentFrom(w.srv, o.id, 'SE1');
  assert.deepEqual([s.expectedDelivery.from, s.expectedDelivery.to], ['2026-12-20', '2026-12-23']);
  await assertCheck(w.srv);

  // 5.8: moving earlier is never a delay, and gets no email.
  assert.equal(s.delay, null);
  assert.equal(s.overdue, false);
  assert.deepEqual(await mails(w.srv, 'shipment_delayed'), []);
});

test('a slip moves units to an earlier PO with free units, oldest order first; new shoppers get the late PO', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('SM1', '2026-12-07', 10), PO('SM2', '2026-12-20', 10)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 4 }]); // 2 on SM1, 2 on SM2
  assert.deepEqual(await plan(w.srv, o2.id),
    [['SM1', 2, '2026-12-09', '2026-12-12'], ['SM2', 2, '2026-12-22', '2026-12-25']]);

  await w.importAt('2026-11-30', [{ sku, ref: 'SM1', quantity: 10, stockDate: '2027-02-01' }]);

  // SM2's 8 free units go to the oldest order on the now later SM1; o2's 2 stay there.
  assert.deepEqual(await plan(w.srv, o1.id), [['SM2', 8, '2026-12-22', '2026-12-25']]);
  assert.deepEqual(await plan(w.srv, o2.id),
    [['SM1', 2, '2027-02-03', '2027-02-06'], ['SM2', 2, '2026-12-22', '2026-12-25']]);
  const o1s = (await getOrder(w.srv, o1.id)).shipments;
  assert.deepEqual(o1s.map((s) => s.id), [o1.shipments[0].id], 'moved whole: one shipment, same id');
  assert.equal(o1s[0].amount, 8000);
  const o2after = await getOrder(w.srv, o2.id);
  assert.equal(o2after.shipments.length, 2, 'one shipment per source');
  assert.equal(o2after.shipments.reduce((n, s) => n + s.amount, 0), o2after.total);
  await assertPositions(w.srv, sku, { SM1: [10, 2, 8], SM2: [10, 10, 0] });
  await assertSoon(async () => {
    const doc = await w.srv.item(sku);
    return [doc.status, doc.availableTotal, doc.stockDate];
  }, ['IN_TRANSIT', 8, '2027-02-01'], 'what new shoppers are offered');
  await assertCheck(w.srv);

  // 5.8: o1 is 13 days late (silence is consent); o2's SM1 part 56 days (consent required);
  // o2's SM2 part did not change and is not delayed.
  const d1 = o1s[0].delay;
  assert.deepEqual([d1.consent, d1.consentRequired, d1.expected, d1.previous],
    ['PENDING', false, { from: '2026-12-22', to: '2026-12-25' }, { from: '2026-12-09', to: '2026-12-12' }]);
  const late = await shipmentFrom(w.srv, o2.id, 'SM1');
  assert.deepEqual([late.delay.consent, late.delay.consentRequired, late.delay.respondBy, late.delay.expected],
    ['PENDING', true, '2026-12-07', { from: '2027-02-03', to: '2027-02-06' }]);
  assert.equal((await shipmentFrom(w.srv, o2.id, 'SM2')).delay, null);
  assert.equal((await mails(w.srv, 'shipment_delayed', o1.number)).length, 1);
  assert.equal((await mails(w.srv, 'shipment_delayed', o2.number)).length, 1);
});
