// SPEC 5.8 vs units joining a shipment (5.7 rule 5), adversarial: both shipments had a pending
// delay that needs an answer; the shipment that remains takes the joining units' delay (their
// promise is earlier), but the shopper was told to answer for it by a later date. respondBy
// never moves earlier and answers count through it: the sweep must not cancel the shipment
// before the date its own notice gave.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCheck, createSku, getOrder, placeOrder } from './lib/shop.mjs';
import { PO, mails, plan, shipmentFrom, world } from './lib/promises.mjs';

test('units with an earlier answer date join a shipment whose notice gave a later one: the later holds', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('RA', '2026-12-07', 5), PO('RB', '2026-12-14', 3)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  assert.deepEqual(await plan(w.srv, o.id),
    [['RA', 5, '2026-12-09', '2026-12-12'], ['RB', 3, '2026-12-16', '2026-12-19']]);
  const rb = o.shipments.find((s) => s.transitRef === 'RB');

  await w.importAt('2026-11-28', [{ sku, ref: 'RA', quantity: 5, stockDate: '2027-01-30' }]);
  const ra = await shipmentFrom(w.srv, o.id, 'RA');
  assert.deepEqual([ra.delay.consent, ra.delay.respondBy, ra.delay.consentRequired], ['PENDING', '2026-12-05', true]);
  await w.importAt('2026-12-01', [{ sku, ref: 'RB', quantity: 3, stockDate: '2027-01-25' }]);
  let s = await shipmentFrom(w.srv, o.id, 'RB');
  assert.deepEqual([s.delay.consent, s.delay.respondBy, s.delay.consentRequired], ['PENDING', '2026-12-08', true]);

  // RA is cut and RB grows: RA's 5 units join RB's shipment (one shipment per source).
  await w.importAt('2026-12-02', [{ sku, ref: 'RA', quantity: 0, stockDate: '2027-01-30' },
    { sku, ref: 'RB', quantity: 10, stockDate: '2027-01-25' }]);
  assert.deepEqual(await plan(w.srv, o.id), [['RB', 8, '2027-01-27', '2027-01-30']]);
  s = await shipmentFrom(w.srv, o.id, 'RB');
  assert.equal(s.id, rb.id);
  assert.deepEqual([s.delay.consent, s.delay.consentRequired, s.delay.expected],
    ['PENDING', true, { from: '2027-01-27', to: '2027-01-30' }]);
  assert.equal(s.delay.respondBy, '2026-12-08', 'respondBy never moves earlier');
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 2, 'no notice: the date got earlier');

  // Dec 6 is within the answer window RB's notice gave: nothing is cancelled.
  assert.equal((await w.sweep('2026-12-06')).cancelled, 0);
  assert.equal((await shipmentFrom(w.srv, o.id, 'RB')).status, 'AWAITING_STOCK');
  const sweep = await w.sweep('2026-12-09');
  assert.deepEqual(sweep.shipments, [{ id: rb.id, orderId: o.id, action: 'CANCELLED' }]);
  assert.equal((await getOrder(w.srv, o.id)).status, 'CANCELLED');
  await assertCheck(w.srv);
});
