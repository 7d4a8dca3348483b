// Adversarial checks of PostgreSQL placement in one statement (arrays of rows, SPEC 5.5):
// text that an array literal must quote, the most lines and shipments an order may have,
// idempotent replays; the same on SQLite.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startServer } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, placeOrder, placeOrderRaw, uniqueSku } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

// Product names an array literal must quote or escape (SPEC 5.5 lines keep their names).
const NAMES = [
  'plain', 'NULL', 'null', '"', '\\', '\\"', '{}', '{a,b}', 'a,b', '"NULL"', 'x"y',
  'back\\slash', 'ümlaut ☃ 日本 🎉', "it's", '{"NULL"}', '\\N',
];

test('product names and address fields an array literal must quote round-trip', async () => {
  const items = [];
  for (const name of NAMES) {
    const sku = await createSku(srv, { name, onhand: 5, price: 700 });
    items.push({ sku, quantity: 1, name });
  }
  for (const value of ['NULL', '{x,"y"}', 'a\\b"c', 'ümlaut ☃ 🎉', 'a,b']) {
    const address = { name: value, line1: value, line2: value, city: value,
      postalCode: '12345', country: 'US' };
    const o = await placeOrder(srv, items.map(({ sku, quantity }) => ({ sku, quantity })),
      { address });
    const got = await getOrder(srv, o.id);
    for (const doc of [o, got]) {
      assert.deepEqual(doc.lines.map((l) => l.name).sort(), NAMES.slice().sort());
      const a = doc.shippingAddress;
      assert.deepEqual([a.name, a.line1, a.line2, a.city], [value, value, value, value]);
      assert.equal(doc.total, 700 * NAMES.length);
    }
  }
  await assertCheck(srv);
});

test('an order of 100 lines on 100 transit positions: 100 shipments, all read back', async () => {
  const items = [];
  for (let i = 0; i < 100; i++) {
    const sku = await createSku(srv, { name: `Line "${i}", {${i}}`, price: 100 + i,
      transit: [{ ref: `PO${i}`, quantity: 3, stockDate: `2026-12-${String(1 + (i % 28)).padStart(2, '0')}` }] });
    items.push({ sku, quantity: 2 });
  }
  const o = await placeOrder(srv, items);
  assert.equal(o.lines.length, 100);
  assert.equal(o.shipments.length, 100);
  const got = await getOrder(srv, o.id);
  assert.equal(got.shipments.length, 100);
  assert.deepEqual(got.shipments.map((s) => s.id).sort(), o.shipments.map((s) => s.id).sort());
  assert.equal(got.total, items.reduce((t, _, i) => t + 2 * (100 + i), 0));
  for (const s of got.shipments) {
    assert.equal(s.lines.length, 1);
    assert.equal(s.lines[0].quantity, 2);
    assert.equal(s.status, 'AWAITING_STOCK');
  }
  await assertCheck(srv);
});

test('an Idempotency-Key replay returns the first order and allocates once', async () => {
  const sku = await createSku(srv, { name: 'Replay "me"', onhand: 3 });
  const headers = { 'idempotency-key': `k-${uniqueSku()}` };
  const first = await placeOrderRaw(srv, [{ sku, quantity: 2 }], { headers });
  assert.equal(first.status, 201, first.text);
  const replays = await Promise.all([1, 2, 3].map(() =>
    placeOrderRaw(srv, [{ sku, quantity: 2 }], { headers })));
  for (const r of replays) {
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.id, first.json.id);
  }
  const doc = await srv.item(sku);
  assert.equal(doc.positions[0].allocatedQuantity, 2);
  const other = await placeOrderRaw(srv, [{ sku, quantity: 2 }]);
  assert.equal(other.status, 409, other.text);
  assert.equal(other.json.error.code, 'INSUFFICIENT_INVENTORY');
  await assertCheck(srv);
});
