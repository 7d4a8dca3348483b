// Adversarial concurrency on one SKU through two servers on one database (SPEC 5.5, 5.7):
// orders, imports and receipts at once must never oversell, never answer 5xx, and leave
// `sellahead check` clean. Meant for PostgreSQL (two servers); on SQLite the two servers
// share the file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { HEADER, startServer } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, placeOrderRaw, receive } from './lib/shop.mjs';

let a;
let b;
before(async () => {
  a = await startServer();
  b = await startServer({ db: a.db });
});
after(async () => {
  await b?.stop();
  await a?.stop();
});

function assertNotOversold(doc) {
  for (const p of doc.positions) {
    assert.ok(p.allocatedQuantity <= Math.max(0, p.quantity - p.reservedQuantity),
      `oversold: ${JSON.stringify(p)}`);
  }
}

async function orderUnits(srv, id) {
  const o = await getOrder(srv, id);
  let n = 0;
  for (const s of o.shipments) if (s.status !== 'CANCELLED') for (const l of s.lines) n += l.quantity;
  return [o, n];
}

test('a shortfall race through two servers: exactly the stock is sold, the rest 409', async () => {
  const sku = await createSku(a, { onhand: 7 });
  const res = await Promise.all(Array.from({ length: 24 }, (_, i) =>
    placeOrderRaw(i % 2 ? a : b, [{ sku, quantity: 1 }])));
  const codes = res.map((r) => `${r.status} ${r.json?.error?.code ?? ''}`.trim());
  assert.equal(codes.filter((c) => c === '201').length, 7, codes.join(', '));
  assert.equal(codes.filter((c) => c === '409 INSUFFICIENT_INVENTORY').length, 17, codes.join(', '));
  const doc = await a.item(sku);
  assert.equal(doc.positions[0].allocatedQuantity, 7);
  await assertCheck(a);
});

test('orders, imports and receipts at once on one SKU: nothing oversold, check clean', async () => {
  const sku = await createSku(a, { onhand: 10,
    transit: [{ ref: 'PO1', quantity: 30, stockDate: '2026-12-10' },
      { ref: 'PO2', quantity: 10 }] });
  const bad = [];
  const placed = [];
  const wants = new Map();
  const jobs = [];
  for (let i = 0; i < 40; i++) {
    const srv = i % 2 ? a : b;
    const q = 1 + (i % 3);
    jobs.push(placeOrderRaw(srv, [{ sku, quantity: q }]).then((r) => {
      if (r.status === 201) {
        placed.push(r.json.id);
        wants.set(r.json.id, q);
      } else if (!(r.status === 409 && r.json.error.code === 'INSUFFICIENT_INVENTORY')) {
        bad.push(`order: ${r.status} ${r.text}`);
      }
    }));
    if (i % 5 === 0) {
      const onhand = 4 + (i % 11);
      const po1 = 10 + (i % 13);
      const csv = `${HEADER}\n${sku},WH1,onhand,${onhand},${i % 3},,,\n` +
        `${sku},WH1,intransit,${po1},0,PO1,2026-11-20,2026-12-${10 + (i % 9)}\n` +
        `${sku},WH1,intransit,10,0,PO2,2026-11-20,\n`;
      jobs.push(srv.importCsv(csv, { fileName: 'race.csv' }).then((r) => {
        if (r.status !== 201 || r.json.status !== 'COMPLETED') bad.push(`import: ${r.status} ${r.text}`);
      }));
    }
    if (i % 7 === 3) {
      jobs.push(receive(srv, sku, 'PO1', 2).then((r) => {
        if (r.status !== 200) bad.push(`receipt: ${r.status} ${r.text}`);
      }));
    }
  }
  await Promise.all(jobs);
  assert.deepEqual(bad, []);
  const doc = await a.item(sku);
  assertNotOversold(doc);
  for (const id of placed) {
    const [o, n] = await orderUnits(a, id);
    assert.equal(n, wants.get(id), `order ${o.number}'s open units`);
  }
  await assertCheck(a);
});

test('one Idempotency-Key sent six times at once through two servers: one order, one allocation', async () => {
  const sku = await createSku(a, { onhand: 10 });
  const headers = { 'idempotency-key': `race-${sku}` };
  const res = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    placeOrderRaw(i % 2 ? a : b, [{ sku, quantity: 3 }], { headers })));
  for (const r of res) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(res.map((r) => r.json.id)).size, 1, 'the same order for every answer');
  assert.equal((await a.item(sku)).positions[0].allocatedQuantity, 3);
  const other = await placeOrderRaw(b, [{ sku, quantity: 4 }], { headers });
  assert.equal(other.status, 422, other.text);
  assert.equal(other.json.error.code, 'IDEMPOTENCY_KEY_REUSED');
  await assertCheck(a);
});
