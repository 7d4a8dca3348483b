// SPEC 9 limits through the CSV import and the bulk API (SPEC 3, 5.2): the optional columns
// safetyStock, preorderLimit, backorderLimit and lowStock set the limits of the row's (sku,
// locationId) in the import's one transaction, an empty cell leaves a limit as it is, rows of
// one (sku, locationId) must not disagree, and a cut below what is allocated re-plans.
// Every test makes its own SKUs and ends with `sellahead check`.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';

import { assertFailedJob, startServer } from './lib/server.mjs';
import { assertCheck, createSku, placeOrder } from './lib/shop.mjs';
import { PO, plan } from './lib/promises.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const loc = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
});
afterEach(() => assertCheck(srv));
after(() => srv.stop());

const TEMPLATE_HEADER = 'sku,locationId,stockType,quantity,reservedQuantity,transitRef,transitOrderDate,' +
  'transitStockDate';
const HEADER = `${TEMPLATE_HEADER},safetyStock,preorderLimit,backorderLimit,lowStock`;
const csv = (...rows) => [HEADER, ...rows].join('\n') + '\n';
const none = { safetyStock: null, preorderLimit: null, backorderLimit: null, lowStock: null };

/** The limits of sku at WH1 from the key-protected overview (GET /v1/inventory). */
async function limitsOf(sku) {
  const r = await srv.api(`/v1/inventory?q=${sku}`, { key: true });
  assert.equal(r.status, 200, r.text);
  const row = r.json.items.find((i) => i.sku === sku);
  assert.ok(row, `${sku} is in the overview`);
  const l = row.limits.find((x) => x.locationId === 'WH1');
  if (!l) return none;
  const { locationId, ...rest } = l;
  return rest;
}

async function imported(body) {
  const r = await srv.importCsv(body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'COMPLETED');
  return r.json;
}

const figures = (d) => [d.status, d.availableStockQuantity, d.availableTransitQuantity, d.availableTotal, d.lowStock];

test('limit columns set the limits; the 5.1 document follows them', async () => {
  const sku = await createSku(srv);
  await imported(csv(`${sku},WH1,onhand,10,0,,,,4,,,6`,
    `${sku},WH1,intransit,10,0,PO1,2026-11-20,2026-12-15,,3,,`));
  assert.deepEqual(await limitsOf(sku), { safetyStock: 4, preorderLimit: 3, backorderLimit: null, lowStock: 6 });
  const doc = await srv.item(sku, 8);
  assert.deepEqual(figures(doc), ['IN_STOCK', 6, 3, 9, true]);
  assert.deepEqual(doc.promise.allocations.map((a) => [a.stockType, a.quantity]), [['onhand', 6], ['intransit', 2]]);
});

test('a header without the limit columns, and empty cells, leave limits unchanged', async () => {
  const sku = await createSku(srv);
  await imported(csv(`${sku},WH1,onhand,10,0,,,,2,,5,1`));
  const want = { safetyStock: 2, preorderLimit: null, backorderLimit: 5, lowStock: 1 };
  assert.deepEqual(await limitsOf(sku), want);

  await imported(`${TEMPLATE_HEADER}\n${sku},WH1,onhand,20,0,,,\n`);
  assert.deepEqual(await limitsOf(sku), want, 'no limit column');
  await imported(csv(`${sku},WH1,onhand,20,0,,,,,,,`));
  assert.deepEqual(await limitsOf(sku), want, 'empty cells');
  await imported(csv(`${sku},WH1,onhand,20,0,,,,,7,,`));
  assert.deepEqual(await limitsOf(sku), { ...want, preorderLimit: 7 }, 'one cell changes one limit');
  assert.equal((await srv.item(sku)).availableStockQuantity, 18);
});

test('rows of one (sku, locationId) may share or split the limits, not disagree: error, nothing applied', async () => {
  const sku = await createSku(srv, { onhand: 5 });
  // The same value twice and different limits on different rows are fine.
  await imported(csv(`${sku},WH1,onhand,5,0,,,,1,,,`,
    `${sku},WH1,intransit,5,0,PA1,2026-11-20,2026-12-15,1,4,,`,
    `${sku},WH1,intransit,5,0,PA2,2026-11-20,,,,2,`));
  assert.deepEqual(await limitsOf(sku), { safetyStock: 1, preorderLimit: 4, backorderLimit: 2, lowStock: null });

  const other = await createSku(srv, { onhand: 5 });
  const r = await srv.importCsv(csv(`${other},WH1,onhand,9,0,,,,1,,,`,
    `${sku},WH1,onhand,9,0,,,,3,8,,`,
    `${sku},WH1,intransit,9,0,PA1,2026-11-20,2026-12-15,2,8,,`,
    `${sku},WH1,intransit,9,0,PA2,2026-11-20,,5,9,,`));
  assertFailedJob(r, [
    { line: 4, column: 'safetyStock', value: '2', message: `safetyStock of ${sku} at WH1 is 3 on line 3: one value per sku and locationId in a file` },
    { line: 5, column: 'safetyStock', value: '5', message: `safetyStock of ${sku} at WH1 is 3 on line 3: one value per sku and locationId in a file` },
    { line: 5, column: 'preorderLimit', value: '9', message: `preorderLimit of ${sku} at WH1 is 8 on line 3: one value per sku and locationId in a file` },
  ]);
  assert.deepEqual(await limitsOf(sku), { safetyStock: 1, preorderLimit: 4, backorderLimit: 2, lowStock: null });
  assert.deepEqual(await limitsOf(other), none, 'the good row was not applied either');
  assert.equal((await srv.item(sku)).positions.find((p) => p.stockType === 'onhand').quantity, 5);
});

test('limits stay per (sku, locationId) across channels: a channel row and the shared one set the same limits', async () => {
  const sku = await createSku(srv);
  const head = `${TEMPLATE_HEADER},channelId,safetyStock,lowStock`;
  await imported(`${head}\n${sku},WH1,onhand,10,0,,,,,2,\n${sku},WH1,onhand,4,0,,,,7,2,3\n`);
  assert.deepEqual(await limitsOf(sku), { safetyStock: 2, preorderLimit: null, backorderLimit: null, lowStock: 3 });
  const r = await srv.importCsv(`${head}\n${sku},WH1,onhand,10,0,,,,,2,\n${sku},WH1,onhand,4,0,,,,7,1,\n`);
  assertFailedJob(r, [{ line: 3, column: 'safetyStock', value: '1',
    message: `safetyStock of ${sku} at WH1 is 2 on line 2: one value per sku and locationId in a file` }]);
});

test('a bad limit value is a line error with the quantity rule\'s message', async () => {
  const sku = await createSku(srv, { onhand: 5 });
  const r = await srv.importCsv(csv(`${sku},WH1,onhand,5,0,,,,-1,,,`,
    `${sku},WH1,intransit,5,0,PB1,2026-11-20,,,,2147483648,`,
    `${sku},WH1,intransit,5,0,PB2,2026-11-20,,,,,1 0`));
  assertFailedJob(r, [
    { line: 2, column: 'safetyStock', value: '-1', message: "safetyStock must be a whole number of 0 or more: character '-' (0x2D) at position 1 is not allowed" },
    { line: 3, column: 'backorderLimit', value: '2147483648', message: 'backorderLimit 2147483648 is larger than 2147483647' },
    { line: 4, column: 'lowStock', value: '1 0', message: "lowStock must be a whole number of 0 or more: character ' ' (0x20) at position 2 is not allowed" },
  ]);
  assert.deepEqual(await limitsOf(sku), none);
  const h = await srv.importCsv(`${TEMPLATE_HEADER},lowstock\n${sku},WH1,onhand,5,0,,,,1\n`);
  assertFailedJob(h, [{ line: 1, column: null, value: 'lowstock', message: 'unknown column "lowstock": column names are case-sensitive, did you mean "lowStock"?' }]);
});

test('a preorderLimit cut below what is allocated re-plans in the import\'s transaction', async () => {
  const sku = await createSku(srv, { transit: [PO('PC1', '2026-12-07', 10)] });
  const o1 = await placeOrder(srv, [{ sku, quantity: 6 }]);
  const o2 = await placeOrder(srv, [{ sku, quantity: 4 }]);
  await imported(csv(`${sku},WH1,intransit,10,0,PC1,2026-11-20,2026-12-07,,7,,`));
  assert.deepEqual(await plan(srv, o1.id), [['PC1', 6, '2026-12-09', '2026-12-12']]);
  assert.deepEqual(await plan(srv, o2.id), [['PC1', 1, '2026-12-09', '2026-12-12'], ['unsourced', 3, null, null]]);
  const pos = (await srv.item(sku)).positions[0];
  assert.deepEqual([pos.quantity, pos.allocatedQuantity, pos.available], [10, 7, 0]);
});

test('bulk: the same fields, absent = unchanged, null clears, same rules', async () => {
  const sku = await createSku(srv, { onhand: 10, transit: [PO('PD1', '2026-12-15', 10)] });
  const rec = { sku, locationId: 'WH1', stockType: 'onhand', quantity: 10 };
  let b = await srv.bulk([{ ...rec, safetyStock: 3, lowStock: 8 },
    { sku, locationId: 'WH1', type: 'Transit', totalQuantity: 10, transitRef: 'PD1',
      transitOrderDate: '2026-11-20', transitStockDate: '2026-12-15', preorderLimit: '4' }]);
  assert.equal(b.status, 201, b.text);
  assert.deepEqual(await limitsOf(sku), { safetyStock: 3, preorderLimit: 4, backorderLimit: null, lowStock: 8 });
  assert.deepEqual(figures(await srv.item(sku)), ['IN_STOCK', 7, 4, 11, true]);

  b = await srv.bulk([{ ...rec, lowStock: null }]);
  assert.equal(b.status, 201, b.text);
  assert.deepEqual(await limitsOf(sku), { safetyStock: 3, preorderLimit: 4, backorderLimit: null, lowStock: null });

  b = await srv.bulk([{ ...rec, safetyStock: 1 }, { ...rec, stockType: 'intransit', transitRef: 'PD1',
    transitOrderDate: '2026-11-20', safetyStock: null }, { ...rec, locationId: 'WH1', stockType: 'intransit',
    transitRef: 'PD2', transitOrderDate: '2026-11-20', preorderLimit: -2 }]);
  assertFailedJob(b, [
    { line: 3, column: 'preorderLimit', value: '-2', message: "preorderLimit must be a whole number of 0 or more: character '-' (0x2D) at position 1 is not allowed" },
    { line: 2, column: 'safetyStock', message: `safetyStock of ${sku} at WH1 is 1 on line 1: one value per sku and locationId in a file` },
  ]);
  assert.equal(b.json.errors[1].value, null, 'null has no value');
  assert.deepEqual(await limitsOf(sku), { safetyStock: 3, preorderLimit: 4, backorderLimit: null, lowStock: null });

  const c = await srv.bulk([{ ...rec, backorderLimit: 1.5 }]);
  assertFailedJob(c, [{ line: 1, column: 'backorderLimit', message: 'backorderLimit must be a string or a whole number' }]);
});

test('the template is unchanged: the limit columns are optional', async () => {
  const t = await srv.cli(['template']);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stdout.split('\n')[0], TEMPLATE_HEADER);
});
