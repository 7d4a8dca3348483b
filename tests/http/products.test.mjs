// SPEC 5.3: the catalog. POST /v1/products (key) upserts a JSON array; GET /v1/products and
// GET /v1/products/{sku} are public and carry each product's availability summary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DEMO_SKUS, assertError, startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

const IN_STOCK_RANGE = { from: '2026-11-28', to: '2026-11-30', message: 'In stock. Delivery Nov 28–Nov 30' };

describe('GET /v1/products', () => {
  test('lists the demo catalog by SKU with availability', async () => {
    const r = await srv.api('/v1/products');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((p) => p.sku), DEMO_SKUS);
    assert.equal(r.json.nextCursor, null);
    const tshirt = r.json.items.find((p) => p.sku === 'TSHIRT1');
    assert.equal(tshirt.name, 'Organic cotton T-shirt');
    assert.equal(tshirt.price, 2500);
    assert.equal(tshirt.currency, 'USD');
    assert.equal(tshirt.status, 'IN_STOCK');
    assert.equal(tshirt.addToCart, true);
    assert.deepEqual(tshirt.expectedDelivery, IN_STOCK_RANGE);
    const socks = r.json.items.find((p) => p.sku === 'SOCKS5');
    assert.equal(socks.status, 'OUT_OF_STOCK');
    assert.equal(socks.addToCart, false);
    const hoodie = r.json.items.find((p) => p.sku === 'HOODIE2');
    assert.equal(hoodie.status, 'IN_TRANSIT');
    assert.deepEqual(hoodie.expectedDelivery,
      { from: '2026-12-11', to: '2026-12-25', message: 'Backorder: expected delivery Dec 11–Dec 25' });
  });

  test('cursor pagination', async () => {
    const seen = [];
    let cursor = '';
    for (let i = 0; i < 10; i++) {
      const r = await srv.api(`/v1/products?limit=5&cursor=${cursor}`);
      assert.equal(r.status, 200);
      assert.ok(r.json.items.length <= 5);
      seen.push(...r.json.items.map((p) => p.sku));
      if (!r.json.nextCursor) break;
      cursor = encodeURIComponent(r.json.nextCursor);
    }
    assert.deepEqual(seen, DEMO_SKUS);
  });

  test('GET /v1/products/{sku}', async () => {
    const r = await srv.api('/v1/products/CAP4');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {
      sku: 'CAP4', name: 'Canvas cap', price: 2200, currency: 'USD',
      description: 'Washed cotton canvas with an adjustable brass buckle. Unstructured, so it packs flat.',
      imageUrl: '', itemId: null, status: 'IN_TRANSIT', addToCart: true, availableTotal: 90, stockDate: '2026-12-07',
      expectedDelivery: { from: '2026-12-09', to: '2026-12-12', message: 'Backorder: expected delivery Dec 9–Dec 12' },
    });
  });

  test('unknown product: 404', async () => {
    assertError(await srv.api('/v1/products/NOPE1'), 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('POST /v1/products', () => {
  test('inserts and updates', async () => {
    const r = await srv.api('/v1/products', {
      key: true,
      body: [
        { sku: 'GLOVES13', name: 'Leather gloves', price: 4900, currency: 'EUR', description: 'Warm.', imageUrl: 'https://img.example/g.jpg' },
        { sku: 'MUG3', name: 'Big stoneware mug', price: 1900 },
      ],
    });
    assert.equal(r.status, 200, r.text);
    const g = await srv.api('/v1/products/GLOVES13');
    assert.equal(g.status, 200);
    assert.deepEqual({ ...g.json, expectedDelivery: undefined }, {
      sku: 'GLOVES13', name: 'Leather gloves', price: 4900, currency: 'EUR', description: 'Warm.',
      imageUrl: 'https://img.example/g.jpg', itemId: null, status: 'OUT_OF_STOCK', addToCart: false, availableTotal: 0,
      stockDate: null, expectedDelivery: undefined,
    });
    const m = await srv.api('/v1/products/MUG3');
    assert.equal(m.json.name, 'Big stoneware mug');
    assert.equal(m.json.price, 1900);
    assert.equal(m.json.currency, 'USD', 'currency defaults to USD');
    assert.equal(m.json.status, 'IN_STOCK', 'stock is kept');
    // A product alone makes the SKU known to the inventory endpoint.
    const inv = await srv.api('/v1/inventory/GLOVES13');
    assert.equal(inv.status, 200);
    assert.equal(inv.json.status, 'OUT_OF_STOCK');
  });

  const invalid = [
    ['negative price', { sku: 'P1', name: 'x', price: -1 }, 'price'],
    ['decimal price', { sku: 'P1', name: 'x', price: 9.99 }, 'price'],
    ['string price', { sku: 'P1', name: 'x', price: '999' }, 'price'],
    ['missing price', { sku: 'P1', name: 'x' }, 'price'],
    ['lower-case currency', { sku: 'P1', name: 'x', price: 1, currency: 'usd' }, 'currency'],
    ['4-letter currency', { sku: 'P1', name: 'x', price: 1, currency: 'EURO' }, 'currency'],
    ['sku with a dash', { sku: 'P-1', name: 'x', price: 1 }, 'sku'],
    ['sku too long', { sku: 'P'.repeat(65), name: 'x', price: 1 }, 'sku'],
    ['missing sku', { name: 'x', price: 1 }, 'sku'],
    ['missing name', { sku: 'P1', price: 1 }, 'name'],
    ['unknown field', { sku: 'P1', name: 'x', price: 1, colour: 'red' }, 'colour'],
    ['not an object', 'P1', ''],
  ];
  for (const [what, product, field] of invalid) {
    test(`invalid: ${what} → 422, nothing saved`, async () => {
      const r = await srv.api('/v1/products', {
        key: true, body: [{ sku: 'OKAY1', name: 'Fine', price: 100 }, product],
      });
      assertError(r, 422, 'VALIDATION_FAILED');
      assert.ok(Array.isArray(r.json.error.details));
      assert.ok(r.json.error.details.some((d) => d.index === 1 && d.field === field), JSON.stringify(r.json.error.details));
      assertError(await srv.api('/v1/products/OKAY1'), 404, 'PRODUCT_NOT_FOUND');
    });
  }

  test('the body must be an array', async () => {
    assertError(await srv.api('/v1/products', { key: true, body: { sku: 'P1', name: 'x', price: 1 } }), 422, 'VALIDATION_FAILED');
  });

  test('needs a key', async () => {
    assertError(await srv.api('/v1/products', { body: [{ sku: 'P2', name: 'x', price: 1 }] }), 401, 'UNAUTHORIZED');
    assertError(await srv.api('/v1/products/P2'), 404, 'PRODUCT_NOT_FOUND');
  });
});
