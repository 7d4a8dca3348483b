// The console's API at catalog scale (SPEC 7): the overview's page, count and Reserved column,
// and the receipts form's search of transit positions (GET /v1/transit-positions), bounded
// and answered from indexes. The browser side is tests/browser/scale.test.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HEADER, assertError, startServer } from './lib/server.mjs';
import { createSku, placeOrder } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const r = await srv.cli(['location', 'add', 'WH1', 'Warehouse']);
  assert.equal(r.code, 0, r.stderr);
});
after(() => srv?.stop());

const skus = async (p) => {
  const r = await srv.api(p, { key: true });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

describe('GET /v1/inventory: page, count, Reserved', () => {
  before(async () => {
    const csv = [HEADER,
      'PAGEA1,WH1,onhand,10,3,,,',
      'PAGEA2,WH1,onhand,10,0,,,',
      'PAGEA2,WH1,intransit,5,2,PAGEPO1,2026-11-20,2026-12-20',
      'PAGEA3,WH1,onhand,1,0,,,',
      'PAGEA4,WH1,onhand,1,0,,,'].join('\n') + '\n';
    assert.equal((await srv.importCsv(csv)).status, 201);
  });

  test('a page exactly full has no next cursor', async () => {
    const r = await skus('/v1/inventory?q=PAGEA&limit=4');
    assert.deepEqual(r.items.map((i) => i.sku), ['PAGEA1', 'PAGEA2', 'PAGEA3', 'PAGEA4']);
    assert.equal(r.nextCursor, null);
    const two = await skus('/v1/inventory?q=PAGEA&limit=2&cursor=PAGEA2');
    assert.deepEqual(two.items.map((i) => i.sku), ['PAGEA3', 'PAGEA4']);
    assert.equal(two.nextCursor, null);
    const one = await skus('/v1/inventory?q=PAGEA&limit=3');
    assert.equal(one.nextCursor, 'PAGEA3');
  });

  test('rows carry reserved units, summed over positions', async () => {
    const r = await skus('/v1/inventory?q=PAGEA&limit=2');
    assert.deepEqual(r.items.map((i) => [i.sku, i.reserved]), [['PAGEA1', 3], ['PAGEA2', 2]]);
  });

  test('total counts the matching SKUs, not the page', async () => {
    const r = await skus('/v1/inventory?q=pagea&limit=1');
    assert.equal(r.items.length, 1);
    assert.equal(r.total, 4);
    assert.equal(r.totalExact, true);
    const none = await skus('/v1/inventory?q=NOSUCHSKU');
    assert.deepEqual([none.items, none.total, none.totalExact, none.nextCursor], [[], 0, true, null]);
  });

  test('past 10,000 matching SKUs the total says "more than"', async () => {
    const file = path.join(srv.dir, 'many.csv');
    const rows = [HEADER];
    for (let i = 0; i < 10001; i++) rows.push(`MANY${String(i).padStart(5, '0')},WH1,onhand,1,0,,,`);
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const imp = await srv.cli(['import', file]);
    assert.equal(imp.code, 0, imp.stderr);
    const r = await skus('/v1/inventory?q=MANY&limit=3');
    assert.deepEqual([r.total, r.totalExact, r.items.length, r.nextCursor], [10000, false, 3, 'MANY00002']);
    const fewer = await skus('/v1/inventory?q=MANY1&limit=3');
    assert.deepEqual([fewer.total, fewer.totalExact], [1, true]);
    const last = await skus('/v1/inventory?q=MANY&limit=2&cursor=MANY09999');
    assert.deepEqual([last.items.map((i) => i.sku), last.nextCursor], [['MANY10000'], null]);
  });

  test('a search term longer than 100 characters is refused', async () => {
    assertError(await srv.api(`/v1/inventory?q=${'A'.repeat(101)}`, { key: true }), 422, 'VALIDATION_FAILED');
  });
});

describe('GET /v1/transit-positions (key): the receipts search', () => {
  before(async () => {
    const csv = [HEADER,
      'RCPTX1,WH1,onhand,4,0,,,',
      'RCPTX1,WH1,intransit,20,1,SHIPA,2026-11-20,2026-12-15',
      'RCPTX1,WH1,intransit,7,0,SHIPB,2026-11-21,',
      'RCPTX2,WH1,intransit,9,0,SHIPA,2026-11-20,2026-12-15',
      'OTHERY,WH1,intransit,3,0,RCPTREF9,2026-11-20,2026-12-01'].join('\n') + '\n';
    assert.equal((await srv.importCsv(csv)).status, 201);
  });

  const search = async (q, extra = '') =>
    skus(`/v1/transit-positions?q=${encodeURIComponent(q)}${extra}`);
  const keys = (r) => r.items.map((p) => `${p.sku}/${p.transitRef}`);

  test('needs a key', async () => {
    assertError(await srv.api('/v1/transit-positions?q=RCPT'), 401, 'UNAUTHORIZED');
  });

  test('finds transit positions by SKU prefix, never onhand ones', async () => {
    const r = await search('RCPTX1');
    assert.deepEqual(r, { more: false, items: [
      { sku: 'RCPTX1', locationId: 'WH1', transitRef: 'SHIPA', transitOrderDate: '2026-11-20',
        transitStockDate: '2026-12-15', quantity: 20, reservedQuantity: 1, allocatedQuantity: 0 },
      { sku: 'RCPTX1', locationId: 'WH1', transitRef: 'SHIPB', transitOrderDate: '2026-11-21',
        transitStockDate: null, quantity: 7, reservedQuantity: 0, allocatedQuantity: 0 }] });
  });

  test('finds them by transitRef prefix too, in capitals when typed in lower case', async () => {
    assert.deepEqual(keys(await search('shipa')), ['RCPTX1/SHIPA', 'RCPTX2/SHIPA']);
    assert.deepEqual(keys(await search('RCPT')), ['OTHERY/RCPTREF9', 'RCPTX1/SHIPA', 'RCPTX1/SHIPB', 'RCPTX2/SHIPA']);
    assert.deepEqual(keys(await search('nothing')), []);
  });

  test('limit bounds the answer and more says there is more', async () => {
    const r = await search('RCPT', '&limit=2');
    assert.deepEqual([keys(r), r.more], [['OTHERY/RCPTREF9', 'RCPTX1/SHIPA'], true]);
    const all = await search('RCPT', '&limit=4');
    assert.equal(all.more, false);
  });
});

describe('GET /v1/orders: keyset pages', () => {
  test('a page exactly full has no next cursor', async () => {
    const sku = await createSku(srv, { onhand: 10 });
    const a = await placeOrder(srv, [{ sku, quantity: 1 }]);
    const b = await placeOrder(srv, [{ sku, quantity: 1 }]);
    const full = await skus('/v1/orders?limit=2');
    assert.deepEqual([full.items.map((o) => o.id), full.nextCursor], [[b.id, a.id], null]);
    const first = await skus('/v1/orders?limit=1');
    assert.deepEqual([first.items.map((o) => o.id), first.nextCursor], [[b.id], b.id]);
    const last = await skus(`/v1/orders?limit=1&cursor=${b.id}`);
    assert.deepEqual([last.items.map((o) => o.id), last.nextCursor], [[a.id], null]);
  });
});

/* Every page of a newest-first list, following nextCursor; asserts the pages are bounded. */
async function allPages(base, limit) {
  const ids = [];
  for (let cursor = '', pages = 0; ; pages++) {
    assert.ok(pages < 100, 'pagination does not end');
    const r = await skus(`${base}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(r.items.length <= limit && r.items.length > 0, `page of ${r.items.length}`);
    ids.push(...r.items.map((i) => i.id));
    if (r.nextCursor === null) return ids;
    assert.equal(r.nextCursor, r.items.at(-1).id);
    cursor = r.nextCursor;
  }
}

describe('import history and outbox: keyset pages, newest first', () => {
  test('GET /v1/inventory/imports pages with cursor', async () => {
    const mine = [];
    for (const q of [1, 2, 3]) {
      const r = await srv.importCsv(`${HEADER}\nHIST${q},WH1,onhand,${q},0,,,\n`);
      assert.equal(r.status, 201, r.text);
      mine.unshift(r.json.id);
    }
    const ids = await allPages('/v1/inventory/imports', 2);
    assert.deepEqual(ids.slice(0, 3), mine);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(await allPages('/v1/inventory/imports', 200), ids);
    const full = await skus(`/v1/inventory/imports?limit=${ids.length}`);
    assert.equal(full.nextCursor, null);
    const unknown = await skus('/v1/inventory/imports?cursor=imp_unknown');
    assert.deepEqual([unknown.items, unknown.nextCursor], [[], null]);
  });

  test('GET /v1/outbox pages with cursor', async () => {
    const sku = await createSku(srv, { onhand: 10 });
    for (let i = 0; i < 3; i++) await placeOrder(srv, [{ sku, quantity: 1 }]);
    const ids = await allPages('/v1/outbox', 2);
    assert.ok(ids.length >= 3);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(await allPages('/v1/outbox', 500), ids);
    const full = await skus(`/v1/outbox?limit=${ids.length}`);
    assert.equal(full.nextCursor, null);
  });
});
