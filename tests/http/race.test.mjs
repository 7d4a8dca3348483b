// SPEC 5.5: "Concurrent orders never allocate more than available." Many clients race for
// the last units at once; exactly as many orders as there are units succeed, the rest get
// 409 INSUFFICIENT_INVENTORY, and the invariants hold (sellahead check).
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';

import { startServer } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, orderBody, outbox, position } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
afterEach(async () => {
  await assertCheck(srv);
});
after(async () => {
  await srv?.stop();
});

/** n clients at once, each ordering `quantity` of sku; resolves the answers. */
async function race(sku, n, quantity = 1) {
  const go = () => fetch(`${srv.url}/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(orderBody([{ sku, quantity }], { email: 'racer@example.com' })),
  }).then(async (r) => ({ status: r.status, json: await r.json().catch(() => null) }));
  return Promise.all(Array.from({ length: n }, go));
}

function tally(results) {
  const t = {};
  for (const r of results) t[r.status] = (t[r.status] ?? 0) + 1;
  return t;
}

async function assertOutcome(sku, results, { units, quantity = 1 }) {
  const wins = results.filter((r) => r.status === 201);
  const losses = results.filter((r) => r.status === 409);
  assert.equal(wins.length, units / quantity, `exactly the units on offer: ${JSON.stringify(tally(results))}`);
  assert.equal(losses.length, results.length - wins.length, `the rest 409: ${JSON.stringify(tally(results))}`);
  for (const l of losses) {
    assert.equal(l.json?.error?.code, 'INSUFFICIENT_INVENTORY', JSON.stringify(l.json));
    assert.equal(l.json.error.details[0].sku, sku);
    assert.equal(l.json.error.details[0].requested, quantity);
  }
  assert.equal(new Set(wins.map((w) => w.json.id)).size, wins.length, 'distinct orders');
  assert.equal(new Set(wins.map((w) => w.json.number)).size, wins.length, 'distinct order numbers');
  const doc = await srv.item(sku);
  assert.equal(doc.availableTotal, 0);
  const allocated = doc.positions.reduce((s, p) => s + p.allocatedQuantity, 0);
  assert.equal(allocated, units, 'allocatedQuantity over all positions');
  for (const p of doc.positions) {
    assert.ok(p.allocatedQuantity <= p.quantity - p.reservedQuantity, `never more than the position holds: ${JSON.stringify(p)}`);
    assert.equal(p.available, 0);
    assert.equal(p.oversold, false);
  }
  // The stored orders agree with the answers.
  let units2 = 0;
  for (const w of wins) {
    const o = await getOrder(srv, w.json.id);
    for (const s of o.shipments) for (const l of s.lines) units2 += l.quantity;
  }
  assert.equal(units2, units);
  // One confirmation per order, none for the refused.
  const mails = (await outbox(srv)).filter((m) => m.kind === 'order_confirmation');
  for (const w of wins) assert.equal(mails.filter((m) => m.orderId === w.json.id).length, 1);
  return doc;
}

test('40 clients race for the last 10 onhand units: 10 × 201, 30 × 409', async () => {
  const sku = await createSku(srv, { onhand: 10 });
  const results = await race(sku, 40);
  await assertOutcome(sku, results, { units: 10 });
  const p = await position(srv, sku);
  assert.equal(p.allocatedQuantity, 10);
  assert.equal(p.available, 0);
  for (const r of results.filter((x) => x.status === 201)) {
    assert.deepEqual(r.json.shipments.map((s) => s.status), ['READY']);
  }
});

test('48 clients race for 4 onhand + 3 on a PO + 3 on backorder: 10 × 201, 38 × 409', async () => {
  const sku = await createSku(srv, {
    onhand: 4,
    transit: [
      { ref: 'PORACE', quantity: 3, stockDate: '2026-12-15' },
      { ref: 'ADVRACE', quantity: 3 },
    ],
  });
  const results = await race(sku, 48);
  const doc = await assertOutcome(sku, results, { units: 10 });
  const byType = Object.fromEntries(doc.positions.map((p) => [p.transitRef ?? 'onhand', p.allocatedQuantity]));
  assert.deepEqual(byType, { onhand: 4, PORACE: 3, ADVRACE: 3 });
  const statuses = results.filter((r) => r.status === 201).map((r) => r.json.shipments[0].status).sort();
  assert.deepEqual(statuses, [...Array(6).fill('AWAITING_STOCK'), ...Array(4).fill('READY')]);
});

test('36 clients ordering 3 each race for 30 units (onhand + transit): 10 × 201', async () => {
  const sku = await createSku(srv, { onhand: 14, transit: [{ ref: 'PO3RACE', quantity: 16, stockDate: '2026-12-15' }] });
  const results = await race(sku, 36, 3);
  await assertOutcome(sku, results, { units: 30, quantity: 3 });
});

test('20 simultaneous ship requests for one shipment: one 200, the rest 409, captured once', async () => {
  const sku = await createSku(srv, { onhand: 5, price: 900 });
  const o = (await race(sku, 1, 2))[0].json;
  const id = o.shipments[0].id;
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => srv.api(`/v1/shipments/${id}/ship`, {
    key: true, body: { trackingNumber: `T${i}` },
  })));
  assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(tally(results)));
  assert.equal(results.filter((r) => r.status === 409).length, 19, JSON.stringify(tally(results)));
  const got = await getOrder(srv, o.id);
  assert.equal(got.payment.captured, 1800);
  assert.equal(got.status, 'SHIPPED');
  const p = await position(srv, sku);
  assert.equal(p.quantity, 3);
  assert.equal(p.allocatedQuantity, 0);
  const shipped = (await outbox(srv)).filter((m) => m.kind === 'shipment_shipped' && m.orderId === o.id);
  assert.equal(shipped.length, 1, 'one shipped email');
});

test('16 simultaneous cancels of one order: one 200, the rest 409, released once', async () => {
  const sku = await createSku(srv, { onhand: 5, transit: [{ ref: 'POC', quantity: 5, stockDate: '2026-12-15' }] });
  const o = (await race(sku, 1, 7))[0].json;
  const results = await Promise.all(Array.from({ length: 16 }, () => srv.api(`/v1/orders/${o.id}/cancel`, {
    key: true, method: 'POST',
  })));
  assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(tally(results)));
  assert.equal(results.filter((r) => r.status === 409).length, 15, JSON.stringify(tally(results)));
  const doc = await srv.item(sku);
  assert.equal(doc.availableTotal, 10);
  assert.deepEqual(doc.positions.map((p) => p.allocatedQuantity), [0, 0]);
  const got = await getOrder(srv, o.id);
  assert.equal(got.status, 'CANCELLED');
  assert.equal(got.payment.voided, got.total);
});

test('orders, receipts, ships and cancels all at once: the invariants hold', async () => {
  const sku = await createSku(srv, {
    onhand: 6,
    transit: [
      { ref: 'POMIX1', quantity: 20, stockDate: '2026-12-10' },
      { ref: 'POMIX2', quantity: 20, stockDate: '2026-12-20' },
    ],
  });
  // Some orders already waiting, so receipts and cancels have something to work on.
  const first = await race(sku, 10, 2);
  assert.equal(first.filter((r) => r.status === 201).length, 10, JSON.stringify(tally(first)));
  const orders = first.map((r) => r.json);
  const ops = [
    ...Array.from({ length: 20 }, () => fetch(`${srv.url}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderBody([{ sku, quantity: 2 }])),
    }).then((r) => ({ op: 'order', status: r.status }))),
    ...[3, 4, 5, 6].map((q) => srv.api('/v1/inventory/receipts', {
      key: true, body: { sku, locationId: 'WH1', transitRef: 'POMIX1', quantity: q },
    }).then((r) => ({ op: 'receipt', status: r.status }))),
    ...orders.slice(0, 3).map((o) => srv.api(`/v1/shipments/${o.shipments[0].id}/ship`, {
      key: true, body: { trackingNumber: 'MIX' },
    }).then((r) => ({ op: 'ship', status: r.status }))),
    ...orders.slice(5, 9).map((o) => srv.api(`/v1/orders/${o.id}/cancel`, { key: true, method: 'POST' })
      .then((r) => ({ op: 'cancel', status: r.status }))),
  ];
  const results = await Promise.all(ops);
  for (const r of results) {
    assert.ok(r.status < 500, `no server error: ${JSON.stringify(r)}`);
  }
  for (const r of results.filter((x) => x.op !== 'order' && x.op !== 'ship')) {
    assert.equal(r.status, 200, JSON.stringify(r));
  }
  for (const r of results.filter((x) => x.op === 'order')) assert.ok([201, 409].includes(r.status), JSON.stringify(r));
  const doc = await srv.item(sku);
  for (const p of doc.positions) {
    assert.ok(p.quantity >= 0 && p.allocatedQuantity >= 0, JSON.stringify(p));
    assert.ok(p.allocatedQuantity <= p.quantity - p.reservedQuantity, `not oversold: ${JSON.stringify(p)}`);
  }
  // Every unit is accounted for: 46 at the start = on positions + shipped.
  let shipped = 0;
  for (const id of (await srv.api('/v1/orders?limit=200', { key: true })).json.items.map((o) => o.id)) {
    const o = await getOrder(srv, id);
    for (const s of o.shipments) if (s.status === 'SHIPPED') for (const l of s.lines) if (l.sku === sku) shipped += l.quantity;
  }
  const onPositions = doc.positions.reduce((s, p) => s + p.quantity, 0);
  assert.equal(onPositions + shipped, 46);
});
