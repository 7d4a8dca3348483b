// SPEC 3 and 5.2: CSV import jobs over HTTP (multipart and text/csv), job history, errors.csv,
// the bulk API with its aliases and Idempotency-Key, and all-or-nothing semantics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  HEADER, ISO_TIME, assertError, assertFailedJob, fixture, startServer,
} from './lib/server.mjs';
import { ownServer } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

function assertJob(job, { source, fileName, status, totalRows, rowsApplied, totalRowsErrors }) {
  assert.match(job.id, /^imp_[A-Za-z0-9]+$/);
  assert.equal(job.source, source);
  assert.equal(job.fileName, fileName);
  assert.equal(job.status, status);
  assert.equal(job.totalRows, totalRows);
  assert.equal(job.rowsApplied, rowsApplied);
  assert.equal(job.totalRowsErrors, totalRowsErrors);
  assert.ok(Array.isArray(job.errors));
  assert.match(job.createdAt, ISO_TIME);
  assert.match(job.finishedAt, ISO_TIME);
  assert.ok(job.finishedAt >= job.createdAt);
}

function position(doc, stockType, transitRef) {
  return doc.positions.find((p) => p.stockType === stockType && (p.transitRef ?? '') === (transitRef ?? ''));
}

// A tiny RFC 4180 reader for errors.csv.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

describe('POST /v1/inventory/imports', () => {
  test('multipart upload of a valid file: 201 COMPLETED, positions set', async (t) => {
    const srv = await ownServer(t, { demo: true }); // the demo's SCARF9, untouched by other tests
    const r = await srv.importCsv(fixture('valid.csv'), { fileName: 'valid.csv', multipart: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assertJob(r.json, {
      source: 'csv', fileName: 'valid.csv', status: 'COMPLETED', totalRows: 4, rowsApplied: 4, totalRowsErrors: 0,
    });
    assert.deepEqual(r.json.errors, []);

    const mug = await srv.item('MUG3');
    assert.deepEqual(mug.positions, [{
      locationId: 'WH1', stockType: 'onhand', quantity: 55, reservedQuantity: 5, allocatedQuantity: 0,
      available: 50, oversold: false,
    }]);
    const scarf = await srv.item('SCARF9');
    assert.deepEqual(position(scarf, 'intransit', 'PO7001'), {
      locationId: 'WH1', stockType: 'intransit', transitRef: 'PO7001', transitOrderDate: '2026-11-25',
      transitStockDate: '2026-12-10', quantity: 30, reservedQuantity: 0, allocatedQuantity: 0,
      available: 30, oversold: false,
    });
    assert.equal(position(scarf, 'onhand').quantity, 12, 'positions not named are unchanged');
    const hat = await srv.item('NEWHAT1');
    assert.equal(hat.availableStockQuantity, 8);
    assert.equal(hat.availableTransitQuantity, 10);
    assert.equal(position(hat, 'intransit', 'ADV9').transitStockDate, null);
  });

  test('text/csv with ?fileName=: 201', async () => {
    const csv = `${HEADER}\nSCARF9,WH1,onhand,13,1,,,\n`;
    const r = await srv.importCsv(csv, { fileName: 'scarf.csv' });
    assert.equal(r.status, 201, r.text);
    assertJob(r.json, {
      source: 'csv', fileName: 'scarf.csv', status: 'COMPLETED', totalRows: 1, rowsApplied: 1, totalRowsErrors: 0,
    });
    assert.equal(position(await srv.item('SCARF9'), 'onhand').available, 12);
  });

  test('text/csv without a name: the name is not checked', async () => {
    const r = await srv.importCsv(`${HEADER}\nSCARF9,WH1,onhand,12,0,,,\n`, { fileName: null });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.fileName, null);
  });

  test('quantities are absolute: the same file twice gives the same result', async () => {
    const csv = `${HEADER}\nSCARF9,WH1,onhand,20,0,,,\n`;
    for (let i = 0; i < 2; i++) assert.equal((await srv.importCsv(csv)).status, 201);
    assert.equal(position(await srv.item('SCARF9'), 'onhand').quantity, 20);
  });

  test('a failed job: 422 with the job, nothing applied', async () => {
    const before = await srv.snapshot();
    const r = await srv.importCsv(fixture('bad-mixed.csv'), { fileName: 'bad-mixed.csv', multipart: true });
    assertJob(r.json, {
      source: 'csv', fileName: 'bad-mixed.csv', status: 'FAILED', totalRows: r.json.totalRows, rowsApplied: 0,
      totalRowsErrors: 5,
    });
    assertFailedJob(r, [
      { line: 3, column: 'sku', value: 'T-SHIRT1', message: "character '-' (0x2D) at position 2 is not allowed: only letters and digits" },
      { line: 4, column: 'quantity', value: '1,0', message: /character ',' \(0x2C\) at position 2/ },
      { line: 5, column: null, value: null, message: /blank line/ },
      { line: 6, column: 'transitStockDate', value: '2026-11-30', message: /before transitOrderDate/ },
      { line: 7, column: 'locationId', value: 'WH9', message: /location WH9 does not exist/ },
    ]);
    assert.deepEqual(await srv.snapshot(), before);
  });
});

describe('import jobs: list, get, errors.csv', () => {
  // A server of its own: the job list holds the demo's job and these two, nothing else.
  let srv;
  let demoJobs;
  let ok;
  let failed;
  before(async () => {
    srv = await startServer({ demo: true });
    demoJobs = (await srv.api('/v1/inventory/imports', { key: true })).json.items.map((j) => j.id);
    ok = (await srv.importCsv(`${HEADER}\nMUG3,WH1,onhand,40,0,,,\n`, { fileName: 'first.csv' })).json;
    failed = (await srv.importCsv(fixture('bad-mixed.csv'), { fileName: 'second.csv' })).json;
  });
  after(async () => {
    await srv?.stop();
  });

  test('list is newest first', async () => {
    const r = await srv.api('/v1/inventory/imports', { key: true });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.items.map((j) => j.id), [failed.id, ok.id, ...demoJobs]);
    const first = r.json.items[1];
    for (const k of ['id', 'source', 'fileName', 'status', 'totalRows', 'rowsApplied', 'totalRowsErrors', 'createdAt', 'finishedAt']) {
      assert.deepEqual(first[k], ok[k], k);
    }
  });

  test('list honours limit', async () => {
    const r = await srv.api('/v1/inventory/imports?limit=1', { key: true });
    assert.deepEqual(r.json.items.map((j) => j.id), [failed.id]);
  });

  test('get returns the job with its errors', async () => {
    const a = await srv.api(`/v1/inventory/imports/${ok.id}`, { key: true });
    assert.equal(a.status, 200);
    assert.deepEqual(a.json, ok);
    const b = await srv.api(`/v1/inventory/imports/${failed.id}`, { key: true });
    assert.equal(b.status, 200);
    assert.deepEqual(b.json, failed);
  });

  test('unknown job: 404', async () => {
    assertError(await srv.api('/v1/inventory/imports/imp_doesnotexist', { key: true }), 404, 'NOT_FOUND');
    assertError(await srv.api('/v1/inventory/imports/imp_doesnotexist/errors.csv', { key: true }), 404, 'NOT_FOUND');
  });

  test('errors.csv lists line,column,value,message', async () => {
    const r = await srv.api(`/v1/inventory/imports/${failed.id}/errors.csv`, { key: true });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    const lines = r.text.split('\n');
    assert.equal(lines[0], 'line,column,value,message');
    assert.equal(lines[1], "3,sku,T-SHIRT1,character '-' (0x2D) at position 2 is not allowed: only letters and digits");
    assert.equal(lines[3], '5,,,blank line: remove empty lines from the file');
    const rows = parseCsv(r.text);
    assert.deepEqual(rows[0], ['line', 'column', 'value', 'message']);
    assert.deepEqual(rows.slice(1), failed.errors.map((e) => [String(e.line), e.column ?? '', e.value ?? '', e.message]));
    assert.equal(rows[2][2], '1,0');
  });

  test('errors.csv of a completed job is just the header', async () => {
    const r = await srv.api(`/v1/inventory/imports/${ok.id}/errors.csv`, { key: true });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'line,column,value,message\n');
  });

  test('over 1000 errors: 1000 listed, all counted', async () => {
    const rows = Array.from({ length: 1005 }, (_, i) => `BAD-${i},WH1,onhand,1,0,,,`);
    const before = await srv.snapshot();
    const r = await srv.importCsv(`${HEADER}\nMUG3,WH1,onhand,1,0,,,\n${rows.join('\n')}\n`);
    assert.equal(r.status, 422);
    assert.equal(r.json.status, 'FAILED');
    assert.equal(r.json.totalRowsErrors, 1005);
    assert.equal(r.json.errors.length, 1000);
    assert.equal(r.json.totalRows, 1006);
    assert.deepEqual(r.json.errors[0], {
      line: 3, column: 'sku', value: 'BAD-0',
      message: "character '-' (0x2D) at position 4 is not allowed: only letters and digits",
    });
    assert.equal(r.json.errors[999].line, 1002);
    const got = await srv.api(`/v1/inventory/imports/${r.json.id}`, { key: true });
    assert.equal(got.json.errors.length, 1000);
    assert.equal(got.json.totalRowsErrors, 1005);
    assert.deepEqual(await srv.snapshot(), before);
  });
});

describe('POST /v1/inventory/bulk', () => {
  test('aliases type/totalQuantity, JSON integers, missing fields empty', async () => {
    const r = await srv.bulk([
      { sku: 'TOTE7', locationId: 'WH1', type: 'Stock', totalQuantity: 9 },
      { sku: 'TOTE7', locationId: 'WH1', type: 'Transit', totalQuantity: 30, reservedQuantity: 3, transitRef: 'ADV7', transitOrderDate: '2026-11-25' },
      { sku: 'TOTE7', locationId: 'WH1', stockType: 'intransit', quantity: 11, transitRef: 'PO8001', transitOrderDate: '2026-11-26', transitStockDate: '2026-12-20' },
      { sku: 'BULKY1', locationId: 'WH1', stockType: 'onhand', quantity: '7', reservedQuantity: null },
    ]);
    assert.equal(r.status, 201, r.text);
    assertJob(r.json, {
      source: 'api', fileName: null, status: 'COMPLETED', totalRows: 4, rowsApplied: 4, totalRowsErrors: 0,
    });
    const tote = await srv.item('TOTE7');
    assert.deepEqual(tote.positions.map((p) => [p.stockType, p.transitRef ?? null, p.quantity, p.reservedQuantity, p.transitStockDate ?? null]), [
      ['onhand', null, 9, 0, null],
      ['intransit', 'PO8001', 11, 0, '2026-12-20'],
      ['intransit', 'ADV7', 30, 3, null],
    ]);
    assert.equal((await srv.item('BULKY1')).availableStockQuantity, 7);
  });

  test('Idempotency-Key: a retry returns the first job and applies nothing', async () => {
    const key = `idem-${Date.now()}`;
    const first = await srv.bulk([{ sku: 'MUG3', locationId: 'WH1', type: 'Stock', totalQuantity: 41 }], { 'Idempotency-Key': key });
    assert.equal(first.status, 201, first.text);
    await srv.bulk([{ sku: 'MUG3', locationId: 'WH1', type: 'Stock', totalQuantity: 40 }]);
    const retry = await srv.bulk([{ sku: 'MUG3', locationId: 'WH1', type: 'Stock', totalQuantity: 41 }], { 'Idempotency-Key': key });
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.json.id, first.json.id);
    assert.deepEqual(retry.json, first.json);
    assert.equal((await srv.item('MUG3')).availableStockQuantity, 40, 'the retry applied nothing');
    const list = await srv.api('/v1/inventory/imports?limit=5', { key: true });
    assert.equal(list.json.items.filter((j) => j.id === first.json.id).length, 1);
    assert.equal(list.json.items[1].id, first.json.id, 'the retry made no new job');

    const other = await srv.bulk([{ sku: 'MUG3', locationId: 'WH1', type: 'Stock', totalQuantity: 42 }], { 'Idempotency-Key': `${key}-2` });
    assert.equal(other.status, 201);
    assert.notEqual(other.json.id, first.json.id);
    assert.equal((await srv.item('MUG3')).availableStockQuantity, 42);
  });

  test('Idempotency-Key: concurrent retries make one job', async () => {
    const key = `idem-race-${Date.now()}`;
    const calls = Array.from({ length: 6 }, () =>
      srv.bulk([{ sku: 'SCARF9', locationId: 'WH1', type: 'Stock', totalQuantity: 70 }], { 'Idempotency-Key': key }));
    const res = await Promise.all(calls);
    for (const r of res) assert.equal(r.status, 201, r.text);
    const ids = new Set(res.map((r) => r.json.id));
    assert.equal(ids.size, 1, 'every retry returns the first job');
    const list = await srv.api('/v1/inventory/imports?limit=10', { key: true });
    assert.equal(list.json.items.filter((j) => ids.has(j.id)).length, 1);
    assert.equal(list.json.items[0].id, [...ids][0]);
  });

  test('Idempotency-Key on a failed job is not kept: the corrected retry runs (SPEC 5.5)', async () => {
    const key = `idem-fail-${Date.now()}`;
    assert.equal((await srv.bulk([{ sku: 'REPLAY1', locationId: 'WH1', type: 'Stock', totalQuantity: 42 }])).status, 201);
    const bad = [{ sku: 'REPLAY1', locationId: 'WH1', type: 'Stock', totalQuantity: -1 }];
    const first = await srv.bulk(bad, { 'Idempotency-Key': key });
    assert.equal(first.status, 422);
    const retry = await srv.bulk([{ sku: 'REPLAY1', locationId: 'WH1', type: 'Stock', totalQuantity: 5 }], { 'Idempotency-Key': key });
    assert.equal(retry.status, 201, retry.text);
    assert.notEqual(retry.json.id, first.json.id);
    assert.equal((await srv.item('REPLAY1')).availableStockQuantity, 5);
  });

  test('without Idempotency-Key every call is a new job', async () => {
    const rec = [{ sku: 'MUG3', locationId: 'WH1', type: 'Stock', totalQuantity: 42 }];
    const a = await srv.bulk(rec);
    const b = await srv.bulk(rec);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.notEqual(a.json.id, b.json.id);
  });

  test('all or nothing: one bad record among good ones changes nothing', async () => {
    const before = await srv.snapshot();
    const r = await srv.bulk([
      { sku: 'MUG3', locationId: 'WH1', type: 'Stock', totalQuantity: 1 },
      { sku: 'SCARF9', locationId: 'WH1', type: 'Stock', totalQuantity: 2 },
      { sku: 'NEWBULK2', locationId: 'WH1', type: 'Stock', totalQuantity: 3 },
      { sku: 'CAP4', locationId: 'WH1', type: 'Transit', totalQuantity: 4, transitRef: 'PO2001', transitOrderDate: '2026-11-17', transitStockDate: '2026-11-16' },
      { sku: 'TSHIRT1', locationId: 'WH1', type: 'Stock', totalQuantity: 5 },
    ]);
    assertFailedJob(r, [{ line: 4, column: 'transitStockDate', value: '2026-11-16', message: /before transitOrderDate/ }]);
    assert.equal(r.json.source, 'api');
    assert.equal(r.json.totalRows, 5);
    assert.deepEqual(await srv.snapshot(), before);
    assertError(await srv.api('/v1/inventory/NEWBULK2'), 404, 'SKU_NOT_FOUND');
  });
});

describe('all or nothing for CSV files', () => {
  test('one bad row in a file changes no position', async (t) => {
    const srv = await ownServer(t, { demo: true }); // the demo's TSHIRT1: 25 onhand
    const before = await srv.snapshot();
    const good = [
      'TSHIRT1,WH1,onhand,1,0,,,', 'TSHIRT1,WH1,intransit,2,0,PO1001,2026-11-20,2026-12-15',
      'HOODIE2,WH1,intransit,3,0,ADV2,2026-11-20,', 'MUG3,WH1,onhand,4,0,,,',
      'NEWCSV1,WH1,onhand,5,0,,,', 'CAP4,WH1,intransit,6,0,PO2009,2026-11-20,2026-12-01',
    ];
    const csv = [HEADER, ...good.slice(0, 4), 'SCARF9,WH1,onhand,1.5,0,,,', ...good.slice(4)].join('\n') + '\n';
    const r = await srv.importCsv(csv, { fileName: 'almost.csv' });
    assertFailedJob(r, [{
      line: 6, column: 'quantity', value: '1.5',
      message: "quantity must be a whole number of 0 or more: character '.' (0x2E) at position 2 is not allowed",
    }]);
    assert.equal(r.json.totalRows, 7);
    const afterSnap = await srv.snapshot();
    assert.deepEqual(afterSnap, before);
    assert.equal(afterSnap.TSHIRT1.onhand, 25);
    assertError(await srv.api('/v1/inventory/NEWCSV1'), 404, 'SKU_NOT_FOUND');
  });

  test('the same file without the bad row applies every row', async () => {
    const csv = `${HEADER}\nTSHIRT1,WH1,onhand,1,0,,,\nNEWCSV1,WH1,onhand,5,0,,,\n`;
    const r = await srv.importCsv(csv);
    assert.equal(r.status, 201, r.text);
    assert.equal((await srv.item('TSHIRT1')).availableStockQuantity, 1);
    assert.equal((await srv.item('NEWCSV1')).availableStockQuantity, 5);
  });

  test('reserved above quantity still applies: nothing available', async () => {
    const r = await srv.importCsv(`${HEADER}\nNEWCSV1,WH1,onhand,5,9,,,\n`);
    assert.equal(r.status, 201, r.text);
    const doc = await srv.item('NEWCSV1');
    assert.equal(doc.positions[0].available, 0);
    assert.equal(doc.status, 'OUT_OF_STOCK');
  });
});

describe('imports never refuse because of orders (SPEC 3, 5.7)', () => {
  test('an import below the allocated units still applies; the orders are re-planned', async () => {
    const order = await srv.api('/v1/orders', {
      body: {
        items: [{ sku: 'JACKET8', quantity: 12 }], email: 'shopper@example.com',
        shippingAddress: { name: 'A Shopper', line1: '1 Main St', line2: '', city: 'Town', postalCode: '12345', country: 'US' },
        payment: { token: 'tok_visa' },
      },
    });
    assert.equal(order.status, 201, order.text);
    const po = (doc) => doc.positions.find((p) => p.transitRef === 'PO4001');
    assert.equal(po(await srv.item('JACKET8')).allocatedQuantity, 12);

    const r = await srv.importCsv(`${HEADER}\nJACKET8,WH1,intransit,8,0,PO4001,2026-11-22,2026-12-18\n`);
    assert.equal(r.status, 201, r.text);
    const p = po(await srv.item('JACKET8'));
    assert.deepEqual([p.quantity, p.allocatedQuantity, p.available, p.oversold], [8, 8, 0, false]);
    const row = (await srv.api('/v1/inventory?q=JACKET8', { key: true })).json.items[0];
    assert.equal(row.oversold, false);
    assert.equal(row.allocated, 8);
    const placed = await srv.api(`/v1/orders/${order.json.id}`, { key: true });
    assert.deepEqual(placed.json.shipments.map((s) => [s.stockType, s.lines[0].quantity]),
      [['intransit', 8], ['unsourced', 4]], 'no other source: 4 units wait unsourced');

    const bad = await srv.importCsv(`${HEADER}\nJACKET8,WH1,intransit,30,0,PO4001,2026-11-22,2026-12-18\nJACKET8,WH1,onhand,-1,0,,,\n`);
    assert.equal(bad.status, 422);
    assert.equal(po(await srv.item('JACKET8')).quantity, 8);

    const ok = await srv.bulk([{ sku: 'JACKET8', locationId: 'WH1', type: 'Transit', totalQuantity: 15, transitRef: 'PO4001', transitOrderDate: '2026-11-22', transitStockDate: '2026-12-18' }]);
    assert.equal(ok.status, 201, ok.text);
    const q = po(await srv.item('JACKET8'));
    assert.deepEqual([q.quantity, q.allocatedQuantity, q.available, q.oversold], [15, 12, 3, false],
      'new supply serves the unsourced units first');
  });
});

describe('concurrency', () => {
  test('concurrent imports all complete; each is applied', async () => {
    const res = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? srv.bulk([{ sku: `CONC${i}`, locationId: 'WH1', type: 'Stock', totalQuantity: i + 1 }])
        : srv.importCsv(`${HEADER}\nCONC${i},WH1,onhand,${i + 1},0,,,\n`, { fileName: `c${i}.csv` }))));
    for (const r of res) assert.equal(r.status, 201, r.text);
    assert.equal(new Set(res.map((r) => r.json.id)).size, 8);
    for (let i = 0; i < 8; i++) assert.equal((await srv.item(`CONC${i}`)).availableStockQuantity, i + 1);
  });

  test('a change is visible at once on every server thread', async () => {
    const burst = () => Promise.all(Array.from({ length: 24 }, () => srv.api('/v1/inventory/SCARF9?quantity=1')));
    for (const q of [31, 32, 33]) {
      await burst(); // warm whatever each thread keeps
      const imp = await srv.importCsv(`${HEADER}\nSCARF9,WH1,onhand,${q},0,,,\n`);
      assert.equal(imp.status, 201, imp.text);
      for (const r of await burst()) {
        assert.equal(r.status, 200);
        assert.equal(r.json.positions.find((p) => p.stockType === 'onhand').quantity, q);
      }
    }
  });
});

describe('content types with parameters, large files', () => {
  test('text/csv; charset=utf-8 and application/json; charset=utf-8 are accepted', async () => {
    const a = await srv.importCsv(`${HEADER}\nMUG3,WH1,onhand,43,0,,,\n`, { headers: { 'content-type': 'text/csv; charset=utf-8' } });
    assert.equal(a.status, 201, a.text);
    const b = await srv.api('/v1/inventory/bulk', {
      key: true, headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify([{ sku: 'MUG3', locationId: 'WH1', type: 'Stock', totalQuantity: 44 }]),
    });
    assert.equal(b.status, 201, b.text);
    assert.equal((await srv.item('MUG3')).availableStockQuantity, 44);
  });

  // ~1 MB: many read chunks and multipart pieces; line numbers must stay exact across them.
  const N = 25000;
  const big = (bad, prefix) => {
    const rows = [HEADER];
    for (let i = 1; i <= N; i++) rows.push(i === bad ? `${prefix}${i},WH1,onhand,x${i},0,,,` : `${prefix}${i},WH1,onhand,${i},0,,,`);
    return rows.join('\n') + '\n';
  };

  test('a large file with one bad row deep inside: exact line, nothing applied', async () => {
    const r = await srv.importCsv(big(17777, 'BAD'), { fileName: 'big.csv', multipart: true });
    assertFailedJob(r, [{ line: 17778, column: 'quantity', value: 'x17777', message: /'x' \(0x78\) at position 1/ }]);
    assert.equal(r.json.totalRows, N);
    for (const sku of ['BAD1', 'BAD17776', `BAD${N}`]) assertError(await srv.api(`/v1/inventory/${sku}`), 404, 'SKU_NOT_FOUND');
  });

  test('the same large file without the bad row: every row applied', async () => {
    const r = await srv.importCsv(big(0, 'BIG'), { fileName: 'big.csv', multipart: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.rowsApplied, N);
    for (const i of [1, 4096, 17777, N]) assert.equal((await srv.item(`BIG${i}`)).availableStockQuantity, i);
  });
});
