// SPEC 9 channels: a position may carry a channelId (CSV column, bulk field, fabric bulk
// insert), and it is part of the position's key. A position without a channel serves every
// channel; a request or an order in channel C uses C's positions and the channel-less ones;
// without a channel, every position. Every test makes its own SKUs and ends with
// `sellahead check`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { HEADER, PG_URL, assertError, assertFailedJob, createPgDatabase, dropPgDatabase, run,
  startServer } from './lib/server.mjs';
import { assertCheck, orderBody, placeOrder, placeOrderRaw, uniqueSku } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const loc = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
});
afterEach(() => assertCheck(srv));
after(() => srv.stop());

const A = 7;
const B = 8;

/** A product and its positions at WH1 from bulk records ({quantity, channelId?, ref?, stockDate?}). */
async function channelSku(rows) {
  const sku = uniqueSku('CH');
  const p = await srv.api('/v1/products', { key: true, body: [{ sku, name: `Item ${sku}`, price: 500 }] });
  assert.equal(p.status, 200, p.text);
  const records = rows.map((r) => {
    const rec = { sku, locationId: 'WH1', quantity: r.quantity };
    if (r.ref) {
      Object.assign(rec, { stockType: 'intransit', transitRef: r.ref, transitOrderDate: '2026-11-20' });
      if (r.stockDate) rec.transitStockDate = r.stockDate;
    } else {
      rec.stockType = 'onhand';
    }
    if (r.channelId !== undefined) rec.channelId = r.channelId;
    return rec;
  });
  const b = await srv.bulk(records);
  assert.equal(b.status, 201, b.text);
  return sku;
}

/** The 5.1 document for a channel given as ?channelId= (or none). */
async function doc(sku, { channel, quantity } = {}) {
  const q = new URLSearchParams();
  if (quantity !== undefined) q.set('quantity', String(quantity));
  if (channel !== undefined) q.set('channelId', String(channel));
  const r = await srv.api(`/v1/inventory/${sku}${q.size ? `?${q}` : ''}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** [channelId (null for none), stockType, transitRef, quantity, allocated] per position. */
async function positions(sku) {
  const d = await doc(sku);
  return d.positions.map((p) => [p.channelId ?? null, p.stockType, p.transitRef ?? null,
    p.quantity, p.allocatedQuantity]);
}

/** POST /v1/orders for quantity units of sku in channelId (none when undefined). */
const inChannel = (sku, quantity, channelId, on = srv) => placeOrderRaw(on, [], {
  body: { ...orderBody([{ sku, quantity }]), ...(channelId === undefined ? {} : { channelId }) },
});

describe('orders', () => {
  test('an order in channel A never takes channel B\'s units', async () => {
    const sku = await channelSku([{ quantity: 3, channelId: A }, { quantity: 5, channelId: B }]);
    assertError(await inChannel(sku, 4, A), 409, 'INSUFFICIENT_INVENTORY');
    const r = await inChannel(sku, 3, A);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.channelId, A);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 3, 3], [B, 'onhand', null, 5, 0]]);
    assertError(await inChannel(sku, 1, A), 409, 'INSUFFICIENT_INVENTORY');
    const got = await srv.api(`/v1/orders/${r.json.id}`, { key: true });
    assert.equal(got.json.channelId, A, 'the order keeps its channel');
    // Without a channel an order may take any position.
    const any = await placeOrder(srv, [{ sku, quantity: 2 }]);
    assert.equal(any.channelId, null);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 3, 3], [B, 'onhand', null, 5, 2]]);
  });

  test('channel-less positions serve every channel, after the channel\'s own', async () => {
    const sku = await channelSku([{ quantity: 4 }, { quantity: 2, channelId: A }]);
    assert.equal((await doc(sku, { channel: A })).availableTotal, 6);
    assert.equal((await doc(sku, { channel: B })).availableTotal, 4);
    assert.equal((await doc(sku)).availableTotal, 6);
    // A's own unit goes first, so the shared ones stay for every channel.
    assert.equal((await inChannel(sku, 1, A)).status, 201);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 2, 1], [null, 'onhand', null, 4, 0]]);
    assert.equal((await inChannel(sku, 4, B)).status, 201);
    assertError(await inChannel(sku, 1, B), 409, 'INSUFFICIENT_INVENTORY');
    // fabric's header names the channel as well as the field does.
    const h = await placeOrderRaw(srv, [{ sku, quantity: 1 }], { headers: { 'x-fabric-channel-id': String(A) } });
    assert.equal(h.status, 201, h.text);
    assert.equal(h.json.channelId, A);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 2, 2], [null, 'onhand', null, 4, 4]]);
  });

  test('units from a channel\'s and the shared onhand of one place are one shipment', async () => {
    const sku = await channelSku([{ quantity: 2 }, { quantity: 2, channelId: A }]);
    const r = await inChannel(sku, 3, A);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.shipments.map((s) => [s.status, s.stockType, s.lines, s.amount]),
      [['READY', 'onhand', [{ sku, quantity: 3 }], 1500]]);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 2, 2], [null, 'onhand', null, 2, 1]]);
    const shipped = await srv.api(`/v1/shipments/${r.json.shipments[0].id}/ship`,
      { key: true, body: { trackingNumber: 'T1' } });
    assert.equal(shipped.status, 200, shipped.text);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 0, 0], [null, 'onhand', null, 1, 0]]);
  });

  test('a bad channelId is refused and places nothing', async () => {
    const sku = await channelSku([{ quantity: 3, channelId: A }]);
    for (const bad of [0, -1, 'x', 1.5, 2147483648]) {
      assertError(await inChannel(sku, 1, bad), 422, 'VALIDATION_FAILED', /channelId/);
    }
    assertError(await placeOrderRaw(srv, [], {
      body: { ...orderBody([{ sku, quantity: 1 }]), channelId: A },
      headers: { 'x-fabric-channel-id': String(B) },
    }), 422, 'VALIDATION_FAILED', /different channels/);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 3, 0]]);
  });

  test('concurrent orders in channels A and B: each channel sells exactly its own stock',
    async () => {
      const sku = await channelSku([{ quantity: 10, channelId: A }, { quantity: 10, channelId: B }]);
      const tries = [];
      for (let i = 0; i < 15; i++) tries.push([A, inChannel(sku, 1, A)], [B, inChannel(sku, 1, B)]);
      const placed = { [A]: 0, [B]: 0 };
      for (const [ch, p] of tries) {
        const r = await p;
        if (r.status === 201) {
          placed[ch] += 1;
          assert.equal(r.json.channelId, ch);
        } else {
          assertError(r, 409, 'INSUFFICIENT_INVENTORY');
        }
      }
      assert.deepEqual(placed, { [A]: 10, [B]: 10 });
      assert.deepEqual(await positions(sku), [[A, 'onhand', null, 10, 10], [B, 'onhand', null, 10, 10]]);
    });
});

describe('limits', () => {
  test('safetyStock is one figure per SKU and location across channels', async () => {
    const sku = await channelSku([{ quantity: 4 }, { quantity: 3, channelId: A }]);
    const set = await srv.api('/v1/inventory/limits', { method: 'PUT', key: true,
      body: [{ sku, locationId: 'WH1', safetyStock: 2 }] });
    assert.equal(set.status, 200, set.text);
    // Held back once, from the shared units first: channel A may sell 3 + 2, B only 2.
    assert.equal((await doc(sku)).availableStockQuantity, 5);
    assert.equal((await doc(sku, { channel: A })).availableStockQuantity, 5);
    assert.equal((await doc(sku, { channel: B })).availableStockQuantity, 2);
    assertError(await inChannel(sku, 3, B), 409, 'INSUFFICIENT_INVENTORY');
    assert.equal((await inChannel(sku, 2, B)).status, 201);
    assert.equal((await doc(sku, { channel: A })).availableStockQuantity, 3);
    assert.equal((await inChannel(sku, 3, A)).status, 201);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 3, 3], [null, 'onhand', null, 4, 2]]);
  });
});

describe('re-planning', () => {
  test('a cut in channel A moves A\'s orders only onto positions A may use', async () => {
    const sku = await channelSku([{ quantity: 5, channelId: A }, { quantity: 5, channelId: B },
      { quantity: 2, ref: 'PO1', stockDate: '2026-12-15' }]);
    const r = await inChannel(sku, 4, A);
    assert.equal(r.status, 201, r.text);
    const cut = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 1, channelId: A }]);
    assert.equal(cut.status, 201, cut.text);
    // 1 stays on A's onhand, 2 move to the channel-less PO, 1 waits: B's free units are not A's.
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 1, 1], [B, 'onhand', null, 5, 0],
      [null, 'intransit', 'PO1', 2, 2]]);
    const o = (await srv.api(`/v1/orders/${r.json.id}`, { key: true })).json;
    const open = o.shipments.filter((s) => s.status !== 'CANCELLED')
      .map((s) => [s.stockType, s.lines[0].quantity]).sort();
    assert.deepEqual(open, [['intransit', 2], ['onhand', 1], ['unsourced', 1]]);
    // New B stock is no use to A's waiting unit; new A stock is.
    const more = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 9, channelId: B }]);
    assert.equal(more.status, 201, more.text);
    assert.deepEqual((await positions(sku))[1], [B, 'onhand', null, 9, 0]);
    const back = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 4, channelId: A }]);
    assert.equal(back.status, 201, back.text);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 4, 4], [B, 'onhand', null, 9, 0],
      [null, 'intransit', 'PO1', 2, 0]]);
  });
});

describe('receipts', () => {
  test('a channel\'s transit position is received into that channel\'s onhand', async () => {
    const sku = await channelSku([{ quantity: 5, channelId: A, ref: 'PO1', stockDate: '2026-12-15' }]);
    const r = await inChannel(sku, 3, A);
    assert.equal(r.status, 201, r.text);
    const receipt = (body) => srv.api('/v1/inventory/receipts', { key: true, body });
    const base = { sku, locationId: 'WH1', transitRef: 'PO1', quantity: 5 };
    assertError(await receipt(base), 404, 'NOT_FOUND');
    assertError(await receipt({ ...base, channelId: 0 }), 422, 'VALIDATION_FAILED', /channelId/);
    const got = await receipt({ ...base, channelId: A });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.released.length, 1);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 5, 3], [A, 'intransit', 'PO1', 0, 0]]);
    assert.equal((await doc(sku, { channel: B })).availableTotal, 0, 'channel B sees none of it');
  });
});

describe('availability', () => {
  test('per channel through ?channelId=, the query body and the x-fabric-channel-id header',
    async () => {
      const sku = await channelSku([{ quantity: 4 }, { quantity: 3, channelId: A },
        { quantity: 6, channelId: B }]);
      const figures = (d) => [d.availableStockQuantity, d.positions.map((p) => p.channelId ?? null)];
      assert.deepEqual(figures(await doc(sku)), [13, [A, B, null]]);
      assert.deepEqual(figures(await doc(sku, { channel: A })), [7, [A, null]]);
      assert.deepEqual(figures(await doc(sku, { channel: B })), [10, [B, null]]);
      assert.deepEqual(figures(await doc(sku, { channel: 99 })), [4, [null]]);
      const promise = (await doc(sku, { channel: A, quantity: 5 })).promise;
      assert.deepEqual([promise.fulfillable, promise.allocations.map((x) => x.quantity)], [true, [3, 2]]);

      const q = await srv.api('/v1/inventory/query', { body: { items: [{ sku }], channelId: B } });
      assert.equal(q.status, 200, q.text);
      assert.deepEqual(figures(q.json.items[0]), [10, [B, null]]);
      const h = await srv.api(`/v1/inventory/${sku}`, { headers: { 'x-fabric-channel-id': String(A) } });
      assert.equal(h.status, 200, h.text);
      assert.deepEqual(figures(h.json), [7, [A, null]]);
      const same = await srv.api(`/v1/inventory/${sku}?channelId=${A}`,
        { headers: { 'x-fabric-channel-id': String(A) } });
      assert.equal(same.json.availableStockQuantity, 7);
      // The channel-less answer is still the whole SKU after channel answers (no mixed cache).
      assert.deepEqual(figures(await doc(sku)), [13, [A, B, null]]);

      assertError(await srv.api(`/v1/inventory/${sku}?channelId=0`), 422, 'VALIDATION_FAILED', /channelId/);
      assertError(await srv.api(`/v1/inventory/${sku}?channelId=A1`), 422, 'VALIDATION_FAILED', /channelId/);
      assertError(await srv.api(`/v1/inventory/${sku}?channelId=${A}`,
        { headers: { 'x-fabric-channel-id': String(B) } }), 422, 'VALIDATION_FAILED', /different channels/);
      assertError(await srv.api('/v1/inventory/query', { body: { items: [{ sku }], channelId: '7' } }),
        422, 'VALIDATION_FAILED', /channelId/);
    });

  test('sellahead inventory --channel prints the same document as ?channelId=', async () => {
    const sku = await channelSku([{ quantity: 4 }, { quantity: 3, channelId: A }, { quantity: 6, channelId: B }]);
    for (const channel of [A, B]) {
      const cli = await srv.cli(['inventory', sku, '--channel', String(channel), '--quantity', '5']);
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(JSON.parse(cli.stdout), await doc(sku, { channel, quantity: 5 }));
    }
    const all = await srv.cli(['inventory', sku]);
    assert.equal(JSON.parse(all.stdout).availableStockQuantity, 13);
  });

  test('fabric endpoints show each position\'s channel', async () => {
    const sku = await channelSku([{ quantity: 4 }, { quantity: 3, channelId: A },
      { quantity: 6, channelId: B }, { quantity: 5, channelId: A, ref: 'PO9', stockDate: '2026-12-20' }]);
    const g = await srv.api('/api-inventory/inventory', { body: { items: [{ sku, quantity: 4 }], channelId: A } });
    assert.equal(g.status, 200, g.text);
    const [it] = g.json;
    assert.deepEqual(it.fromStock.map((p) => [p.channelId, p.stockRemaining, p.stockRequest]),
      [[A, 3, 3], [null, 4, 1]]);
    assert.deepEqual(it.fromTransit.map((p) => [p.channelId, p.inTransitRef]), [[A, 'PO9']]);
    const loc = await srv.api('/api-inventory/inventory/location/WH1?limit=100', { key: true });
    assert.equal(loc.status, 200, loc.text);
    const row = loc.json.inventories.find((x) => x.sku === sku);
    assert.equal(row.inStock, 13);
    assert.deepEqual(row.channel.map((c) => c.channelId), [A, B, null]);
    const find = await srv.api('/inventories/actions/find', { key: true, body: { skus: [sku] } });
    assert.equal(find.status, 200, find.text);
    assert.deepEqual(find.json.data.map((d) => `${d.type} ${d.channelId}`).sort(),
      [`ONHAND ${A}`, `ONHAND ${B}`, 'ONHAND null', `PREORDER ${A}`]);
    assert.equal(new Set(find.json.data.map((d) => d.inventoryId)).size, 4, 'ids are unique');
  });
});

describe('input', () => {
  test('CSV: channelId is an optional column, part of the position\'s key', async () => {
    const sku = uniqueSku('CSV');
    const ok = await srv.importCsv(`${HEADER},channelId\n${sku},WH1,onhand,5,0,,,,\n` +
      `${sku},WH1,onhand,2,0,,,,${A}\n${sku},WH1,intransit,3,0,PO1,2026-11-20,2026-12-15,${B}\n`);
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 2, 0], [null, 'onhand', null, 5, 0],
      [B, 'intransit', 'PO1', 3, 0]]);
  });

  test('CSV: a bad channelId or a duplicate position is a line error and nothing applies',
    async () => {
      const sku = uniqueSku('CSV');
      const before = await srv.snapshot();
      const res = await srv.importCsv(`${HEADER},channelId\n${sku},WH1,onhand,5,0,,,,${A}\n` +
        `${sku},WH1,onhand,1,0,,,,x1\n${sku},WH1,onhand,1,0,,,,0\n${sku},WH1,onhand,1,0,,,,-3\n` +
        `${sku},WH1,onhand,1,0,,,,2147483648\n${sku},WH1,onhand,9,0,,,,${A}\n`);
      assertFailedJob(res, [
        { line: 3, column: 'channelId', value: 'x1',
          message: "channelId must be a whole number of 0 or more: character 'x' (0x78) at position 1 is not allowed" },
        { line: 4, column: 'channelId', value: '0',
          message: 'channelId must be 1 or more: leave it empty for a position without a channel' },
        { line: 5, column: 'channelId', value: '-3', message: /character '-' \(0x2D\) at position 1/ },
        { line: 6, column: 'channelId', value: '2147483648', message: 'channelId 2147483648 is larger than 2147483647' },
        { line: 7, column: 'sku', message: `onhand stock of ${sku} at WH1 in channel ${A} appears more than once in this file` },
      ]);
      assert.deepEqual(await srv.snapshot(), before);
    });

  test('bulk and fabric bulk insert: channelId field, same rules', async () => {
    const sku = uniqueSku('BLK');
    const before = await srv.snapshot();
    const bad = await srv.bulk([
      { sku, locationId: 'WH1', stockType: 'onhand', quantity: 1, channelId: A },
      { sku, locationId: 'WH1', stockType: 'onhand', quantity: 1, channelId: 0 },
      { sku, locationId: 'WH1', stockType: 'onhand', quantity: 1, channelId: true },
    ]);
    assertFailedJob(bad, [
      { line: 2, column: 'channelId', message: 'channelId must be 1 or more: leave it empty for a position without a channel' },
      { line: 3, column: 'channelId', message: 'channelId must be a string or a whole number' },
    ]);
    assert.deepEqual(await srv.snapshot(), before);

    const good = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 2, channelId: A },
      { sku, locationId: 'WH1', stockType: 'onhand', quantity: 3, channelId: null }]);
    assert.equal(good.status, 201, good.text);
    const fab = await srv.api('/api-inventory/inventory/bulk-insert', { key: true, body: [
      { sku, locationId: 'WH1', type: 'Stock', totalQuantity: 4, reservedQuantity: 0, channelId: B }] });
    assert.equal(fab.status, 200, fab.text);
    assert.equal(fab.json.status, 'COMPLETED', fab.text);
    assert.deepEqual(await positions(sku), [[A, 'onhand', null, 2, 0], [B, 'onhand', null, 4, 0],
      [null, 'onhand', null, 3, 0]]);
    const fbad = await srv.api('/api-inventory/inventory/bulk-insert', { key: true, body: [
      { sku, locationId: 'WH1', type: 'Stock', totalQuantity: 1, channelId: -2 }] });
    assert.equal(fbad.status, 200, fbad.text);
    assert.equal(fbad.json.status, 'FAILED');
    assert.match(fbad.json.messages[0], /^line 1: channelId: channelId must be a whole number/);
  });
});

test('sellahead migrate copies positions\' and orders\' channels (to SQLite, and to PostgreSQL ' +
  'with a cluster)', async (t) => {
  const src = await startServer({ backend: 'sqlite', demo: false });
  t.after(() => src.stop());
  const loc = await src.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
  const sku = uniqueSku('MIG');
  assert.equal((await src.api('/v1/products', { key: true, body: [{ sku, name: 'M', price: 100 }] })).status, 200);
  const b = await src.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 3, channelId: A },
    { sku, locationId: 'WH1', stockType: 'onhand', quantity: 2 }]);
  assert.equal(b.status, 201, b.text);
  const placed = await inChannel(sku, 2, A, src);
  assert.equal(placed.status, 201, placed.text);
  const targets = [path.join(src.dir, 'copy.db')];
  if (PG_URL) {
    const url = await createPgDatabase();
    t.after(() => dropPgDatabase(url));
    targets.push(url);
  }
  for (const target of targets) {
    const m = await run(['migrate', '--from', src.db, '--to', target]);
    assert.equal(m.code, 0, m.stderr);
    const copy = await startServer({ db: target, demo: false });
    try {
      const d = await copy.api(`/v1/inventory/${sku}?channelId=${B}`);
      assert.equal(d.status, 200, d.text);
      assert.deepEqual(d.json.positions.map((p) => [p.channelId ?? null, p.quantity]), [[null, 2]], target);
      const all = await copy.api(`/v1/inventory/${sku}`);
      assert.deepEqual(all.json.positions.map((p) => [p.channelId ?? null, p.allocatedQuantity]),
        [[A, 2], [null, 0]], target);
      const o = await copy.api(`/v1/orders/${placed.json.id}`, { key: true });
      assert.equal(o.json.channelId, A, target);
      await assertCheck(copy);
    } finally {
      await copy.stop();
    }
  }
});
