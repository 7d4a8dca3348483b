// SPEC 9: fabric's read endpoints, built from fabric's published request shapes: v1 "Get
// inventories" (`POST /api-inventory/inventory`, public), v1 inventory by location and v3
// `POST /inventories/actions/find` (key). Get inventories is the 5.1 document under fabric's
// names: a storefront written for fabric renders what sellahead's own storefront renders.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import { createSku, placeOrder, uniqueSku } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

const getInventories = (body, headers = {}) =>
  srv.api('/api-inventory/inventory', { body, headers });

async function inventories(items, extra = {}) {
  const r = await getInventories({ items, ...extra });
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json), r.text);
  return r.json;
}

// A SKU with every kind of position at WH1: onhand 5 (1 reserved), a pre-order 10 on
// 2026-12-15, an earlier pre-order 4 on 2026-12-10 and a backorder allowance 6.
async function mixedSku() {
  return createSku(srv, {
    onhand: 5, onhandReserved: 1,
    transit: [{ ref: 'PO2', quantity: 10, stockDate: '2026-12-15' },
      { ref: 'PO1', quantity: 4, stockDate: '2026-12-10' }, { ref: 'ADV', quantity: 6 }],
  });
}

describe('v1 Get inventories', () => {
  test('figures, and the 5.1 allocation order as stockRequest per position', async () => {
    const sku = await mixedSku();
    const [got] = await inventories([{ sku, quantity: 9 }]);
    assert.deepEqual(got, {
      itemId: null, sku, quantityRequested: 9, inStock: true, stockDate: null,
      availableStockQuantity: 4, availableTransitQuantity: 20, availableTotal: 24,
      fromStockQuantity: 4,
      fromStock: [{ locationId: 'WH1', quantityReserved: 1, quantityAllocated: 0,
        stockRemaining: 4, stockRequest: 4, channelId: null }],
      fromTransitQuantity: 5,
      fromTransit: [
        { locationId: 'WH1', inTransitRef: 'PO1', orderQuantity: 4, quantityReserved: 0,
          quantityAllocated: 0, orderDate: '2026-11-20', stockDate: '2026-12-10',
          stockRemaining: 4, stockRequest: 4, channelId: null },
        { locationId: 'WH1', inTransitRef: 'PO2', orderQuantity: 10, quantityReserved: 0,
          quantityAllocated: 0, orderDate: '2026-11-20', stockDate: '2026-12-15',
          stockRemaining: 10, stockRequest: 1, channelId: null },
        { locationId: 'WH1', inTransitRef: 'ADV', orderQuantity: 6, quantityReserved: 0,
          quantityAllocated: 0, orderDate: '2026-11-20', stockDate: null,
          stockRemaining: 6, stockRequest: 0, channelId: null },
      ],
    });
  });

  test('request order kept; unknown sku and itemId come back with zeros', async () => {
    const sku = await createSku(srv, { onhand: 2 });
    const zeros = { quantityRequested: 3, inStock: false, stockDate: null,
      availableStockQuantity: 0, availableTransitQuantity: 0, availableTotal: 0,
      fromStockQuantity: 0, fromStock: [], fromTransitQuantity: 0, fromTransit: [] };
    const got = await inventories([{ itemId: 99, quantity: 3 }, { sku, quantity: 1 },
      { sku: 'NOSUCHSKU1', quantity: 3 }]);
    assert.deepEqual(got.map((x) => x.sku), [null, sku, 'NOSUCHSKU1']);
    assert.deepEqual(got[0], { itemId: 99, sku: null, ...zeros });
    assert.deepEqual(got[2], { itemId: null, sku: 'NOSUCHSKU1', ...zeros });
    assert.equal(got[1].fromStockQuantity, 1);
  });

  test('without quantity nothing is requested; a channel changes nothing while positions ' +
    'carry none', async () => {
    const sku = await mixedSku();
    const [plain] = await inventories([{ sku }]);
    assert.equal(plain.quantityRequested, 0);
    assert.equal(plain.fromStockQuantity + plain.fromTransitQuantity, 0);
    const [a] = await inventories([{ sku, quantity: 7 }]);
    const [b] = await inventories([{ sku, quantity: 7 }], { channelId: 12 });
    const c = await getInventories({ items: [{ sku, quantity: 7 }] },
      { 'x-fabric-channel-id': '12' });
    assert.deepEqual(b, a);
    assert.deepEqual(c.json[0], a);
  });

  test('bad input is 422 VALIDATION_FAILED', async () => {
    const bodies = [
      [{ items: {} }, /"items"/],
      [{ items: [], extra: 1 }, /"items"/],
      [{ items: [{ quantity: 1 }] }, /items\[0\]/],
      [{ items: [{ sku: 'A1', quantity: 0 }] }, /items\[0\]/],
      [{ items: [{ sku: 'A1' }, { sku: 'A1', quantity: '2' }] }, /items\[1\]/],
      [{ items: [{ itemId: -4 }] }, /items\[0\]/],
      [{ items: [{ sku: 7 }] }, /items\[0\]/],
      [{ items: [{ sku: 'A1' }, { sku: '' }] }, /items\[1\]/],
      [{ items: [{ sku: 'A1', color: 'red' }] }, /items\[0\]/],
      [{ items: [], channelId: 'web' }, /channelId/],
      [{ items: Array(501).fill({ sku: 'A1' }) }, /at most 500/],
    ];
    for (const [body, msg] of bodies) {
      assertError(await getInventories(body), 422, 'VALIDATION_FAILED', msg);
    }
    assertError(await getInventories({ items: [] }, { 'x-fabric-channel-id': 'web' }), 422,
      'VALIDATION_FAILED', /x-fabric-channel-id/);
  });
});

// What a storefront shows: availability and the split promise (from where, when, how many).
// One renderer reads fabric's answer, the other sellahead's 5.1 document.
function renderFabric(f) {
  return {
    inStock: f.inStock, stockDate: f.stockDate, availableStock: f.availableStockQuantity,
    availableTransit: f.availableTransitQuantity, availableTotal: f.availableTotal,
    addToCart: f.availableTotal > 0,
    split: [
      ...f.fromStock.filter((p) => p.stockRequest > 0).map((p) => ({
        quantity: p.stockRequest, from: 'stock', locationId: p.locationId, ref: null,
        stockDate: null })),
      ...f.fromTransit.filter((p) => p.stockRequest > 0).map((p) => ({
        quantity: p.stockRequest, from: 'transit', locationId: p.locationId, ref: p.inTransitRef,
        stockDate: p.stockDate })),
    ],
    positions: [
      ...f.fromStock.map((p) => [p.locationId, null, p.quantityReserved, p.quantityAllocated,
        p.stockRemaining]),
      ...f.fromTransit.map((p) => [p.locationId, p.inTransitRef, p.quantityReserved,
        p.quantityAllocated, p.stockRemaining]),
    ],
  };
}

function renderSellahead(d) {
  return {
    inStock: d.inStock, stockDate: d.stockDate, availableStock: d.availableStockQuantity,
    availableTransit: d.availableTransitQuantity, availableTotal: d.availableTotal,
    addToCart: d.addToCart,
    split: d.promise.allocations.map((a) => ({
      quantity: a.quantity, from: a.stockType === 'onhand' ? 'stock' : 'transit',
      locationId: a.locationId, ref: a.transitRef ?? null, stockDate: a.stockDate ?? null })),
    positions: d.positions.map((p) => [p.locationId, p.transitRef ?? null, p.reservedQuantity,
      p.allocatedQuantity, p.available]),
  };
}

test('a storefront written for fabric\'s Get inventories renders the same availability and ' +
  'split as sellahead\'s 5.1 document for the same data', async () => {
  const mixed = await mixedSku();
  const allocated = await mixedSku();
  await placeOrder(srv, [{ sku: allocated, quantity: 6 }]); // 4 onhand + 2 of PO1
  const transitOnly = await createSku(srv, {
    transit: [{ ref: 'PO9', quantity: 3, stockDate: '2026-12-20', reserved: 1 },
      { ref: 'ADV9', quantity: 8 }],
  });
  const soldOut = await createSku(srv, { onhand: 2, onhandReserved: 2 });
  const cases = [
    ...[1, 4, 9, 24, 30].map((q) => [mixed, q]),
    ...[1, 3, 18].map((q) => [allocated, q]),
    ...[1, 2, 5, 11].map((q) => [transitOnly, q]),
    [soldOut, 1],
    ['TSHIRT1', 30], ['HOODIE2', 2], ['CAP4', 50],
  ];
  const fabric = await inventories(cases.map(([sku, quantity]) => ({ sku, quantity })));
  assert.equal(fabric.length, cases.length);
  for (const [i, [sku, quantity]] of cases.entries()) {
    const own = await srv.item(sku, quantity);
    const want = renderSellahead(own);
    const got = renderFabric(fabric[i]);
    for (const field of Object.keys(want)) {
      assert.deepEqual(got[field], want[field], `${sku} x${quantity}: ${field}`);
    }
    assert.equal(fabric[i].quantityRequested, own.promise.quantity);
  }
  // The allocated SKU really has units allocated: the comparison covers them.
  const [a] = await inventories([{ sku: allocated, quantity: 1 }]);
  assert.equal(a.fromStock[0].quantityAllocated, 4);
  assert.equal(a.fromTransit[0].quantityAllocated, 2);
});

describe('v1 inventory by location', () => {
  let loc;
  let skus;
  before(async () => {
    loc = uniqueSku('L').slice(0, 20);
    const r = await srv.api('/v1/locations', { key: true, body: { locationId: loc, name: 'L' } });
    assert.equal(r.status, 201, r.text);
    const a = await createSku(srv, { sku: uniqueSku('LA'), location: loc, onhand: 7,
      onhandReserved: 2, transit: [{ ref: 'POA', quantity: 9, stockDate: '2026-12-15',
        reserved: 1 }, { ref: 'ADVA', quantity: 3 }] });
    const b = await createSku(srv, { sku: uniqueSku('LB'), location: loc,
      transit: [{ ref: 'POB', quantity: 4, stockDate: '2026-12-20' }] });
    await createSku(srv, { sku: uniqueSku('LC'), onhand: 1 }); // at WH1 only
    skus = [a, b];
  });
  const byLocation = (id, q = '', opts = { key: true }) =>
    srv.api(`/api-inventory/inventory/location/${id}${q}`, opts);

  test('every SKU with a position there, raw quantities, offset pages', async () => {
    const r = await byLocation(loc);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {
      query: { limit: 10, offset: 0, count: 2 },
      inventories: [
        { itemId: null, sku: skus[0], location: loc, inStock: 7,
          inTransit: [
            { inTransitRef: 'POA', orderQuantity: 9, quantityReserved: 1,
              orderDate: '2026-11-20', stockDate: '2026-12-15' },
            { inTransitRef: 'ADVA', orderQuantity: 3, quantityReserved: 0,
              orderDate: '2026-11-20', stockDate: null }],
          channel: [{ channelId: null, quantityReserved: 2 }] },
        { itemId: null, sku: skus[1], location: loc, inStock: 0,
          inTransit: [{ inTransitRef: 'POB', orderQuantity: 4, quantityReserved: 0,
            orderDate: '2026-11-20', stockDate: '2026-12-20' }],
          channel: [] },
      ],
    });
    const page = await byLocation(loc, '?limit=1&offset=1');
    assert.deepEqual(page.json.query, { limit: 1, offset: 1, count: 2 });
    assert.deepEqual(page.json.inventories.map((x) => x.sku), [skus[1]]);
    const past = await byLocation(loc, '?offset=5');
    assert.deepEqual(past.json, { query: { limit: 10, offset: 5, count: 2 }, inventories: [] });
  });

  test('x-api-key works; no key 401; unknown location 404; bad offset 422', async () => {
    const x = await byLocation(loc, '', { headers: { 'x-api-key': srv.key } });
    assert.equal(x.status, 200, x.text);
    assertError(await byLocation(loc, '', {}), 401, 'UNAUTHORIZED');
    assertError(await byLocation('NOWHERE9'), 404, 'LOCATION_NOT_FOUND');
    for (const q of ['?offset=-1', '?offset=x', '?offset=1x']) {
      assertError(await byLocation(loc, q), 422, 'VALIDATION_FAILED', /offset/);
    }
  });
});

describe('v3 inventories find', () => {
  let loc;
  let sku;
  before(async () => {
    loc = uniqueSku('F').slice(0, 20);
    const r = await srv.api('/v1/locations', { key: true, body: { locationId: loc, name: 'F' } });
    assert.equal(r.status, 201, r.text);
    sku = await createSku(srv, { location: loc, onhand: 5, transit: [
      { ref: 'POF', quantity: 8, stockDate: '2026-12-15' }, { ref: 'ADVF', quantity: 2 }] });
    await placeOrder(srv, [{ sku, quantity: 6 }]);
  });
  const find = (body, q = '', headers = { 'x-api-key': srv.key }) =>
    srv.api(`/inventories/actions/find${q}`, { body, headers });

  const row = (type, extra) => ({
    sku, itemId: null, locationNumber: loc, channelId: null, type, transitRef: null,
    preorderShipmentAt: null, backorderShipmentAt: null, safetyStock: null,
    preorderLimit: null, backorderLimit: null, lowStock: null, createdAt: null,
    updatedAt: null, ...extra,
  });

  test('one record per position, in allocation order, with counters', async () => {
    const r = await find({ skus: [sku, sku] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {
      pagination: { limit: 10, offset: 0, count: 3 },
      data: [
        row('ONHAND', { inventoryId: `${sku}:${loc}`,
          counters: { quantity: 5, reserved: 0, allocated: 5, available: 0 } }),
        row('PREORDER', { inventoryId: `${sku}:${loc}:POF`, transitRef: 'POF',
          preorderShipmentAt: '2026-12-15',
          counters: { quantity: 8, reserved: 0, allocated: 1, available: 7 } }),
        row('BACKORDER', { inventoryId: `${sku}:${loc}:ADVF`, transitRef: 'ADVF',
          counters: { quantity: 2, reserved: 0, allocated: 0, available: 2 } }),
      ],
    });
  });

  test('filters by location (strings or numbers) and pages with limit/offset', async () => {
    const all = await find({ locationNumbers: [loc] });
    assert.deepEqual(all.json.pagination, { limit: 10, offset: 0, count: 3 });
    const page = await find({ locationNumbers: [loc] }, '?limit=2&offset=1');
    assert.deepEqual(page.json.pagination, { limit: 2, offset: 1, count: 3 });
    assert.deepEqual(page.json.data.map((d) => d.type), ['PREORDER', 'BACKORDER']);
    const none = await find({ skus: [sku], locationNumbers: [12, 'WH1'] });
    assert.deepEqual(none.json, { pagination: { limit: 10, offset: 0, count: 0 }, data: [] });
    const wh1 = await find({ skus: ['TSHIRT1'], locationNumbers: ['WH1'] });
    assert.deepEqual(wh1.json.data.map((d) => d.type), ['ONHAND', 'PREORDER']);
  });

  test('unknown itemIds match nothing; bad input 422; no key 401',
    async () => {
      const ids = await find({ itemIds: [88888881, 88888882] });
      assert.deepEqual(ids.json, { pagination: { limit: 10, offset: 0, count: 0 }, data: [] });
      for (const body of [{ skus: 'A1' }, { skus: [1] }, { itemIds: [0] }, { itemIds: ['1'] },
        { locationNumbers: [null] }, { sku: ['A1'] }, []]) {
        assertError(await find(body), 422, 'VALIDATION_FAILED');
      }
      assertError(await find({ skus: [sku] }, '?offset=-2'), 422, 'VALIDATION_FAILED');
      assertError(await find({ skus: [sku] }, '', {}), 401, 'UNAUTHORIZED');
    });
});
