// SPEC 5.8 scenarios for the promise sweep (`sellahead sweep`, and the server's sweep at
// start): a shipment on a PO whose stock date has passed is flagged overdue and delayed once
// (undated, consent required), not again the next day, until supply gives a date; and a
// second sweep on the same date changes nothing (order documents, outbox, positions). Orders
// are placed on 2026-11-27 (TODAY). Every scenario has a database of its own and ends with
// `sellahead check`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCheck, createSku, getOrder, outbox, placeOrder, waitFor } from './lib/shop.mjs';
import { PO, mails, shipmentFrom, world } from './lib/promises.mjs';

const NOTHING = (date) => ({ date, overdue: 0, implied: 0, cancelled: 0, shipments: [] });

test('overdue: the sweep flags a passed stock date once, delays it undated, and not again the next day', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('WA1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  const sid = o.shipments[0].id;
  assert.equal(o.shipments[0].overdue, false);

  assert.deepEqual(await w.sweep('2026-12-07'), NOTHING('2026-12-07'), 'the stock date itself is not passed');
  assert.deepEqual(await w.sweep('2026-12-08'), { date: '2026-12-08', overdue: 1, implied: 0, cancelled: 0,
    shipments: [{ id: sid, orderId: o.id, action: 'OVERDUE' }] });
  let s = await shipmentFrom(w.srv, o.id, 'WA1');
  assert.deepEqual([s.id, s.overdue, s.status, s.stockDate], [sid, true, 'AWAITING_STOCK', '2026-12-07']);
  assert.deepEqual([s.expectedDelivery.from, s.expectedDelivery.to], ['2026-12-22', '2027-01-05'],
    'undated: a backorder range from the sweep\'s date');
  assert.deepEqual(s.promisedDelivery, o.shipments[0].promisedDelivery);
  const flagged = s.delay;
  assert.deepEqual(flagged, {
    detectedAt: '2026-12-08',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: null, to: null },
    consent: 'PENDING', respondBy: '2026-12-15', consentRequired: true,
  });
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
  const day8 = await w.at('2026-12-08');
  const po = await day8.api(`/v1/purchase-orders?sku=${sku}&overdue=true`, { key: true });
  assert.equal(po.status, 200, po.text);
  assert.deepEqual(po.json.items.map((p) => [p.transitRef, p.overdue, p.waiting.map((x) => x.orderNumber)]),
    [['WA1', true, [o.number]]]);
  await assertCheck(w.srv);

  // The next day: still overdue, not delayed again.
  assert.deepEqual(await w.sweep('2026-12-09'), NOTHING('2026-12-09'));
  s = await shipmentFrom(w.srv, o.id, 'WA1');
  assert.deepEqual([s.overdue, s.delay], [true, flagged]);
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);

  // An import gives a new date: no longer overdue, dated again.
  await w.importAt('2026-12-10', [{ sku, ref: 'WA1', quantity: 5, stockDate: '2026-12-18' }]);
  s = await shipmentFrom(w.srv, o.id, 'WA1');
  assert.deepEqual([s.overdue, s.stockDate, s.expectedDelivery.from, s.expectedDelivery.to],
    [false, '2026-12-18', '2026-12-20', '2026-12-23']);
  assert.deepEqual([s.delay.consent, s.delay.expected], ['PENDING', { from: '2026-12-20', to: '2026-12-23' }]);
  assert.deepEqual(await w.sweep('2026-12-11'), NOTHING('2026-12-11'));
  await assertCheck(w.srv);
});

test('the sweep run twice on the same date changes nothing the second time, nor does a server starting that day', async (t) => {
  const w = await world(t);
  // Three shipments the sweep on 2026-12-08 acts on: a delay silence accepts (IMPLIED), an
  // unanswered required one (CANCELLED) and a passed stock date (OVERDUE).
  const a = await createSku(w.srv, { transit: [PO('WB1', '2026-12-07', 5)] });
  const b = await createSku(w.srv, { transit: [PO('WB2', '2026-12-07', 5)] });
  const c = await createSku(w.srv, { transit: [PO('WB3', '2026-12-05', 5)] });
  const oa = await placeOrder(w.srv, [{ sku: a, quantity: 1 }]);
  const ob = await placeOrder(w.srv, [{ sku: b, quantity: 1 }]);
  const oc = await placeOrder(w.srv, [{ sku: c, quantity: 1 }]);
  await w.importAt('2026-11-30', [
    { sku: a, ref: 'WB1', quantity: 5, stockDate: '2026-12-20' },
    { sku: b, ref: 'WB2', quantity: 0, stockDate: '2026-12-07' },
  ]);

  const snapshot = async () => ({
    orders: await Promise.all([oa, ob, oc].map((o) => getOrder(w.srv, o.id))),
    outbox: (await outbox(w.srv)).map((m) => [m.id, m.kind, m.to, m.subject]),
    // The key-protected overview reads the database: the availability read model may lag a
    // CLI sweep by up to a second (SPEC 8).
    items: await Promise.all([a, b, c].map(async (sku) => (await w.srv.api(
      `/v1/inventory?q=${sku}`, { key: true })).json.items)),
  });
  const byAction = (out) => out.shipments.map((x) => [x.action, x.orderId, x.id]).sort();

  const first = await w.sweep('2026-12-08');
  assert.deepEqual([first.overdue, first.implied, first.cancelled], [1, 1, 1]);
  assert.deepEqual(byAction(first), [['CANCELLED', ob.id, ob.shipments[0].id], ['IMPLIED', oa.id, oa.shipments[0].id],
    ['OVERDUE', oc.id, oc.shipments[0].id]]);
  await assertCheck(w.srv);
  const after1 = await snapshot();

  assert.deepEqual(await w.sweep('2026-12-08'), NOTHING('2026-12-08'));
  assert.deepEqual(await snapshot(), after1);

  const day8 = await w.at('2026-12-08'); // its sweep at start, on the same date
  assert.deepEqual((await outbox(day8)).map((m) => [m.id, m.kind, m.to, m.subject]), after1.outbox);
  assert.deepEqual(await Promise.all([oa, ob, oc].map((o) => getOrder(day8, o.id))), after1.orders);
  await assertCheck(day8);
});

test('overdue: the sweep moves the units to a dated PO with free units; a late receipt ends the delay', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('WC1', '2026-12-06', 4), PO('WC2', '2026-12-20', 2)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  assert.deepEqual(o2.shipments.map((s) => [s.transitRef, s.promisedDelivery.to]), [['WC1', '2026-12-11']]);

  // On 2026-12-08 WC1 counts as undated (a backorder range, to Jan 5): WC2 (to Dec 25)
  // delivers earlier, so its 2 free units go to the oldest order waiting on WC1.
  const out = await w.sweep('2026-12-08');
  assert.equal(out.date, '2026-12-08');
  const moved = await shipmentFrom(w.srv, o1.id, 'WC2');
  assert.deepEqual([moved.overdue, moved.expectedDelivery.from, moved.expectedDelivery.to], [false, '2026-12-22', '2026-12-25']);
  assert.deepEqual([moved.delay.consent, moved.delay.consentRequired, moved.delay.expected],
    ['PENDING', false, { from: '2026-12-22', to: '2026-12-25' }]);
  const late = await shipmentFrom(w.srv, o2.id, 'WC1');
  assert.deepEqual([late.overdue, late.delay.consentRequired, late.delay.expected], [true, true, { from: null, to: null }]);
  await assertCheck(w.srv);

  // WC1 arrives that day: o2 ships within its promise after all, the delay is withdrawn.
  const day8 = await w.at('2026-12-08');
  const r = await day8.api('/v1/inventory/receipts', { key: true, body: { sku, locationId: 'WH1', transitRef: 'WC1', quantity: 4 } });
  assert.equal(r.status, 200, r.text);
  const ready = await shipmentFrom(day8, o2.id, 'onhand');
  assert.deepEqual([ready.status, ready.overdue, ready.delay, ready.expectedDelivery.from, ready.expectedDelivery.to],
    ['READY', false, null, '2026-12-09', '2026-12-11']);
  await assertCheck(day8);
});

test('two sweeps at once on the same date act once (on PostgreSQL one server at a time runs it)', async (t) => {
  const w = await world(t);
  const skus = [];
  const orders = [];
  for (let i = 0; i < 4; i++) {
    skus.push(await createSku(w.srv, { transit: [PO(`WD${i}`, '2026-12-05', 2)] }));
    orders.push(await placeOrder(w.srv, [{ sku: skus[i], quantity: 1 }]));
  }
  const runs = await Promise.all([w.cli('2026-12-08', ['sweep']), w.cli('2026-12-08', ['sweep'])]);
  const acted = [];
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    acted.push(...out.shipments.map((x) => [x.action, x.orderId]));
  }
  assert.deepEqual(acted.sort(), orders.map((o) => ['OVERDUE', o.id]).sort(), 'each shipment flagged by one of them');
  for (const o of orders) {
    assert.equal((await getOrder(w.srv, o.id)).shipments[0].overdue, true);
    assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);
  }
  await assertCheck(w.srv);
});

test('a server starting after respondBy sweeps at start: the unanswered shipment is cancelled', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('WE1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  await w.importAt('2026-11-30', [{ sku, ref: 'WE1', quantity: 0, stockDate: '2026-12-07' }]);
  assert.equal((await getOrder(w.srv, o.id)).shipments[0].delay.respondBy, '2026-12-07');

  const day8 = await w.at('2026-12-08');
  const after = await waitFor(async () => {
    const x = await getOrder(day8, o.id);
    return x.status === 'CANCELLED' && x;
  }, { what: 'the sweep at start to cancel the shipment' });
  assert.deepEqual([after.shipments[0].status, after.payment.voided], ['CANCELLED', 2000]);
  assert.equal((await mails(day8, 'shipment_cancelled', o.number)).length, 1);
  assert.deepEqual(await w.sweep('2026-12-08'), NOTHING('2026-12-08'));
  await assertCheck(day8);
});
