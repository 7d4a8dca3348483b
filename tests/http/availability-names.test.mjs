// SPEC 5.1 and 5.2: SKUs that name nothing, whatever their bytes. The availability document
// is written by hand (src/view/item_json.c), so a name that needs escapes, or is not UTF-8,
// is checked here through the server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

test('GET of a SKU that is not UTF-8 is 404 SKU_NOT_FOUND (was 500)', async () => {
  for (const raw of ['%FF', 'A%C0%AF', '%ED%A0%80']) {
    assertError(await srv.api(`/v1/inventory/${raw}`), 404, 'SKU_NOT_FOUND');
  }
});

test('GET of an unknown SKU with quotes, escapes or UTF-8 is 404 SKU_NOT_FOUND', async () => {
  for (const sku of ['a"b', 'back\\slash', 'caf\u00e9\u2013\u{1F4E6}']) {
    assertError(await srv.api(`/v1/inventory/${encodeURIComponent(sku)}`), 404, 'SKU_NOT_FOUND');
  }
});

test('the batch query answers an unknown SKU of any characters with its name, found false', async () => {
  const skus = ['a"b', 'back\\slash', 'ctl\u0001\u001f\b\f\n\r\t', 'caf\u00e9\u2013\u{1F4E6}', '/'];
  const r = await srv.api('/v1/inventory/query', {
    body: { items: [...skus.map((sku) => ({ sku, quantity: 2 })), { sku: 'MUG3', quantity: 1 }] },
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((d) => d.sku), [...skus, 'MUG3']);
  for (const d of r.json.items.slice(0, skus.length)) {
    assert.equal(d.found, false);
    assert.equal(d.status, 'OUT_OF_STOCK');
    assert.deepEqual(d.positions, []);
    assert.deepEqual(d.promise, { quantity: 2, fulfillable: false, allocations: [] });
  }
  // Control characters go as JSON escapes, as jansson writes them.
  assert.match(r.text, /"sku":"ctl\\u0001\\u001F\\b\\f\\n\\r\\t"/);
  assert.equal(r.json.items[skus.length].found, undefined);
  assert.equal(r.json.items[skus.length].promise.fulfillable, true);
});
