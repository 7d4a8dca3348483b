// SPEC 5.5: prices and totals are checked. A price above 10^12 minor units, or a line amount
// or order total that would not fit in 64 bits, is refused with 422 wherever it would be
// charged: the products API, the cart, the order. Nothing changes on a refusal.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import { assertCheck, createSku, placeOrderRaw, sql, state } from './lib/shop.mjs';

const PRICE_MAX = 1_000_000_000_000;
const QTY_MAX = 1_000_000;

let srv;
before(async () => {
  srv = await startServer();
});
afterEach(async () => {
  await assertCheck(srv);
});
after(async () => {
  await srv?.stop();
});

async function newCart() {
  const r = await srv.api('/v1/carts', { method: 'POST' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}
const add = (id, sku, quantity) =>
  srv.api(`/v1/carts/${encodeURIComponent(id)}/items`, { body: { sku, quantity } });

describe('prices', () => {
  test('the products API takes 10^12 minor units and refuses one more', async () => {
    const ok = await srv.api('/v1/products', {
      key: true, body: [{ sku: 'PRICEMAX', name: 'Dear', price: PRICE_MAX }],
    });
    assert.equal(ok.status, 200, ok.text);
    const r = await srv.api('/v1/products', {
      key: true, body: [{ sku: 'PRICEOVER', name: 'Too dear', price: PRICE_MAX + 1 }],
    });
    assertError(r, 422, 'VALIDATION_FAILED');
    assert.deepEqual(r.json.error.details.map((d) => d.field),
      ['price'], r.text);
    assert.equal(r.json.error.details[0].message, 'price 1000000000001 is larger than 1000000000000');
    assert.equal((await srv.api('/v1/products/PRICEOVER')).status, 404);
    assert.equal((await srv.api('/v1/products/PRICEMAX')).json.price, PRICE_MAX);
  });

  // A row written before the check (or by hand): 4611686018427387905 x 4 wraps to 4 cents.
  test('a stored price above the highest is refused by the cart and the order', async () => {
    const sku = await createSku(srv, { onhand: 10 });
    const cart = await newCart();
    assert.equal((await add(cart, sku, 4)).status, 200);
    await sql(srv, `UPDATE products SET price = 4611686018427387905 WHERE sku = '${sku}'`);

    const before = await state(srv, [sku]);
    const c = await srv.api(`/v1/carts/${cart}`);
    assertError(c, 422, 'VALIDATION_FAILED', new RegExp(`price of ${sku} .*above the highest`));
    const o = await placeOrderRaw(srv, [{ sku, quantity: 4 }]);
    assertError(o, 422, 'VALIDATION_FAILED', new RegExp(`price of ${sku}`));
    const fromCart = await placeOrderRaw(srv, { cartId: cart });
    assertError(fromCart, 422, 'VALIDATION_FAILED', new RegExp(`price of ${sku}`));
    assert.deepEqual(await state(srv, [sku]), before);
    const more = await add(cart, sku, 1);
    assertError(more, 422, 'VALIDATION_FAILED', new RegExp(`price of ${sku}`));
    // The server is still up and answers.
    assert.equal((await srv.api('/healthz')).status, 200);
  });
});

describe('totals', () => {
  // Ten lines of 10^6 units at 10^12: 10^19 does not fit in 64 bits; nine lines do.
  let skus;
  before(async () => {
    skus = [];
    for (let i = 0; i < 10; i++) skus.push(await createSku(srv, { price: PRICE_MAX, onhand: QTY_MAX }));
  });

  test('an order whose total would not fit in 64 bits is refused and changes nothing', async () => {
    const before = await state(srv, skus);
    const r = await placeOrderRaw(srv, skus.map((sku) => ({ sku, quantity: QTY_MAX })));
    assertError(r, 422, 'VALIDATION_FAILED', /order total .*does not fit in 64 bits/);
    assert.deepEqual(await state(srv, skus), before);
  });

  test('the cart refuses the line that would make its total overflow', async () => {
    const cart = await newCart();
    for (const sku of skus.slice(0, 9)) assert.equal((await add(cart, sku, QTY_MAX)).status, 200);
    const r = await add(cart, skus[9], QTY_MAX);
    assertError(r, 422, 'VALIDATION_FAILED',
      new RegExp(`amount of ${skus[9]} or the cart total with it does not fit in 64 bits`));
    const c = await srv.api(`/v1/carts/${cart}`);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.lines.length, 9);
    assert.equal(c.json.totals.subtotal, 9 * QTY_MAX * PRICE_MAX);
  });
});
