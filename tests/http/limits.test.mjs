// SPEC 9 limits per (sku, location), set with PUT /v1/inventory/limits: a pre-order or
// backorder limit caps what orders may take from a location's dated / undated transit
// positions, safetyStock keeps on-hand units back from the storefront and from orders,
// lowStock flags the document; a limit change is a supply change (SPEC 5.7). Every test
// makes its own SKUs and ends with `sellahead check`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';

import { PG_URL, assertError, createPgDatabase, dropPgDatabase, run, startServer } from './lib/server.mjs';
import { assertCheck, createSku, placeOrder, placeOrderRaw, sql, uniqueSku } from './lib/shop.mjs';
import { PO, plan, shipmentFrom } from './lib/promises.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const loc = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
});
afterEach(() => assertCheck(srv));
after(() => srv.stop());

function putLimits(rows, key = true) {
  return srv.api('/v1/inventory/limits', { method: 'PUT', key, body: rows });
}

async function setLimits(rows) {
  const r = await putLimits(rows);
  assert.equal(r.status, 200, r.text);
  return r.json.limits;
}

/** The SKU's row of the key-protected overview (GET /v1/inventory). */
async function overviewRow(sku) {
  const r = await srv.api(`/v1/inventory?q=${sku}`, { key: true });
  assert.equal(r.status, 200, r.text);
  const row = r.json.items.find((i) => i.sku === sku);
  assert.ok(row, `${sku} is in the overview`);
  return row;
}

const figures = (d) => [d.status, d.availableStockQuantity, d.availableTransitQuantity, d.availableTotal];

test('a preorderLimit below the PO quantity stops selling at the limit', async () => {
  const sku = await createSku(srv, { transit: [PO('PL1', '2026-12-15', 10)] });
  const set = await setLimits([{ sku, locationId: 'WH1', preorderLimit: 4 }]);
  assert.deepEqual(set, [{ sku, locationId: 'WH1', safetyStock: null, preorderLimit: 4,
    backorderLimit: null, lowStock: null }]);

  const doc = await srv.item(sku, 5);
  assert.deepEqual(figures(doc), ['IN_TRANSIT', 0, 4, 4]);
  assert.equal(doc.positions[0].quantity, 10, 'the position keeps its quantity');
  assert.equal(doc.positions[0].available, 4);
  assert.equal(doc.promise.fulfillable, false);

  await placeOrder(srv, [{ sku, quantity: 3 }]);
  assertError(await placeOrderRaw(srv, [{ sku, quantity: 2 }]), 409, 'INSUFFICIENT_INVENTORY');
  await placeOrder(srv, [{ sku, quantity: 1 }]);
  assertError(await placeOrderRaw(srv, [{ sku, quantity: 1 }]), 409, 'INSUFFICIENT_INVENTORY');
  const after = await srv.item(sku);
  assert.deepEqual(figures(after), ['OUT_OF_STOCK', 0, 0, 0]);
  assert.deepEqual([after.positions[0].allocatedQuantity, after.positions[0].available], [4, 0]);
  assert.equal((await overviewRow(sku)).available, 0);
});

test('the limit is per location and kind: two POs share one preorderLimit, backorders have their own', async () => {
  const sku = await createSku(srv, { transit: [PO('PS1', '2026-12-10', 5), PO('PS2', '2026-12-20', 5),
    { ref: 'BS1', quantity: 5 }] });
  await setLimits([{ sku, locationId: 'WH1', preorderLimit: 7, backorderLimit: 2 }]);
  const doc = await srv.item(sku, 9);
  assert.deepEqual(doc.positions.map((p) => [p.transitRef, p.available]), [['PS1', 5], ['PS2', 2], ['BS1', 2]]);
  assert.deepEqual(figures(doc), ['IN_TRANSIT', 0, 9, 9]);
  assert.deepEqual(doc.promise.allocations.map((a) => [a.transitRef, a.quantity]), [['PS1', 5], ['PS2', 2], ['BS1', 2]]);
  await placeOrder(srv, [{ sku, quantity: 9 }]);
  assertError(await placeOrderRaw(srv, [{ sku, quantity: 1 }]), 409, 'INSUFFICIENT_INVENTORY');
});

test('a cut below what is allocated re-plans like a shortfall: the newer order waits, delayed', async () => {
  const sku = await createSku(srv, { transit: [PO('PC1', '2026-12-07', 10)] });
  const o1 = await placeOrder(srv, [{ sku, quantity: 6 }]);
  const o2 = await placeOrder(srv, [{ sku, quantity: 4 }]);

  await setLimits([{ sku, locationId: 'WH1', preorderLimit: 7 }]);
  assert.deepEqual(await plan(srv, o1.id), [['PC1', 6, '2026-12-09', '2026-12-12']]);
  assert.deepEqual(await plan(srv, o2.id), [['PC1', 1, '2026-12-09', '2026-12-12'], ['unsourced', 3, null, null]]);
  const waiting = await shipmentFrom(srv, o2.id, 'unsourced');
  assert.equal(waiting.status, 'AWAITING_STOCK');
  assert.equal(waiting.delay.consent, 'PENDING');
  const pos = (await srv.item(sku)).positions[0];
  assert.deepEqual([pos.quantity, pos.allocatedQuantity, pos.available], [10, 7, 0]);
  await assertCheck(srv);

  // Lifting the limit is new supply: the waiting units go back onto the PO.
  await setLimits([{ sku, locationId: 'WH1', preorderLimit: null }]);
  assert.deepEqual(await plan(srv, o2.id), [['PC1', 4, '2026-12-09', '2026-12-12']]);
  const back = (await srv.item(sku)).positions[0];
  assert.deepEqual([back.allocatedQuantity, back.available], [10, 0]);
});

test('a backorderLimit cut leaves the newer order waiting; new on-hand stock serves it first', async () => {
  const sku = await createSku(srv, { transit: [{ ref: 'BC1', quantity: 10 }] });
  const o1 = await placeOrder(srv, [{ sku, quantity: 5 }]);
  const o2 = await placeOrder(srv, [{ sku, quantity: 5 }]);

  await setLimits([{ sku, locationId: 'WH1', backorderLimit: 6 }]);
  assert.deepEqual((await plan(srv, o1.id)).map((p) => [p[0], p[1]]), [['BC1', 5]]);
  assert.deepEqual((await plan(srv, o2.id)).map((p) => [p[0], p[1]]), [['BC1', 1], ['unsourced', 4]]);

  const b = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'onhand', quantity: 3 }]);
  assert.equal(b.status, 201, b.text);
  assert.deepEqual((await plan(srv, o1.id)).map((p) => [p[0], p[1]]), [['BC1', 5]]);
  assert.deepEqual((await plan(srv, o2.id)).map((p) => [p[0], p[1]]), [['BC1', 1], ['onhand', 3], ['unsourced', 1]]);
  assert.deepEqual(figures(await srv.item(sku)), ['OUT_OF_STOCK', 0, 0, 0]);
});

test('safetyStock hides on-hand units from the document and from orders', async () => {
  const sku = await createSku(srv, { onhand: 10, transit: [PO('SS1', '2026-12-15', 5)] });
  await setLimits([{ sku, locationId: 'WH1', safetyStock: 8 }]);
  const doc = await srv.item(sku, 3);
  assert.deepEqual(figures(doc), ['IN_STOCK', 2, 5, 7]);
  const onhand = doc.positions.find((p) => p.stockType === 'onhand');
  assert.deepEqual([onhand.quantity, onhand.available], [10, 2]);
  assert.deepEqual(doc.promise.allocations.map((a) => [a.stockType, a.quantity]), [['onhand', 2], ['intransit', 1]]);

  const o = await placeOrder(srv, [{ sku, quantity: 3 }]);
  assert.deepEqual((await plan(srv, o.id)).map((p) => [p[0], p[1]]), [['SS1', 1], ['onhand', 2]]);
  const row = await overviewRow(sku);
  assert.equal(row.available, 4);
  assert.deepEqual(row.limits, [{ locationId: 'WH1', safetyStock: 8, preorderLimit: null,
    backorderLimit: null, lowStock: null }]);
  assertError(await placeOrderRaw(srv, [{ sku, quantity: 5 }]), 409, 'INSUFFICIENT_INVENTORY');
});

test('lowStock: true when available on-hand is at or below it, false above it or without one', async () => {
  const sku = await createSku(srv, { onhand: 10 });
  assert.equal((await srv.item(sku)).lowStock, false, 'no limit: false');
  await setLimits([{ sku, locationId: 'WH1', lowStock: 5 }]);
  assert.equal((await srv.item(sku)).lowStock, false, '10 available > 5');
  await placeOrder(srv, [{ sku, quantity: 5 }]);
  assert.equal((await srv.item(sku)).lowStock, true, '5 available <= 5');
  assert.equal((await overviewRow(sku)).lowStock, true);
  // safetyStock counts: available on-hand is what a shopper could order.
  const other = await createSku(srv, { onhand: 10 });
  await setLimits([{ sku: other, locationId: 'WH1', lowStock: 3, safetyStock: 7 }]);
  assert.equal((await srv.item(other)).lowStock, true, '10 - 7 = 3 available <= 3');
});

test('absent fields stay as they are, null clears one', async () => {
  const sku = uniqueSku();
  await setLimits([{ sku, locationId: 'WH1', safetyStock: 3, backorderLimit: 0 }]);
  const two = await setLimits([{ sku, locationId: 'WH1', lowStock: 2 }]);
  assert.deepEqual(two, [{ sku, locationId: 'WH1', safetyStock: 3, preorderLimit: null,
    backorderLimit: 0, lowStock: 2 }]);
  const three = await setLimits([{ sku, locationId: 'WH1', safetyStock: null }]);
  assert.deepEqual(three[0].safetyStock, null);
  assert.deepEqual(three[0].lowStock, 2);
});

test('two rows of one sku and location: each may set other limits, one limit two ways is 422', async () => {
  const sku = uniqueSku();
  const both = await setLimits([{ sku, locationId: 'WH1', safetyStock: 4 }, { sku, locationId: 'WH1', lowStock: 6 },
    { sku, locationId: 'WH1', safetyStock: 4 }]);
  for (const row of both) assert.deepEqual([row.safetyStock, row.lowStock], [4, 6]);
  const r = await putLimits([{ sku, locationId: 'WH1', safetyStock: 1, lowStock: 1 }, { sku, locationId: 'WH1', safetyStock: 2 }]);
  assertError(r, 422, 'VALIDATION_FAILED', /safetyStock of .* at WH1 is given two different values/);
  assertError(await putLimits([{ sku, locationId: 'WH1', lowStock: null }, { sku, locationId: 'WH1', lowStock: 0 }]),
    422, 'VALIDATION_FAILED', /lowStock/);
  const row = (await setLimits([{ sku, locationId: 'WH1' }]))[0];
  assert.deepEqual([row.safetyStock, row.lowStock], [4, 6], 'nothing of the refused bodies applied');
});

test('a whole-number locationId names the location with those digits, as fabric sends it', async () => {
  const loc = await srv.api('/v1/locations', { key: true, body: { locationId: '12', name: 'Store 12' } });
  assert.equal(loc.status, 201, loc.text);
  const sku = uniqueSku();
  const rows = await setLimits([{ sku, locationId: 12, lowStock: 3 }]);
  assert.deepEqual([rows[0].locationId, rows[0].lowStock], ['12', 3]);
  assertError(await putLimits([{ sku, locationId: true, lowStock: 3 }]), 422, 'VALIDATION_FAILED');
});

test('bad input: 422 with a detail per problem, nothing applied', async () => {
  const sku = await createSku(srv, { onhand: 10 });
  const bad = [
    [{ sku, locationId: 'WH1', safetyStock: -1 }, 'safetyStock'],
    [{ sku, locationId: 'WH1', preorderLimit: 1.5 }, 'preorderLimit'],
    [{ sku, locationId: 'WH1', lowStock: '3' }, 'lowStock'],
    [{ sku, locationId: 'WH1', backorderLimit: 2147483648 }, 'backorderLimit'],
    [{ sku, locationId: 'WH1', safetyStock: 1, channel: 2 }, 'channel'],
    [{ sku: 'NO-SKU', locationId: 'WH1', safetyStock: 1 }, 'sku'],
    [{ locationId: 'WH1', safetyStock: 1 }, 'sku'],
    [{ sku, safetyStock: 1 }, 'locationId'],
  ];
  for (const [row, field] of bad) {
    const r = await putLimits([{ sku, locationId: 'WH1', safetyStock: 9 }, row]);
    assertError(r, 422, 'VALIDATION_FAILED');
    assert.deepEqual(r.json.error.details.map((d) => [d.index, d.field]), [[1, field]], JSON.stringify(row));
  }
  assertError(await putLimits([{ sku, locationId: 'NOWHERE', safetyStock: 1 }]), 422, 'VALIDATION_FAILED',
    /^locationId NOWHERE does not exist: add the location first \(row 1\)$/);
  assertError(await putLimits({ sku, locationId: 'WH1' }), 422, 'VALIDATION_FAILED');
  assertError(await putLimits([[]]), 422, 'VALIDATION_FAILED');
  assertError(await putLimits([{ sku, locationId: 'WH1', safetyStock: 9 }], false), 401, 'UNAUTHORIZED');
  assert.deepEqual((await overviewRow(sku)).limits, [], 'nothing was applied');
  assert.equal((await srv.item(sku)).availableStockQuantity, 10);
});

test('orders racing for the last units under a preorderLimit: exactly the limit is sold', async () => {
  const sku = await createSku(srv, { transit: [PO('PR1', '2026-12-15', 50)] });
  await setLimits([{ sku, locationId: 'WH1', preorderLimit: 6 }]);
  const answers = await Promise.all(Array.from({ length: 12 }, () => placeOrderRaw(srv, [{ sku, quantity: 1 }])));
  const codes = answers.map((r) => r.status).sort();
  assert.deepEqual(codes, [...Array(6).fill(201), ...Array(6).fill(409)], answers.map((r) => r.text).join('\n'));
  const pos = (await srv.item(sku)).positions[0];
  assert.deepEqual([pos.allocatedQuantity, pos.available], [6, 0]);
});

test('check reports allocations above a limit', async () => {
  const sku = await createSku(srv, { transit: [PO('PK1', '2026-12-15', 10), { ref: 'BK1', quantity: 10 }] });
  await placeOrder(srv, [{ sku, quantity: 12 }]);
  await setLimits([{ sku, locationId: 'WH1', preorderLimit: 10, backorderLimit: 2 }]);
  // Below the API, as a bug would: the limits drop under what is allocated.
  await sql(srv, `UPDATE limits SET preorder_limit = 8, backorder_limit = 1 WHERE sku = '${sku}'`);
  const r = await srv.cli(['check', '--db', srv.db]);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stdout + r.stderr, new RegExp(`${sku} at WH1 has 10 units allocated on pre-order positions, above its preorderLimit of 8`));
  assert.match(r.stdout + r.stderr, new RegExp(`${sku} at WH1 has 2 units allocated on backorder positions, above its backorderLimit of 1`));
  await sql(srv, `UPDATE limits SET preorder_limit = 10, backorder_limit = 2 WHERE sku = '${sku}'`);
});

test('fabric: find shows the limits, Get inventories offers what they leave', async () => {
  const sku = await createSku(srv, { onhand: 10, transit: [PO('PF1', '2026-12-15', 10)] });
  await setLimits([{ sku, locationId: 'WH1', safetyStock: 4, preorderLimit: 3, lowStock: 6 }]);
  const f = await srv.api('/inventories/actions/find', { key: true, body: { skus: [sku] } });
  assert.equal(f.status, 200, f.text);
  assert.deepEqual(f.json.data.map((d) => [d.type, d.safetyStock, d.preorderLimit, d.backorderLimit, d.lowStock,
    d.counters.available]), [['ONHAND', 4, 3, null, 6, 6], ['PREORDER', 4, 3, null, 6, 3]]);
  const g = await srv.api('/api-inventory/inventory', { body: { items: [{ sku, quantity: 8 }] } });
  assert.equal(g.status, 200, g.text);
  const [it] = g.json;
  assert.deepEqual([it.availableStockQuantity, it.availableTransitQuantity, it.availableTotal], [6, 3, 9]);
  assert.deepEqual([it.fromStock[0].stockRemaining, it.fromStock[0].stockRequest], [6, 6]);
  assert.deepEqual([it.fromTransit[0].stockRemaining, it.fromTransit[0].stockRequest], [3, 2]);
});

test('the purchase-order list shows what the limit leaves each PO', async () => {
  const sku = await createSku(srv, { transit: [PO('PP1', '2026-12-10', 5), PO('PP2', '2026-12-20', 5)] });
  await setLimits([{ sku, locationId: 'WH1', preorderLimit: 7 }]);
  const r = await srv.api(`/v1/purchase-orders?sku=${sku}`, { key: true });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((p) => [p.transitRef, p.quantity, p.available]), [['PP1', 5, 5], ['PP2', 5, 2]]);
});

test('sellahead migrate copies the limits (SQLite to SQLite, and to PostgreSQL with a cluster)', async (t) => {
  const src = await startServer({ backend: 'sqlite', demo: false });
  t.after(() => src.stop());
  const loc = await src.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
  const sku = await createSku(src, { onhand: 10, transit: [PO('PM1', '2026-12-15', 10)] });
  const set = await src.api('/v1/inventory/limits', { method: 'PUT', key: true,
    body: [{ sku, locationId: 'WH1', safetyStock: 4, preorderLimit: 3, lowStock: 6 }] });
  assert.equal(set.status, 200, set.text);
  const want = await run(['inventory', sku, '--quantity', '8', '--db', src.db]);
  assert.equal(want.code, 0, want.stderr);
  assert.deepEqual([JSON.parse(want.stdout).availableTotal, JSON.parse(want.stdout).lowStock], [9, true]);
  const targets = [path.join(src.dir, 'copy.db')];
  if (PG_URL) {
    const url = await createPgDatabase();
    t.after(() => dropPgDatabase(url));
    targets.push(url);
  }
  for (const target of targets) {
    const m = await run(['migrate', '--from', src.db, '--to', target]);
    assert.equal(m.code, 0, m.stderr);
    const got = await run(['inventory', sku, '--quantity', '8', '--db', target]);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), JSON.parse(want.stdout), target);
  }
});
