// SPEC 9: fabric v3 backorder/preorder records. One record per order line with units not
// served from onhand at placement; its live fields (status, releasedQuantity, type,
// isDelayConsented, lastNotifiedAt) follow the order's shipments; save-delay-consent answers
// as SPEC 5.8's delay-consent does. Every scenario has a database of its own (world) and
// ends with `sellahead check`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import path from 'node:path';

import { ISO_TIME, PG_URL, assertError, createPgDatabase, dropPgDatabase, run, startServer } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, ownServer, placeOrder, receive, ship } from './lib/shop.mjs';
import { PO, consent, mails, shipmentFrom, world } from './lib/promises.mjs';

const search = (srv, body, opts = {}) => srv.api('/backorders-preorders/search', { key: true, body, ...opts });
const eq = (field, value) => ({ field, condition: 'EQ', value });

async function getRecord(srv, id) {
  const r = await srv.api(`/backorders-preorders/${encodeURIComponent(id)}`, { key: true });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

function saveConsent(srv, id, answer) {
  return srv.api(`/backorders-preorders/${encodeURIComponent(id)}/actions/save-delay-consent`,
    { key: true, body: { consent: answer } });
}

/** The records of one order, by line. */
async function recordsOf(srv, order) {
  const r = await search(srv, { filters: [eq('orderNumber', order.number)] });
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}

test('placement records pre-order and backorder lines (type, quantity, locationId); an onhand line gets none', async (t) => {
  const w = await world(t);
  const loc = await w.srv.api('/v1/locations', { key: true, body: { locationId: 'WH2', name: 'Second' } });
  assert.equal(loc.status, 201, loc.text);
  const pre = await createSku(w.srv, { onhand: 2, transit: [PO('RP1', '2026-12-15', 10)] });
  const item = await w.srv.api('/v1/products', { key: true,
    body: [{ sku: pre, name: 'Pre', price: 1000, currency: 'USD', itemId: 4711 }] });
  assert.equal(item.status, 200, item.text);
  const back = await createSku(w.srv, { location: 'WH2', transit: [PO('RB1', null, 10)] });
  const now = await createSku(w.srv, { onhand: 10 });
  const o = await placeOrder(w.srv, [{ sku: pre, quantity: 5 }, { sku: back, quantity: 4 }, { sku: now, quantity: 2 }]);

  const recs = await recordsOf(w.srv, o);
  assert.equal(recs.length, 2, 'no record for the line served from onhand');
  const [a, b] = recs;
  assert.match(a.id, /^bo_/);
  assert.deepEqual({ ...a, id: undefined, orderedAt: undefined, shipments: undefined }, {
    id: undefined, orderId: o.id, orderNumber: o.number, lineItemId: 1, sku: pre, itemId: 4711,
    quantity: 3, type: 'PREORDER', status: 'AWAITING_STOCK', releasedQuantity: 0,
    isDelayConsented: false, consentReceivedAt: null, lastNotifiedAt: null, orderedAt: undefined,
    locationId: 'WH1', shipments: undefined,
  });
  assert.match(a.orderedAt, ISO_TIME);
  assert.deepEqual([b.lineItemId, b.sku, b.itemId, b.quantity, b.type, b.status, b.locationId],
    [2, back, null, 4, 'BACKORDER', 'AWAITING_STOCK', 'WH2']);
  const held = (await getOrder(w.srv, o.id)).shipments.find((s) => s.transitRef === 'RP1');
  assert.deepEqual(a.shipments, [{ id: held.id, status: 'AWAITING_STOCK', quantity: 3 }]);
  assert.deepEqual(await getRecord(w.srv, a.id), a);
  assert.deepEqual(await getRecord(w.srv, b.id), b);
  await assertCheck(w.srv);
});

test('receipts split the shipment and shipping follows: the id stays, releasedQuantity and status follow', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { onhand: 1, transit: [PO('RR1', '2026-12-10', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 6 }]);
  const [rec] = await recordsOf(w.srv, o);
  assert.deepEqual([rec.quantity, rec.releasedQuantity, rec.status], [5, 0, 'AWAITING_STOCK']);

  // Two of the five arrive: the READY part merges with the onhand unit, the rest waits.
  let r = await receive(w.srv, sku, 'RR1', 2);
  assert.equal(r.status, 200, r.text);
  let now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.id, now.quantity, now.releasedQuantity, now.status, now.type],
    [rec.id, 5, 2, 'AWAITING_STOCK', 'PREORDER']);
  const ready = (await getOrder(w.srv, o.id)).shipments.find((s) => s.status === 'READY');
  assert.equal(ready.lines[0].quantity, 3);
  r = await ship(w.srv, ready.id);
  assert.equal(r.status, 200, r.text);
  now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.releasedQuantity, now.status], [2, 'AWAITING_STOCK']);

  // The rest arrives: all released, the record's shipment is READY, then SHIPPED.
  r = await receive(w.srv, sku, 'RR1', 3);
  assert.equal(r.status, 200, r.text);
  now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.id, now.releasedQuantity, now.status, now.type], [rec.id, 5, 'READY', 'PREORDER']);
  const last = (await getOrder(w.srv, o.id)).shipments.find((s) => s.status === 'READY');
  assert.equal((await ship(w.srv, last.id)).status, 200);
  now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.releasedQuantity, now.status], [5, 'SHIPPED']);
  await assertCheck(w.srv);
});

test('a re-plan keeps the id: a PO cut leaves units unsourced (BACKORDER), new supply sources them again', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('RU1', '2026-12-10', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 4 }]);
  const [rec] = await recordsOf(w.srv, o);
  assert.equal(rec.type, 'PREORDER');

  await w.importAt('2026-11-28', [{ sku, ref: 'RU1', quantity: 1, stockDate: '2026-12-10' }]);
  let now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.id, now.quantity, now.type, now.status, now.locationId, now.lastNotifiedAt],
    [rec.id, 4, 'BACKORDER', 'AWAITING_STOCK', 'WH1', '2026-11-28'], 'three of four unsourced');
  assert.equal(now.shipments.length, 2);

  await w.importAt('2026-11-29', [{ sku, ref: 'RU2', quantity: 10, stockDate: '2026-12-12' }]);
  now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.id, now.type, now.status], [rec.id, 'PREORDER', 'AWAITING_STOCK']);
  await assertCheck(w.srv);
});

test('lastNotifiedAt is the last delay notice: a later email moves it, a withdrawal keeps it', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('RN1', '2026-12-10', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  const [rec] = await recordsOf(w.srv, o);
  await w.importAt('2026-11-28', [{ sku, ref: 'RN1', quantity: 5, stockDate: '2026-12-18' }]);
  assert.equal((await getRecord(w.srv, rec.id)).lastNotifiedAt, '2026-11-28');
  // Later again: a second notice about the same delay.
  await w.importAt('2026-11-30', [{ sku, ref: 'RN1', quantity: 5, stockDate: '2026-12-26' }]);
  const s = await shipmentFrom(w.srv, o.id, 'RN1');
  assert.equal(s.delay.detectedAt, '2026-11-28', 'the delay is the same one');
  assert.equal((await mails(w.srv, 'shipment_delayed', o.number)).length, 2);
  assert.equal((await getRecord(w.srv, rec.id)).lastNotifiedAt, '2026-11-30');
  // Back within the promise: the delay is withdrawn, the shopper was still told on 11-30.
  await w.importAt('2026-12-01', [{ sku, ref: 'RN1', quantity: 5, stockDate: '2026-12-10' }]);
  const now = await getRecord(w.srv, rec.id);
  assert.equal((await shipmentFrom(w.srv, o.id, 'RN1')).delay, null);
  assert.deepEqual([now.lastNotifiedAt, now.isDelayConsented], ['2026-11-30', false]);
  await assertCheck(w.srv);
});

test('save-delay-consent answers as 5.8 delay-consent: ACCEPT sets isDelayConsented, DECLINE cancels', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { price: 1000, transit: [PO('RC1', '2026-12-07', 10)] });
  const viaShipment = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  const viaRecord = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  const [rec] = await recordsOf(w.srv, viaRecord);
  // Over 30 days late: both delays need an answer.
  await w.importAt('2026-11-30', [{ sku, ref: 'RC1', quantity: 10, stockDate: '2027-01-20' }]);
  let now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.isDelayConsented, now.lastNotifiedAt, now.consentReceivedAt],
    [false, '2026-11-30', null]);

  const s1 = await shipmentFrom(w.srv, viaShipment.id, 'RC1');
  let r = await consent(w.srv, s1.id, 'ACCEPT');
  assert.equal(r.status, 200, r.text);
  r = await saveConsent(w.srv, rec.id, 'ACCEPT');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.id, r.json.isDelayConsented, r.json.status], [rec.id, true, 'AWAITING_STOCK']);
  assert.match(r.json.consentReceivedAt, ISO_TIME);
  assert.deepEqual(await getRecord(w.srv, rec.id), r.json);
  const strip = (s) => ({ ...s, id: undefined, lines: undefined });
  const a = await shipmentFrom(w.srv, viaShipment.id, 'RC1');
  const b = await shipmentFrom(w.srv, viaRecord.id, 'RC1');
  assert.equal(b.delay.consent, 'ACCEPTED');
  assert.deepEqual(strip(b), strip(a), 'the same shipment state as 5.8 gives');
  // The other order's record saw its answer through 5.8's endpoint as well.
  const [other] = await recordsOf(w.srv, viaShipment);
  assert.deepEqual([other.isDelayConsented, typeof other.consentReceivedAt], [true, 'string']);

  // No delay waits for an answer any more: ACCEPT is 409, as for the shipment.
  assertError(await saveConsent(w.srv, rec.id, 'ACCEPT'), 409, 'CONFLICT', /no delay waiting/);
  assertError(await consent(w.srv, a.id, 'ACCEPT'), 409, 'CONFLICT');

  // DECLINE after ACCEPT cancels the shipment, as 5.8 does.
  r = await consent(w.srv, a.id, 'DECLINE');
  assert.equal(r.status, 200, r.text);
  r = await saveConsent(w.srv, rec.id, 'DECLINE');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.status, r.json.isDelayConsented, r.json.releasedQuantity], ['CANCELLED', false, 0]);
  const oa = await getOrder(w.srv, viaShipment.id);
  const ob = await getOrder(w.srv, viaRecord.id);
  assert.deepEqual([ob.status, ob.shipments[0].status, ob.shipments[0].delay.consent], ['CANCELLED', 'CANCELLED', 'DECLINED']);
  assert.deepEqual([ob.status, ob.payment.status, ob.payment.voided], [oa.status, oa.payment.status, oa.payment.voided]);
  assertError(await saveConsent(w.srv, rec.id, 'DECLINE'), 409, 'CONFLICT');
  await assertCheck(w.srv);
});

test('units over several delayed shipments: save-delay-consent answers each of them, and only the record\'s', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { onhand: 1, transit: [PO('RM1', '2026-12-10', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 5 }]);
  const [rec] = await recordsOf(w.srv, o);
  assert.equal(rec.quantity, 4);
  // The PO slips and is cut: 1 unit waits on it later than promised, 3 are unsourced.
  await w.importAt('2026-11-28', [{ sku, ref: 'RM1', quantity: 1, stockDate: '2026-12-20' }]);
  const po = await shipmentFrom(w.srv, o.id, 'RM1');
  const un = await shipmentFrom(w.srv, o.id, 'unsourced');
  const onhand = await shipmentFrom(w.srv, o.id, 'onhand');
  assert.deepEqual([po.delay.consent, un.delay.consent, onhand.delay], ['PENDING', 'PENDING', null]);
  let now = await getRecord(w.srv, rec.id);
  assert.deepEqual([now.type, now.status, now.isDelayConsented, now.shipments.length], ['BACKORDER', 'AWAITING_STOCK', false, 2]);

  let r = await saveConsent(w.srv, rec.id, 'ACCEPT');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.isDelayConsented, true);
  assert.deepEqual([(await shipmentFrom(w.srv, o.id, 'RM1')).delay.consent,
    (await shipmentFrom(w.srv, o.id, 'unsourced')).delay.consent], ['ACCEPTED', 'ACCEPTED']);

  r = await saveConsent(w.srv, rec.id, 'DECLINE');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.status, r.json.releasedQuantity], ['CANCELLED', 0]);
  const after = await getOrder(w.srv, o.id);
  // Cancelling the PO's unit freed it for the unsourced ones (5.7 rule 4): that new shipment
  // carries the delay and is declined too. The onhand part is not the record's: it stays.
  assert.deepEqual(after.shipments.filter((s) => s.status !== 'CANCELLED').map((s) => [s.stockType, s.status]),
    [['onhand', 'READY']]);
  assert.deepEqual(r.json.shipments.map((s) => s.status), r.json.shipments.map(() => 'CANCELLED'));
  assert.equal(r.json.shipments.reduce((n, s) => n + s.quantity, 0), 4);
  assert.equal(after.status, 'PLACED');
  await assertCheck(w.srv);
});

test('a record never delayed: ACCEPT and DECLINE are 409, as 5.8 answers for its shipment', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('RN1', '2026-12-07', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 1 }]);
  const [rec] = await recordsOf(w.srv, o);
  assertError(await saveConsent(w.srv, rec.id, 'ACCEPT'), 409, 'CONFLICT');
  assertError(await saveConsent(w.srv, rec.id, 'DECLINE'), 409, 'CONFLICT');
  assertError(await consent(w.srv, o.shipments[0].id, 'DECLINE'), 409, 'CONFLICT');
  assert.equal((await getOrder(w.srv, o.id)).shipments[0].status, 'AWAITING_STOCK');
});

test('search: filters by sku, orderNumber, type, status, isDelayConsented; pagination in order number order', async (t) => {
  const w = await world(t);
  const p = await createSku(w.srv, { transit: [PO('RS1', '2026-12-15', 10)] });
  const b = await createSku(w.srv, { transit: [PO('RS2', null, 10)] });
  const orders = [];
  for (let i = 0; i < 3; i += 1) orders.push(await placeOrder(w.srv, [{ sku: p, quantity: 1 }]));
  for (let i = 0; i < 2; i += 1) orders.push(await placeOrder(w.srv, [{ sku: b, quantity: 2 }]));
  const numbers = (r) => r.json.data.map((x) => x.orderNumber);

  let r = await search(w.srv, {});
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.pagination, { limit: 20, offset: 0, count: 5 });
  assert.deepEqual(numbers(r), orders.map((o) => o.number));

  r = await search(w.srv, { filters: [eq('sku', p)], limit: 2 });
  assert.deepEqual([r.json.pagination, numbers(r)], [{ limit: 2, offset: 0, count: 3 }, [orders[0].number, orders[1].number]]);
  r = await search(w.srv, { filters: [eq('sku', p)], limit: 2, offset: 2 });
  assert.deepEqual([r.json.pagination, numbers(r)], [{ limit: 2, offset: 2, count: 3 }, [orders[2].number]]);

  r = await search(w.srv, { filters: [eq('type', 'BACKORDER')] });
  assert.deepEqual(numbers(r), [orders[3].number, orders[4].number]);
  r = await search(w.srv, { filters: [eq('orderNumber', Number(orders[1].number))] });
  assert.deepEqual(numbers(r), [orders[1].number]);
  r = await search(w.srv, { filters: [eq('orderNumber', orders[4].number), eq('sku', p)] });
  assert.deepEqual(r.json.pagination.count, 0);

  // A cancelled order's record is CANCELLED; a shipped one would be SHIPPED.
  assert.equal((await w.srv.api(`/v1/orders/${orders[0].id}/cancel`, { key: true, method: 'POST' })).status, 200);
  r = await search(w.srv, { filters: [eq('status', 'CANCELLED')] });
  assert.deepEqual(numbers(r), [orders[0].number]);
  r = await search(w.srv, { filters: [eq('status', 'AWAITING_STOCK'), eq('sku', p)] });
  assert.deepEqual(numbers(r), [orders[1].number, orders[2].number]);
  r = await search(w.srv, { filters: [eq('isDelayConsented', false)] });
  assert.equal(r.json.pagination.count, 5);
  r = await search(w.srv, { filters: [eq('isDelayConsented', true)] });
  assert.deepEqual([r.json.pagination.count, r.json.data], [0, []]);
  await assertCheck(w.srv);
});

test('bad input is 422, an unknown id 404, no key 401; x-api-key works', async (t) => {
  const w = await world(t);
  const sku = await createSku(w.srv, { transit: [PO('RX1', '2026-12-15', 10)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 1 }]);
  const [rec] = await recordsOf(w.srv, o);

  const bad = [
    [{ filters: [eq('email', 'a@b.c')] }, /field must be one of sku, orderNumber, type, status, isDelayConsented/],
    [{ filters: [{ field: 'sku', condition: 'IN', value: sku }] }, /condition must be "EQ"/],
    [{ filters: [eq('type', 'PRE')] }, /PREORDER/],
    [{ filters: [eq('type', 1)] }, /PREORDER/],
    [{ filters: [eq('status', 'OPEN')] }, /AWAITING_STOCK/],
    [{ filters: [eq('isDelayConsented', 'true')] }, /true or false/],
    [{ filters: [eq('orderNumber', 'abc')] }, /order number/],
    [{ filters: [eq('sku', 'no spaces')] }, /SKU/],
    [{ filters: [eq('sku', sku), eq('sku', sku)] }, /twice/],
    [{ filters: [{ field: 'sku', condition: 'EQ', value: sku, extra: 1 }] }, /not a filter member/],
    [{ filters: ['sku'] }, /must be an object/],
    [{ filters: { field: 'sku' } }, /filters must be an array/],
    [{ limit: 0 }, /limit/], [{ limit: 101 }, /limit/], [{ limit: '10' }, /limit/],
    [{ offset: -1 }, /offset/], [{ sort: 'sku' }, /not a search member/], [[], /must be an object/],
  ];
  for (const [body, msg] of bad) {
    const r = await search(w.srv, body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assertError(r, 422, "VALIDATION_FAILED", msg);
  }
  for (const body of [{ consent: 'MAYBE' }, {}, { consent: 'ACCEPT', extra: true }, { consent: true }]) {
    const r = await w.srv.api(`/backorders-preorders/${rec.id}/actions/save-delay-consent`, { key: true, body });
    assertError(r, 422, 'VALIDATION_FAILED', /ACCEPT/);
  }

  assertError(await w.srv.api('/backorders-preorders/bo_unknown', { key: true }), 404, 'BACKORDER_NOT_FOUND');
  assertError(await saveConsent(w.srv, 'bo_unknown', 'ACCEPT'), 404, 'BACKORDER_NOT_FOUND');

  assertError(await w.srv.api('/backorders-preorders/search', { body: {} }), 401, 'UNAUTHORIZED');
  assertError(await w.srv.api(`/backorders-preorders/${rec.id}`), 401, 'UNAUTHORIZED');
  assertError(await w.srv.api(`/backorders-preorders/${rec.id}/actions/save-delay-consent`,
    { body: { consent: 'ACCEPT' } }), 401, 'UNAUTHORIZED');
  const r = await w.srv.api(`/backorders-preorders/${rec.id}`, { headers: { 'x-api-key': w.srv.key } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, rec.id);
  const s = await search(w.srv, { filters: [eq('sku', sku)] }, { key: undefined, headers: { 'x-api-key': w.srv.key } });
  assert.deepEqual(s.json.data.map((x) => x.id), [rec.id]);
});

test('sellahead migrate copies the records: the copy answers the same record', async (t) => {
  const src = await ownServer(t, { backend: 'sqlite', demo: false });
  assert.equal((await src.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } })).status, 201);
  const sku = await createSku(src, { onhand: 1, transit: [PO('RG1', '2026-12-15', 10)] });
  const o = await placeOrder(src, [{ sku, quantity: 4 }]);
  const [rec] = await recordsOf(src, o);
  // The target is SQLite, and PostgreSQL too when a test cluster is given.
  const targets = [path.join(src.dir, 'copy.db'), ...(PG_URL ? [await createPgDatabase()] : [])];
  for (const target of targets) {
    const m = await run(['migrate', '--from', src.db, '--to', target]);
    assert.equal(m.code, 0, m.stderr);
    const copy = await startServer({ db: target });
    try {
      const r = await copy.api(`/backorders-preorders/${rec.id}`, { key: src.key });
      assert.equal(r.status, 200, `${target}: ${r.text}`);
      assert.deepEqual(r.json, rec, target);
    } finally {
      await copy.stop();
      if (target !== targets[0]) await dropPgDatabase(target);
    }
  }
});
