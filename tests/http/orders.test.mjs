// SPEC 5.5: orders, shipments, payments. The shopper path end to end (place a mixed order,
// ship what is on hand, receive the purchase order, ship it, cancel the rest), access to an
// order, the capture policy, idempotency, and refusals that change nothing.
// Today is 2026-11-27 (harness). Demo: TSHIRT1 25 onhand + 100 on PO1001 (stock date
// 2026-12-15), price 2500; HOODIE2 50 on backorder ADV2 (no date), price 6500.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import {
  ADDRESS, assertCheck, cancel, createSku, getOrder, orderBody, orderIds, placeOrder,
  placeOrderRaw, position, putSettings, receive, ship, state, uniqueSku,
} from './lib/shop.mjs';

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

const IN_STOCK = { from: '2026-11-28', to: '2026-11-30', message: 'In stock. Delivery Nov 28–Nov 30' };
const PO_DEC15 = { from: '2026-12-17', to: '2026-12-20', message: 'Backorder: expected delivery Dec 17–Dec 20' };
const BACKORDER = { from: '2026-12-11', to: '2026-12-25', message: 'Backorder: expected delivery Dec 11–Dec 25' };

const pick = (p) => p && ({ quantity: p.quantity, allocatedQuantity: p.allocatedQuantity, available: p.available });

// One story on a server of its own, fresh from the demo (TSHIRT1/HOODIE2 as the demo leaves
// them): its steps build on each other, so they are subtests of one test, run in order.
test('the shopper path end to end (demo TSHIRT1 + HOODIE2)', async (t) => {
  const srv = await startServer({ demo: true });
  t.afterEach(() => assertCheck(srv));
  t.after(() => srv.stop());
  let order;
  let ready;
  let po;
  let adv;

  await t.test('a mixed order: 201 with three shipments, amounts, an authorization', async () => {
    assert.deepEqual(pick(await position(srv, 'TSHIRT1')), { quantity: 25, allocatedQuantity: 0, available: 25 });
    const r = await placeOrderRaw(srv, [{ sku: 'TSHIRT1', quantity: 30 }, { sku: 'HOODIE2', quantity: 2 }],
      { email: 'ada@example.com' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8$/);
    order = r.json;
    assert.match(order.id, /^ord_/);
    assert.equal(typeof order.number, 'string');
    assert.match(order.number, /^\d+$/);
    assert.equal(typeof order.accessToken, 'string');
    assert.ok(order.accessToken.length >= 16, 'an access token hard to guess');
    assert.equal(order.status, 'PLACED');
    assert.equal(order.email, 'ada@example.com');
    assert.equal(order.currency, 'USD');
    assert.equal(order.total, 30 * 2500 + 2 * 6500);
    assert.deepEqual(order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount })), [
      { sku: 'TSHIRT1', quantity: 30, unitPrice: 2500, amount: 75000 },
      { sku: 'HOODIE2', quantity: 2, unitPrice: 6500, amount: 13000 },
    ]);
    assert.equal(order.lines[0].name, 'Organic cotton T-shirt');
    assert.equal(order.shipments.length, 3);
    [ready, po, adv] = order.shipments;
    for (const s of order.shipments) assert.match(s.id, /^shp_/);
    assert.deepEqual({ ...ready, id: undefined, trackingNumber: undefined, shippedAt: undefined }, {
      id: undefined, status: 'READY', stockType: 'onhand', locationId: 'WH1',
      lines: [{ sku: 'TSHIRT1', quantity: 25 }], amount: 62500, promisedDelivery: IN_STOCK, expectedDelivery: IN_STOCK,
      trackingNumber: undefined, shippedAt: undefined, overdue: false, delay: null,
    });
    assert.deepEqual({ ...po, id: undefined, trackingNumber: undefined, shippedAt: undefined }, {
      id: undefined, status: 'AWAITING_STOCK', stockType: 'intransit', locationId: 'WH1',
      transitRef: 'PO1001', stockDate: '2026-12-15', lines: [{ sku: 'TSHIRT1', quantity: 5 }],
      amount: 12500, promisedDelivery: PO_DEC15, expectedDelivery: PO_DEC15, trackingNumber: undefined, shippedAt: undefined,
      overdue: false, delay: null,
    });
    assert.deepEqual({ ...adv, id: undefined, trackingNumber: undefined, shippedAt: undefined }, {
      id: undefined, status: 'AWAITING_STOCK', stockType: 'intransit', locationId: 'WH1',
      transitRef: 'ADV2', stockDate: null, lines: [{ sku: 'HOODIE2', quantity: 2 }],
      amount: 13000, promisedDelivery: BACKORDER, expectedDelivery: BACKORDER, trackingNumber: undefined, shippedAt: undefined,
      overdue: false, delay: null,
    });
    assert.equal(ready.amount + po.amount + adv.amount, order.total);
    assert.equal(order.payment.provider, 'test');
    assert.equal(order.payment.status, 'AUTHORIZED');
    assert.equal(order.payment.authorized, 88000);
    assert.equal(order.payment.captured, 0);

    // Allocated, not yet taken.
    assert.deepEqual(pick(await position(srv, 'TSHIRT1')), { quantity: 25, allocatedQuantity: 25, available: 0 });
    assert.deepEqual(pick(await position(srv, 'TSHIRT1', 'PO1001')), { quantity: 100, allocatedQuantity: 5, available: 95 });
    assert.deepEqual(pick(await position(srv, 'HOODIE2', 'ADV2')), { quantity: 50, allocatedQuantity: 2, available: 48 });
    const t = await srv.item('TSHIRT1');
    assert.equal(t.availableTotal, 95);
    assert.equal(t.status, 'IN_TRANSIT');

    // The stored order reads the same.
    const got = await getOrder(srv, order.id);
    assert.deepEqual(got.shipments, order.shipments);
    assert.deepEqual(got.payment, order.payment);
    assert.equal(got.accessToken, undefined, 'the token is shown once, at placement');
  });

  await t.test('an AWAITING_STOCK shipment cannot ship: 409, nothing changes', async () => {
    const before = await getOrder(srv, order.id);
    for (const s of [po, adv]) {
      const r = await ship(srv, s.id, 'TRK-NO');
      assertError(r, 409, 'CONFLICT');
    }
    assert.deepEqual(await getOrder(srv, order.id), before);
  });

  await t.test('shipping needs a key; an unknown shipment is 404', async () => {
    const r = await srv.api(`/v1/shipments/${ready.id}/ship`, { body: { trackingNumber: 'X' } });
    assert.equal(r.status, 401, r.text);
    const bad = await srv.api(`/v1/shipments/${ready.id}/ship`, { body: { trackingNumber: 'X' }, key: 'not-a-key' });
    assert.equal(bad.status, 401, bad.text);
    const unknown = await ship(srv, 'shp_doesnotexist0000000');
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal((await getOrder(srv, order.id)).shipments[0].status, 'READY');
  });

  await t.test('the READY shipment ships: captured = its amount, PARTIALLY_SHIPPED, onhand decremented', async () => {
    const r = await ship(srv, ready.id, '1Z999AA10123456784');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, ready.id);
    assert.equal(r.json.status, 'SHIPPED');
    assert.equal(r.json.trackingNumber, '1Z999AA10123456784');
    const o = await getOrder(srv, order.id);
    assert.equal(o.status, 'PARTIALLY_SHIPPED');
    assert.deepEqual(o.shipments.map((s) => s.status), ['SHIPPED', 'AWAITING_STOCK', 'AWAITING_STOCK']);
    assert.equal(o.shipments[0].trackingNumber, '1Z999AA10123456784');
    assert.equal(o.payment.captured, 62500);
    assert.equal(o.payment.authorized, 88000);
    assert.deepEqual(pick(await position(srv, 'TSHIRT1')), { quantity: 0, allocatedQuantity: 0, available: 0 });
    assert.deepEqual(pick(await position(srv, 'TSHIRT1', 'PO1001')), { quantity: 100, allocatedQuantity: 5, available: 95 });
  });

  await t.test('shipping twice: 409, nothing captured twice', async () => {
    const r = await ship(srv, ready.id, 'AGAIN');
    assertError(r, 409, 'CONFLICT');
    const o = await getOrder(srv, order.id);
    assert.equal(o.payment.captured, 62500);
    assert.equal(o.shipments[0].trackingNumber, '1Z999AA10123456784');
    assert.deepEqual(pick(await position(srv, 'TSHIRT1')), { quantity: 0, allocatedQuantity: 0, available: 0 });
  });

  await t.test('a receipt of 5 on PO1001 releases the waiting shipment; it ships and is charged', async () => {
    const r = await receive(srv, 'TSHIRT1', 'PO1001', 5);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { released: [po.id], surplus: 0 });
    assert.deepEqual(pick(await position(srv, 'TSHIRT1', 'PO1001')), { quantity: 95, allocatedQuantity: 0, available: 95 });
    assert.deepEqual(pick(await position(srv, 'TSHIRT1')), { quantity: 5, allocatedQuantity: 5, available: 0 });
    let o = await getOrder(srv, order.id);
    assert.deepEqual(o.shipments.map((s) => s.status), ['SHIPPED', 'READY', 'AWAITING_STOCK']);

    const s = await ship(srv, po.id, 'TRK-PO1001');
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.status, 'SHIPPED');
    o = await getOrder(srv, order.id);
    assert.equal(o.status, 'PARTIALLY_SHIPPED');
    assert.equal(o.payment.captured, 62500 + 12500);
    assert.deepEqual(pick(await position(srv, 'TSHIRT1')), { quantity: 0, allocatedQuantity: 0, available: 0 });
  });

  await t.test('cancel the rest: CANCELLED shipment, allocation released, amount voided', async () => {
    const before = await srv.item('HOODIE2');
    assert.equal(before.availableTotal, 48);
    const r = await cancel(srv, order.id);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, order.id);
    assert.deepEqual(r.json.shipments.map((s) => s.status), ['SHIPPED', 'SHIPPED', 'CANCELLED']);
    assert.notEqual(r.json.status, 'CANCELLED', 'part of it shipped');
    assert.equal(r.json.payment.captured, 75000);
    assert.equal(r.json.payment.voided, 13000);
    const o = await getOrder(srv, order.id);
    assert.deepEqual(o.shipments.map((s) => s.status), ['SHIPPED', 'SHIPPED', 'CANCELLED']);
    assert.equal(o.payment.voided, 13000);
    assert.equal(o.payment.captured, 75000);
    assert.deepEqual(pick(await position(srv, 'HOODIE2', 'ADV2')), { quantity: 50, allocatedQuantity: 0, available: 50 });
    assert.equal((await srv.item('HOODIE2')).availableTotal, 50, 'availability restored');
  });

  await t.test('cancelling again (nothing left to cancel): 409', async () => {
    const r = await cancel(srv, order.id);
    assertError(r, 409, 'CONFLICT');
    const o = await getOrder(srv, order.id);
    assert.equal(o.payment.captured, 75000);
    assert.equal(o.payment.voided, 13000);
  });
});

describe('cancellation', () => {
  test('cancelling a fully shipped order: 409, nothing changes', async () => {
    const sku = await createSku(srv, { onhand: 5, price: 700 });
    const o = await placeOrder(srv, [{ sku, quantity: 2 }]);
    assert.equal((await ship(srv, o.shipments[0].id, 'T1')).status, 200);
    const shipped = await getOrder(srv, o.id);
    assert.equal(shipped.status, 'SHIPPED');
    assert.equal(shipped.payment.captured, 1400);
    const r = await cancel(srv, o.id);
    assertError(r, 409, 'CONFLICT');
    assert.deepEqual(await getOrder(srv, o.id), shipped);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 3, allocatedQuantity: 0, available: 3 });
  });

  test('cancelling an order nothing of which shipped: CANCELLED, all released, all voided', async () => {
    const sku = await createSku(srv, {
      onhand: 2, price: 1000, transit: [{ ref: 'PO9', quantity: 3, stockDate: '2026-12-15' }, { ref: 'ADV9', quantity: 4 }],
    });
    const before = await srv.item(sku);
    const o = await placeOrder(srv, [{ sku, quantity: 8 }]);
    assert.deepEqual(o.shipments.map((s) => [s.status, s.transitRef ?? null]),
      [['READY', null], ['AWAITING_STOCK', 'PO9'], ['AWAITING_STOCK', 'ADV9']]);
    assert.equal((await srv.item(sku)).availableTotal, 1);
    const r = await cancel(srv, o.id);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'CANCELLED');
    assert.deepEqual(r.json.shipments.map((s) => s.status), ['CANCELLED', 'CANCELLED', 'CANCELLED']);
    assert.equal(r.json.payment.captured, 0);
    assert.equal(r.json.payment.voided, 8000);
    assert.deepEqual(await srv.item(sku), before, 'every position as before the order');
    // A cancelled shipment cannot ship.
    const s = await ship(srv, o.shipments[0].id);
    assertError(s, 409, 'CONFLICT');
  });

  test('the shopper cancels with the token; without token or key: 401', async () => {
    const sku = await createSku(srv, { onhand: 4 });
    const o = await placeOrder(srv, [{ sku, quantity: 4 }]);
    const none = await srv.api(`/v1/orders/${o.id}/cancel`, { method: 'POST' });
    assert.equal(none.status, 401, none.text);
    const wrong = await srv.api(`/v1/orders/${o.id}/cancel?token=${'0'.repeat(o.accessToken.length)}`, { method: 'POST' });
    assert.equal(wrong.status, 404, wrong.text);
    assert.equal((await getOrder(srv, o.id)).status, 'PLACED');
    const r = await srv.api(`/v1/orders/${o.id}/cancel?token=${encodeURIComponent(o.accessToken)}`, { method: 'POST' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'CANCELLED');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 4, allocatedQuantity: 0, available: 4 });
  });
});

describe('reading orders', () => {
  let o;
  before(async () => {
    const sku = await createSku(srv, { onhand: 10 });
    o = await placeOrder(srv, [{ sku, quantity: 1 }]);
  });

  test('GET /v1/orders/{id}?token= (shopper) works', async () => {
    const r = await srv.api(`/v1/orders/${o.id}?token=${encodeURIComponent(o.accessToken)}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, o.id);
    assert.equal(r.json.number, o.number);
    assert.deepEqual(r.json.shipments, o.shipments);
  });

  test('wrong token: 404; no token: 401; a key: 200', async () => {
    const wrong = await srv.api(`/v1/orders/${o.id}?token=${'f'.repeat(o.accessToken.length)}`);
    assertError(wrong, 404, 'ORDER_NOT_FOUND');
    assert.doesNotMatch(wrong.text, new RegExp(o.number + '|' + o.email));
    const other = await srv.api(`/v1/orders/${o.id}?token=short`);
    assert.equal(other.status, 404, other.text);
    const none = await srv.api(`/v1/orders/${o.id}`);
    assert.equal(none.status, 401, none.text);
    const badKey = await srv.api(`/v1/orders/${o.id}`, { key: 'nope' });
    assert.equal(badKey.status, 401, badKey.text);
    const withKey = await srv.api(`/v1/orders/${o.id}`, { key: true });
    assert.equal(withKey.status, 200, withKey.text);
    assert.equal(withKey.json.id, o.id);
  });

  test('an unknown order: 404 with a key, 404 with a token', async () => {
    assert.equal((await srv.api('/v1/orders/ord_doesnotexist000000', { key: true })).status, 404);
    assert.equal((await srv.api(`/v1/orders/ord_doesnotexist000000?token=${o.accessToken}`)).status, 404);
  });

  test('GET /v1/orders needs a key and lists the orders', async () => {
    const none = await srv.api('/v1/orders');
    assertError(none, 401, 'UNAUTHORIZED');
    const r = await srv.api('/v1/orders', { key: true });
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.json.items));
    assert.ok(r.json.items.some((x) => x.id === o.id));
    assert.ok(r.json.items.every((x) => x.accessToken === undefined), 'no tokens in the list');
  });

  test('order numbers are distinct', async () => {
    const sku = await createSku(srv, { onhand: 10 });
    const a = await placeOrder(srv, [{ sku, quantity: 1 }]);
    const b = await placeOrder(srv, [{ sku, quantity: 1 }]);
    assert.notEqual(a.number, b.number);
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.accessToken, b.accessToken);
  });
});

describe('placing from a cart, idempotency', () => {
  test('an order by cartId takes the cart lines; the cart is emptied afterwards', async () => {
    const sku = await createSku(srv, { onhand: 3, price: 1100, transit: [{ ref: 'PO3', quantity: 10, stockDate: '2026-12-15' }] });
    const c = await srv.api('/v1/carts', { method: 'POST' });
    assert.equal(c.status, 201);
    const cartId = c.json.id;
    assert.equal((await srv.api(`/v1/carts/${cartId}/items`, { body: { sku, quantity: 5 } })).status, 200);
    assert.equal((await srv.api(`/v1/carts/${cartId}/items`, { body: { sku: 'MUG3', quantity: 1 } })).status, 200);
    const cart = (await srv.api(`/v1/carts/${cartId}`)).json;
    const o = await placeOrder(srv, { cartId });
    assert.deepEqual(o.lines.map((l) => [l.sku, l.quantity]).sort(), [['MUG3', 1], [sku, 5]].sort());
    assert.equal(o.total, cart.totals.subtotal);
    assert.deepEqual(o.shipments.map((s) => [s.status, s.amount]),
      cart.shipments.map((s) => [s.shipsNow ? 'READY' : 'AWAITING_STOCK', s.amount]));
    const after = await srv.api(`/v1/carts/${cartId}`);
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.json.lines, [], 'the cart is emptied');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 3, allocatedQuantity: 3, available: 0 });
    assert.deepEqual(pick(await position(srv, sku, 'PO3')), { quantity: 10, allocatedQuantity: 2, available: 8 });
    // The emptied cart cannot be ordered again.
    const before = await state(srv, [sku]);
    const again = await placeOrderRaw(srv, { cartId });
    assertError(again, 422, 'VALIDATION_FAILED', /empty/);
    assert.deepEqual(await state(srv, [sku]), before);
  });

  test('Idempotency-Key: a retry returns the same order and allocates once', async () => {
    const sku = await createSku(srv, { onhand: 10 });
    const key = `idem-${uniqueSku('K')}`;
    const headers = { 'Idempotency-Key': key };
    const first = await placeOrderRaw(srv, [{ sku, quantity: 3 }], { headers });
    assert.equal(first.status, 201, first.text);
    const snap = await state(srv, [sku]);
    const retry = await placeOrderRaw(srv, [{ sku, quantity: 3 }], { headers });
    assert.equal(retry.status, 201, 'the first answer again: ' + retry.text);
    assert.equal(retry.json.id, first.json.id);
    assert.equal(retry.json.number, first.json.number);
    assert.deepEqual(await state(srv, [sku]), snap, 'nothing allocated, ordered or queued twice');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 10, allocatedQuantity: 3, available: 7 });
    // Another key is another order.
    const other = await placeOrderRaw(srv, [{ sku, quantity: 3 }], { headers: { 'Idempotency-Key': `${key}x` } });
    assert.equal(other.status, 201, other.text);
    assert.notEqual(other.json.id, first.json.id);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 10, allocatedQuantity: 6, available: 4 });
  });

  test('Idempotency-Key: simultaneous retries still make one order', async () => {
    const sku = await createSku(srv, { onhand: 50 });
    const headers = { 'Idempotency-Key': `idem-${uniqueSku('C')}` };
    const rs = await Promise.all(Array.from({ length: 8 }, () => placeOrderRaw(srv, [{ sku, quantity: 2 }], { headers })));
    for (const r of rs) assert.equal(r.status, 201, r.text);
    assert.equal(new Set(rs.map((r) => r.json.id)).size, 1, 'one order id for all');
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 50, allocatedQuantity: 2, available: 48 });
  });
});

describe('refusals keep the cart and the key', () => {
  test('a cart asking for more than is now available: 409, cart kept, nothing changed', async () => {
    const sku = await createSku(srv, { onhand: 4 });
    const c = (await srv.api('/v1/carts', { method: 'POST' })).json.id;
    assert.equal((await srv.api(`/v1/carts/${c}/items`, { body: { sku, quantity: 4 } })).status, 200);
    await placeOrder(srv, [{ sku, quantity: 1 }]); // someone else takes one
    const cartBefore = (await srv.api(`/v1/carts/${c}`)).json;
    const before = await state(srv, [sku]);
    const r = await placeOrderRaw(srv, { cartId: c });
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(r.json.error.details, [{ sku, requested: 4, availableTotal: 3 }]);
    assert.deepEqual(await state(srv, [sku]), before);
    assert.deepEqual((await srv.api(`/v1/carts/${c}`)).json, cartBefore, 'the cart is kept');
  });

  test('a declined payment on a cart order: 402, cart kept', async () => {
    const sku = await createSku(srv, { onhand: 4 });
    const c = (await srv.api('/v1/carts', { method: 'POST' })).json.id;
    assert.equal((await srv.api(`/v1/carts/${c}/items`, { body: { sku, quantity: 2 } })).status, 200);
    const before = await state(srv, [sku]);
    const r = await placeOrderRaw(srv, { cartId: c }, { token: 'tok_declined' });
    assertError(r, 402, 'PAYMENT_DECLINED');
    assert.deepEqual(await state(srv, [sku]), before);
    assert.deepEqual((await srv.api(`/v1/carts/${c}`)).json.lines.map((l) => [l.sku, l.quantity]), [[sku, 2]]);
  });

  test('the same SKU on two item lines cannot take more than is available', async () => {
    const sku = await createSku(srv, { onhand: 5 });
    const before = await state(srv, [sku]);
    const r = await placeOrderRaw(srv, [{ sku, quantity: 3 }, { sku, quantity: 3 }]);
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(await state(srv, [sku]), before);
    const ok = await placeOrderRaw(srv, [{ sku, quantity: 2 }, { sku, quantity: 3 }]);
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.total, 5 * 1000);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 5, allocatedQuantity: 5, available: 0 });
  });

  test('a refused attempt does not use up the Idempotency-Key', async () => {
    const sku = await createSku(srv, { onhand: 5 });
    const headers = { 'Idempotency-Key': `idem-${uniqueSku('R')}` };
    const declined = await placeOrderRaw(srv, [{ sku, quantity: 1 }], { headers, token: 'tok_declined' });
    assertError(declined, 402, 'PAYMENT_DECLINED');
    const ok = await placeOrderRaw(srv, [{ sku, quantity: 1 }], { headers });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(pick(await position(srv, sku)), { quantity: 5, allocatedQuantity: 1, available: 4 });
  });
});

describe('capture policy', () => {
  test('captureOn=order: the total is captured at placement; shipping captures nothing more', async () => {
    const sku = await createSku(srv, { onhand: 2, price: 1500, transit: [{ ref: 'PO4', quantity: 5, stockDate: '2026-12-15' }] });
    await putSettings(srv, { captureOn: 'order' });
    let o;
    try {
      o = await placeOrder(srv, [{ sku, quantity: 4 }]);
    } finally {
      await putSettings(srv, { captureOn: 'shipment' });
    }
    assert.equal(o.total, 6000);
    assert.equal(o.payment.authorized, 6000);
    assert.equal(o.payment.captured, 6000, 'captured at placement');
    const s = await ship(srv, o.shipments[0].id, 'T-ORDER');
    assert.equal(s.status, 200, s.text);
    let got = await getOrder(srv, o.id);
    assert.equal(got.payment.captured, 6000, 'shipping captures nothing more');
    assert.equal((await receive(srv, sku, 'PO4', 2)).status, 200);
    assert.equal((await ship(srv, o.shipments[1].id, 'T-ORDER-2')).status, 200);
    got = await getOrder(srv, o.id);
    assert.equal(got.status, 'SHIPPED');
    assert.equal(got.payment.captured, 6000);
  });

  test('captureOn=shipment (default): each shipment is captured as it ships', async () => {
    const sku = await createSku(srv, { onhand: 2, price: 1500, transit: [{ ref: 'PO4', quantity: 5, stockDate: '2026-12-15' }] });
    const o = await placeOrder(srv, [{ sku, quantity: 4 }]);
    assert.equal(o.payment.captured, 0);
    assert.equal((await ship(srv, o.shipments[0].id)).status, 200);
    assert.equal((await getOrder(srv, o.id)).payment.captured, 3000);
    assert.equal((await receive(srv, sku, 'PO4', 2)).status, 200);
    assert.equal((await ship(srv, o.shipments[1].id)).status, 200);
    const got = await getOrder(srv, o.id);
    assert.equal(got.payment.captured, 6000);
    assert.equal(got.status, 'SHIPPED');
  });
});

describe('refusals change nothing', () => {
  test('tok_declined: 402 PAYMENT_DECLINED, positions/orders/outbox identical', async () => {
    const sku = await createSku(srv, { onhand: 5, transit: [{ ref: 'PO6', quantity: 5, stockDate: '2026-12-15' }] });
    const before = await state(srv, [sku, 'TSHIRT1']);
    const r = await placeOrderRaw(srv, [{ sku, quantity: 7 }], { token: 'tok_declined' });
    assertError(r, 402, 'PAYMENT_DECLINED');
    assert.deepEqual(await state(srv, [sku, 'TSHIRT1']), before);
  });

  test('more than available: 409 INSUFFICIENT_INVENTORY with details, nothing changed', async () => {
    const a = await createSku(srv, { onhand: 5 });
    const b = await createSku(srv, { onhand: 1, transit: [{ ref: 'ADV1', quantity: 1 }] });
    const before = await state(srv, [a, b]);
    const r = await placeOrderRaw(srv, [{ sku: a, quantity: 3 }, { sku: b, quantity: 3 }]);
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(r.json.error.details, [{ sku: b, requested: 3, availableTotal: 2 }]);
    assert.deepEqual(await state(srv, [a, b]), before, 'the line that fit was not allocated either');
    const one = await placeOrderRaw(srv, [{ sku: a, quantity: 6 }]);
    assertError(one, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(one.json.error.details, [{ sku: a, requested: 6, availableTotal: 5 }]);
    assert.deepEqual(await state(srv, [a, b]), before);
  });

  const good = () => orderBody([{ sku: 'MUG3', quantity: 1 }]);
  const without = (obj, k) => {
    const c = { ...obj };
    delete c[k];
    return c;
  };
  const cases = [
    ['unknown SKU', () => orderBody([{ sku: 'NOSUCHSKU999', quantity: 1 }]), 404, 'SKU_NOT_FOUND'],
    ['quantity 0', () => orderBody([{ sku: 'MUG3', quantity: 0 }]), 422, 'VALIDATION_FAILED'],
    ['negative quantity', () => orderBody([{ sku: 'MUG3', quantity: -2 }]), 422, 'VALIDATION_FAILED'],
    ['absurd quantity (10^9)', () => orderBody([{ sku: 'MUG3', quantity: 1e9 }]), 422, 'VALIDATION_FAILED'],
    ['quantity as a string', () => orderBody([{ sku: 'MUG3', quantity: '1' }]), 422, 'VALIDATION_FAILED'],
    ['empty items', () => orderBody([]), 422, 'VALIDATION_FAILED'],
    ['missing email', () => without(good(), 'email'), 422, 'VALIDATION_FAILED'],
    ['empty email', () => ({ ...good(), email: '' }), 422, 'VALIDATION_FAILED'],
    ['malformed email', () => ({ ...good(), email: 'not-an-email' }), 422, 'VALIDATION_FAILED'],
    ['email with two @', () => ({ ...good(), email: 'a@b@example.com' }), 422, 'VALIDATION_FAILED'],
    ['missing shippingAddress', () => without(good(), 'shippingAddress'), 422, 'VALIDATION_FAILED'],
    ['address without line1', () => ({ ...good(), shippingAddress: without(ADDRESS, 'line1') }), 422, 'VALIDATION_FAILED'],
    ['address without name', () => ({ ...good(), shippingAddress: without(ADDRESS, 'name') }), 422, 'VALIDATION_FAILED'],
    ['address with empty city', () => ({ ...good(), shippingAddress: { ...ADDRESS, city: '' } }), 422, 'VALIDATION_FAILED'],
    ['address without postalCode', () => ({ ...good(), shippingAddress: without(ADDRESS, 'postalCode') }), 422, 'VALIDATION_FAILED'],
    ['address without country', () => ({ ...good(), shippingAddress: without(ADDRESS, 'country') }), 422, 'VALIDATION_FAILED'],
    ['missing payment', () => without(good(), 'payment'), 422, 'VALIDATION_FAILED'],
    ['unknown payment token', () => ({ ...good(), payment: { token: 'tok_bogus' } }), 422, 'VALIDATION_FAILED'],
    ['unknown cart', () => orderBody({ cartId: 'cart_doesnotexist00000' }), 404, 'CART_NOT_FOUND'],
    ['both cartId and items', () => ({ ...good(), cartId: 'cart_doesnotexist00000' }), 422, 'VALIDATION_FAILED'],
    ['neither cartId nor items', () => without(good(), 'items'), 422, 'VALIDATION_FAILED'],
    ['body not an object', () => [good()], 422, 'VALIDATION_FAILED'],
  ];
  for (const [name, body, status, code] of cases) {
    test(`${name}: ${status} ${code}, nothing changed`, async () => {
      const before = await state(srv, ['MUG3']);
      const r = await srv.api('/v1/orders', { body: body() });
      assertError(r, status, code);
      assert.deepEqual(await state(srv, ['MUG3']), before);
    });
  }

  test('malformed JSON: 400, nothing changed', async () => {
    const before = await state(srv, ['MUG3']);
    const r = await srv.api('/v1/orders', {
      body: '{"items": [{"sku": "MUG3", "quantity": 1}', headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(await state(srv, ['MUG3']), before);
  });

  test('the good body works (the cases above fail for their reason only)', async () => {
    const ids = await orderIds(srv);
    const r = await srv.api('/v1/orders', { body: good() });
    assert.equal(r.status, 201, r.text);
    assert.equal((await orderIds(srv)).length, ids.length + 1);
  });
});
