// Adversarial checks of units joining a shipment (SPEC 5.7 rule 5 vs 5.8): a DECLINE of the
// joined shipment refunds exactly its units while the order's other shipment stays; the
// sweep after a join implies consent once, and a later slip then needs an answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCheck, createSku, getOrder, placeOrder, putSettings, receive, ship } from './lib/shop.mjs';
import { PO, consent, mails, plan, shipmentFrom, world } from './lib/promises.mjs';

// An order of 8 units of one SKU (5 on JA Dec 7, 3 on JB Dec 20) and 2 on hand of another;
// JA slips past JB on Nov 30 so its 5 units join JB's shipment. Returns what the test needs.
async function joined(t, { captureOn = 'shipment' } = {}) {
  const w = await world(t);
  await putSettings(w.srv, { captureOn });
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('JA', '2026-12-07', 5), PO('JB', '2026-12-20', 10)] });
  const other = await createSku(w.srv, { price: 500, onhand: 2 });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }, { sku: other, quantity: 2 }]);
  assert.equal(o.total, 9000);
  const jb = o.shipments.find((s) => s.transitRef === 'JB');
  await w.importAt('2026-11-30', [{ sku, ref: 'JA', quantity: 5, stockDate: '2027-01-10' }]);
  const s = await shipmentFrom(w.srv, o.id, 'JB');
  assert.equal(s.id, jb.id);
  assert.deepEqual([s.lines, s.amount], [[{ sku, quantity: 8 }], 8000]);
  assert.deepEqual([s.delay.consent, s.delay.previous.to, s.delay.expected.to, s.delay.respondBy,
    s.delay.consentRequired], ['PENDING', '2026-12-12', '2026-12-25', '2026-12-07', false]);
  return { w, o, s, sku, other };
}

test('DECLINE of a joined shipment after the order was charged refunds its 8 units only', async (t) => {
  const { w, o, s, sku } = await joined(t, { captureOn: 'order' });
  const r = await consent(w.srv, s.id, 'DECLINE', o.accessToken);
  assert.equal(r.status, 200, r.text);
  const p = r.json.payment;
  assert.deepEqual([r.json.status, p.authorized, p.captured, p.refunded, p.voided], ['PLACED', 9000, 9000, 8000, 0]);
  assert.deepEqual((await getOrder(w.srv, o.id)).shipments.map((x) => [x.stockType, x.status]).sort(),
    [['intransit', 'CANCELLED'], ['onhand', 'READY']]);
  for (const pos of (await w.srv.item(sku)).positions) assert.equal(pos.allocatedQuantity, 0, pos.transitRef);
  assert.equal((await mails(w.srv, 'shipment_cancelled', o.number)).length, 1);
  await assertCheck(w.srv);
});

test('DECLINE of a joined shipment before capture drops its amount; the rest stays authorized', async (t) => {
  const { w, o, s } = await joined(t);
  const r = await consent(w.srv, s.id, 'DECLINE', o.accessToken);
  assert.equal(r.status, 200, r.text);
  const p = r.json.payment;
  assert.deepEqual([p.authorized, p.captured, p.refunded, p.voided], [9000, 0, 0, 0]);
  assert.deepEqual(await plan(w.srv, o.id), [['onhand', 2, '2026-11-28', '2026-11-30']]);
  await assertCheck(w.srv);
});

test('the sweep after a join implies consent once; a later slip then needs an answer', async (t) => {
  const { w, o, s, sku } = await joined(t);
  const nothing = (date) => ({ date, overdue: 0, implied: 0, cancelled: 0, shipments: [] });
  assert.deepEqual(await w.sweep('2026-12-07'), nothing('2026-12-07'));
  assert.deepEqual(await w.sweep('2026-12-08'), { date: '2026-12-08', overdue: 0, implied: 1, cancelled: 0,
    shipments: [{ id: s.id, orderId: o.id, action: 'IMPLIED' }] });
  assert.deepEqual(await w.sweep('2026-12-08'), nothing('2026-12-08'));
  assert.equal((await shipmentFrom(w.srv, o.id, 'JB')).delay.consent, 'IMPLIED');
  // JB slips 4 days past the range silence accepted (Dec 22–25).
  await w.importAt('2026-12-09', [{ sku, ref: 'JB', quantity: 10, stockDate: '2026-12-24' }]);
  const late = await shipmentFrom(w.srv, o.id, 'JB');
  assert.deepEqual(late.delay, {
    detectedAt: '2026-12-09',
    previous: { from: '2026-12-22', to: '2026-12-25' },
    expected: { from: '2026-12-26', to: '2026-12-29' },
    consent: 'PENDING', respondBy: '2026-12-16', consentRequired: true,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 2);
  await assertCheck(w.srv);
});

test('a receipt\'s units join the order\'s READY on-hand shipment of another SKU: one shipment, summed amount, on time', async (t) => {
  const w = await world(t);
  const x = await createSku(w.srv, { price: 1000, onhand: 3 });
  const y = await createSku(w.srv, { price: 2500, transit: [PO('RJ1', '2026-12-07', 4)] });
  const o = await placeOrder(w.srv, [{ sku: x, quantity: 1 }, { sku: y, quantity: 2 }]);
  const onhand = o.shipments.find((s) => s.stockType === 'onhand');
  const r = await receive(w.srv, y, 'RJ1', 4);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { released: [onhand.id], surplus: 0 });
  const after = await getOrder(w.srv, o.id);
  const open = after.shipments.filter((s) => s.status !== 'CANCELLED');
  assert.equal(open.length, 1, JSON.stringify(after.shipments));
  const s = open[0];
  assert.equal(s.id, onhand.id);
  assert.deepEqual([s.status, s.amount, s.delay, s.expectedDelivery.to, s.promisedDelivery.to],
    ['READY', 6000, null, '2026-11-30', '2026-11-30']);
  assert.deepEqual(s.lines.map((l) => [l.sku, l.quantity]).sort(), [[x, 1], [y, 2]].sort());
  const shipped = await ship(w.srv, s.id);
  assert.equal(shipped.status, 200, shipped.text);
  const done = await getOrder(w.srv, o.id);
  assert.deepEqual([done.status, done.payment.captured], ['SHIPPED', 6000]);
  assert.deepEqual((await w.srv.item(y)).positions.map((p) => [p.stockType, p.quantity, p.allocatedQuantity]).sort(),
    [['intransit', 0, 0], ['onhand', 2, 0]]);
  await assertCheck(w.srv);
});
