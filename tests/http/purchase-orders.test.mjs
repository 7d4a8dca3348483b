// SPEC 5.8: GET /v1/purchase-orders?sku=&overdue=true&cursor=&limit= (key): transit positions,
// each with its waiting shipments in allocation order (order number, units, promised and
// expected ranges), and the unsourced shipments per SKU. Business date pinned to 2026-11-27.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import { createSku, placeOrder } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const loc = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
});
after(async () => {
  await srv?.stop();
});

const list = (query = '') => srv.api(`/v1/purchase-orders${query}`, { key: true });

describe('purchase orders', () => {
  test('each PO with the orders that wait on it, oldest first, and the unsourced units', async () => {
    const sku = await createSku(srv, { price: 1000, transit: [
      { ref: 'PQ1', quantity: 6, stockDate: '2026-12-15' },
      { ref: 'PQ2', quantity: 10, stockDate: '2026-11-20' },
    ] });
    const a = await placeOrder(srv, [{ sku, quantity: 4 }]); // PQ2 first: earliest stock date
    const b = await placeOrder(srv, [{ sku, quantity: 8 }]); // 6 on PQ2, 2 on PQ1
    const cut = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'intransit', transitRef: 'PQ1', quantity: 0,
      transitOrderDate: '2026-11-20', transitStockDate: '2026-12-15' }]);
    assert.equal(cut.status, 201, cut.text);

    const r = await list(`?sku=${sku}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((p) => [p.transitRef, p.quantity, p.allocatedQuantity, p.available, p.overdue, p.waitingTotal]),
      [['PQ1', 0, 0, 0, false, 0], ['PQ2', 10, 10, 0, true, 2]]);
    const w = r.json.items[1].waiting;
    assert.deepEqual(w.map((x) => [x.orderNumber, x.units, x.status]), [[a.number, 4, 'AWAITING_STOCK'], [b.number, 6, 'AWAITING_STOCK']]);
    assert.equal(w[0].orderId, a.id);
    assert.deepEqual(w[0].promisedDelivery, a.shipments[0].promisedDelivery);
    assert.deepEqual(Object.keys(w[0].expectedDelivery), ['from', 'to', 'message']);
    assert.deepEqual(r.json.unsourced.map((u) => [u.sku, u.waitingTotal, u.waiting.map((x) => [x.orderNumber, x.units])]),
      [[sku, 1, [[b.number, 2]]]]);
    assert.equal(r.json.nextCursor, null);

    const overdue = await list(`?sku=${sku}&overdue=true`);
    assert.deepEqual(overdue.json.items.map((p) => p.transitRef), ['PQ2']);
  });

  test('pages by key with a cursor', async () => {
    const sku = await createSku(srv, { price: 1000, transit: [
      { ref: 'PR1', quantity: 1, stockDate: '2026-12-15' },
      { ref: 'PR2', quantity: 1, stockDate: '2026-12-16' },
      { ref: 'PR3', quantity: 1, stockDate: '2026-12-17' },
    ] });
    const one = await list(`?sku=${sku}&limit=2`);
    assert.deepEqual(one.json.items.map((p) => p.transitRef), ['PR1', 'PR2']);
    assert.equal(one.json.nextCursor, `${sku}.WH1.PR2.0`);
    const two = await list(`?sku=${sku}&limit=2&cursor=${one.json.nextCursor}`);
    assert.deepEqual(two.json.items.map((p) => p.transitRef), ['PR3']);
    assert.equal(two.json.nextCursor, null);
  });

  test('one PO reference in two channels: two items, each on one page, with its channelId', async () => {
    const sku = await createSku(srv, { price: 1000 });
    const po = (channelId, quantity) => ({ sku, locationId: 'WH1', stockType: 'intransit', transitRef: 'PCH1',
      quantity, transitOrderDate: '2026-11-20', transitStockDate: '2026-12-15', ...(channelId && { channelId }) });
    const put = await srv.bulk([po(0, 3), po(7, 4), po(9, 5)]);
    assert.equal(put.status, 201, put.text);
    const seen = [];
    let cursor = '';
    for (let i = 0; i < 4; i++) {
      const r = await list(`?sku=${sku}&limit=1${cursor && `&cursor=${cursor}`}`);
      assert.equal(r.status, 200, r.text);
      seen.push(...r.json.items.map((p) => [p.transitRef, p.channelId ?? null, p.quantity]));
      if (!(cursor = r.json.nextCursor)) break;
    }
    assert.deepEqual(seen, [['PCH1', null, 3], ['PCH1', 7, 4], ['PCH1', 9, 5]]);
  });

  test('needs a key; bad parameters are 422', async () => {
    assertError(await srv.api('/v1/purchase-orders'), 401, 'UNAUTHORIZED');
    for (const q of ['?limit=0', '?limit=101', '?overdue=yes', '?sku=A%20B', '?cursor=nope', '?cursor=A.B.C', '?cursor=A.B.C.-1']) {
      assertError(await list(q), 422, 'VALIDATION_FAILED');
    }
  });
});
