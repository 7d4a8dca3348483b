// SPEC 5.5: POST /v1/shipments/{id}/cancel (key or the order's token) cancels one shipment
// that has not shipped: its allocation is released (and re-planned: freed units serve who
// waits, 5.7 rule 4), the amount left to capture drops, the authorization is voided once
// nothing remains, a charged-ahead amount is refunded, and a shipment_cancelled email goes out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import {
  assertCheck, createSku, getOrder, outbox, ownServer, placeOrder, position, putSettings, ship,
} from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

const cancelShipment = (s, id, { token, key = true } = {}) =>
  s.api(`/v1/shipments/${id}/cancel${token ? `?token=${token}` : ''}`, { key: token ? undefined : key, body: {} });

async function mixedOrder(s = srv) {
  const sku = await createSku(s, { price: 1000, onhand: 2, transit: [{ ref: 'PX1', quantity: 10, stockDate: '2026-12-15' }] });
  const o = await placeOrder(s, [{ sku, quantity: 5 }]);
  const ready = o.shipments.find((x) => x.status === 'READY');
  const waiting = o.shipments.find((x) => x.status === 'AWAITING_STOCK');
  return { sku, o, ready, waiting };
}

describe('cancel one shipment', () => {
  test('with a key: only that shipment, its units freed, nothing voided while another waits to be charged', async () => {
    const { sku, o, ready, waiting } = await mixedOrder();
    const r = await cancelShipment(srv, waiting.id);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, o.id);
    assert.deepEqual(r.json.shipments.map((x) => [x.id, x.status]), [[ready.id, 'READY'], [waiting.id, 'CANCELLED']]);
    assert.equal(r.json.status, 'PLACED');
    assert.deepEqual([r.json.payment.authorized, r.json.payment.captured, r.json.payment.voided], [5000, 0, 0]);
    assert.equal((await position(srv, sku, 'PX1')).allocatedQuantity, 0);
    const mail = (await outbox(srv)).filter((m) => m.kind === 'shipment_cancelled');
    assert.deepEqual(mail.map((m) => m.subject), [`Order ${o.number}: a shipment was cancelled`]);
    await assertCheck(srv);

    // The last open shipment: once it ships, nothing is left and nothing was voided twice.
    assert.equal((await ship(srv, ready.id)).status, 200);
    const done = await getOrder(srv, o.id);
    assert.equal(done.status, 'SHIPPED');
    assert.equal(done.payment.captured, 2000);
    await assertCheck(srv);
  });

  test('the last open shipment: the rest of the authorization is voided', async () => {
    const { o, ready, waiting } = await mixedOrder();
    assert.equal((await ship(srv, ready.id)).status, 200);
    const r = await cancelShipment(srv, waiting.id);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'SHIPPED', 'what is left shipped');
    const p = (await getOrder(srv, o.id)).payment;
    assert.deepEqual([p.authorized, p.captured, p.voided, p.refunded], [5000, 2000, 3000, 0]);
    await assertCheck(srv);
  });

  test('with the order token; a wrong token or none is refused', async () => {
    const { o, waiting } = await mixedOrder();
    assertError(await srv.api(`/v1/shipments/${waiting.id}/cancel`, { body: {} }), 401, 'UNAUTHORIZED');
    assertError(await cancelShipment(srv, waiting.id, { token: 'x'.repeat(o.accessToken.length) }), 404, 'SHIPMENT_NOT_FOUND');
    assertError(await cancelShipment(srv, 'shp_nosuchshipment'), 404, 'SHIPMENT_NOT_FOUND');
    assert.equal((await getOrder(srv, o.id)).shipments.find((x) => x.id === waiting.id).status, 'AWAITING_STOCK');
    const r = await cancelShipment(srv, waiting.id, { token: o.accessToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.shipments.find((x) => x.id === waiting.id).status, 'CANCELLED');
  });

  test('a shipped or cancelled shipment: 409', async () => {
    const { ready, waiting } = await mixedOrder();
    assert.equal((await ship(srv, ready.id)).status, 200);
    assertError(await cancelShipment(srv, ready.id), 409, 'CONFLICT');
    assert.equal((await cancelShipment(srv, waiting.id)).status, 200);
    assertError(await cancelShipment(srv, waiting.id), 409, 'CONFLICT');
  });

  test('freed units go to an order that waits on a later source', async () => {
    const sku = await createSku(srv, { price: 1000, onhand: 3, transit: [{ ref: 'PY1', quantity: 10, stockDate: '2026-12-15' }] });
    const first = await placeOrder(srv, [{ sku, quantity: 3 }]);
    const second = await placeOrder(srv, [{ sku, quantity: 2 }]);
    assert.deepEqual(second.shipments.map((x) => [x.status, x.transitRef]), [['AWAITING_STOCK', 'PY1']]);
    assert.equal((await cancelShipment(srv, first.shipments[0].id)).status, 200);
    const s2 = (await getOrder(srv, second.id)).shipments;
    assert.deepEqual(s2.map((x) => [x.id, x.status, x.stockType]), [[second.shipments[0].id, 'READY', 'onhand']]);
    assert.equal((await position(srv, sku)).allocatedQuantity, 2);
    assert.equal((await srv.item(sku)).availableStockQuantity, 1);
    await assertCheck(srv);
  });
});

test('captureOn=order: the cancelled shipment is refunded', async (t) => {
  const own = await ownServer(t, { demo: true });
  await putSettings(own, { captureOn: 'order' });
  const { o, waiting } = await mixedOrder(own);
  const r = await cancelShipment(own, waiting.id);
  assert.equal(r.status, 200, r.text);
  const p = (await getOrder(own, o.id)).payment;
  assert.deepEqual([p.authorized, p.captured, p.refunded, p.voided], [5000, 5000, 3000, 0]);
  await assertCheck(own);
});
