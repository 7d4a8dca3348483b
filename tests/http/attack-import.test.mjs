// Adversarial checks of the PostgreSQL import (SPEC 3, 5.7): rows that repeat stored values
// but one, re-plans found from the stage or (above 100,000 rows) from the allocations, a
// waiting unsourced shipment served by a new position of a large import; both backends.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { HEADER, startServer } from './lib/server.mjs';
import { assertCheck, createSku, placeOrder, skuPlan, uniqueSku } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer();
  const r = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH9', name: 'Ninth' } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await srv?.stop();
});


async function importText(csv) {
  const r = await srv.importCsv(csv, { fileName: 'a.csv' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'COMPLETED', r.text);
  return r.json;
}

test('a re-import that repeats every stored value but one re-plans that SKU', async () => {
  const same = await createSku(srv, { onhand: 10, transit: [{ ref: 'PA', quantity: 5, stockDate: '2026-12-10' }] });
  const cut = await createSku(srv, { onhand: 10, transit: [{ ref: 'PB', quantity: 5, stockDate: '2026-12-10' }] });
  const o1 = await placeOrder(srv, [{ sku: same, quantity: 8 }, { sku: cut, quantity: 8 }]);
  const rows = (onhandCut, reserved = 0) => `${HEADER}\n` +
    `${same},WH1,onhand,10,0,,,\n${same},WH1,intransit,5,0,PA,2026-11-20,2026-12-10\n` +
    `${cut},WH1,onhand,${onhandCut},${reserved},,,\n${cut},WH1,intransit,5,0,PB,2026-11-20,2026-12-10\n`;
  await importText(rows(10)); // repeats everything: nothing moves
  assert.deepEqual(await skuPlan(srv, o1.id, cut), [['onhand@WH1', 8]]);
  await importText(rows(10, 4)); // only the reserved quantity of one position changes
  assert.deepEqual(await skuPlan(srv, o1.id, cut), [['PB', 2], ['onhand@WH1', 6]].sort());
  assert.deepEqual(await skuPlan(srv, o1.id, same), [['onhand@WH1', 8]]);
  await importText(rows(10, 0)); // reserved back: freed units go to the later shipment
  assert.deepEqual(await skuPlan(srv, o1.id, cut), [['onhand@WH1', 8]]);
  await assertCheck(srv);
});

test('a re-import that only moves a transit order date is still applied', async () => {
  const sku = await createSku(srv, { transit: [{ ref: 'PC', quantity: 5, stockDate: '2026-12-10' }] });
  await importText(`${HEADER}\n${sku},WH1,intransit,5,0,PC,2026-11-21,2026-12-10\n`);
  const p = (await srv.item(sku)).positions.find((x) => x.transitRef === 'PC');
  assert.equal(p.transitOrderDate, '2026-11-21');
});

test('more than 100,000 rows: a new position serves a waiting unsourced shipment', { timeout: 180000 }, async () => {
  const sku = await createSku(srv, { onhand: 4 });
  const o = await placeOrder(srv, [{ sku, quantity: 4 }]);
  await importText(`${HEADER}\n${sku},WH1,onhand,1,0,,,\n`);
  assert.deepEqual(await skuPlan(srv, o.id, sku), [['onhand@WH1', 1], ['unsourced', 3]]);
  const prefix = uniqueSku('BIG');
  const filler = Array.from({ length: 100000 }, (_, i) => `${prefix}N${i},WH1,onhand,3,0,,,`);
  const file = path.join(srv.dir, `${prefix}.csv`);
  fs.writeFileSync(file, `${HEADER}\n${filler.join('\n')}\n${sku},WH9,onhand,3,0,,,\n`);
  const r = await srv.cli(['import', file, '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await skuPlan(srv, o.id, sku), [['onhand@WH1', 1], ['onhand@WH9', 3]]);
  await assertCheck(srv);
});
