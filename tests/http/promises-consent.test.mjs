// SPEC 5.8 scenarios: the shopper's consent to a delay, walked over business dates. Silence
// accepts a delay within impliedConsentDays (the sweep after respondBy sets IMPLIED); a longer
// delay, a second delay and an undated one need an answer: ACCEPT, DECLINE (the shipment is
// cancelled, refunded or voided as 5.5 says) or silence past respondBy (the sweep cancels). A
// PENDING delay follows later re-plans in place. Orders are placed on 2026-11-27 (TODAY).
// Every scenario has a database of its own and ends with `sellahead check`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertError } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, placeOrder, putSettings, ship } from './lib/shop.mjs';
import { PO, assertPositions, consent, mails, plan, shipmentFrom, world } from './lib/promises.mjs';

const NOTHING = (date) => ({ date, overdue: 0, implied: 0, cancelled: 0, shipments: [] });
const range = (s) => [s.expectedDelivery.from, s.expectedDelivery.to];

test('implied consent: silence through respondBy accepts a delay within 30 days; the accepted range moves', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('CA1', '2026-12-07', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 3 }]);
  const sid = o.shipments[0].id;
  await w.importAt('2026-11-30', [{ sku, ref: 'CA1', quantity: 10, stockDate: '2026-12-20' }]);
  let s = await shipmentFrom(w.srv, o.id, 'CA1');
  assert.deepEqual([s.delay.consent, s.delay.consentRequired, s.delay.respondBy], ['PENDING', false, '2026-12-07']);

  // Answers count through respondBy: the sweep on that day leaves it PENDING.
  assert.deepEqual(await w.sweep('2026-12-07'), NOTHING('2026-12-07'));
  assert.equal((await shipmentFrom(w.srv, o.id, 'CA1')).delay.consent, 'PENDING');
  const out = await w.sweep('2026-12-08');
  assert.deepEqual(out, { date: '2026-12-08', overdue: 0, implied: 1, cancelled: 0,
    shipments: [{ id: sid, orderId: o.id, action: 'IMPLIED' }] });
  s = await shipmentFrom(w.srv, o.id, 'CA1');
  assert.deepEqual([s.status, s.delay.consent, s.delay.expected], ['AWAITING_STOCK', 'IMPLIED', { from: '2026-12-22', to: '2026-12-25' }]);
  await assertCheck(w.srv);

  // The accepted range is now Dec 22–25: earlier and back up to it is no new delay.
  await w.importAt('2026-12-09', [{ sku, ref: 'CA1', quantity: 10, stockDate: '2026-12-12' }]);
  await w.importAt('2026-12-10', [{ sku, ref: 'CA1', quantity: 10, stockDate: '2026-12-19' }]);
  s = await shipmentFrom(w.srv, o.id, 'CA1');
  assert.deepEqual(range(s), ['2026-12-21', '2026-12-24']);
  assert.equal(s.delay.consent, 'IMPLIED');
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 1);

  // Beyond it: a second delay, which needs an answer whatever its length.
  await w.importAt('2026-12-11', [{ sku, ref: 'CA1', quantity: 10, stockDate: '2026-12-22' }]);
  s = await shipmentFrom(w.srv, o.id, 'CA1');
  assert.deepEqual([s.delay.consent, s.delay.consentRequired, s.delay.detectedAt, s.delay.respondBy, s.delay.expected],
    ['PENDING', true, '2026-12-11', '2026-12-18', { from: '2026-12-24', to: '2026-12-27' }]);
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 2);
  await assertCheck(w.srv);
});

test('impliedConsentDays decides how long a delay silence may accept', async (t) => {
  const w = await world(t);
  await putSettings(w.srv, { impliedConsentDays: 10 });
  const sku = await createSku(w.srv, { transit: [PO('CI1', '2026-12-07', 10), PO('CI2', '2026-12-07', 10)] });
  const o1 = await placeOrder(w.srv, [{ sku, quantity: 10 }]); // CI1
  const o2 = await placeOrder(w.srv, [{ sku, quantity: 10 }]); // CI2
  await w.importAt('2026-11-30', [
    { sku, ref: 'CI1', quantity: 10, stockDate: '2026-12-17' }, // to Dec 22: 10 days late
    { sku, ref: 'CI2', quantity: 10, stockDate: '2026-12-18' }, // to Dec 23: 11 days late
  ]);
  const d1 = (await shipmentFrom(w.srv, o1.id, 'CI1')).delay;
  const d2 = (await shipmentFrom(w.srv, o2.id, 'CI2')).delay;
  assert.deepEqual([d1.expected.to, d1.consentRequired], ['2026-12-22', false]);
  assert.deepEqual([d2.expected.to, d2.consentRequired], ['2026-12-23', true]);
  await assertCheck(w.srv);
});

test('required consent, delay over 30 days: ACCEPT; a second delay needs consent again; DECLINE after ACCEPT cancels', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('CB1', '2026-12-07', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  const sid = o.shipments[0].id;
  await w.importAt('2026-11-30', [{ sku, ref: 'CB1', quantity: 10, stockDate: '2027-01-20' }]);
  let s = await shipmentFrom(w.srv, o.id, 'CB1');
  assert.deepEqual(s.delay, {
    detectedAt: '2026-11-30',
    previous: { from: '2026-12-09', to: '2026-12-12' },
    expected: { from: '2027-01-22', to: '2027-01-25' },
    consent: 'PENDING', respondBy: '2026-12-07', consentRequired: true,
  });

  const day3 = await w.at('2026-12-03');
  const r = await consent(day3, sid, 'ACCEPT', o.accessToken);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, await getOrder(day3, o.id), 'the answer is the whole order');
  s = r.json.shipments.find((x) => x.id === sid);
  assert.deepEqual([s.status, s.delay.consent, s.delay.respondBy], ['AWAITING_STOCK', 'ACCEPTED', '2026-12-07']);
  assertError(await consent(day3, sid, 'ACCEPT', o.accessToken), 409, 'CONFLICT');

  // Accepted: the sweep after respondBy leaves it alone.
  assert.deepEqual(await w.sweep('2026-12-08'), NOTHING('2026-12-08'));
  assert.equal((await getOrder(w.srv, o.id)).shipments[0].delay.consent, 'ACCEPTED');
  await assertCheck(w.srv);

  // Five more days: a second delay, consent required although it is short.
  await w.importAt('2026-12-10', [{ sku, ref: 'CB1', quantity: 10, stockDate: '2027-01-25' }]);
  s = await shipmentFrom(w.srv, o.id, 'CB1');
  assert.deepEqual([s.delay.consent, s.delay.consentRequired, s.delay.respondBy, s.delay.expected],
    ['PENDING', true, '2026-12-17', { from: '2027-01-27', to: '2027-01-30' }]);
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 2);
  const day11 = await w.at('2026-12-11');
  assert.equal((await consent(day11, sid, 'ACCEPT')).status, 200, 'with the API key');

  // DECLINE counts whatever the consent so far: the shipment is cancelled, the card voided.
  const d = await consent(day11, sid, 'DECLINE', o.accessToken);
  assert.equal(d.status, 200, d.text);
  assert.deepEqual([d.json.status, d.json.shipments[0].status], ['CANCELLED', 'CANCELLED']);
  assert.deepEqual([d.json.payment.authorized, d.json.payment.captured, d.json.payment.voided], [2000, 0, 2000]);
  assert.equal((await mails(day11, 'shipment_cancelled', o.number)).length, 1);
  await assertPositions(day11, sku, { CB1: [10, 0, 10] });
  assertError(await consent(day11, sid, 'DECLINE', o.accessToken), 409, 'CONFLICT');
  await assertCheck(day11);
});

test('required consent: DECLINE cancels only the delayed shipment, with an email; the rest still ships', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, onhand: 1, transit: [PO('CC1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 3 }]);
  const ready = o.shipments.find((x) => x.status === 'READY');
  const waiting = o.shipments.find((x) => x.status === 'AWAITING_STOCK');
  await w.importAt('2026-11-30', [{ sku, ref: 'CC1', quantity: 5, stockDate: '2027-01-20' }]);
  assert.equal((await shipmentFrom(w.srv, o.id, 'CC1')).delay.consentRequired, true);

  const day2 = await w.at('2026-12-02');
  const r = await consent(day2, waiting.id, 'DECLINE', o.accessToken);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.shipments.map((x) => [x.id, x.status]), [[ready.id, 'READY'], [waiting.id, 'CANCELLED']]);
  assert.equal(r.json.status, 'PLACED');
  assert.deepEqual([r.json.payment.authorized, r.json.payment.captured, r.json.payment.voided], [3000, 0, 0]);
  const cancelled = await mails(day2, 'shipment_cancelled', o.number);
  assert.deepEqual(cancelled.map((m) => m.subject), [`Order ${o.number}: a shipment was cancelled`]);
  await assertPositions(day2, sku, { CC1: [5, 0, 5] });
  assertError(await consent(day2, waiting.id, 'ACCEPT', o.accessToken), 409, 'CONFLICT');
  await assertCheck(day2);

  assert.equal((await ship(day2, ready.id)).status, 200);
  const done = await getOrder(day2, o.id);
  assert.deepEqual([done.status, done.payment.captured], ['SHIPPED', 1000]);
  await assertCheck(day2);
});

test('required consent: DECLINE after the whole order was charged refunds the shipment', async (t) => {
  const w = await world(t);
  await putSettings(w.srv, { captureOn: 'order' });
  const sku = await createSku(w.srv, { price: 1500, transit: [PO('CD1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  await w.importAt('2026-11-30', [{ sku, ref: 'CD1', quantity: 5, stockDate: '2027-01-20' }]);
  const r = await consent(w.srv, o.shipments[0].id, 'DECLINE', o.accessToken);
  assert.equal(r.status, 200, r.text);
  const p = r.json.payment;
  assert.deepEqual([r.json.status, p.authorized, p.captured, p.refunded, p.voided], ['CANCELLED', 3000, 3000, 3000, 0]);
  assert.equal((await mails(w.srv, 'shipment_cancelled', o.number)).length, 1);
  await assertCheck(w.srv);
});

test('required consent, unsourced: silence past respondBy, and the sweep cancels the shipment', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('CE1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 5 }]);
  const sid = o.shipments[0].id;
  await w.importAt('2026-11-30', [{ sku, ref: 'CE1', quantity: 0, stockDate: '2026-12-07' }]);
  const u = await shipmentFrom(w.srv, o.id, 'unsourced');
  assert.deepEqual([u.id, u.delay.consent, u.delay.consentRequired, u.delay.respondBy], [sid, 'PENDING', true, '2026-12-07']);

  assert.deepEqual(await w.sweep('2026-12-07'), NOTHING('2026-12-07'));
  assert.equal((await getOrder(w.srv, o.id)).shipments[0].status, 'AWAITING_STOCK');
  assert.deepEqual(await w.sweep('2026-12-08'), { date: '2026-12-08', overdue: 0, implied: 0, cancelled: 1,
    shipments: [{ id: sid, orderId: o.id, action: 'CANCELLED' }] });
  const after = await getOrder(w.srv, o.id);
  assert.deepEqual([after.status, after.shipments[0].status], ['CANCELLED', 'CANCELLED']);
  assert.deepEqual([after.payment.authorized, after.payment.captured, after.payment.voided], [5000, 0, 5000]);
  assert.equal((await mails(w.srv, 'shipment_cancelled', o.number)).length, 1);
  await assertCheck(w.srv);

  // Supply that comes later is for sale: nobody waits any more.
  await w.importAt('2026-12-09', [{ sku, ref: 'CE1', quantity: 5, stockDate: '2026-12-20' }]);
  await assertPositions(w.srv, sku, { CE1: [5, 0, 5] });
  assert.deepEqual(await plan(w.srv, o.id), []);
  await assertCheck(w.srv);
});

test('required consent, unsourced: ACCEPT; the first date supply gives is accepted with a notice; a later slip asks again', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('CF1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 5 }]);
  const sid = o.shipments[0].id;
  await w.importAt('2026-11-30', [{ sku, ref: 'CF1', quantity: 0, stockDate: '2026-12-07' }]);
  const day1 = await w.at('2026-12-01');
  const r = await consent(day1, sid, 'ACCEPT');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.shipments[0].delay.consent, 'ACCEPTED');
  assert.deepEqual(await w.sweep('2026-12-08'), NOTHING('2026-12-08'));

  await w.importAt('2026-12-09', [{ sku, ref: 'CF2', quantity: 5, stockDate: '2026-12-28' }]);
  let s = await shipmentFrom(w.srv, o.id, 'CF2');
  assert.deepEqual(range(s), ['2026-12-30', '2027-01-02']);
  assert.deepEqual([s.delay.consent, s.delay.expected], ['ACCEPTED', { from: '2026-12-30', to: '2027-01-02' }]);
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 2, 'the date is announced');
  await assertCheck(w.srv);

  await w.importAt('2026-12-10', [{ sku, ref: 'CF2', quantity: 5, stockDate: '2027-01-05' }]);
  s = await shipmentFrom(w.srv, o.id, 'CF2');
  assert.deepEqual([s.delay.consent, s.delay.consentRequired, s.delay.respondBy, s.delay.expected],
    ['PENDING', true, '2026-12-17', { from: '2027-01-07', to: '2027-01-10' }]);
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 3);
  await assertCheck(w.srv);
});

test('a PENDING delay follows re-plans: later again emails again, respondBy never moves earlier; back within the promise it is withdrawn', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('CG1', '2026-12-07', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 1 }]);
  const other = await placeOrder(w.srv, [{ sku: await createSku(w.srv, { onhand: 5 }), quantity: 1 }]);
  const delayedList = async () => {
    const r = await w.srv.api('/v1/orders?delayed=true', { key: true });
    assert.equal(r.status, 200, r.text);
    return r.json.items.map((x) => x.id);
  };
  const delay = async () => (await shipmentFrom(w.srv, o.id, 'CG1')).delay;
  const notices = async () => (await mails(w.srv, 'shipment_delayed', o.number)).length;

  await w.importAt('2026-11-30', [{ sku, ref: 'CG1', quantity: 10, stockDate: '2026-12-20' }]);
  assert.deepEqual([(await delay()).respondBy, await notices()], ['2026-12-07', 1]);
  assert.deepEqual(await delayedList(), [o.id]);
  assert.notEqual(other.id, o.id);

  // Later again: recomputed, a new notice, respondBy from the new notice.
  await w.importAt('2026-12-03', [{ sku, ref: 'CG1', quantity: 10, stockDate: '2026-12-27' }]);
  let d = await delay();
  assert.deepEqual([d.consent, d.expected, d.respondBy, await notices()],
    ['PENDING', { from: '2026-12-29', to: '2027-01-01' }, '2026-12-10', 2]);

  // A shorter window would put respondBy earlier: it stays.
  await putSettings(w.srv, { consentWindowDays: 1 });
  await w.importAt('2026-12-04', [{ sku, ref: 'CG1', quantity: 10, stockDate: '2026-12-29' }]);
  d = await delay();
  assert.deepEqual([d.expected, d.respondBy, await notices()], [{ from: '2026-12-31', to: '2027-01-03' }, '2026-12-10', 3]);

  // Earlier but still late: updated in place, no email.
  await w.importAt('2026-12-05', [{ sku, ref: 'CG1', quantity: 10, stockDate: '2026-12-24' }]);
  d = await delay();
  assert.deepEqual([d.consent, d.expected, d.respondBy, await notices()],
    ['PENDING', { from: '2026-12-26', to: '2026-12-29' }, '2026-12-10', 3]);
  await assertCheck(w.srv);

  // Within the promise again: withdrawn, no email, off the Delays list.
  await w.importAt('2026-12-06', [{ sku, ref: 'CG1', quantity: 10, stockDate: '2026-12-07' }]);
  const s = await shipmentFrom(w.srv, o.id, 'CG1');
  assert.deepEqual([s.delay, range(s), await notices()], [null, ['2026-12-09', '2026-12-12'], 3]);
  assert.deepEqual(await delayedList(), []);
  await assertCheck(w.srv);
});

test('delay-consent refusals: credentials, unknown shipment, never delayed, bad body', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('CH1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 1 }]);
  const sid = o.shipments[0].id;
  assertError(await consent(w.srv, sid, 'ACCEPT', o.accessToken), 409, 'CONFLICT');
  assertError(await consent(w.srv, sid, 'DECLINE', o.accessToken), 409, 'CONFLICT');
  await w.importAt('2026-11-30', [{ sku, ref: 'CH1', quantity: 5, stockDate: '2027-01-20' }]);

  const url = `/v1/shipments/${sid}/delay-consent`;
  assertError(await w.srv.api(url, { body: { consent: 'ACCEPT' } }), 401, 'UNAUTHORIZED');
  assertError(await consent(w.srv, sid, 'ACCEPT', 'x'.repeat(o.accessToken.length)), 404, 'SHIPMENT_NOT_FOUND');
  assertError(await consent(w.srv, 'shp_nosuchshipment', 'ACCEPT'), 404, 'SHIPMENT_NOT_FOUND');
  for (const body of [{}, { consent: 'MAYBE' }, { consent: 'accept' }, { consent: 1 }, []]) {
    assertError(await w.srv.api(url, { key: true, body }), 422, 'VALIDATION_FAILED');
  }
  assertError(await w.srv.api(url, { key: true, body: '{"consent":', headers: { 'content-type': 'application/json' } }),
    400, 'MALFORMED_JSON');
  const s = (await getOrder(w.srv, o.id)).shipments[0];
  assert.deepEqual([s.status, s.delay.consent], ['AWAITING_STOCK', 'PENDING'], 'nothing changed');
  await assertCheck(w.srv);
});
