// SPEC 5.4: carts. Lines with the current promise for their quantity (5.1), the shipments the
// order would become ("ships now" / "ships later"), totals by the capture policy; a line never
// asks for more than availableTotal; a cart holds no stock.
// Today is 2026-11-27 (harness); settings are the defaults unless a test changes them.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import { assertCheck, createSku, putSettings, uniqueSku } from './lib/shop.mjs';

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

async function newCart() {
  const r = await srv.api('/v1/carts', { method: 'POST' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8$/);
  assert.equal(typeof r.json.id, 'string');
  assert.ok(r.json.id.length > 0);
  assert.deepEqual(r.json.lines, []);
  return r.json.id;
}

const cartPath = (id) => `/v1/carts/${encodeURIComponent(id)}`;
const add = (id, sku, quantity) => srv.api(`${cartPath(id)}/items`, { body: { sku, quantity } });
const set = (id, sku, quantity) =>
  srv.api(`${cartPath(id)}/items/${encodeURIComponent(sku)}`, { method: 'PUT', body: { quantity } });
const del = (id, sku) => srv.api(`${cartPath(id)}/items/${encodeURIComponent(sku)}`, { method: 'DELETE' });
async function getCart(id) {
  const r = await srv.api(cartPath(id));
  assert.equal(r.status, 200, r.text);
  return r.json;
}
const qtys = (cart) => Object.fromEntries(cart.lines.map((l) => [l.sku, l.quantity]));

// A SKU with 4 onhand, 6 on a purchase order (stock date Dec 15) and 5 on backorder (no date).
async function mixedSku(price = 1000) {
  return createSku(srv, {
    price,
    onhand: 4,
    transit: [
      { ref: 'PO77', quantity: 6, orderDate: '2026-11-20', stockDate: '2026-12-15' },
      { ref: 'ADV77', quantity: 5, orderDate: '2026-11-20' },
    ],
  });
}

describe('cart lifecycle', () => {
  test('POST /v1/carts creates an empty cart (201) with zero totals', async () => {
    const r = await srv.api('/v1/carts', { method: 'POST' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.lines, []);
    assert.deepEqual(r.json.totals, { subtotal: 0, currency: 'USD', chargedNow: 0, chargedLater: 0 });
    const again = await getCart(r.json.id);
    assert.equal(again.id, r.json.id);
    assert.deepEqual(again.lines, []);
    const other = await srv.api('/v1/carts', { method: 'POST' });
    assert.notEqual(other.json.id, r.json.id, 'each cart has its own id');
  });

  test('add, add again (increases), set, set 0 removes, delete removes', async () => {
    const id = await newCart();
    let r = await add(id, 'MUG3', 2);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { MUG3: 2 });
    r = await add(id, 'MUG3', 3);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { MUG3: 5 }, 'adding the same SKU increases the line');
    r = await add(id, 'SCARF9', 1);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { MUG3: 5, SCARF9: 1 });
    assert.deepEqual(qtys(await getCart(id)), { MUG3: 5, SCARF9: 1 });

    r = await set(id, 'MUG3', 7);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { MUG3: 7, SCARF9: 1 }, 'PUT sets the quantity');
    r = await set(id, 'MUG3', 1);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { MUG3: 1, SCARF9: 1 }, 'PUT may lower it');
    r = await set(id, 'TSHIRT1', 3);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { MUG3: 1, SCARF9: 1, TSHIRT1: 3 }, 'PUT of a new SKU adds it');

    r = await set(id, 'MUG3', 0);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { SCARF9: 1, TSHIRT1: 3 }, 'PUT 0 removes the line');

    r = await del(id, 'SCARF9');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(qtys(r.json), { TSHIRT1: 3 });
    assert.deepEqual(qtys(await getCart(id)), { TSHIRT1: 3 });
    r = await del(id, 'TSHIRT1');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.lines, [], 'the emptied cart, as after the first DELETE');
    const empty = await getCart(id);
    assert.deepEqual(empty.lines, []);
    assert.deepEqual(empty.totals, { subtotal: 0, currency: 'USD', chargedNow: 0, chargedLater: 0 });
  });

  test('the cart holds no stock', async () => {
    const sku = await mixedSku();
    const before = await srv.item(sku);
    const id = await newCart();
    assert.equal((await add(id, sku, 15)).status, 200);
    const after = await srv.item(sku);
    assert.deepEqual(after, before, 'positions and availability are unchanged by a cart');
    assert.equal(after.availableTotal, 15);
    // Another cart can still take every unit.
    const other = await newCart();
    assert.equal((await add(other, sku, 15)).status, 200);
  });
});

describe('GET /v1/carts/{id}: promises, shipments, totals', () => {
  test('each line carries the current promise for its quantity (as 5.1)', async () => {
    const sku = await mixedSku();
    const id = await newCart();
    assert.equal((await add(id, sku, 12)).status, 200);
    assert.equal((await add(id, 'HOODIE2', 2)).status, 200);
    const cart = await getCart(id);
    assert.equal(cart.lines.length, 2);
    for (const line of cart.lines) {
      const doc = await srv.item(line.sku, line.quantity);
      assert.deepEqual(line.promise, doc.promise, `${line.sku}: promise as GET /v1/inventory/{sku}?quantity=`);
    }
    const line = cart.lines.find((l) => l.sku === sku);
    assert.deepEqual(line.promise, {
      quantity: 12,
      fulfillable: true,
      allocations: [
        { quantity: 4, stockType: 'onhand', locationId: 'WH1', expectedDelivery: IN_STOCK },
        { quantity: 6, stockType: 'intransit', locationId: 'WH1', transitRef: 'PO77', stockDate: '2026-12-15', expectedDelivery: PO_DEC15 },
        { quantity: 2, stockType: 'intransit', locationId: 'WH1', transitRef: 'ADV77', stockDate: null, expectedDelivery: BACKORDER },
      ],
    });
  });

  test('shipments split into ships now / ships later with their delivery messages; totals', async () => {
    const sku = await mixedSku(1000);
    const id = await newCart();
    assert.equal((await add(id, sku, 12)).status, 200);
    const cart = await getCart(id);
    const view = cart.shipments.map((s) => ({
      shipsNow: s.shipsNow, stockType: s.stockType, transitRef: s.transitRef ?? null,
      lines: s.lines, amount: s.amount, expectedDelivery: s.expectedDelivery,
    }));
    assert.deepEqual(view, [
      { shipsNow: true, stockType: 'onhand', transitRef: null, lines: [{ sku, quantity: 4 }], amount: 4000, expectedDelivery: IN_STOCK },
      { shipsNow: false, stockType: 'intransit', transitRef: 'PO77', lines: [{ sku, quantity: 6 }], amount: 6000, expectedDelivery: PO_DEC15 },
      { shipsNow: false, stockType: 'intransit', transitRef: 'ADV77', lines: [{ sku, quantity: 2 }], amount: 2000, expectedDelivery: BACKORDER },
    ]);
    assert.deepEqual(cart.totals, { subtotal: 12000, currency: 'USD', chargedNow: 4000, chargedLater: 8000 });
  });

  test('several SKUs: onhand of each ships now together, transit later; subtotal sums lines', async () => {
    const id = await newCart();
    assert.equal((await add(id, 'TSHIRT1', 30)).status, 200); // 25 onhand + 5 PO1001
    assert.equal((await add(id, 'MUG3', 1)).status, 200); // onhand
    assert.equal((await add(id, 'HOODIE2', 2)).status, 200); // backorder ADV2
    const cart = await getCart(id);
    const now = cart.shipments.filter((s) => s.shipsNow);
    const later = cart.shipments.filter((s) => !s.shipsNow);
    assert.equal(now.length, 1, 'one onhand shipment for WH1');
    assert.deepEqual(now[0].lines.map((l) => [l.sku, l.quantity]).sort(), [['MUG3', 1], ['TSHIRT1', 25]]);
    assert.equal(now[0].amount, 25 * 2500 + 1800);
    assert.deepEqual(now[0].expectedDelivery, IN_STOCK);
    assert.deepEqual(later.map((s) => [s.transitRef, s.lines, s.amount, s.expectedDelivery.message]), [
      ['PO1001', [{ sku: 'TSHIRT1', quantity: 5 }], 5 * 2500, PO_DEC15.message],
      ['ADV2', [{ sku: 'HOODIE2', quantity: 2 }], 2 * 6500, BACKORDER.message],
    ]);
    assert.deepEqual(cart.totals, {
      subtotal: 30 * 2500 + 1800 + 2 * 6500, currency: 'USD',
      chargedNow: 25 * 2500 + 1800, chargedLater: 5 * 2500 + 2 * 6500,
    });
  });

  test('captureOn=order: everything is charged now', async () => {
    const sku = await mixedSku(1000);
    const id = await newCart();
    assert.equal((await add(id, sku, 12)).status, 200);
    await putSettings(srv, { captureOn: 'order' });
    try {
      const cart = await getCart(id);
      assert.deepEqual(cart.totals, { subtotal: 12000, currency: 'USD', chargedNow: 12000, chargedLater: 0 });
      // The split itself does not change: backordered units still ship later.
      assert.deepEqual(cart.shipments.map((s) => s.shipsNow), [true, false, false]);
    } finally {
      await putSettings(srv, { captureOn: 'shipment' });
    }
    const back = await getCart(id);
    assert.deepEqual(back.totals, { subtotal: 12000, currency: 'USD', chargedNow: 4000, chargedLater: 8000 });
  });

  test('a changed backorder message shows in the promise and the shipment', async () => {
    const sku = await mixedSku();
    const id = await newCart();
    assert.equal((await add(id, sku, 12)).status, 200);
    await putSettings(srv, { backorderMessage: 'Ships in about a month' });
    try {
      const cart = await getCart(id);
      const adv = cart.shipments.find((s) => s.transitRef === 'ADV77');
      assert.equal(adv.expectedDelivery.message, 'Ships in about a month');
      assert.equal(cart.lines[0].promise.allocations[2].expectedDelivery.message, 'Ships in about a month');
    } finally {
      await putSettings(srv, { backorderMessage: '' });
    }
  });

  test('the promise follows the current stock', async () => {
    const sku = await createSku(srv, { onhand: 3, transit: [{ ref: 'PO5', quantity: 10, stockDate: '2026-12-15' }] });
    const id = await newCart();
    assert.equal((await add(id, sku, 3)).status, 200);
    let cart = await getCart(id);
    assert.deepEqual(cart.shipments.map((s) => s.shipsNow), [true]);
    // Another shopper takes the onhand units: this cart's line now ships later.
    const o = await srv.api('/v1/orders', {
      body: {
        items: [{ sku, quantity: 3 }], email: 'other@example.com', payment: { token: 'tok_visa' },
        shippingAddress: { name: 'O', line1: '1 St', city: 'C', postalCode: '1', country: 'US' },
      },
    });
    assert.equal(o.status, 201, o.text);
    cart = await getCart(id);
    assert.deepEqual(cart.lines[0].promise.allocations.map((a) => [a.stockType, a.quantity]), [['intransit', 3]]);
    assert.deepEqual(cart.shipments.map((s) => s.shipsNow), [false]);
    assert.deepEqual(cart.totals, { subtotal: 3000, currency: 'USD', chargedNow: 0, chargedLater: 3000 });
  });
});

describe('availability limit: 409 INSUFFICIENT_INVENTORY', () => {
  test('adding beyond availableTotal: details, cart unchanged', async () => {
    const sku = await mixedSku(); // availableTotal 15
    const id = await newCart();
    assert.equal((await add(id, 'MUG3', 1)).status, 200);
    const before = await getCart(id);
    const r = await add(id, sku, 16);
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(r.json.error.details, [{ sku, requested: 16, availableTotal: 15 }]);
    assert.deepEqual(await getCart(id), before, 'cart unchanged');
  });

  test('increasing a line beyond availableTotal: 409, line unchanged', async () => {
    const sku = await mixedSku();
    const id = await newCart();
    assert.equal((await add(id, sku, 10)).status, 200);
    const before = await getCart(id);
    const r = await add(id, sku, 6);
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    // "requested" is what the line would ask for (16), as on an order; not the increment (6).
    assert.deepEqual(r.json.error.details, [{ sku, requested: 16, availableTotal: 15 }]);
    assert.deepEqual(await getCart(id), before);
    // Exactly availableTotal is fine.
    const ok = await add(id, sku, 5);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(qtys(ok.json), { [sku]: 15 });
  });

  test('PUT beyond availableTotal: 409, line unchanged', async () => {
    const sku = await mixedSku();
    const id = await newCart();
    assert.equal((await add(id, sku, 2)).status, 200);
    const before = await getCart(id);
    const r = await set(id, sku, 16);
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(r.json.error.details, [{ sku, requested: 16, availableTotal: 15 }]);
    assert.deepEqual(await getCart(id), before);
  });

  test('out of stock (availableTotal 0): add to cart refused', async () => {
    const id = await newCart();
    const r = await add(id, 'SOCKS5', 1);
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(r.json.error.details, [{ sku: 'SOCKS5', requested: 1, availableTotal: 0 }]);
    assert.deepEqual((await getCart(id)).lines, []);
  });

  test('reserved units do not count', async () => {
    const sku = await createSku(srv, { onhand: 10, onhandReserved: 7 });
    const id = await newCart();
    const r = await add(id, sku, 4);
    assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    assert.deepEqual(r.json.error.details, [{ sku, requested: 4, availableTotal: 3 }]);
    assert.equal((await add(id, sku, 3)).status, 200);
  });
});

describe('not found and bad input', () => {
  const unknown = 'cart_doesnotexist000000';

  test('unknown cart: 404 on every cart endpoint', async () => {
    for (const r of [
      await srv.api(cartPath(unknown)),
      await add(unknown, 'MUG3', 1),
      await set(unknown, 'MUG3', 1),
      await del(unknown, 'MUG3'),
    ]) {
      assert.equal(r.status, 404, r.text);
      assert.ok(r.json?.error?.code, r.text);
      assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8$/);
    }
  });

  test('unknown SKU: 404, cart unchanged', async () => {
    const id = await newCart();
    assert.equal((await add(id, 'MUG3', 1)).status, 200);
    const before = await getCart(id);
    for (const r of [await add(id, uniqueSku('NOPE'), 1), await set(id, uniqueSku('NOPE'), 1)]) {
      assert.equal(r.status, 404, r.text);
      assert.ok(r.json?.error?.code, r.text);
    }
    assert.deepEqual(await getCart(id), before);
  });

  const badAdds = [
    ['quantity 0', { sku: 'MUG3', quantity: 0 }],
    ['negative quantity', { sku: 'MUG3', quantity: -1 }],
    ['absurd quantity (10^9)', { sku: 'MUG3', quantity: 1e9 }],
    ['quantity as a string', { sku: 'MUG3', quantity: '2' }],
    ['fractional quantity', { sku: 'MUG3', quantity: 1.5 }],
    ['missing quantity', { sku: 'MUG3' }],
    ['missing sku', { quantity: 1 }],
    ['sku not a string', { sku: 3, quantity: 1 }],
    ['not an object', [{ sku: 'MUG3', quantity: 1 }]],
  ];
  for (const [name, body] of badAdds) {
    test(`POST items, ${name}: 422, cart unchanged`, async () => {
      const id = await newCart();
      assert.equal((await add(id, 'MUG3', 1)).status, 200);
      const before = await getCart(id);
      const r = await srv.api(`${cartPath(id)}/items`, { body });
      assert.equal(r.status, 422, `${name}: ${r.text}`);
      assert.ok(r.json?.error?.code, r.text);
      assert.deepEqual(await getCart(id), before);
    });
  }

  const badSets = [
    ['negative quantity', { quantity: -1 }],
    ['absurd quantity (10^9)', { quantity: 1e9 }],
    ['quantity as a string', { quantity: '2' }],
    ['missing quantity', {}],
  ];
  for (const [name, body] of badSets) {
    test(`PUT item, ${name}: 422, cart unchanged`, async () => {
      const id = await newCart();
      assert.equal((await add(id, 'MUG3', 1)).status, 200);
      const before = await getCart(id);
      const r = await srv.api(`${cartPath(id)}/items/MUG3`, { method: 'PUT', body });
      assert.equal(r.status, 422, `${name}: ${r.text}`);
      assert.ok(r.json?.error?.code, r.text);
      assert.deepEqual(await getCart(id), before);
    });
  }

  test('malformed JSON: 400, cart unchanged', async () => {
    const id = await newCart();
    assert.equal((await add(id, 'MUG3', 1)).status, 200);
    const before = await getCart(id);
    for (const [method, p] of [['POST', `${cartPath(id)}/items`], ['PUT', `${cartPath(id)}/items/MUG3`]]) {
      const r = await srv.api(p, {
        method, body: '{"sku": "MUG3", "quantity": ', headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.status, 400, `${method} ${p}: ${r.text}`);
      assert.ok(r.json?.error?.code, r.text);
      assert.doesNotMatch(r.text, /SQLITE|sqlite3|SELECT |INSERT /);
    }
    assert.deepEqual(await getCart(id), before);
  });
});
