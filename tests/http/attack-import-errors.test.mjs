// SPEC 3, adversarial: the errors of a failed import are listed the same on both backends,
// by line, at most 1000; duplicate positions (PostgreSQL finds them after the last row, from
// the staged rows' key hashes) take their place among the others by line, so the first 1000
// errors of a file are the ones listed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { HEADER, startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

test('duplicates are listed by line among the other errors', async () => {
  const csv = `${HEADER}\nDA,WH1,onhand,1,0,,,\nDA,WH1,Stock,2,0,,,\nDB,WH1,onhand,x,0,,,\n` +
    'DC,WH1,intransit,1,0,P1,2026-11-20,\nDC,WH1,Transit,1,0,P1,2026-11-20,2026-12-01\n' +
    'DC,WH1,intransit,1,0,P1,2026-11-20,\n';
  const r = await srv.importCsv(csv, { fileName: 'd.csv' });
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(r.json.errors.map((e) => [e.line, e.column]),
    [[3, 'sku'], [4, 'quantity'], [6, 'sku'], [7, 'sku']]);
  assert.equal(r.json.totalRowsErrors, 4);
});

test('a duplicate on line 3 is among the first 1000 errors listed when 1001 rows after it are bad', async () => {
  const bad = Array.from({ length: 1001 }, (_, i) => `E${i},WH1,onhand,x,0,,,`);
  const csv = `${HEADER}\nDD,WH1,onhand,1,0,,,\nDD,WH1,onhand,1,0,,,\n${bad.join('\n')}\n`;
  const r = await srv.importCsv(csv, { fileName: 'e.csv' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.totalRowsErrors, 1002);
  assert.equal(r.json.errors.length, 1000);
  assert.deepEqual(r.json.errors.slice(0, 2).map((e) => [e.line, e.column]), [[3, 'sku'], [4, 'quantity']]);
  assert.deepEqual(r.json.errors.map((e) => e.line), Array.from({ length: 1000 }, (_, i) => 3 + i));
});

test('channels are part of the key: only the same position in the same channel is a duplicate', async () => {
  const head = `${HEADER},channelId`;
  const csv = `${head}\nDF,WH1,onhand,1,0,,,,\nDF,WH1,onhand,1,0,,,,3\nDF,WH1,onhand,1,0,,,,4\n` +
    'DF,WH1,onhand,2,0,,,,3\nDF,WH1,intransit,1,0,P1,2026-11-20,,3\nDF,WH1,intransit,1,0,P1,2026-11-20,,\n' +
    'DF,WH1,onhand,1,0,,,,\n';
  const r = await srv.importCsv(csv, { fileName: 'c.csv' });
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(r.json.errors.map((e) => [e.line, e.column, e.message]), [
    [5, 'sku', 'onhand stock of DF at WH1 in channel 3 appears more than once in this file'],
    [8, 'sku', 'onhand stock of DF at WH1 appears more than once in this file'],
  ]);
  const ok = await srv.importCsv(csv.split('\n').slice(0, 4).join('\n') + '\n', { fileName: 'c.csv' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.rowsApplied, 3);
});
