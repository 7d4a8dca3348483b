// SPEC 5.7 at scale: an import of more than 100,000 rows (PostgreSQL finds the SKUs to re-plan
// from the allocated SKUs rather than from the import's rows then) re-plans the orders of the
// SKUs it changed; concurrent imports of the same new positions (PostgreSQL inserts new
// positions without ON CONFLICT and goes again with it when another import created one
// meanwhile) each apply every row. Runs on both backends; business date pinned to 2026-11-27.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { HEADER, startServer } from './lib/server.mjs';
import { assertCheck, createSku, placeOrder, sql, skuPlan, uniqueSku } from './lib/shop.mjs';

const FILLER = 100000;

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});


// Imports rows after FILLER new on-hand positions through the CLI.
function importLarge(rows) {
  const prefix = uniqueSku('FIL');
  const filler = Array.from({ length: FILLER }, (_, i) => `${prefix}N${i},WH1,onhand,${1 + (i % 40)},0,,,`);
  const file = path.join(srv.dir, `${prefix}.csv`);
  fs.writeFileSync(file, `${HEADER}\n${[...filler, ...rows].join('\n')}\n`);
  return srv.cli(['import', file, '--db', srv.db]);
}

describe('imports of more than 100,000 rows', () => {
  test('re-plan the orders of the SKUs they changed, and leave the others', { timeout: 120000 }, async () => {
    const po = (ref, stockDate, quantity) => ({ ref, stockDate, quantity });
    const cut = await createSku(srv, { transit: [po('PL1', '2026-12-07', 30), po('PL2', '2026-12-20', 50)] });
    const kept = await createSku(srv, { transit: [po('PK1', '2026-12-07', 30)] });
    const o1 = await placeOrder(srv, [{ sku: cut, quantity: 10 }]);
    const o2 = await placeOrder(srv, [{ sku: kept, quantity: 10 }]);
    assert.deepEqual(await skuPlan(srv, o1.id, cut), [['PL1', 10]]);

    const rows = [
      `${cut},WH1,intransit,0,0,PL1,2026-11-20,2026-12-07`,
      `${kept},WH1,intransit,30,0,PK1,2026-11-20,2026-12-07`,
    ];
    const r = await importLarge(rows);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rowsApplied, FILLER + rows.length);

    assert.deepEqual(await skuPlan(srv, o1.id, cut), [['PL2', 10]], 'the order moved to the next PO');
    assert.deepEqual(await skuPlan(srv, o2.id, kept), [['PK1', 10]], 'the unchanged SKU keeps its plan');
    await assertCheck(srv);
  });

  test('concurrent imports of the same new positions both complete; the last applies whole', async () => {
    const prefix = uniqueSku('CIM');
    const file = (q) => `${HEADER}\n${Array.from({ length: 2000 }, (_, i) => `${prefix}N${i},WH1,onhand,${q},0,,,`).join('\n')}\n`;
    const res = await Promise.all([1, 2].map((q) => srv.importCsv(file(q), { fileName: `c${q}.csv` })));
    for (const r of res) assert.equal(r.status, 201, r.text);
    const rows = await sql(srv, `SELECT quantity, count(*) FROM positions WHERE sku LIKE '${prefix}N%' GROUP BY quantity`);
    assert.equal(rows.length, 1, `one file's quantities on every position: ${JSON.stringify(rows)}`);
    assert.equal(rows[0][1], '2000');
    assert.ok(['1', '2'].includes(rows[0][0]), rows[0][0]);
  });
});
