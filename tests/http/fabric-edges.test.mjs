// SPEC 9 edges of the fabric endpoints (docs/fabric.md): a channel given twice is refused
// rather than read as its first; every bulk-insert message is `line N: <field>: <message>`;
// the offset-paged lists refuse a limit outside 1..100 rather than clamp it.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';
import { uniqueSku } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const r = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await srv?.stop();
});

const bulkInsert = (records) =>
  srv.api('/api-inventory/inventory/bulk-insert', { body: records, headers: { 'x-api-key': srv.key } });

async function stocked(n = 1) {
  const skus = Array.from({ length: n }, () => uniqueSku('FE'));
  const res = await bulkInsert(skus.map((sku) => ({ sku, totalQuantity: 5, locationId: 'WH1',
    type: 'Stock' })));
  assert.equal(res.json.status, 'COMPLETED', res.text);
  return skus;
}

/** A request with raw header lines, so a header can come twice (fetch would join them into
 * one "7, 9"). headers: [name, value, name, value, ...]. Resolves {status, json}. */
function rawRequest(path, { method = 'GET', headers = [], body } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  // Raw header lines go as given: Node adds no Host header to them.
  const lines = ['host', new URL(srv.url).host, ...headers, ...(payload === undefined ? []
    : ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(payload))])];
  return new Promise((resolve, reject) => {
    const req = http.request(srv.url + path, { method, headers: lines }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function assertRefused(res, pattern) {
  assert.equal(res.status, 422, res.text);
  assert.equal(res.json.error.code, 'VALIDATION_FAILED', res.text);
  assert.match(res.json.error.message, pattern);
}

describe('a channel given twice is refused, not read as its first', () => {
  test('?channelId= twice on GET /v1/inventory/{sku}', async () => {
    const [sku] = await stocked();
    assert.equal((await srv.api(`/v1/inventory/${sku}?channelId=7`)).status, 200);
    for (const q of ['channelId=7&channelId=9', 'channelId=7&channelId=7']) {
      assertError(await srv.api(`/v1/inventory/${sku}?${q}`), 422, 'VALIDATION_FAILED',
        /^channelId is given more than once in the query string$/);
    }
  });

  test('two x-fabric-channel-id headers, on the GET and on fabric Get inventories', async () => {
    const [sku] = await stocked();
    const once = await rawRequest(`/v1/inventory/${sku}`, { headers: ['x-fabric-channel-id', '7'] });
    assert.equal(once.status, 200, once.text);
    const twice = ['x-fabric-channel-id', '7', 'X-Fabric-Channel-Id', '9'];
    assertRefused(await rawRequest(`/v1/inventory/${sku}`, { headers: twice }),
      /^the x-fabric-channel-id header is given more than once$/);
    const body = { items: [{ sku, quantity: 1 }] };
    const one = await rawRequest('/api-inventory/inventory', { method: 'POST', body,
      headers: ['x-fabric-channel-id', '7'] });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json[0].availableStockQuantity, 5);
    assertRefused(await rawRequest('/api-inventory/inventory', { method: 'POST', body,
      headers: ['x-fabric-channel-id', '7', 'x-fabric-channel-id', '7'] }),
    /^the x-fabric-channel-id header is given more than once$/);
  });
});

describe('bulk-insert messages are all "line N: <field>: <message>"', () => {
  test('an unknown field, an itemId, a record that is not an object', async () => {
    const sku = uniqueSku('FE');
    const ok = { sku, totalQuantity: 1, locationId: 'WH1', type: 'Stock' };
    const res = await bulkInsert([{ ...ok, foo: 1 }, { ...ok, sku: undefined, itemId: 999999 },
      { ...ok, itemId: 0 }, 7]);
    assert.equal(res.json.status, 'FAILED', res.text);
    assert.deepEqual(res.json.messages, [
      'line 1: foo: unknown field "foo"',
      'line 2: itemId: itemId 999999 is unknown: no product has it',
      'line 3: itemId: itemId must be a positive whole number',
      'line 4: record: each record must be a JSON object',
    ]);
  });

  test('the /v1 bulk job names itemId as the column of its errors', async () => {
    const sku = uniqueSku('FE');
    const res = await srv.api('/v1/inventory/bulk', { key: true, body: [{ sku, quantity: 1,
      locationId: 'WH1', stockType: 'onhand', itemId: 999998 }] });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(res.json.errors.map((e) => [e.line, e.column, e.value, e.message]), [
      [1, 'itemId', '999998', 'itemId 999998 is unknown: no product has it']]);
  });
});

describe('limit is 1..100 on the offset-paged fabric lists: 422 outside, never clamped', () => {
  const lists = {
    location: (q) => srv.api(`/api-inventory/inventory/location/WH1${q}`, { key: true }),
    find: (q, body = {}) => srv.api(`/inventories/actions/find${q}`, { key: true, body }),
  };
  for (const [name, list] of Object.entries(lists)) {
    test(`${name}: limit 0, 101, -1, 1.5, x are refused; 1 and 100 are taken as asked`, async () => {
      await stocked(2);
      for (const limit of ['0', '101', '-1', '1.5', 'x']) {
        assertError(await list(`?limit=${limit}`), 422, 'VALIDATION_FAILED',
          new RegExp(`^limit must be a whole number from 1 to 100, not "${limit.replace('.', '\\.')}"$`));
      }
      for (const [q, want] of [['?limit=1', 1], ['?limit=100', 100], ['', 10], ['?limit=', 10]]) {
        const res = await list(q);
        assert.equal(res.status, 200, res.text);
        const page = name === 'location' ? res.json.query : res.json.pagination;
        const rows = name === 'location' ? res.json.inventories : res.json.data;
        assert.equal(page.limit, want, q);
        assert.equal(rows.length, Math.min(want, page.count), q);
      }
    });
  }
});

test('a position named in an error carries its channel (part of its key)', async () => {
  const sku = uniqueSku('FE');
  const res = await bulkInsert([{ sku, totalQuantity: 10, locationId: 'WH1', type: 'Transit',
    transitRef: 'PO1', transitOrderDate: '2026-11-20', transitStockDate: '2026-12-15' }]);
  assert.equal(res.json.status, 'COMPLETED', res.text);
  // PO1 exists without a channel; channel 7's PO1 does not.
  assertError(await srv.api('/v1/inventory/receipts', { key: true, body: { sku,
    locationId: 'WH1', transitRef: 'PO1', quantity: 1, channelId: 7 } }), 404, 'NOT_FOUND',
  new RegExp(`^no transit position PO1 of ${sku} at WH1 in channel 7$`));
});

test('pages of the location list and of find without a filter are slices of the whole', async () => {
  const own = await startServer({ demo: false }); // its own: the counts are exact
  try {
    for (const [locationId, name] of [['WH1', 'Main'], ['WH2', 'Second']]) {
      const r = await own.api('/v1/locations', { key: true, body: { locationId, name } });
      assert.equal(r.status, 201, r.text);
    }
    // SKUs of 1 to 4 positions, some only at WH2: pages cut through a SKU's positions.
    const records = [];
    for (let i = 0; i < 7; i++) {
      const sku = `EDGE${i}`;
      if (i % 3 !== 2) records.push({ sku, totalQuantity: i, locationId: 'WH1', type: 'Stock' });
      records.push({ sku, totalQuantity: 2, locationId: 'WH2', type: 'Stock', channelId: 7 });
      for (let t = 0; t < i % 3; t++) {
        records.push({ sku, totalQuantity: 5, locationId: 'WH1', type: 'Transit',
          transitRef: `PO${t}`, transitOrderDate: '2026-11-20', transitStockDate: `2026-12-1${t}` });
      }
    }
    const ins = await own.api('/api-inventory/inventory/bulk-insert', { key: true, body: records });
    assert.equal(ins.json.status, 'COMPLETED', ins.text);
    const find = (q) => own.api(`/inventories/actions/find${q}`, { key: true, body: {} });
    const byLoc = (q) => own.api(`/api-inventory/inventory/location/WH1${q}`, { key: true });
    const all = (await find('?limit=100')).json;
    assert.equal(all.pagination.count, records.length);
    assert.equal(all.data.length, records.length);
    assert.deepEqual(all.data.slice(0, 4).map((d) => d.inventoryId),
      ['EDGE0:WH1', 'EDGE0:WH2:c7', 'EDGE1:WH1', 'EDGE1:WH2:c7']); // by SKU, onhand first
    const locAll = (await byLoc('?limit=100')).json;
    assert.equal(locAll.query.count, 7);
    assert.deepEqual(locAll.inventories.map((x) => x.sku),
      ['EDGE0', 'EDGE1', 'EDGE2', 'EDGE3', 'EDGE4', 'EDGE5', 'EDGE6']);
    for (let offset = 0; offset <= records.length; offset++) {
      const page = (await find(`?limit=3&offset=${offset}`)).json;
      assert.deepEqual(page.pagination, { limit: 3, offset, count: records.length });
      assert.deepEqual(page.data, all.data.slice(offset, offset + 3), `find offset ${offset}`);
    }
    for (let offset = 0; offset <= 8; offset++) {
      const page = (await byLoc(`?limit=2&offset=${offset}`)).json;
      assert.deepEqual(page.query, { limit: 2, offset, count: 7 });
      assert.deepEqual(page.inventories, locAll.inventories.slice(offset, offset + 2),
        `location offset ${offset}`);
    }
  } finally {
    await own.stop();
  }
});
