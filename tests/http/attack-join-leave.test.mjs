// SPEC 5.7 rule 5 vs 5.8, adversarial: units that joined a shipment (and made it late against
// their earlier promise) leave it again when their own source comes back. The order is then
// exactly as placed, every shipment within its promise: the remaining shipment must not stay
// delayed, and above all the sweep must not cancel it for want of an answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCheck, createSku, getOrder, placeOrder } from './lib/shop.mjs';
import { PO, plan, shipmentFrom, world } from './lib/promises.mjs';

// The shipment counts the units held to the bar they brought (bar_units): they leave first.
test('joined units that leave again take the delay with them; the sweep cancels nothing', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('LV1', '2026-12-14', 5), PO('LV2', '2027-01-20', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 8 }]);
  const placed = await plan(w.srv, o.id);
  assert.deepEqual(placed, [['LV1', 5, '2026-12-16', '2026-12-19'], ['LV2', 3, '2027-01-22', '2027-01-25']]);
  const lv2 = o.shipments.find((s) => s.transitRef === 'LV2');

  // LV1 is cut: its 5 units join LV2's shipment, 37 days past their promise: an answer is required.
  await w.importAt('2026-11-30', [{ sku, ref: 'LV1', quantity: 0, stockDate: '2026-12-14' }]);
  let s = await shipmentFrom(w.srv, o.id, 'LV2');
  assert.deepEqual([s.id, s.lines[0].quantity, s.delay.consent, s.delay.consentRequired], [lv2.id, 8, 'PENDING', true]);

  // LV1 comes back as it was: its units go back to it (rule 4), the order is as placed.
  await w.importAt('2026-12-01', [{ sku, ref: 'LV1', quantity: 5, stockDate: '2026-12-14' }]);
  assert.deepEqual(await plan(w.srv, o.id), placed);
  s = await shipmentFrom(w.srv, o.id, 'LV2');
  assert.deepEqual([s.id, s.promisedDelivery.to, s.expectedDelivery.to], [lv2.id, '2027-01-25', '2027-01-25']);
  assert.equal(s.delay, null, 'LV2 holds 3 units due by their promise: no delay');

  // No answer came: nothing may be cancelled for it.
  const r = await w.cli('2026-12-08', ['sweep']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).cancelled, 0, r.stdout);
  assert.deepEqual((await getOrder(w.srv, o.id)).shipments.filter((x) => x.status === 'CANCELLED'), []);
  await assertCheck(w.srv);
});
