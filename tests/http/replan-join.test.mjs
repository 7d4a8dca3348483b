// SPEC 5.7 rule 5 vs 5.8: units that move to a source the order already has a shipment on
// join that shipment (one shipment per source), and the shipment is then held to the earliest
// range the shopper accepted for the units it holds: units promised earlier than the shipment
// they join make it delayed (notice, `previous` = what those units expected), units promised
// later change nothing for it. Orders are placed on 2026-11-27 (TODAY); every scenario has a
// database of its own and ends with `sellahead check`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCheck, createSku, getOrder, placeOrder } from './lib/shop.mjs';
import { PO, consent, mails, plan, shipmentFrom, world } from './lib/promises.mjs';

// On-hand units of an order of 7 (5 on hand, 2 on a backorder position) cut to 0 on `day`:
// they join the order's backorder shipment. Returns the order, its shipments as placed and
// the joined shipment.
async function onhandJoinsBackorder(t, day) {
  const w = await world(t);
  const sku = await createSku(w.srv, { onhand: 5, transit: [{ ref: 'JADV', quantity: 10 }] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 7 }]);
  const placed = Object.fromEntries(o.shipments.map((s) => [s.stockType === 'onhand' ? 'onhand' : s.transitRef, s]));
  assert.deepEqual(placed.onhand.promisedDelivery,
    { from: '2026-11-28', to: '2026-11-30', message: 'In stock. Delivery Nov 28–Nov 30' });
  assert.deepEqual([placed.JADV.promisedDelivery.from, placed.JADV.promisedDelivery.to], ['2026-12-11', '2026-12-25']);

  await w.importAt(day, [{ sku, quantity: 0 }]);

  const s = await shipmentFrom(w.srv, o.id, 'JADV');
  assert.equal(s.id, placed.JADV.id, 'the units join the order\'s shipment on that source');
  assert.deepEqual([s.status, s.lines, s.amount], ['AWAITING_STOCK', [{ sku, quantity: 7 }], 7000]);
  assert.equal((await getOrder(w.srv, o.id)).shipments.length, 1, 'one shipment per source');
  assert.deepEqual(s.promisedDelivery, placed.JADV.promisedDelivery, 'promisedDelivery never changes');
  await assertCheck(w.srv);
  return { w, o, s };
}

test('on-hand units cut to 0 join the backorder shipment: delayed against their promise, silence accepts', async (t) => {
  const { w, o, s } = await onhandJoinsBackorder(t, '2026-12-01');
  assert.deepEqual([s.expectedDelivery.from, s.expectedDelivery.to], ['2026-12-15', '2026-12-29']);
  // Dec 29 is 29 days past the joining units' promise (Nov 30): within impliedConsentDays.
  assert.deepEqual(s.delay, {
    detectedAt: '2026-12-01',
    previous: { from: '2026-11-28', to: '2026-11-30' },
    expected: { from: '2026-12-15', to: '2026-12-29' },
    consent: 'PENDING', respondBy: '2026-12-08', consentRequired: false,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
});

test('on-hand units cut to 0 later join the backorder shipment: more than 30 days late, an answer is required', async (t) => {
  const { w, o, s } = await onhandJoinsBackorder(t, '2026-12-05');
  assert.deepEqual(s.delay, {
    detectedAt: '2026-12-05',
    previous: { from: '2026-11-28', to: '2026-11-30' },
    expected: { from: '2026-12-19', to: '2027-01-02' },
    consent: 'PENDING', respondBy: '2026-12-12', consentRequired: true,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
});

test('a slipped PO\'s units join the order\'s shipment on a later PO: delayed against their promise', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('JS1', '2026-12-07', 5), PO('JS2', '2026-12-20', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  assert.deepEqual(await plan(w.srv, o.id),
    [['JS1', 5, '2026-12-09', '2026-12-12'], ['JS2', 3, '2026-12-22', '2026-12-25']]);
  const js2 = o.shipments.find((x) => x.transitRef === 'JS2');

  // JS1 now delivers after JS2, which has free units: JS1's units move there (rule 4).
  await w.importAt('2026-11-30', [{ sku, ref: 'JS1', quantity: 5, stockDate: '2027-01-10' }]);

  assert.deepEqual(await plan(w.srv, o.id), [['JS2', 8, '2026-12-22', '2026-12-25']]);
  const s = await shipmentFrom(w.srv, o.id, 'JS2');
  assert.equal(s.id, js2.id);
  assert.deepEqual(s.promisedDelivery, js2.promisedDelivery, 'promisedDelivery never changes');
  assert.deepEqual(s.delay, {
    detectedAt: '2026-11-30',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: '2026-12-22', to: '2026-12-25' },
    consent: 'PENDING', respondBy: '2026-12-07', consentRequired: false,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
  await assertCheck(w.srv);
});

test('joining units that are not late raise no delay, but the shipment is held to their promise after', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('JN1', '2026-12-07', 5), PO('JN2', '2026-12-20', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  const jn2 = o.shipments.find((x) => x.transitRef === 'JN2');

  // JN2 comes as early as JN1 and JN1 is cut: its 5 units join JN2's shipment, on time.
  await w.importAt('2026-11-30', [
    { sku, ref: 'JN1', quantity: 0, stockDate: '2026-12-07' },
    { sku, ref: 'JN2', quantity: 10, stockDate: '2026-12-07' },
  ]);
  assert.deepEqual(await plan(w.srv, o.id), [['JN2', 8, '2026-12-09', '2026-12-12']]);
  let s = await shipmentFrom(w.srv, o.id, 'JN2');
  assert.equal(s.id, jn2.id);
  assert.deepEqual(s.promisedDelivery, jn2.promisedDelivery, 'promisedDelivery never changes');
  assert.equal(s.delay, null);
  assert.deepEqual(await mails(w.srv, 'shipment_delayed'), []);

  // JN2 slips to Dec 10: within JN2's own promise (Dec 25), but 3 days past the Dec 12
  // promised for the units that joined: a delay.
  await w.importAt('2026-12-02', [{ sku, ref: 'JN2', quantity: 10, stockDate: '2026-12-10' }]);
  s = await shipmentFrom(w.srv, o.id, 'JN2');
  assert.deepEqual(s.delay, {
    detectedAt: '2026-12-02',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: '2026-12-12', to: '2026-12-15' },
    consent: 'PENDING', respondBy: '2026-12-09', consentRequired: false,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
  await assertCheck(w.srv);
});

test('units promised later joining a delayed shipment leave it delayed against its own promise', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('JR1', '2026-12-07', 5), PO('JR2', '2026-12-20', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  const jr1 = o.shipments.find((x) => x.transitRef === 'JR1');

  await w.importAt('2026-11-30', [{ sku, ref: 'JR1', quantity: 5, stockDate: '2026-12-18' }]);
  let s = await shipmentFrom(w.srv, o.id, 'JR1');
  assert.deepEqual([s.delay.consent, s.delay.previous, s.delay.expected],
    ['PENDING', { from: '2026-12-09', to: '2026-12-12' }, { from: '2026-12-20', to: '2026-12-23' }]);

  // JR1 grows: JR2's units (promised Dec 22–25) move to it, earlier for them (rule 4).
  await w.importAt('2026-12-01', [{ sku, ref: 'JR1', quantity: 10, stockDate: '2026-12-18' }]);
  assert.deepEqual(await plan(w.srv, o.id), [['JR1', 8, '2026-12-20', '2026-12-23']]);
  s = await shipmentFrom(w.srv, o.id, 'JR1');
  assert.equal(s.id, jr1.id);
  assert.deepEqual(s.promisedDelivery, jr1.promisedDelivery);
  assert.deepEqual(s.delay, {
    detectedAt: '2026-11-30',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: '2026-12-20', to: '2026-12-23' },
    consent: 'PENDING', respondBy: '2026-12-07', consentRequired: false,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1, 'no second notice');
  await assertCheck(w.srv);
});

test('units promised earlier joining a shipment with an accepted delay: the accepted range drops to their promise', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('JA1', '2026-12-07', 5), PO('JA2', '2026-12-20', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  const ja2 = o.shipments.find((x) => x.transitRef === 'JA2');

  // JA2 slips to Dec 28 and the shopper accepts Dec 30–Jan 2 for its 3 units.
  await w.importAt('2026-11-30', [{ sku, ref: 'JA2', quantity: 10, stockDate: '2026-12-28' }]);
  assert.equal((await consent(w.srv, ja2.id, 'ACCEPT', o.accessToken)).status, 200);

  // JA1 slips past JA2: its units (promised Dec 9–12) join JA2's shipment, due Jan 2.
  await w.importAt('2026-12-01', [{ sku, ref: 'JA1', quantity: 5, stockDate: '2027-01-20' }]);
  assert.deepEqual(await plan(w.srv, o.id), [['JA2', 8, '2026-12-30', '2027-01-02']]);
  const s = await shipmentFrom(w.srv, o.id, 'JA2');
  assert.equal(s.id, ja2.id);
  assert.deepEqual(s.promisedDelivery, ja2.promisedDelivery, 'promisedDelivery never changes');
  // A delay of a shipment that accepted one before needs an answer (5.8).
  assert.deepEqual(s.delay, {
    detectedAt: '2026-12-01',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: '2026-12-30', to: '2027-01-02' },
    consent: 'PENDING', respondBy: '2026-12-08', consentRequired: true,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 2);
  await assertCheck(w.srv);
});

// Which of the two moves first (and so keeps its id) depends on the shipment ids; either way
// the one shipment left is held to the earlier promise.
test('two shipments moving to a source the order has no shipment on: one shipment, held to the earlier promise', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { onhand: 3, transit: [PO('JT1', '2026-12-07', 5), PO('JT2', '2026-12-20', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  const onhand = o.shipments.find((x) => x.stockType === 'onhand');
  const jt1 = o.shipments.find((x) => x.transitRef === 'JT1');

  await w.importAt('2026-11-30', [{ sku, quantity: 0 }, { sku, ref: 'JT1', quantity: 0, stockDate: '2026-12-07' }]);

  assert.deepEqual(await plan(w.srv, o.id), [['JT2', 8, '2026-12-22', '2026-12-25']]);
  const s = await shipmentFrom(w.srv, o.id, 'JT2');
  assert.ok([onhand.id, jt1.id].includes(s.id), 'one of the shipments that moved whole keeps its id');
  assert.deepEqual(s.promisedDelivery, o.shipments.find((x) => x.id === s.id).promisedDelivery,
    'promisedDelivery never changes');
  assert.deepEqual(s.delay, {
    detectedAt: '2026-11-30',
    previous: { from: '2026-11-28', to: '2026-11-30' },
    expected: { from: '2026-12-22', to: '2026-12-25' },
    consent: 'PENDING', respondBy: '2026-12-07', consentRequired: false,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
  await assertCheck(w.srv);
});
