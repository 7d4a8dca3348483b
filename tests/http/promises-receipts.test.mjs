// SPEC 5.2, 5.7 and 5.8 scenarios: receipts that do not match the plan, on later business
// dates. A short receipt releases the oldest orders and the PO closed short sends the rest
// elsewhere; units beyond the PO serve unsourced units first, then orders on later sources;
// units received at another location serve the orders there. Orders are placed on 2026-11-27
// (TODAY). Every scenario has a database of its own and ends with `sellahead check`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCheck, createSku, getOrder, placeOrder, receive } from './lib/shop.mjs';
import { PO, assertPositions, mails, plan, shipmentFrom, world } from './lib/promises.mjs';

test('receipt short: the oldest orders are released; the PO closed short sends the rest on', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('RA1', '2026-12-07', 10), PO('RA2', '2026-12-20', 2)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 4 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 4 }]);
  const o3 = await placeOrder(w.srv, [{ sku, quantity: 2 }]);

  // 6 of 10 arrive early, on 2026-12-05.
  const day5 = await w.at('2026-12-05');
  const r = await receive(day5, sku, 'RA1', 6);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(await plan(day5, o1.id), [['onhand', 4, '2026-12-06', '2026-12-08']]);
  assert.deepEqual(await plan(day5, o2.id), [['RA1', 2, '2026-12-09', '2026-12-12'], ['onhand', 2, '2026-12-06', '2026-12-08']]);
  assert.deepEqual(await plan(day5, o3.id), [['RA1', 2, '2026-12-09', '2026-12-12']]);
  const o2ready = await shipmentFrom(day5, o2.id, 'onhand');
  assert.deepEqual(r.json, { released: [o1.shipments[0].id, o2ready.id], surplus: 0 });
  await assertPositions(day5, sku, { onhand: [6, 6, 0], RA1: [4, 4, 0], RA2: [2, 0, 2] });
  await assertCheck(day5);

  // The supplier sends nothing more: the PO is closed at 0 on 2026-12-06.
  await w.importAt('2026-12-06', [{ sku, ref: 'RA1', quantity: 0, stockDate: '2026-12-07' }]);
  assert.deepEqual(await plan(day5, o2.id), [['RA2', 2, '2026-12-22', '2026-12-25'], ['onhand', 2, '2026-12-06', '2026-12-08']]);
  assert.deepEqual(await plan(day5, o3.id), [['unsourced', 2, null, null]]);
  await assertPositions(day5, sku, { onhand: [6, 6, 0], RA1: [0, 0, 0], RA2: [2, 2, 0] });
  await assertCheck(day5);

  // 5.8: the received part was not late; what moved later is delayed, the unsourced part
  // needs an answer.
  assert.equal(o2ready.delay, null);
  const d2 = (await shipmentFrom(day5, o2.id, 'RA2')).delay;
  const d3 = (await shipmentFrom(day5, o3.id, 'unsourced')).delay;
  assert.deepEqual([d2.consent, d2.consentRequired, d2.detectedAt], ['PENDING', false, '2026-12-06']);
  assert.deepEqual([d3.consent, d3.consentRequired, d3.respondBy], ['PENDING', true, '2026-12-13']);
});

test('receipt over: the surplus serves the unsourced unit first, then the order on a later PO', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('RB1', '2026-12-07', 4), PO('RB2', '2026-12-20', 2)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 4 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  await w.importAt('2026-12-01', [{ sku, ref: 'RB2', quantity: 1, stockDate: '2026-12-20' }]);
  assert.deepEqual(await plan(w.srv, o2.id), [['RB2', 1, '2026-12-22', '2026-12-25'], ['unsourced', 1, null, null]]);

  // 6 arrive for a PO of 4 on 2026-12-05.
  const day5 = await w.at('2026-12-05');
  const r = await receive(day5, sku, 'RB1', 6);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.surplus, 2);
  assert.deepEqual(await plan(day5, o1.id), [['onhand', 4, '2026-12-06', '2026-12-08']]);
  assert.deepEqual(await plan(day5, o2.id), [['onhand', 2, '2026-12-06', '2026-12-08']]);
  const ready = await shipmentFrom(day5, o2.id, 'onhand');
  assert.equal(ready.status, 'READY');
  assert.equal(r.json.released[0], o1.shipments[0].id);
  await assertPositions(day5, sku, { onhand: [6, 6, 0], RB1: [0, 0, 0], RB2: [1, 0, 1] });
  await assertCheck(day5);

  // 5.8: the pending undated delay ends within the promise again: withdrawn.
  assert.equal(ready.delay, null);
});

test('receipt at another location: released there, and its surplus serves the unsourced order', async (t) => {
  const w = await world(t);
  const loc = await w.srv.api('/v1/locations', { key: true, body: { locationId: 'WH2', name: 'Store' } });
  assert.equal(loc.status, 201, loc.text);
  const sku = await createSku(w.srv, { transit: [PO('RC1', '2026-12-07', 5)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 3 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  await w.importAt('2026-12-01', [{ sku, ref: 'RC1', quantity: 3, stockDate: '2026-12-07' }]);
  assert.deepEqual(await plan(w.srv, o2.id), [['unsourced', 2, null, null]]);

  // All 5 arrive after all, at WH2, on 2026-12-05.
  const day5 = await w.at('2026-12-05');
  const r = await day5.api('/v1/inventory/receipts', { key: true,
    body: { sku, locationId: 'WH1', transitRef: 'RC1', quantity: 5, receivedAt: 'WH2' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.surplus, 2);
  for (const o of [o1, o2]) {
    const s = await shipmentFrom(day5, o.id, 'onhand');
    assert.deepEqual([s.locationId, s.status], ['WH2', 'READY']);
    assert.deepEqual([s.expectedDelivery.from, s.expectedDelivery.to], ['2026-12-06', '2026-12-08']);
  }
  assert.equal(r.json.released[0], o1.shipments[0].id);
  await assertPositions(day5, sku, { 'onhand@WH2': [5, 5, 0], RC1: [0, 0, 0] });
  await assertCheck(day5);

  assert.equal((await shipmentFrom(day5, o2.id, 'onhand')).delay, null);
});

test('a delayed shipment received in part: the READY part is on time and not delayed, the rest keeps its delay', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('RD1', '2026-12-07', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 4 }]);
  await w.importAt('2026-11-30', [{ sku, ref: 'RD1', quantity: 10, stockDate: '2026-12-20' }]);
  const delayed = (await getOrder(w.srv, o.id)).shipments[0];
  assert.equal(delayed.delay.consent, 'PENDING');

  // 2 units arrive early, on 2026-12-05.
  const day5 = await w.at('2026-12-05');
  const r = await receive(day5, sku, 'RD1', 2);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(await plan(day5, o.id), [['RD1', 2, '2026-12-22', '2026-12-25'], ['onhand', 2, '2026-12-06', '2026-12-08']]);
  const ready = await shipmentFrom(day5, o.id, 'onhand');
  const rest = await shipmentFrom(day5, o.id, 'RD1');
  assert.deepEqual(r.json, { released: [ready.id], surplus: 0 });
  assert.deepEqual([rest.id, rest.amount, ready.amount], [delayed.id, 2000, 2000]);
  assert.deepEqual(ready.promisedDelivery, delayed.promisedDelivery);
  await assertPositions(day5, sku, { onhand: [2, 2, 0], RD1: [8, 2, 6] });
  await assertCheck(day5);

  // The rest's range did not change and no new notice went out: its delay is what the
  // shopper was told, respondBy included (the notice's date + consentWindowDays, 5.8).
  assert.equal(ready.delay, null);
  assert.deepEqual(rest.delay, delayed.delay);
  assert.equal((await mails(day5, 'shipment_delayed', o.number)).length, 1);
});
